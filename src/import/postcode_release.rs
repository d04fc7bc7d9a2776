//! Importing a postcode lookup release end to end: stream every input file
//! into a new release, then switch to it atomically; on any error, discard it
//! and keep the release in use.

use std::collections::BTreeSet;
use std::path::Path;

use super::postcodes::{read_file, ReadError};
use super::sources::{self, SourceError};
use crate::db::audit::Actor;
use crate::db::postcodes::{self, Release, ReleaseFacts};
use crate::db::{is_unique_violation, DbConn};
use crate::domain::reference::PostcodeRow;

/// Rows per insert statement.
const BATCH: usize = 1_000;
/// LSOAs ranked by the English Indices of Deprivation 2019 and 2025.
const IOD2019_LSOAS: i32 = 32_844;
const IOD2025_LSOAS: i32 = 33_755;

#[derive(Debug, thiserror::Error)]
pub enum PostcodeImportError {
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error(transparent)]
    Read(#[from] ReadError),
    #[error(
        "{file}: a postcode appears twice in this import (in the rows just before row {row}). \
         Import each release once: the whole-UK file or its split copies, not both"
    )]
    Duplicate { file: String, row: u64 },
    #[error("no postcodes found in the files given")]
    Empty,
    #[error("database error: {0}")]
    Db(#[from] diesel::result::Error),
}

#[derive(Default)]
struct Tally {
    rows: i64,
    terminated: i64,
    max_english_imd: Option<i32>,
}

impl Tally {
    fn observe(&mut self, row: &PostcodeRow) {
        self.rows += 1;
        if row.terminated.is_some() {
            self.terminated += 1;
        }
        let english = row.country.as_deref() == Some("E92000001")
            || row.district.as_deref().is_some_and(|d| d.starts_with('E'));
        if english {
            if let Some(rank) = row.imd_rank {
                self.max_english_imd = Some(self.max_english_imd.map_or(rank, |m| m.max(rank)));
            }
        }
    }

    /// Which edition of the English IMD the ranks come from, by the number of
    /// LSOAs ranked: deciles are computed against it.
    fn imd_lsoa_count(&self) -> Option<i32> {
        self.max_english_imd.map(|m| {
            if m > IOD2019_LSOAS {
                IOD2025_LSOAS
            } else {
                IOD2019_LSOAS
            }
        })
    }
}

fn flush(
    conn: &mut DbConn,
    release_id: i64,
    batch: &mut Vec<PostcodeRow>,
    file: &str,
    row: u64,
) -> Result<(), PostcodeImportError> {
    if batch.is_empty() {
        return Ok(());
    }
    postcodes::insert_rows(conn, release_id, batch).map_err(|e| {
        if is_unique_violation(&e) {
            PostcodeImportError::Duplicate {
                file: file.to_owned(),
                row,
            }
        } else {
            e.into()
        }
    })?;
    batch.clear();
    Ok(())
}

fn load(
    conn: &mut DbConn,
    release_id: i64,
    paths: &[impl AsRef<Path>],
    total: u64,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<(ReleaseFacts, Tally), PostcodeImportError> {
    let mut tally = Tally::default();
    let mut layouts = BTreeSet::new();
    let mut batch = Vec::with_capacity(BATCH);
    let mut done_before = 0;
    sources::for_each_source(paths, |source| {
        let file = source.name.clone();
        let mut rows_in_file = 1;
        let (layout, _) = read_file::<PostcodeImportError>(
            &file,
            source.reader,
            &mut |row| {
                rows_in_file += 1;
                tally.observe(&row);
                batch.push(row);
                if batch.len() == BATCH {
                    flush(conn, release_id, &mut batch, &file, rows_in_file)?;
                }
                Ok(())
            },
            &mut |bytes| progress(done_before + bytes, total),
        )?;
        flush(conn, release_id, &mut batch, &file, rows_in_file)?;
        layouts.insert(layout.label());
        done_before += source.size;
        Ok::<_, PostcodeImportError>(())
    })?;
    if tally.rows == 0 {
        return Err(PostcodeImportError::Empty);
    }
    let facts = ReleaseFacts {
        source_format: layouts.into_iter().collect::<Vec<_>>().join(", "),
        row_count: tally.rows,
        terminated_count: tally.terminated,
        imd_lsoa_count: tally.imd_lsoa_count(),
    };
    Ok((facts, tally))
}

/// Imports `paths` as one release called `name` and puts it in use. On
/// failure the partial release is discarded and the previous one stays.
pub fn import_release(
    conn: &mut DbConn,
    paths: &[impl AsRef<Path>],
    name: &str,
    actor: &Actor,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Release, PostcodeImportError> {
    let total = sources::total_size(paths)?;
    let files = paths
        .iter()
        .map(|p| {
            p.as_ref().file_name().map_or_else(
                || p.as_ref().display().to_string(),
                |f| f.to_string_lossy().into_owned(),
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    let release_id = postcodes::begin_release(conn, name, &files, &actor.name)?;
    match load(conn, release_id, paths, total, progress) {
        Ok((facts, _)) => {
            progress(total, total);
            let release = postcodes::activate(conn, actor, release_id, &facts)?;
            // Every supplier is located again through the release now in use
            // (reports say so until this is done).
            crate::db::locations::refresh_stale(conn)?;
            Ok(release)
        }
        Err(e) => {
            if let Err(cleanup) = postcodes::abandon(conn, release_id) {
                tracing::error!(error = %cleanup, release_id, "could not discard a failed postcode release");
            }
            Err(e)
        }
    }
}

/// Runs an import as a recorded job (see [`crate::jobs::run_tracked`]).
pub fn run_job(
    conn: &mut DbConn,
    job_conn: &mut DbConn,
    job_id: i64,
    paths: &[impl AsRef<Path>],
    name: &str,
    actor: &Actor,
    on_progress: &mut dyn FnMut(u64, u64),
) -> Result<Release, PostcodeImportError> {
    crate::jobs::run_tracked(
        job_conn,
        job_id,
        crate::jobs::ProgressTo::Database,
        on_progress,
        |r: &Release| {
            format!(
                "Release {} in use: {} postcodes ({} terminated).",
                r.name, r.row_count, r.terminated_count
            )
        },
        "Import failed; the previous release is still in use.",
        |progress| import_release(conn, paths, name, actor, progress),
    )
}
