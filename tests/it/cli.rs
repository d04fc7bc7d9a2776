//! The `localspend` binary's commands, run as a person would run them.

use std::io::Write;
use std::process::{Command, Stdio};

use localspend::db;

use crate::common::{fresh_database, spawn_app, TestClient};

fn localspend(db_url: &str, args: &[&str], stdin: Option<&str>) -> (bool, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_localspend"))
        .args(args)
        .env("LOCALSPEND_DATABASE_URL", db_url)
        .env("LOCALSPEND_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run localspend");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    }
    drop(child.stdin.take());
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn every_command_has_help() {
    let db = fresh_database();
    for args in [
        &["--help"][..],
        &["serve", "--help"],
        &["migrate", "--help"],
        &["user", "--help"],
        &["user", "add", "--help"],
        &["user", "passwd", "--help"],
        &["user", "disable", "--help"],
        &["user", "list", "--help"],
    ] {
        let (ok, out, err) = localspend(&db.url, args, None);
        assert!(ok, "{args:?}: {err}");
        assert!(out.contains("Usage:"), "{args:?}: {out}");
    }
}

#[test]
fn migrate_then_user_add_list_passwd_and_disable() {
    let db = fresh_database();
    let (ok, out, err) = localspend(&db.url, &["migrate"], None);
    assert!(ok, "{err}");
    assert!(out.contains("up to date"));

    let (ok, _, err) = localspend(
        &db.url,
        &[
            "user",
            "add",
            "--username",
            "clerk",
            "--name",
            "A Clerk",
            "--role",
            "clerk",
        ],
        None,
    );
    assert!(!ok);
    assert!(err.contains("--institution is required"), "{err}");

    let (ok, out, err) = localspend(
        &db.url,
        &[
            "user",
            "add",
            "--username",
            "Root",
            "--name",
            "Root Admin",
            "--role",
            "admin",
            "--password-stdin",
        ],
        Some("a very long passphrase\n"),
    );
    assert!(ok, "{err}");
    assert!(out.contains("Created root (Admin)"), "{out}");

    let (ok, out, _) = localspend(
        &db.url,
        &[
            "user",
            "add",
            "--username",
            "second",
            "--name",
            "Second",
            "--role",
            "admin",
        ],
        None,
    );
    assert!(ok);
    let generated = out
        .lines()
        .find_map(|l| l.strip_prefix("Password: "))
        .expect("a generated password is printed")
        .to_owned();
    assert!(generated.len() >= 20);

    let (ok, out, err) = localspend(&db.url, &["user", "list"], None);
    assert!(ok, "{err}");
    assert!(
        out.contains("root") && out.contains("second") && out.contains("(whole network)"),
        "{out}"
    );

    let (ok, _, err) = localspend(
        &db.url,
        &["user", "passwd", "root", "--password-stdin"],
        Some("short\n"),
    );
    assert!(!ok && err.contains("at least 12"), "{err}");
    let (ok, _, err) = localspend(
        &db.url,
        &["user", "passwd", "root", "--password-stdin"],
        Some("another long passphrase\n"),
    );
    assert!(ok, "{err}");
    let (ok, out, err) = localspend(&db.url, &["user", "disable", "second"], None);
    assert!(ok, "{err}");
    assert!(out.contains("Disabled second"));
    let (ok, _, err) = localspend(&db.url, &["user", "disable", "nobody"], None);
    assert!(!ok && err.contains("no user called `nobody`"));

    let pool = db::build_pool(
        &localspend::config::DatabaseUrl::parse(&db.url).unwrap(),
        Some(1),
    )
    .unwrap();
    let mut conn = pool.get().unwrap();
    let actions: Vec<String> = db::audit::batch_after(&mut conn, &Default::default(), 0, 100)
        .unwrap()
        .into_iter()
        .map(|r| format!("{} {}", r.actor_name, r.action))
        .collect();
    assert_eq!(
        actions,
        [
            "command line create",
            "command line create",
            "command line password_reset",
            "command line disable"
        ]
    );
}

#[actix_web::test]
async fn a_user_added_on_the_command_line_can_sign_in() {
    let app = spawn_app().await;
    let (ok, _, err) = localspend(
        &app.db.url,
        &[
            "user",
            "add",
            "--username",
            "ops",
            "--name",
            "Ops",
            "--role",
            "admin",
            "--password-stdin",
        ],
        Some("a very long passphrase\n"),
    );
    assert!(ok, "{err}");
    let browser = TestClient::new(&app.base);
    assert_eq!(
        browser.login("ops", "a very long passphrase").await.status,
        303
    );
    assert_eq!(browser.get("/admin/users").await.status, 200);
}

#[test]
fn a_postgres_url_without_the_feature_is_a_clear_error() {
    if cfg!(feature = "postgres") {
        return;
    }
    let (ok, _, err) = localspend("postgres://localspend@localhost/x", &["migrate"], None);
    assert!(!ok);
    assert!(err.contains("`postgres` feature"), "{err}");
}
