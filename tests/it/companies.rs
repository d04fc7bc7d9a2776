//! Companies House enrichment: load the bulk file, match suppliers by number
//! and exact name, accept proposals with Companies House as their source.

use localspend::db::audit::Actor;
use localspend::db::suppliers;
use localspend::domain::supplier::{Source, SupplierFields};
use localspend::domain::Role;
use localspend::import::company_release::import_release;

use crate::common::{spawn_app, TestApp};

const BULK: &str = "CompanyName, CompanyNumber,RegAddress.CareOf,RegAddress.POBox,RegAddress.AddressLine1, RegAddress.AddressLine2,RegAddress.PostTown,RegAddress.County,RegAddress.Country,RegAddress.PostCode,CompanyCategory,CompanyStatus,CountryOfOrigin,DissolutionDate,IncorporationDate,Accounts.AccountRefDay,Accounts.AccountRefMonth,Accounts.NextDueDate,Accounts.LastMadeUpDate,Accounts.AccountCategory,SICCode.SicText_1,SICCode.SicText_2,SICCode.SicText_3,SICCode.SicText_4\r\n\
\"PRESTON COMMUNITY ENERGY CIC\",09876543,,,\"1 MARKET ST\",,PRESTON,,ENGLAND,PR1 2HE,Community Interest Company,Active,United Kingdom,,01/02/2016,31,3,31/12/2025,31/03/2024,MICRO ENTITY,\"35110 - Production of electricity\",,,\r\n\
\"ACME LIMITED\",01234567,,,\"2 HIGH ST\",,MANCHESTER,,ENGLAND,M1 1AE,Private Limited Company,Active,United Kingdom,,01/01/2000,31,12,30/09/2025,31/12/2023,SMALL,\"62020 - Information technology consultancy activities\",,,\r\n\
\"TWIN LTD\",00000001,,,,,,,,EH1 1AA,Private Limited Company,Active,United Kingdom,,,,,,,SMALL,,,,\r\n\
\"TWIN LIMITED\",00000002,,,,,,,,G1 1AA,Private Limited Company,Liquidation,United Kingdom,,,,,,,SMALL,,,,\r\n";

pub(crate) fn load(app: &TestApp) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("BasicCompanyDataAsOneFile-2025-11-01.csv");
    std::fs::write(&path, BULK).unwrap();
    let release = import_release(
        &mut app.conn(),
        &[path],
        "2025-11",
        &Actor::system("test"),
        &mut |_, _| {},
    )
    .unwrap();
    assert_eq!(release.row_count, 4);
}

pub(crate) fn supplier(app: &TestApp, name: &str, company_number: &str) -> i64 {
    let input = SupplierFields {
        name: name.into(),
        company_number: company_number.into(),
        ..Default::default()
    }
    .parse()
    .unwrap();
    app.with_conn(|c| {
        suppliers::create(c, &Actor::system("test"), &input, Source::Import, "")
            .unwrap()
            .id
    })
}

#[actix_web::test]
async fn proposals_by_number_and_exact_name_are_accepted_with_their_source() {
    let app = spawn_app().await;
    load(&app);
    let energy = supplier(&app, "Preston Community Energy C.I.C.", "");
    let acme = supplier(&app, "Acme (Manchester)", "1234567");
    let twin = supplier(&app, "Twin Ltd", "");
    let nobody = supplier(&app, "Nobody Trading", "");
    let (clerk, _) = app
        .signed_in(
            "clerk",
            Role::Clerk,
            Some(app.add_institution("Preston City Council", "E07000123")),
        )
        .await;

    let page = clerk.get("/companies").await;
    assert_eq!(page.status, 200);
    assert!(page
        .body
        .contains("Using Companies House release <strong>2025-11</strong>: 4 companies"));
    assert!(
        page.body.contains(&format!("value=\"{energy}\"")),
        "matched by exact normalised name"
    );
    assert!(
        page.body.contains(&format!("value=\"{acme}\"")),
        "matched by company number"
    );
    assert!(
        !page.body.contains(&format!("value=\"{twin}\"")),
        "two companies share the name: no guess"
    );
    assert!(!page.body.contains(&format!("value=\"{nobody}\"")));
    assert!(
        page.body
            .contains("Registered office postcode: — → <strong>PR1 2HE</strong>"),
        "{}",
        page.body
    );

    let token = clerk.csrf_from("/companies").await;
    let res = clerk
        .post_form(
            "/companies/proposals/accept",
            &[("csrf_token", &token), ("supplier", &energy.to_string())],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    app.with_conn(|c| {
        let s = suppliers::get(c, energy).unwrap();
        assert_eq!(s.company_number.as_deref(), Some("09876543"));
        assert_eq!(s.postcode_registered.as_deref(), Some("PR1 2HE"));
        assert_eq!(s.legal_form.as_deref(), Some("Community Interest Company"));
        assert_eq!(
            (s.size_band.as_deref(), s.size_definition.as_deref()),
            (Some("micro"), Some("ch_accounts"))
        );
        assert!(s.is_cic && s.is_vcse);
        assert_eq!(s.sic_codes, "35110");
        let provenance = suppliers::provenance(c, energy).unwrap();
        let latest = &provenance[0];
        assert_eq!(latest.source, "companies_house");
        assert!(
            latest
                .evidence
                .contains("release 2025-11, company 09876543"),
            "{}",
            latest.evidence
        );
        assert!(latest.set_by.contains("clerk"));
        let untouched = suppliers::get(c, acme).unwrap();
        assert_eq!(
            untouched.postcode_registered, None,
            "only ticked proposals are applied"
        );
    });
    let after = clerk.get("/companies").await;
    assert!(
        !after.body.contains(&format!("value=\"{energy}\"")),
        "an accepted proposal is gone"
    );
}

#[actix_web::test]
async fn the_cli_loads_the_bulk_file_and_a_bad_file_changes_nothing() {
    let app = spawn_app().await;
    load(&app);
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        "CompanyName, CompanyNumber\r\nACME,12345678\r\nBROKEN,not a number\r\n",
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_localspend"))
        .args(["import", "companies"])
        .arg(&bad)
        .env("LOCALSPEND_DATABASE_URL", &app.db.url)
        .env("LOCALSPEND_LOG", "warn")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.csv, row 3: “not a number” is not a company number"),
        "{err}"
    );
    let active = app.with_conn(|c| localspend::db::companies::active(c).unwrap().unwrap());
    assert_eq!(
        (active.name.as_str(), active.row_count),
        ("2025-11", 4),
        "the release in use is untouched"
    );
}

