//! Downloads as a spreadsheet takes them: every CSV has its header on line 1
//! (what the figures are travels in the companion file, never above the
//! header), starts with a byte-order mark, and writes dates as YYYY-MM-DD;
//! report tables also download as Excel workbooks with the stamp on a
//! second sheet.

use std::collections::BTreeSet;
use std::io::Read;

use localspend::domain::Role;

use crate::common::{spawn_app, Resp};
use crate::reports::{preston_year, table};
use crate::spend_import::{batch_id, confirm_mapping, upload, wait_for};

/// Every `GET` route that serves a `.csv`, as `src/routes.rs` declares them.
fn csv_routes() -> BTreeSet<String> {
    let routes = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src/routes.rs"))
        .expect("the route table");
    routes
        .lines()
        .filter_map(|l| l.trim().strip_prefix("get \""))
        .filter_map(|l| l.split_once('"').map(|(path, _)| path.to_owned()))
        .filter(|p| p.ends_with(".csv"))
        .collect()
}

/// The download is a CSV whose line 1 is its header: a byte-order mark,
/// then records that all have as many cells as the header (a stamp of two
/// cells above a wider header could not be read so), the header's first
/// cell as given (`""`: any but the stamp's first).
fn assert_header_on_line_1(res: &Resp, path: &str, first: &str) -> Vec<Vec<String>> {
    assert_eq!(res.status, 200, "{path}: {}", res.body);
    assert!(
        res.header("content-type")
            .is_some_and(|t| t.starts_with("text/csv")),
        "{path}"
    );
    let body = res
        .body
        .strip_prefix('\u{feff}')
        .unwrap_or_else(|| panic!("{path}: a byte-order mark for Excel"));
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(body.as_bytes());
    let rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| {
            r.unwrap_or_else(|e| panic!("{path}: every record as wide as the header: {e}"))
                .iter()
                .map(String::from)
                .collect()
        })
        .collect();
    assert_ne!(rows[0][0], "Report", "{path}: no stamp above the header");
    assert!(rows[0].len() >= 2, "{path}: {:?}", rows[0]);
    if !first.is_empty() {
        assert_eq!(rows[0][0], first, "{path}: line 1 is the header");
    }
    rows
}

#[actix_web::test]
async fn every_csv_download_has_its_header_on_line_1() {
    let app = spawn_app().await;
    let (preston, _) = preston_year(&app);
    let (admin, _) = app.signed_in("admin", Role::Admin, Some(preston)).await;
    let q = format!("institution={preston}&fy=2023");
    let mut served = BTreeSet::new();

    // Every table the report pages offer, by the links they show.
    let mut tables = BTreeSet::new();
    for page in ["/reports", "/reports/categories", "/reports/trend"] {
        let body = admin.get(&format!("{page}?{q}")).await.body;
        for link in body.split("href=\"/reports.csv?").skip(1) {
            let query = link
                .split('"')
                .next()
                .unwrap()
                .replace("&amp;", "&")
                .replace("&#38;", "&");
            tables.insert(query);
        }
    }
    assert!(
        tables.len() >= 12,
        "the pages offer their tables: {tables:?}"
    );
    for query in &tables {
        let path = format!("/reports.csv?{query}");
        let res = admin.get(&path).await;
        let key = query.rsplit("table=").next().unwrap();
        let first = match key {
            "headline" => "Area",
            "reconciliation" => "Step",
            "institutions" => "Institution",
            "trend" => "Financial year",
            "measures" => "Measure",
            "size" | "kind" => "Group",
            _ => "",
        };
        let rows = assert_header_on_line_1(&res, &path, first);
        assert!(
            rows.iter().all(|r| r[0] != "Generated"),
            "{path}: no stamp inside the table"
        );
    }
    served.insert("/reports.csv".to_owned());

    // What the figures are: the companion file.
    let path = format!("/reports/about.csv?{q}");
    let about = assert_header_on_line_1(&admin.get(&path).await, &path, "About this report");
    let item = |name: &str| {
        about
            .iter()
            .find(|r| r[0] == name)
            .unwrap_or_else(|| panic!("{name} in {about:?}"))[1]
            .clone()
    };
    assert!(item("Period").starts_with("Financial year 2023/24 ("));
    assert_eq!(item("VAT basis"), "net");
    assert!(item("Generated").contains("UTC by admin"));
    assert!(item("Postcode lookup").len() > 2);
    served.insert("/reports/about.csv".to_owned());

    // The audit export: its rows name their own definition and release,
    // and its dates are YYYY-MM-DD.
    let path = format!("/reports/audit.csv?{q}");
    let audit = assert_header_on_line_1(&admin.get(&path).await, &path, "Institution");
    let date = audit[0].iter().position(|h| h == "Payment date").unwrap();
    assert!(audit.len() > 5);
    for row in &audit[1..] {
        assert!(
            chrono::NaiveDate::parse_from_str(&row[date], "%Y-%m-%d").is_ok(),
            "{row:?}"
        );
    }
    served.insert("/reports/audit.csv".to_owned());

    for (path, route, first) in [
        (
            format!("/reports/payments.csv?institution={preston}&table=compliance"),
            "/reports/payments.csv",
            "Institution",
        ),
        (
            format!("/reports/payments.csv?institution={preston}&table=over_30000"),
            "/reports/payments.csv",
            "Institution",
        ),
        // The ledger keeps the Transparency Code's layout, dates included.
        ("/spend.csv".to_owned(), "/spend.csv", "Body Name"),
        ("/suppliers.csv".to_owned(), "/suppliers.csv", "supplier_id"),
        ("/admin/audit.csv".to_owned(), "/admin/audit.csv", "id"),
    ] {
        assert_header_on_line_1(&admin.get(&path).await, &path, first);
        served.insert(route.to_owned());
    }

    // The rows an import left out: the file's own header, on line 1.
    let clerk = admin;
    let file = "Payment Date,Supplier Name,Net Amount\n\
01/04/2021,A Ltd,10.00\n31/04/2021,B Ltd,20.00\n13/04/2021,C Ltd,30.00\n";
    let id = batch_id(&upload(&clerk, preston, "april.csv", file.as_bytes()).await);
    let (_, batch) = confirm_mapping(&app, &clerk, id, &[]).await;
    let version = batch.version.to_string();
    let committed = clerk
        .submit(
            &format!("/spend/imports/{id}"),
            &format!("/spend/imports/{id}/commit"),
            &[("version", &version), ("leave_out", "on")],
        )
        .await;
    assert_eq!(committed.status, 303, "{}", committed.body);
    wait_for(&app, id).await;
    let path = format!("/spend/imports/{id}/left-out.csv");
    let left = assert_header_on_line_1(&clerk.get(&path).await, &path, "Payment Date");
    assert_eq!(left[1], ["31/04/2021", "B Ltd", "20.00"]);
    served.insert("/spend/imports/{id}/left-out.csv".to_owned());

    assert_eq!(
        served,
        csv_routes(),
        "every CSV route is downloaded and checked here"
    );
}

