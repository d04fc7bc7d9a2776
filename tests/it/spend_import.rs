//! Importing spend files through the browser flow: upload → detect → map →
//! preview → commit, on the real council files and on generated files with
//! every quirk the importer must handle.

use std::time::Duration;

use localspend::db::imports::{self, status, Batch};
use localspend::db::spend;
use localspend::domain::Role;
use localspend::import::spend::Preview;

use crate::common::{shared_data, spawn_app, Resp, TestApp, TestClient};

/// Uploads a file for an institution; returns the response (a redirect to
/// the batch page when accepted).
pub(crate) async fn upload(
    client: &TestClient,
    institution: i64,
    name: &str,
    bytes: &[u8],
) -> Resp {
    let token = client.csrf_from("/spend/imports").await;
    client
        .post_multipart(
            "/spend/imports",
            &[
                ("csrf_token", &token),
                ("institution_id", &institution.to_string()),
            ],
            ("file", name, bytes),
        )
        .await
}

pub(crate) fn batch_id(res: &Resp) -> i64 {
    assert_eq!(res.status, 303, "upload accepted: {}", res.body);
    res.location()
        .and_then(|l| l.strip_prefix("/spend/imports/"))
        .and_then(|id| id.parse().ok())
        .expect("redirect to the batch")
}

pub(crate) async fn wait_for(app: &TestApp, id: i64) -> Batch {
    for _ in 0..600 {
        let batch = app.with_conn(|c| imports::get(c, id).unwrap());
        if batch.status != status::PREVIEWING && batch.status != status::COMMITTING {
            return batch;
        }
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("batch {id} did not finish");
}

/// Confirms the mapping the app proposed (as the clerk does by pressing the
/// button), with optional extra fields such as the date order.
pub(crate) async fn confirm_mapping(
    app: &TestApp,
    client: &TestClient,
    id: i64,
    extra: &[(&str, &str)],
) -> (Resp, Batch) {
    let batch = app.with_conn(|c| imports::get(c, id).unwrap());
    let settings = batch.settings().unwrap();
    let names: Vec<String> = (0..settings.columns.len())
        .map(|i| format!("col_{i}"))
        .collect();
    let version = batch.version.to_string();
    let mut fields: Vec<(&str, &str)> =
        vec![("version", &version), ("vat_basis", &settings.vat_basis)];
    for (name, field) in names.iter().zip(&settings.columns) {
        fields.push((name, field.map_or("", |f| f.code())));
    }
    if settings.purchase_card {
        fields.push(("purchase_card", "on"));
    }
    if let Some(order) = settings.date_order {
        if !extra.iter().any(|(k, _)| *k == "date_order") {
            fields.push(("date_order", order.code()));
        }
    }
    fields.extend_from_slice(extra);
    let page = format!("/spend/imports/{id}");
    let res = client
        .submit(&page, &format!("/spend/imports/{id}/map"), &fields)
        .await;
    let batch = wait_for(app, id).await;
    (res, batch)
}

pub(crate) fn preview_of(batch: &Batch) -> Preview {
    serde_json::from_str(&batch.preview).expect("a stored preview")
}

pub(crate) async fn commit(app: &TestApp, client: &TestClient, id: i64) -> (Resp, Batch) {
    let version = app.with_conn(|c| imports::get(c, id).unwrap().version.to_string());
    let res = client
        .submit(
            &format!("/spend/imports/{id}"),
            &format!("/spend/imports/{id}/commit"),
            &[("version", &version)],
        )
        .await;
    (res, wait_for(app, id).await)
}

/// Uploads, confirms the proposed mapping, previews and commits.
pub(crate) async fn import(
    app: &TestApp,
    client: &TestClient,
    institution: i64,
    name: &str,
    bytes: &[u8],
) -> (Preview, Batch) {
    let id = batch_id(&upload(client, institution, name, bytes).await);
    let (res, batch) = confirm_mapping(app, client, id, &[]).await;
    assert_eq!(res.status, 303, "mapping accepted: {}", res.body);
    assert_eq!(batch.status, status::PREVIEWED, "{name}: {}", batch.message);
    let preview = preview_of(&batch);
    assert!(preview.can_commit(), "{name}: {:?}", preview.blockers());
    let (res, batch) = commit(app, client, id).await;
    assert_eq!(res.status, 303, "{}", res.body);
    assert_eq!(batch.status, status::COMMITTED, "{name}: {}", batch.message);
    (preview, batch)
}

fn live_total(app: &TestApp, institution: i64) -> (i64, i64) {
    app.with_conn(|c| {
        let f = spend::LedgerFilter {
            institutions: Some(vec![institution]),
            ..Default::default()
        };
        let (_, n, total) = spend::ledger(c, &f, Default::default(), 1, 0).unwrap();
        (n, total)
    })
}

/// Imports `contents` as a file, day first, through the library's one-call
/// import (as the demonstration does), without the web flow.
pub(crate) fn import_text(
    conn: &mut localspend::db::DbConn,
    institution: i64,
    contents: &str,
) -> Result<localspend::import::spend::Committed, localspend::import::spend::SpendImportError> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("spend.csv");
    std::fs::write(&path, contents).unwrap();
    localspend::import::spend::import_whole(
        conn,
        &localspend::db::audit::Actor::system("test"),
        institution,
        &path,
        localspend::domain::dates::DateOrder::DayFirst,
    )
}

