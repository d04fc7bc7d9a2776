//! The hardening issue: what a security review tries with a clerk's login and
//! a script. Each test here failed on the code before it.

use diesel::RunQueryDsl;
use futures_util::future::join_all;
use localspend::db::throttle;
use localspend::domain::Role;

use crate::common::*;

const THROTTLED: &str = "Too many failed attempts to sign in";

#[actix_web::test]
async fn concurrent_wrong_passwords_are_counted_before_any_is_checked() {
    let app = spawn_app().await;
    app.add_user("root", Role::Admin, None);
    let mut clients = Vec::new();
    for _ in 0..12 {
        let client = app.client();
        let token = client.csrf_from("/login").await;
        clients.push((client, token));
    }
    let attempts = clients.iter().map(|(client, token)| async move {
        client
            .post_form(
                "/login",
                &[
                    ("csrf_token", token),
                    ("username", "root"),
                    ("password", "a wrong guess"),
                ],
            )
            .await
    });
    let statuses: Vec<u16> = join_all(attempts).await.iter().map(|r| r.status).collect();
    let checked = statuses.iter().filter(|&&s| s == 401).count();
    let refused = statuses.iter().filter(|&&s| s == 429).count();
    assert_eq!(checked + refused, 12, "{statuses:?}");
    assert!(
        checked as i64 <= throttle::MAX_ACCOUNT_FAILURES,
        "{checked} passwords were checked against a limit of {}: {statuses:?}",
        throttle::MAX_ACCOUNT_FAILURES
    );
    // Every refused sign-in is in the audit log, against the account.
    let failed = app.audit_rows("user");
    let failed: Vec<_> = failed
        .iter()
        .filter(|r| r.action == "login_failed")
        .collect();
    assert_eq!(failed.len(), 12);
    assert!(failed.iter().all(|r| r.summary.contains("root")));
}

#[actix_web::test]
async fn a_stranger_keeping_an_account_locked_does_not_lock_its_owner_out() {
    let app = spawn_app_with(|c| c.trusted_proxies = vec!["127.0.0.1".parse().unwrap()]).await;
    app.add_user("admin", Role::Admin, None);
    let stranger = app.client();
    stranger.set_header("X-Forwarded-For", "198.51.100.66");
    for _ in 0..throttle::MAX_ACCOUNT_FAILURES * 2 {
        stranger.login("admin", "a wrong guess").await;
    }
    assert_eq!(stranger.login("admin", PASSWORD).await.status, 429);
    // A second stranger's address gets one try at the locked account, no more.
    let other = app.client();
    other.set_header("X-Forwarded-For", "198.51.100.67");
    assert_eq!(other.login("admin", "a wrong guess").await.status, 401);
    assert_eq!(other.login("admin", PASSWORD).await.status, 429);
    // The owner, from an address with no failures, signs in.
    let owner = app.client();
    owner.set_header("X-Forwarded-For", "203.0.113.9");
    assert_eq!(owner.login("admin", PASSWORD).await.status, 303);
}

#[actix_web::test]
async fn an_admin_reset_lifts_a_lock() {
    let app = spawn_app().await;
    let (admin, _) = app.signed_in("root", Role::Admin, None).await;
    let preston = app.add_institution("Preston City Council", "E07000123");
    let clerk = app.add_user("clerk1", Role::Clerk, Some(preston));
    let browser = app.client();
    for _ in 0..=throttle::MAX_ACCOUNT_FAILURES {
        browser.login("clerk1", "a wrong guess").await;
    }
    assert_eq!(browser.login("clerk1", PASSWORD).await.status, 429);
    let new_password = "a brand new passphrase here";
    let res = admin
        .submit(
            &format!("/admin/users/{}/edit", clerk.id),
            &format!("/admin/users/{}/password", clerk.id),
            &[("password", new_password), ("confirm", new_password)],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    assert_eq!(browser.login("clerk1", new_password).await.status, 303);
}

#[actix_web::test]
async fn changing_a_password_is_throttled_like_sign_in() {
    let app = spawn_app().await;
    let preston = app.add_institution("Preston City Council", "E07000123");
    let (clerk, _) = app.signed_in("clerk1", Role::Clerk, Some(preston)).await;
    let change = |current: &'static str| {
        let clerk = &clerk;
        async move {
            clerk
                .submit(
                    "/account/password",
                    "/account/password",
                    &[
                        ("current", current),
                        ("password", "another fine passphrase"),
                        ("confirm", "another fine passphrase"),
                    ],
                )
                .await
        }
    };
    for _ in 0..throttle::MAX_ACCOUNT_FAILURES {
        assert_eq!(change("a wrong guess").await.status, 422);
    }
    let res = change(PASSWORD).await;
    assert_eq!(res.status, 429, "{}", res.body);
    assert!(res.body.contains(THROTTLED));
    // The password is unchanged.
    assert_eq!(app.client().login("clerk1", PASSWORD).await.status, 429);
}

#[actix_web::test]
async fn next_after_sign_in_never_leaves_the_site() {
    let app = spawn_app().await;
    app.add_user("root", Role::Admin, None);
    for next in [
        "/\t/evil.example",
        "/\n/evil.example",
        "/ /evil.example",
        "/\\evil.example",
    ] {
        let browser = app.client();
        let form = browser.get("/login?next=/%09/evil.example").await;
        assert!(!form.body.contains("evil.example"), "{}", form.body);
        let token = csrf_token(&form.body);
        let res = browser
            .post_form(
                "/login",
                &[
                    ("csrf_token", &token),
                    ("username", "root"),
                    ("password", PASSWORD),
                    ("next", next),
                ],
            )
            .await;
        assert_eq!(res.status, 303);
        assert_eq!(res.location(), Some("/"), "next={next:?}");
    }
}

