//! Typed configuration, read once from environment variables at start.
//!
//! | variable | default | meaning |
//! |---|---|---|
//! | `LOCALSPEND_DATABASE_URL` | `localspend.db` | SQLite file path (or `sqlite://path`), or `postgres://…` with the `postgres` feature |
//! | `LOCALSPEND_BIND` | `127.0.0.1:8080` | address and port to listen on |
//! | `LOCALSPEND_SECRET_KEY` | generated, kept in the database | key for CSRF tokens and signed cookies (32+ characters) |
//! | `LOCALSPEND_COOKIE_SECURE` | `true` | mark cookies `Secure` and send HSTS; only `false` turns them off (the demo does) |
//! | `LOCALSPEND_LOG` | `info` | log level: error, warn, info, debug, trace |
//! | `LOCALSPEND_POOL_SIZE` | 4 (SQLite), 10 (PostgreSQL) | database connections per instance |
//! | `LOCALSPEND_TRUSTED_PROXIES` | none | comma-separated addresses of reverse proxies whose `X-Forwarded-For` names the client |
//! | `LOCALSPEND_SESSION_HOURS` | 12 | how long a sign-in lasts, in hours (1 to 720) |
//! | `LOCALSPEND_MAX_UPLOAD_MB` | 200 | largest spend file or supplier file a clerk may upload |
//! | `LOCALSPEND_MAX_REFERENCE_UPLOAD_MB` | 4096 | largest postcode lookup or Companies House file an admin may upload (zipped or not) |
//! | `LOCALSPEND_MAX_EXPORTS` | 4 | line-level exports (the audit CSV) prepared at once, across all users; 2 per user |
//! | `LOCALSPEND_EXPORT_STALL_SECONDS` | 60 | a download that takes nothing for this long is dropped |

use std::net::{IpAddr, SocketAddr, ToSocketAddrs};

use tracing::level_filters::LevelFilter;

/// Where the data lives. Chosen by the URL's scheme.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    Sqlite(String),
    #[cfg(feature = "postgres")]
    Postgres(String),
}

impl DatabaseUrl {
    pub fn parse(raw: &str) -> Result<Self, ConfigError> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(ConfigError::Invalid {
                var: "LOCALSPEND_DATABASE_URL",
                reason: "is empty".into(),
            });
        }
        if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            #[cfg(feature = "postgres")]
            return Ok(Self::Postgres(raw.to_owned()));
            #[cfg(not(feature = "postgres"))]
            return Err(ConfigError::PostgresNotBuilt);
        }
        let path = raw
            .strip_prefix("sqlite://")
            .or_else(|| raw.strip_prefix("sqlite:"))
            .unwrap_or(raw);
        Ok(Self::Sqlite(path.to_owned()))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{var} {reason}")]
    Invalid { var: &'static str, reason: String },
    #[error(
        "LOCALSPEND_DATABASE_URL is a PostgreSQL URL, but this binary was built without the \
         `postgres` feature; rebuild with `cargo build --release --features postgres`"
    )]
    PostgresNotBuilt,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub database_url: DatabaseUrl,
    pub bind: String,
    /// Explicit key from the environment; when absent the app uses (and if
    /// need be creates) the one stored in the database.
    pub secret_key: Option<String>,
    pub cookie_secure: bool,
    pub log_level: LevelFilter,
    pub pool_size: Option<u32>,
    /// Reverse proxies (load balancers) trusted to say who the client is.
    pub trusted_proxies: Vec<IpAddr>,
    /// How long a sign-in lasts.
    pub session_hours: i64,
    /// Upload sizes and export concurrency.
    pub limits: Limits,
    /// Where users get the source of the version running: every page's
    /// footer links to it, as the AGPL asks of software used over a network.
    pub source_url: String,
}

/// The source of this version as published, unless `LOCALSPEND_SOURCE_URL`
/// says a modified deployment publishes its own.
pub const DEFAULT_SOURCE_URL: &str = env!("CARGO_PKG_REPOSITORY");

