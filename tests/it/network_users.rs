//! Network-wide managers and auditors: a user attached to a network rather
//! than an institution sees every member's lines and owns the network's
//! targets and audit export, and nothing outside the network.

use crate::common::*;
use crate::hardening::{network_of_three, A_ONLY};
use localspend::db;
use localspend::domain::Role;

#[actix_web::test]
async fn an_installation_admin_makes_network_wide_managers_and_auditors_only() {
    let n = network_of_three().await;
    let works_for = format!("network-{}", n.network);
    let (root, _) = n.app.signed_in("root", Role::Admin, None).await;
    let form = root.get("/admin/users/new").await;
    assert!(form.body.contains(&format!("value=\"{works_for}\"")));
    assert!(form
        .body
        .contains("Across a network (managers and auditors)"));
    let add = |username: &'static str, role: &'static str| {
        let works_for = works_for.clone();
        let root = &root;
        async move {
            root.submit(
                "/admin/users/new",
                "/admin/users",
                &[
                    ("username", username),
                    ("display_name", "Network Person"),
                    ("role", role),
                    ("institution_id", &works_for),
                    ("password", PASSWORD),
                    ("confirm", PASSWORD),
                ],
            )
            .await
        }
    };
    let res = add("net-auditor", "auditor").await;
    assert_eq!(res.status, 303, "{}", res.body);
    let created = n
        .app
        .with_conn(|c| db::users::find_by_username(c, "net-auditor").unwrap())
        .expect("created");
    assert_eq!(created.network_id, Some(n.network));
    assert_eq!(created.institution_id, None);
    let res = add("net-clerk", "clerk").await;
    assert_eq!(res.status, 422, "a clerk enters one institution's spend");
    assert!(res.body.contains("value=\"Network Person\""), "input kept");
    assert!(res
        .body
        .contains("Only managers and auditors work across a network"));
    let list = root.get("/admin/users").await;
    assert!(list.body.contains("Preston anchors (network-wide)"));
    // An institution's admin cannot make network-wide users.
    let (admin_a, _) = n.app.signed_in("admin-a", Role::Admin, Some(n.a)).await;
    let form = admin_a.get("/admin/users/new").await;
    assert!(!form.body.contains(&works_for));
    let res = admin_a
        .submit(
            "/admin/users/new",
            "/admin/users",
            &[
                ("username", "sneaky"),
                ("display_name", "Sneaky"),
                ("role", "manager"),
                ("institution_id", &works_for),
                ("password", PASSWORD),
                ("confirm", PASSWORD),
            ],
        )
        .await;
    assert_eq!(res.status, 422);
    assert!(n
        .app
        .with_conn(|c| db::users::find_by_username(c, "sneaky").unwrap())
        .is_none());
}

