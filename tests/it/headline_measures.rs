//! Beyond the headline, through HTTP: the local SME and VCSE shares and the
//! deprivation shares as cards with their change on a baseline (one year or
//! the mean of several) and their targets, every kind of supplier crossed
//! with the tiers, each measure year on year, and a network's pooled and
//! mean local SME shares.

use localspend::db::{audit::Actor, spend, suppliers};
use localspend::domain::spend::LineFields;
use localspend::domain::supplier::{Source, SupplierFields};
use localspend::domain::Role;

use crate::common::{spawn_app, TestApp};
use crate::reports::table;

fn supplier(app: &TestApp, name: &str, place: &str, size: &str, vcse: bool) -> i64 {
    let fields = SupplierFields {
        name: name.into(),
        override_place: place.into(),
        override_justification: "test".into(),
        size_band: size.into(),
        size_definition: "employees".into(),
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
        .unwrap()
        .id
    })
}

fn pay(app: &TestApp, institution: i64, date: &str, pounds: &str, supplier: (i64, &str)) {
    app.with_conn(|c| {
        let input = LineFields {
            institution_id: institution.to_string(),
            payment_date: date.into(),
            amount: pounds.into(),
            supplier: supplier.1.into(),
            payment_type: "procurement".into(),
            ..Default::default()
        }
        .parse()
        .unwrap();
        spend::create(c, &Actor::system("test"), &input, Some(supplier.0)).unwrap();
    });
}

/// Four years: the local small VCSE's £100, £200, £300, £500 of £1,000; the
/// local large firm's £300; the rest with a micro firm in Chorley.
fn four_years(app: &TestApp, institution: i64) {
    let small = (
        supplier(app, "Preston Small CIC", "E07000123", "small", true),
        "Preston Small CIC",
    );
    let large = (
        supplier(app, "Preston Large Plc", "E07000123", "large", false),
        "Preston Large Plc",
    );
    let micro = (
        supplier(app, "Chorley Micro Ltd", "E07000118", "micro", false),
        "Chorley Micro Ltd",
    );
    for (year, local_small) in [(2021, 100), (2022, 200), (2023, 300), (2024, 500)] {
        let date = format!("01/06/{year}");
        pay(app, institution, &date, &local_small.to_string(), small);
        pay(app, institution, &date, "300", large);
        pay(
            app,
            institution,
            &date,
            &(700 - local_small).to_string(),
            micro,
        );
    }
}

