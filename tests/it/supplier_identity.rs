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
        .select((l::supplier_name, l::supplier_id, l::payment_type, l::purchase_card))
        .load(&mut pool.get().unwrap())
        .unwrap()
}

#[test]
fn personal_budgets_and_card_statements_make_no_supplier_per_line_name() {
    let (db, inst, dir) = ready();
    // Calderdale's shape: the supplier id column holds "Personal Budgets"
    // and the name column a client group; a card statement's payee is "the
    // purchase card supplier"; a sundry id with an organisation's name is
    // that organisation.
    let text = "Payment Date,Supplier ID,Supplier Name,Expense Type,Amount\n\
        13/04/2021,Personal Budgets,2021:01D  Dementia,Transfer Payments,3756.20\n\
        13/04/2021,Personal Budgets,2021:01LD Learning Disabilities,Transfer Payments,97714.05\n\
        13/04/2021,Personal Budgets,2021:01OV Other Vulnerable People,Transfer Payments,16194.40\n\
        14/04/2021,S900001,Purchase Card Supplier,Stationery,120.00\n\
        15/04/2021,S900001,Purchase Card Supplier,Catering,80.50\n\
        16/04/2021,,Sundry Creditors,Refunds,12.00\n\
        17/04/2021,SUNDRY,Preston Scout Group,Room hire,45.00\n\
        18/04/2021,S113120,Planning Inspectorate,Fees,920.81\n";
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
        ]
    );
    assert_eq!(preview["class_lines"], 6);
    assert_eq!(preview["suppliers_new"], 2, "the scouts and the inspectorate");
    let lines = lines_of(&db.url);
    assert_eq!(lines.len(), 8);
    let with_supplier: Vec<&str> = lines
        .iter()
        .filter(|l| l.1.is_some())
        .map(|l| l.0.as_str())
        .collect();
    assert_eq!(with_supplier, ["Preston Scout Group", "Planning Inspectorate"]);
    let individuals = lines.iter().filter(|l| l.2 == "individual").count();
    assert_eq!(individuals, 4, "three personal budgets and the sundry creditor");
    let card: Vec<(&str, &str)> = lines
        .iter()
        .filter(|l| l.3)
        .map(|l| (l.0.as_str(), l.2.as_str()))
        .collect();
    assert_eq!(
        card,
        [
            ("Purchase Card Supplier", "procurement"),
            ("Purchase Card Supplier", "procurement")
        ]
    );
}
