//! Spend files as councils publish them, through the command line (the
//! browser proposes the same mapping from the same code; its own journeys
//! are at the end): columns found by their values, rows that are not
//! payments, spreadsheet row numbers, unreadable rows left out and imported
//! later, far-dated lines, several files at once. Every file is generated
//! here and its figures are summed here, independently of the importer.

use diesel::prelude::*;
use localspend::db;
use localspend::db::schema::spend_lines as l;

use crate::cli::localspend;
use crate::common::{add_preston, fresh_database, FreshDb};

/// A migrated database with one institution; its id as text.
pub(crate) fn ready() -> (FreshDb, String, tempfile::TempDir) {
    let db = fresh_database();
    let (ok, _, err) = localspend(&db.url, &["migrate"], None);
    assert!(ok, "{err}");
    let inst = add_preston(&db.url).to_string();
    (db, inst, tempfile::tempdir().unwrap())
}

/// Live lines on record: how many and their total in pence.
fn live(url: &str) -> (i64, i64) {
    let pool = db::build_pool(
        &localspend::config::DatabaseUrl::parse(url).unwrap(),
        Some(1),
    )
    .unwrap();
    let mut c = pool.get().unwrap();
    let amounts: Vec<i64> = l::table
        .filter(l::deleted_at.is_null())
        .select(l::amount_pence)
        .load(&mut c)
        .unwrap();
    (amounts.len() as i64, amounts.iter().sum())
}

/// `import spend` with `args` after the file and institution, `--json`.
pub(crate) fn import_json(
    db: &FreshDb,
    inst: &str,
    files: &[&std::path::Path],
    args: &[&str],
) -> (bool, serde_json::Value, String) {
    let mut all: Vec<&str> = vec!["import", "spend"];
    all.extend(files.iter().map(|f| f.to_str().unwrap()));
    all.extend(["--institution", inst, "--json"]);
    all.extend_from_slice(args);
    let (ok, out, err) = localspend(&db.url, &all, None);
    let json = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out} {err}"));
    (ok, json, err)
}

/// The mapping a file was read with: field code per column header.
fn mapping(file: &serde_json::Value) -> Vec<(String, Option<String>)> {
    file["mapping"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["header"].as_str().unwrap().to_owned(),
                c["field"].as_str().map(str::to_owned),
            )
        })
        .collect()
}

#[test]
fn columns_with_names_nobody_listed_are_mapped_by_their_values() {
    let (db, inst, dir) = ready();
    let mut text = String::from(
        "Invoice Created,Posted,Date Received,Payable To,Line Value (net of VAT),Gross Val,Ref\n",
    );
    let mut expected = 0_i64;
    for i in 0..40_i64 {
        let net = 10_000 + i * 137;
        expected += net;
        text.push_str(&format!(
            "{:02}/03/2021,{:02}/04/2021,{:02}/03/2021,Supplier {} Ltd,{}.{:02},{}.{:02},{}\n",
            i % 28 + 1,
            i % 28 + 1,
            i % 28 + 1,
            i % 7,
            net / 100,
            net % 100,
            net * 6 / 5 / 100,
            net * 6 / 5 % 100,
            90_000 + i
        ));
    }
    let file = dir.path().join("ledger.csv");
    std::fs::write(&file, &text).unwrap();
    let (ok, json, err) = import_json(&db, &inst, &[&file], &["--dates", "day-first"]);
    assert!(ok, "{err} {json}");
    let f = &json["files"][0];
    let field = |h: &str| {
        mapping(f)
            .into_iter()
            .find(|(header, _)| header == h)
            .and_then(|(_, f)| f)
    };
    assert_eq!(field("Posted").as_deref(), Some("payment_date"));
    assert_eq!(field("Invoice Created").as_deref(), Some("invoice_date"));
    assert_eq!(
        field("Date Received").as_deref(),
        Some("received_date"),
        "a received date is its own field, never the payment date"
    );
    assert_eq!(field("Line Value (net of VAT)").as_deref(), Some("amount"));
    assert_eq!(field("Gross Val"), None, "net wins over gross");
    assert_eq!(field("Payable To").as_deref(), Some("supplier_name"));
    assert_eq!(
        f["mapping"][1]["evidence"], "all 40 values are dates",
        "the reason is given"
    );
    assert_eq!(f["committed"]["added"], 40);
    assert_eq!(live(&db.url), (40, expected));
    let pool = db::build_pool(
        &localspend::config::DatabaseUrl::parse(&db.url).unwrap(),
        Some(1),
    )
    .unwrap();
    let dates: Vec<(
        chrono::NaiveDate,
        Option<chrono::NaiveDate>,
        Option<chrono::NaiveDate>,
    )> = l::table
        .select((l::payment_date, l::invoice_date, l::received_date))
        .order(l::import_row)
        .limit(1)
        .load(&mut pool.get().unwrap())
        .unwrap();
    let d = |m, day| chrono::NaiveDate::from_ymd_opt(2021, m, day).unwrap();
    assert_eq!(dates, [(d(4, 1), Some(d(3, 1)), Some(d(3, 1)))]);
}

#[test]
fn a_file_whose_columns_cannot_be_told_gets_the_exact_map_it_needs() {
    let (db, inst, dir) = ready();
    // The payees are published as numbers only: nothing says which column
    // names them.
    let text = "Paid,Value,Payee code\n01/04/2021,10.00,30001\n02/04/2021,20.50,30002\n";
    let file = dir.path().join("codes.csv");
    std::fs::write(&file, text).unwrap();
    let (ok, json, _) = import_json(&db, &inst, &[&file], &["--dates", "day-first"]);
    assert!(!ok);
    let needs = json["files"][0]["needs"][0].as_str().unwrap();
    assert!(needs.starts_with("--map supplier_name="), "{needs}");
    assert_eq!(live(&db.url), (0, 0));
    let (ok, json, err) = import_json(
        &db,
        &inst,
        &[&file],
        &["--dates", "day-first", "--map", "supplier_name=Payee code"],
    );
    assert!(ok, "{err} {json}");
    assert_eq!(live(&db.url), (2, 3_050));
    // By number too, and a wrong one is named.
    let (ok, json, _) = import_json(&db, &inst, &[&file], &["--map", "supplier_name=9"]);
    assert!(!ok);
    assert!(
        json["files"][0]["message"]
            .as_str()
            .unwrap()
            .contains("the file has 3 columns, not 9"),
        "{json}"
    );
}

