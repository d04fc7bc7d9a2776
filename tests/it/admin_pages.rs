//! Institutions, networks and users through the admin pages: validation that
//! keeps input, duplicates, and two people editing the same record.

use localspend::db;
use localspend::domain::Role;

use crate::common::{spawn_app, PASSWORD};

fn institution_fields<'a>(
    name: &'a str,
    lad: &'a str,
    version: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("name", name),
        ("kind", "council"),
        ("home_lad", lad),
        ("fy_start_month", "4"),
        ("version", version),
    ]
}

#[actix_web::test]
async fn a_failed_institution_form_keeps_what_was_typed_and_names_each_error() {
    let app = spawn_app().await;
    let (admin, _) = app.signed_in("root", Role::Admin, None).await;
    let res = admin
        .submit(
            "/admin/institutions/new",
            "/admin/institutions",
            &[
                ("name", "Preston City Council"),
                ("kind", ""),
                ("home_lad", "E12000002"),
                ("fy_start_month", "4"),
            ],
        )
        .await;
    assert_eq!(res.status, 422);
    assert!(res.body.contains("There is a problem"));
    assert!(
        res.body.contains("value=\"Preston City Council\""),
        "typed name kept"
    );
    assert!(res.body.contains("value=\"E12000002\""), "typed code kept");
    assert!(res.body.contains("Choose the kind of institution"));
    assert!(res.body.contains("local authority district code"));
    assert!(
        res.body.contains("href=\"#home_lad\""),
        "summary links to the field"
    );
    assert!(app
        .with_conn(|c| db::institutions::list(c, &localspend::domain::account::Reach::All).unwrap())
        .is_empty());
}

