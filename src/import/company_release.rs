//! The Companies House register as a kind of reference release
//! ([`super::release`]): the free bulk file, loaded whole.

use std::path::Path;

use super::companies::read_file;
use super::register_release::{load_counted, RegisterImportError};
use super::release::{self, Reference, Rows};
use crate::db::audit::Actor;
use crate::db::companies::{self, CompanyRelease};
use crate::db::DbConn;
use crate::domain::reference::CompanyRow;

/// Why a load failed (shared by the whole-file registers).
pub type CompanyImportError = RegisterImportError;

/// The Companies House register, as a kind of release.
pub struct CompanyRegister;

impl Reference for CompanyRegister {
    type Row = CompanyRow;
    type Release = CompanyRelease;
    /// How many companies the release holds.
    type Facts = i64;
    type Error = CompanyImportError;

    const WHAT: &'static str = "Companies House data";
    const JOB_KIND: &'static str = "company_import";

    fn begin(
        conn: &mut DbConn,
        name: &str,
        _files: &str,
        imported_by: &str,
    ) -> diesel::QueryResult<i64> {
        companies::begin(conn, name, imported_by)
    }

    fn insert_rows(
        conn: &mut DbConn,
        release_id: i64,
        rows: &[CompanyRow],
    ) -> diesel::QueryResult<usize> {
        companies::insert_rows(conn, release_id, rows)
    }

    fn duplicate(file: &str, row: u64) -> CompanyImportError {
        CompanyImportError::Duplicate {
            file: file.to_owned(),
            row,
            key: "company number",
        }
    }

    fn load(
        rows: &mut Rows<'_, Self>,
        paths: &[&Path],
        total: u64,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<i64, CompanyImportError> {
        load_counted(
            rows,
            paths,
            total,
            progress,
            "companies",
            &mut |file, reader, sink, bytes| read_file(file, reader, sink, bytes),
        )
    }

    fn activate(
        conn: &mut DbConn,
        actor: &Actor,
        release_id: i64,
        rows: &i64,
    ) -> Result<CompanyRelease, CompanyImportError> {
        Ok(companies::activate(conn, actor, release_id, *rows)?)
    }

    fn abandon(conn: &mut DbConn, release_id: i64) -> diesel::QueryResult<()> {
        companies::abandon(conn, release_id)
    }

    fn in_use(r: &CompanyRelease) -> String {
        format!(
            "Companies House release {} in use: {} companies.",
            r.name, r.row_count
        )
    }
}

/// Imports `paths` as one Companies House release called `name` and puts it
/// in use (see [`release::import`]).
pub fn import_release(
    conn: &mut DbConn,
    paths: &[impl AsRef<Path>],
    name: &str,
    actor: &Actor,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<CompanyRelease, CompanyImportError> {
    release::import::<CompanyRegister>(conn, paths, name, actor, progress)
}
