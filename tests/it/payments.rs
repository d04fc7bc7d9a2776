//! Payment performance through HTTP: a spend file with dates received and
//! invoice numbers becomes the Procurement Act's compliance table (all
//! invoices, local suppliers, SMEs, VCSEs, local SMEs) and its list of
//! payments over £30,000, on the page and as CSV with the header on line 1.

use localspend::db::{audit::Actor, suppliers};
use localspend::domain::supplier::{Source, SupplierFields};
use localspend::domain::Role;

use crate::common::{spawn_app, TestApp};
use crate::spend_files::import_json;

fn supplier(app: &TestApp, name: &str, place: &str, size: &str, vcse: bool) {
    let fields = SupplierFields {
        name: name.into(),
        override_place: place.into(),
        override_justification: "test".into(),
        size_band: size.into(),
        size_definition: if size.is_empty() { "" } else { "employees" }.into(),
        is_vcse: vcse.then(|| "on".into()),
        ..Default::default()
    };
    app.with_conn(|c| {
        suppliers::create(
            c,
            &Actor::system("test"),
            &fields.parse().unwrap(),
            Source::Clerk,
            "",
        )
        .unwrap();
    });
}

const FILE: &str = "Payment Date,Date Received,Invoice Date,Invoice Number,Supplier Name,Net Amount,Irrecoverable VAT\n\
10/05/2025,01/04/2025,,INV-1,Preston Bakers Ltd,600.00,\n\
10/05/2025,01/04/2025,,INV-1,Preston Bakers Ltd,400.00,\n\
12/05/2025,,,INV-1,Preston Bakers Ltd,-100.00,\n\
01/07/2025,01/04/2025,,INV-2,Preston Bakers Ltd,200.00,\n\
02/06/2025,26/05/2025,,INV-9,Big Facilities Plc,40000.00,\n\
30/08/2025,01/08/2025,,INV-3,Leyland Joinery CIC,300.00,\n\
15/09/2025,,16/08/2025,INV-4,Overseas Software Inc,29500.00,600.00\n\
02/10/2025,01/09/2025,,INV-5,Preston Bakers Ltd,50.00,\n";

#[actix_web::test]
async fn the_payments_compliance_report_counts_invoices_by_band_for_local_smes_too() {
    let app = spawn_app().await;
    let preston = app.add_institution("Preston City Council", "E07000123");
    supplier(&app, "Preston Bakers Ltd", "E07000123", "small", false);
    supplier(&app, "Big Facilities Plc", "E07000123", "large", false);
    supplier(&app, "Leyland Joinery CIC", "E07000126", "micro", true);
    supplier(&app, "Overseas Software Inc", "outside_uk", "", false);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("2025.csv");
    std::fs::write(&path, FILE).unwrap();
    let (ok, json, err) = import_json(
        &app.db,
        &preston.to_string(),
        &[&path],
        &["--dates", "day-first"],
    );
    assert!(ok, "{err} {json}");
    assert_eq!(
        json["files"][0]["committed"]["suppliers_created"], 0,
        "{json}"
    );

    let (manager, _) = app.signed_in("manager", Role::Manager, Some(preston)).await;
    let page = manager
        .get(&format!(
            "/reports/payments?institution={preston}&period=2025-h1"
        ))
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page
        .body
        .contains("Payment performance, 1 April 2025 to 30 September 2025"));
    let rows = crate::common::table_rows(&page.body, "<h2>Payment performance,");
    // The row headers, then each row's cells after its header.
    let groups = [
        "All invoices",
        "Local suppliers (in Preston)",
        "SMEs",
        "VCSEs",
        "Local SMEs (in Preston)",
    ];
    for g in groups {
        assert!(
            page.body.contains(&format!("<th scope=\"row\">{g}</th>")),
            "{g}"
        );
    }
    let row = |group: &str| rows[groups.iter().position(|g| *g == group).unwrap()].clone();
    // INV-1 (600 + 400 − 100, 39 days), INV-2 (91), INV-9 (7), INV-3 (29)
    // and INV-4 (30 days from its invoice date); INV-5 is paid in October.
    assert_eq!(
        row("All invoices"),
        [
            "5",
            "£70,900.00",
            "39.2",
            "60.00% 3 · £69,800.00",
            "20.00% 1 · £900.00",
            "20.00% 1 · £200.00",
            "date received; invoice date for 1 of 5 invoices (no date received)"
        ]
    );
    assert_eq!(
        row("Local suppliers (in Preston)")[..3],
        ["3", "£41,100.00", "45.7"]
    );
    assert_eq!(row("SMEs")[..3], ["3", "£1,400.00", "53.0"]);
    assert_eq!(row("VCSEs")[..3], ["1", "£300.00", "29.0"]);
    assert_eq!(
        row("Local SMEs (in Preston)")[..6],
        [
            "2",
            "£1,100.00",
            "65.0",
            "0.00% 0 · £0.00",
            "50.00% 1 · £900.00",
            "50.00% 1 · £200.00"
        ],
        "the local small firm waits longest"
    );
    assert!(page.body.contains("Big Facilities Plc</a></th>"));
    let large = crate::common::table_rows(&page.body, "<h2>Payments over £30,000");
    let large: Vec<Vec<String>> = large.into_iter().map(|r| r[..5].to_vec()).collect();
    assert_eq!(
        large,
        [
            [
                "Quarter 1 of 2025/26",
                "02/06/2025",
                "INV-9",
                "£40,000.00",
                "net plus irrecoverable VAT (recoverable VAT is not in the data)"
            ],
            [
                "Quarter 2 of 2025/26",
                "15/09/2025",
                "INV-4",
                "£30,100.00",
                "net plus irrecoverable VAT (recoverable VAT is not in the data)"
            ],
        ]
    );

    let csv = manager
        .get(&format!(
            "/reports/payments.csv?institution={preston}&period=2025-h1&table=compliance"
        ))
        .await;
    assert_eq!(csv.status, 200);
    let body = csv.body.trim_start_matches('\u{feff}');
    let mut reader = ::csv::Reader::from_reader(body.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(
        header[..7],
        [
            "Institution",
            "Period start",
            "Period end",
            "Group",
            "Invoices",
            "Amount (£)",
            "Average days to pay"
        ]
    );
    let records: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect();
    assert_eq!(records.len(), 5);
    let local_smes = &records[4];
    assert_eq!(
        local_smes[..10],
        [
            "Preston City Council",
            "2025-04-01",
            "2025-09-30",
            "Local SMEs (in Preston)",
            "2",
            "1100.00",
            "65.0",
            "0.00",
            "50.00",
            "50.00"
        ]
    );
    let over = manager
        .get(&format!(
            "/reports/payments.csv?institution={preston}&period=2025-h1&table=over_30000"
        ))
        .await;
    let over = over.body.trim_start_matches('\u{feff}');
    assert!(
        over.starts_with("Institution,Quarter,Payment date,Supplier,"),
        "{over}"
    );
    assert!(over.contains("Preston City Council,Quarter 1 of 2025/26,2025-06-02,Big Facilities Plc,INV-9,40000.00,"), "{over}");

    // Without a period: the latest half that has ended with lines in it.
    let default = manager
        .get(&format!("/reports/payments?institution={preston}"))
        .await;
    assert!(
        default
            .body
            .contains("Payment performance, 1 October 2025 to 31 March 2026"),
        "{}",
        default.body
    );
    let refused = manager
        .get(&format!(
            "/reports/payments?institution={preston}&period=autumn"
        ))
        .await;
    assert_eq!(refused.status, 400);
    assert!(refused.body.contains("is not a half year"));
}