#[actix_web::test]
async fn local_sme_and_vcse_shares_have_cards_targets_a_mean_baseline_and_a_trend() {
    let app = spawn_app().await;
    let preston = app.add_institution("Preston City Council", "E07000123");
    four_years(&app, preston);
    let (manager, _) = app.signed_in("manager", Role::Manager, Some(preston)).await;
    let q = format!("institution={preston}&fy=2024&baseline=2021-2023");
    let page = manager.get(&format!("/reports?{q}")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body.contains(
            "80.00% of Preston City Council&#39;s influenceable spend in 2024/25 went to suppliers in Preston (£800 of £1000), up 30.00 points on mean of 2021/22 to 2023/24 (3 years)."
        ),
        "{}",
        page.body
    );
    assert!(page.body.contains(
        "<option value=\"2021-2023\" selected>mean of 2021/22 to 2023/24 (3 years)</option>"
    ));

    // A target for the local SME share, set like the tiers'.
    let form = format!("/reports?{q}");
    let saved = manager
        .submit(
            &form,
            "/reports/targets",
            &[
                ("owner_kind", "institution"),
                ("owner_id", &preston.to_string()),
                ("fy", "2024"),
                ("version", "1"),
                ("target_local_sme", "40"),
                ("target_local_vcse", "60"),
                ("back", &q),
            ],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);

    let measures = table(
        &manager
            .get(&format!("/reports.csv?{q}&table=measures"))
            .await
            .body,
    );
    assert_eq!(
        measures[0],
        [
            "Measure",
            "Spend (£)",
            "Share of influenceable spend (%)",
            "Change on mean of 2021/22 to 2023/24 (3 years) (percentage points)",
            "Target (%)"
        ]
    );
    let row = |label: &str| {
        measures
            .iter()
            .find(|r| r[0] == label)
            .unwrap_or_else(|| panic!("{label}: {measures:?}"))
            .clone()
    };
    assert_eq!(
        row("Local share (suppliers in Preston)")[1..],
        ["800.00", "80.00", "30.00", ""]
    );
    // Local SMEs: 10%, 20%, 30% then 50%: +30 points on their mean of 20%.
    assert_eq!(
        row("Local SME share (SMEs in Preston)")[1..],
        ["500.00", "50.00", "30.00", "40.00"]
    );
    assert_eq!(
        row("Local VCSE share (VCSEs in Preston)")[1..],
        ["500.00", "50.00", "30.00", "60.00"]
    );
    let cards = manager.get(&format!("/reports?{q}")).await.body;
    let card = |label: &str| {
        let at = cards
            .find(&format!("<span class=\"card-label\">{label}"))
            .unwrap_or_else(|| panic!("{label}"));
        cards[at..at + cards[at..].find("</li>").unwrap()].to_owned()
    };
    let sme = card("Local SME share (SMEs in Preston)");
    assert!(
        sme.contains("50.00%") && sme.contains("+30.00 pp on mean of 2021/22 to 2023/24"),
        "{sme}"
    );
    assert!(
        sme.contains("Target 40.00%") && sme.contains(">met<"),
        "{sme}"
    );
    let vcse = card("Local VCSE share (VCSEs in Preston)");
    assert!(
        vcse.contains("Target 60.00%") && vcse.contains("not yet"),
        "{vcse}"
    );

    // Every kind crossed with the tiers.
    let crossed = table(
        &manager
            .get(&format!("/reports.csv?{q}&table=kind_by_area"))
            .await
            .body,
    );
    assert_eq!(
        crossed[0][..6],
        [
            "Group",
            "All areas (£)",
            "All areas (suppliers)",
            "In Preston (£)",
            "In Preston (%)",
            "In Preston (suppliers)"
        ]
    );
    let kind = |label: &str| {
        crossed
            .iter()
            .find(|r| r[0] == label)
            .unwrap_or_else(|| panic!("{label}: {crossed:?}"))
            .clone()
    };
    assert_eq!(
        kind("SME (micro, small and medium)")[1..6],
        ["700.00", "2", "500.00", "50.00", "1"]
    );
    assert_eq!(
        kind("Large (250 or more staff)")[1..6],
        ["300.00", "1", "300.00", "30.00", "1"]
    );
    assert_eq!(
        kind("All suppliers")[1..6],
        ["1000.00", "3", "800.00", "80.00", "2"]
    );
    // Chorley is in Lancashire: the micro firm counts in the second tier.
    let lancs = crossed[0]
        .iter()
        .position(|h| h == "In Lancashire (£)")
        .expect("a Lancashire tier");
    assert_eq!(kind("SME (micro, small and medium)")[lancs], "700.00");

    // Year on year for each measure.
    let trend = table(
        &manager
            .get(&format!("/reports.csv?{q}&table=trend"))
            .await
            .body,
    );
    let col = trend[0]
        .iter()
        .position(|h| h == "Local SME share (SMEs in Preston) (%)")
        .expect("the measure's column");
    let by_year: Vec<&str> = trend[1..].iter().map(|r| r[col].as_str()).collect();
    assert_eq!(by_year, ["10.00", "20.00", "30.00", "50.00"]);
    let trend_page = manager.get(&format!("/reports/trend?{q}")).await.body;
    assert!(trend_page.contains("The other headline measures, year by year"));

    // One year as the baseline.
    let one = manager
        .get(&format!(
            "/reports?institution={preston}&fy=2024&baseline=2023"
        ))
        .await
        .body;
    assert!(one.contains("up 20.00 points on 2023/24."), "{one}");
}