fn source_url(get: impl Fn(&str) -> Option<String>) -> Result<String, ConfigError> {
    match get("LOCALSPEND_SOURCE_URL") {
        None => Ok(DEFAULT_SOURCE_URL.to_owned()),
        Some(url) => {
            let url = url.trim();
            let web = url.starts_with("https://") || url.starts_with("http://");
            if web && !url.contains(|c: char| c.is_whitespace() || c == '"' || c == '<') {
                Ok(url.to_owned())
            } else {
                Err(ConfigError::Invalid {
                    var: "LOCALSPEND_SOURCE_URL",
                    reason: format!("must be an http:// or https:// address, not `{url}`"),
                })
            }
        }
    }
}

/// What one request may ask of the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The largest spend file or supplier file upload, in bytes.
    pub upload_bytes: u64,
    /// The largest reference release upload (postcode lookup, Companies
    /// House), in bytes: the national files are about 0.5 GB zipped and
    /// 2.5 GB unpacked.
    pub reference_upload_bytes: u64,
    /// Line-level exports prepared at once across all users.
    pub exports: usize,
    /// Line-level exports one user may have under way at once.
    pub exports_per_user: usize,
    /// A download the client takes nothing of for this long is dropped.
    pub export_stall_seconds: u64,
}

const MB: u64 = 1024 * 1024;

impl Default for Limits {
    fn default() -> Self {
        Self {
            upload_bytes: 200 * MB,
            reference_upload_bytes: 4096 * MB,
            exports: 4,
            exports_per_user: 2,
            export_stall_seconds: 60,
        }
    }
}

impl Limits {
    fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let whole = |var: &'static str, default: u64| -> Result<u64, ConfigError> {
            match get(var) {
                None => Ok(default),
                Some(v) => v
                    .trim()
                    .parse::<u64>()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| ConfigError::Invalid {
                        var,
                        reason: format!("must be a positive whole number, not `{v}`"),
                    }),
            }
        };
        let d = Self::default();
        Ok(Self {
            upload_bytes: whole("LOCALSPEND_MAX_UPLOAD_MB", d.upload_bytes / MB)? * MB,
            reference_upload_bytes: whole(
                "LOCALSPEND_MAX_REFERENCE_UPLOAD_MB",
                d.reference_upload_bytes / MB,
            )? * MB,
            exports: whole("LOCALSPEND_MAX_EXPORTS", d.exports as u64)? as usize,
            exports_per_user: d.exports_per_user,
            export_stall_seconds: whole("LOCALSPEND_EXPORT_STALL_SECONDS", d.export_stall_seconds)?,
        })
    }
}