#[actix_web::test]
async fn institutions_are_created_listed_and_duplicates_refused() {
    let app = spawn_app().await;
    let (admin, _) = app.signed_in("root", Role::Admin, None).await;
    let res = admin
        .submit(
            "/admin/institutions/new",
            "/admin/institutions",
            &institution_fields("Preston City Council", "e07000123", "0"),
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    let list = admin.get("/admin/institutions").await;
    assert!(list.body.contains("Preston City Council") && list.body.contains("E07000123"));
    assert!(
        list.body.contains("Added Preston City Council."),
        "flash message"
    );

    let dup = admin
        .submit(
            "/admin/institutions/new",
            "/admin/institutions",
            &institution_fields("Preston City Council", "E07000123", "0"),
        )
        .await;
    assert_eq!(dup.status, 409);
    assert!(dup.body.contains("already exists"));
    assert_eq!(
        app.with_conn(
            |c| db::institutions::list(c, &localspend::domain::account::Reach::All).unwrap()
        )
        .len(),
        1
    );
}

#[actix_web::test]
async fn two_people_editing_one_institution_never_overwrite_each_other_silently() {
    let app = spawn_app().await;
    let id = app.add_institution("Preston City Council", "E07000123");
    let (alice, _) = app.signed_in("alice", Role::Admin, None).await;
    let (bob, _) = app.signed_in("bob", Role::Admin, None).await;
    let edit = format!("/admin/institutions/{id}/edit");
    let action = format!("/admin/institutions/{id}");
    let alice_token = alice.csrf_from(&edit).await;
    let bob_token = bob.csrf_from(&edit).await;

    let mut fields = vec![("csrf_token", alice_token.as_str())];
    fields.extend(institution_fields(
        "Preston City Council (Alice)",
        "E07000123",
        "1",
    ));
    assert_eq!(alice.post_form(&action, &fields).await.status, 303);

    let mut fields = vec![("csrf_token", bob_token.as_str())];
    fields.extend(institution_fields(
        "Preston City Council (Bob)",
        "E07000123",
        "1",
    ));
    let res = bob.post_form(&action, &fields).await;
    assert_eq!(res.status, 409);
    assert!(res.body.contains("Someone else saved this institution"));
    assert!(
        res.body.contains("Preston City Council (Alice)"),
        "shows what the other person saved"
    );
    assert!(
        res.body.contains("value=\"Preston City Council (Bob)\""),
        "keeps what Bob typed"
    );
    assert!(
        res.body.contains("name=\"version\" value=\"2\""),
        "a resubmit is a deliberate overwrite"
    );
    let saved = app.with_conn(|c| db::institutions::get(c, id).unwrap());
    assert_eq!(saved.name, "Preston City Council (Alice)");
    assert_eq!(saved.version, 2);
    assert_eq!(
        app.audit_rows("institution")
            .iter()
            .filter(|r| r.action == "update")
            .count(),
        1,
        "refused save not audited"
    );
}

#[actix_web::test]
async fn networks_group_institutions() {
    let app = spawn_app().await;
    let preston = app.add_institution("Preston City Council", "E07000123");
    let uclan = app.add_institution("University of Central Lancashire", "E07000123");
    let (admin, _) = app.signed_in("root", Role::Admin, None).await;
    let (p, u) = (preston.to_string(), uclan.to_string());
    let res = admin
        .submit(
            "/admin/networks/new",
            "/admin/networks",
            &[
                ("name", "Preston anchors"),
                ("description", "CWB network"),
                ("version", "0"),
                ("member", &p),
                ("member", &u),
            ],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    let list = admin.get("/admin/networks").await;
    assert!(
        list.body
            .contains("Preston City Council, University of Central Lancashire"),
        "{}",
        list.body
    );
    let network = app.with_conn(|c| db::networks::list(c).unwrap())[0]
        .0
        .clone();
    assert_eq!(
        app.with_conn(|c| db::networks::get(c, network.id).unwrap())
            .member_ids,
        vec![preston, uclan]
    );

    let edit = format!("/admin/networks/{}/edit", network.id);
    let page = admin.get(&edit).await;
    assert!(page.body.contains(&format!(
        "id=\"member-{preston}\" name=\"member\" value=\"{preston}\" checked"
    )));
    let res = admin
        .submit(
            &edit,
            &format!("/admin/networks/{}", network.id),
            &[
                ("name", "Preston anchors"),
                ("version", "1"),
                ("member", &u),
            ],
        )
        .await;
    assert_eq!(res.status, 303);
    assert_eq!(
        app.with_conn(|c| db::networks::get(c, network.id).unwrap())
            .member_ids,
        vec![uclan]
    );

    let empty = admin
        .submit(
            "/admin/networks/new",
            "/admin/networks",
            &[("name", "  "), ("member", &p)],
        )
        .await;
    assert_eq!(empty.status, 422);
    assert!(
        empty.body.contains("Enter the network&#39;s name")
            || empty.body.contains("Enter the network's name")
    );
    assert!(
        empty.body.contains(&format!("value=\"{preston}\" checked")),
        "ticked boxes kept"
    );
}

#[actix_web::test]
async fn an_institution_admin_manages_only_their_own_users() {
    let app = spawn_app().await;
    let preston = app.add_institution("Preston City Council", "E07000123");
    let manchester = app.add_institution("Manchester City Council", "E08000003");
    let (admin, _) = app.signed_in("padmin", Role::Admin, Some(preston)).await;
    let m = manchester.to_string();
    let p = preston.to_string();

    let res = admin
        .submit(
            "/admin/users/new",
            "/admin/users",
            &[
                ("username", "newclerk"),
                ("display_name", "New Clerk"),
                ("role", "clerk"),
                ("institution_id", &m),
                ("password", PASSWORD),
                ("confirm", PASSWORD),
            ],
        )
        .await;
    assert_eq!(res.status, 422, "cannot add users to another institution");
    let res = admin
        .submit(
            "/admin/users/new",
            "/admin/users",
            &[
                ("username", "newadmin"),
                ("display_name", "New Admin"),
                ("role", "admin"),
                ("institution_id", ""),
                ("password", PASSWORD),
                ("confirm", PASSWORD),
            ],
        )
        .await;
    assert_eq!(res.status, 422, "cannot make a network-wide admin");
    assert!(res.body.contains("value=\"New Admin\""));
    let res = admin
        .submit(
            "/admin/users/new",
            "/admin/users",
            &[
                ("username", "NewClerk"),
                ("display_name", "New Clerk"),
                ("role", "clerk"),
                ("institution_id", &p),
                ("password", PASSWORD),
                ("confirm", PASSWORD),
            ],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    let created = app
        .with_conn(|c| db::users::find_by_username(c, "newclerk").unwrap())
        .expect("created, lower-cased");
    assert_eq!(created.institution_id, Some(preston));
    assert_eq!(app.client().login("newclerk", PASSWORD).await.status, 303);

    let dup = admin
        .submit(
            "/admin/users/new",
            "/admin/users",
            &[
                ("username", "newclerk"),
                ("display_name", "Other"),
                ("role", "clerk"),
                ("institution_id", &p),
                ("password", PASSWORD),
                ("confirm", PASSWORD),
            ],
        )
        .await;
    assert_eq!(dup.status, 409);
    assert!(dup.body.contains("already taken"));

    let outsider = app.add_user("mclerk", Role::Clerk, Some(manchester));
    assert_eq!(
        admin
            .get(&format!("/admin/users/{}/edit", outsider.id))
            .await
            .status,
        403
    );
    let list = admin.get("/admin/users").await;
    assert!(list.body.contains("newclerk") && !list.body.contains("mclerk"));
}

#[actix_web::test]
async fn disabling_a_user_or_resetting_their_password_signs_them_out() {
    let app = spawn_app().await;
    let preston = app.add_institution("Preston City Council", "E07000123");
    let (admin, me) = app.signed_in("root", Role::Admin, None).await;
    let (clerk, clerk_user) = app.signed_in("clerk", Role::Clerk, Some(preston)).await;
    let p = preston.to_string();
    let edit = format!("/admin/users/{}/edit", clerk_user.id);

    let res = admin
        .submit(
            &edit,
            &format!("/admin/users/{}/password", clerk_user.id),
            &[
                ("password", "temporary passphrase 1"),
                ("confirm", "temporary passphrase 1"),
            ],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    assert_eq!(
        clerk.get("/").await.status,
        303,
        "reset ends the user's sessions"
    );
    assert_eq!(
        clerk.login("clerk", "temporary passphrase 1").await.status,
        303
    );

    let version = app
        .with_conn(|c| db::users::get(c, clerk_user.id).unwrap())
        .version
        .to_string();
    let res = admin
        .submit(
            &edit,
            &format!("/admin/users/{}", clerk_user.id),
            &[
                ("display_name", "Clerk"),
                ("role", "clerk"),
                ("institution_id", &p),
                ("disabled", "on"),
                ("version", &version),
            ],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    assert_eq!(
        clerk.get("/").await.status,
        303,
        "disabling ends the sessions"
    );
    assert_eq!(
        clerk.login("clerk", "temporary passphrase 1").await.status,
        401
    );
    assert!(app.audit_rows("user").iter().any(|r| r.action == "disable"));

    // Nobody can lock themselves, or the installation, out.
    let v = me.version.to_string();
    let own = format!("/admin/users/{}", me.id);
    let res = admin
        .submit(
            &format!("{own}/edit"),
            &own,
            &[
                ("display_name", "Root"),
                ("role", "admin"),
                ("institution_id", ""),
                ("disabled", "on"),
                ("version", &v),
            ],
        )
        .await;
    assert_eq!(res.status, 422);
    assert!(res.body.contains("cannot disable your own account"));
    let res = admin
        .submit(
            &format!("{own}/edit"),
            &own,
            &[
                ("display_name", "Root"),
                ("role", "manager"),
                ("institution_id", &p),
                ("version", &v),
            ],
        )
        .await;
    assert_eq!(res.status, 409);
    assert!(res.body.contains("only active network-wide admin"));
}
