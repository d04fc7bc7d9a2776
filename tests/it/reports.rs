//! Local-spend reports through the HTTP stack: the figures on hand-built
//! data with known answers, their reconciliation, a reclassification and a
//! definition change, the network's pooled and unweighted shares, and the
//! audit export that reproduces them.

use localspend::db::{areas, audit::Actor, spend, suppliers};
use localspend::domain::spend::LineFields;
use localspend::domain::supplier::{Source, SupplierFields};
use localspend::domain::Role;

use crate::common::{spawn_app, TestApp};

/// A supplier placed by a manual location (a district code or `outside_uk`),
/// or with no location at all.
fn supplier(app: &TestApp, name: &str, place: Option<&str>, public_body: bool) -> i64 {
    create_supplier(
        app,
        SupplierFields {
            name: name.into(),
            override_place: place.unwrap_or("").into(),
            override_justification: if place.is_some() {
                "test".into()
            } else {
                String::new()
            },
            is_public_body: public_body.then(|| "on".into()),
            ..Default::default()
        },
    )
}

fn create_supplier(app: &TestApp, fields: SupplierFields) -> i64 {
    app.with_conn(|c| {
        let input = fields.parse().unwrap();
        suppliers::create(c, &Actor::system("test"), &input, Source::Clerk, "")
            .unwrap()
            .id
    })
}

fn line(
    app: &TestApp,
    institution: i64,
    date: &str,
    amount: &str,
    supplier: Option<i64>,
    name: &str,
    kind: &str,
) {
    app.with_conn(|c| {
        let input = LineFields {
            institution_id: institution.to_string(),
            payment_date: date.into(),
            amount: amount.into(),
            supplier: name.into(),
            payment_type: kind.into(),
            ..Default::default()
        }
        .parse()
        .unwrap();
        spend::create(c, &Actor::system("test"), &input, supplier).unwrap();
    });
}

/// Preston's year: local, Lancashire, overseas and unlocated suppliers, a
/// credit note, a payment to another public body and one to an individual.
pub(crate) fn preston_year(app: &TestApp) -> (i64, i64) {
    let preston = app.add_institution("Preston City Council", "E07000123");
    let local = supplier(app, "Preston Bakers Ltd", Some("E07000123"), false);
    let county = supplier(app, "Leyland Joinery Ltd", Some("E07000126"), false);
    let abroad = supplier(app, "Overseas Software Inc", Some("outside_uk"), false);
    let nowhere = supplier(app, "Mystery Supplies Ltd", None, false);
    let council = supplier(app, "Lancashire County Council", Some("E07000123"), true);
    line(
        app,
        preston,
        "10/04/2023",
        "1000",
        Some(local),
        "Preston Bakers Ltd",
        "procurement",
    );
    line(
        app,
        preston,
        "11/04/2023",
        "-200",
        Some(local),
        "Preston Bakers Ltd",
        "procurement",
    );
    line(
        app,
        preston,
        "12/04/2023",
        "500",
        Some(county),
        "Leyland Joinery Ltd",
        "procurement",
    );
    line(
        app,
        preston,
        "13/04/2023",
        "300",
        Some(abroad),
        "Overseas Software Inc",
        "procurement",
    );
    line(
        app,
        preston,
        "14/04/2023",
        "100",
        Some(nowhere),
        "Mystery Supplies Ltd",
        "procurement",
    );
    line(
        app,
        preston,
        "15/04/2023",
        "5000",
        Some(council),
        "Lancashire County Council",
        "public_body",
    );
    line(
        app,
        preston,
        "16/04/2023",
        "70",
        None,
        "Redacted personal data",
        "individual",
    );
    // Next year's spend is not in this year's report.
    line(
        app,
        preston,
        "01/04/2024",
        "999",
        Some(local),
        "Preston Bakers Ltd",
        "procurement",
    );
    (preston, nowhere)
}

/// A downloaded CSV's records, its header first: a byte-order mark, then
/// the header on line 1 (never a stamp above it).
pub(crate) fn table(body: &str) -> Vec<Vec<String>> {
    let body = body
        .strip_prefix('\u{feff}')
        .expect("a byte-order mark for Excel");
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(body.as_bytes());
    reader
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect()
}

#[actix_web::test]
async fn the_dashboard_shows_the_local_share_with_its_reconciliation_and_stamp() {
    let app = spawn_app().await;
    let (preston, _) = preston_year(&app);
    let (client, _) = app.signed_in("manager", Role::Manager, Some(preston)).await;
    let page = client
        .get(&format!("/reports?institution={preston}&fy=2023"))
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    let b = &page.body;
    // Influenceable: 1,000 − 200 + 500 + 300 + 100 = £1,700; Preston £800.
    assert!(b.contains("£1,700.00"), "{b}");
    assert!(b.contains("47.06%"), "Preston: 800 ÷ 1,700");
    let preston_row = &b[b.find(">Preston</a>").expect("Preston's row")..];
    assert!(
        preston_row[..200].contains("£800.00") && preston_row[..300].contains("47.06%"),
        "the figures sit in Preston's row: {}",
        &preston_row[..300]
    );
    assert!(
        b.contains("76.47%"),
        "Lancashire, cumulative: 1,300 ÷ 1,700"
    );
    assert!(b.contains("29.41%"), "Lancashire alone: 500 ÷ 1,700");
    assert!(
        b.contains("Location unknown") && b.contains("5.88%"),
        "unknown is shown: 100 ÷ 1,700"
    );
    assert!(b.contains("17.65%"), "outside UK: 300 ÷ 1,700");
    // Reconciliation: £6,770 total, less the public body and the individual.
    assert!(
        b.contains("£6,770.00") && b.contains("-£5,000.00") && b.contains("-£70.00"),
        "{b}"
    );
    assert!(
        b.contains("payment_type=public_body"),
        "each step links to its lines"
    );
    // The stamp.
    for stamped in [
        "Financial year 2023/24",
        "version 1",
        "Postcode lookup",
        "manager person (manager)",
        "VAT basis",
    ] {
        assert!(b.contains(stamped), "stamp has {stamped}");
    }
    assert!(b.contains("<svg"), "a chart drawn on the server");
}

