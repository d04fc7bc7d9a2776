//! Each institution's own financial year through HTTP: an August-to-July
//! university's reports, kept totals, trend and audit export count its
//! year, a change of start month recounts the kept totals, and a network of
//! members with different years counts each member's own and says so.

use localspend::db::{audit::Actor, institutions, spend};
use localspend::domain::institution::InstitutionInput;
use localspend::domain::spend::LineFields;
use localspend::domain::Role;

use crate::common::{spawn_app, TestApp};
use crate::reports::table;

fn pay(app: &TestApp, institution: i64, date: &str, pounds: &str) {
    app.with_conn(|c| {
        let input = LineFields {
            institution_id: institution.to_string(),
            payment_date: date.into(),
            amount: pounds.into(),
            supplier: "Preston Joinery Ltd".into(),
            payment_type: "procurement".into(),
            ..Default::default()
        }
        .parse()
        .unwrap();
        spend::create(c, &Actor::system("test"), &input, None).unwrap();
    });
}

fn set_start_month(app: &TestApp, id: i64, month: &str) {
    app.with_conn(|c| {
        let i = institutions::get(c, id).unwrap();
        let input = InstitutionInput::parse(&i.name, "university", &i.home_lad, month).unwrap();
        institutions::update(c, &Actor::system("test"), id, i.version, &input).unwrap();
    });
}

/// The influenceable spend a report's reconciliation CSV gives.
async fn influenceable(client: &crate::common::TestClient, query: &str) -> String {
    let res = client
        .get(&format!("/reports.csv?{query}&table=reconciliation"))
        .await;
    assert_eq!(res.status, 200, "{query}: {}", res.body);
    table(&res.body)
        .into_iter()
        .find(|r| r[0] == "Influenceable spend")
        .map(|r| r[1].clone())
        .unwrap()
}

/// The pounds in an audit export, summed.
async fn audit_sum(client: &crate::common::TestClient, query: &str) -> (usize, i64) {
    let res = client.get(&format!("/reports/audit.csv?{query}")).await;
    assert_eq!(res.status, 200, "{}", res.body);
    let rows = table(&res.body);
    let col = rows[0].iter().position(|h| h == "Amount (£)").unwrap();
    let pence = rows[1..]
        .iter()
        .map(|r| localspend::domain::money::Pence::parse(&r[col]).unwrap().0)
        .sum();
    (rows.len() - 1, pence)
}

#[actix_web::test]
async fn an_august_to_july_university_counts_its_own_year_everywhere() {
    let app = spawn_app().await;
    let uni = app.add_institution("Fishwick University", "E07000123");
    set_start_month(&app, uni, "8");
    pay(&app, uni, "31/07/2024", "100");
    pay(&app, uni, "01/08/2024", "300");
    pay(&app, uni, "31/03/2025", "50");
    pay(&app, uni, "01/04/2025", "70");
    app.assert_totals_agree();
    let (manager, _) = app.signed_in("manager", Role::Manager, Some(uni)).await;

    let page = manager.get(&format!("/reports?institution={uni}")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body
            .contains("Financial year 2024/25 (01/08/2024 to 31/07/2025)"),
        "opens on its latest year, August to July"
    );
    assert!(page
        .body
        .contains("<option value=\"2023\">2023/24</option>"));
    assert!(
        !page.body.contains("<option value=\"2025\">"),
        "no April-based 2025/26"
    );
    assert!(
        page.body.contains(">Q1 (August–October)</option>") && page.body.contains(">July</option>"),
        "the picker names its own quarters"
    );
    let q = format!("institution={uni}&fy=2024");
    assert_eq!(influenceable(&manager, &q).await, "420.00");
    assert_eq!(
        influenceable(&manager, &format!("institution={uni}&fy=2023")).await,
        "100.00"
    );
    // Its first quarter is August to October.
    let q1 = manager.get(&format!("/reports?{q}&part=q1")).await;
    assert!(q1
        .body
        .contains("Quarter 1 of financial year 2024/25 (01/08/2024 to 31/10/2024)"));
    assert_eq!(
        influenceable(&manager, &format!("{q}&part=q1")).await,
        "300.00"
    );

    let trend = table(
        &manager
            .get(&format!("/reports.csv?{q}&table=trend"))
            .await
            .body,
    );
    let years: Vec<(&str, &str)> = trend[1..]
        .iter()
        .map(|r| (r[0].as_str(), r[1].as_str()))
        .collect();
    assert_eq!(years, [("2023/24", "100.00"), ("2024/25", "420.00")]);

    let (auditor, _) = app.signed_in("auditor", Role::Auditor, Some(uni)).await;
    assert_eq!(audit_sum(&auditor, &q).await, (3, 42_000));

    // Back to April: the kept totals are recounted with the new years.
    set_start_month(&app, uni, "4");
    app.assert_totals_agree();
    assert_eq!(influenceable(&manager, &q).await, "450.00");
    assert_eq!(
        influenceable(&manager, &format!("institution={uni}&fy=2025")).await,
        "70.00"
    );
}

