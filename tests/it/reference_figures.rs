//! Published figures through HTTP: the shipped benchmarks, the Greater
//! Manchester table pooled and averaged, marks beside a report's own figures
//! on the dashboard and the year on year with both definitions spelt out,
//! and the admin form (errors at their fields, stale edits refused, every
//! change audited).

use localspend::db::{audit::Actor, spend, suppliers};
use localspend::domain::spend::LineFields;
use localspend::domain::supplier::{Source, SupplierFields};
use localspend::domain::Role;

use crate::common::{spawn_app, table_rows, TestApp};

/// £600 with a supplier in Preston and £400 with one in Chorley, in 2024/25.
fn spend_in_2024(app: &TestApp, institution: i64) {
    for (name, place, pounds) in [
        ("Preston Joinery Ltd", "E07000123", "600"),
        ("Chorley Haulage Ltd", "E07000118", "400"),
    ] {
        app.with_conn(|c| {
            let actor = Actor::system("test");
            let fields = SupplierFields {
                name: name.into(),
                override_place: place.into(),
                override_justification: "test".into(),
                ..Default::default()
            };
            let id = suppliers::create(c, &actor, &fields.parse().unwrap(), Source::Clerk, "")
                .unwrap()
                .id;
            let line = LineFields {
                institution_id: institution.to_string(),
                payment_date: "01/06/2024".into(),
                amount: pounds.into(),
                supplier: name.into(),
                payment_type: "procurement".into(),
                ..Default::default()
            }
            .parse()
            .unwrap();
            spend::create(c, &actor, &line, Some(id)).unwrap();
        });
    }
}

/// The row whose figure's label starts with `label` (the key is the row's header).
fn row<'a>(rows: &'a [Vec<String>], label: &str) -> &'a [String] {
    rows.iter()
        .find(|r| r[0].starts_with(label))
        .unwrap_or_else(|| panic!("{label}: {rows:?}"))
}

const GM_POOLED: &str =
    "Greater Manchester councils, top 300 suppliers (CLES): pooled over 10 bodies";
const GM_MEAN: &str =
    "Greater Manchester councils, top 300 suppliers (CLES): mean of the 10 published shares";

#[actix_web::test]
async fn the_dashboard_and_trend_show_published_figures_beside_the_report_with_both_definitions() {
    let app = spawn_app().await;
    let preston = app.add_institution("Preston City Council", "E07000123");
    spend_in_2024(&app, preston);
    let (manager, _) = app.signed_in("manager", Role::Manager, Some(preston)).await;
    let page = manager
        .get(&format!("/reports?institution={preston}&fy=2024"))
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    let rows = table_rows(&page.body, "Published figures to compare with");
    // Greater Manchester's ten councils become two marks: pooled by spend
    // and the mean of the ten shares (docs/domain.md: 61.73% and 53.8%).
    let pooled = row(&rows, GM_POOLED);
    assert_eq!(pooled[3], "61.73%", "{rows:?}");
    // This report: 60% local, 1.73 points below.
    assert_eq!(pooled[4], "60.00%");
    assert_eq!(pooled[5], "-1.73 points");
    assert_eq!(
        pooled[6],
        "each council&#39;s own boundary, top 300 suppliers only"
    );
    assert_eq!(pooled[7], "suppliers in Preston (tier 1), all suppliers");
    let mean = row(&rows, GM_MEAN);
    assert_eq!(mean[3], "53.79%", "rounds to the published 53.8%");
    // The FSB/CLES averages: 31.1% local and 47% with SMEs anywhere.
    let fsb: Vec<&Vec<String>> = rows.iter().filter(|r| r[1] == "2013").collect();
    assert_eq!(fsb.len(), 2, "{rows:?}");
    assert_eq!(fsb[0][3], "31.10%");
    assert_eq!(fsb[1][3], "47.00%");
    assert_eq!(fsb[1][2], "Share with SMEs anywhere");
    assert!(fsb[1][7].starts_with("SMEs anywhere"), "{:?}", fsb[1]);
    // Preston's own 2012/13 and 2016/17 figures, local and Lancashire-wide.
    assert!(rows.iter().any(|r| r[1] == "2016/17" && r[3] == "18.20%"));
    assert!(rows.iter().any(|r| r[1] == "2016/17" && r[3] == "79.20%"));

    // Limited to the top N, the report says so beside each figure.
    let top = manager
        .get(&format!(
            "/reports?institution={preston}&fy=2024&scope=top&top=1"
        ))
        .await;
    let rows = table_rows(&top.body, "Published figures to compare with");
    assert_eq!(
        row(&rows, GM_POOLED)[7],
        "suppliers in Preston (tier 1), the top 1 suppliers only"
    );
    assert_eq!(row(&rows, GM_POOLED)[4], "100.00%");

    // The year on year draws the local shares as marks on its chart.
    let trend = manager
        .get(&format!("/reports/trend?institution={preston}&fy=2024"))
        .await;
    assert_eq!(trend.status, 200);
    let marks = trend.body.matches("class=\"mark\"").count();
    // Local-share marks only: GM pooled and mean, FSB local, Preston's two
    // and Manchester's two (not Lancashire's wider shares or the SME one).
    assert_eq!(marks, 7, "{}", trend.body);
    assert!(trend
        .body
        .contains("<title>R1: Greater Manchester councils"));
}

