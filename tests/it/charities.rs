//! The register of charities: its extract loads as a release; suppliers are
//! matched by charity number, then by name; charity status, registered
//! postcode and latest income are proposed, and a value another source set
//! that the charity register contradicts is a conflict, not applied.

use localspend::db::audit::Actor;
use localspend::db::suppliers;
use localspend::domain::supplier::{Source, SupplierFields};
use localspend::domain::Role;
use localspend::import::charity_release::import_release;

use crate::common::{spawn_app, TestApp};
use crate::supplier_sources::supplier_with as supplier;

const EXTRACT: &str = "date_of_extract\torganisation_number\tregistered_charity_number\tlinked_charity_number\tcharity_name\tcharity_type\tcharity_registration_status\tdate_of_registration\tdate_of_removal\tcharity_reporting_status\tlatest_acc_fin_period_start_date\tlatest_acc_fin_period_end_date\tlatest_income\tlatest_expenditure\tcharity_contact_address1\tcharity_contact_address2\tcharity_contact_address3\tcharity_contact_address4\tcharity_contact_address5\tcharity_contact_postcode\tcharity_contact_phone\tcharity_contact_email\tcharity_contact_web\tcharity_company_registration_number\tcharity_insolvent\tcharity_in_administration\tcharity_previously_excepted\tcharity_is_cdf_or_cif\tcharity_is_cio\tcio_is_dissolved\tdate_cio_dissolution_notice\tcharity_activities\tcharity_gift_aid\tcharity_has_land\n\
2025-11-01\t10001\t1123456\t0\tPRESTON FOOD BANK\tCIO\tRegistered\t2010-01-01\t\tSubmission Received\t2024-04-01\t2025-03-31\t245000.00\t240000.00\t1 Market St\t\t\tPreston\t\tPR1 2HE\t\t\t\t\tFalse\tFalse\t\t\tTrue\tFalse\t\tFood\tTrue\tFalse\n\
2025-11-01\t10002\t1123456\t1\tPRESTON FOOD BANK HARDSHIP FUND\tOther\tRegistered\t2012-01-01\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\tFalse\tFalse\t\t\tFalse\tFalse\t\t\t\t\n\
2025-11-01\t10003\t700001\t0\tLANCASHIRE WILDLIFE TRUST\tCharitable company\tRegistered\t1970-01-01\t\t\t\t\t5600000\t\t\t\t\t\t\tPR5 6BY\t\t\t\t00731548\tFalse\tFalse\t\t\tFalse\tFalse\t\t\t\t\n\
2025-11-01\t10004\t800002\t0\tOLD CHAPEL TRUST\tOther\tRemoved\t1980-01-01\t2019-01-01\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\tFalse\tFalse\t\t\tFalse\tFalse\t\t\t\t\n";

fn load(app: &TestApp) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("publicextract.charity.txt");
    std::fs::write(&path, EXTRACT).unwrap();
    let release = import_release(
        &mut app.conn(),
        &[path],
        "2025-11",
        &Actor::system("test"),
        &mut |_, _| {},
    )
    .unwrap();
    assert_eq!(
        release.row_count, 3,
        "the linked charity is not a row of its own"
    );
}