/// A file inside a workbook, as text.
fn part(book: &[u8], name: &str) -> String {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(book)).expect("an xlsx is a zip");
    let mut text = String::new();
    zip.by_name(name)
        .unwrap_or_else(|_| panic!("{name} in the workbook"))
        .read_to_string(&mut text)
        .unwrap();
    text
}

#[actix_web::test]
async fn a_report_table_downloads_as_a_workbook_with_the_stamp_on_a_second_sheet() {
    let app = spawn_app().await;
    let (preston, _) = preston_year(&app);
    let (manager, _) = app.signed_in("manager", Role::Manager, Some(preston)).await;
    let page = manager
        .get(&format!("/reports?institution={preston}&fy=2023"))
        .await;
    assert!(page
        .body
        .contains("table=headline\">Download this table (Excel)</a>"));
    let res = manager
        .get(&format!(
            "/reports.xlsx?institution={preston}&fy=2023&table=headline"
        ))
        .await;
    assert_eq!(res.status, 200);
    assert_eq!(
        res.header("content-type"),
        Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    );
    assert!(res
        .header("content-disposition")
        .is_some_and(|d| d.contains("local-spend-headline") && d.contains(".xlsx")));
    let book = &res.bytes;
    let sheets = part(book, "xl/workbook.xml");
    let names: Vec<&str> = sheets
        .split("<sheet name=\"")
        .skip(1)
        .map(|s| s.split('"').next().unwrap())
        .collect();
    assert_eq!(names, ["headline", "About this report"]);
    let strings = part(book, "xl/sharedStrings.xml");
    for text in [
        "Cumulative share (%)",
        "Influenceable spend",
        "Period",
        "2023/24",
    ] {
        assert!(strings.contains(text), "{text} in {strings}");
    }
    // Amounts and shares are numbers, not text: £800 and 47.06% for Preston.
    let table = part(book, "xl/worksheets/sheet1.xml");
    assert!(
        table.contains("<v>800</v>") && table.contains("<v>47.06</v>"),
        "{table}"
    );
    assert!(table.contains("<autoFilter"), "the header row filters");
    // The same figures as the CSV.
    let csv = table_rows_of(
        &manager
            .get(&format!(
                "/reports.csv?institution={preston}&fy=2023&table=headline"
            ))
            .await,
    );
    assert_eq!(csv[1][1..3], ["800.00", "47.06"]);
    // Those who may not read the report get no workbook either.
    let elsewhere = app.add_institution("Elsewhere Council", "E07000117");
    let (other, _) = app
        .signed_in("outsider", Role::Manager, Some(elsewhere))
        .await;
    let refused = other
        .get(&format!(
            "/reports.xlsx?institution={preston}&fy=2023&table=headline"
        ))
        .await;
    assert_ne!(refused.status, 200);
}

fn table_rows_of(res: &Resp) -> Vec<Vec<String>> {
    assert_eq!(res.status, 200);
    table(&res.body)
}
