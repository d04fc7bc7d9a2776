//! Test harness: the real application on port 0 over a fresh database per
//! test, and an HTTP client that keeps cookies and walks the real sign-in and
//! CSRF flow.
//!
//! With `TEST_DATABASE_URL` set (a PostgreSQL URL whose role may create
//! databases; needs the `postgres` feature), each test gets a new PostgreSQL
//! database; otherwise a new SQLite file in a temporary folder.

#![allow(dead_code)]

use std::cell::RefCell;
use std::collections::BTreeMap;

use localspend::auth::password;
use localspend::config::{Config, DatabaseUrl};
use localspend::db::audit::Actor;
use localspend::db::users::{NewUser, User};
use localspend::db::{self, DbConn, DbPool};
use localspend::domain::account::Username;
use localspend::domain::institution::InstitutionInput;
use localspend::domain::Role;
use localspend::startup::Application;
use tracing::level_filters::LevelFilter;

pub const PASSWORD: &str = "correct horse battery staple";

/// A fresh, empty database: its URL, and the folder to keep alive for SQLite.
pub struct FreshDb {
    pub url: String,
    _dir: Option<tempfile::TempDir>,
}

pub fn fresh_database() -> FreshDb {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(admin_url) if !admin_url.trim().is_empty() => fresh_postgres(&admin_url),
        _ => {
            let dir = tempfile::tempdir().expect("temp dir");
            let url = dir.path().join("test.db").to_string_lossy().into_owned();
            FreshDb {
                url,
                _dir: Some(dir),
            }
        }
    }
}

