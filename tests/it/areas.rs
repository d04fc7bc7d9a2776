//! Local-area definitions: proposed on creation, edited into new versions,
//! old versions unchanged.

use localspend::db::areas::{self, Owner};
use localspend::db::{self, audit::Actor};
use localspend::domain::Role;

use crate::common::spawn_app;

#[actix_web::test]
async fn a_new_institution_gets_tiers_proposed_from_its_home_district() {
    let app = spawn_app().await;
    let (admin, _) = app.signed_in("root", Role::Admin, None).await;
    let res = admin
        .submit(
            "/admin/institutions/new",
            "/admin/institutions",
            &[
                ("name", "Preston City Council"),
                ("kind", "council"),
                ("home_lad", "E07000123"),
                ("fy_start_month", "4"),
            ],
        )
        .await;
    assert_eq!(res.status, 303);
    let id = app.with_conn(|c| {
        db::institutions::list(c, &localspend::domain::account::Reach::All).unwrap()
    })[0]
        .id;
    let def = app
        .with_conn(|c| areas::current(c, Owner::Institution(id)).unwrap())
        .expect("version 1 proposed");
    assert_eq!(def.version, 1);
    let names: Vec<&str> = def.tiers.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["Preston", "Lancashire", "North West"]);
    assert_eq!(def.tiers[1].codes, ["E10000017"]);
    assert_eq!(def.tiers[1].districts.len(), 12);

    let page = admin.get(&format!("/admin/institutions/{id}/area")).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Current version: 1"));
    assert!(page.body.contains("Lancashire (E10000017)"));
    assert!(page.body.contains("Rest of UK") && page.body.contains("Outside UK"));
    assert!(
        page.body
            .contains("<option value=\"E07000126\">South Ribble (E07000126)</option>"),
        "pickers by name"
    );
}

#[actix_web::test]
async fn editing_makes_a_new_version_and_leaves_the_old_one_alone() {
    let app = spawn_app().await;
    let preston = app.add_institution("Preston City Council", "E07000123");
    let (admin, _) = app.signed_in("root", Role::Admin, None).await;
    let url = format!("/admin/institutions/{preston}/area");
    // The domain's Preston example: Lancashire county plus the two unitaries.
    let res = admin
        .submit(
            &url,
            &url,
            &[
                ("version", "1"),
                ("name_1", "Preston"),
                ("codes_1", "E07000123"),
                ("name_2", "Lancashire"),
                ("codes_2", "E10000017"),
                ("codes_2", "E06000008"),
                ("codes_2", "E06000009"),
                ("name_3", "North West"),
                ("codes_3", "E12000002"),
                ("note", "Include Blackburn with Darwen and Blackpool"),
            ],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    let (v1, v2) = app.with_conn(|c| {
        let history = areas::history(c, Owner::Institution(preston)).unwrap();
        assert_eq!(history.len(), 2);
        (
            areas::get(c, history[1].id).unwrap(),
            areas::get(c, history[0].id).unwrap(),
        )
    });
    assert_eq!((v1.version, v2.version), (1, 2));
    assert_eq!(v1.tiers[1].districts.len(), 12, "version 1 is unchanged");
    assert_eq!(v2.tiers[1].districts.len(), 14);
    assert_eq!(v2.note, "Include Blackburn with Darwen and Blackpool");
    let old = admin
        .get(&format!("/admin/area-definitions/{}", v1.id))
        .await;
    assert_eq!(old.status, 200);
    assert!(old.body.contains("Version 1") && !old.body.contains("Save as version"));
    let rows = app.audit_rows("area_definition");
    assert_eq!(rows.len(), 2);
    assert!(rows[1].summary.contains("version 2") && rows[1].before_json.is_some());

    // An edit from a stale page is refused and keeps what was typed.
    let res = admin
        .submit(
            &url,
            &url,
            &[
                ("version", "1"),
                ("name_1", "Just Preston"),
                ("codes_1", "E07000123"),
            ],
        )
        .await;
    assert_eq!(res.status, 409);
    assert!(res.body.contains("Someone else saved version 2"));
    assert!(res.body.contains("value=\"Just Preston\""));
}

#[actix_web::test]
async fn a_bad_definition_names_each_problem() {
    let app = spawn_app().await;
    let preston = app.add_institution("Preston City Council", "E07000123");
    let (admin, _) = app.signed_in("root", Role::Admin, None).await;
    let url = format!("/admin/institutions/{preston}/area");
    let res = admin
        .submit(
            &url,
            &url,
            &[
                ("version", "1"),
                ("name_1", ""),
                ("codes_1", "E07000123"),
                ("name_2", "Nowhere"),
                ("codes_2", "X99"),
            ],
        )
        .await;
    assert_eq!(res.status, 422);
    assert!(res.body.contains("Give tier 1 a name"));
    assert!(res.body.contains("“X99” is not a known area code"));
    assert_eq!(
        app.with_conn(|c| areas::history(c, Owner::Institution(preston))
            .unwrap()
            .len()),
        1
    );
}

#[actix_web::test]
async fn a_network_definition_is_proposed_from_its_members() {
    let app = spawn_app().await;
    let preston = app.add_institution("Preston City Council", "E07000123");
    let uclan = app.add_institution("UCLan", "E07000123");
    let blackpool = app.add_institution("Blackpool Council", "E06000009");
    let net = app.with_conn(|c| {
        let g = db::geography::load(c).unwrap();
        let input = db::networks::NetworkInput {
            name: "Lancashire anchors".into(),
            description: String::new(),
            member_ids: vec![preston, uclan, blackpool],
        };
        db::networks::create(c, &Actor::system("test"), &input, &g)
            .unwrap()
            .network
            .id
    });
    let def = app
        .with_conn(|c| areas::current(c, Owner::Network(net)).unwrap())
        .unwrap();
    assert_eq!(def.tiers[0].name, "Blackpool + Preston");
    assert_eq!(def.tiers[0].districts, ["E06000009", "E07000123"]);
    assert_eq!(def.tiers.last().unwrap().name, "North West");
}