#[actix_web::test]
async fn every_real_council_file_imports_with_its_row_count_and_total() {
    let app = spawn_app().await;
    let manchester = app.add_institution("Manchester City Council", "E08000003");
    let calderdale = app.add_institution("Calderdale Council", "E08000033");
    let oxford = app.add_institution("Oxford City Council", "E07000178");
    let (client, _) = app.signed_in("netclerk", Role::Admin, None).await;
    // Counted independently of the app (Python's csv module and Decimal).
    let files: [(i64, &str, u64, i64); 7] = [
        (manchester, "manchester/2021-04.csv", 3021, 6_503_302_895),
        (manchester, "manchester/2021-05.csv", 2516, 7_423_342_128),
        (calderdale, "calderdale/2021-04.csv", 2138, 1_599_509_340),
        (calderdale, "calderdale/2021-04-card.csv", 2505, 17_468_515),
        (
            oxford,
            "oxford-city-council/expenditure-over-500-jan-mar-2014.csv",
            3859,
            1_341_346_798,
        ),
        (
            oxford,
            "oxford-city-council/expenditure-over-500-jul-sep-2016.csv",
            3581,
            1_293_788_362,
        ),
        (
            oxford,
            "oxford-city-council/expenditure-over-500-jan-mar-2017.csv",
            3913,
            1_339_798_924,
        ),
    ];
    for (institution, file, lines, pence) in files {
        let bytes = std::fs::read(shared_data(&format!("spend/{file}"))).unwrap();
        let name = file.rsplit('/').next().unwrap();
        let (preview, batch) = import(&app, &client, institution, name, &bytes).await;
        assert_eq!(
            (preview.lines, preview.total_pence),
            (lines, pence),
            "{file} preview"
        );
        assert_eq!(
            (batch.line_count, batch.total_pence),
            (lines as i64, pence),
            "{file} committed"
        );
    }
    assert_eq!(
        live_total(&app, manchester),
        (3021 + 2516, 6_503_302_895 + 7_423_342_128)
    );
    assert_eq!(
        live_total(&app, calderdale),
        (2138 + 2505, 1_599_509_340 + 17_468_515)
    );
    // The Calderdale file names company numbers; the card file is marked as
    // purchase-card spend from its merchant categories, and the main file's
    // 28 lines whose supplier id is "Purchase Card Supplier" are card
    // payments too (counted with Python's csv module).
    let card_lines = app.with_conn(|c| {
        use diesel::prelude::*;
        use localspend::db::schema::spend_lines as l;
        l::table
            .filter(l::institution_id.eq(calderdale))
            .filter(l::purchase_card.eq(true))
            .count()
            .get_result::<i64>(c)
            .unwrap()
    });
    assert_eq!(card_lines, 2505 + 28);
    // The Oxford footer row (`,,xxx,,…`) was skipped, not rejected.
    let page = client.get("/spend/imports").await;
    assert!(page.body.contains("expenditure-over-500-jan-mar-2014.csv"));
    // Every commit is in the audit log.
    assert_eq!(
        app.audit_rows("import_batch")
            .iter()
            .filter(|r| r.action == "commit")
            .count(),
        7
    );
    app.assert_totals_agree();
}

