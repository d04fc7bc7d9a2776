//! CSRF protection by synchroniser token. Each form carries a token derived
//! from the browser's session cookie (or, before sign-in, from a random
//! anonymous cookie) with the server's key; a cross-site page can make the
//! browser send the cookie but cannot read or compute the token.

use std::future::{ready, Future, Ready};
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::web::{self, Bytes};
use actix_web::{FromRequest, HttpMessage, HttpRequest};
use serde::de::DeserializeOwned;

use super::session::SESSION_COOKIE;
use super::Keys;
use crate::error::AppError;
use crate::state::AppState;
use crate::tokens::random_token;

pub const ANON_COOKIE: &str = "ls_anon";
pub const FLASH_COOKIE: &str = "ls_flash";
const CSRF_PURPOSE: &str = "csrf";
const FLASH_PURPOSE: &str = "flash";

/// Set in request extensions when a response must set a new anonymous cookie.
#[derive(Clone)]
pub struct NewAnonCookie(pub String);

/// Set in request extensions when the flash message was shown and its cookie
/// should be cleared.
#[derive(Clone, Copy)]
pub struct FlashShown;

/// What a CSRF token is bound to: the session cookie if there is one, else the
/// anonymous cookie.
fn binding(req: &HttpRequest) -> Option<String> {
    if let Some(c) = req.cookie(SESSION_COOKIE) {
        return Some(format!("s:{}", c.value()));
    }
    if let Some(c) = req.cookie(ANON_COOKIE) {
        return Some(format!("a:{}", c.value()));
    }
    req.extensions()
        .get::<NewAnonCookie>()
        .map(|n| format!("a:{}", n.0))
}

fn state(req: &HttpRequest) -> Result<&web::Data<AppState>, AppError> {
    req.app_data::<web::Data<AppState>>()
        .ok_or_else(|| AppError::internal("application state missing"))
}

fn keys(req: &HttpRequest) -> Result<Keys, AppError> {
    state(req).map(|s| s.keys.clone())
}

/// A signed flash cookie value: the message in hex, a dot, its signature.
pub fn flash_value(keys: &Keys, message: &str) -> String {
    let data = hex::encode(message.as_bytes());
    let sig = keys.sign(FLASH_PURPOSE, &data);
    format!("{data}.{sig}")
}

fn read_flash(keys: &Keys, value: &str) -> Option<String> {
    let (data, sig) = value.split_once('.')?;
    if !keys.verify(FLASH_PURPOSE, data, sig) {
        return None;
    }
    String::from_utf8(hex::decode(data).ok()?).ok()
}

/// What every rendered page needs from the request: the CSRF token for its
/// forms and the flash message left by the previous action.
#[derive(Debug, Clone)]
pub struct PageContext {
    pub csrf: String,
    pub flash: Option<String>,
    /// Where the source of the version running is published.
    pub source_url: String,
}

impl PageContext {
    pub fn for_request(req: &HttpRequest) -> Result<Self, AppError> {
        let state = state(req)?;
        let keys = &state.keys;
        let binding = match binding(req) {
            Some(b) => b,
            None => {
                let nonce = random_token();
                req.extensions_mut().insert(NewAnonCookie(nonce.clone()));
                format!("a:{nonce}")
            }
        };
        let flash = req
            .cookie(FLASH_COOKIE)
            .and_then(|c| read_flash(keys, c.value()));
        if flash.is_some() {
            req.extensions_mut().insert(FlashShown);
        }
        Ok(Self {
            csrf: keys.sign(CSRF_PURPOSE, &binding),
            flash,
            source_url: state.config.source_url.clone(),
        })
    }
}

impl FromRequest for PageContext {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Self::for_request(req))
    }
}

/// A URL-encoded form whose CSRF token has been checked. `data` is the typed
/// form; `pairs` keeps every field in order, for repeated fields such as
/// checkbox lists.
pub struct CsrfForm<T> {
    pub data: T,
    pub pairs: Vec<(String, String)>,
}

impl<T> CsrfForm<T> {
    /// Every value submitted under `name`.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.pairs
            .iter()
            .filter(move |(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Checks a token sent outside a URL-encoded form (a file upload's first
/// field).
pub fn verify_token(req: &HttpRequest, token: &str) -> Result<(), AppError> {
    let bound_to = binding(req).ok_or(AppError::Csrf)?;
    if keys(req)?.verify(CSRF_PURPOSE, &bound_to, token) {
        Ok(())
    } else {
        Err(AppError::Csrf)
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for CsrfForm<T> {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let body = Bytes::from_request(&req, payload);
        Box::pin(async move {
            let body = body.await.map_err(|_| {
                AppError::BadRequest("The form was too large or could not be read.".into())
            })?;
            let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&body)
                .map_err(|_| AppError::BadRequest("The form could not be read.".into()))?;
            let token = pairs
                .iter()
                .find(|(k, _)| k == "csrf_token")
                .map(|(_, v)| v.as_str())
                .ok_or(AppError::Csrf)?;
            verify_token(&req, token)?;
            let data = serde_urlencoded::from_bytes(&body)
                .map_err(|e| AppError::BadRequest(format!("The form could not be read: {e}.")))?;
            Ok(Self { data, pairs })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flash_messages_survive_a_round_trip_and_reject_tampering() {
        let keys = Keys::new(b"0123456789abcdef0123456789abcdef");
        let v = flash_value(&keys, "Institution “Preston” saved");
        assert_eq!(
            read_flash(&keys, &v).as_deref(),
            Some("Institution “Preston” saved")
        );
        let forged = format!(
            "{}.{}",
            hex::encode("You have won"),
            v.split_once('.').unwrap().1
        );
        assert_eq!(read_flash(&keys, &forged), None);
        assert_eq!(read_flash(&keys, "garbage"), None);
    }
}