#[test]
fn rows_that_are_not_payments_are_skipped_each_with_its_row_and_why() {
    let (db, inst, dir) = ready();
    let mut text =
        String::from("Payments over £500: April 2021\n\nDate,Supplier,Amount,Department\n");
    let mut expected = 0_i64;
    let mut row = 3; // the header is row 3 of the text
    let mut add = |text: &mut String, row: &mut i64, i: i64| {
        let pence = 50_000 + i * 1_001;
        expected += pence;
        text.push_str(&format!(
            "{:02}/04/2021,Supplier {i} Ltd,\"{},{:03}.{:02}\",Highways\n",
            i % 28 + 1,
            pence / 100_000,
            pence / 100 % 1000,
            pence % 100
        ));
        *row += 1;
    };
    for i in 0..10 {
        add(&mut text, &mut row, i);
    }
    // Rows 14 and 15: the header again (a second report page) and a
    // page-break note.
    text.push_str("Date,Supplier,Amount,Department\nPage 2 of 3,,,\n");
    row += 2;
    for i in 10..20 {
        add(&mut text, &mut row, i);
    }
    // Two blank rows (26, 27), a note (28), the grand total (29), a copyright line (30).
    let total_pounds = format!("{}.{:02}", expected / 100, expected % 100);
    text.push_str(",,,\n,,,\nReport produced by Agresso on 01/05/2021,,,\n");
    text.push_str(&format!(",Grand Total,{total_pounds},\n"));
    text.push_str("© Preston City Council 2021,,,\n");
    let file = dir.path().join("april.csv");
    std::fs::write(&file, &text).unwrap();
    let (ok, json, err) = import_json(&db, &inst, &[&file], &["--dates", "day-first"]);
    assert!(ok, "{err} {json}");
    let p = &json["files"][0]["preview"];
    let skipped: Vec<(u64, String)> = p["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["row"].as_u64().unwrap(),
                r["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        skipped,
        [
            (14, "the header row again".to_owned()),
            (15, "a title or note line, not a payment".to_owned()),
            (26, "blank rows 26 to 27".to_owned()),
            (28, "a title or note line, not a payment".to_owned()),
            (
                29,
                format!(
                    "a total row ({}), not a payment",
                    localspend::domain::money::Pence(expected)
                )
            ),
            (30, "a title or note line, not a payment".to_owned()),
        ]
    );
    assert_eq!(p["file_total"], serde_json::json!([29, expected]));
    assert_eq!(p["warning_count"], 0, "the total agrees: {p}");
    assert_eq!(p["rejected_count"], 0);
    assert_eq!(live(&db.url), (20, expected));

    // A total that does not agree is a warning, not a refusal.
    let short = text.replace(&total_pounds, "1.00");
    let file = dir.path().join("april-short.csv");
    std::fs::write(&file, short.replace("Highways", "Schools")).unwrap();
    let (ok, json, err) = import_json(&db, &inst, &[&file], &["--dates", "day-first", "--dry-run"]);
    assert!(ok, "{err}");
    let warning = json["files"][0]["preview"]["warnings"][0]["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        warning.starts_with("the file's own total is £1.00 but its payments sum to"),
        "{warning}"
    );
}

#[test]
fn a_file_without_a_header_at_the_top_keeps_the_payments_above_one_part_way_down() {
    let (db, inst, dir) = ready();
    let mut text = String::new();
    let mut expected = 0;
    for i in 0..5_i64 {
        expected += 1_000 + i;
        text.push_str(&format!(
            "0{}/04/2021,Early {i} Ltd,{}.{:02}\n",
            i + 1,
            (1_000 + i) / 100,
            (1_000 + i) % 100
        ));
    }
    text.push_str("Payment Date,Supplier Name,Amount\n");
    for i in 0..5_i64 {
        expected += 2_000 + i;
        text.push_str(&format!(
            "1{}/04/2021,Late {i} Ltd,{}.{:02}\n",
            i + 1,
            (2_000 + i) / 100,
            (2_000 + i) % 100
        ));
    }
    let file = dir.path().join("joined.csv");
    std::fs::write(&file, &text).unwrap();
    let (ok, json, err) = import_json(&db, &inst, &[&file], &[]);
    assert!(ok, "{err} {json}");
    let p = &json["files"][0]["preview"];
    assert_eq!(p["lines"], 10);
    assert_eq!(p["skipped"][0]["row"], 6);
    assert_eq!(p["skipped"][0]["message"], "the header row again");
    assert_eq!(live(&db.url), (10, expected));
}

#[test]
fn rows_are_numbered_as_a_spreadsheet_shows_them_with_the_text_line_where_it_differs() {
    let (db, inst, dir) = ready();
    let text = "Date,Supplier,Amount,Description\n\
01/04/2021,A Ltd,1.00,\"Two lines\nof description\"\n\
02/04/2021,B Ltd,2.00,One line\n\
31/02/2021,C Ltd,3.00,Bad date\n";
    let file = dir.path().join("multi.csv");
    std::fs::write(&file, text).unwrap();
    let (ok, json, _) = import_json(&db, &inst, &[&file], &["--dry-run"]);
    assert!(!ok);
    let rejected = &json["files"][0]["preview"]["rejected"][0];
    assert_eq!(rejected["row"], 4, "{rejected}");
    assert_eq!(rejected["line"], 5, "{rejected}");
}

#[test]
fn a_few_broken_rows_are_left_out_then_imported_fixed_without_duplicates() {
    let (db, inst, dir) = ready();
    let mut text = String::from("Payment Date,Supplier Name,Net Amount,Description\n");
    let mut good = 0_i64;
    for i in 0..10_i64 {
        let pence = 12_345 + i;
        match i {
            3 => text.push_str("31/02/2021,Broken Date Ltd,45.00,\"=HYPERLINK(\"\"x\"\")\"\n"),
            7 => text.push_str("15/04/2021,Broken Amount Ltd,12.3.4,Typo\n"),
            _ => {
                good += pence;
                text.push_str(&format!(
                    "{:02}/04/2021,Supplier {i} Ltd,{}.{:02},Goods\n",
                    i + 10,
                    pence / 100,
                    pence % 100
                ));
            }
        }
    }
    let file = dir.path().join("may.csv");
    std::fs::write(&file, &text).unwrap();
    let (ok, json, err) = import_json(&db, &inst, &[&file], &[]);
    assert!(!ok);
    assert!(err.contains("--skip-unreadable"), "{err}");
    assert_eq!(json["files"][0]["preview"]["rejected_pence"], 4_500);
    assert_eq!(live(&db.url), (0, 0), "all or nothing by default");

    let rejected = dir.path().join("to-fix.csv");
    let (ok, json, err) = import_json(
        &db,
        &inst,
        &[&file],
        &[
            "--skip-unreadable",
            "--rejected",
            rejected.to_str().unwrap(),
        ],
    );
    assert!(ok, "{err} {json}");
    assert_eq!(json["files"][0]["committed"]["added"], 8);
    assert_eq!(
        json["files"][0]["rejected_file"],
        rejected.to_str().unwrap()
    );
    assert_eq!(live(&db.url), (8, good));
    let written = std::fs::read_to_string(&rejected).unwrap();
    assert_eq!(
        written.trim_start_matches('\u{feff}'),
        "Payment Date,Supplier Name,Net Amount,Description\n\
31/02/2021,Broken Date Ltd,45.00,\"'=HYPERLINK(\"\"x\"\")\"\n\
15/04/2021,Broken Amount Ltd,12.3.4,Typo\n",
        "the rows as read, formula-safe"
    );
    // The clerk corrects the two rows and imports them: they go in once,
    // the formula guard is read back off.
    let fixed = written
        .replace("31/02/2021", "28/02/2021")
        .replace("12.3.4", "12.34");
    std::fs::write(&rejected, fixed).unwrap();
    let (ok, json, err) = import_json(&db, &inst, &[&rejected], &[]);
    assert!(ok, "{err} {json}");
    assert_eq!(json["files"][0]["committed"]["added"], 2);
    assert_eq!(live(&db.url), (10, good + 4_500 + 1_234));
    // The original again, leaving out its broken rows: nothing twice.
    let (ok, json, err) = import_json(&db, &inst, &[&file], &["--skip-unreadable"]);
    assert!(ok, "{err} {json}");
    assert_eq!(json["files"][0]["committed"]["added"], 0);
    assert_eq!(json["files"][0]["committed"]["skipped"], 8);
    assert!(
        std::path::Path::new(&format!("{}.rejected.csv", file.display())).exists(),
        "the default place is beside the file"
    );
    assert_eq!(live(&db.url), (10, good + 4_500 + 1_234));
    let pool = db::build_pool(
        &localspend::config::DatabaseUrl::parse(&db.url).unwrap(),
        Some(1),
    )
    .unwrap();
    let descriptions: Vec<Option<String>> = l::table
        .filter(l::amount_pence.eq(4_500))
        .select(l::description)
        .load(&mut pool.get().unwrap())
        .unwrap();
    assert_eq!(descriptions, [Some("=HYPERLINK(\"x\")".to_owned())]);
}

#[test]
fn lines_dated_far_outside_the_files_own_period_are_a_warning() {
    let (db, inst, dir) = ready();
    let mut text = String::from("Date,Supplier,Amount\n");
    for i in 0..30 {
        text.push_str(&format!("{:02}/06/2012,Supplier {i},10.00\n", i % 28 + 1));
    }
    for i in 0..3 {
        text.push_str(&format!("{:02}/06/2010,Old {i},10.00\n", i + 1));
    }
    let file = dir.path().join("june.csv");
    std::fs::write(&file, &text).unwrap();
    let (ok, json, err) = import_json(&db, &inst, &[&file], &["--dry-run", "--dates", "day-first"]);
    assert!(ok, "{err}");
    let p = &json["files"][0]["preview"];
    let messages: Vec<&str> = p["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["message"].as_str().unwrap())
        .collect();
    assert_eq!(
        messages,
        ["3 lines are dated 2010 in a file whose other lines are dated June 2012 (rows 32, 33, 34): check the dates"]
    );
}

#[test]
fn a_years_files_go_in_together_in_date_order_and_one_that_fails_stops_none() {
    let (db, inst, dir) = ready();
    let month = |m: u32, n: i64| {
        let mut t = String::from("Date,Supplier,Amount\n");
        for i in 0..n {
            t.push_str(&format!(
                "{:02}/{m:02}/2021,Supplier {i},{}.00\n",
                i % 28 + 1,
                100 + i
            ));
        }
        t
    };
    let may = dir.path().join("b-may.csv");
    let april = dir.path().join("c-april.csv");
    let broken = dir.path().join("a-broken.csv");
    std::fs::write(&may, month(5, 15)).unwrap();
    std::fs::write(&april, month(4, 20)).unwrap();
    std::fs::write(&broken, "Date,Supplier,Amount\n13/06/2021,X,lots\n").unwrap();
    let (ok, json, _) = import_json(
        &db,
        &inst,
        &[&may, &broken, &april],
        &["--dates", "day-first"],
    );
    assert!(!ok, "one file was refused");
    assert_eq!(json["imported"], 2);
    assert_eq!(json["refused"], 1);
    let files: Vec<(&str, &str, i64)> = json["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["file"].as_str().unwrap().rsplit('/').next().unwrap(),
                f["status"].as_str().unwrap(),
                f["batch"].as_i64().unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(files[0].0, "c-april.csv", "April first: {files:?}");
    assert_eq!(files[1].0, "b-may.csv");
    assert_eq!(files[2].0, "a-broken.csv");
    assert!(files[0].2 < files[1].2, "April's batch before May's");
    assert_eq!(files[2].1, "refused");
    let expected: i64 = (0..20).map(|i| (100 + i) * 100).sum::<i64>()
        + (0..15).map(|i| (100 + i) * 100).sum::<i64>();
    assert_eq!(live(&db.url), (35, expected));
}

#[test]
fn every_date_form_a_council_uses_is_read() {
    let (db, inst, dir) = ready();
    let text = "Date,Supplier,Amount\n\
\"Tuesday, April 26, 2022\",A,1.00\n\
Tue 26/04/2022,B,2.00\n\
20220426,C,3.00\n\
26th April 2022,D,4.00\n\
2022-04-26 10:30:00,E,5.00\n\
26-Apr-22,F,6.00\n\
26.04.2022,G,7.00\n\
44677,H,8.00\n";
    let file = dir.path().join("dates.csv");
    std::fs::write(&file, text).unwrap();
    let (ok, json, err) = import_json(&db, &inst, &[&file], &["--dates", "day-first"]);
    assert!(ok, "{err} {json}");
    let pool = db::build_pool(
        &localspend::config::DatabaseUrl::parse(&db.url).unwrap(),
        Some(1),
    )
    .unwrap();
    let dates: Vec<chrono::NaiveDate> = l::table
        .select(l::payment_date)
        .load(&mut pool.get().unwrap())
        .unwrap();
    assert_eq!(dates.len(), 8);
    assert!(
        dates
            .iter()
            .all(|d| *d == chrono::NaiveDate::from_ymd_opt(2022, 4, 26).unwrap()),
        "{dates:?}"
    );
    assert_eq!(live(&db.url), (8, 3_600));
}

mod in_the_browser {
    use localspend::db::imports::status;
    use localspend::domain::Role;

    use crate::common::spawn_app;
    use crate::spend_import::{batch_id, confirm_mapping, preview_of, upload, wait_for};

    #[actix_web::test]
    async fn the_mapping_page_says_why_and_asks_one_question_per_missing_field() {
        let app = spawn_app().await;
        let inst = app.add_institution("Preston City Council", "E07000123");
        let (client, _) = app.signed_in("clerk", Role::Clerk, Some(inst)).await;
        let file = "Paid,Value,Payee code\n01/04/2021,10.00,30001\n13/04/2021,20.50,30002\n";
        let id = batch_id(&upload(&client, inst, "codes.csv", file.as_bytes()).await);
        let page = client.get(&format!("/spend/imports/{id}")).await;
        assert!(
            page.body
                .contains("all 2 values are dates: proposed from its values"),
            "{}",
            page.body
        );
        assert!(page.body.contains(
            "<label for=\"q_supplier_name\">Which column holds the supplier name?</label>"
        ));
        // Answering the question maps the column.
        let (_, batch) = confirm_mapping(&app, &client, id, &[("q_supplier_name", "2")]).await;
        assert_eq!(batch.status, status::PREVIEWED, "{}", batch.message);
        let settings = batch.settings().unwrap();
        assert_eq!(
            settings.column_of(localspend::domain::spend_file::Field::SupplierName),
            Some(2)
        );
        assert_eq!(preview_of(&batch).total_pence, 3_050);
    }

    #[actix_web::test]
    async fn a_clerk_leaves_broken_rows_out_downloads_them_fixes_them_and_imports_them() {
        let app = spawn_app().await;
        let inst = app.add_institution("Preston City Council", "E07000123");
        let (client, _) = app.signed_in("clerk", Role::Clerk, Some(inst)).await;
        let file = "Payment Date,Supplier Name,Net Amount\n\
01/04/2021,A Ltd,10.00\n\
31/04/2021,B Ltd,20.00\n\
13/04/2021,C Ltd,30.00\n";
        let id = batch_id(&upload(&client, inst, "april.csv", file.as_bytes()).await);
        let (_, batch) = confirm_mapping(&app, &client, id, &[]).await;
        let p = preview_of(&batch);
        assert_eq!((p.lines, p.rejected_count, p.rejected_pence), (2, 1, 2_000));
        assert!(!p.can_commit() && p.can_commit_leaving_out());
        let page = client.get(&format!("/spend/imports/{id}")).await;
        assert!(
            page.body.contains("Leave this row out and import the rest"),
            "{}",
            page.body
        );
        // Without the choice the commit is refused; with it the rest go in.
        let version = batch.version.to_string();
        let refused = client
            .submit(
                &format!("/spend/imports/{id}"),
                &format!("/spend/imports/{id}/commit"),
                &[("version", &version)],
            )
            .await;
        assert_eq!(refused.status, 400);
        let res = client
            .submit(
                &format!("/spend/imports/{id}"),
                &format!("/spend/imports/{id}/commit"),
                &[("version", &version), ("leave_out", "on")],
            )
            .await;
        assert_eq!(res.status, 303, "{}", res.body);
        let batch = wait_for(&app, id).await;
        assert_eq!(batch.status, status::COMMITTED, "{}", batch.message);
        assert_eq!((batch.line_count, batch.total_pence), (2, 4_000));
        let page = client.get(&format!("/spend/imports/{id}")).await;
        assert!(page.body.contains("Rows left out (1)"), "{}", page.body);
        assert!(page.body.contains("“31/04/2021” is not a real date"));
        let csv = client
            .get(&format!("/spend/imports/{id}/left-out.csv"))
            .await;
        assert_eq!(csv.status, 200);
        assert_eq!(
            csv.body.trim_start_matches('\u{feff}'),
            "Payment Date,Supplier Name,Net Amount\n31/04/2021,B Ltd,20.00\n"
        );
        let fixed = csv.body.replace("31/04/2021", "30/04/2021");
        let again = batch_id(&upload(&client, inst, "april-fixed.csv", fixed.as_bytes()).await);
        let (_, batch) = confirm_mapping(&app, &client, again, &[]).await;
        assert_eq!(preview_of(&batch).lines, 1);
        let version = batch.version.to_string();
        client
            .submit(
                &format!("/spend/imports/{again}"),
                &format!("/spend/imports/{again}/commit"),
                &[("version", &version)],
            )
            .await;
        let batch = wait_for(&app, again).await;
        assert_eq!((batch.line_count, batch.total_pence), (1, 2_000));
        // The choice is in the audit log with the import.
        let audit = app.audit_rows("import_batch");
        assert!(audit.iter().any(|r| r
            .summary
            .contains("1 rows that cannot be read left out (£20.00 readable in them)")));
    }
}

#[test]
fn a_file_of_supplier_totals_goes_in_for_the_period_the_clerk_states() {
    let (db, inst, dir) = ready();
    let mut text = String::from(
        "\"Payments to suppliers over £500, March 2011\",,\n,,\n  Supplier  ,  Total Paid  ,Count\n",
    );
    let mut expected = 0_i64;
    for i in 0..12_i64 {
        let pence = 1_000_000 + i * 12_345;
        expected += pence;
        text.push_str(&format!(
            "\"Supplier {i} Ltd        \",\"  {},{:03}.{:02} \",{}\n",
            pence / 100_000,
            pence / 100 % 1000,
            pence % 100,
            i + 1
        ));
    }
    text.push_str(&format!(
        "Grand Total,\"{}.{:02}\",\n",
        expected / 100,
        expected % 100
    ));
    let file = dir.path().join("totals-2011-03.csv");
    std::fs::write(&file, &text).unwrap();
    // Without a period it is refused, saying how to import it.
    let (ok, json, _) = import_json(&db, &inst, &[&file], &[]);
    assert!(!ok);
    let needs = json["files"][0]["needs"][0].as_str().unwrap();
    assert!(
        needs.starts_with("--period (no column holds dates"),
        "{needs}"
    );
    assert_eq!(live(&db.url), (0, 0));
    let (ok, json, err) = import_json(&db, &inst, &[&file], &["--period", "2011-03"]);
    assert!(ok, "{err} {json}");
    let p = &json["files"][0]["preview"];
    assert_eq!(p["lines"], 12);
    assert_eq!(
        p["file_total"][1], expected,
        "the grand total is recognised"
    );
    assert_eq!(p["warning_count"], 0, "and agrees: {p}");
    assert_eq!(live(&db.url), (12, expected));
    let pool = db::build_pool(
        &localspend::config::DatabaseUrl::parse(&db.url).unwrap(),
        Some(1),
    )
    .unwrap();
    let marks: Vec<(chrono::NaiveDate, Option<String>, String)> = l::table
        .select((l::payment_date, l::period, l::supplier_name))
        .order(l::id)
        .load(&mut pool.get().unwrap())
        .unwrap();
    assert!(marks.iter().all(|(d, p, _)| *d
        == chrono::NaiveDate::from_ymd_opt(2011, 3, 31).unwrap()
        && p.as_deref() == Some("2011-03-01/2011-03-31")));
    assert_eq!(marks[0].2, "Supplier 0 Ltd", "padding trimmed");
    // A period over two financial years is refused with the reason.
    let (ok, json, _) = import_json(&db, &inst, &[&file], &["--period", "2011-01..2011-06"]);
    assert!(!ok);
    assert!(json["files"][0]["message"]
        .as_str()
        .unwrap()
        .contains("runs over two financial years"));
}

#[test]
fn a_line_file_whose_dates_were_lost_goes_in_only_for_a_stated_period() {
    let (db, inst, dir) = ready();
    let mut text = String::from("Paid Date,Supplier Name,Amount\n");
    for i in 0..5 {
        text.push_str(&format!("00:00:00,Supplier {i},{}.00\n", 100 + i));
    }
    let file = dir.path().join("lost.csv");
    std::fs::write(&file, &text).unwrap();
    let (ok, _, err) = import_json(&db, &inst, &[&file], &[]);
    assert!(!ok);
    assert!(err.contains("the dates were lost"), "{err}");
    let (ok, json, err) = import_json(&db, &inst, &[&file], &["--period", "2014-04..2014-06"]);
    assert!(ok, "{err} {json}");
    assert_eq!(live(&db.url), (5, 51_000));
}

mod form_errors_land {
    use localspend::domain::Role;

    use crate::common::spawn_app;
    use crate::spend_import::{batch_id, upload};

    #[actix_web::test]
    async fn a_missing_field_error_links_to_its_question_and_a_bad_sheet_is_kept() {
        let app = spawn_app().await;
        let inst = app.add_institution("Preston City Council", "E07000123");
        let (client, _) = app.signed_in("clerk", Role::Clerk, Some(inst)).await;
        let file = "Paid,Value,Payee code\n01/04/2021,10.00,30001\n13/04/2021,20.50,30002\n";
        let id = batch_id(&upload(&client, inst, "codes.csv", file.as_bytes()).await);
        let version = app.with_conn(|c| {
            localspend::db::imports::get(c, id)
                .unwrap()
                .version
                .to_string()
        });
        let page = format!("/spend/imports/{id}");
        let res = client
            .submit(
                &page,
                &format!("/spend/imports/{id}/map"),
                &[
                    ("version", &version),
                    ("col_0", "payment_date"),
                    ("col_1", "amount"),
                ],
            )
            .await;
        assert_eq!(res.status, 422);
        assert!(
            res.body.contains("<a href=\"#q_supplier_name\">"),
            "{}",
            res.body
        );
        assert!(
            res.body.contains("id=\"q_supplier_name\""),
            "the link lands"
        );

        let token = client.csrf_from("/spend/imports").await;
        let res = client
            .post_multipart(
                "/spend/imports",
                &[
                    ("csrf_token", &token),
                    ("institution_id", &inst.to_string()),
                    ("sheet", "Summary"),
                ],
                (
                    "file",
                    "april.xlsx",
                    &super::xlsx(&[("Payments", vec![vec![super::Cell::Text("x")]])]),
                ),
            )
            .await;
        assert_eq!(res.status, 422, "{}", res.body);
        assert!(
            res.body.contains("no sheet called “Summary”"),
            "{}",
            res.body
        );
        assert!(
            res.body.contains("value=\"Summary\""),
            "what was typed is kept"
        );
        assert!(res.body.contains("<a href=\"#file\">"));
    }
}

mod totals_in_the_browser {
    use localspend::db::imports::status;
    use localspend::domain::Role;

    use crate::common::spawn_app;
    use crate::spend_import::{batch_id, confirm_mapping, preview_of, upload, wait_for};

    #[actix_web::test]
    async fn a_years_supplier_totals_are_marked_in_the_ledger_the_audit_and_a_quarters_report() {
        let app = spawn_app().await;
        let inst = app.add_institution("Preston City Council", "E07000123");
        let (client, _) = app.signed_in("manager", Role::Manager, Some(inst)).await;
        let (clerk, _) = app.signed_in("clerk", Role::Clerk, Some(inst)).await;
        let file =
            "Supplier,Total Paid\nACME LTD,\"1,000.00\"\nBOB'S BAKERY,250.50\nTotal,\"1,250.50\"\n";
        let id = batch_id(&upload(&clerk, inst, "totals.csv", file.as_bytes()).await);
        let page = clerk.get(&format!("/spend/imports/{id}")).await;
        assert!(
            page.body.contains("<details id=\"totals\" open>"),
            "no dates: the totals route is offered open: {}",
            page.body
        );
        let (res, batch) = confirm_mapping(&app, &clerk, id, &[]).await;
        assert_eq!(res.status, 422, "no date and no period");
        assert!(
            res.body.contains("give the months it covers"),
            "{}",
            res.body
        );
        assert_eq!(batch.status, status::UPLOADED);
        let (res, _) = confirm_mapping(
            &app,
            &clerk,
            id,
            &[("totals_from", "2021-01"), ("totals_to", "2021-06")],
        )
        .await;
        assert_eq!(res.status, 422, "over two financial years");
        assert!(
            res.body.contains("runs over two financial years"),
            "{}",
            res.body
        );
        assert!(
            res.body.contains("value=\"2021-01\"") && res.body.contains("value=\"2021-06\""),
            "what was typed is kept"
        );
        let (_, batch) = confirm_mapping(
            &app,
            &clerk,
            id,
            &[("totals_from", "2021-04"), ("totals_to", "2022-03")],
        )
        .await;
        assert_eq!(batch.status, status::PREVIEWED, "{}", batch.message);
        let p = preview_of(&batch);
        assert_eq!((p.lines, p.total_pence), (2, 125_050));
        assert_eq!(p.file_total, Some((4, 125_050)));
        let page = clerk.get(&format!("/spend/imports/{id}")).await;
        assert!(
            page.body.contains(
                "Totals for April 2021 to March 2022, each dated at its last day (31/03/2022)"
            ),
            "{}",
            page.body
        );
        let version = batch.version.to_string();
        clerk
            .submit(
                &format!("/spend/imports/{id}"),
                &format!("/spend/imports/{id}/commit"),
                &[("version", &version)],
            )
            .await;
        assert_eq!(wait_for(&app, id).await.status, status::COMMITTED);
        let ledger = clerk.get("/spend").await;
        assert!(
            ledger
                .body
                .contains("Total</span> for April 2021 to March 2022"),
            "{}",
            ledger.body
        );
        // Counted in 2021/22 whole; a quarter's view says what it holds.
        let year = client
            .get(&format!("/reports?institution={inst}&fy=2021"))
            .await;
        assert!(!year.body.contains("Totals for longer periods"));
        let quarter = client
            .get(&format!("/reports?institution={inst}&fy=2021&part=q4"))
            .await;
        assert!(
            quarter
                .body
                .contains("2 lines (£1,250.50) are each a supplier&#39;s total"),
            "{}",
            quarter.body
        );
        let (auditor, _) = app.signed_in("auditor", Role::Auditor, Some(inst)).await;
        let audit = auditor
            .get(&format!("/reports/audit.csv?institution={inst}&fy=2021"))
            .await;
        let table = crate::reports::table(&audit.body);
        let column = |name: &str| table[0].iter().position(|h| h == name).unwrap();
        let rows: Vec<&Vec<String>> = table
            .iter()
            .filter(|r| r.iter().any(|c| c.contains("ACME LTD")))
            .collect();
        assert_eq!(rows.len(), 1, "{}", audit.body);
        assert_eq!(
            rows[0][column("Total for period")],
            "2021-04-01/2022-03-31",
            "{:?}",
            rows[0]
        );
        assert_eq!(
            rows[0][column("Payment date")],
            "2022-03-31",
            "dated at the period's end"
        );
    }
}

/// A cell of a generated spreadsheet.
enum Cell {
    Text(&'static str),
    Owned(String),
    Number(f64),
    /// A date cell: an Excel serial with a date format, or an ODS date.
    Date(i64),
}

fn zip_of(parts: &[(&str, String)]) -> Vec<u8> {
    use std::io::Write;
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, body) in parts {
        out.start_file(*name, stored).unwrap();
        out.write_all(body.as_bytes()).unwrap();
    }
    out.finish().unwrap().into_inner()
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// An .xlsx workbook of named sheets (inline strings, a date style).
fn xlsx(sheets: &[(&str, Vec<Vec<Cell>>)]) -> Vec<u8> {
    let ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
    let rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
    let mut parts = vec![
        (
            "[Content_Types].xml",
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">\
<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>\
<Default Extension=\"xml\" ContentType=\"application/xml\"/>\
<Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/>\
<Override PartName=\"/xl/styles.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml\"/>{}</Types>",
                (1..=sheets.len())
                    .map(|i| format!("<Override PartName=\"/xl/worksheets/sheet{i}.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>"))
                    .collect::<String>()
            ),
        ),
        (
            "_rels/.rels",
            format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"{rel}/officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>"),
        ),
        (
            "xl/workbook.xml",
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><workbook xmlns=\"{ns}\" xmlns:r=\"{rel}\"><sheets>{}</sheets></workbook>",
                sheets
                    .iter()
                    .enumerate()
                    .map(|(i, (name, _))| format!("<sheet name=\"{name}\" sheetId=\"{}\" r:id=\"rId{}\"/>", i + 1, i + 1))
                    .collect::<String>()
            ),
        ),
        (
            "xl/_rels/workbook.xml.rels",
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">{}<Relationship Id=\"rIdS\" Type=\"{rel}/styles\" Target=\"styles.xml\"/></Relationships>",
                (1..=sheets.len())
                    .map(|i| format!("<Relationship Id=\"rId{i}\" Type=\"{rel}/worksheet\" Target=\"worksheets/sheet{i}.xml\"/>"))
                    .collect::<String>()
            ),
        ),
        (
            "xl/styles.xml",
            format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?><styleSheet xmlns=\"{ns}\"><fonts count=\"1\"><font/></fonts><fills count=\"1\"><fill/></fills><borders count=\"1\"><border/></borders><cellStyleXfs count=\"1\"><xf/></cellStyleXfs><cellXfs count=\"2\"><xf numFmtId=\"0\"/><xf numFmtId=\"14\" applyNumberFormat=\"1\"/></cellXfs></styleSheet>"),
        ),
    ];
    let names: Vec<String> = (1..=sheets.len())
        .map(|i| format!("xl/worksheets/sheet{i}.xml"))
        .collect();
    for (i, (_, rows)) in sheets.iter().enumerate() {
        let mut body = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><worksheet xmlns=\"{ns}\"><sheetData>"
        );
        for (r, row) in rows.iter().enumerate() {
            body.push_str(&format!("<row r=\"{}\">", r + 1));
            for (c, cell) in row.iter().enumerate() {
                let at = format!("{}{}", (b'A' + c as u8) as char, r + 1);
                body.push_str(&match cell {
                    Cell::Text(t) => format!(
                        "<c r=\"{at}\" t=\"inlineStr\"><is><t>{}</t></is></c>",
                        xml_escape(t)
                    ),
                    Cell::Owned(t) => format!(
                        "<c r=\"{at}\" t=\"inlineStr\"><is><t>{}</t></is></c>",
                        xml_escape(t)
                    ),
                    Cell::Number(n) => format!("<c r=\"{at}\"><v>{n}</v></c>"),
                    Cell::Date(serial) => format!("<c r=\"{at}\" s=\"1\"><v>{serial}</v></c>"),
                });
            }
            body.push_str("</row>");
        }
        body.push_str("</sheetData></worksheet>");
        parts.push((names[i].as_str(), body));
    }
    zip_of(&parts)
}