#[actix_web::test]
async fn admins_keep_the_published_figures_with_errors_at_their_fields_and_every_change_audited() {
    let app = spawn_app().await;
    let (admin, _) = app.signed_in("netadmin", Role::Admin, None).await;
    let list = admin.get("/admin/reference-figures").await;
    assert_eq!(list.status, 200);
    assert!(list.body.contains("Bolton Council"));
    assert!(
        list.body.contains("£68,330,289.71"),
        "Bolton's published spend"
    );

    // Errors come back at their fields with everything typed.
    let bad = admin
        .submit(
            "/admin/reference-figures/new",
            "/admin/reference-figures",
            &[
                ("label", "Tussell: North West councils"),
                ("collection", "Tussell"),
                ("source", "Tussell"),
                ("period", "2023/24"),
                ("measure", "local"),
                ("share", "seventy"),
                ("definition", "the whole region"),
            ],
        )
        .await;
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert!(bad.body.contains("<title>Error: "));
    assert!(bad.body.contains("href=\"#share\""));
    assert!(bad
        .body
        .contains("id=\"share\" name=\"share\" type=\"text\" value=\"seventy\""));
    assert!(bad.body.contains("value=\"Tussell: North West councils\""));

    let saved = admin
        .submit(
            "/admin/reference-figures/new",
            "/admin/reference-figures",
            &[
                ("label", "Tussell: North West councils"),
                ("collection", "Tussell"),
                ("source", "Tussell"),
                ("period", "2023/24"),
                ("measure", "wider"),
                ("share", "70.5"),
                ("definition", "the whole region counts as local"),
            ],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let created = app.audit_rows("reference_figure");
    assert_eq!(created.len(), 1);
    let id: i64 = created[0].entity_id.parse().unwrap();
    assert!(created[0]
        .after_json
        .as_deref()
        .unwrap_or("")
        .contains("7050"));

    // Two admins edit it: the second save, made from the old version, is refused.
    let edit = format!("/admin/reference-figures/{id}/edit");
    let fields = |share: &'static str| {
        vec![
            ("label", "Tussell: North West councils"),
            ("collection", "Tussell"),
            ("source", "Tussell"),
            ("period", "2023/24"),
            ("measure", "wider"),
            ("share", share),
            ("definition", "the whole region counts as local"),
            ("version", "1"),
        ]
    };
    let first = admin
        .submit(
            &edit,
            &format!("/admin/reference-figures/{id}"),
            &fields("71"),
        )
        .await;
    assert_eq!(first.status, 303, "{}", first.body);
    let second = admin
        .submit(
            &edit,
            &format!("/admin/reference-figures/{id}"),
            &fields("72"),
        )
        .await;
    assert_eq!(second.status, 409, "{}", second.body);
    assert!(
        second.body.contains("value=\"72\""),
        "what was typed is kept"
    );
    let now = app.with_conn(|c| localspend::db::reference_figures::get(c, id).unwrap());
    assert_eq!(now.share_bp, 7100);

    // Removed, with its last state in the audit log.
    let gone = admin
        .submit(
            "/admin/reference-figures",
            &format!("/admin/reference-figures/{id}/delete"),
            &[("version", "2")],
        )
        .await;
    assert_eq!(gone.status, 303, "{}", gone.body);
    assert!(app
        .with_conn(|c| localspend::db::reference_figures::get(c, id))
        .is_err());
    let log = app.audit_rows("reference_figure");
    let actions: Vec<&str> = log.iter().map(|r| r.action.as_str()).collect();
    assert_eq!(actions, ["create", "update", "delete"]);
    assert!(log[2].before_json.as_deref().unwrap_or("").contains("7100"));

    // Member institutions' admins cannot change them.
    let a = app.add_institution("Preston City Council", "E07000123");
    let (admin_a, _) = app.signed_in("admina", Role::Admin, Some(a)).await;
    assert_eq!(admin_a.get("/admin/reference-figures").await.status, 403);
}