#[actix_web::test]
async fn a_file_whose_dates_were_lost_is_refused_with_a_clear_message() {
    let app = spawn_app().await;
    let oxford = app.add_institution("Oxford City Council", "E07000178");
    let (client, _) = app.signed_in("clerk", Role::Clerk, Some(oxford)).await;
    let bytes = std::fs::read(shared_data(
        "spend/oxford-city-council/expenditure-over-500-apr-jun-2014.csv",
    ))
    .unwrap();
    let id = batch_id(&upload(&client, oxford, "apr-jun-2014.csv", &bytes).await);
    let (_, batch) = confirm_mapping(&app, &client, id, &[]).await;
    let preview = preview_of(&batch);
    assert_eq!(preview.lines, 0);
    assert_eq!(preview.rejected_count, 3836);
    assert!(!preview.can_commit());
    assert!(preview.blockers()[0].contains("the dates were lost when the file was exported"));
    let page = client.get(&format!("/spend/imports/{id}")).await;
    assert!(page
        .body
        .contains("the dates were lost when the file was exported"));
    assert!(page.body.contains("Row") && page.body.contains("00:00:00"));
    let (res, batch) = commit(&app, &client, id).await;
    assert_eq!(res.status, 400, "commit refused");
    assert_eq!(batch.status, status::PREVIEWED);
    assert_eq!(live_total(&app, oxford), (0, 0));
}

/// A file with everything real ledgers throw at an importer: DOS code page
/// 437 pound signs, bare-CR line endings, a report preamble, an empty spacer
/// column, every amount and date form, a blank row and a total row.
fn messy_file() -> Vec<u8> {
    let rows = [
        "Spend over \u{9c}500 - report run 02/05/2021",
        "Directorate of Resources",
        "",
        "Paid Date;;Supplier(Beneficiary) Name;Net Amount(\u{9c});Service Area;Trans No",
        "01/04/2021;;Acme Ltd;\u{9c}1,234.00;Highways;T1",
        "13/04/21;;Bob's Bakery;\"2,100.00\";Schools;T2",
        "04-Apr-21;;Caf\u{82} Nero;487;Leisure;T3",
        "3 Apr 2021;;Acme Ltd;-1,234.00;Highways;T4",
        "44291;;Dee Supplies;(10.50);Highways;T5",
        "2021-04-06;;Eve Ltd;12.34-;Highways;T6",
        ";;;;;",
        ";;Total;\u{9c}2,588.34;;",
    ];
    let text = rows.join("\r") + "\r";
    // Map each char to its CP437 byte (the test file is written in CP437).
    text.chars()
        .map(|c| match c {
            '\u{9c}' => 0x9C,
            '\u{82}' => 0x82,
            c => c as u8,
        })
        .collect()
}

#[actix_web::test]
async fn a_messy_ledger_export_imports_with_every_quirk_handled() {
    let app = spawn_app().await;
    let inst = app.add_institution("Preston City Council", "E07000123");
    let (client, _) = app.signed_in("clerk", Role::Clerk, Some(inst)).await;
    let id = batch_id(&upload(&client, inst, "ledger.csv", &messy_file()).await);
    let batch = app.with_conn(|c| imports::get(c, id).unwrap());
    let layout = batch.layout().unwrap();
    assert_eq!(layout.header_row, Some(4));
    assert_eq!(layout.line_ending, "CR");
    assert_eq!(layout.delimiter, b';');
    let page = client.get(&format!("/spend/imports/{id}")).await;
    assert!(page.body.contains("DOS code page 437"), "{}", page.body);
    assert!(page.body.contains("report heading"));
    let (_, batch) = confirm_mapping(&app, &client, id, &[]).await;
    let preview = preview_of(&batch);
    assert_eq!(preview.rejected, [], "nothing rejected");
    assert_eq!(preview.lines, 6);
    let skipped: Vec<u64> = preview
        .skipped
        .iter()
        .filter(|r| r.message.starts_with("a total"))
        .map(|r| r.row)
        .collect();
    assert_eq!(skipped, [12], "the total row is skipped by its row number");
    assert_eq!(preview.blank_rows, 1);
    assert_eq!(
        preview.total_pence,
        123_400 + 210_000 + 48_700 - 123_400 - 1_050 - 1_234
    );
    assert_eq!(preview.credit_lines, 3);
    assert_eq!(preview.suppliers_new, 5, "Acme Ltd twice is one supplier");
    let (_, batch) = commit(&app, &client, id).await;
    assert_eq!(batch.status, status::COMMITTED, "{}", batch.message);
    let lines = app.with_conn(|c| {
        let f = spend::LedgerFilter {
            institutions: Some(vec![inst]),
            ..Default::default()
        };
        spend::ledger(c, &f, spend::LedgerSort::DateAsc, 100, 0)
            .unwrap()
            .0
    });
    let dates: Vec<String> = lines
        .iter()
        .map(|l| l.payment_date.format("%Y-%m-%d").to_string())
        .collect();
    assert_eq!(
        dates,
        [
            "2021-04-01",
            "2021-04-03",
            "2021-04-04",
            "2021-04-05",
            "2021-04-06",
            "2021-04-13"
        ]
    );
    assert!(lines.iter().any(|l| l.supplier_name == "Café Nero"));
    assert!(lines.iter().all(|l| l.import_batch_id == Some(id)));
    assert_eq!(
        lines
            .iter()
            .find(|l| l.supplier_name == "Dee Supplies")
            .unwrap()
            .import_row,
        Some(9),
        "each line keeps the row it came from"
    );
}