/// An .ods workbook of one sheet.
fn ods(rows: &[Vec<Cell>]) -> Vec<u8> {
    let mut table = String::new();
    for row in rows {
        table.push_str("<table:table-row>");
        for cell in row {
            table.push_str(&match cell {
                Cell::Text(t) => format!("<table:table-cell office:value-type=\"string\"><text:p>{}</text:p></table:table-cell>", xml_escape(t)),
                Cell::Owned(t) => format!("<table:table-cell office:value-type=\"string\"><text:p>{}</text:p></table:table-cell>", xml_escape(t)),
                Cell::Number(n) => format!("<table:table-cell office:value-type=\"float\" office:value=\"{n}\"><text:p>{n}</text:p></table:table-cell>"),
                Cell::Date(serial) => {
                    let d = chrono::NaiveDate::from_ymd_opt(1899, 12, 30).unwrap()
                        + chrono::Duration::days(*serial);
                    format!("<table:table-cell office:value-type=\"date\" office:date-value=\"{d}\"><text:p>{}</text:p></table:table-cell>", d.format("%d/%m/%Y"))
                }
            });
        }
        table.push_str("</table:table-row>");
    }
    zip_of(&[
        ("mimetype", "application/vnd.oasis.opendocument.spreadsheet".to_owned()),
        (
            "META-INF/manifest.xml",
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><manifest:manifest xmlns:manifest=\"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0\" manifest:version=\"1.2\"><manifest:file-entry manifest:full-path=\"/\" manifest:media-type=\"application/vnd.oasis.opendocument.spreadsheet\"/><manifest:file-entry manifest:full-path=\"content.xml\" manifest:media-type=\"text/xml\"/></manifest:manifest>".to_owned(),
        ),
        (
            "content.xml",
            format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?><office:document-content xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" xmlns:table=\"urn:oasis:names:tc:opendocument:xmlns:table:1.0\" xmlns:text=\"urn:oasis:names:tc:opendocument:xmlns:text:1.0\" office:version=\"1.2\"><office:body><office:spreadsheet><table:table table:name=\"Spend\">{table}</table:table></office:spreadsheet></office:body></office:document-content>"),
        ),
    ])
}

