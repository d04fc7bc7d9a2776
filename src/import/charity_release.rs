//! The Charity Commission's register extract as a kind of reference release
//! ([`super::release`]), loaded whole as the Companies House data is.

use std::path::Path;

use super::charities::read_file;
use super::csv_stream::ReadError;
use super::release::{self, Reference, Rows};
use super::sources::SourceError;
use crate::db::audit::Actor;
use crate::db::charities::{self, CharityRelease};
use crate::db::DbConn;
use crate::domain::reference::CharityRow;

impl crate::jobs::JobError for CharityImportError {
    fn is_internal(&self) -> bool {
        matches!(self, Self::Db(_))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CharityImportError {
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error(transparent)]
    Read(#[from] ReadError),
    #[error("{file}: a charity number appears twice (in the rows just before row {row})")]
    Duplicate { file: String, row: u64 },
    #[error("no charities found in the files given")]
    Empty,
    #[error("database error: {0}")]
    Db(#[from] diesel::result::Error),
}

/// The register of charities, as a kind of release.
pub struct CharityRegister;

impl Reference for CharityRegister {
    type Row = CharityRow;
    type Release = CharityRelease;
    /// How many charities the release holds.
    type Facts = i64;
    type Error = CharityImportError;

    const WHAT: &'static str = "the register of charities";
    const JOB_KIND: &'static str = "charity_import";

    fn begin(
        conn: &mut DbConn,
        name: &str,
        _files: &str,
        imported_by: &str,
    ) -> diesel::QueryResult<i64> {
        charities::begin(conn, name, imported_by)
    }

    fn insert_rows(
        conn: &mut DbConn,
        release_id: i64,
        rows: &[CharityRow],
    ) -> diesel::QueryResult<usize> {
        charities::insert_rows(conn, release_id, rows)
    }

    fn duplicate(file: &str, row: u64) -> CharityImportError {
        CharityImportError::Duplicate {
            file: file.to_owned(),
            row,
        }
    }

    fn load(
        rows: &mut Rows<'_, Self>,
        paths: &[&Path],
        total: u64,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<i64, CharityImportError> {
        let mut count = 0_i64;
        rows.read_all(
            paths,
            total,
            progress,
            &mut |_| count += 1,
            &mut |file, reader, sink, bytes| read_file(file, reader, sink, bytes),
        )?;
        if count == 0 {
            return Err(CharityImportError::Empty);
        }
        Ok(count)
    }

    fn activate(
        conn: &mut DbConn,
        actor: &Actor,
        release_id: i64,
        rows: &i64,
    ) -> Result<CharityRelease, CharityImportError> {
        Ok(charities::activate(conn, actor, release_id, *rows)?)
    }

    fn abandon(conn: &mut DbConn, release_id: i64) -> diesel::QueryResult<()> {
        charities::abandon(conn, release_id)
    }

    fn in_use(r: &CharityRelease) -> String {
        format!(
            "Register of charities release {} in use: {} charities.",
            r.name, r.row_count
        )
    }
}

/// Imports `paths` as one release of the register of charities called
/// `name` and puts it in use (see [`release::import`]).
pub fn import_release(
    conn: &mut DbConn,
    paths: &[impl AsRef<Path>],
    name: &str,
    actor: &Actor,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<CharityRelease, CharityImportError> {
    release::import::<CharityRegister>(conn, paths, name, actor, progress)
}
