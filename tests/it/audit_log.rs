//! The audit log: every change recorded with before and after, readable and
//! exportable only within the reader's scope, and safe to open in a
//! spreadsheet.

use localspend::db;
use localspend::domain::Role;

use crate::common::{spawn_app, TestApp, TestClient};

/// Creates Preston City Council through the admin pages, then moves its
/// financial year to start in January: returns its id.
async fn create_then_change_an_institution(app: &TestApp, admin: &TestClient) -> i64 {
    let fields = |month: &'static str| {
        [
            ("name", "Preston City Council"),
            ("kind", "council"),
            ("home_lad", "E07000123"),
            ("fy_start_month", month),
        ]
    };
    admin
        .submit(
            "/admin/institutions/new",
            "/admin/institutions",
            &fields("4"),
        )
        .await;
    let id = app.with_conn(|c| {
        db::institutions::list(c, &localspend::domain::account::Reach::All).unwrap()
    })[0]
        .id;
    let mut changed = fields("1").to_vec();
    changed.push(("version", "1"));
    admin
        .submit(
            &format!("/admin/institutions/{id}/edit"),
            &format!("/admin/institutions/{id}"),
            &changed,
        )
        .await;
    id
}

#[actix_web::test]
async fn every_admin_change_is_audited_with_actor_before_and_after() {
    let app = spawn_app().await;
    let (admin, me) = app.signed_in("root", Role::Admin, None).await;
    let id = create_then_change_an_institution(&app, &admin).await;
    let rows = app.audit_rows("institution");
    assert_eq!(
        rows.iter().map(|r| r.action.as_str()).collect::<Vec<_>>(),
        ["create", "update"]
    );
    assert!(rows
        .iter()
        .all(|r| r.actor_user_id == Some(me.id) && r.actor_name.contains("root")));
    let update = &rows[1];
    let before: serde_json::Value =
        serde_json::from_str(update.before_json.as_deref().unwrap()).unwrap();
    let after: serde_json::Value =
        serde_json::from_str(update.after_json.as_deref().unwrap()).unwrap();
    assert_eq!(before["fy_start_month"], 4);
    assert_eq!(after["fy_start_month"], 1);
    assert_eq!(after["version"], 2);
    assert_eq!(update.institution_id, Some(id));
    assert!(rows[0].before_json.is_none() && rows[0].after_json.is_some());

    let p = id.to_string();
    admin
        .submit(
            "/admin/networks/new",
            "/admin/networks",
            &[("name", "Anchors"), ("member", &p)],
        )
        .await;
    admin
        .submit(
            "/admin/users/new",
            "/admin/users",
            &[
                ("username", "clerk"),
                ("display_name", "Clerk"),
                ("role", "clerk"),
                ("institution_id", &p),
                ("password", crate::common::PASSWORD),
                ("confirm", crate::common::PASSWORD),
            ],
        )
        .await;
    let network = app.audit_rows("network");
    assert_eq!(network.len(), 1);
    assert!(network[0]
        .after_json
        .as_deref()
        .unwrap()
        .contains(&format!("\"member_ids\":[{id}]")));
    let users = app.audit_rows("user");
    let created = users
        .iter()
        .find(|r| r.entity_id != me.id.to_string())
        .unwrap();
    assert_eq!(created.action, "create");
    assert_eq!(created.institution_id, Some(id));
    assert!(app
        .audit_rows("session")
        .iter()
        .any(|r| r.action == "login" && r.actor_user_id == Some(me.id)));
}

#[actix_web::test]
async fn the_audit_page_filters_and_keeps_each_reader_to_their_institution() {
    let app = spawn_app().await;
    let preston = app.add_institution("Preston City Council", "E07000123");
    let manchester = app.add_institution("Manchester City Council", "E08000003");
    let (net_admin, _) = app.signed_in("root", Role::Admin, None).await;
    let (auditor, _) = app
        .signed_in("mauditor", Role::Auditor, Some(manchester))
        .await;

    let all = net_admin.get("/admin/audit?entity_type=institution").await;
    assert_eq!(all.status, 200);
    assert!(all
        .body
        .contains("Created institution Preston City Council"));
    assert!(all
        .body
        .contains("Created institution Manchester City Council"));
    assert!(
        !all.body.contains("Signed in: "),
        "filtered to institutions"
    );

    let scoped = auditor.get("/admin/audit?entity_type=institution").await;
    assert!(scoped
        .body
        .contains("Created institution Manchester City Council"));
    assert!(
        !scoped.body.contains("Preston City Council"),
        "another institution's changes are hidden"
    );

    let by_actor = net_admin.get("/admin/audit?actor=MAUDITOR").await;
    assert!(by_actor.body.contains("Signed in") && by_actor.body.contains("mauditor person"));
    assert!(!by_actor.body.contains("root person (root)"));

    let bad = net_admin.get("/admin/audit?from=31/02/2026").await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("Enter the from date as dd/mm/yyyy"));
    let _ = preston;
}