/// Rows of payments: a header, then dates as date cells on even rows and
/// as bare serial numbers on odd ones, a title above. Returns the rows and
/// their total in pence.
fn payments_sheet(n: i64) -> (Vec<Vec<Cell>>, i64) {
    let mut rows = vec![
        vec![Cell::Text("Payments over £500, April 2021")],
        vec![],
        vec![
            Cell::Text("Payment Date"),
            Cell::Text("Supplier Name"),
            Cell::Text("Amount"),
        ],
    ];
    let mut total = 0;
    for i in 0..n {
        let pence = 10_000 + i * 1_234 + 5;
        total += pence;
        let serial = 44_287 + i % 28; // 1 April 2021 onwards
        rows.push(vec![
            if i % 2 == 0 {
                Cell::Date(serial)
            } else {
                Cell::Owned(serial.to_string())
            },
            Cell::Owned(format!("Supplier {i} Ltd")),
            Cell::Number(pence as f64 / 100.0),
        ]);
    }
    (rows, total)
}

#[test]
fn xlsx_and_ods_files_go_in_like_csv_with_date_cells_and_serials() {
    let (db, inst, dir) = ready();
    let (rows, total) = payments_sheet(20);
    let notes = vec![vec![Cell::Text("About this workbook")]];
    let book = dir.path().join("april.xlsx");
    std::fs::write(&book, xlsx(&[("Notes", notes), ("Payments", rows)])).unwrap();
    let (ok, json, err) = import_json(&db, &inst, &[&book], &[]);
    assert!(ok, "{err} {json}");
    let f = &json["files"][0];
    assert_eq!(
        f["file"], "april.xlsx (sheet Payments)",
        "the sheet that is a table"
    );
    assert_eq!(f["preview"]["lines"], 20);
    assert_eq!(f["preview"]["first_date"], "2021-04-01");
    assert_eq!(
        f["header_row"], 3,
        "below the title, as the sheet numbers it"
    );
    assert_eq!(live(&db.url), (20, total));

    // Asking for a sheet that does not exist names those that do.
    let (ok, json, _) = import_json(&db, &inst, &[&book], &["--sheet", "Summary"]);
    assert!(!ok);
    assert!(json["files"][0]["message"]
        .as_str()
        .unwrap()
        .contains("no sheet called “Summary” (its sheets: Notes, Payments)"));

    let (rows, more) = payments_sheet(7);
    let rows: Vec<Vec<Cell>> = rows
        .into_iter()
        .map(|r| {
            r.into_iter()
                .map(|c| match c {
                    // Other suppliers, so nothing is already on record.
                    Cell::Owned(s) if s.starts_with("Supplier") => {
                        Cell::Owned(s.replace("Supplier", "Vendor"))
                    }
                    c => c,
                })
                .collect()
        })
        .collect();
    let sheet = dir.path().join("april.ods");
    std::fs::write(&sheet, ods(&rows)).unwrap();
    let (ok, json, err) = import_json(&db, &inst, &[&sheet], &[]);
    assert!(ok, "{err} {json}");
    assert_eq!(json["files"][0]["committed"]["added"], 7);
    assert_eq!(live(&db.url), (27, total + more));
}

