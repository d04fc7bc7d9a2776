//! The `localspend` binary's commands, run as a person would run them.

use std::io::Write;
use std::process::{Command, Stdio};

use localspend::db;

use crate::common::{add_preston, fresh_database, spawn_app, TestClient};

pub(crate) fn localspend(
    db_url: &str,
    args: &[&str],
    stdin: Option<&str>,
) -> (bool, String, String) {
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
        &["demo", "--help"],
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
    assert!(err.contains("choose an institution or a network"), "{err}");

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

/// Whether the index of spend lines by supplier is there and used to find
/// a supplier's lines. A large import on SQLite drops it while it loads and
/// builds it again in the same transaction.
fn supplier_index_in_use(c: &mut db::DbConn) -> bool {
    use diesel::prelude::*;
    #[derive(QueryableByName)]
    struct Text {
        #[diesel(sql_type = diesel::sql_types::Text)]
        text: String,
    }
    let plan = if db::Backend::of(c) == db::Backend::Sqlite {
        "EXPLAIN QUERY PLAN SELECT id FROM spend_lines WHERE supplier_id = 7"
    } else {
        "SELECT indexname AS text FROM pg_indexes WHERE indexname = 'spend_lines_supplier'"
    };
    let rows: Vec<String> = match c {
        db::DbConn::Sqlite(s) => {
            #[derive(QueryableByName)]
            struct Step {
                #[diesel(sql_type = diesel::sql_types::Text)]
                detail: String,
            }
            diesel::sql_query(plan)
                .load::<Step>(s)
                .unwrap()
                .into_iter()
                .map(|s| s.detail)
                .collect()
        }
        #[allow(unreachable_patterns)]
        _ => diesel::sql_query(plan)
            .load::<Text>(c)
            .unwrap()
            .into_iter()
            .map(|t| t.text)
            .collect(),
    };
    rows.iter().any(|r| r.contains("spend_lines_supplier"))
}

/// A spend file of `lines` payments to `suppliers` suppliers.
fn spend_file(lines: usize, suppliers: usize) -> String {
    let mut out =
        String::from("Payment Date,Supplier Name,Net Amount,Service Area,Transaction Number\n");
    for i in 0..lines {
        out.push_str(&format!(
            "{:02}/04/2024,Supplier {} Ltd,{}.{:02},Department {},T{i}\n",
            i % 28 + 1,
            i % suppliers,
            (i * 37) % 5000 + 500,
            i % 100,
            i % 7
        ));
    }
    out
}

/// `localspend import spend FILE --institution ID`.
fn import_spend(db_url: &str, file: &std::path::Path, institution: &str) -> (bool, String, String) {
    localspend(
        db_url,
        &[
            "import",
            "spend",
            file.to_str().unwrap(),
            "--institution",
            institution,
        ],
        None,
    )
}

#[test]
fn import_spend_reports_what_it_did_and_refuses_what_it_cannot_read() {
    let db = fresh_database();
    let (ok, _, err) = localspend(&db.url, &["migrate"], None);
    assert!(ok, "{err}");
    let institution = add_preston(&db.url);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("april.csv");
    std::fs::write(&file, spend_file(50, 5)).unwrap();
    let path = file.to_str().unwrap();
    let inst = institution.to_string();
    let (ok, out, err) = localspend(
        &db.url,
        &["import", "spend", path, "--institution", &inst, "--dry-run"],
        None,
    );
    assert!(ok, "{err}");
    assert!(out.contains("50 payments"), "{out}");
    assert!(out.contains("Dry run: nothing was imported"), "{out}");
    let (ok, out, err) = localspend(
        &db.url,
        &["import", "spend", path, "--institution", &inst],
        None,
    );
    assert!(ok, "{err}");
    assert!(out.contains("50 lines added"), "{out}");
    assert!(out.contains("5 new suppliers"), "{out}");
    let (ok, out, err) = localspend(
        &db.url,
        &["import", "spend", path, "--institution", &inst],
        None,
    );
    assert!(ok, "{err}");
    assert!(
        out.contains("0 lines added") && out.contains("50 already on record skipped"),
        "{out}"
    );
    let ambiguous = dir.path().join("ambiguous.csv");
    std::fs::write(&ambiguous, "Date,Supplier,Amount\n01/04/2024,A,1.00\n").unwrap();
    let (ok, _, err) = import_spend(&db.url, &ambiguous, &inst);
    assert!(!ok);
    assert!(err.contains("--dates day-first"), "{err}");
    let (ok, out, err) = localspend(
        &db.url,
        &[
            "import",
            "spend",
            ambiguous.to_str().unwrap(),
            "--institution",
            &inst,
            "--dates",
            "day-first",
        ],
        None,
    );
    assert!(ok, "{err}");
    assert!(out.contains("1 lines added"), "{out}");
}

/// The import process killed while committing leaves either the whole
/// batch or none of it: the commit is one transaction.
#[test]
fn an_import_killed_mid_commit_leaves_all_of_the_batch_or_none() {
    use diesel::prelude::*;
    use localspend::db::schema::{spend_lines as l, suppliers as s};
    use std::io::{BufRead, BufReader};

    let db = fresh_database();
    let (ok, _, err) = localspend(&db.url, &["migrate"], None);
    assert!(ok, "{err}");
    let pool = db::build_pool(
        &localspend::config::DatabaseUrl::parse(&db.url).unwrap(),
        Some(1),
    )
    .unwrap();
    let institution = add_preston(&db.url);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("big.csv");
    const LINES: i64 = 40_000;
    std::fs::write(&file, spend_file(LINES as usize, 400)).unwrap();
    let counts = || {
        let mut c = pool.get().unwrap();
        let lines: i64 = l::table.count().get_result(&mut c).unwrap();
        let suppliers: i64 = s::table.count().get_result(&mut c).unwrap();
        (lines, suppliers)
    };
    let mut killed_mid_commit = 0;
    for delay_ms in [50_u64, 400] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_localspend"))
            .args([
                "import",
                "spend",
                file.to_str().unwrap(),
                "--institution",
                &institution.to_string(),
            ])
            .env("LOCALSPEND_DATABASE_URL", &db.url)
            .env("LOCALSPEND_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        loop {
            line.clear();
            assert!(
                out.read_line(&mut line).unwrap() > 0,
                "the import ended before committing"
            );
            if line.starts_with("Committing") {
                break;
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let finished = child.try_wait().unwrap().is_some();
        child.kill().unwrap();
        let status = child.wait().unwrap();
        let (lines, suppliers) = counts();
        assert!(
            (lines, suppliers) == (0, 0) || (lines, suppliers) == (LINES, 400),
            "after a kill {delay_ms} ms into the commit: {lines} lines and {suppliers} suppliers"
        );
        assert!(
            supplier_index_in_use(&mut pool.get().unwrap()),
            "after a kill {delay_ms} ms into the commit the supplier index is gone"
        );
        if !finished && !status.success() && lines == 0 {
            killed_mid_commit += 1;
        }
    }
    assert!(
        killed_mid_commit > 0,
        "no run was caught mid-commit; make the file bigger"
    );
    // The interrupted batch left nothing behind; the same file imports whole.
    let (ok, out, err) = localspend(
        &db.url,
        &[
            "import",
            "spend",
            file.to_str().unwrap(),
            "--institution",
            &institution.to_string(),
        ],
        None,
    );
    assert!(ok, "{err}");
    assert!(out.contains(&format!("{LINES} lines added")), "{out}");
    assert_eq!(counts(), (LINES, 400));
    assert!(supplier_index_in_use(&mut pool.get().unwrap()));
}

/// The command line reads a file once, checking each row as it writes it:
/// rows that cannot be read are all listed and nothing (no line, no new
/// supplier) is kept; a file whose dates prove month first is read again
/// that way; the committed batch keeps the figures of what it committed.
#[test]
fn import_spend_checks_as_it_writes_and_keeps_nothing_from_a_bad_file() {
    use diesel::prelude::*;
    use localspend::db::schema::{import_batches as b, spend_lines as l, suppliers as s};

    let db = fresh_database();
    let (ok, _, err) = localspend(&db.url, &["migrate"], None);
    assert!(ok, "{err}");
    let inst = add_preston(&db.url).to_string();
    let pool = db::build_pool(
        &localspend::config::DatabaseUrl::parse(&db.url).unwrap(),
        Some(1),
    )
    .unwrap();
    let counts = || {
        let mut c = pool.get().unwrap();
        let lines: i64 = l::table.count().get_result(&mut c).unwrap();
        let suppliers: i64 = s::table.count().get_result(&mut c).unwrap();
        (lines, suppliers)
    };
    let dir = tempfile::tempdir().unwrap();
    let mut text = spend_file(30, 3);
    text = text.replacen("Supplier 1 Ltd,537.01", "Supplier 1 Ltd,five pounds", 1);
    text.push_str("29/04/2024,Late Supplier Ltd,12.00,Department 1,T98\n");
    text.push_str("30/04/2024,Late Supplier Ltd,1O.00,Department 1,T99\n");
    assert!(text.contains("five pounds"), "the file did not change");
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, &text).unwrap();
    let (ok, out, err) = import_spend(&db.url, &bad, &inst);
    assert!(!ok, "{out}");
    assert!(out.contains("2 rows cannot be read"), "{out}");
    assert!(out.contains("row 3:") && out.contains("row 33:"), "{out}");
    assert!(err.contains("Nothing was imported"), "{err}");
    assert_eq!(counts(), (0, 0), "a refused file left lines or suppliers");

    // 13/25 cannot be day first: the whole file is read month first.
    let us = dir.path().join("us.csv");
    std::fs::write(
        &us,
        "Date,Supplier,Amount\n04/01/2024,A Ltd,1.00\n12/25/2024,B Ltd,2.50\n",
    )
    .unwrap();
    let (ok, out, err) = import_spend(&db.url, &us, &inst);
    assert!(ok, "{err}");
    assert!(out.contains("2 lines added"), "{out}");
    assert!(out.contains("dated 01/04/2024 to 25/12/2024"), "{out}");
    let mut c = pool.get().unwrap();
    let dates: Vec<chrono::NaiveDate> = l::table
        .select(l::payment_date)
        .order(l::payment_date)
        .load(&mut c)
        .unwrap();
    assert_eq!(
        dates,
        [
            chrono::NaiveDate::from_ymd_opt(2024, 4, 1).unwrap(),
            chrono::NaiveDate::from_ymd_opt(2024, 12, 25).unwrap()
        ]
    );
    let (status, figures): (String, String) = b::table
        .order(b::id.desc())
        .select((b::status, b::preview))
        .first(&mut c)
        .unwrap();
    assert_eq!(status, "committed");
    let figures: serde_json::Value = serde_json::from_str(&figures).unwrap();
    assert_eq!(figures["lines"], 2);
    assert_eq!(figures["total_pence"], 350);
    assert_eq!(figures["date_order"], "month_first");
}

/// Every field of a line lands in its own column, whether every row of
/// the file fills it, some do or none do (a column empty on every line of a
/// batch is written differently from one that varies).
#[test]
fn import_spend_keeps_every_field_whether_filled_on_some_rows_or_none() {
    use diesel::prelude::*;
    use localspend::db::schema::spend_lines as l;

    let db = fresh_database();
    let (ok, _, err) = localspend(&db.url, &["migrate"], None);
    assert!(ok, "{err}");
    let inst = add_preston(&db.url).to_string();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("fields.csv");
    std::fs::write(
        &file,
        "Payment Date,Invoice Date,Supplier Name,Net Amount,Irrecoverable VAT,Transaction Number,Invoice Number,Service Area,Expense Type,Expense Code,Merchant Category,Description,Capital or Revenue,Notes\n\
         01/05/2024,20/04/2024,Acme Ltd,100.00,20.00,T1,INV-1,Highways,Materials,E100,Hardware,Grit,capital,\n\
         02/05/2024,,Beta Ltd,\"1,250.50\",,T2,,Parks,,,,\"Mowing, May\",,\n\
         03/05/2024,,Acme Ltd,-5.00,,T3,INV-3,,Materials,E100,,,revenue,\n",
    )
    .unwrap();
    let (ok, out, err) = import_spend(&db.url, &file, &inst);
    assert!(ok, "{out}\n{err}");
    assert!(out.contains("3 lines added"), "{out}");
    let pool = db::build_pool(
        &localspend::config::DatabaseUrl::parse(&db.url).unwrap(),
        Some(1),
    )
    .unwrap();
    let mut c = pool.get().unwrap();
    type Row = (
        (
            chrono::NaiveDate,
            Option<chrono::NaiveDate>,
            i64,
            Option<i64>,
        ),
        (String, Option<String>, Option<String>, Option<String>),
        (Option<String>, Option<String>, Option<String>),
        (Option<String>, Option<String>, Option<i64>),
    );
    let rows: Vec<Row> = l::table
        .order(l::import_row)
        .select((
            (
                l::payment_date,
                l::invoice_date,
                l::amount_pence,
                l::irrecoverable_vat_pence,
            ),
            (
                l::supplier_name,
                l::transaction_ref,
                l::invoice_ref,
                l::department,
            ),
            (l::expense_type, l::expense_code, l::category),
            (l::description, l::capital_revenue, l::import_row),
        ))
        .load(&mut c)
        .unwrap();
    let date = |d, m| chrono::NaiveDate::from_ymd_opt(2024, m, d).unwrap();
    let some = |s: &str| Some(s.to_owned());
    assert_eq!(
        rows,
        vec![
            (
                (date(1, 5), Some(date(20, 4)), 10_000, Some(2_000)),
                (
                    "Acme Ltd".into(),
                    some("T1"),
                    some("INV-1"),
                    some("Highways")
                ),
                (some("Materials"), some("E100"), some("Hardware")),
                (some("Grit"), some("capital"), Some(2)),
            ),
            (
                (date(2, 5), None, 125_050, None),
                ("Beta Ltd".into(), some("T2"), None, some("Parks")),
                (None, None, None),
                (some("Mowing, May"), None, Some(3)),
            ),
            (
                (date(3, 5), None, -500, None),
                ("Acme Ltd".into(), some("T3"), some("INV-3"), None),
                (some("Materials"), some("E100"), None),
                (None, some("revenue"), Some(4)),
            ),
        ]
    );
}