#[actix_web::test]
async fn a_network_shows_its_pooled_local_sme_share_and_the_mean_of_its_members() {
    let app = spawn_app().await;
    let big = app.add_institution("Preston City Council", "E07000123");
    let small = app.add_institution("Preston College", "E07000123");
    let sme = (
        supplier(&app, "Preston Small Ltd", "E07000123", "small", false),
        "Preston Small Ltd",
    );
    let large = (
        supplier(&app, "Preston Large Plc", "E07000123", "large", false),
        "Preston Large Plc",
    );
    // The council: £100 of £1,000 with the local SME (10%); the college:
    // £90 of £100 (90%). Pooled 190 of 1,100 = 17.27%; mean 50%.
    pay(&app, big, "01/05/2023", "100", sme);
    pay(&app, big, "01/05/2023", "900", large);
    pay(&app, small, "01/05/2023", "90", sme);
    pay(&app, small, "01/05/2023", "10", large);
    let network = app.add_network("Preston Anchors", &[big, small]);
    let (manager, _) = app.signed_in("manager", Role::Manager, Some(small)).await;
    let page = manager
        .get(&format!("/reports?network={network}&fy=2023"))
        .await
        .body;
    let at = page
        .find("<span class=\"card-label\">Local SME share")
        .expect("the card");
    let card = &page[at..at + page[at..].find("</li>").unwrap()];
    assert!(
        card.contains("17.27%") && card.contains("pooled; mean of the members 50.00%"),
        "{card}"
    );
    let csv = table(
        &manager
            .get(&format!(
                "/reports.csv?network={network}&fy=2023&table=measures"
            ))
            .await
            .body,
    );
    assert_eq!(csv[0][3], "Unweighted mean of the members' shares (%)");
    assert_eq!(csv[2][1..4], ["190.00", "17.27", "50.00"]);
}

fn pay_in(app: &TestApp, institution: i64, pounds: &str, supplier: (i64, &str), category: &str) {
    app.with_conn(|c| {
        let input = LineFields {
            institution_id: institution.to_string(),
            payment_date: "01/07/2024".into(),
            amount: pounds.into(),
            supplier: supplier.1.into(),
            payment_type: "procurement".into(),
            category: category.into(),
            expense_type: "Works".into(),
            ..Default::default()
        }
        .parse()
        .unwrap();
        spend::create(c, &Actor::system("test"), &input, Some(supplier.0)).unwrap();
    });
}

#[actix_web::test]
async fn where_the_money_leaves_by_category_and_sector_names_who_gets_it() {
    let app = spawn_app().await;
    let preston = app.add_institution("Preston City Council", "E07000123");
    let with_sic = |name: &str, place: &str, sic: &str| {
        let fields = SupplierFields {
            name: name.into(),
            override_place: place.into(),
            override_justification: "test".into(),
            sic_codes: sic.into(),
            ..Default::default()
        };
        let id = app.with_conn(|c| {
            suppliers::create(
                c,
                &Actor::system("test"),
                &fields.parse().unwrap(),
                Source::Clerk,
                "",
            )
            .unwrap()
            .id
        });
        (id, name.to_owned())
    };
    let local = with_sic("Preston Builders Ltd", "E07000123", "41201");
    let leeds = with_sic("Leeds Construction Plc", "E08000035", "41201");
    let london = with_sic("London Software Ltd", "E09000001", "62020");
    let nowhere = (
        supplier(&app, "Mystery Ltd", "", "", false),
        "Mystery Ltd".to_owned(),
    );
    pay_in(&app, preston, "500", (local.0, &local.1), "Construction");
    pay_in(&app, preston, "1200", (leeds.0, &leeds.1), "Construction");
    pay_in(&app, preston, "700", (london.0, &london.1), "ICT");
    pay_in(&app, preston, "100", (nowhere.0, &nowhere.1), "ICT");
    let (manager, _) = app.signed_in("manager", Role::Manager, Some(preston)).await;
    let q = format!("institution={preston}&fy=2024");
    let page = manager.get(&format!("/reports/categories?{q}")).await.body;
    assert!(page.contains("Where the money leaves: by procurement category"));
    let by_category = table(
        &manager
            .get(&format!("/reports.csv?{q}&table=leakage_by_category"))
            .await
            .body,
    );
    assert_eq!(
        by_category[0],
        [
            "Group",
            "Influenceable spend (£)",
            "In Preston (£)",
            "Local share (%)",
            "Leaving: located outside (£)",
            "Location unknown (£)",
            "Biggest suppliers outside"
        ]
    );
    assert_eq!(
        by_category[1..],
        [
            [
                "Construction",
                "1700.00",
                "500.00",
                "29.41",
                "1200.00",
                "0.00",
                "Leeds Construction Plc (1200.00)"
            ],
            [
                "ICT",
                "800.00",
                "0.00",
                "0.00",
                "700.00",
                "100.00",
                "London Software Ltd (700.00)"
            ],
        ]
    );
    let by_sector = table(
        &manager
            .get(&format!("/reports.csv?{q}&table=leakage_by_sector"))
            .await
            .body,
    );
    let sectors: Vec<(&str, &str)> = by_sector[1..]
        .iter()
        .map(|r| (r[0].as_str(), r[4].as_str()))
        .collect();
    assert_eq!(
        sectors,
        [
            ("F Construction", "1200.00"),
            ("J Information and communication", "700.00"),
            ("Sector unknown", "0.00")
        ]
    );
    // Each category crossed with every tier, its share of its own spend.
    let crossed = table(
        &manager
            .get(&format!("/reports.csv?{q}&table=category_by_area"))
            .await
            .body,
    );
    assert_eq!(
        crossed[0][..6],
        [
            "Group",
            "All areas (£)",
            "All areas (suppliers)",
            "In Preston (£)",
            "In Preston (% of the row)",
            "In Preston (suppliers)"
        ]
    );
    assert_eq!(
        crossed[1],
        [
            "Construction",
            "1700.00",
            "2",
            "500.00",
            "29.41",
            "1",
            "500.00",
            "29.41",
            "1",
            "500.00",
            "29.41",
            "1"
        ]
    );
    assert_eq!(crossed[2][..6], ["ICT", "800.00", "2", "0.00", "0.00", "0"]);
    let departments = manager
        .get(&format!("/reports.csv?{q}&table=expense_type_by_area"))
        .await;
    assert_eq!(departments.status, 200);
    assert_eq!(
        table(&departments.body)[1][..4],
        ["Works", "2500.00", "4", "500.00"]
    );
    assert!(page.contains("Each procurement category, by area"));
}