#[test]
fn a_zip_of_monthly_files_goes_in_one_batch_each() {
    let (db, inst, dir) = ready();
    let month = |m: u32| {
        let mut t = String::from("Date,Supplier,Amount\n");
        for i in 0..5 {
            t.push_str(&format!(
                "{:02}/{m:02}/2021,Supplier {m}-{i},{}.00\n",
                i + 10,
                10 + i
            ));
        }
        t
    };
    let (rows, book_total) = payments_sheet(4);
    let archive = zip_of(&[
        ("2021/may.csv", month(5)),
        ("2021/april.csv", month(4)),
        ("README.txt", "Spend over £500 for 2021.".to_owned()),
    ]);
    let mut bytes = archive;
    // An .xlsx inside the zip too.
    let book = xlsx(&[("Sheet1", rows)]);
    {
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes.clone())).unwrap();
        let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for i in 0..archive.len() {
            out.raw_copy_file(archive.by_index(i).unwrap()).unwrap();
        }
        out.start_file(
            "2021/june.xlsx",
            zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Stored),
        )
        .unwrap();
        std::io::Write::write_all(&mut out, &book).unwrap();
        bytes = out.finish().unwrap().into_inner();
    }
    let file = dir.path().join("2021.zip");
    std::fs::write(&file, bytes).unwrap();
    let (ok, json, _) = import_json(&db, &inst, &[&file], &["--dates", "day-first"]);
    assert!(!ok, "the README is not a spend file");
    let files: Vec<(&str, &str)> = json["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["file"].as_str().unwrap(), f["status"].as_str().unwrap()))
        .collect();
    assert_eq!(
        files,
        [
            ("2021.zip: README.txt", "refused"),
            ("2021.zip: june.xlsx", "imported"),
            ("2021.zip: april.csv", "imported"),
            ("2021.zip: may.csv", "imported"),
        ],
        "refused first (it could not be read), then in date order"
    );
    let months: i64 = (0..5).map(|i| (10 + i) * 100).sum();
    assert_eq!(live(&db.url), (14, 2 * months + book_total));
}