#[actix_web::test]
async fn a_reclassification_shows_at_once_and_an_old_definition_still_reproduces() {
    let app = spawn_app().await;
    let (preston, nowhere) = preston_year(&app);
    let (client, _) = app.signed_in("manager", Role::Manager, Some(preston)).await;
    let v1 = app.with_conn(|c| {
        areas::current(c, areas::Owner::Institution(preston))
            .unwrap()
            .unwrap()
    });
    // The unlocated supplier turns out to be in Preston.
    app.with_conn(|c| {
        let s = suppliers::get(c, nowhere).unwrap();
        let mut fields = s.fields();
        fields.override_place = "E07000123".into();
        fields.override_justification = "Trades from Preston market".into();
        let input = fields.parse().unwrap();
        suppliers::update(
            c,
            &Actor::system("test"),
            nowhere,
            s.version,
            &input,
            Source::Clerk,
            "",
        )
        .unwrap();
    });
    let page = client
        .get(&format!("/reports?institution={preston}&fy=2023"))
        .await;
    assert!(
        page.body.contains("52.94%"),
        "Preston now 900 ÷ 1,700: {}",
        page.body
    );
    // The definition is narrowed to Preston and the North West (no county).
    app.with_conn(|c| {
        let gazetteer = localspend::db::geography::load(c).unwrap();
        let tiers = vec![
            ("Preston".to_owned(), vec!["E07000123".to_owned()]),
            ("North West".to_owned(), vec!["E12000002".to_owned()]),
        ];
        areas::create_version(
            c,
            &Actor::system("test"),
            areas::Owner::Institution(preston),
            1,
            &tiers,
            "narrower",
            &gazetteer,
        )
        .unwrap();
    });
    let now = client
        .get(&format!("/reports?institution={preston}&fy=2023"))
        .await;
    assert!(
        now.body.contains("version 2") && now.body.contains("North West"),
        "{}",
        now.body
    );
    let old = client
        .get(&format!(
            "/reports?institution={preston}&fy=2023&definition={}",
            v1.id
        ))
        .await;
    assert!(old.body.contains("version 1"));
    assert!(
        old.body.contains(&v1.tiers[1].name),
        "the old tiers, as they were"
    );
    assert!(
        old.body.contains("82.35%"),
        "old tier 2 cumulative: 1,400 ÷ 1,700: {}",
        old.body
    );
}

#[actix_web::test]
async fn the_audit_export_sums_to_the_report_to_the_penny() {
    let app = spawn_app().await;
    let (preston, _) = preston_year(&app);
    let trap = supplier(&app, "=HYPERLINK(\"http://x\")", Some("E07000123"), false);
    line(
        &app,
        preston,
        "20/04/2023",
        "12.34",
        Some(trap),
        "=HYPERLINK(\"http://x\")",
        "procurement",
    );
    let (client, _) = app.signed_in("auditor", Role::Auditor, Some(preston)).await;
    let res = client
        .get(&format!("/reports/audit.csv?institution={preston}&fy=2023"))
        .await;
    assert_eq!(res.status, 200);
    let rows = table(&res.body);
    let header = &rows[0];
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("column {name}"))
    };
    let (amount, influenceable, tier, name) = (
        col("Amount (£)"),
        col("Influenceable"),
        col("Tier"),
        col("Supplier name as published"),
    );
    let pence = |r: &Vec<String>| {
        localspend::domain::money::Pence::parse(&r[amount])
            .unwrap()
            .0
    };
    let data = &rows[1..];
    assert_eq!(data.len(), 8, "every line of the year, excluded ones too");
    let total: i64 = data.iter().map(pence).sum();
    let infl: i64 = data
        .iter()
        .filter(|r| r[influenceable] == "yes")
        .map(pence)
        .sum();
    let tier1: i64 = data
        .iter()
        .filter(|r| r[influenceable] == "yes" && r[tier] == "1")
        .map(pence)
        .sum();
    assert_eq!((total, infl, tier1), (678_234, 171_234, 81_234));
    // The page says the same.
    let page = client
        .get(&format!("/reports?institution={preston}&fy=2023"))
        .await;
    assert!(
        page.body.contains("£6,782.34")
            && page.body.contains("£1,712.34")
            && page.body.contains("£812.34")
    );
    // Formula injection is neutralised in text; amounts stay numbers.
    assert!(
        data.iter().any(|r| r[name] == "'=HYPERLINK(\"http://x\")"),
        "{data:?}"
    );
    assert!(data.iter().all(|r| r[amount].parse::<f64>().is_ok()));
}