#[actix_web::test]
async fn the_audit_log_is_append_only_in_the_database() {
    let app = spawn_app().await;
    app.signed_in("root", Role::Admin, None).await;
    let before = app.audit_rows("session");
    assert_eq!(before.len(), 1);
    app.with_conn(|c| {
        let update = diesel::sql_query("UPDATE audit_log SET summary = 'rewritten'").execute(c);
        assert!(update.unwrap_err().to_string().contains("append-only"));
        let delete = diesel::sql_query("DELETE FROM audit_log").execute(c);
        assert!(delete.unwrap_err().to_string().contains("append-only"));
    });
    let after = app.audit_rows("session");
    assert_eq!(after.len(), 1);
    assert_eq!(after[0].summary, before[0].summary);
}

#[actix_web::test]
async fn marking_a_company_dissolved_is_audited() {
    let app = spawn_app().await;
    crate::companies::load(&app);
    let twin = crate::companies::supplier(&app, "Twin Limited", "00000002");
    let preston = app.add_institution("Preston City Council", "E07000123");
    let (clerk, _) = app.signed_in("clerk1", Role::Clerk, Some(preston)).await;
    let token = clerk.csrf_from("/companies").await;
    let res = clerk
        .post_form(
            "/companies/proposals/accept",
            &[("csrf_token", &token), ("supplier", &twin.to_string())],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    let rows = app.audit_rows("supplier");
    let dissolved: Vec<_> = rows
        .iter()
        .filter(|r| r.action == "mark_dissolved")
        .collect();
    assert_eq!(dissolved.len(), 1, "{rows:#?}");
    assert_eq!(dissolved[0].entity_id, twin.to_string());
    assert!(dissolved[0].actor_name.contains("clerk1"));
    assert!(
        dissolved[0].summary.contains("00000002"),
        "{}",
        dissolved[0].summary
    );
}

#[actix_web::test]
async fn concurrent_edits_of_one_spend_line_one_wins_and_totals_still_agree() {
    use crate::spend_ledger::{add_line, add_supplier, lines_of, post};
    let app = spawn_app().await;
    let inst = app.add_institution("Preston City Council", "E07000123");
    add_supplier(&app, "Acme Ltd");
    let (first, _) = app.signed_in("first", Role::Clerk, Some(inst)).await;
    add_line(
        &first,
        inst,
        &[
            ("payment_date", "01/04/2024"),
            ("amount", "100"),
            ("supplier", "Acme Ltd"),
        ],
    )
    .await;
    let id = lines_of(&app, inst)[0].id;
    let mut editors = Vec::new();
    for i in 0..6 {
        let (client, _) = app
            .signed_in(&format!("editor{i}"), Role::Clerk, Some(inst))
            .await;
        let token = client.csrf_from(&format!("/spend/{id}/edit")).await;
        editors.push((client, token, format!("{}.00", 200 + i)));
    }
    let path = format!("/spend/{id}");
    let edits = editors.iter().map(|(client, token, amount)| {
        let fields = vec![
            ("csrf_token".to_owned(), token.clone()),
            ("institution_id".into(), inst.to_string()),
            ("payment_date".into(), "01/04/2024".into()),
            ("amount".into(), amount.clone()),
            ("supplier".into(), "Acme Ltd".into()),
            ("payment_type".into(), "procurement".into()),
            ("vat_basis".into(), "net".into()),
            ("version".into(), "1".into()),
        ];
        post(client, &path, fields)
    });
    let results = join_all(edits).await;
    let statuses: Vec<u16> = results.iter().map(|r| r.status).collect();
    assert_eq!(
        statuses.iter().filter(|&&s| s == 303).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|&&s| s == 409).count(),
        5,
        "{statuses:?}"
    );
    for lost in results.iter().filter(|r| r.status == 409) {
        assert!(lost.body.contains("Someone else saved this spend line"));
    }
    let winner = statuses.iter().position(|&s| s == 303).unwrap();
    let line = &lines_of(&app, inst)[0];
    assert_eq!(line.amount_pence, (200 + winner as i64) * 100);
    assert_eq!(line.version, 2);
    app.assert_totals_agree();
}