#[actix_web::test]
async fn a_value_companies_house_contradicts_is_a_conflict_and_a_rows_own_button_accepts_that_row_alone(
) {
    let app = spawn_app().await;
    load(&app);
    // The registered office came from the supplier's own declaration.
    let input = SupplierFields {
        name: "Acme Ltd".into(),
        company_number: "01234567".into(),
        postcode_registered: "PR1 1AA".into(),
        ..Default::default()
    }
    .parse()
    .unwrap();
    let acme = app.with_conn(|c| {
        suppliers::create(
            c,
            &Actor::system("test"),
            &input,
            Source::SelfDeclaration,
            "letter",
        )
        .unwrap()
        .id
    });
    let energy = supplier(&app, "Preston Community Energy CIC", "");
    let (clerk, _) = app
        .signed_in(
            "clerk",
            Role::Clerk,
            Some(app.add_institution("Preston City Council", "E07000123")),
        )
        .await;
    let page = clerk.get("/companies").await;
    assert!(page.body.contains(
        "Registered office postcode: the supplier has <strong>PR1 1AA</strong>, Companies House says <strong>M1 1AE</strong>"
    ));
    let token = clerk.csrf_from("/companies").await;
    let res = clerk
        .post_form(
            "/companies/proposals/accept",
            &[
                ("csrf_token", &token),
                ("supplier", &acme.to_string()),
                ("supplier", &energy.to_string()),
                ("only", &acme.to_string()),
            ],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    app.with_conn(|c| {
        let a = suppliers::get(c, acme).unwrap();
        assert_eq!(
            a.postcode_registered.as_deref(),
            Some("PR1 1AA"),
            "the supplier's own declaration is not overwritten"
        );
        assert_eq!(
            a.legal_form.as_deref(),
            Some("Private Limited Company"),
            "what it adds is written"
        );
        assert_eq!(
            suppliers::get(c, energy).unwrap().postcode_registered,
            None,
            "the row's own button accepted that row alone"
        );
    });
    // The clerk checks and chooses Companies House's value.
    let token = clerk.csrf_from("/companies").await;
    let wrong = clerk
        .post_form(
            "/companies/conflicts/resolve",
            &[
                ("csrf_token", &token),
                ("supplier", &acme.to_string()),
                ("field", "Legal form"),
                ("source", "companies_house"),
            ],
        )
        .await;
    assert_eq!(wrong.status, 409, "no such conflict: {}", wrong.body);
    let chosen = clerk
        .post_form(
            "/companies/conflicts/resolve",
            &[
                ("csrf_token", &token),
                ("supplier", &acme.to_string()),
                ("field", "Registered office postcode"),
                ("source", "companies_house"),
            ],
        )
        .await;
    assert_eq!(chosen.status, 303, "{}", chosen.body);
    app.with_conn(|c| {
        assert_eq!(
            suppliers::get(c, acme)
                .unwrap()
                .postcode_registered
                .as_deref(),
            Some("M1 1AE")
        );
        let latest = &suppliers::provenance(c, acme).unwrap()[0];
        assert_eq!(latest.source, "companies_house");
        assert!(
            latest
                .evidence
                .ends_with("company 01234567 (ACME LIMITED), chosen over PR1 1AA by a clerk"),
            "{}",
            latest.evidence
        );
    });
    assert!(!clerk
        .get("/companies")
        .await
        .body
        .contains("the supplier has <strong>PR1 1AA</strong>"));
}
