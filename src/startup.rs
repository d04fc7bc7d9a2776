//! Building and running the application: pool, migrations, keys, server.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::body::MessageBody;
use actix_web::dev::{Server, ServiceRequest, ServiceResponse};
use actix_web::middleware::{DefaultHeaders, Logger, Next};
use actix_web::{web, App, HttpMessage, HttpServer};

use crate::auth::csrf::{FlashShown, NewAnonCookie, ANON_COOKIE, FLASH_COOKIE};
use crate::auth::session::{build_cookie, removal_cookie};
use crate::auth::Keys;
use crate::config::Config;
use crate::db::{self, DbConn};
use crate::domain::recognise::Recogniser;
use crate::state::AppState;
use crate::tokens::{random_token, token_hash};

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("cannot open the database: {0}")]
    Pool(#[from] diesel::r2d2::PoolError),
    #[error(transparent)]
    Migration(#[from] db::MigrationError),
    #[error("cannot connect to the database: {0}")]
    Connect(#[from] diesel::r2d2::Error),
    #[error("database error during start-up: {0}")]
    Db(#[from] diesel::result::Error),
    #[error(transparent)]
    Geography(#[from] db::geography::SeedError),
    #[error("cannot listen on {bind}: {source}")]
    Bind {
        bind: String,
        source: std::io::Error,
    },
}

/// Prepares the database for use: migrations, the secret key, and clearing
/// expired sessions. Used by `serve` and by the command-line tools.
pub fn prepare_database(conn: &mut DbConn, config: &Config) -> Result<Keys, StartupError> {
    for name in db::run_migrations(conn)? {
        tracing::info!(migration = %name, "applied migration");
    }
    let secret = match &config.secret_key {
        Some(key) => key.clone(),
        None => db::settings::secret_key(conn)?,
    };
    if db::geography::seed(conn)? {
        tracing::info!("loaded reference geography");
    }
    db::sessions::purge_expired(conn, db::now())?;
    db::optimise(conn)?;
    Ok(Keys::new(secret.as_bytes()))
}

/// A bound, ready-to-run server.
pub struct Application {
    server: Server,
    port: u16,
    /// The one-time link for creating the first admin, when there are no users.
    pub setup_path: Option<String>,
    /// Whether cookies are marked `Secure` (and HSTS sent).
    pub cookie_secure: bool,
}

impl Application {
    pub fn build(config: Config) -> Result<Self, StartupError> {
        let pool = db::build_pool(&config.database_url, config.pool_size)?;
        let mut conn = pool.get()?;
        let keys = prepare_database(&mut conn, &config)?;
        let setup_path = if db::users::count(&mut conn)? == 0 {
            let token = random_token();
            db::setup::issue(&mut conn, &token_hash(&token), db::now())?;
            Some(format!("/setup/{token}"))
        } else {
            None
        };
        let gazetteer = crate::domain::geography::shipped_gazetteer();
        // Locations left to work out after a postcode release switch that
        // did not finish (the app stopped midway) are caught up with in the
        // background; reports say so meanwhile.
        if db::locations::pending(&mut conn)? > 0 {
            let pool = pool.clone();
            std::thread::spawn(move || {
                let done = pool.get().map_err(|e| e.to_string()).and_then(|mut c| {
                    db::locations::refresh_stale(&mut c).map_err(|e| e.to_string())
                });
                match done {
                    Ok(n) => tracing::info!(suppliers = n, "supplier locations caught up"),
                    Err(e) => tracing::error!(error = %e, "could not work supplier locations out"),
                }
            });
        }
        drop(conn);
        let listener = TcpListener::bind(&config.bind).map_err(|source| StartupError::Bind {
            bind: config.bind.clone(),
            source,
        })?;
        let port = listener
            .local_addr()
            .map_err(|source| StartupError::Bind {
                bind: config.bind.clone(),
                source,
            })?
            .port();
        let hsts = config.cookie_secure;
        let stall = std::time::Duration::from_secs(config.limits.export_stall_seconds);
        if !hsts {
            tracing::warn!(
                "LOCALSPEND_COOKIE_SECURE=false: cookies are not marked Secure and HSTS is off"
            );
        }
        let bind = config.bind.clone();
        let recogniser = Arc::new(Recogniser::shipped());
        let exports = crate::spool::ExportGate::new(&config.limits, pool.max_size());
        let state = web::Data::new(AppState {
            exports,
            pool,
            config,
            keys,
            gazetteer,
            recogniser,
            facts: Default::default(),
            totals: Default::default(),
        });
        let server = HttpServer::new(move || {
            let mut headers = DefaultHeaders::new()
                .add((
                    "Content-Security-Policy",
                    "default-src 'none'; style-src 'self'; img-src 'self' data:; script-src 'self'; connect-src 'self'; \
                     form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
                ))
                .add(("X-Content-Type-Options", "nosniff"))
                .add(("X-Frame-Options", "DENY"))
                .add(("Referrer-Policy", "same-origin"))
                .add(("Cross-Origin-Opener-Policy", "same-origin"))
                .add(("Permissions-Policy", "camera=(), microphone=(), geolocation=()"))
                .add(("Cache-Control", "no-store"));
            if hsts {
                headers = headers.add(("Strict-Transport-Security", "max-age=31536000"));
            }
            App::new()
                .app_data(state.clone())
                .app_data(web::FormConfig::default().limit(256 * 1024))
                .wrap(actix_web::middleware::from_fn(request_cookies))
                .wrap(headers)
                .wrap(
                    Logger::new("%a \"%{request}xi\" %s %b %Dms")
                        .custom_request_replace("request", |req| logged_request(req.method(), &req.uri().to_string())),
                )
                .configure(crate::routes::configure)
                .default_service(web::to(crate::handlers::not_found))
        })
        .on_connect(move |conn, _| drop_stalled_clients(conn, stall))
        .listen(listener)
        .map_err(|source| StartupError::Bind { bind, source })?
        .run();
        Ok(Self {
            server,
            port,
            setup_path,
            cookie_secure: hsts,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

/// Sets the anonymous CSRF cookie when a page issued one, and clears the flash
/// cookie once its message has been shown.
async fn request_cookies(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let secure = req
        .app_data::<web::Data<AppState>>()
        .is_some_and(|s| s.config.cookie_secure);
    let mut res = next.call(req).await?;
    let (anon, flash_shown) = {
        let ext = res.request().extensions();
        (
            ext.get::<NewAnonCookie>().cloned(),
            ext.get::<FlashShown>().is_some(),
        )
    };
    if let Some(NewAnonCookie(nonce)) = anon {
        res.response_mut()
            .add_cookie(&build_cookie(ANON_COOKIE, nonce, secure))?;
    }
    let sets_flash = res.response().cookies().any(|c| c.name() == FLASH_COOKIE);
    if flash_shown && !sets_flash {
        res.response_mut()
            .add_cookie(&removal_cookie(FLASH_COOKIE, secure))?;
    }
    Ok(res)
}

/// A client that stops taking what it asked for (a download it opens and
/// never reads) is dropped once the kernel has held unacknowledged data, or
/// a closed receive window, for `stall`: the response, its file and its
/// export turn are freed. The web server stops polling a body whose client
/// does not read, so only the connection itself can time this out.
fn drop_stalled_clients(conn: &dyn std::any::Any, stall: std::time::Duration) {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    if let Some(tcp) = conn.downcast_ref::<actix_web::rt::net::TcpStream>() {
        if let Err(e) = socket2::SockRef::from(tcp).set_tcp_user_timeout(Some(stall)) {
            tracing::warn!(error = %e, "cannot set the stalled-client timeout");
        }
    }
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    let _ = (conn, stall);
}

/// The request line as the access log shows it: a one-time setup link's
/// token never reaches the log (anyone who reads the log could otherwise
/// create the first admin).
fn logged_request(method: &actix_web::http::Method, uri: &str) -> String {
    let shown = match uri.split_once("/setup/") {
        Some((before, _)) => format!("{before}/setup/[token]"),
        None => uri.to_owned(),
    };
    format!("{method} {shown}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::Method;

    #[test]
    fn the_access_log_never_shows_a_setup_token() {
        assert_eq!(
            logged_request(&Method::GET, "/setup/s3cr3t-token?x=1"),
            "GET /setup/[token]"
        );
        assert_eq!(
            logged_request(&Method::POST, "/reports?year=2024"),
            "POST /reports?year=2024"
        );
    }
}