#[actix_web::test]
async fn concurrent_target_saves_one_wins_the_other_is_told() {
    let app = spawn_app().await;
    let preston = app.add_institution("Preston City Council", "E07000123");
    let form = format!("/reports?institution={preston}&fy=2024");
    let mut managers = Vec::new();
    for i in 0..2 {
        let (client, _) = app
            .signed_in(&format!("manager{i}"), Role::Manager, Some(preston))
            .await;
        let page = client.get(&form).await;
        assert!(
            page.body.contains(r#"name="version" value="1""#),
            "{}",
            page.body
        );
        managers.push((client, csrf_token(&page.body)));
    }
    let saves = managers.iter().enumerate().map(|(i, (client, token))| {
        let target = format!("{}", 40 + i);
        let owner = preston.to_string();
        async move {
            client
                .post_form(
                    "/reports/targets",
                    &[
                        ("csrf_token", token),
                        ("owner_kind", "institution"),
                        ("owner_id", &owner),
                        ("fy", "2024"),
                        ("version", "1"),
                        ("target_1", &target),
                    ],
                )
                .await
        }
    });
    let statuses: Vec<u16> = join_all(saves).await.iter().map(|r| r.status).collect();
    let mut sorted = statuses.clone();
    sorted.sort();
    assert_eq!(sorted, [303, 409], "{statuses:?}");
    assert_eq!(app.audit_rows("report_targets").len(), 1);
}

#[actix_web::test]
async fn two_concurrent_first_run_setups_make_one_admin() {
    let app = spawn_app().await;
    let path = app.setup_path.clone().expect("a setup link");
    let mut browsers = Vec::new();
    for name in ["ada", "eve", "mal", "oscar"] {
        let browser = app.client();
        let token = browser.csrf_from(&path).await;
        browsers.push((browser, token, name));
    }
    let setups = browsers.iter().map(|(browser, token, name)| {
        let path = &path;
        async move {
            browser
                .post_form(
                    path,
                    &[
                        ("csrf_token", token),
                        ("username", name),
                        ("display_name", name),
                        ("password", PASSWORD),
                        ("confirm", PASSWORD),
                    ],
                )
                .await
                .status
        }
    });
    let mut statuses = join_all(setups).await;
    statuses.sort();
    assert_eq!(statuses, [303, 404, 404, 404]);
    assert_eq!(
        app.with_conn(|c| localspend::db::users::count(c).unwrap()),
        1
    );
}

#[actix_web::test]
async fn two_network_admins_disabling_each_other_leave_one() {
    let app = spawn_app().await;
    let (first, a) = app.signed_in("root1", Role::Admin, None).await;
    let (second, b) = app.signed_in("root2", Role::Admin, None).await;
    // Both forms are loaded before either is sent, as two people would.
    let token_first = first
        .csrf_from(&format!("/admin/users/{}/edit", b.id))
        .await;
    let token_second = second
        .csrf_from(&format!("/admin/users/{}/edit", a.id))
        .await;
    let (x, y) = futures_util::future::join(
        disable(&first, &token_first, &b),
        disable(&second, &token_second, &a),
    )
    .await;
    let active = app.with_conn(|c| {
        localspend::db::users::list(c, &localspend::domain::account::Reach::All)
            .unwrap()
            .into_iter()
            .filter(|(u, _)| u.institution_id.is_none() && !u.disabled)
            .count()
    });
    assert_eq!(active, 1, "statuses {x} and {y}");
}

async fn disable(client: &TestClient, token: &str, target: &localspend::db::users::User) -> u16 {
    client
        .post_form(
            &format!("/admin/users/{}", target.id),
            &[
                ("csrf_token", token),
                ("display_name", &target.display_name),
                ("role", "admin"),
                ("institution_id", ""),
                ("disabled", "on"),
                ("version", &target.version.to_string()),
            ],
        )
        .await
        .status
}

#[actix_web::test]
async fn a_formula_in_an_identifier_is_refused_at_entry() {
    let app = spawn_app().await;
    let preston = app.add_institution("Preston City Council", "E07000123");
    let (clerk, _) = app.signed_in("clerk1", Role::Clerk, Some(preston)).await;
    for (field, value) in [
        ("charity_number", "=HYPERLINK(\"http://evil.example\")"),
        ("vat_number", "=1+1"),
        ("company_number", "@SUM(A1)"),
    ] {
        let res = clerk
            .submit(
                "/suppliers/new",
                "/suppliers",
                &[("name", "Formula Trading Ltd"), (field, value)],
            )
            .await;
        assert_eq!(res.status, 422, "{field}: {}", res.body);
        assert!(
            res.body.contains("Formula Trading Ltd"),
            "keeps what was typed"
        );
    }
    let count = app
        .with_conn(|c| localspend::db::suppliers::find_by_name(c, "Formula Trading Ltd").unwrap());
    assert_eq!(count, None, "nothing stored");
}

/// Whether a spreadsheet would run the cell: a formula start that is not a
/// plain negative number.
fn runs_as_formula(cell: &str) -> bool {
    let number = cell.starts_with('-') && cell.parse::<f64>().is_ok();
    cell.starts_with(['=', '+', '@', '-']) && !number
}

/// Every cell of a CSV download, parsed as a spreadsheet would read it.
fn cells(body: &str) -> Vec<String> {
    let body = body.trim_start_matches('\u{feff}');
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(body.as_bytes());
    reader
        .records()
        .flat_map(|r| r.unwrap().iter().map(str::to_owned).collect::<Vec<_>>())
        .collect()
}

#[actix_web::test]
async fn a_formula_already_in_the_database_is_neutralised_in_every_export() {
    use crate::spend_ledger::{add_line, add_supplier};
    let app = spawn_app().await;
    let preston = app.add_institution("Preston City Council", "E07000123");
    let acme = add_supplier(&app, "Acme Ltd");
    let (admin, _) = app.signed_in("root", Role::Admin, None).await;
    add_line(
        &admin,
        preston,
        &[
            ("payment_date", "01/05/2024"),
            ("amount", "-12.50"),
            ("supplier", "Acme Ltd"),
            ("description", "Refund"),
        ],
    )
    .await;
    // As an older version, a direct write or another tool might have left them.
    app.with_conn(|c| {
        diesel::sql_query(format!(
            "UPDATE suppliers SET charity_number = '=HYPERLINK(\"http://evil.example\")', \
             vat_number = '+1+cmd' WHERE id = {acme}"
        ))
        .execute(c)
        .unwrap();
        diesel::sql_query("UPDATE area_tiers SET name = '=cmd|'' /C calc''!A0'")
            .execute(c)
            .unwrap();
        diesel::sql_query("UPDATE spend_lines SET department = '@SUM(1+1)'")
            .execute(c)
            .unwrap();
    });
    let exports = [
        "/spend.csv".to_owned(),
        "/suppliers.csv".to_owned(),
        format!("/reports/audit.csv?institution={preston}&fy=2024"),
        format!("/reports.csv?institution={preston}&fy=2024&table=trend"),
        format!("/reports.csv?institution={preston}&fy=2024&table=headline"),
        format!("/reports.csv?institution={preston}&fy=2024&table=department"),
        "/admin/audit.csv".to_owned(),
    ];
    for path in &exports {
        let res = admin.get(path).await;
        assert_eq!(res.status, 200, "{path}: {}", res.body);
        let all = cells(&res.body);
        assert!(!all.is_empty(), "{path}");
        for cell in &all {
            assert!(
                !runs_as_formula(cell),
                "{path}: a cell a spreadsheet would run: {cell:?}"
            );
        }
    }
    // Amounts stay numbers.
    assert!(cells(&admin.get("/spend.csv").await.body).contains(&"-12.50".to_owned()));
}

async fn upload_supplier_file(client: &TestClient, csv: &[u8]) -> Resp {
    let token = client.csrf_from("/suppliers/import").await;
    client
        .post_multipart(
            "/suppliers/import",
            &[("csrf_token", &token)],
            ("file", "suppliers.csv", csv),
        )
        .await
}

#[actix_web::test]
async fn a_supplier_file_with_a_50_mb_field_is_refused_and_nothing_is_stored() {
    use crate::spend_ledger::add_supplier;
    let app = spawn_app().await;
    let preston = app.add_institution("Preston City Council", "E07000123");
    let acme = add_supplier(&app, "Acme Ltd");
    let (clerk, _) = app.signed_in("clerk1", Role::Clerk, Some(preston)).await;
    let header = "supplier_id,name,version";
    let huge = "A".repeat(50 * 1024 * 1024);
    let file = format!("{header}\n{acme},\"{huge}\",1\n");
    let res = upload_supplier_file(&clerk, file.as_bytes()).await;
    let shown = &res.body[..res.body.len().min(2000)];
    assert_eq!(res.status, 422, "{shown}");
    assert!(res.body.contains("longer than 1024 KB"), "{shown}");
    assert!(res.body.len() < 100_000, "the field is not shown back");
    let name = app.with_conn(|c| localspend::db::suppliers::get(c, acme).unwrap().name);
    assert_eq!(name, "Acme Ltd");

    // A name over the limit on a row of ordinary length is refused by the parse.
    let long = "B".repeat(400);
    let file = format!("{header}\n{acme},{long},1\n");
    let res = upload_supplier_file(&clerk, file.as_bytes()).await;
    assert_eq!(res.status, 422);
    assert!(res.body.contains("300 characters or fewer"), "{}", res.body);

    // A file without the version column is refused, not applied unchecked.
    let file = format!("supplier_id,name\n{acme},Acme Two\n");
    let res = upload_supplier_file(&clerk, file.as_bytes()).await;
    assert_eq!(res.status, 422);
    assert!(res.body.contains("version"), "{}", res.body);
    let name = app.with_conn(|c| localspend::db::suppliers::get(c, acme).unwrap().name);
    assert_eq!(name, "Acme Ltd");
}

#[actix_web::test]
async fn uploads_over_the_limit_get_a_413_that_says_the_limit() {
    let app = spawn_app_with(|c| c.limits.upload_bytes = 1024 * 1024).await;
    let preston = app.add_institution("Preston City Council", "E07000123");
    let (clerk, _) = app.signed_in("clerk1", Role::Clerk, Some(preston)).await;
    let mut file = b"Date,Supplier,Amount\n".to_vec();
    while file.len() < 2 * 1024 * 1024 {
        file.extend_from_slice(b"14/04/2021,Acme Ltd,10.00\n");
    }
    let token = clerk.csrf_from("/spend/imports").await;
    let res = clerk
        .post_multipart(
            "/spend/imports",
            &[
                ("csrf_token", &token),
                ("institution_id", &preston.to_string()),
            ],
            ("file", "big.csv", &file),
        )
        .await;
    assert_eq!(res.status, 413);
    assert!(
        res.body.contains("1 MB") && res.body.contains("LOCALSPEND_MAX_UPLOAD_MB"),
        "{}",
        res.body
    );
    let batches = app.with_conn(|c| {
        use diesel::dsl::count_star;
        use diesel::QueryDsl;
        localspend::db::schema::import_batches::table
            .select(count_star())
            .first::<i64>(c)
            .unwrap()
    });
    assert_eq!(batches, 0);
}

#[actix_web::test]
async fn an_upload_carries_one_file() {
    let app = spawn_app().await;
    let preston = app.add_institution("Preston City Council", "E07000123");
    let (clerk, _) = app.signed_in("clerk1", Role::Clerk, Some(preston)).await;
    let token = clerk.csrf_from("/spend/imports").await;
    let res = clerk
        .post_multipart_files(
            "/spend/imports",
            &[
                ("csrf_token", &token),
                ("institution_id", &preston.to_string()),
            ],
            &[
                (
                    "file",
                    "a.csv",
                    b"Date,Supplier,Amount\n14/04/2021,Acme,1.00\n",
                ),
                (
                    "file",
                    "b.csv",
                    b"Date,Supplier,Amount\n14/04/2021,Acme,2.00\n",
                ),
            ],
        )
        .await;
    assert_eq!(res.status, 400, "{}", res.body);
    assert!(res.body.contains("one file at a time"));
}

#[actix_web::test]
async fn text_over_its_limit_is_refused_on_every_entry_path() {
    use crate::spend_ledger::{add_line, add_supplier, lines_of};
    let app = spawn_app().await;
    let preston = app.add_institution("Preston City Council", "E07000123");
    add_supplier(&app, "Acme Ltd");
    let (clerk, _) = app.signed_in("clerk1", Role::Clerk, Some(preston)).await;
    let long_name = "N".repeat(301);
    let res = clerk
        .submit("/suppliers/new", "/suppliers", &[("name", &long_name)])
        .await;
    assert_eq!(res.status, 422);
    assert!(res.body.contains("300 characters or fewer"));
    let long_description = "D".repeat(2001);
    let res = add_line(
        &clerk,
        preston,
        &[
            ("payment_date", "01/04/2024"),
            ("amount", "10"),
            ("supplier", "Acme Ltd"),
            ("description", &long_description),
        ],
    )
    .await;
    assert_eq!(res.status, 422);
    assert!(res
        .body
        .contains("The description must be 2000 characters or fewer"));
    assert!(lines_of(&app, preston).is_empty());
    // An imported row with a name over the limit is a rejected row.
    let file =
        format!("Date,Supplier,Amount\n14/04/2021,{long_name},10.00\n14/04/2021,Acme Ltd,5.00\n");
    let imported = app.with_conn(|c| crate::spend_import::import_text(c, preston, &file));
    match imported {
        Err(e) => assert!(e.to_string().starts_with("1 row cannot be read"), "{e}"),
        Ok(done) => panic!("a row over the limit was imported: {} lines", done.added),
    }
    assert!(lines_of(&app, preston).is_empty(), "nothing stored");
}

/// Writes `n` lines for an institution straight into the table, as a big
/// year of spend would leave them.
fn many_lines(app: &TestApp, institution: i64, n: u32) {
    app.with_conn(|c| {
        diesel::sql_query(format!(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {n}) \
             INSERT INTO spend_lines (institution_id, payment_date, amount_pence, supplier_name, \
             description, fingerprint, created_at, updated_at) \
             SELECT {institution}, '2024-05-01', 1000 + i, 'Supplier number ' || i, \
             'A description long enough to make each row of the export a realistic size', \
             i, '2024-05-02 09:00:00', '2024-05-02 09:00:00' FROM n"
        ))
        .execute(c)
        .unwrap();
    });
}