#[actix_web::test]
async fn charities_are_matched_by_number_then_name_and_conflicts_are_shown_not_applied() {
    let app = spawn_app().await;
    load(&app);
    let food = supplier(
        &app,
        SupplierFields {
            name: "Preston Foodbank CIO".into(),
            charity_number: "1123456".into(),
            ..Default::default()
        },
        Source::Import,
    );
    let wildlife = supplier(
        &app,
        SupplierFields {
            name: "Lancashire Wildlife Trust".into(),
            postcode_registered: "PR1 1AA".into(),
            ..Default::default()
        },
        Source::CompaniesHouse,
    );
    let chapel = supplier(
        &app,
        SupplierFields {
            name: "Old Chapel Trust".into(),
            ..Default::default()
        },
        Source::Import,
    );
    let (clerk, _) = app
        .signed_in(
            "clerk",
            Role::Clerk,
            Some(app.add_institution("Preston City Council", "E07000123")),
        )
        .await;
    let page = clerk.get("/charities").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("<strong>2025-11</strong>: 3 charities"));
    assert!(page.body.contains("2 suppliers matched"), "{}", page.body);
    assert!(page.body.contains(&format!("value=\"{food}\"")));
    assert!(page.body.contains(&format!("value=\"{wildlife}\"")));
    assert!(
        !page.body.contains(&format!("/suppliers/{chapel}\"")),
        "a removed charity is no match by name"
    );
    assert!(
        page.body.contains(
            "Turnover (latest income): — → <strong>£245,000.00 (£100,000 to £500,000)</strong>"
        ),
        "{}",
        page.body
    );
    assert!(page.body.contains(
        "Registered office postcode: the supplier has <strong>PR1 1AA</strong>, the charity register says <strong>PR5 6BY</strong>"
    ));

    let token = clerk.csrf_from("/charities").await;
    let res = clerk
        .post_form(
            "/charities/proposals/accept",
            &[
                ("csrf_token", &token),
                ("supplier", &food.to_string()),
                ("supplier", &wildlife.to_string()),
            ],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    app.with_conn(|c| {
        let f = suppliers::get(c, food).unwrap();
        assert!(f.is_charity && f.is_vcse);
        assert_eq!(f.postcode_registered.as_deref(), Some("PR1 2HE"));
        assert_eq!(f.turnover_pence, Some(24_500_000));
        let latest = &suppliers::provenance(c, food).unwrap()[0];
        assert_eq!(latest.source, "charity_register");
        assert!(latest
            .evidence
            .contains("release 2025-11, charity 1123456 (PRESTON FOOD BANK)"));
        let w = suppliers::get(c, wildlife).unwrap();
        assert_eq!(
            w.charity_number.as_deref(),
            Some("700001"),
            "matched by exact name"
        );
        assert_eq!(w.company_number.as_deref(), Some("00731548"));
        assert_eq!(
            w.postcode_registered.as_deref(),
            Some("PR1 1AA"),
            "the conflicting postcode is left as it was"
        );
    });
    let after = clerk.get("/charities").await;
    assert!(
        !after.body.contains(&format!("value=\"{food}\"")),
        "accepted"
    );
    assert!(
        after
            .body
            .contains("the charity register says <strong>PR5 6BY</strong>"),
        "the conflict is still shown"
    );
    let token = clerk.csrf_from("/charities").await;
    let chosen = clerk
        .post_form(
            "/companies/conflicts/resolve",
            &[
                ("csrf_token", &token),
                ("supplier", &wildlife.to_string()),
                ("field", "Registered office postcode"),
                ("source", "charity_register"),
            ],
        )
        .await;
    assert_eq!(chosen.status, 303, "{}", chosen.body);
    assert_eq!(chosen.location(), Some("/charities"));
    app.with_conn(|c| {
        assert_eq!(
            suppliers::get(c, wildlife)
                .unwrap()
                .postcode_registered
                .as_deref(),
            Some("PR5 6BY")
        );
        let latest = &suppliers::provenance(c, wildlife).unwrap()[0];
        assert_eq!(latest.source, "charity_register");
        assert!(
            latest.evidence.ends_with("chosen over PR1 1AA by a clerk"),
            "{}",
            latest.evidence
        );
    });
}

#[actix_web::test]
async fn a_file_that_is_not_the_extract_changes_nothing() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.txt");
    std::fs::write(&path, "name\tnumber\nA\t1\n").unwrap();
    let err = import_release(
        &mut app.conn(),
        &[path],
        "bad",
        &Actor::system("t"),
        &mut |_, _| {},
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("no registered_charity_number column"),
        "{err}"
    );
    app.with_conn(|c| assert!(localspend::db::charities::active(c).unwrap().is_none()));
}