#[cfg(feature = "postgres")]
fn fresh_postgres(admin_url: &str) -> FreshDb {
    use diesel::{Connection, RunQueryDsl};
    let name = format!("ls_test_{}", &localspend::tokens::random_token()[..16]);
    let mut admin =
        diesel::PgConnection::establish(admin_url).expect("connect to TEST_DATABASE_URL");
    diesel::sql_query(format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .expect("create test database");
    // The same server and options (`?sslmode=…`), another database.
    let (address, options) = admin_url.split_once('?').unwrap_or((admin_url, ""));
    let base = address.rsplit_once('/').map_or(address, |(b, _)| b);
    let options = if options.is_empty() {
        String::new()
    } else {
        format!("?{options}")
    };
    FreshDb {
        url: format!("{base}/{name}{options}"),
        _dir: None,
    }
}

#[cfg(not(feature = "postgres"))]
fn fresh_postgres(_: &str) -> FreshDb {
    panic!("TEST_DATABASE_URL is set but the tests were built without `--features postgres`");
}

/// A fresh, migrated database with reference geography, without a server.
pub fn prepared_database() -> (FreshDb, DbPool) {
    let db = fresh_database();
    let config = test_config(&db.url);
    let pool = db::build_pool(&config.database_url, Some(2)).expect("pool");
    localspend::startup::prepare_database(&mut pool.get().unwrap(), &config)
        .expect("migrations and reference data");
    (db, pool)
}

/// Preston City Council, in a migrated database.
pub fn add_preston(url: &str) -> i64 {
    let pool = db::build_pool(&DatabaseUrl::parse(url).unwrap(), Some(1)).unwrap();
    let mut c = pool.get().unwrap();
    let gazetteer = db::geography::load(&mut c).unwrap();
    let input = InstitutionInput::parse("Preston City Council", "council", "E07000123", "4")
        .expect("valid institution");
    db::institutions::create(&mut c, &Actor::system("test"), &input, &gazetteer)
        .expect("institution")
        .id
}

/// A file under the shared real-data folder beside the repository.
pub fn shared_data(path: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/data")
        .join(path)
}

pub fn test_config(url: &str) -> Config {
    Config {
        database_url: DatabaseUrl::parse(url).expect("database url"),
        bind: "127.0.0.1:0".into(),
        secret_key: None,
        cookie_secure: false,
        log_level: LevelFilter::OFF,
        pool_size: Some(3),
        trusted_proxies: Vec::new(),
        session_hours: localspend::config::DEFAULT_SESSION_HOURS,
        limits: Default::default(),
        source_url: localspend::config::DEFAULT_SOURCE_URL.into(),
    }
}

pub struct TestApp {
    pub base: String,
    pub pool: DbPool,
    pub setup_path: Option<String>,
    pub db: FreshDb,
}

/// Starts the app on a fresh database. Call inside `#[actix_web::test]`.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Starts the app with adjusted configuration.
pub async fn spawn_app_with(adjust: impl FnOnce(&mut Config)) -> TestApp {
    let db = fresh_database();
    let mut config = test_config(&db.url);
    adjust(&mut config);
    let app = Application::build(config.clone()).expect("app builds");
    let base = format!("http://127.0.0.1:{}", app.port());
    let setup_path = app.setup_path.clone();
    actix_web::rt::spawn(app.run_until_stopped());
    let pool = db::build_pool(&config.database_url, Some(2)).expect("test pool");
    TestApp {
        base,
        pool,
        setup_path,
        db,
    }
}

impl TestApp {
    pub fn conn(&self) -> diesel::r2d2::PooledConnection<db::Manager> {
        self.pool.get().expect("db connection")
    }

    pub fn with_conn<T>(&self, f: impl FnOnce(&mut DbConn) -> T) -> T {
        let mut c = self.conn();
        f(&mut c)
    }

    /// The report totals agree with the live lines they total.
    pub fn assert_totals_agree(&self) {
        let differences = self.with_conn(|c| localspend::db::totals::differences(c).unwrap());
        assert!(differences.is_empty(), "{differences:#?}");
    }

    pub fn client(&self) -> TestClient {
        TestClient::new(&self.base)
    }

    pub fn add_institution(&self, name: &str, lad: &str) -> i64 {
        let input = InstitutionInput::parse(name, "council", lad, "4").expect("valid institution");
        self.with_conn(|c| {
            let gazetteer = db::geography::load(c).expect("reference geography");
            db::institutions::create(c, &Actor::system("test"), &input, &gazetteer)
                .expect("institution")
                .id
        })
    }

    /// A network of these member institutions; returns its id.
    pub fn add_network(&self, name: &str, member_ids: &[i64]) -> i64 {
        let input = db::networks::NetworkInput {
            name: name.into(),
            description: String::new(),
            member_ids: member_ids.to_vec(),
        };
        self.with_conn(|c| {
            db::networks::create(
                c,
                &Actor::system("test"),
                &input,
                localspend::domain::geography::shipped_gazetteer(),
            )
            .expect("network")
            .network
            .id
        })
    }

    pub fn add_user(&self, username: &str, role: Role, institution_id: Option<i64>) -> User {
        let new = NewUser {
            username: Username::parse(username).unwrap(),
            display_name: format!("{username} person"),
            role,
            institution_id,
            network_id: None,
            password_hash: password::hash(PASSWORD).unwrap(),
        };
        self.with_conn(|c| db::users::create(c, &Actor::system("test"), &new).expect("user"))
    }

    /// A manager or auditor who works across a network.
    pub fn add_network_user(&self, username: &str, role: Role, network_id: i64) -> User {
        let new = NewUser {
            username: Username::parse(username).unwrap(),
            display_name: format!("{username} person"),
            role,
            institution_id: None,
            network_id: Some(network_id),
            password_hash: password::hash(PASSWORD).unwrap(),
        };
        self.with_conn(|c| db::users::create(c, &Actor::system("test"), &new).expect("user"))
    }

    /// A client signed in as a new network-wide manager or auditor.
    pub async fn signed_in_network(
        &self,
        username: &str,
        role: Role,
        network_id: i64,
    ) -> TestClient {
        self.add_network_user(username, role, network_id);
        let client = self.client();
        let res = client.login(username, PASSWORD).await;
        assert_eq!(
            res.status, 303,
            "sign-in as {username} failed: {}",
            res.body
        );
        client
    }

    /// A client signed in as a new user with this role.
    pub async fn signed_in(
        &self,
        username: &str,
        role: Role,
        institution_id: Option<i64>,
    ) -> (TestClient, User) {
        let user = self.add_user(username, role, institution_id);
        let client = self.client();
        let res = client.login(username, PASSWORD).await;
        assert_eq!(
            res.status, 303,
            "sign-in as {username} failed: {}",
            res.body
        );
        (client, user)
    }

    pub fn audit_rows(&self, entity_type: &str) -> Vec<db::audit::AuditRow> {
        let filter = db::audit::AuditFilter {
            entity_type: Some(entity_type.into()),
            ..Default::default()
        };
        self.with_conn(|c| db::audit::batch_after(c, &filter, 0, 10_000).unwrap())
    }
}

/// A response, read whole.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: awc::http::header::HeaderMap,
    pub body: String,
    /// The body as sent (downloads that are not text).
    pub bytes: Vec<u8>,
}

