//! Running an import as a recorded job: progress goes to the `jobs` table
//! (through its own connection, at most once a second) so any app instance
//! can show it, and the outcome is written when it ends.

use std::fmt::Display;
use std::time::{Duration, Instant};

use crate::db::{jobs, DbConn};

pub fn run_tracked<T, E: Display>(
    job_conn: &mut DbConn,
    job_id: i64,
    on_progress: &mut dyn FnMut(u64, u64),
    describe: impl Fn(&T) -> String,
    work: impl FnOnce(&mut dyn FnMut(u64, u64)) -> Result<T, E>,
) -> Result<T, E> {
    let mut last = Instant::now() - Duration::from_secs(2);
    let result = {
        let mut progress = |done: u64, total: u64| {
            on_progress(done, total);
            if last.elapsed() >= Duration::from_secs(1) || done == total {
                last = Instant::now();
                if let Err(e) = jobs::progress(job_conn, job_id, done, total) {
                    tracing::warn!(error = %e, "could not record import progress");
                }
            }
        };
        work(&mut progress)
    };
    let message = match &result {
        Ok(value) => describe(value),
        Err(e) => format!("Import failed; the previous release is still in use. {e}"),
    };
    if let Err(e) = jobs::finish(job_conn, job_id, result.is_ok(), &message) {
        tracing::error!(error = %e, job_id, "could not record the end of an import");
    }
    result
}
