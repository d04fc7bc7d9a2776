//! The Charity Commission's register extract as a kind of reference release
//! ([`super::release`]), loaded whole as the Companies House data is.

use std::path::Path;

use super::charities::read_file;
use super::register_release::{load_counted, RegisterImportError};
use super::release::{self, Reference, Rows};
use crate::db::audit::Actor;
use crate::db::charities::{self, CharityRelease};
use crate::db::DbConn;
use crate::domain::reference::CharityRow;

/// Why a load failed (shared by the whole-file registers).
pub type CharityImportError = RegisterImportError;

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
            key: "charity number",
        }
    }

    fn load(
        rows: &mut Rows<'_, Self>,
        paths: &[&Path],
        total: u64,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<i64, CharityImportError> {
        load_counted(
            rows,
            paths,
            total,
            progress,
            "charities",
            &mut |file, reader, sink, bytes| read_file(file, reader, sink, bytes),
        )
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