/// Sends a request on a raw connection and never reads the answer.
fn stalled_get(base: &str, path: &str, cookie: &str) -> std::net::TcpStream {
    use std::io::Write;
    let address = base.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {address}\r\nCookie: ls_session={cookie}\r\n\r\n"
    )
    .unwrap();
    stream
}

#[actix_web::test]
async fn stalled_audit_downloads_do_not_take_the_app_down() {
    let app = spawn_app_with(|c| c.limits.export_stall_seconds = 2).await;
    let preston = app.add_institution("Preston City Council", "E07000123");
    many_lines(&app, preston, 60_000);
    let (admin, _) = app.signed_in("root", Role::Admin, None).await;
    app.add_user("other", Role::Admin, None);
    let cookie = admin.cookie("ls_session").unwrap();
    let path = format!("/reports/audit.csv?institution={preston}&fy=2024");
    // As many stalled downloads as the pool has connections, and one more.
    let stalled: Vec<_> = (0..4)
        .map(|_| stalled_get(&app.base, &path, &cookie))
        .collect();
    actix_web::rt::time::sleep(std::time::Duration::from_millis(500)).await;
    let started = std::time::Instant::now();
    let bound = std::time::Duration::from_secs(5);
    let health = actix_web::rt::time::timeout(bound, app.client().get("/healthz")).await;
    assert_eq!(health.expect("/healthz answers").status, 200);
    let signed_in =
        actix_web::rt::time::timeout(bound, app.client().login("other", PASSWORD)).await;
    assert_eq!(signed_in.expect("sign-in answers").status, 303);
    assert!(started.elapsed() < bound);
    // A stalled download is dropped once it has taken nothing for the stall
    // time, and gives its turn back: a reader who does read gets the export.
    let mut fetched = None;
    for _ in 0..20 {
        let res = admin.get(&path).await;
        if res.status == 200 {
            fetched = Some(res);
            break;
        }
        assert_eq!(res.status, 429, "{}", res.body);
        actix_web::rt::time::sleep(std::time::Duration::from_millis(1000)).await;
    }
    let fetched = fetched.expect("the stalled downloads' turns come back");
    assert_eq!(fetched.body.matches("Supplier number ").count(), 60_000);
    drop(stalled);
    // Each export is in the audit log, with who and what.
    let exports = app.audit_rows("export");
    assert!(exports
        .iter()
        .any(|r| r.summary.contains("the audit of every line")));
}

