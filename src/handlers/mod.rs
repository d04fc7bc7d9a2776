//! HTTP handlers, one module per area. Each extracts, authorises, parses into
//! domain types, makes one database call and renders or redirects.

pub mod account;
pub mod admin;
pub mod assets;
pub mod auth;
pub mod charities;
pub mod companies;
pub mod csv;
pub mod health;
pub mod home;
pub mod reports;
pub mod spend;
pub mod spend_imports;
pub mod spend_uploads;
pub mod suppliers;
pub mod uploads;

use actix_web::http::header;
use actix_web::HttpResponse;

use crate::auth::csrf::{flash_value, FLASH_COOKIE};
use crate::auth::session::build_cookie;
use crate::error::AppError;
use crate::state::AppState;

pub use csv::{csv_download, download, keyset_csv, Page};

/// A 303 redirect: the answer to every successful form post.
pub fn redirect(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish()
}

/// A 303 redirect that shows `message` on the next page.
pub fn redirect_with_flash(state: &AppState, location: &str, message: &str) -> HttpResponse {
    let mut res = redirect(location);
    let cookie = build_cookie(
        FLASH_COOKIE,
        flash_value(&state.keys, message),
        state.config.cookie_secure,
    );
    if let Err(e) = res.add_cookie(&cookie) {
        tracing::warn!(error = %e, "could not set flash cookie");
    }
    res
}

/// The record version a form was loaded at; 0 (never current) if missing.
/// A form that carries only the version of the record it was shown at.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct VersionForm {
    pub version: String,
}

pub fn form_version(raw: &str) -> i64 {
    raw.trim().parse().unwrap_or(0)
}

/// A `next=` target: only a path on this site. One leading `/`, a second
/// character that is neither `/` nor `\` (browsers read both as the start of
/// another host), and no control character or whitespace anywhere (browsers
/// strip tabs and newlines, so `/\t/evil.example` would become
/// `//evil.example`). Anything else goes to `/`.
pub fn safe_next(next: &str) -> String {
    let mut chars = next.chars();
    let same_site = chars.next() == Some('/')
        && !matches!(chars.next(), Some('/' | '\\'))
        && !next
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || c == '\\');
    if same_site {
        next.to_owned()
    } else {
        "/".to_owned()
    }
}

/// The 404 page for any path not in the route table.
pub async fn not_found() -> Result<HttpResponse, AppError> {
    Err(AppError::NotFound)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::views::ErrorPage;
    use askama::Template;

    #[test]
    fn next_paths_stay_on_this_site() {
        assert_eq!(safe_next("/admin/users?page=2"), "/admin/users?page=2");
        assert_eq!(safe_next("//evil.example/"), "/");
        assert_eq!(safe_next("https://evil.example/"), "/");
        assert_eq!(safe_next("/\\evil.example"), "/");
        assert_eq!(safe_next(""), "/");
        assert_eq!(safe_next("/\t/evil.example"), "/");
        assert_eq!(safe_next("/\n/evil.example"), "/");
        assert_eq!(safe_next("/ /evil.example"), "/");
        assert_eq!(safe_next("/\u{a0}/evil.example"), "/");
        assert_eq!(safe_next("/reports\u{7f}"), "/");
        assert_eq!(safe_next("/"), "/");
    }

    #[test]
    fn error_page_escapes_its_message() {
        let html = ErrorPage {
            title: "Oops",
            message: "<script>x</script>".into(),
            status: 500,
        }
        .render()
        .unwrap();
        assert!(
            html.contains("&#60;script&#62;") || html.contains("&lt;script&gt;"),
            "{html}"
        );
    }
}
