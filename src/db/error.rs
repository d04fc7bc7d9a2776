//! The database layer's own error: what went wrong in terms the layers above
//! can act on. [`crate::error::AppError`] turns each case into a page.

use chrono::NaiveDateTime;
use diesel::result::Error as DieselError;

/// Why a database operation did not happen.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The database itself failed or refused the statement.
    #[error("database error: {0}")]
    Database(#[from] DieselError),
    /// An edit made from an out-of-date copy: someone saved the record in
    /// between.
    #[error("stale edit of a {what} saved at {saved_at}")]
    Stale {
        what: &'static str,
        saved_at: NaiveDateTime,
        /// Who saved it, as the audit log names them, when known.
        saved_by: Option<String>,
    },
    /// The change conflicts with the record's current state; the reason is
    /// fit to show the user.
    #[error("{0}")]
    Conflict(String),
    /// The request cannot be carried out as asked; the reason is fit to show
    /// the user.
    #[error("{0}")]
    Refused(String),
    /// A write to a line dated in a closed financial year; the reason is fit
    /// to show the user.
    #[error("{0}")]
    Closed(String),
    /// An import batch's state does not allow the step asked for.
    #[error("import refused: {0:?}")]
    Import(ImportRefusal),
    /// Something the layer stores could not be read or written (a held file,
    /// a JSON column): never the user's fault.
    #[error("{0}")]
    Internal(String),
}

/// Why an import batch refused a step. The sentences shown for each live in
/// the web layer ([`crate::error`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportRefusal {
    /// The batch changed since the form was loaded; `committing` says whether
    /// the step was the commit (otherwise a mapping change).
    Changed { committing: bool },
    /// The step needs another status than the batch's.
    WrongStatus { step: ImportStep, status: String },
    /// The uploaded file is no longer held (committed or cancelled).
    FileGone,
}

/// A step of an import that can be refused for the batch's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportStep {
    Map,
    Commit,
    Cancel,
    Undo,
}

impl Error {
    /// Wraps an I/O, JSON or other failure that is not the user's.
    pub fn internal(e: impl std::fmt::Display) -> Self {
        Self::Internal(e.to_string())
    }
}

/// The result of a database-layer operation.
pub type Result<T, E = Error> = std::result::Result<T, E>;
