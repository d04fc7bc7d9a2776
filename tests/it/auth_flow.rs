//! Sign-in, sessions, CSRF, throttling, first-run setup and security headers.

use localspend::db::{self, throttle};
use localspend::domain::Role;

use crate::common::{csrf_token, spawn_app, spawn_app_with, TestClient, PASSWORD};

const FAILED: &str = "The username or password is not right";
const THROTTLED: &str = "Too many failed attempts to sign in";

#[actix_web::test]
async fn first_run_setup_link_creates_the_first_admin_once() {
    let app = spawn_app().await;
    let path = app
        .setup_path
        .clone()
        .expect("a setup link when there are no users");
    let browser = app.client();

    // A bad submission keeps what was typed and names the problem.
    let res = browser
        .submit(
            &path,
            &path,
            &[
                ("username", "ada"),
                ("display_name", "Ada Admin"),
                ("password", "short"),
                ("confirm", "short"),
            ],
        )
        .await;
    assert_eq!(res.status, 422);
    assert!(res.body.contains("at least 12 characters"), "{}", res.body);
    assert!(res.body.contains("value=\"Ada Admin\""));

    let fields = [
        ("username", "ada"),
        ("display_name", "Ada Admin"),
        ("password", PASSWORD),
        ("confirm", PASSWORD),
    ];
    let res = browser.submit(&path, &path, &fields).await;
    assert_eq!(res.status, 303, "{}", res.body);
    assert_eq!(res.location(), Some("/"));
    let home = browser.get("/").await;
    assert_eq!(home.status, 200);
    assert!(home.body.contains("Welcome, Ada Admin"));
    assert!(
        home.body.contains("administrator account is ready"),
        "flash shown once"
    );
    assert!(
        !browser
            .get("/")
            .await
            .body
            .contains("administrator account is ready"),
        "flash cleared"
    );

    // The link is spent: a second visit and a replayed post both fail.
    let other = app.client();
    assert_eq!(other.get(&path).await.status, 404);
    let token = other.csrf_from("/login").await;
    let mut replay = vec![("csrf_token", token.as_str())];
    replay.extend_from_slice(&[
        ("username", "eve"),
        ("display_name", "Eve"),
        ("password", PASSWORD),
        ("confirm", PASSWORD),
    ]);
    assert_eq!(other.post_form(&path, &replay).await.status, 404);
    assert_eq!(app.with_conn(|c| db::users::count(c).unwrap()), 1);
    let created = app.audit_rows("user");
    assert_eq!(created.len(), 1);
    assert_eq!(created[0].actor_name, "first-run setup");
}

#[actix_web::test]
async fn no_setup_link_once_a_user_exists() {
    let app = spawn_app().await;
    app.add_user("root", Role::Admin, None);
    // A second instance starting on the same database issues no link.
    let again =
        localspend::startup::Application::build(crate::common::test_config(&app.db.url)).unwrap();
    assert!(again.setup_path.is_none());
    assert_eq!(app.client().get("/setup/0123abcd").await.status, 404);
}

#[actix_web::test]
async fn sign_in_and_out_with_a_renewed_session() {
    let app = spawn_app().await;
    app.add_user(
        "clerk1",
        Role::Clerk,
        Some(app.add_institution("Preston City Council", "E07000123")),
    );
    let browser = app.client();

    let res = browser.get("/admin/users?x=1").await;
    assert_eq!(res.status, 303);
    assert_eq!(res.location(), Some("/login?next=/admin/users%3Fx%3D1"));

    // A session cookie planted before sign-in is not kept (no fixation).
    browser.set_cookie("ls_session", "attacker-chosen");
    let token = browser.csrf_from("/login?next=/account/password").await;
    let res = browser
        .post_form(
            "/login",
            &[
                ("csrf_token", &token),
                ("username", "CLERK1"),
                ("password", PASSWORD),
                ("next", "/account/password"),
            ],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    assert_eq!(res.location(), Some("/account/password"));
    let session = browser.cookie("ls_session").unwrap();
    assert_ne!(session, "attacker-chosen");
    let set = res
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with("ls_session="))
        .unwrap();
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Strict") && set.contains("Path=/"),
        "{set}"
    );

    assert_eq!(browser.get("/").await.status, 200);
    let token = csrf_token(&browser.get("/").await.body);
    let res = browser
        .post_form("/logout", &[("csrf_token", &token)])
        .await;
    assert_eq!(res.status, 303);
    assert!(!browser.has_cookie("ls_session"));
    // The old cookie is dead on the server too.
    let replay = TestClient::new(&app.base);
    replay.set_cookie("ls_session", &session);
    assert_eq!(replay.get("/").await.status, 303);
}

#[actix_web::test]
async fn sign_in_never_follows_next_off_site() {
    let app = spawn_app().await;
    app.add_user("root", Role::Admin, None);
    let browser = app.client();
    let token = browser.csrf_from("/login").await;
    let res = browser
        .post_form(
            "/login",
            &[
                ("csrf_token", &token),
                ("username", "root"),
                ("password", PASSWORD),
                ("next", "//evil.example/"),
            ],
        )
        .await;
    assert_eq!(res.location(), Some("/"));
}

