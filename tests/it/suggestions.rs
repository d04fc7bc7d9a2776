//! Recognition rules' suggestions, confirmed by a clerk in bulk.

use localspend::db::audit::Actor;
use localspend::db::suppliers;
use localspend::domain::supplier::{Source, SupplierFields};
use localspend::domain::Role;

use crate::common::spawn_app;

#[actix_web::test]
async fn public_bodies_and_vcse_organisations_are_suggested_and_confirmed_with_the_rule_as_source()
{
    let app = spawn_app().await;
    let preston = app.add_institution("Preston City Council", "E07000123");
    let (clerk, _) = app.signed_in("clerk", Role::Clerk, Some(preston)).await;
    let ids: Vec<i64> = [
        "Lancashire County Council",
        "Lancashire Teaching Hospitals NHS Foundation Trust",
        "Preston Community Energy CIC",
        "Npower",
    ]
    .iter()
    .map(|name| {
        let input = SupplierFields {
            name: (*name).into(),
            ..Default::default()
        }
        .parse()
        .unwrap();
        app.with_conn(|c| {
            suppliers::create(c, &Actor::system("test"), &input, Source::Import, "")
                .unwrap()
                .id
        })
    })
    .collect();
    let page = clerk.get("/suppliers/suggestions").await;
    assert_eq!(page.status, 200);
    assert!(
        page.body
            .contains("Public body (council): name is in the register of UK councils"),
        "{}",
        page.body
    );
    assert!(page.body.contains("Public body (NHS)"));
    assert!(
        page.body.contains("VCSE: name contains &#39;CIC&#39;")
            || page.body.contains("VCSE: name contains 'CIC'")
    );
    assert!(!page.body.contains(">Npower<"));

    let token = clerk.csrf_from("/suppliers/suggestions").await;
    let res = clerk
        .post_form(
            "/suppliers/suggestions/accept",
            &[
                ("csrf_token", &token),
                ("supplier", &ids[0].to_string()),
                ("supplier", &ids[2].to_string()),
            ],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    app.with_conn(|c| {
        let council = suppliers::get(c, ids[0]).unwrap();
        assert!(council.is_public_body);
        let cic = suppliers::get(c, ids[2]).unwrap();
        assert!(cic.is_cic && cic.is_vcse);
        let nhs = suppliers::get(c, ids[1]).unwrap();
        assert!(!nhs.is_public_body, "unticked suggestions are not applied");
        let provenance = suppliers::provenance(c, ids[0]).unwrap();
        assert_eq!(
            (provenance[0].field.as_str(), provenance[0].source.as_str()),
            ("type", "rule")
        );
        assert!(provenance[0].evidence.contains("register of UK councils"));
    });
    let after = clerk.get("/suppliers/suggestions").await;
    assert!(
        !after.body.contains("Lancashire County Council")
            && after.body.contains("NHS Foundation Trust")
    );
}