#[actix_web::test]
async fn a_network_of_different_years_counts_each_members_own_and_says_so() {
    let app = spawn_app().await;
    let council = app.add_institution("Fishwick City Council", "E07000123");
    let uni = app.add_institution("Fishwick University", "E07000123");
    set_start_month(&app, uni, "8");
    let network = app.add_network("Fishwick anchors", &[council, uni]);
    // The council's 2024/25: April to March. The university's: August to July.
    pay(&app, council, "01/04/2024", "1000");
    pay(&app, council, "01/04/2025", "9");
    pay(&app, uni, "31/07/2024", "5");
    pay(&app, uni, "01/07/2025", "200");
    let (admin, _) = app.signed_in("netadmin", Role::Admin, None).await;
    let q = format!("network={network}&fy=2024");
    let page = admin.get(&format!("/reports?{q}")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body.contains("each member&#39;s own year of that name")
            && page.body.contains(
                "Fishwick City Council 01/04/2024 to 31/03/2025; Fishwick University 01/08/2024 to 31/07/2025"
            ),
        "the stamp says how the years are aligned"
    );
    assert_eq!(influenceable(&admin, &q).await, "1200.00");
    assert!(
        !page.body.contains(">Q1 ("),
        "no quarter offered across different years"
    );
    assert_eq!(audit_sum(&admin, &q).await, (2, 120_000));
    // A quarter would be different dates for each member.
    let quarter = admin.get(&format!("/reports?{q}&part=q1")).await;
    assert_eq!(quarter.status, 400, "{}", quarter.body);
    assert!(quarter.body.contains("start in different months"));
}

#[actix_web::test]
async fn the_dashboard_opens_on_the_latest_complete_year_against_the_year_before() {
    let app = spawn_app().await;
    let council = app.add_institution("Fishwick City Council", "E07000123");
    let today = chrono::Utc::now().date_naive();
    let running = localspend::domain::period::financial_year(today);
    // A month fifteen years back, the two complete years before this one,
    // and a line in the year now running.
    pay(&app, council, &format!("01/06/{}", running - 15), "10");
    pay(&app, council, &format!("01/06/{}", running - 2), "100");
    pay(&app, council, &format!("01/06/{}", running - 1), "50");
    pay(&app, council, &today.format("%d/%m/%Y").to_string(), "5");
    let (manager, _) = app.signed_in("manager", Role::Manager, Some(council)).await;
    let page = manager.get("/reports").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body.contains(&format!(
            "<option value=\"institution-{council}\" selected>Fishwick City Council"
        )),
        "the picker shows the institution reported on"
    );
    let label = localspend::domain::period::financial_year_label;
    assert!(
        page.body
            .contains(&format!("Financial year {} (", label(running - 1))),
        "opens on the latest complete year"
    );
    assert!(
        page.body
            .contains(&format!("Change since {}", label(running - 2))),
        "compared with the year before, not the first on record"
    );
    // Every supplier here is unlocated: the page says so and where to fix it.
    assert!(page
        .body
        .contains("The location of 100.00% of influenceable spend (£50.00) is unknown"));
    assert!(page
        .body
        .contains("href=\"/suppliers/queue\">Locate the suppliers"));
}