#[actix_web::test]
async fn a_file_with_no_header_is_mapped_by_its_values() {
    let app = spawn_app().await;
    let inst = app.add_institution("Preston City Council", "E07000123");
    let (client, _) = app.signed_in("clerk", Role::Clerk, Some(inst)).await;
    let file = "14/04/2021,ACME LIMITED,1234.56,HW01\n15/04/2021,Bob's Bakery,99.00,SC02\n";
    let (preview, batch) = import(&app, &client, inst, "noheader.csv", file.as_bytes()).await;
    assert_eq!(batch.layout().unwrap().header_row, None);
    assert_eq!((preview.lines, preview.total_pence), (2, 133_356));
}

#[actix_web::test]
async fn a_file_cut_off_mid_row_is_refused_whole() {
    let app = spawn_app().await;
    let inst = app.add_institution("Preston City Council", "E07000123");
    let (client, _) = app.signed_in("clerk", Role::Clerk, Some(inst)).await;
    let file = "Date,Supplier,Amount,Department\n01/04/2021,A,1.00,X\n13/04/2021,B,2";
    let id = batch_id(&upload(&client, inst, "cut.csv", file.as_bytes()).await);
    let (_, batch) = confirm_mapping(&app, &client, id, &[]).await;
    assert_eq!(batch.status, status::FAILED);
    assert!(
        batch.message.contains("row 3") && batch.message.contains("cut off"),
        "{}",
        batch.message
    );
    let page = client.get(&format!("/spend/imports/{id}")).await;
    assert!(page.body.contains("looks cut off"));
    assert_eq!(live_total(&app, inst), (0, 0));
}

#[actix_web::test]
async fn dates_that_read_either_way_must_be_confirmed() {
    let app = spawn_app().await;
    let inst = app.add_institution("Preston City Council", "E07000123");
    let (client, _) = app.signed_in("clerk", Role::Clerk, Some(inst)).await;
    let file = "Date,Supplier,Amount\n01/04/2021,A,1.00\n02/04/2021,B,2.00\n";
    let id = batch_id(&upload(&client, inst, "ambiguous.csv", file.as_bytes()).await);
    let (_, batch) = confirm_mapping(&app, &client, id, &[("date_order", "")]).await;
    let preview = preview_of(&batch);
    assert!(preview.date_order_needed);
    assert!(!preview.can_commit());
    let page = client.get(&format!("/spend/imports/{id}")).await;
    assert!(page.body.contains("Say which the file uses"));
    let (res, _) = commit(&app, &client, id).await;
    assert_eq!(res.status, 400);
    // Month first: 01/04 is 4 January.
    let (_, batch) = confirm_mapping(&app, &client, id, &[("date_order", "month_first")]).await;
    assert!(preview_of(&batch).can_commit());
    commit(&app, &client, id).await;
    let first = app.with_conn(|c| {
        let f = spend::LedgerFilter {
            institutions: Some(vec![inst]),
            ..Default::default()
        };
        spend::ledger(c, &f, spend::LedgerSort::DateAsc, 1, 0)
            .unwrap()
            .0[0]
            .payment_date
    });
    assert_eq!(first.to_string(), "2021-01-04");
}

