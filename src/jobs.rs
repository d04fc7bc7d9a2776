//! Background jobs: starting one on a thread of its own with its pooled
//! connections ([`in_background`]), and running an import as a recorded job
//! ([`run_tracked`]). The jobs themselves are rows of the `jobs` table
//! ([`crate::db::jobs`]). Progress goes to the `jobs` table
//! (through its own connection, at most once a second) so any app instance
//! can show it, and the outcome is written when it ends.
//!
//! While a job holds SQLite's write lock (a spend commit is one transaction)
//! no other connection can write, so its progress is kept in this process
//! instead ([`live_progress`]); SQLite deployments are one process, so the
//! page showing the job reads it from here.

use std::collections::HashMap;
use std::fmt::Display;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use crate::db::{jobs, DbConn, DbPool};

fn live() -> &'static Mutex<HashMap<i64, (u64, u64)>> {
    static LIVE: OnceLock<Mutex<HashMap<i64, (u64, u64)>>> = OnceLock::new();
    LIVE.get_or_init(Default::default)
}

/// Progress of a job running in this process: (done, total).
pub fn live_progress(job_id: i64) -> Option<(u64, u64)> {
    live().lock().ok()?.get(&job_id).copied()
}

/// Where a running job's progress is recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgressTo {
    /// The `jobs` table (and this process).
    Database,
    /// This process only: the job holds the database's write lock.
    Process,
}

/// A recorded job as its work sees it: the job's id, and the connection its
/// progress is written on (not the one the work uses).
pub struct Tracking<'a> {
    pub conn: &'a mut DbConn,
    pub id: i64,
}

/// An error a job can end with. Failures of our own (the database, the
/// machine) are logged in full and shown only as a plain sentence: the
/// database's own text never reaches a page.
pub trait JobError: Display {
    /// True when the failure is ours, not the file's or the user's.
    fn is_internal(&self) -> bool;
}

/// What a page shows of a job's failure.
pub fn shown(e: &impl JobError) -> String {
    if e.is_internal() {
        tracing::error!(error = %e, "a background job failed");
        "A problem on our side stopped it; it has been logged. Nothing was changed: try again, or ask your administrator.".into()
    } else {
        e.to_string()
    }
}

pub fn run_tracked<T, E: JobError>(
    job: Tracking<'_>,
    to: ProgressTo,
    on_progress: &mut dyn FnMut(u64, u64),
    describe: impl Fn(&T) -> String,
    on_failure: &str,
    work: impl FnOnce(&mut dyn FnMut(u64, u64)) -> Result<T, E>,
) -> Result<T, E> {
    let Tracking {
        conn: job_conn,
        id: job_id,
    } = job;
    let mut last = Instant::now() - Duration::from_secs(2);
    let result = {
        let mut progress = |done: u64, total: u64| {
            on_progress(done, total);
            if last.elapsed() >= Duration::from_millis(500) || done == total {
                last = Instant::now();
                if let Ok(mut map) = live().lock() {
                    map.insert(job_id, (done, total));
                }
                if to == ProgressTo::Database {
                    if let Err(e) = jobs::progress(job_conn, job_id, done, total) {
                        tracing::warn!(error = %e, "could not record import progress");
                    }
                }
            }
        };
        work(&mut progress)
    };
    if let Ok(mut map) = live().lock() {
        map.remove(&job_id);
    }
    let message = match &result {
        Ok(value) => describe(value),
        Err(e) => format!("{on_failure} {}", shown(e)),
    };
    if let Err(e) = jobs::finish(job_conn, job_id, result.is_ok(), &message) {
        tracing::error!(error = %e, job_id, "could not record the end of an import");
    }
    result
}

/// Runs a job's work on a background thread with two pooled connections (one
/// for the work, one for its progress); if none is free the job is recorded
/// as failed with nothing changed.
pub fn in_background(
    pool: DbPool,
    job: i64,
    work: impl FnOnce(&mut DbConn, &mut DbConn) + Send + 'static,
) {
    std::thread::spawn(
        move || match pool.get().and_then(|a| pool.get().map(|b| (a, b))) {
            Ok((mut conn, mut job_conn)) => work(&mut conn, &mut job_conn),
            Err(e) => {
                tracing::error!(error = %e, job, "no database connection for a background job");
                if let Ok(mut c) = pool.get() {
                    let _ = jobs::finish(
                        &mut c,
                        job,
                        false,
                        "No database connection was available; nothing changed.",
                    );
                }
            }
        },
    );
}
