//! The three user journeys in a real browser (headless Chromium through
//! ChromeDriver's WebDriver protocol), on the demo network, with an axe-core
//! accessibility check of every page visited and screenshots of the key
//! pages in `target/e2e-screenshots/`.
//!
//! Built to run when `LOCALSPEND_E2E=1` is set for the build (as `.ci/run`
//! does, after installing Chromium, ChromeDriver and axe-core; `build.rs`
//! turns it into the `e2e` cfg); otherwise each journey is reported as
//! ignored, with the reason, never as passed.

#[path = "../it/common/mod.rs"]
mod common;
mod webdriver;

use std::path::PathBuf;

use localspend::db::spend;
use localspend::domain::money::Pence;

use common::{shared_data, spawn_app, TestApp};
use webdriver::Browser;

fn screenshots() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/e2e-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The demo network, and the logins it prints.
fn demo(app: &TestApp) -> Vec<(String, String)> {
    app.with_conn(|c| {
        let gazetteer = localspend::db::geography::load(c).unwrap();
        localspend::demo::seed(c, &gazetteer)
            .unwrap()
            .0
            .into_iter()
            .map(|(_, u, p)| (u, p))
            .collect()
    })
}

/// The app on the demo network and a browser signed in as one of its
/// people (0 admin, 1 manager, 2 clerk, 3 auditor).
async fn journey(person: usize) -> (TestApp, Browser) {
    let app = spawn_app().await;
    let logins = demo(&app);
    let browser = Browser::start().await;
    sign_in(&browser, &app.base, &logins[person].0, &logins[person].1).await;
    (app, browser)
}

async fn sign_in(browser: &Browser, base: &str, username: &str, password: &str) {
    browser.go(&format!("{base}/login")).await;
    browser.type_into("#username", username).await;
    browser.type_into("#password", password).await;
    browser.click("form button[type=submit]").await;
    browser.wait_for_text("Sign out").await;
}

#[actix_web::test]
#[cfg_attr(
    not(e2e),
    ignore = "browser journey: build with LOCALSPEND_E2E=1 (bash .ci/run does) to run it"
)]
async fn a_clerk_imports_a_real_file_classifies_suppliers_and_enters_a_payment() {
    let (app, browser) = journey(2).await;
    let base = &app.base;
    browser.check_accessibility("home").await;

    // Import Manchester's April 2021 file: upload, confirm the mapping, preview, commit.
    browser.go(&format!("{base}/spend/imports")).await;
    browser.check_accessibility("imports").await;
    let file = shared_data("spend/manchester/2021-04.csv")
        .canonicalize()
        .unwrap();
    browser.type_into("#file", file.to_str().unwrap()).await;
    browser.click("form[enctype] button[type=submit]").await;
    browser.wait_for_text("Check every row").await;
    browser.check_accessibility("import mapping").await;
    browser
        .screenshot(&screenshots().join("import-mapping.png"))
        .await;
    browser
        .click("form[action$='/map'] button[type=submit]")
        .await;
    browser.wait_for_text("What this file holds").await;
    assert!(
        browser.text().await.contains("3021"),
        "the preview counts every payment"
    );
    browser.check_accessibility("import preview").await;
    browser
        .screenshot(&screenshots().join("import-preview.png"))
        .await;
    browser
        .click("form[action$='/commit'] button[type=submit]")
        .await;
    browser.wait_for_text("lines totalling").await;
    assert!(browser.text().await.contains("£65,033,028.95"));

    // Classify the top two suppliers of the work queue.
    for _ in 0..2 {
        browser.go(&format!("{base}/suppliers/queue")).await;
        browser.check_accessibility("work queue").await;
        browser
            .screenshot(&screenshots().join("work-queue.png"))
            .await;
        let before = browser.text().await;
        browser
            .type_into("table.queue tr:first-child input[name=postcode]", "PR1 2HE")
            .await;
        browser
            .select("table.queue tr:first-child select[name=size_band]", "small")
            .await;
        browser
            .click("table.queue tr:first-child form button[type=submit]")
            .await;
        browser.wait_for_text("Classification work queue").await;
        assert_ne!(before, browser.text().await, "the queue moved on");
    }

    // Enter a payment by hand.
    browser.go(&format!("{base}/spend/new")).await;
    browser.check_accessibility("payment form").await;
    browser.type_into("#payment_date", "14/05/2024").await;
    browser.type_into("#amount", "£1234.5").await;
    browser.type_into("#supplier", "Ribble Joinery Ltd").await;
    browser
        .click("form[action='/spend'] button[type=submit]")
        .await;
    browser.wait_for_text("Saved a payment of £1,234.50").await;
    browser.check_accessibility("ledger").await;
    browser.screenshot(&screenshots().join("ledger.png")).await;
    browser.quit().await;
}