#[actix_web::test]
async fn the_csv_export_is_scoped_complete_and_safe_in_a_spreadsheet() {
    let app = spawn_app().await;
    let (admin, _) = app.signed_in("root", Role::Admin, None).await;
    let evil = "=HYPERLINK(\"http://evil.example\",\"Click\")";
    let res = admin
        .submit(
            "/admin/institutions/new",
            "/admin/institutions",
            &[
                ("name", evil),
                ("kind", "council"),
                ("home_lad", "E07000123"),
                ("fy_start_month", "4"),
            ],
        )
        .await;
    assert_eq!(res.status, 303);
    let csv = admin.get("/admin/audit.csv?entity_type=institution").await;
    assert_eq!(csv.status, 200);
    assert!(csv.header("content-type").unwrap().starts_with("text/csv"));
    assert!(csv
        .header("content-disposition")
        .unwrap()
        .contains("attachment; filename=\"audit-log-"));
    let text = csv.body.trim_start_matches('\u{feff}');
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(headers, localspend::handlers::admin::audit::CSV_HEADER);
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), 1);
    let summary = &records[0][8];
    assert_eq!(
        summary,
        format!("Created institution {evil}"),
        "text not starting with = is left alone"
    );
    let after = &records[0][10];
    assert!(after.starts_with("{"), "JSON cell: {after}");
    for cell in records[0].iter() {
        assert!(
            !cell.starts_with('=') && !cell.starts_with('+') && !cell.starts_with('@'),
            "unsafe cell {cell:?}"
        );
    }

    // An actor name starting with a formula character is neutralised.
    app.with_conn(|c| {
        db::audit::record(
            c,
            &db::audit::Actor::system("=cmd|' /C calc'!A0"),
            db::audit::Change::new("update", "test", 1).summary("-2+3"),
        )
        .unwrap()
    });
    let csv = admin.get("/admin/audit.csv?entity_type=test").await;
    let text = csv.body.trim_start_matches('\u{feff}');
    let record = csv::Reader::from_reader(text.as_bytes())
        .records()
        .next()
        .unwrap()
        .unwrap();
    assert_eq!(&record[3], "'=cmd|' /C calc'!A0");
    assert_eq!(&record[8], "'-2+3");
}

#[actix_web::test]
async fn a_long_log_exports_in_full_across_batches() {
    let app = spawn_app().await;
    let (admin, _) = app.signed_in("root", Role::Admin, None).await;
    app.with_conn(|c| {
        db::write_tx(c, |c| {
            for i in 0..2_345 {
                db::audit::record(
                    c,
                    &db::audit::Actor::system("bulk"),
                    db::audit::Change::new("update", "bulk", i),
                )?;
            }
            Ok::<_, diesel::result::Error>(())
        })
        .unwrap()
    });
    let csv = admin.get("/admin/audit.csv?entity_type=bulk").await;
    let text = csv.body.trim_start_matches('\u{feff}');
    let ids: Vec<String> = csv::Reader::from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap()[6].to_owned())
        .collect();
    assert_eq!(ids.len(), 2_345);
    assert_eq!(ids.first().map(String::as_str), Some("0"));
    assert_eq!(ids.last().map(String::as_str), Some("2344"));
}

#[actix_web::test]
async fn the_log_reads_field_by_field_in_words_links_to_the_record_and_can_hide_sign_ins() {
    let app = spawn_app().await;
    let (admin, _) = app.signed_in("root", Role::Admin, None).await;
    let id = create_then_change_an_institution(&app, &admin).await;
    // A failed sign-in and a sign-in, to hide.
    app.client().login("root", "not the password").await;
    let page = admin.get("/admin/audit").await;
    assert_eq!(page.status, 200);
    let b = &page.body;
    let update = &b[b
        .find(&format!(
            "Changed: <a href=\"/admin/institutions/{id}/edit\">Institution {id}</a>"
        ))
        .expect("the change names its record in words and links to it")..];
    let update = &update[..update.find("</tr>").unwrap()];
    assert!(
        update.contains("<li><strong>Fy start month</strong>: 4 → 1</li>"),
        "{update}"
    );
    assert!(update.contains("<li><strong>Version</strong>: 1 → 2</li>"));
    assert!(
        !update.contains("<strong>Name</strong>"),
        "unchanged fields are not listed: {update}"
    );
    assert!(b.contains("Sign-in failed: <a href=\"/admin/users/"), "{b}");
    assert!(b.contains("<option value=\"import_batch\"") || !b.contains("import_batch"));
    assert!(b.contains("<option value=\"institution\">Institution</option>"));

    let hidden = admin.get("/admin/audit?sign_ins=hide").await;
    assert_eq!(hidden.status, 200);
    let h = &hidden.body;
    assert!(
        h.contains("id=\"sign_ins\" name=\"sign_ins\" type=\"checkbox\" value=\"hide\" checked")
    );
    assert!(
        !h.contains("Signed in: Sign-in") && !h.contains("Sign-in failed: <a"),
        "{h}"
    );
    assert!(h.contains(&format!("Institution {id}</a>")));
    // The filter carries into the export.
    assert!(h.contains("sign_ins=hide\">Download these entries as CSV</a>"));
    let csv = admin.get("/admin/audit.csv?sign_ins=hide").await;
    assert!(!csv.body.contains(",login,") && !csv.body.contains("login_failed"));
    assert!(admin
        .get("/admin/audit.csv")
        .await
        .body
        .contains("login_failed"));
}