#[actix_web::test]
async fn the_report_tables_download_as_stamped_csv() {
    let app = spawn_app().await;
    let (preston, _) = preston_year(&app);
    let (client, _) = app.signed_in("manager", Role::Manager, Some(preston)).await;
    let res = client
        .get(&format!(
            "/reports.csv?institution={preston}&fy=2023&table=headline"
        ))
        .await;
    assert_eq!(res.status, 200);
    assert!(res
        .header("content-disposition")
        .unwrap()
        .contains("local-spend-headline"));
    let rows = table(&res.body);
    assert_eq!(
        rows[0],
        [
            "Area",
            "Cumulative spend (£)",
            "Cumulative share (%)",
            "Exclusive spend (£)",
            "Exclusive share (%)",
            "Suppliers (cumulative)"
        ]
    );
    assert_eq!(rows[1][1..], ["800.00", "47.06", "800.00", "47.06", "1"]);
    assert_eq!(
        rows.last().unwrap()[..3],
        ["Influenceable spend", "1700.00", "100.00"]
    );
    let rec = table(
        &client
            .get(&format!(
                "/reports.csv?institution={preston}&fy=2023&table=reconciliation"
            ))
            .await
            .body,
    );
    let steps: Vec<(&str, &str)> = rec[1..]
        .iter()
        .map(|r| (r[0].as_str(), r[1].as_str()))
        .collect();
    assert_eq!(
        steps,
        [
            ("Total spend", "6770.00"),
            ("less Benefit or payment to an individual", "-70.00"),
            ("less Payment to another public body", "-5000.00"),
            ("Influenceable spend", "1700.00"),
            ("of which supplier located", "1600.00"),
            ("of which location unknown", "100.00"),
        ]
    );
}

