//! One supplier per real organisation: a finance system's supplier id
//! shared by unrelated payees, placeholder ids and classes of payee
//! (personal budgets, purchase cards) never merge organisations or make one
//! supplier per line name.

use diesel::prelude::*;
use localspend::db;
use localspend::db::schema::spend_lines as l;

use crate::spend_files::{import_json, ready};

/// Each distinct (supplier, published name) of the lines on record; 0 for
/// no supplier.
pub(crate) fn suppliers_of_lines(url: &str) -> Vec<(i64, String)> {
    let pool = db::build_pool(
        &localspend::config::DatabaseUrl::parse(url).unwrap(),
        Some(1),
    )
    .unwrap();
    let mut rows: Vec<(Option<i64>, String)> = l::table
        .select((l::supplier_id, l::supplier_name))
        .load(&mut pool.get().unwrap())
        .unwrap();
    rows.sort();
    rows.dedup();
    rows.into_iter().map(|(s, n)| (s.unwrap_or(0), n)).collect()
}

#[test]
fn one_supplier_id_for_many_payees_merges_none_of_them() {
    let (db, inst, dir) = ready();
    let payees = [
        "ANNA SMITH ARTIST",
        "ST MARY'S HIGH SCHOOL",
        "GREEN FUTURES CIC",
        "ACME PLUMBING LTD",
    ];
    let mut text = String::from("Payment Date,Supplier ID,Supplier Name,Amount\n");
    for (i, p) in payees.iter().enumerate() {
        text.push_str(&format!("0{}/04/2021,15050001,{p},{}.00\n", i + 1, 100 + i));
    }
    // The same organisation under its own id, twice, and placeholder ids.
    text.push_str(
        "10/04/2021,20001,BOB'S BAKERY LTD,10.00\n11/04/2021,20001,Bob's Bakery Limited,11.00\n",
    );
    text.push_str("12/04/2021,00000,CAFE ONE,12.00\n13/04/2021,00000,CAFE TWO,13.00\n");
    let file = dir.path().join("shared-id.csv");
    std::fs::write(&file, &text).unwrap();
    let (ok, json, err) = import_json(&db, &inst, &[&file], &["--dates", "day-first"]);
    assert!(ok, "{err} {json}");
    let warnings: Vec<&str> = json["files"][0]["preview"]["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["message"].as_str().unwrap())
        .collect();
    assert_eq!(
        warnings,
        ["supplier id 15050001 is used for 4 different names: matched by name instead"]
    );
    let lines = suppliers_of_lines(&db.url);
    let ids: std::collections::BTreeSet<i64> = lines.iter().map(|(s, _)| *s).collect();
    // Four payees, one bakery under two spellings, two cafés: seven suppliers.
    assert_eq!(ids.len(), 7, "{lines:?}");
    let bakery: Vec<i64> = lines
        .iter()
        .filter(|(_, n)| n.to_lowercase().starts_with("bob"))
        .map(|(s, _)| *s)
        .collect();
    assert_eq!(bakery.len(), 2);
    assert_eq!(bakery[0], bakery[1], "one organisation under its own id");
    // A second file with the shared id again matches each payee by name.
    let again = dir.path().join("shared-id-may.csv");
    std::fs::write(
        &again,
        "Payment Date,Supplier ID,Supplier Name,Amount\n01/05/2021,15050001,GREEN FUTURES CIC,5.00\n02/05/2021,15050001,ANNA SMITH ARTIST,6.00\n",
    )
    .unwrap();
    let (ok, json, err) = import_json(&db, &inst, &[&again], &["--dates", "day-first"]);
    assert!(ok, "{err} {json}");
    assert_eq!(json["files"][0]["preview"]["suppliers_new"], 0);
    let lines = suppliers_of_lines(&db.url);
    let of = |name: &str| {
        lines
            .iter()
            .filter(|(_, n)| n == name)
            .map(|(s, _)| *s)
            .collect::<std::collections::BTreeSet<_>>()
    };
    assert_eq!(of("GREEN FUTURES CIC").len(), 1);
    assert_eq!(of("ANNA SMITH ARTIST").len(), 1);
    assert_ne!(of("GREEN FUTURES CIC"), of("ANNA SMITH ARTIST"));
}

/// Lines on record as (name, supplier, payment type, purchase card).
fn lines_of(url: &str) -> Vec<(String, Option<i64>, String, bool)> {
    let pool = db::build_pool(
        &localspend::config::DatabaseUrl::parse(url).unwrap(),
        Some(1),
    )
    .unwrap();
    l::table
        .order(l::import_row)
        .select((
            l::supplier_name,
            l::supplier_id,
            l::payment_type,
            l::purchase_card,
        ))
        .load(&mut pool.get().unwrap())
        .unwrap()
}

#[test]
fn personal_budgets_and_card_statements_make_no_supplier_per_line_name() {
    let (db, inst, dir) = ready();
    // Calderdale's shape: the supplier id column holds "Personal Budgets"
    // and the name column a client group; a card statement's payee is "the
    // purchase card supplier" (or, in Calderdale's, the id is and the name
    // is the merchant's); a sundry id with an organisation's name is
    // that organisation.
    let text = "Payment Date,Supplier ID,Supplier Name,Expense Type,Amount\n\
        13/04/2021,Personal Budgets,2021:01D  Dementia,Transfer Payments,3756.20\n\
        13/04/2021,Personal Budgets,2021:01LD Learning Disabilities,Transfer Payments,97714.05\n\
        13/04/2021,Personal Budgets,2021:01OV Other Vulnerable People,Transfer Payments,16194.40\n\
        14/04/2021,S900001,Purchase Card Supplier,Stationery,120.00\n\
        15/04/2021,S900001,Purchase Card Supplier,Catering,80.50\n\
        16/04/2021,,Sundry Creditors,Refunds,12.00\n\
        17/04/2021,SUNDRY,Preston Scout Group,Room hire,45.00\n\
        18/04/2021,S113120,Planning Inspectorate,Fees,920.81\n\
        19/04/2021,Purchase Card Supplier,APPLIANCE WORLD,Equipment,99.00\n\
        20/04/2021,Purchase Card Supplier,APPLIANCE WORLD,Equipment,1.00\n";
    let file = dir.path().join("classes.csv");
    std::fs::write(&file, text).unwrap();
    let (ok, json, err) = import_json(&db, &inst, &[&file], &["--dates", "day-first"]);
    assert!(ok, "{err} {json}");
    let preview = &json["files"][0]["preview"];
    let warnings: Vec<&str> = preview["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["message"].as_str().unwrap())
        .collect();
    assert_eq!(
        warnings,
        [
            "the supplier id ‘Personal Budgets’ denotes a class of payee, not an organisation: its 3 lines (£117,664.65) are recorded as payments to individuals (withheld in exports), with no supplier",
            "the name ‘Purchase Card Supplier’ denotes a class of payee, not an organisation: its 2 lines (£200.50) are recorded as card spend whose merchant is not published (location unknown), with no supplier",
            "the name ‘Sundry Creditors’ denotes a class of payee, not an organisation: its 1 line (£12.00) is recorded as payments to individuals (withheld in exports), with no supplier",
            "the supplier id ‘Purchase Card Supplier’ denotes a class of payee, not an organisation: its 2 lines (£100.00) are recorded as card spend, each matched to its merchant by name",
        ]
    );
    assert_eq!(preview["class_lines"], 6);
    assert_eq!(
        preview["suppliers_new"], 3,
        "the scouts, the inspectorate and the card merchant"
    );
    let lines = lines_of(&db.url);
    assert_eq!(lines.len(), 10);
    let with_supplier: Vec<&str> = lines
        .iter()
        .filter(|l| l.1.is_some())
        .map(|l| l.0.as_str())
        .collect();
    assert_eq!(
        with_supplier,
        [
            "Preston Scout Group",
            "Planning Inspectorate",
            "APPLIANCE WORLD",
            "APPLIANCE WORLD"
        ]
    );
    let individuals = lines.iter().filter(|l| l.2 == "individual").count();
    assert_eq!(
        individuals, 4,
        "three personal budgets and the sundry creditor"
    );
    let card: Vec<(&str, &str)> = lines
        .iter()
        .filter(|l| l.3)
        .map(|l| (l.0.as_str(), l.2.as_str()))
        .collect();
    assert_eq!(
        card,
        [
            ("Purchase Card Supplier", "procurement"),
            ("Purchase Card Supplier", "procurement"),
            ("APPLIANCE WORLD", "procurement"),
            ("APPLIANCE WORLD", "procurement")
        ]
    );
}

#[actix_web::test]
async fn a_wrong_merge_shows_every_name_in_its_lines_and_splits_by_name() {
    use localspend::domain::spend::PaymentType::Procurement;
    use localspend::domain::Role;

    use crate::common::spawn_app;
    use crate::suppliers::{add, spend};

    let app = spawn_app().await;
    let preston = app.add_institution("Preston City Council", "E07000123");
    let blackpool = app.add_institution("Blackpool Council", "E06000009");
    let (clerk, _) = app.signed_in("clerk", Role::Clerk, Some(preston)).await;
    let acme = add(&clerk, &[("name", "Acme Plumbing Ltd")]).await;
    // What one shared finance-system id made of several payees before:
    // their lines on one supplier, under their own names, with no alias.
    for (inst, name, pounds) in [
        (preston, "ACME PLUMBING LTD", 100),
        (preston, "ACME PLUMBING LTD", 100),
        (preston, "ANNA SMITH ARTIST", 50),
        (preston, "ANNA SMITH ARTIST", 50),
        (preston, "ANNA SMITH ARTIST", 50),
        (preston, "ST MARY'S HIGH SCHOOL", 300),
        (blackpool, "ANNA SMITH ARTIST", 70),
        (blackpool, "BLACKPOOL ZOO", 999),
    ] {
        spend(&app, inst, acme, name, pounds, Procurement);
    }
    let page = clerk.get(&format!("/suppliers/{acme}")).await;
    assert_eq!(page.status, 200);
    let rows = names_table(&page.body);
    assert_eq!(
        rows,
        [
            vec!["ANNA SMITH ARTIST", "3", "£150.00", "in lines only"],
            vec!["ACME PLUMBING LTD", "2", "£200.00", "its own name"],
            vec!["ST MARY&#39;S HIGH SCHOOL", "1", "£300.00", "in lines only"],
            vec!["Acme Plumbing Ltd", "0", "£0.00", "its own name"],
        ],
        "Preston's clerk sees Preston's lines only"
    );
    // The own name cannot be split off.
    let token = clerk.csrf_from(&format!("/suppliers/{acme}")).await;
    let own = clerk
        .post_form(
            &format!("/suppliers/{acme}/split"),
            &[("csrf_token", &token), ("name", "ACME PLUMBING LTD")],
        )
        .await;
    assert_eq!(own.status, 409, "{}", own.body);
    let res = clerk
        .post_form(
            &format!("/suppliers/{acme}/split"),
            &[("csrf_token", &token), ("name", "ANNA SMITH ARTIST")],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    let anna: i64 = res
        .location()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert_ne!(anna, acme);
    let lines = suppliers_of_lines(&app.db.url);
    let of = |id: i64| {
        lines
            .iter()
            .filter(|(s, _)| *s == id)
            .map(|(_, n)| n.as_str())
            .collect::<Vec<_>>()
    };
    assert_eq!(of(anna), ["ANNA SMITH ARTIST"]);
    assert_eq!(
        of(acme),
        [
            "ACME PLUMBING LTD",
            "BLACKPOOL ZOO",
            "ST MARY'S HIGH SCHOOL"
        ]
    );
    let moved = app.with_conn(|c| {
        localspend::db::spend::names_of(c, anna, &localspend::domain::account::Reach::All).unwrap()
    });
    assert_eq!(
        moved,
        [("ANNA SMITH ARTIST".to_owned(), 4, 22_000)],
        "Blackpool's line under the name went with it"
    );
    app.assert_totals_agree();
    let mut splits: Vec<(Option<i64>, String)> = app
        .audit_rows("supplier")
        .into_iter()
        .filter(|r| r.action == "split")
        .map(|r| (r.institution_id, r.summary))
        .collect();
    splits.sort();
    let summary = format!(
        "Split the name ANNA SMITH ARTIST (4 lines) out of supplier Acme Plumbing Ltd into new supplier {anna}"
    );
    assert_eq!(
        splits,
        [(Some(preston), summary.clone()), (Some(blackpool), summary)],
        "recorded for each institution whose lines it moved"
    );
    // The new supplier is known by the name, so the next file finds it.
    let page = clerk.get(&format!("/suppliers/{anna}")).await;
    assert_eq!(
        names_table(&page.body),
        [vec!["ANNA SMITH ARTIST", "3", "£150.00", "its own name"]]
    );
}

/// The cells of the supplier page's "Names seen in ledgers" table, less its
/// action column.
fn names_table(html: &str) -> Vec<Vec<String>> {
    let start = html.find("id=\"names\"").expect("the names table");
    let table = &html[start..];
    let body = &table[table.find("<tbody>").unwrap()..table.find("</tbody>").unwrap()];
    body.split("<tr>")
        .skip(1)
        .map(|row| {
            row.split("<td")
                .skip(1)
                .take(4)
                .map(|cell| {
                    let inner = &cell[cell.find('>').unwrap() + 1..];
                    inner[..inner.find("</td>").unwrap()].trim().to_owned()
                })
                .collect()
        })
        .collect()
}

#[test]
fn no_supplier_of_the_real_council_files_carries_unrelated_names() {
    use crate::common::shared_data;
    use localspend::domain::supplier::match_key;
    let (db, inst, _dir) = ready();
    let files: Vec<std::path::PathBuf> = [
        "manchester/2021-04.csv",
        "manchester/2021-05.csv",
        "calderdale/2021-04.csv",
        "calderdale/2021-04-card.csv",
        "oxford-city-council/expenditure-over-500-jan-mar-2014.csv",
        "oxford-city-council/expenditure-over-500-jul-sep-2016.csv",
        "oxford-city-council/expenditure-over-500-jan-mar-2017.csv",
    ]
    .iter()
    .map(|f| shared_data(&format!("spend/{f}")))
    .collect();
    let paths: Vec<&std::path::Path> = files.iter().map(|p| p.as_path()).collect();
    let (ok, json, err) = import_json(&db, &inst, &paths, &["--dates", "day-first"]);
    assert!(ok, "{err} {json}");
    let mut keys: std::collections::BTreeMap<i64, std::collections::BTreeSet<String>> =
        Default::default();
    for (supplier, name) in suppliers_of_lines(&db.url) {
        if supplier != 0 {
            keys.entry(supplier).or_default().insert(match_key(&name));
        }
    }
    let mixed: Vec<_> = keys.iter().filter(|(_, k)| k.len() > 1).collect();
    assert!(
        mixed.is_empty(),
        "{} suppliers carry unrelated names: {mixed:?}",
        mixed.len()
    );
}

#[test]
fn lines_already_on_record_are_listed_with_their_import_and_kept_when_the_clerk_says() {
    let (db, inst, dir) = ready();
    let march = dir.path().join("card-march.csv");
    std::fs::write(
        &march,
        "Transaction Date,Supplier Name,Amount\n01/04/2021,Tesco Stores,12.50\n02/04/2021,Greggs,3.10\n",
    )
    .unwrap();
    let (ok, json, err) = import_json(&db, &inst, &[&march], &["--dates", "day-first"]);
    assert!(ok, "{err} {json}");
    let first = json["files"][0]["batch"].as_i64().unwrap();
    // April's statement holds an identical payment: a second coffee run.
    let april = dir.path().join("card-april.csv");
    std::fs::write(
        &april,
        "Transaction Date,Supplier Name,Amount\n01/04/2021,TESCO STORES,12.50\n03/04/2021,Greggs,4.20\n",
    )
    .unwrap();
    let (ok, json, err) = import_json(
        &db,
        &inst,
        &[&april],
        &["--dates", "day-first", "--dry-run"],
    );
    assert!(ok, "{err} {json}");
    let preview = &json["files"][0]["preview"];
    assert_eq!(preview["already_recorded"], 1);
    assert_eq!(
        preview["recorded"],
        serde_json::json!([{
            "row": 2,
            "message": format!("£12.50 to TESCO STORES on 01/04/2021: already on record by import {first} (card-march.csv)")
        }])
    );
    // Without the clerk's word it is skipped; with it, kept.
    let (ok, json, err) = import_json(
        &db,
        &inst,
        &[&april],
        &["--dates", "day-first", "--keep-rows", "2"],
    );
    assert!(ok, "{err} {json}");
    assert_eq!(json["files"][0]["committed"]["added"], 2);
    assert_eq!(json["files"][0]["committed"]["skipped"], 0);
    let tesco = suppliers_of_lines(&db.url)
        .into_iter()
        .filter(|(_, n)| n.eq_ignore_ascii_case("tesco stores"))
        .count();
    assert_eq!(tesco, 2, "two payments on record");
    // A card statement reference tells the two apart with no word needed,
    // and the same statement again adds nothing.
    let may = dir.path().join("card-may.csv");
    std::fs::write(
        &may,
        "Statement Number,Transaction Date,Supplier Name,Amount\nST-05,05/05/2021,Tesco Stores,9.99\nST-06,05/05/2021,Tesco Stores,9.99\n",
    )
    .unwrap();
    let (ok, json, err) = import_json(&db, &inst, &[&may], &["--dates", "day-first"]);
    assert!(ok, "{err} {json}");
    assert_eq!(json["files"][0]["committed"]["added"], 2);
    let mapped = json["files"][0]["mapping"][0]["field"].clone();
    assert_eq!(mapped, "statement_ref");
    let again = dir.path().join("card-may-again.csv");
    std::fs::write(
        &again,
        "Statement Number,Transaction Date,Supplier Name,Amount\nST-06,05/05/2021,Tesco Stores,9.99\n",
    )
    .unwrap();
    let (ok, json, err) = import_json(&db, &inst, &[&again], &["--dates", "day-first"]);
    assert!(ok, "{err} {json}");
    assert_eq!(json["files"][0]["committed"]["added"], 0);
    assert_eq!(json["files"][0]["committed"]["skipped"], 1);
}

#[test]
fn a_file_imported_before_its_statement_column_was_read_is_still_recognised() {
    let (db, inst, dir) = ready();
    // Then, the statement column's header meant nothing to the importer.
    let before = dir.path().join("card-june-then.csv");
    std::fs::write(
        &before,
        "Stmt,Transaction Date,Supplier Name,Amount\nST-07,05/06/2021,Tesco Stores,9.99\nST-07,06/06/2021,Greggs,2.50\n",
    )
    .unwrap();
    let (ok, json, err) = import_json(&db, &inst, &[&before], &["--dates", "day-first"]);
    assert!(ok, "{err} {json}");
    assert_eq!(
        json["files"][0]["mapping"][0]["field"],
        serde_json::Value::Null
    );
    // Now the same lines come with a header that is read, and one new line.
    let now = dir.path().join("card-june-now.csv");
    std::fs::write(
        &now,
        "Statement Number,Transaction Date,Supplier Name,Amount\nST-07,05/06/2021,Tesco Stores,9.99\nST-07,06/06/2021,Greggs,2.50\nST-08,07/07/2021,Greggs,2.50\n",
    )
    .unwrap();
    let (ok, json, err) = import_json(&db, &inst, &[&now], &["--dates", "day-first", "--dry-run"]);
    assert!(ok, "{err} {json}");
    assert_eq!(json["files"][0]["mapping"][0]["field"], "statement_ref");
    assert_eq!(json["files"][0]["preview"]["already_recorded"], 2);
    let (ok, json, err) = import_json(&db, &inst, &[&now], &["--dates", "day-first"]);
    assert!(ok, "{err} {json}");
    assert_eq!(json["files"][0]["committed"]["added"], 1);
    assert_eq!(json["files"][0]["committed"]["skipped"], 2);
    assert_eq!(suppliers_of_lines(&db.url).len(), 2, "Tesco and Greggs");
    let pool = db::build_pool(
        &localspend::config::DatabaseUrl::parse(&db.url).unwrap(),
        Some(1),
    )
    .unwrap();
    let live: i64 = l::table
        .filter(l::deleted_at.is_null())
        .count()
        .get_result(&mut pool.get().unwrap())
        .unwrap();
    assert_eq!(live, 3);
}

#[actix_web::test]
async fn the_batch_page_lists_lines_on_record_and_keeps_them_when_ticked() {
    use crate::common::spawn_app;
    use crate::spend_import::{batch_id, confirm_mapping, import, preview_of, upload, wait_for};
    use localspend::db::imports::{self, status};
    use localspend::domain::Role;

    let app = spawn_app().await;
    let preston = app.add_institution("Preston City Council", "E07000123");
    let (clerk, _) = app.signed_in("clerk", Role::Clerk, Some(preston)).await;
    let march = b"Payment Date,Supplier Name,Amount\n13/04/2021,Tesco Stores,12.50\n14/04/2021,Greggs,3.10\n";
    let (_, first) = import(&app, &clerk, preston, "card-march.csv", march).await;
    let april = b"Payment Date,Supplier Name,Amount\n13/04/2021,Tesco Stores,12.50\n15/04/2021,Greggs,4.20\n";
    let id = batch_id(&upload(&clerk, preston, "card-april.csv", april).await);
    let (res, batch) = confirm_mapping(&app, &clerk, id, &[]).await;
    assert_eq!(res.status, 303, "{}", res.body);
    assert_eq!(preview_of(&batch).already_recorded, 1);
    let page = clerk.get(&format!("/spend/imports/{id}")).await;
    assert!(
        page.body.contains(&format!(
            "£12.50 to Tesco Stores on 13/04/2021: already on record by import {} (card-march.csv)",
            first.id
        )),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("name=\"keep_recorded\""),
        "{}",
        page.body
    );
    let version = app.with_conn(|c| imports::get(c, id).unwrap().version.to_string());
    let res = clerk
        .submit(
            &format!("/spend/imports/{id}"),
            &format!("/spend/imports/{id}/commit"),
            &[("version", &version), ("keep_recorded", "on")],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    let done = wait_for(&app, id).await;
    assert_eq!(done.status, status::COMMITTED, "{}", done.message);
    assert_eq!((done.line_count, done.skipped_count), (2, 0));
    let tesco = suppliers_of_lines(&app.db.url)
        .into_iter()
        .filter(|(_, n)| n == "Tesco Stores")
        .count();
    assert_eq!(tesco, 1, "one supplier, with both payments");
    let live = app.with_conn(|c| {
        l::table
            .filter(l::deleted_at.is_null())
            .filter(l::supplier_name.eq("Tesco Stores"))
            .count()
            .get_result::<i64>(c)
            .unwrap()
    });
    assert_eq!(live, 2, "two payments on record");
}