#[actix_web::test]
async fn suggestions_are_worked_out_a_bounded_page_at_a_time() {
    use crate::spend_ledger::add_supplier;
    let app = spawn_app().await;
    let preston = app.add_institution("Preston City Council", "E07000123");
    let (clerk, _) = app.signed_in("clerk1", Role::Clerk, Some(preston)).await;
    for i in 0..320 {
        add_supplier(&app, &format!("Community Energy Number {i} CIC"));
    }
    let first = clerk.get("/suppliers/suggestions").await;
    assert_eq!(first.status, 200);
    assert_eq!(first.body.matches("name=\"supplier\"").count(), 300);
    let next = first
        .body
        .split("href=\"/suppliers/suggestions?after=")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a link to look further")
        .to_owned();
    let second = clerk
        .get(&format!("/suppliers/suggestions?after={next}"))
        .await;
    assert_eq!(second.body.matches("name=\"supplier\"").count(), 20);
    assert!(second.body.contains("Community Energy Number 319 CIC"));
    assert!(!second.body.contains("Community Energy Number 0 CIC"));
}

/// Institutions A and B in one network, C in none; a line of A's that only
/// A's data holds (its description and department), a supplier with A's own
/// supplier id and a classification by A's clerk.
pub(crate) struct Network {
    pub app: TestApp,
    pub a: i64,
    pub b: i64,
    pub c: i64,
    pub network: i64,
    pub supplier: i64,
}