/// A second member's invoices: one local SME invoice paid in 10 days.
const SECOND: &str = "Payment Date,Date Received,Invoice Number,Supplier Name,Net Amount\n\
11/05/2025,01/05/2025,U-1,Preston Bakers Ltd,1000.00\n";

fn import(app: &TestApp, institution: i64, name: &str, body: &str) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, body).unwrap();
    let (ok, json, err) = import_json(
        &app.db,
        &institution.to_string(),
        &[&path],
        &["--dates", "day-first"],
    );
    assert!(ok, "{err} {json}");
}

#[actix_web::test]
async fn a_network_pools_its_members_invoices_and_sets_them_side_by_side_without_their_payments() {
    let app = spawn_app().await;
    let preston = app.add_institution("Preston City Council", "E07000123");
    let college = app.add_institution("Preston College", "E07000123");
    let network = app.add_network("Preston anchors", &[preston, college]);
    supplier(&app, "Preston Bakers Ltd", "E07000123", "small", false);
    supplier(&app, "Big Facilities Plc", "E07000123", "large", false);
    supplier(&app, "Leyland Joinery CIC", "E07000126", "micro", true);
    supplier(&app, "Overseas Software Inc", "outside_uk", "", false);
    import(&app, preston, "2025.csv", FILE);
    import(&app, college, "college.csv", SECOND);

    // A clerk of the college, a member: the aggregates, never the council's payments.
    let (clerk, _) = app.signed_in("clerk", Role::Clerk, Some(college)).await;
    let q = format!("network={network}&period=2025-h1");
    let page = clerk.get(&format!("/reports/payments?{q}")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let rows = crate::common::table_rows(&page.body, "<h2>Payment performance,");
    // Pooled: the council's five invoices and the college's one.
    assert_eq!(rows[0][..3], ["6", "£71,900.00", "34.3"], "{rows:?}");
    assert!(page
        .body
        .contains("<th scope=\"row\">Local SMEs (each member&#39;s own area)</th>"));
    // Local SMEs: the council's two (39 and 91 days) and the college's one (10).
    assert_eq!(rows[4][..3], ["3", "£2,100.00", "46.7"], "{rows:?}");
    let members = crate::common::table_rows(&page.body, "<h2>Members side by side");
    assert_eq!(members.len(), 10, "five groups for each member");
    assert!(page.body.contains(">Preston College</th>"));
    assert!(
        !page.body.contains("INV-9"),
        "no member's payment is listed"
    );
    assert!(!page.body.contains("Big Facilities Plc"));
    assert!(page.body.contains("Each member publishes its own list"));
    // The CSV: the pooled rows, then each member's own, in the notice's layout.
    let csv = clerk
        .get(&format!("/reports/payments.csv?{q}&table=compliance"))
        .await;
    assert_eq!(csv.status, 200);
    let mut reader = csv::Reader::from_reader(csv.body.trim_start_matches('\u{feff}').as_bytes());
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let who: Vec<(&str, &str)> = records.iter().map(|r| (&r[0], &r[3])).collect();
    assert_eq!(who.len(), 15);
    assert_eq!(who[0], ("Preston anchors", "All invoices"));
    assert_eq!(who[5], ("Preston City Council", "All invoices"));
    assert_eq!(who[14], ("Preston College", "Local SMEs (in Preston)"));
    assert_eq!(&records[14][4], "1");

    // Staff of an institution outside the network see nothing of it.
    let other = app.add_institution("Lancaster City Council", "E07000121");
    let (outsider, _) = app.signed_in("outsider", Role::Manager, Some(other)).await;
    assert_eq!(
        outsider.get(&format!("/reports/payments?{q}")).await.status,
        403
    );
}
