//! The one web error type and how each case maps to an HTTP response.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use askama::Template;
use diesel::result::Error as DieselError;

use crate::views::ErrorPage;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("forbidden")]
    Forbidden,
    /// No valid session: the browser is sent to the sign-in page, which
    /// returns it to `next` afterwards.
    #[error("sign-in required")]
    Unauthenticated { next: String },
    #[error("form token missing or invalid")]
    Csrf,
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    BadRequest(String),
    /// A write to a line dated in a closed financial year (a form shows it
    /// at the date).
    #[error("{0}")]
    Closed(String),
    /// The request (or the file in it) is over a size limit; the message
    /// says the limit and the setting that raises it.
    #[error("{0}")]
    TooLarge(String),
    /// Too many of a costly kind of request are under way; try again soon.
    #[error("{0}")]
    Busy(String),
    #[error("database error: {0}")]
    Db(#[from] DieselError),
    #[error("database pool error: {0}")]
    Pool(#[from] diesel::r2d2::PoolError),
    #[error("background task failed: {0}")]
    Blocking(#[from] actix_web::error::BlockingError),
    #[error("{0}")]
    Internal(String),
}

impl AppError {
    pub fn internal(e: impl std::fmt::Display) -> Self {
        Self::Internal(e.to_string())
    }

    /// True when the failure is ours (database, pool, thread, internal), not
    /// the request's: its own text goes to the log only.
    pub fn is_internal(&self) -> bool {
        match self {
            Self::Db(e) => {
                !matches!(e, DieselError::NotFound) && !crate::db::is_unique_violation(e)
            }
            Self::Pool(_) | Self::Blocking(_) | Self::Internal(_) => true,
            _ => false,
        }
    }

    /// The message shown to the user. Internal details stay in the log.
    fn public_message(&self) -> String {
        match self {
            Self::NotFound | Self::Db(DieselError::NotFound) => {
                "The page or record you asked for does not exist.".into()
            }
            Self::Forbidden => "Your account does not have permission to do that.".into(),
            Self::Unauthenticated { .. } => "Please sign in.".into(),
            Self::Csrf => "This form has expired or did not come from this site. \
                           Go back, reload the page and try again."
                .into(),
            Self::Conflict(m)
            | Self::BadRequest(m)
            | Self::Closed(m)
            | Self::TooLarge(m)
            | Self::Busy(m) => m.clone(),
            Self::Db(e) if crate::db::is_unique_violation(e) => {
                "That would duplicate a record that already exists.".into()
            }
            _ => "Something went wrong on our side. The error has been logged; please try again."
                .into(),
        }
    }

    fn title(&self) -> &'static str {
        match self.status_code() {
            StatusCode::NOT_FOUND => "Page not found",
            StatusCode::FORBIDDEN => "Not allowed",
            StatusCode::CONFLICT => "Conflict",
            StatusCode::BAD_REQUEST => "Bad request",
            StatusCode::PAYLOAD_TOO_LARGE => "The file is too large",
            StatusCode::TOO_MANY_REQUESTS => "Busy: try again in a moment",
            _ => "Sorry, there is a problem",
        }
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::NotFound | Self::Db(DieselError::NotFound) => StatusCode::NOT_FOUND,
            Self::Forbidden | Self::Csrf => StatusCode::FORBIDDEN,
            Self::Unauthenticated { .. } => StatusCode::SEE_OTHER,
            Self::Conflict(_) | Self::Closed(_) => StatusCode::CONFLICT,
            Self::Db(e) if crate::db::is_unique_violation(e) => StatusCode::CONFLICT,
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Busy(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::Db(_) | Self::Pool(_) | Self::Blocking(_) | Self::Internal(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        if let Self::Unauthenticated { next } = self {
            let location = format!("/login?next={}", crate::views::url_encode(next));
            return HttpResponse::SeeOther()
                .insert_header((header::LOCATION, location))
                .finish();
        }
        if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
        }
        let page = ErrorPage {
            title: self.title(),
            message: self.public_message(),
            status: status.as_u16(),
        };
        match page.render() {
            Ok(body) => HttpResponse::build(status)
                .content_type("text/html; charset=utf-8")
                .body(body),
            Err(_) => HttpResponse::build(status).body(self.public_message()),
        }
    }
}

pub type AppResult<T> = Result<T, AppError>;

impl From<crate::db::Error> for AppError {
    fn from(e: crate::db::Error) -> Self {
        use crate::db::Error as E;
        match e {
            E::Database(e) => Self::Db(e),
            E::Stale {
                what,
                saved_at,
                saved_by,
            } => Self::Conflict(format!(
                "Someone else saved this {what} at {} UTC{} while you were editing it. \
                 Your changes have not been saved: check the current values and submit again.",
                saved_at.format("%d/%m/%Y %H:%M:%S"),
                saved_by.map_or_else(String::new, |who| format!(" ({who})")),
            )),
            E::Conflict(m) => Self::Conflict(m),
            E::Refused(m) => Self::BadRequest(m),
            E::Closed(m) => Self::Closed(m),
            E::Import(refusal) => import_refusal(refusal),
            E::Internal(m) => Self::Internal(m),
        }
    }
}

impl From<crate::reporting::ReportError> for AppError {
    fn from(e: crate::reporting::ReportError) -> Self {
        use crate::reporting::ReportError as E;
        match e {
            E::Forbidden => Self::Forbidden,
            E::NotFound => Self::NotFound,
            E::Refused(m) => Self::BadRequest(m),
            E::Db(e) => e.into(),
        }
    }
}

/// The sentence for an import step its batch refused.
fn import_refusal(refusal: crate::db::ImportRefusal) -> AppError {
    use crate::db::{ImportRefusal as R, ImportStep as S};
    match refusal {
        R::Changed { committing: false } => AppError::Conflict(
            "Someone else changed this import since you opened it. \
             Check the mapping below and try again."
                .into(),
        ),
        R::Changed { committing: true } => AppError::Conflict(
            "This import changed since you opened it (the mapping was edited, \
             or someone else committed it). Check the preview and try again."
                .into(),
        ),
        R::WrongStatus { step, status } => AppError::BadRequest(match step {
            S::Map => format!("This import is {status} and can no longer be changed."),
            S::Commit => {
                format!("Only a previewed import can be committed; this one is {status}.")
            }
            S::Cancel => format!("This import is {status} and cannot be cancelled."),
            S::Undo => format!("Only a committed import can be undone; this one is {status}."),
        }),
        R::FileGone => AppError::BadRequest(
            "The uploaded file is no longer held for this import (it was committed or \
             cancelled). Upload it again."
                .into(),
        ),
    }
}