pub(crate) const A_ONLY: &str = "MARKER-OF-A";

pub(crate) async fn network_of_three() -> Network {
    use crate::spend_ledger::{add_line, add_supplier};
    let app = spawn_app().await;
    let a = app.add_institution("Preston City Council", "E07000123");
    let b = app.add_institution("South Ribble Borough Council", "E07000126");
    let c = app.add_institution("Manchester City Council", "E08000003");
    let network = app.add_network("Preston anchors", &[a, b]);
    let supplier = add_supplier(&app, "Acme Ltd");
    let alice = app.add_user("alice", Role::Clerk, Some(a));
    let (clerk_a, _) = app.signed_in("clerk-a", Role::Clerk, Some(a)).await;
    add_line(
        &clerk_a,
        a,
        &[
            ("payment_date", "01/05/2024"),
            ("amount", "100"),
            ("supplier", "Acme Ltd"),
            ("description", &format!("{A_ONLY} description")),
            ("department", &format!("{A_ONLY} department")),
        ],
    )
    .await;
    app.with_conn(|conn| {
        use localspend::db::suppliers;
        let actor = localspend::db::audit::Actor {
            user_id: Some(alice.id),
            name: "Alice Example (alice)".into(),
        };
        suppliers::add_external_id(conn, &actor, supplier, a, &format!("{A_ONLY}-VENDOR")).unwrap();
        let current = suppliers::get(conn, supplier).unwrap();
        let mut fields = current.fields();
        fields.postcode_registered = "PR1 2HE".into();
        suppliers::update(
            conn,
            &actor,
            supplier,
            current.version,
            &fields.parse().unwrap(),
            localspend::domain::supplier::Source::Clerk,
            "",
        )
        .unwrap();
    });
    Network {
        app,
        a,
        b,
        c,
        network,
        supplier,
    }
}

#[actix_web::test]
async fn a_members_staff_see_the_networks_aggregates_never_another_members_lines() {
    let n = network_of_three().await;
    let net = n.network;
    for role in [Role::Clerk, Role::Manager, Role::Auditor, Role::Admin] {
        let name = format!("b-{}", role.code());
        let (b, _) = n.app.signed_in(&name, role, Some(n.b)).await;
        let dashboard = b.get(&format!("/reports?network={net}&fy=2024")).await;
        assert_eq!(dashboard.status, 200, "{role:?}");
        assert!(!dashboard.body.contains(A_ONLY), "{role:?}");
        let audit = b
            .get(&format!("/reports/audit.csv?network={net}&fy=2024"))
            .await;
        assert_eq!(audit.status, 403, "{role:?}: {}", audit.body);
        assert!(!audit.body.contains(A_ONLY));
        let categories = b
            .get(&format!("/reports/categories?network={net}&fy=2024"))
            .await;
        assert_eq!(categories.status, 200);
        assert!(!categories.body.contains(A_ONLY), "{role:?}");
        assert!(categories
            .body
            .contains("each member institution's own structure"));
        let table = b
            .get(&format!(
                "/reports.csv?network={net}&fy=2024&table=department"
            ))
            .await;
        assert_eq!(table.status, 403, "{role:?}");
        let page = b.get(&format!("/suppliers/{}", n.supplier)).await;
        assert_eq!(page.status, 200);
        assert!(
            !page.body.contains(A_ONLY),
            "{role:?}: another member's supplier id"
        );
        let at = page.body.find("Alice Example").unwrap_or(0);
        assert!(
            !page.body.contains("Alice Example"),
            "{role:?}: another member's staff: {}",
            &page.body[at.saturating_sub(400)..(at + 100).min(page.body.len())]
        );
        assert!(
            page.body.contains("Preston City Council (clerk)"),
            "{}",
            page.body
        );
    }
    // An institution outside the network sees nothing of it.
    let (c, _) = n.app.signed_in("c-manager", Role::Manager, Some(n.c)).await;
    assert_eq!(
        c.get(&format!("/reports?network={net}&fy=2024"))
            .await
            .status,
        403
    );
    assert_eq!(
        c.get(&format!("/reports/audit.csv?network={net}&fy=2024"))
            .await
            .status,
        403
    );
    // A's own staff and network-wide users see A's lines.
    let (a, _) = n.app.signed_in("a-auditor", Role::Auditor, Some(n.a)).await;
    let own = a
        .get(&format!("/reports/audit.csv?institution={}&fy=2024", n.a))
        .await;
    assert_eq!(own.status, 200);
    assert!(
        own.body.contains("Acme Ltd,") && own.body.contains("100.00"),
        "{}",
        own.body
    );
    let page = a.get(&format!("/suppliers/{}", n.supplier)).await;
    assert!(page.body.contains(&format!("{A_ONLY}-VENDOR")));
    assert!(page.body.contains("Alice Example"));
    let (root, _) = n.app.signed_in("root", Role::Admin, None).await;
    let all = root
        .get(&format!("/reports/audit.csv?network={net}&fy=2024"))
        .await;
    assert_eq!(all.status, 200);
    assert!(all.body.contains("Acme Ltd,") && all.body.contains("100.00"));
    // B's staff never reach A's lines through the ledger either.
    let (b, _) = n.app.signed_in("b-clerk-2", Role::Clerk, Some(n.b)).await;
    let ledger = b.get(&format!("/spend?institution={}", n.a)).await;
    assert!(!ledger.body.contains(A_ONLY));
    let export = b.get(&format!("/spend.csv?institution={}", n.a)).await;
    assert!(!export.body.contains(A_ONLY));
}