/// How long a sign-in lasts unless `LOCALSPEND_SESSION_HOURS` says otherwise.
pub const DEFAULT_SESSION_HOURS: i64 = 12;

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads configuration through `lookup`, so tests can supply variables
    /// without touching the process environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());

        let database_url = DatabaseUrl::parse(
            &get("LOCALSPEND_DATABASE_URL").unwrap_or_else(|| "localspend.db".into()),
        )?;

        let bind = get("LOCALSPEND_BIND").unwrap_or_else(|| "127.0.0.1:8080".into());
        // Checked here so a bad address is named before anything starts.
        let _: Vec<SocketAddr> = bind
            .to_socket_addrs()
            .map_err(|e| ConfigError::Invalid {
                var: "LOCALSPEND_BIND",
                reason: format!("`{bind}` is not a host:port address ({e})"),
            })?
            .collect();

        let secret_key = get("LOCALSPEND_SECRET_KEY");
        if let Some(key) = &secret_key {
            if key.len() < 32 {
                return Err(ConfigError::Invalid {
                    var: "LOCALSPEND_SECRET_KEY",
                    reason: "must be at least 32 characters".into(),
                });
            }
        }

        let cookie_secure = match get("LOCALSPEND_COOKIE_SECURE") {
            Some(v) => parse_bool(&v).ok_or_else(|| ConfigError::Invalid {
                var: "LOCALSPEND_COOKIE_SECURE",
                reason: format!("must be true or false, not `{v}`"),
            })?,
            // On unless switched off in so many words: a real deployment binds
            // to the loopback behind a TLS proxy, so the address says nothing.
            None => true,
        };

        let log_level = match get("LOCALSPEND_LOG") {
            Some(v) => v.parse::<LevelFilter>().map_err(|_| ConfigError::Invalid {
                var: "LOCALSPEND_LOG",
                reason: format!("must be one of off, error, warn, info, debug, trace, not `{v}`"),
            })?,
            None => LevelFilter::INFO,
        };

        let pool_size = match get("LOCALSPEND_POOL_SIZE") {
            Some(v) => Some(v.parse::<u32>().ok().filter(|n| *n > 0).ok_or_else(|| {
                ConfigError::Invalid {
                    var: "LOCALSPEND_POOL_SIZE",
                    reason: format!("must be a positive whole number, not `{v}`"),
                }
            })?),
            None => None,
        };

        let trusted_proxies = match get("LOCALSPEND_TRUSTED_PROXIES") {
            None => Vec::new(),
            Some(list) => list
                .split(',')
                .map(str::trim)
                .filter(|a| !a.is_empty())
                .map(|a| {
                    a.parse::<IpAddr>().map_err(|_| ConfigError::Invalid {
                        var: "LOCALSPEND_TRUSTED_PROXIES",
                        reason: format!("`{a}` is not an IP address"),
                    })
                })
                .collect::<Result<_, _>>()?,
        };

        let session_hours = match get("LOCALSPEND_SESSION_HOURS") {
            Some(v) => v
                .trim()
                .parse::<i64>()
                .ok()
                .filter(|h| (1..=720).contains(h))
                .ok_or_else(|| ConfigError::Invalid {
                    var: "LOCALSPEND_SESSION_HOURS",
                    reason: format!("must be a whole number of hours from 1 to 720, not `{v}`"),
                })?,
            None => DEFAULT_SESSION_HOURS,
        };

        let limits = Limits::from_lookup(get)?;
        let source_url = source_url(get)?;

        Ok(Self {
            database_url,
            bind,
            secret_key,
            cookie_secure,
            log_level,
            pool_size,
            trusted_proxies,
            session_hours,
            limits,
            source_url,
        })
    }
}