#[actix_web::test]
async fn re_importing_adds_no_duplicates_and_says_how_many_were_skipped() {
    let app = spawn_app().await;
    let inst = app.add_institution("Preston City Council", "E07000123");
    let (client, _) = app.signed_in("clerk", Role::Clerk, Some(inst)).await;
    // Two identical payments in one file are both real.
    let april = "Date,Supplier,Amount,Trans No\n14/04/2021,Acme Ltd,10.00,T1\n14/04/2021,Acme Ltd,10.00,T1\n15/04/2021,Bob Ltd,20.00,T2\n";
    let (_, first) = import(&app, &client, inst, "april.csv", april.as_bytes()).await;
    assert_eq!((first.line_count, first.skipped_count), (3, 0));

    let id = batch_id(&upload(&client, inst, "april.csv", april.as_bytes()).await);
    let (_, batch) = confirm_mapping(&app, &client, id, &[]).await;
    let preview = preview_of(&batch);
    assert_eq!(preview.already_recorded, 3);
    assert_eq!(preview.same_file, [first.id]);
    let page = client.get(&format!("/spend/imports/{id}")).await;
    assert!(page.body.contains("This very file was imported before"));
    let (_, again) = commit(&app, &client, id).await;
    assert_eq!((again.line_count, again.skipped_count), (0, 3));
    let page = client.get(&format!("/spend/imports/{id}")).await;
    assert!(page
        .body
        .contains("3 lines were already on record and were skipped"));

    // An overlapping quarter file: the April lines again (one of the pair
    // once more, so only one is new), plus May.
    let quarter = "Date,Supplier,Amount,Trans No\n14/04/2021,Acme Ltd,10.00,T1\n14/04/2021,Acme Ltd,10.00,T1\n14/04/2021,Acme Ltd,10.00,T1\n15/04/2021,Bob Ltd,20.00,T2\n03/05/2021,Bob Ltd,5.00,T3\n";
    let (preview, batch) = import(&app, &client, inst, "q1.csv", quarter.as_bytes()).await;
    assert_eq!(preview.already_recorded, 3);
    assert_eq!(
        (batch.line_count, batch.skipped_count, batch.total_pence),
        (2, 3, 1_500)
    );
    assert_eq!(live_total(&app, inst), (5, 5_500));
    app.assert_totals_agree();
}

#[actix_web::test]
async fn an_admin_undoes_a_batch_whole_and_it_can_be_imported_again() {
    let app = spawn_app().await;
    let inst = app.add_institution("Preston City Council", "E07000123");
    let (clerk, _) = app.signed_in("clerk", Role::Clerk, Some(inst)).await;
    let (admin, _) = app.signed_in("admin", Role::Admin, Some(inst)).await;
    let file = "Date,Supplier,Amount\n14/04/2021,Acme Ltd,10.00\n15/04/2021,Bob Ltd,20.00\n";
    let (_, batch) = import(&app, &clerk, inst, "a.csv", file.as_bytes()).await;
    let undo = format!("/spend/imports/{}/undo", batch.id);
    let page = format!("/spend/imports/{}", batch.id);
    assert_eq!(
        clerk.submit(&page, &undo, &[]).await.status,
        403,
        "clerks cannot undo"
    );
    let res = admin.submit(&page, &undo, &[]).await;
    assert_eq!(res.status, 303);
    assert_eq!(live_total(&app, inst), (0, 0));
    app.assert_totals_agree();
    let undone = app.with_conn(|c| imports::get(c, batch.id).unwrap());
    assert_eq!(undone.status, status::UNDONE);
    let audit = app.audit_rows("import_batch");
    assert!(audit
        .iter()
        .any(|r| r.action == "undo" && r.summary.contains("2 lines removed")));
    let (_, again) = import(&app, &clerk, inst, "a.csv", file.as_bytes()).await;
    assert_eq!(again.line_count, 2, "undone lines do not block a re-import");
    assert_eq!(live_total(&app, inst), (2, 3_000));
    app.assert_totals_agree();
}