#[actix_web::test]
async fn the_audit_export_says_who_set_each_classification_and_masks_other_members_staff() {
    use crate::spend_ledger::add_line;
    let n = network_of_three().await;
    let (clerk_b, _) = n.app.signed_in("clerk-b", Role::Clerk, Some(n.b)).await;
    add_line(
        &clerk_b,
        n.b,
        &[
            ("payment_date", "02/05/2024"),
            ("amount", "50"),
            ("supplier", "Acme Ltd"),
        ],
    )
    .await;
    let column = |header: &[String], name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name}: {header:?}"))
    };
    let export = |client: TestClient, institution: i64| async move {
        let res = client
            .get(&format!(
                "/reports/audit.csv?institution={institution}&fy=2024"
            ))
            .await;
        assert_eq!(res.status, 200, "{}", res.body);
        crate::reports::table(&res.body)
    };
    // A's own auditor sees A's clerk by name, with the source and the time.
    let (auditor_a, _) = n.app.signed_in("auditor-a", Role::Auditor, Some(n.a)).await;
    let rows = export(auditor_a, n.a).await;
    let (header, line) = (&rows[0], &rows[1]);
    assert_eq!(line[column(header, "Location source")], "Clerk's judgement");
    assert_eq!(
        line[column(header, "Location set by")],
        "Alice Example (alice)"
    );
    let at = &line[column(header, "Location set at")];
    assert!(
        chrono::NaiveDateTime::parse_from_str(at, "%Y-%m-%d %H:%M:%S").is_ok(),
        "{at}"
    );
    // Nothing was ever said of its size: the columns are empty, not made up.
    assert_eq!(line[column(header, "Size source")], "");
    assert_eq!(line[column(header, "Size set by")], "");
    // B's auditor reads the same supplier's location as set by A's staff,
    // named by institution and role only.
    let (auditor_b, _) = n.app.signed_in("auditor-b", Role::Auditor, Some(n.b)).await;
    let rows = export(auditor_b, n.b).await;
    assert_eq!(rows.len(), 2, "B's one line");
    let by = &rows[1][column(&rows[0], "Location set by")];
    assert_eq!(by, "Preston City Council (clerk)");
    assert!(!rows.concat().iter().any(|c| c.contains("Alice")));
}

#[actix_web::test]
async fn a_networks_targets_are_set_by_its_network_wide_users_only() {
    let n = network_of_three().await;
    let net = n.network.to_string();
    let fields = |token: &str| {
        vec![
            ("csrf_token".to_owned(), token.to_owned()),
            ("owner_kind".into(), "network".into()),
            ("owner_id".into(), net.clone()),
            ("fy".into(), "2024".into()),
            ("version".into(), "1".into()),
            ("target_1".into(), "50".into()),
        ]
    };
    let form = format!("/reports?network={net}&fy=2024");
    let (manager_b, _) = n.app.signed_in("b-manager", Role::Manager, Some(n.b)).await;
    let page = manager_b.get(&form).await;
    assert!(
        !page.body.contains("Set targets for this year"),
        "no form for a member's manager"
    );
    let token = csrf_token(&page.body);
    let res = crate::spend_ledger::post(&manager_b, "/reports/targets", fields(&token)).await;
    assert_eq!(res.status, 403);
    let (root, _) = n.app.signed_in("root", Role::Admin, None).await;
    let token = root.csrf_from(&form).await;
    let res = crate::spend_ledger::post(&root, "/reports/targets", fields(&token)).await;
    assert_eq!(res.status, 303, "{}", res.body);
}