fn parse_bool(v: &str) -> Option<bool> {
    match v.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Some(true),
        "0" | "false" | "no" | "off" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_are_a_local_sqlite_file_on_loopback() {
        let c = config(&[]).unwrap();
        assert_eq!(c.database_url, DatabaseUrl::Sqlite("localspend.db".into()));
        assert_eq!(c.bind, "127.0.0.1:8080");
        assert!(
            c.cookie_secure,
            "loopback is where a TLS proxy forwards to: cookies stay Secure"
        );
        assert_eq!(c.log_level, LevelFilter::INFO);
    }

    #[test]
    fn only_an_explicit_false_turns_secure_cookies_off() {
        for bind in ["0.0.0.0:8080", "127.0.0.1:8080", "[::1]:8080"] {
            assert!(config(&[("LOCALSPEND_BIND", bind)]).unwrap().cookie_secure);
            let c = config(&[
                ("LOCALSPEND_BIND", bind),
                ("LOCALSPEND_COOKIE_SECURE", "false"),
            ])
            .unwrap();
            assert!(!c.cookie_secure);
        }
    }

    #[test]
    fn bad_values_name_the_variable() {
        let e = config(&[("LOCALSPEND_BIND", "nonsense")])
            .unwrap_err()
            .to_string();
        assert!(e.contains("LOCALSPEND_BIND"), "{e}");
        let e = config(&[("LOCALSPEND_SECRET_KEY", "short")])
            .unwrap_err()
            .to_string();
        assert!(e.contains("at least 32"), "{e}");
        let e = config(&[("LOCALSPEND_COOKIE_SECURE", "maybe")])
            .unwrap_err()
            .to_string();
        assert!(e.contains("LOCALSPEND_COOKIE_SECURE"), "{e}");
        let e = config(&[("LOCALSPEND_LOG", "loud")])
            .unwrap_err()
            .to_string();
        assert!(e.contains("LOCALSPEND_LOG"), "{e}");
    }

    #[test]
    fn trusted_proxies_are_addresses() {
        let c = config(&[("LOCALSPEND_TRUSTED_PROXIES", "10.0.0.5, ::1")]).unwrap();
        assert_eq!(
            c.trusted_proxies,
            [
                "10.0.0.5".parse::<IpAddr>().unwrap(),
                "::1".parse().unwrap()
            ]
        );
        let e = config(&[("LOCALSPEND_TRUSTED_PROXIES", "lb.internal")])
            .unwrap_err()
            .to_string();
        assert!(e.contains("`lb.internal` is not an IP address"), "{e}");
    }

    #[test]
    fn sqlite_url_prefixes_are_accepted() {
        assert_eq!(
            DatabaseUrl::parse("sqlite://data/x.db").unwrap(),
            DatabaseUrl::Sqlite("data/x.db".into())
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite:x.db").unwrap(),
            DatabaseUrl::Sqlite("x.db".into())
        );
    }

    #[cfg(not(feature = "postgres"))]
    #[test]
    fn postgres_url_without_the_feature_names_the_feature() {
        let e = DatabaseUrl::parse("postgres://u@localhost/db")
            .unwrap_err()
            .to_string();
        assert!(e.contains("`postgres` feature"), "{e}");
    }

    #[cfg(feature = "postgres")]
    #[test]
    fn postgres_url_with_the_feature_is_postgres() {
        assert!(matches!(
            DatabaseUrl::parse("postgresql://u@h/db").unwrap(),
            DatabaseUrl::Postgres(_)
        ));
    }
}

/// The client's address for throttling: the connection's peer, unless the
/// peer is a trusted proxy, in which case the nearest address in
/// `X-Forwarded-For` that is not itself a trusted proxy. Addresses a client
/// could have written itself (further left) are never believed.
pub fn client_address(
    peer: Option<IpAddr>,
    forwarded_for: Option<&str>,
    trusted: &[IpAddr],
) -> Option<IpAddr> {
    let mut client = peer?;
    if !trusted.contains(&client) {
        return Some(client);
    }
    for hop in forwarded_for.unwrap_or("").rsplit(',').map(str::trim) {
        match hop.parse::<IpAddr>() {
            Ok(addr) => {
                client = addr;
                if !trusted.contains(&addr) {
                    break;
                }
            }
            Err(_) => break,
        }
    }
    Some(client)
}

#[cfg(test)]
mod client_address_tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn only_trusted_proxies_are_believed() {
        let lb = [ip("10.0.0.5")];
        // Direct connection: the peer, whatever the header claims.
        assert_eq!(
            client_address(Some(ip("203.0.113.9")), Some("1.2.3.4"), &lb),
            Some(ip("203.0.113.9"))
        );
        // Through the load balancer: the address it saw.
        assert_eq!(
            client_address(Some(ip("10.0.0.5")), Some("198.51.100.7"), &lb),
            Some(ip("198.51.100.7"))
        );
        // A client forging earlier hops gains nothing: the nearest untrusted hop wins.
        assert_eq!(
            client_address(Some(ip("10.0.0.5")), Some("1.2.3.4, 198.51.100.7"), &lb),
            Some(ip("198.51.100.7"))
        );
        // No proxies configured: the peer.
        assert_eq!(
            client_address(Some(ip("10.0.0.5")), Some("198.51.100.7"), &[]),
            Some(ip("10.0.0.5"))
        );
        // A garbled header leaves the proxy's own address.
        assert_eq!(
            client_address(Some(ip("10.0.0.5")), Some("nonsense"), &lb),
            Some(ip("10.0.0.5"))
        );
    }
}