#[actix_web::test]
async fn the_headline_can_count_only_the_top_n_suppliers_as_cles_does() {
    let app = spawn_app().await;
    let preston = app.add_institution("Preston City Council", "E07000123");
    four_years(&app, preston);
    let (manager, _) = app.signed_in("manager", Role::Manager, Some(preston)).await;
    // 2024/25: the small CIC £500, the large plc £300 (both in Preston) and
    // the Chorley firm £200. The top two cover £800 of £1,000.
    let q = format!("institution={preston}&fy=2024&baseline=2023&scope=top&top=2");
    let page = manager.get(&format!("/reports?{q}")).await.body;
    assert!(
        page.contains("Top 2 suppliers by influenceable spend (the CLES method), covering 80.00% of influenceable spend"),
        "{page}"
    );
    // 2023/24's top two: the Chorley firm (£400) and one of the £300s:
    // each year its own top N.
    assert!(
        page.contains("100.00% of Preston City Council&#39;s influenceable spend in 2024/25 went to suppliers in Preston (£800 of £800)"),
        "{page}"
    );
    assert!(page.contains("<option value=\"top\" selected>"));
    let headline = table(
        &manager
            .get(&format!("/reports.csv?{q}&table=headline"))
            .await
            .body,
    );
    assert_eq!(
        headline.last().unwrap()[..2],
        ["Influenceable spend", "800.00"]
    );
    let all = manager
        .get(&format!("/reports?institution={preston}&fy=2024"))
        .await
        .body;
    assert!(all.contains("80.00% of Preston City Council&#39;s influenceable spend in 2024/25"));
}