#[actix_web::test]
async fn a_network_shows_the_pooled_share_and_the_mean_of_shares_side_by_side() {
    let app = spawn_app().await;
    let big = app.add_institution("Big Council", "E07000123");
    let small = app.add_institution("Small College", "E07000117");
    let preston_firm = supplier(&app, "Preston Firm Ltd", Some("E07000123"), false);
    let burnley_firm = supplier(&app, "Burnley Firm Ltd", Some("E07000117"), false);
    let far_firm = supplier(&app, "Far Firm Ltd", Some("E09000001"), false);
    // Big: 90 of 100 local (90%); small: 1 of 10 local (10%).
    line(
        &app,
        big,
        "01/05/2023",
        "90",
        Some(preston_firm),
        "Preston Firm Ltd",
        "procurement",
    );
    line(
        &app,
        big,
        "01/05/2023",
        "10",
        Some(far_firm),
        "Far Firm Ltd",
        "procurement",
    );
    line(
        &app,
        small,
        "01/05/2023",
        "1",
        Some(burnley_firm),
        "Burnley Firm Ltd",
        "procurement",
    );
    line(
        &app,
        small,
        "01/05/2023",
        "9",
        Some(far_firm),
        "Far Firm Ltd",
        "procurement",
    );
    let network = app.with_conn(|c| {
        let input = localspend::db::networks::NetworkInput {
            name: "Lancashire Anchors".into(),
            description: String::new(),
            member_ids: vec![big, small],
        };
        let g = localspend::db::geography::load(c).unwrap();
        localspend::db::networks::create(c, &Actor::system("test"), &input, &g)
            .unwrap()
            .network
            .id
    });
    let (client, _) = app.signed_in("manager", Role::Manager, Some(small)).await;
    let page = client
        .get(&format!("/reports?network={network}&fy=2023"))
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Pooled share (weighted by spend"));
    assert!(
        page.body.contains("82.73%"),
        "pooled: 91 ÷ 110: {}",
        page.body
    );
    assert!(page
        .body
        .contains("Unweighted mean of the institutions' shares"));
    assert!(
        page.body.contains("50.00%"),
        "mean of 90% and 10%: {}",
        page.body
    );
    let rows = table(
        &client
            .get(&format!(
                "/reports.csv?network={network}&fy=2023&table=institutions"
            ))
            .await
            .body,
    );
    assert_eq!(rows[3][3], "82.73");
    assert_eq!(rows[4][3], "50.00");
    // A member's staff are offered the network on their own dashboard, in
    // the one "Report on" list: an institution or a network, never both.
    let own = client.get(&format!("/reports?institution={small}")).await;
    assert!(
        own.body.contains(&format!(
            "<option value=\"network-{network}\">Lancashire Anchors</option>"
        )),
        "{}",
        own.body
    );
    assert!(own.body.contains(&format!(
        "<option value=\"institution-{small}\" selected>Small College</option>"
    )));
    assert_eq!(
        own.body.matches("<select id=\"of\" name=\"of\">").count(),
        1
    );
    assert!(!own.body.contains("name=\"network\""), "{}", own.body);
    let chosen = client
        .get(&format!("/reports?of=network-{network}&fy=2023"))
        .await;
    assert!(chosen.body.contains("82.73%"), "{}", chosen.body);
    assert!(chosen.body.contains(&format!(
        "<option value=\"network-{network}\" selected>Lancashire Anchors</option>"
    )));
    // Its links and downloads keep the network chosen.
    assert!(
        chosen
            .body
            .contains(&format!("/reports/trend?network={network}&#38;fy=2023")),
        "{}",
        chosen.body
    );
    let both = client
        .get(&format!("/reports?institution={small}&network={network}"))
        .await;
    assert_eq!(both.status, 400);
    assert!(both.body.contains("not both"), "{}", both.body);
    // An institution outside the network cannot see it; nor can B's staff see A's report.
    let other = app.add_institution("Elsewhere", "E08000003");
    let (outsider, _) = app.signed_in("outsider", Role::Manager, Some(other)).await;
    let theirs = outsider.get(&format!("/reports?institution={other}")).await;
    assert_eq!(theirs.status, 200);
    assert!(
        !theirs.body.contains("Lancashire Anchors"),
        "{}",
        theirs.body
    );
    assert_eq!(
        outsider
            .get(&format!("/reports?network={network}"))
            .await
            .status,
        403
    );
    assert_eq!(
        outsider
            .get(&format!("/reports?institution={big}"))
            .await
            .status,
        403
    );
    assert_eq!(
        outsider
            .get(&format!("/reports/audit.csv?institution={big}"))
            .await
            .status,
        403
    );
}

#[actix_web::test]
async fn years_compare_with_a_baseline_and_managers_set_targets() {
    let app = spawn_app().await;
    let (preston, _) = preston_year(&app);
    let local = app.with_conn(|c| {
        suppliers::find_by_name(c, "Preston Bakers Ltd")
            .unwrap()
            .unwrap()
    });
    let far = supplier(&app, "Far Away Ltd", Some("E09000001"), false);
    // 2024/25: £999 local (set up above) and £1 far away: 99.90% local.
    line(
        &app,
        preston,
        "02/04/2024",
        "1",
        Some(far),
        "Far Away Ltd",
        "procurement",
    );
    let _ = local;
    let (manager, _) = app.signed_in("manager", Role::Manager, Some(preston)).await;
    let page = manager
        .get(&format!(
            "/reports?institution={preston}&fy=2024&baseline=2023"
        ))
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("99.90%"), "{}", page.body);
    assert!(page.body.contains("Change since 2023/24"));
    // Preston: 47.06% → 99.90% is +52.84 pp; £800 → £999 is +£199.
    assert!(
        page.body.contains("+52.84 pp") && page.body.contains("£199.00"),
        "{}",
        page.body
    );
    // Year on year, oldest first, as a chart and a table.
    assert!(
        page.body.contains("/reports/trend?"),
        "the dashboard links to the trend"
    );
    let trend = manager
        .get(&format!("/reports/trend?institution={preston}&fy=2024"))
        .await
        .body;
    let chart = &trend[trend.find("<svg").expect("a chart")..];
    assert!(
        chart.find("2023/24") < chart.find("2024/25"),
        "oldest first: {chart}"
    );
    assert!(trend.contains("47.06%") && trend.contains("99.90%"));
    let rows = table(
        &manager
            .get(&format!(
                "/reports.csv?institution={preston}&fy=2024&table=trend"
            ))
            .await
            .body,
    );
    assert_eq!(rows[1][..3], ["2023/24", "1700.00", "47.06"]);
    assert_eq!(rows[2][..3], ["2024/25", "1000.00", "99.90"]);

    // Targets: 50% for Preston and 90% for Lancashire in 2024/25.
    let form = format!("/reports?institution={preston}&fy=2024");
    let res = manager
        .submit(
            &form,
            "/reports/targets",
            &[
                ("owner_kind", "institution"),
                ("owner_id", &preston.to_string()),
                ("fy", "2024"),
                ("version", "1"),
                ("target_1", "50"),
                ("target_2", "99.95"),
                ("back", &format!("institution={preston}&fy=2024")),
            ],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    let page = manager.get(&form).await;
    assert!(
        page.body.contains("50.00% <span class=\"tag\">met</span>"),
        "{}",
        page.body
    );
    assert!(page
        .body
        .contains("99.95% <span class=\"tag tag-warn\">not yet</span>"));
    assert_eq!(app.audit_rows("report_targets").len(), 1);
    let bad = manager
        .submit(
            &form,
            "/reports/targets",
            &[
                ("owner_kind", "institution"),
                ("owner_id", &preston.to_string()),
                ("fy", "2024"),
                ("target_1", "120"),
            ],
        )
        .await;
    assert_eq!(bad.status, 422, "refused at its box, on the dashboard");
    assert!(bad.body.contains(
        "Enter the target as a percentage between 0 and 100, like 65 or 62.5 (not “120”)"
    ));
    let (clerk, _) = app.signed_in("clerk", Role::Clerk, Some(preston)).await;
    let res = clerk
        .submit(
            &form,
            "/reports/targets",
            &[
                ("owner_kind", "institution"),
                ("owner_id", &preston.to_string()),
                ("fy", "2024"),
                ("target_1", "10"),
            ],
        )
        .await;
    assert_eq!(res.status, 403, "clerks do not set targets");
}

#[actix_web::test]
async fn breakdowns_show_size_type_top_suppliers_leakage_and_data_quality() {
    let app = spawn_app().await;
    let (preston, _) = preston_year(&app);
    app.with_conn(|c| {
        let id = suppliers::find_by_name(c, "Leyland Joinery Ltd")
            .unwrap()
            .unwrap();
        let s = suppliers::get(c, id).unwrap();
        let mut f = s.fields();
        f.size_band = "small".into();
        f.size_definition = "employees".into();
        f.employees = "12".into();
        f.is_cooperative = Some("on".into());
        f.sic_codes = "16230".into();
        suppliers::update(
            c,
            &Actor::system("test"),
            id,
            s.version,
            &f.parse().unwrap(),
            Source::Clerk,
            "",
        )
        .unwrap();
    });
    let (client, _) = app.signed_in("manager", Role::Manager, Some(preston)).await;
    let page = client
        .get(&format!("/reports?institution={preston}&fy=2023&top=2"))
        .await;
    let b = &page.body;
    for heading in [
        "By supplier size",
        "By type of organisation",
        "By sector",
        "All spend by payment type",
        "most deprived",
        "Top 2 suppliers",
        "Largest suppliers outside the innermost area",
        "Data quality",
    ] {
        assert!(b.contains(heading), "{heading}");
    }
    // Top 2 of the 4 influenceable suppliers: £800 + £500 of £1,700.
    assert!(
        b.contains("Top 2 suppliers: 76.47% of influenceable spend"),
        "{b}"
    );
    let size_csv = client
        .get(&format!(
            "/reports.csv?institution={preston}&fy=2023&table=size"
        ))
        .await
        .body;
    // Every line was recorded net of VAT, and the stamp says so.
    let about = client
        .get(&format!("/reports/about.csv?institution={preston}&fy=2023"))
        .await
        .body;
    assert!(table(&about).contains(&vec!["VAT basis".to_owned(), "net".into()]));
    let size = table(&size_csv);
    assert_eq!(size[0], ["Group", "Spend (£)", "Share (%)", "Suppliers"]);
    assert!(
        size.contains(&vec![
            "Small".to_owned(),
            "500.00".into(),
            "29.41".into(),
            "1".into()
        ]),
        "{size:?}"
    );
    assert!(size.contains(&vec![
        "SME (micro, small and medium)".to_owned(),
        "500.00".into(),
        "29.41".into(),
        "1".into()
    ]));
    let kinds = table(
        &client
            .get(&format!(
                "/reports.csv?institution={preston}&fy=2023&table=type"
            ))
            .await
            .body,
    );
    assert!(
        kinds.contains(&vec![
            "Co-operative".to_owned(),
            "500.00".into(),
            "29.41".into(),
            "1".into()
        ]),
        "{kinds:?}"
    );
    // The other three suppliers are of none of the kinds.
    assert!(
        kinds.contains(&vec![
            "Private or other (none of these)".to_owned(),
            "1200.00".into(),
            "70.59".into(),
            "3".into()
        ]),
        "{kinds:?}"
    );
    let sic = table(
        &client
            .get(&format!(
                "/reports.csv?institution={preston}&fy=2023&table=sic"
            ))
            .await
            .body,
    );
    assert!(
        sic.iter()
            .any(|r| r[0] == "C Manufacturing" && r[1] == "500.00"),
        "{sic:?}"
    );
    // Leakage: outside Preston, the Lancashire joiner and the overseas firm.
    let leak = table(
        &client
            .get(&format!(
                "/reports.csv?institution={preston}&fy=2023&table=leakage"
            ))
            .await
            .body,
    );
    let names: Vec<&str> = leak[1..].iter().map(|r| r[0].as_str()).collect();
    assert_eq!(names, ["Leyland Joinery Ltd", "Overseas Software Inc"]);
    let quality = table(
        &client
            .get(&format!(
                "/reports.csv?institution={preston}&fy=2023&table=quality"
            ))
            .await
            .body,
    );
    assert_eq!(quality[2], ["Size known", "500.00", "29.41"]);
    // The ledger's own categories are on their own page, from the lines.
    assert!(b.contains(&format!("/reports/categories?institution={preston}")));
    let categories = client
        .get(&format!(
            "/reports/categories?institution={preston}&fy=2023"
        ))
        .await
        .body;
    for heading in [
        "By department or service area",
        "By expense type",
        "Where the money leaves: by expense type",
        "Where the money leaves: by procurement category",
        "Where the money leaves: by the supplier&#39;s sector (SIC section)",
    ] {
        assert!(categories.contains(heading), "{heading}");
    }
    let departments = table(
        &client
            .get(&format!(
                "/reports.csv?institution={preston}&fy=2023&table=department"
            ))
            .await
            .body,
    );
    let pence: i64 = departments[1..]
        .iter()
        .map(|r| localspend::domain::money::Pence::parse(&r[1]).unwrap().0)
        .sum();
    assert_eq!(pence, 170_000, "{departments:?}");
}

#[actix_web::test]
async fn reports_print_without_navigation_or_forms() {
    let app = spawn_app().await;
    let css = app.client().get("/static/app.css").await.body;
    let print = &css[css.find("@media print").expect("a print stylesheet")..];
    assert!(print.contains("size: A4"));
    assert!(print.contains("nav") && print.contains("form") && print.contains(".no-print"));
}

#[actix_web::test]
async fn the_headline_is_shown_under_each_location_basis() {
    let app = spawn_app().await;
    let files = [
        crate::common::shared_data("geo/codepoint-open-2014-08/pr.csv"),
        crate::common::shared_data("geo/codepoint-open-2014-08/m.csv"),
    ];
    localspend::import::postcode_release::import_release(
        &mut app.conn(),
        &files,
        "Code-Point PR+M",
        &Actor::system("test"),
        &mut |_, _| {},
    )
    .unwrap();
    let preston = app.add_institution("Preston City Council", "E07000123");
    // Head office in Manchester, branch in Preston, invoices from Manchester.
    let chain = create_supplier(
        &app,
        SupplierFields {
            name: "Northern Builders Ltd".into(),
            postcode_registered: "M1 1AD".into(),
            postcode_branch: "PR0 2AD".into(),
            postcode_invoice: "M1 1AE".into(),
            location_basis: "registered_office".into(),
            ..Default::default()
        },
    );
    let local = supplier(&app, "Preston Bakers Ltd", Some("E07000123"), false);
    line(
        &app,
        preston,
        "01/05/2023",
        "600",
        Some(chain),
        "Northern Builders Ltd",
        "procurement",
    );
    line(
        &app,
        preston,
        "01/05/2023",
        "400",
        Some(local),
        "Preston Bakers Ltd",
        "procurement",
    );
    let (client, _) = app.signed_in("manager", Role::Manager, Some(preston)).await;
    let page = client
        .get(&format!("/reports?institution={preston}&fy=2023"))
        .await;
    let b = &page.body;
    let section = &b[b
        .find("depends on the address used")
        .expect("sensitivity table")..];
    let row = |label: &str| {
        let start = section.find(label).unwrap_or_else(|| panic!("{label}"));
        section[start..start + 120].to_owned()
    };
    // Preston is tier 1: by registered office only the bakery (40%); by
    // branch the builder too (100%); by invoice address 40% again.
    assert!(
        row("by its registered office").contains("40.00%"),
        "{section}"
    );
    assert!(
        row("by its branch or trading site").contains("100.00%"),
        "{section}"
    );
    assert!(row("by its invoice address").contains("40.00%"));
    // The headline itself uses each supplier's own basis.
    assert!(
        b.contains(">Preston</a></th><td class=\"num\">£400.00"),
        "{b}"
    );
}

#[actix_web::test]
async fn quarters_months_and_a_boundary_change_between_years() {
    let app = spawn_app().await;
    // North Yorkshire became one council in April 2023, absorbing Craven.
    let county = app.add_institution("North Yorkshire Council", "E06000065");
    let craven_firm = supplier(&app, "Skipton Stone Ltd", Some("E07000163"), false);
    let far = supplier(&app, "Far Away Ltd", Some("E09000001"), false);
    line(
        &app,
        county,
        "15/06/2022",
        "100",
        Some(craven_firm),
        "Skipton Stone Ltd",
        "procurement",
    );
    line(
        &app,
        county,
        "15/06/2023",
        "300",
        Some(craven_firm),
        "Skipton Stone Ltd",
        "procurement",
    );
    line(
        &app,
        county,
        "15/11/2023",
        "100",
        Some(far),
        "Far Away Ltd",
        "procurement",
    );
    let (client, _) = app.signed_in("manager", Role::Manager, Some(county)).await;
    // The retired Craven code counts in its successor in both years.
    let rows = table(
        &client
            .get(&format!(
                "/reports.csv?institution={county}&fy=2023&table=trend"
            ))
            .await
            .body,
    );
    assert_eq!(rows[1][..3], ["2022/23", "100.00", "100.00"], "{rows:?}");
    assert_eq!(rows[2][..3], ["2023/24", "400.00", "75.00"]);
    let q1 = client
        .get(&format!("/reports?institution={county}&fy=2023&part=q1"))
        .await;
    assert!(
        q1.body
            .contains("Quarter 1 of financial year 2023/24 (01/04/2023 to 30/06/2023)"),
        "{}",
        q1.body
    );
    let rows = table(
        &client
            .get(&format!(
                "/reports.csv?institution={county}&fy=2023&part=q1&table=headline"
            ))
            .await
            .body,
    );
    assert_eq!(rows.last().unwrap()[..2], ["Influenceable spend", "300.00"]);
    let november = client
        .get(&format!("/reports?institution={county}&fy=2023&part=m8"))
        .await;
    assert!(november
        .body
        .contains("November 2023 of financial year 2023/24"));
    let rows = table(
        &client
            .get(&format!(
                "/reports.csv?institution={county}&fy=2023&part=m8&table=headline"
            ))
            .await
            .body,
    );
    assert_eq!(rows.last().unwrap()[..2], ["Influenceable spend", "100.00"]);
    let range = client
        .get(&format!(
            "/reports?institution={county}&from=01/06/2022&to=30/06/2023"
        ))
        .await;
    assert!(range.body.contains("01/06/2022 to 30/06/2023") && range.body.contains("£400.00"));
}

#[actix_web::test]
async fn a_new_or_deleted_line_shows_in_the_next_report_of_its_year() {
    let app = spawn_app().await;
    let (preston, _) = preston_year(&app);
    let (client, _) = app.signed_in("manager", Role::Manager, Some(preston)).await;
    let url = format!("/reports?institution={preston}&fy=2023");
    // Read once, so the year's totals are held in memory.
    assert!(client.get(&url).await.body.contains("£1,700.00"));
    let local = app.with_conn(|c| {
        suppliers::find_by_name(c, "Preston Bakers Ltd")
            .unwrap()
            .unwrap()
    });
    line(
        &app,
        preston,
        "01/05/2023",
        "300",
        Some(local),
        "Preston Bakers Ltd",
        "procurement",
    );
    let b = client.get(&url).await.body;
    assert!(b.contains("£2,000.00"), "1,700 + 300: {b}");
    assert!(b.contains("55.00%"), "Preston: 1,100 ÷ 2,000");
    // Deleting it takes it out again.
    let id = app.with_conn(|c| {
        use diesel::prelude::*;
        use localspend::db::schema::spend_lines as l;
        l::table
            .filter(l::payment_date.eq(chrono::NaiveDate::from_ymd_opt(2023, 5, 1).unwrap()))
            .select(l::id)
            .first::<i64>(c)
            .unwrap()
    });
    app.with_conn(|c| spend::set_deleted(c, &Actor::system("test"), id, None, true).unwrap());
    assert!(client.get(&url).await.body.contains("£1,700.00"));
    app.assert_totals_agree();
}

/// A network's audit export runs over many batches of lines and over each
/// institution in turn (lines are read ahead of the CSV being written):
/// every line in scope once, institution by institution, each in payment
/// date order, summing to what was paid.
#[actix_web::test]
async fn a_network_audit_export_over_many_batches_has_every_line_once() {
    use localspend::db::spend::LineRow;

    let app = spawn_app().await;
    let big = app.add_institution("Big Council", "E07000123");
    let small = app.add_institution("Small College", "E07000117");
    let firm = supplier(&app, "Preston Firm Ltd", Some("E07000123"), false);
    const MANY: i64 = 45_001;
    app.with_conn(|c| {
        let at = localspend::db::now();
        let rows: Vec<LineRow> = (0..MANY)
            .map(|i| LineRow {
                institution_id: big,
                payment_date: chrono::NaiveDate::from_ymd_opt(2023, 4, 1).unwrap()
                    + chrono::Days::new((i * 7 % 365) as u64),
                invoice_date: None,
                amount_pence: 100 + i,
                irrecoverable_vat_pence: None,
                vat_basis: "net",
                supplier_id: Some(firm),
                supplier_name: "Preston Firm Ltd".into(),
                redacted: false,
                transaction_ref: Some(format!("T{i}")),
                invoice_ref: None,
                line_ref: None,
                statement_ref: None,
                department: None,
                expense_type: None,
                expense_code: None,
                category: None,
                description: None,
                capital_revenue: None,
                purchase_card: false,
                payment_type: "procurement",
                import_batch_id: None,
                import_row: None,
                entered_by: None,
                created_at: at,
                updated_at: at,
                fingerprint: Some(i),
                period: None,
                received_date: None,
            })
            .collect();
        let sqlite = localspend::db::Backend::of(c) == localspend::db::Backend::Sqlite;
        let batch = spend::LineBatch::new(rows, sqlite);
        assert_eq!(spend::insert_batch(c, &batch).unwrap(), MANY as usize);
        localspend::db::totals::rebuild(c).unwrap();
    });
    for (date, amount) in [("02/05/2023", "1.00"), ("01/05/2023", "2.00")] {
        line(
            &app,
            small,
            date,
            amount,
            Some(firm),
            "Preston Firm Ltd",
            "procurement",
        );
    }
    let network = app.with_conn(|c| {
        let input = localspend::db::networks::NetworkInput {
            name: "Lancashire Anchors".into(),
            description: String::new(),
            member_ids: vec![small, big],
        };
        let g = localspend::db::geography::load(c).unwrap();
        localspend::db::networks::create(c, &Actor::system("test"), &input, &g)
            .unwrap()
            .network
            .id
    });
    let (client, _) = app.signed_in("admin", Role::Admin, None).await;
    let res = client
        .get(&format!("/reports/audit.csv?network={network}&fy=2023"))
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    let rows = table(&res.body);
    let col = |name: &str| rows[0].iter().position(|h| h == name).unwrap();
    let (institution, id, date, amount) = (
        col("Institution"),
        col("Line ID"),
        col("Payment date"),
        col("Amount (£)"),
    );
    let data = &rows[1..];
    assert_eq!(data.len() as i64, MANY + 2);
    let mut ids: Vec<i64> = data.iter().map(|r| r[id].parse().unwrap()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len() as i64, MANY + 2, "a line was written twice");
    let total: i64 = data
        .iter()
        .map(|r| {
            localspend::domain::money::Pence::parse(&r[amount])
                .unwrap()
                .0
        })
        .sum();
    assert_eq!(total, (0..MANY).map(|i| 100 + i).sum::<i64>() + 300);
    // Institution by institution (in id order), each in payment date order.
    let order: Vec<(&str, &str)> = data
        .iter()
        .map(|r| (r[institution].as_str(), r[date].as_str()))
        .collect();
    let first_small = order
        .iter()
        .position(|(i, _)| *i == "Small College")
        .unwrap();
    assert_eq!(first_small as i64, MANY, "Big Council's lines come first");
    assert!(order[..first_small]
        .iter()
        .all(|(i, _)| *i == "Big Council"));
    assert!(order
        .windows(2)
        .all(|w| w[0].0 != w[1].0 || w[0].1 <= w[1].1));
}

#[actix_web::test]
async fn spend_with_suppliers_in_the_most_deprived_areas_is_counted_by_decile() {
    let app = spawn_app().await;
    // Three Preston postcodes in England's IMD ranks 100 (decile 1), 5,000
    // (decile 2) and 20,000 (decile 7) of 32,844 neighbourhoods.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("onspd.csv");
    let mut file = String::from("pcd7,pcd8,pcds,doterm,oslaua,osward,rgn,ctry,lsoa11,imd,lsoa21\n");
    for (postcode, rank) in [("PR1 0AA", 100), ("PR1 1AA", 5_000), ("PR1 2AA", 20_000)] {
        file.push_str(&format!(
            "{postcode},{postcode},{postcode},,E07000123,E05012345,E12000002,E92000001,E01025000,{rank},E01035000\n"
        ));
    }
    std::fs::write(&path, file).unwrap();
    localspend::import::postcode_release::import_release(
        &mut app.conn(),
        &[path],
        "IMD sample",
        &Actor::system("test"),
        &mut |_, _| {},
    )
    .unwrap();
    let preston = app.add_institution("Preston City Council", "E07000123");
    for (name, postcode, amount) in [
        ("Most Deprived Ltd", "PR1 0AA", "100"),
        ("Second Decile Ltd", "PR1 1AA", "50"),
        ("Leafy Lane Ltd", "PR1 2AA", "850"),
    ] {
        let id = create_supplier(
            &app,
            SupplierFields {
                name: name.into(),
                postcode_registered: postcode.into(),
                location_basis: "registered_office".into(),
                ..Default::default()
            },
        );
        line(
            &app,
            preston,
            "01/05/2023",
            amount,
            Some(id),
            name,
            "procurement",
        );
    }
    let (client, _) = app.signed_in("manager", Role::Manager, Some(preston)).await;
    let rows = table(
        &client
            .get(&format!(
                "/reports.csv?institution={preston}&fy=2023&table=deprivation"
            ))
            .await
            .body,
    );
    assert_eq!(rows[1], ["IMD decile 1", "100.00", "10.00"], "{rows:?}");
    assert_eq!(rows[2], ["IMD deciles 1-2", "150.00", "15.00"], "{rows:?}");
}

#[actix_web::test]
async fn a_report_never_writes_and_says_when_locations_are_being_caught_up() {
    use diesel::prelude::*;
    let app = spawn_app().await;
    let (preston, nowhere) = preston_year(&app);
    let (client, _) = app.signed_in("manager", Role::Manager, Some(preston)).await;
    let count = |sql: &str| -> i64 {
        #[derive(QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        app.with_conn(|c| diesel::sql_query(sql).get_result::<N>(c).unwrap().n)
    };
    // Every supplier written was located in the same transaction.
    assert_eq!(
        count("SELECT COUNT(*) AS n FROM supplier_location_queue"),
        0
    );
    let located = "SELECT COUNT(*) AS n FROM supplier_locations";
    assert_eq!(count(located), 5, "each of Preston's five suppliers");
    let quiet = client
        .get(&format!("/reports?institution={preston}&fy=2023"))
        .await;
    assert!(!quiet.body.contains("being worked out again"));
    // As after a postcode release switch: one supplier's location was worked
    // out against another release, and another is queued.
    app.with_conn(|c| {
        diesel::sql_query(format!(
            "UPDATE supplier_locations SET release_id = 999 WHERE supplier_id = {nowhere}"
        ))
        .execute(c)
        .unwrap();
        diesel::sql_query(format!(
            "INSERT INTO supplier_location_queue (supplier_id) VALUES ({})",
            nowhere - 1
        ))
        .execute(c)
        .unwrap();
    });
    let audit_rows = "SELECT COUNT(*) AS n FROM audit_log";
    let before = (count(audit_rows), count(located));
    let page = client
        .get(&format!("/reports?institution={preston}&fy=2023"))
        .await;
    assert!(
        page.body.contains(
            "being worked out again through the postcode lookup now in use (2 suppliers to go)"
        ),
        "{}",
        page.body
    );
    let csv = client
        .get(&format!("/reports/about.csv?institution={preston}&fy=2023"))
        .await;
    assert!(csv.body.contains("Supplier locations"), "{}", csv.body);
    // Nothing the GETs did was written: the queue and the stale location are
    // still there for the background refresh.
    assert_eq!(
        count("SELECT COUNT(*) AS n FROM supplier_location_queue"),
        1
    );
    assert_eq!(
        count("SELECT COUNT(*) AS n FROM supplier_locations WHERE release_id = 999"),
        1
    );
    assert_eq!((count(audit_rows), count(located)), before);
    // The background refresh catches up, and the note goes.
    app.with_conn(|c| localspend::db::locations::refresh_stale(c).unwrap());
    assert_eq!(
        count("SELECT COUNT(*) AS n FROM supplier_location_queue"),
        0
    );
    let after = client
        .get(&format!("/reports?institution={preston}&fy=2023"))
        .await;
    assert!(!after.body.contains("being worked out again"));
}