#[actix_web::test]
async fn failures_look_the_same_whether_or_not_the_account_exists() {
    let app = spawn_app().await;
    let disabled = app.add_user("gone", Role::Admin, None);
    app.add_user("root", Role::Admin, None);
    app.with_conn(|c| {
        let changes = db::users::UserChanges {
            display_name: disabled.display_name.clone(),
            role: Role::Admin,
            institution_id: None,
            network_id: None,
            disabled: true,
        };
        db::users::update(
            c,
            &db::audit::Actor::system("test"),
            disabled.id,
            disabled.version,
            &changes,
        )
        .unwrap();
    });
    let browser = app.client();
    let wrong_password = browser.login("root", "not the password at all").await;
    let unknown = browser.login("nobody", "not the password at all").await;
    let disabled_right_password = browser.login("gone", PASSWORD).await;
    for res in [&wrong_password, &unknown, &disabled_right_password] {
        assert_eq!(res.status, 401);
        assert!(res.body.contains(FAILED), "{}", res.body);
        assert!(!browser.has_cookie("ls_session"));
    }
}

#[actix_web::test]
async fn an_account_is_locked_after_repeated_failures_even_with_the_right_password() {
    let app = spawn_app().await;
    app.add_user("root", Role::Admin, None);
    let browser = app.client();
    for _ in 0..throttle::MAX_ACCOUNT_FAILURES {
        assert_eq!(
            browser.login("root", "wrong password guess").await.status,
            401
        );
    }
    let res = browser.login("root", PASSWORD).await;
    assert_eq!(res.status, 429);
    assert!(res.body.contains(THROTTLED));
    assert!(!browser.has_cookie("ls_session"));
    // An unknown name is throttled with the same words, revealing nothing.
    for _ in 0..throttle::MAX_ACCOUNT_FAILURES {
        browser.login("ghost", "wrong password guess").await;
    }
    let res = browser.login("ghost", "wrong password guess").await;
    assert_eq!(res.status, 429);
    assert!(res.body.contains(THROTTLED));
    // The lock is kept in the database, so every app instance sees it.
    let locked = app.with_conn(|c| {
        throttle::is_locked(c, &[throttle::account_key("root")], db::now()).unwrap()
    });
    assert!(locked);
}

#[actix_web::test]
async fn one_address_guessing_many_accounts_is_throttled() {
    let app = spawn_app().await;
    app.add_user("root", Role::Admin, None);
    let browser = app.client();
    for i in 0..throttle::MAX_ADDRESS_FAILURES {
        let res = browser
            .login(&format!("user{i}"), "wrong password guess")
            .await;
        assert_eq!(res.status, 401, "attempt {i}");
    }
    let res = browser.login("root", PASSWORD).await;
    assert_eq!(res.status, 429, "the address is locked for every account");
}

#[actix_web::test]
async fn forms_without_a_valid_csrf_token_are_refused_and_change_nothing() {
    let app = spawn_app().await;
    let (admin, _) = app.signed_in("root", Role::Admin, None).await;
    let fields = [
        ("name", "Preston City Council"),
        ("kind", "council"),
        ("home_lad", "E07000123"),
        ("fy_start_month", "4"),
    ];

    let res = admin.post_form("/admin/institutions", &fields).await;
    assert_eq!(res.status, 403, "missing token");
    assert!(res.body.contains("This form has expired"));

    let mut forged = vec![("csrf_token", "00ff")];
    forged.extend_from_slice(&fields);
    assert_eq!(
        admin.post_form("/admin/institutions", &forged).await.status,
        403,
        "made-up token"
    );

    // A token from another session is useless in this one.
    let (other, _) = app.signed_in("root2", Role::Admin, None).await;
    let theirs = other.csrf_from("/admin/institutions/new").await;
    let mut stolen = vec![("csrf_token", theirs.as_str())];
    stolen.extend_from_slice(&fields);
    assert_eq!(
        admin.post_form("/admin/institutions", &stolen).await.status,
        403,
        "another session's token"
    );

    // The sign-in form is protected too.
    let anon = app.client();
    let res = anon
        .post_form("/login", &[("username", "root"), ("password", PASSWORD)])
        .await;
    assert_eq!(res.status, 403);

    assert!(app
        .with_conn(|c| db::institutions::list(c, &localspend::domain::account::Reach::All).unwrap())
        .is_empty());
    let ok = admin
        .submit("/admin/institutions/new", "/admin/institutions", &fields)
        .await;
    assert_eq!(
        ok.status, 303,
        "the same form with its own token works: {}",
        ok.body
    );
}

