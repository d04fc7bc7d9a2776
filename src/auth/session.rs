//! Cookie sessions kept in the database, so that any app instance can serve
//! any request and a password change or disabled account ends every session
//! at once.

use std::future::Future;
use std::pin::Pin;

use actix_web::cookie::{time::Duration as CookieDuration, Cookie, SameSite};
use actix_web::dev::Payload;
use actix_web::{http::Method, web, FromRequest, HttpMessage, HttpRequest};

use crate::config::Config;
use crate::db::{self, audit::Actor};
use crate::domain::account::Reach;
use crate::domain::Role;
use crate::error::AppError;
use crate::state::AppState;

pub const SESSION_COOKIE: &str = "ls_session";
/// The signed-in user, resolved from the session cookie. Extracting it on a
/// route makes the route require sign-in.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// The user's institution; `None` for network-wide users.
    pub institution_id: Option<i64>,
    /// The network a network-wide manager or auditor works across.
    pub network_id: Option<i64>,
    /// Whose data the user's work covers (see [`Reach`]).
    pub reach: Reach,
    pub session_id: i64,
}

impl CurrentUser {
    pub fn actor(&self) -> Actor {
        Actor {
            user_id: Some(self.id),
            name: format!("{} ({})", self.display_name, self.username),
        }
    }

    /// Who a report is for, as the report engine needs to know.
    pub fn viewer(&self) -> crate::reporting::Viewer {
        crate::reporting::Viewer {
            reach: self.reach.clone(),
            network: self.network_id,
            name: format!("{} ({})", self.display_name, self.username),
        }
    }
}

/// Builds a cookie with the app's safe defaults: host-only, whole site,
/// `HttpOnly`, `SameSite=Strict`, and `Secure` unless configured off.
pub fn build_cookie(name: &'static str, value: String, secure: bool) -> Cookie<'static> {
    Cookie::build(name, value)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure)
        .finish()
}

/// The session cookie, kept by the browser as long as the session lives.
pub fn session_cookie(token: String, config: &Config) -> Cookie<'static> {
    let mut c = build_cookie(SESSION_COOKIE, token, config.cookie_secure);
    c.set_max_age(CookieDuration::hours(config.session_hours));
    c
}

/// A cookie that tells the browser to forget `name`.
pub fn removal_cookie(name: &'static str, secure: bool) -> Cookie<'static> {
    let mut c = build_cookie(name, String::new(), secure);
    c.make_removal();
    c
}

impl FromRequest for CurrentUser {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        if let Some(user) = req.extensions().get::<CurrentUser>() {
            let user = user.clone();
            return Box::pin(async move { Ok(user) });
        }
        let token = req.cookie(SESSION_COOKIE).map(|c| c.value().to_owned());
        let state = req.app_data::<web::Data<AppState>>().cloned();
        // After signing in, a GET comes back to where it was going; a form
        // post cannot be replayed, so it returns to the home page.
        let next = if req.method() == Method::GET {
            req.uri()
                .path_and_query()
                .map_or("/".to_owned(), |p| p.as_str().to_owned())
        } else {
            "/".to_owned()
        };
        let req = req.clone();
        Box::pin(async move {
            let unauthenticated = AppError::Unauthenticated { next };
            let (Some(token), Some(state)) = (token, state) else {
                return Err(unauthenticated);
            };
            let hash = crate::tokens::token_hash(&token);
            let found = state
                .db(move |conn| {
                    let Some((session_id, row)) = db::sessions::find_user(conn, &hash, db::now())?
                    else {
                        return Ok(None);
                    };
                    let reach = db::users::reach_of(conn, &row)?;
                    Ok(Some((session_id, row, reach)))
                })
                .await?;
            let (session_id, row, reach) = found.ok_or(unauthenticated)?;
            let user = CurrentUser {
                id: row.id,
                role: row.role(),
                username: row.username,
                display_name: row.display_name,
                institution_id: row.institution_id,
                network_id: row.network_id,
                reach,
                session_id,
            };
            req.extensions_mut().insert(user.clone());
            Ok(user)
        })
    }
}