mod spreadsheets_in_the_browser {
    use localspend::db::imports;
    use localspend::domain::Role;

    use super::{payments_sheet, xlsx, zip_of, Cell};
    use crate::common::spawn_app;
    use crate::spend_import::{batch_id, confirm_mapping, preview_of, upload};

    #[actix_web::test]
    async fn a_workbook_and_a_zip_of_files_are_uploaded_as_batches() {
        let app = spawn_app().await;
        let inst = app.add_institution("Preston City Council", "E07000123");
        let (client, _) = app.signed_in("clerk", Role::Clerk, Some(inst)).await;
        let (rows, total) = payments_sheet(6);
        let book = xlsx(&[
            ("Notes", vec![vec![Cell::Text("Read me")]]),
            ("Payments", rows),
        ]);
        let id = batch_id(&upload(&client, inst, "april.xlsx", &book).await);
        let batch = app.with_conn(|c| imports::get(c, id).unwrap());
        assert_eq!(batch.file_name, "april.xlsx (sheet Payments)");
        let (_, batch) = confirm_mapping(&app, &client, id, &[]).await;
        let p = preview_of(&batch);
        assert_eq!((p.lines, p.total_pence), (6, total));

        let month = |m: u32| format!("Date,Supplier,Amount\n13/{m:02}/2021,Supplier {m},5.00\n");
        let archive = zip_of(&[
            ("may.csv", month(5)),
            ("april.csv", month(4)),
            (
                "march.csv",
                "Date,Supplier,Amount\n13/03/2021,Broken Ltd,lots\n".to_owned(),
            ),
            ("notes.txt", "nothing here".to_owned()),
        ]);
        let res = upload(&client, inst, "2021.zip", &archive).await;
        assert_eq!(res.status, 303, "{}", res.body);
        let location = res.location().unwrap().to_owned();
        assert!(location.starts_with("/spend/imports?set="), "{location}");
        let page = client.get(&location).await;
        assert!(
            page.body.contains("The files of this upload"),
            "{}",
            page.body
        );
        assert!(
            page.body.contains("Uploaded 3 files as imports"),
            "{}",
            page.body
        );
        assert!(
            page.body.contains("Not uploaded: 2021.zip: notes.txt"),
            "{}",
            page.body
        );
        let names: Vec<String> = app.with_conn(|c| {
            use diesel::prelude::*;
            use localspend::db::schema::import_batches as b;
            b::table
                .filter(b::id.gt(id))
                .order(b::id)
                .select(b::file_name)
                .load(c)
                .unwrap()
        });
        assert_eq!(
            names,
            [
                "2021.zip: march.csv",
                "2021.zip: april.csv",
                "2021.zip: may.csv"
            ],
            "oldest first"
        );
        // One go imports them all, each whole or not at all; a file that
        // cannot be imported is left with why and the others go on.
        let ids: Vec<i64> = app.with_conn(|c| {
            use diesel::prelude::*;
            use localspend::db::schema::import_batches as b;
            b::table
                .filter(b::id.gt(id))
                .order(b::id)
                .select(b::id)
                .load(c)
                .unwrap()
        });
        let set = format!("{},{},{}", ids[0], ids[1], ids[2]);
        let page = client.get(&format!("/spend/imports?set={set}")).await;
        assert!(
            page.body.contains("Check and import 3 files"),
            "{}",
            page.body
        );
        let res = client
            .submit(
                &format!("/spend/imports?set={set}"),
                "/spend/imports/all",
                &[("set", &set)],
            )
            .await;
        assert_eq!(res.status, 303, "{}", res.body);
        for id in &ids {
            crate::spend_import::wait_for(&app, *id).await;
        }
        // Each waits its turn: the second may still be waiting when the
        // first is done.
        for _ in 0..100 {
            let done = app.with_conn(|c| {
                ids.iter()
                    .all(|i| imports::get(c, *i).unwrap().status != "uploaded")
            });
            if done {
                break;
            }
            actix_web::rt::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        for id in &ids {
            crate::spend_import::wait_for(&app, *id).await;
        }
        let summary = client.get(&format!("/spend/imports?set={set}")).await;
        assert!(
            summary.body.contains("went in: 1 lines, £5.00"),
            "{}",
            summary.body
        );
        let statuses: Vec<String> = app.with_conn(|c| {
            ids.iter()
                .map(|i| imports::get(c, *i).unwrap().status)
                .collect()
        });
        assert_eq!(statuses, ["previewed", "committed", "committed"]);
        assert!(
            summary.body.contains("not imported: 1 row cannot be read"),
            "{}",
            summary.body
        );
    }
}
