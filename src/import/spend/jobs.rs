//! Previews and commits as recorded jobs: progress for the browser and the
//! command line, and the batch left as a preview would leave it when a
//! commit fails.

use std::path::Path;

use super::pipeline::commit;
use super::preview::preview;
use super::{CommitRequest, Committed, FileToRead, Preview, SpendImportError};
use crate::db::audit::Actor;
use crate::db::imports::{self, Batch};
use crate::db::{Backend, DbConn};
use crate::domain::dates::DateOrder;
use crate::domain::money::Pence;
use crate::jobs::{run_tracked, ProgressTo, Tracking};

/// Leaves a batch whose checked commit failed as a preview would: with the
/// file's figures when rows stopped it, else with the reason.
pub(super) fn record_failure(
    conn: &mut DbConn,
    batch_id: i64,
    result: &Result<(Committed, Preview), SpendImportError>,
) -> Result<(), SpendImportError> {
    match result {
        Err(SpendImportError::Blocked(p)) => imports::finish_preview(
            conn,
            batch_id,
            Ok((p.as_ref(), p.lines as i64, p.total_pence)),
        )?,
        Err(e) => imports::commit_failed(conn, batch_id, &crate::jobs::shown(e))?,
        Ok(_) => {}
    }
    Ok(())
}

/// Previews a batch's file as a recorded job and stores the preview on the
/// batch.
pub fn run_preview(
    conn: &mut DbConn,
    job: Tracking<'_>,
    batch: &Batch,
    path: &Path,
    on_progress: &mut dyn FnMut(u64, u64),
) -> Result<Preview, SpendImportError> {
    let layout = batch.layout()?;
    let settings = batch
        .settings()
        .ok_or_else(|| SpendImportError::Refused("The column mapping has not been set.".into()))?;
    let file = FileToRead {
        path,
        layout: &layout,
        settings: &settings,
    };
    let result = run_tracked(
        job,
        ProgressTo::Database,
        on_progress,
        |p: &Preview| {
            format!(
                "Preview of {}: {} payments, {} rejected rows.",
                batch.file_name, p.lines, p.rejected_count
            )
        },
        "The preview failed; nothing was imported.",
        |progress| preview(conn, batch, &file, progress),
    );
    match &result {
        Ok(p) => imports::finish_preview(conn, batch.id, Ok((p, p.lines as i64, p.total_pence)))?,
        Err(e) => imports::finish_preview(
            conn,
            batch.id,
            Err::<(&Preview, i64, i64), _>(&e.to_string()),
        )?,
    }
    result
}

/// Commits a previewed batch as a recorded job. On failure nothing is
/// written and the batch goes back to previewed with the reason.
pub fn run_commit(
    conn: &mut DbConn,
    job: Tracking<'_>,
    actor: &Actor,
    batch: &Batch,
    path: &Path,
    on_progress: &mut dyn FnMut(u64, u64),
    before_commit: &mut dyn FnMut(&Preview),
) -> Result<Committed, SpendImportError> {
    let settings = batch
        .settings()
        .ok_or_else(|| SpendImportError::Refused("The column mapping has not been set.".into()))?;
    let preview: Preview = serde_json::from_str(&batch.preview)
        .map_err(|_| SpendImportError::Refused("Preview the file before committing it.".into()))?;
    let committable =
        preview.can_commit() || (settings.skip_unreadable && preview.can_commit_leaving_out());
    let order = match (committable, preview.date_order.or(settings.date_order)) {
        (true, Some(order)) => order,
        (true, None) => DateOrder::DayFirst,
        (false, _) => return Err(SpendImportError::Refused(preview.blockers().join(" "))),
    };
    before_commit(&preview);
    tracked_commit(conn, job, actor, batch, path, Some(order), on_progress)
        .map(|(committed, _)| committed)
}

/// Commits a batch that was not previewed, as a recorded job, checking the
/// file as it is written: one reading of the file instead of two (the
/// command line's import). If the file cannot be committed nothing is
/// written, and the batch is left previewed with what stopped it.
pub fn run_checked_commit(
    conn: &mut DbConn,
    job: Tracking<'_>,
    actor: &Actor,
    batch: &Batch,
    path: &Path,
    on_progress: &mut dyn FnMut(u64, u64),
) -> Result<(Committed, Preview), SpendImportError> {
    let order = batch.settings().and_then(|s| s.date_order);
    tracked_commit(conn, job, actor, batch, path, order, on_progress)
}

/// Commits a batch's file as a recorded job, reading dates in `order` (or
/// as the file's dates decide).
fn tracked_commit(
    conn: &mut DbConn,
    job: Tracking<'_>,
    actor: &Actor,
    batch: &Batch,
    path: &Path,
    order: Option<DateOrder>,
    on_progress: &mut dyn FnMut(u64, u64),
) -> Result<(Committed, Preview), SpendImportError> {
    let layout = batch.layout()?;
    let settings = batch
        .settings()
        .ok_or_else(|| SpendImportError::Refused("The column mapping has not been set.".into()))?;
    // SQLite lets one connection write at a time, and the commit is one
    // transaction: progress stays in this process until it ends.
    let to = if Backend::of(conn) == Backend::Sqlite {
        ProgressTo::Process
    } else {
        ProgressTo::Database
    };
    let req = CommitRequest {
        actor,
        batch,
        file: FileToRead {
            path,
            layout: &layout,
            settings: &settings,
        },
        order,
    };
    let result = run_tracked(
        job,
        to,
        on_progress,
        |(c, _): &(Committed, Preview)| {
            format!(
                "Imported {}: {} lines added ({}), {} already on record skipped; {} values proposed for suppliers on the register.",
                batch.file_name,
                c.added,
                Pence(c.total_pence),
                c.skipped,
                c.proposals
            )
        },
        "The import failed and nothing was imported.",
        |progress| commit(conn, &req, progress),
    );
    record_failure(conn, batch.id, &result)?;
    result
}