#[actix_web::test]
async fn changing_a_password_ends_every_other_session() {
    let app = spawn_app().await;
    let (laptop, _) = app.signed_in("clerk", Role::Admin, None).await;
    let phone = app.client();
    assert_eq!(phone.login("clerk", PASSWORD).await.status, 303);
    assert_eq!(phone.get("/").await.status, 200);

    let wrong = laptop
        .submit(
            "/account/password",
            "/account/password",
            &[
                ("current", "not it"),
                ("password", "a brand new passphrase"),
                ("confirm", "a brand new passphrase"),
            ],
        )
        .await;
    assert_eq!(wrong.status, 422);
    assert!(wrong.body.contains("current password is not right"));

    let res = laptop
        .submit(
            "/account/password",
            "/account/password",
            &[
                ("current", PASSWORD),
                ("password", "a brand new passphrase"),
                ("confirm", "a brand new passphrase"),
            ],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    assert_eq!(
        laptop.get("/").await.status,
        200,
        "the browser that changed it stays signed in"
    );
    assert_eq!(
        phone.get("/").await.status,
        303,
        "every other session ended"
    );
    assert_eq!(app.client().login("clerk", PASSWORD).await.status, 401);
    assert_eq!(
        app.client()
            .login("clerk", "a brand new passphrase")
            .await
            .status,
        303
    );
    let rows = app.audit_rows("user");
    let change = rows
        .iter()
        .find(|r| r.action == "password_change")
        .expect("audited");
    assert!(
        !change
            .after_json
            .as_deref()
            .unwrap_or("")
            .contains("argon2"),
        "hashes are never audited"
    );
}

#[actix_web::test]
async fn responses_carry_security_headers() {
    let app = spawn_app().await;
    let res = app.client().get("/login").await;
    let csp = res.header("content-security-policy").unwrap();
    assert!(
        csp.contains("frame-ancestors 'none'")
            && csp.contains("default-src 'none'")
            && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    assert_eq!(res.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(res.header("x-frame-options"), Some("DENY"));
    assert_eq!(res.header("referrer-policy"), Some("same-origin"));
    assert!(!res.body.contains("<script"), "no inline script");
    let anon = res
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with("ls_anon="))
        .expect("anonymous CSRF cookie");
    assert!(anon.contains("HttpOnly") && anon.contains("SameSite=Strict"));
    let css = app.client().get("/static/app.css").await;
    assert_eq!(css.status, 200);
    assert!(css.header("content-type").unwrap().starts_with("text/css"));
}

#[actix_web::test]
async fn health_check_and_not_found_page() {
    let app = spawn_app().await;
    let res = app.client().get("/healthz").await;
    assert_eq!(res.status, 200);
    assert!(res.body.contains("\"status\":\"ok\""));
    let missing = app.client().get("/no/such/page").await;
    assert_eq!(missing.status, 404);
    assert!(missing.body.contains("Page not found"));
}

#[actix_web::test]
async fn a_second_instance_on_the_same_database_honours_sessions_and_forms() {
    let app = spawn_app().await;
    let (browser, _) = app.signed_in("root", Role::Admin, None).await;
    let token = browser.csrf_from("/admin/institutions/new").await;

    // Another app instance (or a restart) on the same database: the secret key
    // and sessions live there, so nobody is signed out and open forms still work.
    let second =
        localspend::startup::Application::build(crate::common::test_config(&app.db.url)).unwrap();
    let base = format!("http://127.0.0.1:{}", second.port());
    actix_web::rt::spawn(second.run_until_stopped());
    let other = TestClient::new(&base);
    other.set_cookie("ls_session", &browser.cookie("ls_session").unwrap());
    assert_eq!(other.get("/").await.status, 200);
    let res = other
        .post_form(
            "/admin/institutions",
            &[
                ("csrf_token", &token),
                ("name", "Preston City Council"),
                ("kind", "council"),
                ("home_lad", "E07000123"),
                ("fy_start_month", "4"),
            ],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
}

#[actix_web::test]
async fn behind_a_trusted_proxy_each_client_is_throttled_on_its_own_address() {
    let app = spawn_app_with(|c| c.trusted_proxies = vec!["127.0.0.1".parse().unwrap()]).await;
    app.add_user("root", Role::Admin, None);
    let attacker = app.client();
    attacker.set_header("X-Forwarded-For", "198.51.100.66");
    for i in 0..throttle::MAX_ADDRESS_FAILURES {
        assert_eq!(
            attacker
                .login(&format!("user{i}"), "wrong password guess")
                .await
                .status,
            401
        );
    }
    assert_eq!(
        attacker.login("root", PASSWORD).await.status,
        429,
        "the attacker's address is locked"
    );
    let colleague = app.client();
    colleague.set_header("X-Forwarded-For", "198.51.100.10");
    assert_eq!(
        colleague.login("root", PASSWORD).await.status,
        303,
        "another client behind the same proxy is not"
    );
    // A forged earlier hop does not escape the lock.
    attacker.set_header("X-Forwarded-For", "203.0.113.1, 198.51.100.66");
    assert_eq!(attacker.login("root", PASSWORD).await.status, 429);
}