#[actix_web::test]
async fn a_network_auditor_reads_every_members_lines_and_nothing_outside() {
    use crate::spend_ledger::add_line;
    let n = network_of_three().await;
    let net = n.network;
    let (clerk_c, _) = n.app.signed_in("clerk-c", Role::Clerk, Some(n.c)).await;
    add_line(
        &clerk_c,
        n.c,
        &[
            ("payment_date", "03/05/2024"),
            ("amount", "70"),
            ("supplier", "Acme Ltd"),
            ("department", "MARKER-OF-C department"),
        ],
    )
    .await;
    let auditor = n
        .app
        .signed_in_network("net-auditor", Role::Auditor, net)
        .await;
    let audit = auditor
        .get(&format!("/reports/audit.csv?network={net}&fy=2024"))
        .await;
    assert_eq!(audit.status, 200, "{}", audit.body);
    // A's line, with who at A classified its supplier; nothing of C's.
    assert!(
        audit
            .body
            .contains("\nPreston City Council,1,2024-05-01,Acme Ltd,"),
        "{}",
        audit.body
    );
    assert!(audit.body.contains("Alice Example (alice)"));
    assert!(!audit.body.contains("Manchester City Council"));
    let categories = auditor
        .get(&format!("/reports/categories?network={net}&fy=2024"))
        .await;
    assert_eq!(categories.status, 200);
    assert!(categories.body.contains(&format!("{A_ONLY} department")));
    // Each member's own export, but not an outsider's.
    let own_a = auditor
        .get(&format!("/reports/audit.csv?institution={}&fy=2024", n.a))
        .await;
    assert_eq!(own_a.status, 200);
    for outside in [
        format!("/reports/audit.csv?institution={}&fy=2024", n.c),
        format!("/reports?institution={}&fy=2024", n.c),
    ] {
        let res = auditor.get(&outside).await;
        assert_eq!(res.status, 403, "{outside}");
    }
    // The ledger's institution filter offers and applies members only.
    let filtered = auditor.get(&format!("/spend?institution={}", n.c)).await;
    assert!(!filtered.body.contains("MARKER-OF-C"));
    assert!(!filtered.body.contains("Manchester City Council"));
    // The ledger lists members' lines only, even with no institution chosen.
    let ledger = auditor.get("/spend").await;
    assert_eq!(ledger.status, 200);
    assert!(ledger.body.contains(&format!("{A_ONLY} department")));
    assert!(!ledger.body.contains("MARKER-OF-C"));
    // The supplier page names A's own supplier id to the network's auditor.
    let page = auditor.get(&format!("/suppliers/{}", n.supplier)).await;
    assert!(page.body.contains(&format!("{A_ONLY}-VENDOR")));
    // The audit log holds the members' entries, not C's.
    let log = auditor.get("/admin/audit?entity_type=spend_line").await;
    assert_eq!(log.status, 200);
    assert!(log.body.contains("MARKER-OF-A"), "{}", log.body);
    assert!(!log.body.contains("MARKER-OF-C"));
    // Reports open on the network.
    let reports = auditor.get("/reports?fy=2024").await;
    assert_eq!(reports.status, 200);
    assert!(reports.body.contains("Preston anchors"), "{}", reports.body);
    // A network auditor changes nothing.
    let res = auditor.get("/spend/new").await;
    assert_eq!(res.status, 403);
}

#[actix_web::test]
async fn a_network_manager_sets_its_targets_and_follows_its_membership() {
    let n = network_of_three().await;
    let net = n.network.to_string();
    let manager = n
        .app
        .signed_in_network("net-manager", Role::Manager, n.network)
        .await;
    let form = format!("/reports?network={net}&fy=2024");
    let page = manager.get(&form).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Set targets for this year"));
    let token = csrf_token(&page.body);
    let fields = vec![
        ("csrf_token".to_owned(), token),
        ("owner_kind".into(), "network".into()),
        ("owner_id".into(), net.clone()),
        ("fy".into(), "2024".into()),
        ("version".into(), "1".into()),
        ("target_1".into(), "50".into()),
    ];
    let res = crate::spend_ledger::post(&manager, "/reports/targets", fields).await;
    assert_eq!(res.status, 303, "{}", res.body);
    // Not a member institution's own targets: those are its managers'.
    let token = manager.csrf_from(&form).await;
    let own = vec![
        ("csrf_token".to_owned(), token),
        ("owner_kind".into(), "institution".into()),
        ("owner_id".into(), n.a.to_string()),
        ("fy".into(), "2024".into()),
        ("version".into(), "1".into()),
        ("target_1".into(), "50".into()),
    ];
    let res = crate::spend_ledger::post(&manager, "/reports/targets", own).await;
    assert_eq!(res.status, 403);
    // Nor does the network's manager close a member's year.
    let close = format!("/spend/years/close?institution={}&fy=2024", n.a);
    assert_eq!(manager.get(&close).await.status, 403);
    let (manager_a, _) = n.app.signed_in("a-manager", Role::Manager, Some(n.a)).await;
    assert_eq!(manager_a.get(&close).await.status, 200);
    // C joins the network: its lines are in reach at the next request.
    let c_reports = format!("/reports?institution={}&fy=2024", n.c);
    assert_eq!(manager.get(&c_reports).await.status, 403);
    n.app.with_conn(|c| {
        let current = db::networks::get(c, n.network).unwrap();
        let input = db::networks::NetworkInput {
            name: "Preston anchors".into(),
            description: String::new(),
            member_ids: vec![n.a, n.b, n.c],
        };
        db::networks::update(
            c,
            &db::audit::Actor::system("test"),
            n.network,
            current.network.version,
            &input,
        )
        .unwrap();
    });
    assert_eq!(manager.get(&c_reports).await.status, 200);
}