impl Resp {
    pub fn location(&self) -> Option<&str> {
        self.headers.get("location").and_then(|v| v.to_str().ok())
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all("set-cookie")
            .filter_map(|v| v.to_str().ok().map(str::to_owned))
            .collect()
    }
}

/// A browser-like client: keeps cookies, does not follow redirects.
pub struct TestClient {
    base: String,
    client: awc::Client,
    jar: RefCell<BTreeMap<String, String>>,
    /// Sent with every request, as a proxy in front of the app would add them.
    headers: RefCell<Vec<(String, String)>>,
}

impl TestClient {
    pub fn new(base: &str) -> Self {
        Self {
            base: base.to_owned(),
            client: awc::Client::builder().disable_redirects().finish(),
            jar: RefCell::default(),
            headers: RefCell::default(),
        }
    }

    pub fn set_header(&self, name: &str, value: &str) {
        let mut headers = self.headers.borrow_mut();
        headers.retain(|(n, _)| n != name);
        headers.push((name.to_owned(), value.to_owned()));
    }

    fn request(&self, method: &str, path: &str) -> awc::ClientRequest {
        let url = format!("{}{}", self.base, path);
        let mut req = if method == "GET" {
            self.client.get(url)
        } else {
            self.client.post(url)
        };
        req = req.insert_header(("Cookie", self.cookie_header()));
        for (name, value) in self.headers.borrow().iter() {
            req = req.insert_header((name.as_str(), value.as_str()));
        }
        req
    }