#[actix_web::test]
#[cfg_attr(
    not(e2e),
    ignore = "browser journey: build with LOCALSPEND_E2E=1 (bash .ci/run does) to run it"
)]
async fn a_manager_reads_the_dashboard_switches_year_and_tier_and_sets_a_target() {
    let (app, browser) = journey(1).await;
    let base = &app.base;
    browser.go(&format!("{base}/reports")).await;
    browser
        .wait_for_text("Local share of influenceable spend")
        .await;
    browser.check_accessibility("dashboard").await;
    browser
        .screenshot(&screenshots().join("dashboard.png"))
        .await;
    // Another year.
    browser.select("#fy", "2022").await;
    browser.click("form.filters button[type=submit]").await;
    // The headline sentence names the year (the stamp is folded away).
    browser
        .wait_for_text("influenceable spend in 2022/23")
        .await;
    // Another tier: its lines in the ledger.
    browser.click("#tiers tbody tr:nth-child(2) th a").await;
    browser.wait_for_text("Spend ledger").await;
    assert!(browser.url().await.contains("tier=2"));
    browser.check_accessibility("ledger by tier").await;
    // A target for 2024/25.
    browser.go(&format!("{base}/reports?fy=2024")).await;
    browser.click("#set-targets summary").await;
    browser.type_into("#target_1", "65").await;
    browser
        .click("form[action='/reports/targets'] button[type=submit]")
        .await;
    browser.wait_for_text("Saved the targets for 2024/25").await;
    assert!(browser.text().await.contains("65.00%"));
    browser.go(&format!("{base}/reports/trend")).await;
    browser.check_accessibility("trend").await;
    browser.screenshot(&screenshots().join("trend.png")).await;
    browser.quit().await;
}

#[actix_web::test]
#[cfg_attr(
    not(e2e),
    ignore = "browser journey: build with LOCALSPEND_E2E=1 (bash .ci/run does) to run it"
)]
async fn an_auditor_downloads_the_audit_csv_and_it_sums_to_the_page() {
    let (app, browser) = journey(3).await;
    let base = &app.base;
    browser.go(&format!("{base}/reports?fy=2023")).await;
    browser.check_accessibility("auditor dashboard").await;
    browser
        .screenshot(&screenshots().join("auditor-dashboard.png"))
        .await;
    // The figure on the page: tier 1's cumulative pounds.
    let shown: String = browser
        .script(
            "return document.querySelector('#tiers tbody tr:first-child td.num').textContent",
            &[],
        )
        .await
        .as_str()
        .unwrap()
        .to_owned();
    // The export, fetched by the browser with its own session.
    let csv: String = browser
        .script_async(
            "const done = arguments[arguments.length - 1];\
             fetch(document.querySelector('a.button[href^=\"/reports/audit.csv\"]').href).then(r => r.text()).then(done);",
            &[],
        )
        .await
        .as_str()
        .unwrap()
        .to_owned();
    // The header on line 1 (the browser's decoder drops the byte-order mark).
    let table = csv.trim_start_matches('\u{feff}');
    let mut reader = csv::Reader::from_reader(table.as_bytes());
    let header = reader.headers().unwrap().clone();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (amount, influenceable, tier) = (col("Amount (£)"), col("Influenceable"), col("Tier"));
    let sum: i64 = reader
        .records()
        .map(|r| r.unwrap())
        .filter(|r| &r[influenceable] == "yes" && &r[tier] == "1")
        .map(|r| Pence::parse(&r[amount]).unwrap().0)
        .sum();
    assert_eq!(
        Pence(sum).to_string(),
        shown,
        "the audit export sums to the figure on the page"
    );
    let lines = app.with_conn(|c| {
        let f = spend::LedgerFilter::default();
        spend::ledger(c, &f, Default::default(), 1, 0).unwrap().1
    });
    assert!(lines > 0);
    browser.quit().await;
}
