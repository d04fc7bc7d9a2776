//! What the whole-file registers (Companies House, the register of
//! charities) share as kinds of release: the reasons a load fails, and
//! loading every file's rows counted.

use std::path::Path;

use super::csv_stream::ReadError;
use super::release::{ReadFile, Reference, Rows};
use super::sources::SourceError;

impl crate::jobs::JobError for RegisterImportError {
    fn is_internal(&self) -> bool {
        matches!(self, Self::Db(_))
    }
}

/// Why a register's load failed; the register in use stays.
#[derive(Debug, thiserror::Error)]
pub enum RegisterImportError {
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error(transparent)]
    Read(#[from] ReadError),
    #[error("{file}: a {key} appears twice (in the rows just before row {row})")]
    Duplicate {
        file: String,
        row: u64,
        /// What the key is: `company number`, `charity number`.
        key: &'static str,
    },
    /// Nothing to load: `what` names the rows (`companies`).
    #[error("no {what} found in the files given")]
    Empty { what: &'static str },
    #[error("database error: {0}")]
    Db(#[from] diesel::result::Error),
}

/// Reads every file through `read` into the release, counting the rows;
/// an empty load is refused, naming the rows as `what`.
pub fn load_counted<K>(
    rows: &mut Rows<'_, K>,
    paths: &[&Path],
    total: u64,
    progress: &mut dyn FnMut(u64, u64),
    what: &'static str,
    read: &mut ReadFile<'_, K, u64>,
) -> Result<i64, RegisterImportError>
where
    K: Reference<Facts = i64, Error = RegisterImportError>,
{
    let mut count = 0_i64;
    rows.read_all(paths, total, progress, &mut |_| count += 1, read)?;
    if count == 0 {
        return Err(RegisterImportError::Empty { what });
    }
    Ok(count)
}