#[actix_web::test]
async fn a_networks_crossed_tables_give_the_pooled_share_and_the_members_mean_to_member_staff() {
    let app = spawn_app().await;
    let a = app.add_institution("Preston City Council", "E07000123");
    let b = app.add_institution("Preston College", "E07000123");
    let network = app.add_network("Preston anchors", &[a, b]);
    let local = (
        supplier(&app, "Preston Builders Ltd", "E07000123", "small", false),
        "Preston Builders Ltd",
    );
    let far = (
        supplier(&app, "Leeds Construction Plc", "E08000035", "large", false),
        "Leeds Construction Plc",
    );
    // The council: 60% local (construction). The college: 25% (ICT).
    pay_in(&app, a, "600", local, "Construction");
    pay_in(&app, a, "400", far, "Construction");
    pay_in(&app, b, "300", far, "ICT");
    pay_in(&app, b, "100", local, "ICT");
    let (clerk, _) = app.signed_in("clerk", Role::Clerk, Some(b)).await;
    let q = format!("network={network}&fy=2024");
    let kinds = table(
        &clerk
            .get(&format!("/reports.csv?{q}&table=kind_by_area"))
            .await
            .body,
    );
    let mean_col = kinds[0]
        .iter()
        .position(|h| h == "In Preston: mean of the 2 members (%)")
        .unwrap_or_else(|| panic!("{:?}", kinds[0]));
    let all = kinds.iter().find(|r| r[0] == "All suppliers").unwrap();
    assert_eq!(
        (all[4].as_str(), all[mean_col].as_str()),
        ("50.00", "42.50")
    );
    // Small firms: the council's 60% and the college's 25% again.
    let sme = kinds
        .iter()
        .find(|r| r[0] == "SME (micro, small and medium)")
        .unwrap();
    assert_eq!(sme[mean_col], "42.50");

    // Procurement categories are the network's to see; departments are not.
    let categories = clerk
        .get(&format!("/reports.csv?{q}&table=category_by_area"))
        .await;
    assert_eq!(categories.status, 200, "{}", categories.body);
    let rows = table(&categories.body);
    let mean_col = rows[0]
        .iter()
        .position(|h| h == "In Preston: mean of the 2 members (% of the row)")
        .unwrap_or_else(|| panic!("{:?}", rows[0]));
    let row = |label: &str| rows.iter().find(|r| r[0] == label).unwrap().clone();
    // Construction is only the council's: its mean is the council's share.
    assert_eq!(row("Construction")[4], "60.00");
    assert_eq!(row("Construction")[mean_col], "60.00");
    assert_eq!(row("ICT")[mean_col], "25.00");
    for own in [
        "department_by_area",
        "expense_type_by_area",
        "leakage_by_expense_type",
    ] {
        let res = clerk.get(&format!("/reports.csv?{q}&table={own}")).await;
        assert_eq!(res.status, 403, "{own}");
    }
    let page = clerk.get(&format!("/reports/categories?{q}")).await.body;
    assert!(page.contains("Each procurement category, by area"));
    assert!(!page.contains("Each department, by area"));
    assert!(page.contains("each member institution's own structure"));
}

#[actix_web::test]
async fn a_refused_target_comes_back_on_the_dashboard_with_what_was_typed_and_nothing_saved() {
    let app = spawn_app().await;
    let preston = app.add_institution("Preston City Council", "E07000123");
    four_years(&app, preston);
    let (manager, _) = app.signed_in("manager", Role::Manager, Some(preston)).await;
    let q = format!("institution={preston}&fy=2024");
    let refused = manager
        .submit(
            &format!("/reports?{q}"),
            "/reports/targets",
            &[
                ("owner_kind", "institution"),
                ("owner_id", &preston.to_string()),
                ("fy", "2024"),
                ("version", "1"),
                ("target_1", "seventy"),
                ("target_local_sme", "40"),
                ("back", &q),
            ],
        )
        .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    let body = &refused.body;
    assert!(body.contains("<title>Error: "), "the title says so");
    assert!(
        body.contains("<a href=\"#target_1\">Enter the target as a percentage between 0 and 100")
    );
    assert!(body.contains("id=\"target_1\" name=\"target_1\" type=\"text\" value=\"seventy\""));
    assert!(body
        .contains("id=\"target_local_sme\" name=\"target_local_sme\" type=\"text\" value=\"40\""));
    assert!(body.contains("<details class=\"no-print\" id=\"set-targets\" open>"));
    assert!(
        body.contains("Local share of influenceable spend"),
        "the dashboard, whole"
    );
    // Nothing was saved: not even the good box.
    let saved = app.with_conn(|c| {
        localspend::db::targets::of(c, localspend::db::areas::Owner::Institution(preston), 2024)
            .unwrap()
    });
    assert!(saved.is_empty(), "{saved:?}");
}