#[actix_web::test]
async fn a_corrected_mapping_is_remembered_for_the_next_file_of_that_layout() {
    let app = spawn_app().await;
    let inst = app.add_institution("Preston City Council", "E07000123");
    let (client, _) = app.signed_in("clerk", Role::Clerk, Some(inst)).await;
    // `Ref` is proposed as the transaction number; the clerk says it is the
    // invoice number.
    let file = "Date,Supplier,Amount,Ref\n14/04/2021,Acme Ltd,10.00,INV-1\n";
    let id = batch_id(&upload(&client, inst, "a.csv", file.as_bytes()).await);
    let proposed = app.with_conn(|c| imports::get(c, id).unwrap().settings().unwrap());
    assert_eq!(
        proposed.columns[3].map(|f| f.code()),
        Some("transaction_ref")
    );
    let version = app.with_conn(|c| imports::get(c, id).unwrap().version.to_string());
    let res = client
        .submit(
            &format!("/spend/imports/{id}"),
            &format!("/spend/imports/{id}/map"),
            &[
                ("version", &version),
                ("col_0", "payment_date"),
                ("col_1", "supplier_name"),
                ("col_2", "amount"),
                ("col_3", "invoice_ref"),
                ("date_order", "day_first"),
                ("vat_basis", "unknown"),
            ],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    wait_for(&app, id).await;
    let next = batch_id(
        &upload(
            &client,
            inst,
            "b.csv",
            b"date,supplier,amount,ref\n15/04/2021,Bob,1.00,INV-2\n",
        )
        .await,
    );
    let remembered = app.with_conn(|c| imports::get(c, next).unwrap().settings().unwrap());
    assert_eq!(remembered.columns[3].map(|f| f.code()), Some("invoice_ref"));
    let page = client.get(&format!("/spend/imports/{next}")).await;
    assert!(page.body.contains("the mapping you confirmed"));
    let saved = app.audit_rows("import_profile");
    assert_eq!(saved.len(), 1, "saving the mapping is audited");
    assert_eq!(saved[0].institution_id, Some(inst));
    assert!(saved[0].actor_name.contains("clerk"));
}

#[actix_web::test]
async fn a_mapping_without_the_needed_columns_keeps_what_was_chosen() {
    let app = spawn_app().await;
    let inst = app.add_institution("Preston City Council", "E07000123");
    let (client, _) = app.signed_in("clerk", Role::Clerk, Some(inst)).await;
    let id = batch_id(
        &upload(
            &client,
            inst,
            "a.csv",
            b"Date,Supplier,Amount\n14/04/2021,Acme,1.00\n",
        )
        .await,
    );
    let res = client
        .submit(
            &format!("/spend/imports/{id}"),
            &format!("/spend/imports/{id}/map"),
            &[
                ("version", "1"),
                ("col_0", "payment_date"),
                ("col_1", "description"),
                ("col_2", "amount"),
            ],
        )
        .await;
    assert_eq!(res.status, 422);
    assert!(res
        .body
        .contains("Choose the column that holds the supplier name"));
    assert!(
        res.body
            .contains(r#"<option value="description" selected>"#),
        "the clerk's choice is kept"
    );
}

#[actix_web::test]
async fn an_upload_that_is_not_a_table_is_refused_at_once() {
    let app = spawn_app().await;
    let inst = app.add_institution("Preston City Council", "E07000123");
    let (client, _) = app.signed_in("clerk", Role::Clerk, Some(inst)).await;
    let res = upload(
        &client,
        inst,
        "notes.txt",
        b"Dear clerk,\nplease pay the attached.\n",
    )
    .await;
    assert_eq!(res.status, 422);
    assert!(res.body.contains("does not look like a table of payments"));
    let other = app.add_institution("Other Council", "E08000003");
    let res = upload(
        &client,
        other,
        "a.csv",
        b"Date,Supplier,Amount\n14/04/2021,Acme,1.00\n",
    )
    .await;
    assert_eq!(
        res.status, 403,
        "a clerk imports only for their own institution"
    );
}

#[test]
fn an_import_hands_its_connection_back_with_the_default_cache() {
    use diesel::RunQueryDsl;
    use localspend::config::DatabaseUrl;

    #[derive(diesel::QueryableByName)]
    struct CacheSize {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        cache_size: i64,
    }

    let (db, _) = crate::common::prepared_database();
    let inst = crate::common::add_preston(&db.url);
    // One connection: the import's is the one asked about afterwards.
    let pool = localspend::db::build_pool(&DatabaseUrl::parse(&db.url).unwrap(), Some(1)).unwrap();
    let mut conn = pool.get().unwrap();
    let done = import_text(
        &mut conn,
        inst,
        "Date,Supplier,Amount\n14/04/2021,Acme Ltd,10.00\n15/04/2021,Bob Ltd,20.50\n",
    )
    .unwrap();
    assert_eq!((done.added, done.total_pence), (2, 3_050));
    if localspend::db::Backend::of(&conn) == localspend::db::Backend::Sqlite {
        let size: CacheSize = match &mut *conn {
            localspend::db::DbConn::Sqlite(c) => diesel::sql_query("PRAGMA cache_size")
                .get_result(c)
                .unwrap(),
            #[allow(unreachable_patterns)]
            _ => unreachable!(),
        };
        assert_eq!(size.cache_size, -2000, "SQLite's default page cache");
    }
}

#[actix_web::test]
async fn the_suppliers_a_file_names_are_created_with_their_aliases_provenance_and_audit() {
    use diesel::prelude::*;
    use localspend::db::audit::Actor;
    use localspend::db::schema::{
        spend_lines as l, supplier_aliases as a, supplier_provenance as p, suppliers as s,
    };
    use localspend::db::suppliers;
    use localspend::domain::supplier::{Source, SupplierFields};
    use std::fmt::Write;

    let app = spawn_app().await;
    let inst = app.add_institution("Preston City Council", "E07000123");
    let (client, clerk) = app.signed_in("clerk", Role::Clerk, Some(inst)).await;
    let make = |name: &str| {
        let input = SupplierFields {
            name: name.into(),
            ..Default::default()
        }
        .parse()
        .unwrap();
        app.with_conn(|c| {
            suppliers::create(c, &Actor::system("test"), &input, Source::Clerk, "")
                .unwrap()
                .id
        })
    };
    let known = make("Known Ltd");
    // More new suppliers than one block of reserved ids and than one
    // statement writes; one of them named twice.
    let mut file = String::from("Date,Supplier,Vendor ID,Amount\n13/05/2024,Known Ltd,,1.00\n");
    for i in 0..600 {
        writeln!(file, "14/05/2024,New Supplier {i} Ltd,V{i},{}.00", i + 1).unwrap();
    }
    file.push_str("15/05/2024,New Supplier 7 Ltd,V7,2.00\n");
    let (preview, batch) = import(&app, &client, inst, "names.csv", file.as_bytes()).await;
    assert_eq!((preview.suppliers_matched, preview.suppliers_new), (1, 600));
    assert_eq!(batch.line_count, 602);

    app.with_conn(|c| {
        let new: Vec<(i64, String)> = s::table
            .filter(s::id.ne(known))
            .select((s::id, s::name))
            .order(s::id)
            .load(c)
            .unwrap();
        assert_eq!(new.len(), 600);
        assert!(new.iter().all(|(id, _)| *id > known));
        // Every line points at the supplier it names.
        let mismatched: i64 = l::table
            .left_join(s::table)
            .filter(
                s::name
                    .is_null()
                    .or(s::name.nullable().ne(l::supplier_name.nullable())),
            )
            .count()
            .get_result(c)
            .unwrap();
        assert_eq!(mismatched, 0);
        let seven = new
            .iter()
            .find(|(_, n)| n == "New Supplier 7 Ltd")
            .unwrap()
            .0;
        let lines: i64 = l::table
            .filter(l::supplier_id.eq(seven))
            .count()
            .get_result(c)
            .unwrap();
        assert_eq!(lines, 2);
        assert_eq!(
            suppliers::external_ids(c, seven).unwrap(),
            [(inst, "V7".to_owned())]
        );
        let aliases = suppliers::aliases(c, seven).unwrap();
        assert_eq!(aliases.len(), 1);
        assert_eq!(aliases[0].name, "New Supplier 7 Ltd");
        let alias_count: i64 = a::table.count().get_result(c).unwrap();
        assert_eq!(alias_count, 601);
        let provenance = suppliers::provenance(c, seven).unwrap();
        assert_eq!(provenance.len(), 1);
        assert_eq!(
            (provenance[0].field.as_str(), provenance[0].source.as_str()),
            ("identity", "import")
        );
        assert_eq!(provenance[0].evidence, "Named in spend file names.csv");
        let with_provenance: Vec<i64> = p::table
            .filter(p::source.eq("import"))
            .select(p::supplier_id)
            .distinct()
            .load(c)
            .unwrap();
        assert_eq!(with_provenance.len(), 600);
    });
    let created: Vec<_> = app
        .audit_rows("supplier")
        .into_iter()
        .filter(|r| r.action == "create" && r.actor_user_id == Some(clerk.id))
        .collect();
    assert_eq!(created.len(), 600);
    let seven = created
        .iter()
        .find(|r| r.summary == "Created supplier New Supplier 7 Ltd")
        .unwrap();
    assert!(seven
        .after_json
        .as_deref()
        .unwrap()
        .contains("\"version\":1"));
    // Ids handed out for the file are never handed out again.
    let later = make("Later Ltd");
    let top: i64 = app.with_conn(|c| {
        s::table
            .filter(s::id.ne(later))
            .select(diesel::dsl::max(s::id))
            .first::<Option<i64>>(c)
            .unwrap()
            .unwrap()
    });
    assert!(later > top, "{later} follows {top}");
}

#[test]
fn a_write_that_fails_midway_leaves_nothing_and_stops_the_reading() {
    use diesel::prelude::*;
    use diesel::sql_types::BigInt;
    use localspend::db::DbConn;
    use std::fmt::Write;

    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let count = |c: &mut DbConn, table: &str| -> i64 {
        diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}"))
            .get_result::<Count>(c)
            .unwrap()
            .n
    };

    let (db, pool) = crate::common::prepared_database();
    let inst = crate::common::add_preston(&db.url);
    let mut conn = pool.get().unwrap();
    // The database refuses the second batch of lines, after the first went in.
    let refuse = if localspend::db::Backend::of(&conn) == localspend::db::Backend::Sqlite {
        vec![
            "CREATE TRIGGER refuse_late_rows BEFORE INSERT ON spend_lines \
             WHEN NEW.import_row > 15000 BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"
                .to_owned(),
        ]
    } else {
        vec![
            "CREATE FUNCTION refuse_late_rows() RETURNS trigger AS $$ BEGIN \
             IF NEW.import_row > 15000 THEN RAISE EXCEPTION 'refused by the test'; END IF; \
             RETURN NEW; END $$ LANGUAGE plpgsql"
                .to_owned(),
            "CREATE TRIGGER refuse_late_rows BEFORE INSERT ON spend_lines \
             FOR EACH ROW EXECUTE FUNCTION refuse_late_rows()"
                .to_owned(),
        ]
    };
    for sql in refuse {
        diesel::sql_query(sql).execute(&mut *conn).unwrap();
    }
    // 25,000 lines naming 700 suppliers: several blocks of reserved ids.
    let mut file = String::from("Date,Supplier,Amount\n");
    for i in 0..25_000 {
        writeln!(file, "14/04/2021,Supplier {} Ltd,{}.00", i % 700, i + 1).unwrap();
    }

    // On a thread, so that a reader and writer left waiting on each other
    // fail the test instead of hanging it.
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    let importing = std::thread::spawn(move || {
        let result = import_text(&mut conn, inst, &file);
        done_tx.send(result.map_err(|e| e.to_string())).unwrap();
        conn
    });
    let result = done_rx
        .recv_timeout(std::time::Duration::from_secs(120))
        .expect("the import ends");
    let mut conn = importing.join().unwrap();
    let message = result.unwrap_err();
    assert!(message.contains("refused by the test"), "{message}");
    assert_eq!(count(&mut conn, "spend_lines"), 0, "no line is kept");
    assert_eq!(count(&mut conn, "suppliers"), 0, "no supplier is kept");
    assert_eq!(count(&mut conn, "spend_totals"), 0);
    let batches = imports::recent(
        &mut conn,
        &localspend::domain::account::Reach::institution(inst),
        10,
    )
    .unwrap();
    assert_eq!(batches.len(), 1);
    assert_eq!(batches[0].status, status::PREVIEWED);
    // The database's own words go to the log, never to the page.
    assert!(
        !batches[0].message.contains("refused by the test"),
        "{}",
        batches[0].message
    );
    assert!(batches[0]
        .message
        .contains("A problem on our side stopped it"));
}

#[test]
fn a_value_every_line_of_a_file_shares_is_kept_on_every_line() {
    use diesel::prelude::*;
    use localspend::db::schema::spend_lines as l;

    let (db, pool) = crate::common::prepared_database();
    let inst = crate::common::add_preston(&db.url);
    let mut conn = pool.get().unwrap();
    // The same VAT, and no redacted payee, on every line.
    let done = import_text(
        &mut conn,
        inst,
        "Date,Supplier,Amount,Irrecoverable VAT\n14/04/2021,Acme Ltd,10.00,2.50\n15/04/2021,Bob Ltd,20.00,2.50\n16/04/2021,Acme Ltd,-3.00,2.50\n",
    )
    .unwrap();
    assert_eq!(done.added, 3);
    let rows: Vec<(i64, Option<i64>, bool, Option<i64>)> = l::table
        .order(l::import_row)
        .select((
            l::amount_pence,
            l::irrecoverable_vat_pence,
            l::redacted,
            l::import_row,
        ))
        .load(&mut *conn)
        .unwrap();
    assert_eq!(
        rows,
        [
            (1_000, Some(250), false, Some(2)),
            (2_000, Some(250), false, Some(3)),
            (-300, Some(250), false, Some(4)),
        ]
    );
}
