//! Loading a reference release end to end, the same way for every kind (the
//! postcode lookup, the Companies House register): stream every input file
//! into a new release a thousand rows per statement, then put it in use in
//! one short transaction; on any error discard it, so the release in use
//! stays. As a recorded job for the browser and the command line alike.

use std::io::Read;
use std::path::Path;

use super::csv_stream::ReadError;
use super::sources::{self, SourceError};
use crate::db::audit::Actor;
use crate::db::{is_unique_violation, DbConn};

/// Rows per insert statement.
const BATCH: usize = 1_000;

/// A kind of reference release.
pub trait Reference: Sized {
    /// One row, ready to store.
    type Row;
    /// The release as stored.
    type Release;
    /// What a load learns of its release, recorded on activation.
    type Facts;
    type Error: From<SourceError>
        + From<ReadError>
        + From<diesel::result::Error>
        + std::fmt::Display
        + crate::jobs::JobError;

    /// How messages name the kind: `postcode lookup`.
    const WHAT: &'static str;
    /// The kind of the jobs that import it (`jobs.kind`).
    const JOB_KIND: &'static str;

    /// Starts a release in the `importing` state.
    fn begin(
        conn: &mut DbConn,
        name: &str,
        files: &str,
        imported_by: &str,
    ) -> diesel::QueryResult<i64>;
    fn insert_rows(
        conn: &mut DbConn,
        release_id: i64,
        rows: &[Self::Row],
    ) -> diesel::QueryResult<usize>;
    /// The error for a key that appears twice in one load.
    fn duplicate(file: &str, row: u64) -> Self::Error;
    /// Reads every source into the release through `rows`.
    fn load(
        rows: &mut Rows<'_, Self>,
        paths: &[&Path],
        total: u64,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<Self::Facts, Self::Error>;
    /// Puts the loaded release in use, retiring the one before.
    fn activate(
        conn: &mut DbConn,
        actor: &Actor,
        release_id: i64,
        facts: &Self::Facts,
    ) -> Result<Self::Release, Self::Error>;
    /// Discards a release that did not load.
    fn abandon(conn: &mut DbConn, release_id: i64) -> diesel::QueryResult<()>;
    /// The sentence a finished job ends with.
    fn in_use(release: &Self::Release) -> String;
}

/// Where a reader hands each row it reads.
pub type Sink<'a, K> = dyn FnMut(<K as Reference>::Row) -> Result<(), <K as Reference>::Error> + 'a;

/// Reads one file of a release: given the file's name, its reader, where to
/// hand each row and how far it has read (in bytes).
pub type ReadFile<'a, K, T> = dyn FnMut(
        &str,
        &mut dyn Read,
        &mut Sink<'_, K>,
        &mut dyn FnMut(u64),
    ) -> Result<T, <K as Reference>::Error>
    + 'a;

/// A release's rows on their way in, a batch at a time.
pub struct Rows<'a, K: Reference> {
    conn: &'a mut DbConn,
    release_id: i64,
    batch: Vec<K::Row>,
}

impl<K: Reference> Rows<'_, K> {
    /// Adds a row, read from row `row` of `file`.
    pub fn push(&mut self, row: K::Row, file: &str, row_number: u64) -> Result<(), K::Error> {
        self.batch.push(row);
        if self.batch.len() == BATCH {
            self.flush(file, row_number)?;
        }
        Ok(())
    }

    /// Reads every source in `paths` in turn through `read` (given a file's
    /// name, its reader, a sink for its rows and its progress in bytes),
    /// numbering rows as a spreadsheet does (the header is row 1) and writing
    /// them; `seen` is shown each row on its way. Returns what `read`
    /// returned for each file.
    pub fn read_all<T>(
        &mut self,
        paths: &[&Path],
        total: u64,
        progress: &mut dyn FnMut(u64, u64),
        seen: &mut dyn FnMut(&K::Row),
        read: &mut ReadFile<'_, K, T>,
    ) -> Result<Vec<T>, K::Error> {
        let mut each = Vec::new();
        let mut done_before = 0;
        sources::for_each_source(paths, |source| {
            let file = source.name.clone();
            let mut row = 1;
            let read_file = read(
                &file,
                source.reader,
                &mut |r| {
                    row += 1;
                    seen(&r);
                    self.push(r, &file, row)
                },
                &mut |bytes| progress(done_before + bytes, total),
            )?;
            self.flush(&file, row)?;
            each.push(read_file);
            done_before += source.size;
            Ok::<_, K::Error>(())
        })?;
        Ok(each)
    }

    /// Writes the rows held, at the end of a file or a batch.
    pub fn flush(&mut self, file: &str, row_number: u64) -> Result<(), K::Error> {
        if self.batch.is_empty() {
            return Ok(());
        }
        K::insert_rows(self.conn, self.release_id, &self.batch).map_err(|e| {
            if is_unique_violation(&e) {
                K::duplicate(file, row_number)
            } else {
                e.into()
            }
        })?;
        self.batch.clear();
        Ok(())
    }
}

/// Imports `paths` as one release called `name` and puts it in use. On
/// failure the partial release is discarded and the previous one stays.
pub fn import<K: Reference>(
    conn: &mut DbConn,
    paths: &[impl AsRef<Path>],
    name: &str,
    actor: &Actor,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<K::Release, K::Error> {
    let paths: Vec<&Path> = paths.iter().map(AsRef::as_ref).collect();
    let total = sources::total_size(&paths)?;
    let files = paths
        .iter()
        .map(|p| {
            p.file_name().map_or_else(
                || p.display().to_string(),
                |f| f.to_string_lossy().into_owned(),
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    let release_id = K::begin(conn, name, &files, &actor.name)?;
    let mut rows = Rows::<K> {
        conn,
        release_id,
        batch: Vec::with_capacity(BATCH),
    };
    match K::load(&mut rows, &paths, total, progress) {
        Ok(facts) => {
            progress(total, total);
            K::activate(rows.conn, actor, release_id, &facts)
        }
        Err(e) => {
            if let Err(cleanup) = K::abandon(rows.conn, release_id) {
                tracing::error!(error = %cleanup, release_id, what = K::WHAT, "could not discard a failed release");
            }
            Err(e)
        }
    }
}

/// Runs an import as a recorded job (see [`crate::jobs::run_tracked`]).
pub fn run_job<K: Reference>(
    conn: &mut DbConn,
    job: crate::jobs::Tracking<'_>,
    paths: &[impl AsRef<Path>],
    name: &str,
    actor: &Actor,
    on_progress: &mut dyn FnMut(u64, u64),
) -> Result<K::Release, K::Error> {
    crate::jobs::run_tracked(
        job,
        crate::jobs::ProgressTo::Database,
        on_progress,
        K::in_use,
        "Import failed; the previous release is still in use.",
        |progress| import::<K>(conn, paths, name, actor, progress),
    )
}