    fn cookie_header(&self) -> String {
        self.jar
            .borrow()
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn finish(
        &self,
        mut res: awc::ClientResponse<
            impl futures_util::Stream<Item = Result<actix_web::web::Bytes, awc::error::PayloadError>>
                + Unpin,
        >,
    ) -> Resp {
        for raw in res.headers().get_all("set-cookie") {
            let Ok(c) = awc::cookie::Cookie::parse(raw.to_str().unwrap_or("").to_owned()) else {
                continue;
            };
            let removed = c.max_age().is_some_and(|a| a.is_zero()) || c.value().is_empty();
            if removed {
                self.jar.borrow_mut().remove(c.name());
            } else {
                self.jar
                    .borrow_mut()
                    .insert(c.name().to_owned(), c.value().to_owned());
            }
        }
        let status = res.status();
        let body = res.body().limit(64 * 1024 * 1024).await.expect("body");
        Resp {
            status: status.as_u16(),
            headers: res.headers().clone(),
            body: String::from_utf8_lossy(&body).into_owned(),
            bytes: body.to_vec(),
        }
    }

    pub async fn get(&self, path: &str) -> Resp {
        let res = self.request("GET", path).send().await.expect("GET");
        self.finish(res).await
    }

    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Resp {
        let res = self
            .request("POST", path)
            .send_form(&fields)
            .await
            .expect("POST");
        self.finish(res).await
    }

    /// Posts a multipart form: text fields first (the CSRF token among them),
    /// then one file.
    pub async fn post_multipart(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        file: (&str, &str, &[u8]),
    ) -> Resp {
        self.post_multipart_files(path, fields, &[file]).await
    }

    /// Posts a multipart form with text fields, then each file in turn.
    pub async fn post_multipart_files(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        files: &[(&str, &str, &[u8])],
    ) -> Resp {
        let boundary = "----localspend-test-boundary";
        let mut body = Vec::new();
        for (name, value) in fields {
            body.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes());
        }
        for (field, filename, bytes) in files {
            body.extend(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{filename}\"\r\nContent-Type: application/octet-stream\r\n\r\n")
                    .as_bytes(),
            );
            body.extend_from_slice(bytes);
            body.extend(b"\r\n");
        }
        body.extend(format!("--{boundary}--\r\n").as_bytes());
        let res = self
            .client
            .post(format!("{}{}", self.base, path))
            .insert_header(("Cookie", self.cookie_header()))
            .insert_header((
                "Content-Type",
                format!("multipart/form-data; boundary={boundary}"),
            ))
            .send_body(body)
            .await
            .expect("POST multipart");
        self.finish(res).await
    }

    /// The CSRF token on a page's first form.
    pub async fn csrf_from(&self, path: &str) -> String {
        let page = self.get(path).await;
        assert_eq!(page.status, 200, "GET {path} for its form: {}", page.body);
        csrf_token(&page.body)
    }

    /// Posts a form with the token from `form_page`, as a browser would.
    pub async fn submit(&self, form_page: &str, action: &str, fields: &[(&str, &str)]) -> Resp {
        let token = self.csrf_from(form_page).await;
        let mut all = vec![("csrf_token", token.as_str())];
        all.extend_from_slice(fields);
        self.post_form(action, &all).await
    }

    pub async fn login(&self, username: &str, password: &str) -> Resp {
        self.submit(
            "/login",
            "/login",
            &[("username", username), ("password", password)],
        )
        .await
    }

    pub fn has_cookie(&self, name: &str) -> bool {
        self.jar.borrow().contains_key(name)
    }

    pub fn cookie(&self, name: &str) -> Option<String> {
        self.jar.borrow().get(name).cloned()
    }

    pub fn set_cookie(&self, name: &str, value: &str) {
        self.jar
            .borrow_mut()
            .insert(name.to_owned(), value.to_owned());
    }
}

pub fn csrf_token(html: &str) -> String {
    let marker = "name=\"csrf_token\" value=\"";
    let start = html.find(marker).expect("page has a CSRF token") + marker.len();
    html[start..].split('"').next().unwrap().to_owned()
}

/// The body rows of the first table after `marker` in a page, each row's
/// cells as plain text (tags become spaces, runs of space one space).
pub fn table_rows(body: &str, marker: &str) -> Vec<Vec<String>> {
    let Some(start) = body.find(marker) else {
        return Vec::new();
    };
    let part = &body[start..];
    let part = &part[..part.find("</table>").unwrap_or(part.len())];
    let part = &part[part.find("<tbody>").unwrap_or(0)..];
    part.split("<tr>")
        .skip(1)
        .map(|row| {
            row.split("<td")
                .skip(1)
                .map(|cell| {
                    let mut plain = String::new();
                    let mut in_tag = false;
                    for ch in cell[cell.find('>').map_or(0, |i| i + 1)..].chars() {
                        match ch {
                            '<' => {
                                in_tag = true;
                                plain.push(' ');
                            }
                            '>' => in_tag = false,
                            c if !in_tag => plain.push(c),
                            _ => {}
                        }
                    }
                    plain.split_whitespace().collect::<Vec<_>>().join(" ")
                })
                .collect()
        })
        .collect()
}