#[actix_web::test]
async fn a_change_to_the_shared_register_reaches_every_institution_it_touches() {
    use crate::spend_ledger::add_line;
    let n = network_of_three().await;
    let (clerk_b, _) = n.app.signed_in("b-clerk", Role::Clerk, Some(n.b)).await;
    add_line(
        &clerk_b,
        n.b,
        &[
            ("payment_date", "02/05/2024"),
            ("amount", "40"),
            ("supplier", "Acme Ltd"),
        ],
    )
    .await;
    let (clerk_a, _) = n.app.signed_in("a-clerk-2", Role::Clerk, Some(n.a)).await;
    let version = n.app.with_conn(|c| {
        localspend::db::suppliers::get(c, n.supplier)
            .unwrap()
            .version
    });
    let res = clerk_a
        .submit(
            &format!("/suppliers/{}/edit", n.supplier),
            &format!("/suppliers/{}", n.supplier),
            &[
                ("name", "Acme Ltd"),
                ("postcode_registered", "PR1 2HE"),
                ("size_band", "small"),
                ("size_definition", "employees"),
                ("version", &version.to_string()),
            ],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    let updates: Vec<Option<i64>> = n
        .app
        .audit_rows("supplier")
        .into_iter()
        .filter(|r| r.action == "update" && r.actor_name.contains("a-clerk-2"))
        .map(|r| r.institution_id)
        .collect();
    assert_eq!(updates, [Some(n.a), Some(n.b)]);
    let (auditor_b, _) = n.app.signed_in("b-auditor", Role::Auditor, Some(n.b)).await;
    let log = auditor_b.get("/admin/audit?entity_type=supplier").await;
    assert_eq!(log.status, 200);
    assert!(
        log.body.contains("Updated supplier Acme Ltd"),
        "{}",
        log.body
    );
}

#[actix_web::test]
async fn a_persons_name_is_redacted_in_every_export_and_an_admin_can_erase_it() {
    use crate::spend_ledger::{add_line, add_supplier, lines_of};
    let app = spawn_app().await;
    let a = app.add_institution("Preston City Council", "E07000123");
    let b = app.add_institution("South Ribble Borough Council", "E07000126");
    add_supplier(&app, "Acme Ltd");
    let (admin_a, _) = app.signed_in("admin-a", Role::Admin, Some(a)).await;
    let (admin_b, _) = app.signed_in("admin-b", Role::Admin, Some(b)).await;
    for (client, institution) in [(&admin_a, a), (&admin_b, b)] {
        let res = add_line(
            client,
            institution,
            &[
                ("payment_date", "01/05/2024"),
                ("amount", "250"),
                ("supplier", "Jane Example"),
                ("payment_type", "individual"),
                ("create_supplier", "on"),
            ],
        )
        .await;
        assert_eq!(res.status, 303, "{}", res.body);
    }
    add_line(
        &admin_a,
        a,
        &[
            ("payment_date", "02/05/2024"),
            ("amount", "90"),
            ("supplier", "Acme Ltd"),
        ],
    )
    .await;
    // Redacted in every export, to every user, even the paying institution.
    for path in [
        "/spend.csv".to_owned(),
        format!("/reports/audit.csv?institution={a}&fy=2024"),
    ] {
        let res = admin_a.get(&path).await;
        assert_eq!(res.status, 200);
        assert!(!res.body.contains("Jane Example"), "{path}: {}", res.body);
        assert!(res.body.contains("REDACTED PERSONAL DATA"), "{path}");
        assert!(
            res.body.contains("Acme Ltd"),
            "{path}: organisations stay named"
        );
    }
    // The name is erased from A's lines; B's are B's admin's to erase.
    let res = admin_a
        .submit(
            "/admin/erasure",
            "/admin/erasure",
            &[("name", "jane example")],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    let a_lines = lines_of(&app, a);
    let erased: Vec<_> = a_lines
        .iter()
        .filter(|l| l.supplier_name == "Name erased")
        .collect();
    assert_eq!(erased.len(), 1);
    assert!(erased[0].redacted);
    assert_eq!(erased[0].amount_pence, 25_000, "amounts are untouched");
    assert!(lines_of(&app, b)
        .iter()
        .any(|l| l.supplier_name == "Jane Example"));
    app.assert_totals_agree();
    // The audit log records the erasure, never the name.
    let rows = app.audit_rows("personal_data");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].institution_id, Some(a));
    assert!(rows[0].summary.contains("1 line(s)"));
    assert!(!rows[0].summary.to_lowercase().contains("jane"));
    assert!(rows[0].before_json.is_none() && rows[0].after_json.is_none());
    // A name no line carries is said so, keeping what was typed.
    let res = admin_a
        .submit(
            "/admin/erasure",
            "/admin/erasure",
            &[("name", "Nobody Atall")],
        )
        .await;
    assert_eq!(res.status, 422);
    assert!(res.body.contains("Nobody Atall"));
    let (clerk, _) = app.signed_in("clerk-a", Role::Clerk, Some(a)).await;
    assert_eq!(clerk.get("/admin/erasure").await.status, 403);
}

#[actix_web::test]
async fn the_schema_refuses_register_text_over_its_limit() {
    let app = spawn_app().await;
    let acme = crate::spend_ledger::add_supplier(&app, "Acme Ltd");
    let long = "N".repeat(301);
    app.with_conn(|c| {
        let too_long = diesel::sql_query(format!(
            "UPDATE suppliers SET name = '{long}' WHERE id = {acme}"
        ))
        .execute(c);
        assert!(
            too_long.is_err(),
            "a 301-character name is refused by the database"
        );
        let at_limit = diesel::sql_query(format!(
            "UPDATE suppliers SET name = '{}' WHERE id = {acme}",
            "N".repeat(300)
        ))
        .execute(c);
        assert!(at_limit.is_ok(), "{at_limit:?}");
    });
}
