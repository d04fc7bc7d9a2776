//! Loading a Companies House bulk file as a release: stream it into a new
//! release and switch to it only when the whole file has loaded.

use std::path::Path;

use super::companies::read_file;
use super::csv_stream::ReadError;
use super::sources::{self, SourceError};
use crate::db::audit::Actor;
use crate::db::companies::{self, CompanyRelease};
use crate::db::{is_unique_violation, DbConn};
use crate::domain::reference::CompanyRow;

const BATCH: usize = 1_000;

#[derive(Debug, thiserror::Error)]
pub enum CompanyImportError {
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error(transparent)]
    Read(#[from] ReadError),
    #[error("{file}: a company number appears twice (in the rows just before row {row})")]
    Duplicate { file: String, row: u64 },
    #[error("no companies found in the files given")]
    Empty,
    #[error("database error: {0}")]
    Db(#[from] diesel::result::Error),
}

fn flush(
    conn: &mut DbConn,
    release: i64,
    batch: &mut Vec<CompanyRow>,
    file: &str,
    row: u64,
) -> Result<(), CompanyImportError> {
    if !batch.is_empty() {
        companies::insert_rows(conn, release, batch).map_err(|e| {
            if is_unique_violation(&e) {
                CompanyImportError::Duplicate {
                    file: file.to_owned(),
                    row,
                }
            } else {
                e.into()
            }
        })?;
        batch.clear();
    }
    Ok(())
}

fn load(
    conn: &mut DbConn,
    release: i64,
    paths: &[impl AsRef<Path>],
    total: u64,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<i64, CompanyImportError> {
    let mut batch = Vec::with_capacity(BATCH);
    let (mut rows, mut done_before) = (0_i64, 0);
    sources::for_each_source(paths, |source| {
        let file = source.name.clone();
        let mut row = 1;
        read_file::<CompanyImportError>(
            &file,
            source.reader,
            &mut |company| {
                row += 1;
                rows += 1;
                batch.push(company);
                if batch.len() == BATCH {
                    flush(conn, release, &mut batch, &file, row)?;
                }
                Ok(())
            },
            &mut |bytes| progress(done_before + bytes, total),
        )?;
        flush(conn, release, &mut batch, &file, row)?;
        done_before += source.size;
        Ok::<_, CompanyImportError>(())
    })?;
    if rows == 0 {
        return Err(CompanyImportError::Empty);
    }
    Ok(rows)
}

pub fn import_release(
    conn: &mut DbConn,
    paths: &[impl AsRef<Path>],
    name: &str,
    actor: &Actor,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<CompanyRelease, CompanyImportError> {
    let total = sources::total_size(paths)?;
    let release = companies::begin(conn, name, &actor.name)?;
    match load(conn, release, paths, total, progress) {
        Ok(rows) => {
            progress(total, total);
            Ok(companies::activate(conn, actor, release, rows)?)
        }
        Err(e) => {
            if let Err(cleanup) = companies::abandon(conn, release) {
                tracing::error!(error = %cleanup, release, "could not discard a failed Companies House release");
            }
            Err(e)
        }
    }
}

pub fn run_job(
    conn: &mut DbConn,
    job_conn: &mut DbConn,
    job_id: i64,
    paths: &[impl AsRef<Path>],
    name: &str,
    actor: &Actor,
    on_progress: &mut dyn FnMut(u64, u64),
) -> Result<CompanyRelease, CompanyImportError> {
    crate::jobs::run_tracked(
        job_conn,
        job_id,
        crate::jobs::ProgressTo::Database,
        on_progress,
        |r: &CompanyRelease| {
            format!(
                "Companies House release {} in use: {} companies.",
                r.name, r.row_count
            )
        },
        "Import failed; the previous release is still in use.",
        |progress| import_release(conn, paths, name, actor, progress),
    )
}
