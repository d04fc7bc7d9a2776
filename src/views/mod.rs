//! Askama template structs, one per page, and what every page shares.

pub mod admin;
pub mod audit;
pub mod pages;
pub mod payments;
pub mod references;
pub mod reports;
pub mod spend;
pub mod suppliers;

use askama::Template;

use crate::auth::{CurrentUser, PageContext};

pub use admin::*;
pub use pages::*;
pub use suppliers::*;

/// Navigation facts about the signed-in user.
#[derive(Debug, Clone)]
pub struct NavUser {
    pub display_name: String,
    pub role_label: &'static str,
    pub is_admin: bool,
    pub is_network_admin: bool,
    pub can_read_audit: bool,
    pub can_edit_suppliers: bool,
}

/// What the base layout needs: title, user, CSRF token and flash message.
#[derive(Debug, Clone)]
pub struct Layout {
    pub title: String,
    pub user: Option<NavUser>,
    pub csrf: String,
    pub flash: Option<String>,
    /// Where the source of the version running is published (the footer).
    pub source_url: String,
}

impl Layout {
    /// The version running, as the footer names it.
    pub fn version(&self) -> &'static str {
        env!("CARGO_PKG_VERSION")
    }

    /// The layout of a form that failed: its title starts "Error: ", as
    /// GOV.UK pages' do, so a screen reader says so first.
    pub fn failed(mut self) -> Self {
        if !self.title.starts_with("Error: ") {
            self.title = format!("Error: {}", self.title);
        }
        self
    }

    pub fn new(title: impl Into<String>, user: Option<&CurrentUser>, page: &PageContext) -> Self {
        Self {
            title: title.into(),
            user: user.map(|u| NavUser {
                display_name: u.display_name.clone(),
                role_label: u.role.label(),
                is_admin: u.is_admin(),
                is_network_admin: u.is_network_admin(),
                can_read_audit: u.can_read_audit(),
                can_edit_suppliers: u.can_edit_register(),
            }),
            csrf: page.csrf.clone(),
            flash: page.flash.clone(),
            source_url: page.source_url.clone(),
        }
    }
}

/// Field errors of a failed form, in the order the fields appear, for the
/// error summary at the top of the page and the message beside each field.
#[derive(Debug, Clone, Default)]
pub struct FormErrors(Vec<(&'static str, String)>);

impl FormErrors {
    /// From a parser's list of (field, message), in form order.
    pub fn from_list(list: Vec<(&'static str, String)>) -> Self {
        Self(list)
    }

    pub fn add(&mut self, field: &'static str, message: impl Into<String>) {
        self.0.push((field, message.into()));
    }

    pub fn add_opt(&mut self, field: &'static str, message: Option<String>) {
        if let Some(m) = message {
            self.add(field, m);
        }
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &(&'static str, String)> {
        self.0.iter()
    }
}

/// The plain error page. It stands alone so it renders even when the request
/// could not be understood.
#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub title: &'static str,
    pub message: String,
    pub status: u16,
}

/// Percent-encodes a query-string value.
pub fn url_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Renders a template into a 200 response, or an error if rendering failed.
pub fn html(template: &impl Template) -> Result<actix_web::HttpResponse, crate::error::AppError> {
    html_status(actix_web::http::StatusCode::OK, template)
}

pub fn html_status(
    status: actix_web::http::StatusCode,
    template: &impl Template,
) -> Result<actix_web::HttpResponse, crate::error::AppError> {
    let body = template
        .render()
        .map_err(crate::error::AppError::internal)?;
    Ok(actix_web::HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_encoding_keeps_paths_and_escapes_the_rest() {
        assert_eq!(
            url_encode("/admin/users?x=1&y=2"),
            "/admin/users%3Fx%3D1%26y%3D2"
        );
        assert_eq!(url_encode("£ a"), "%C2%A3%20a");
    }
}
