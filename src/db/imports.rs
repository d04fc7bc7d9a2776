//! Import batches: one per uploaded spend file, from upload to commit (or
//! cancel, or undo). The uploaded file is kept in the database in chunks
//! until the batch is committed or cancelled, so whichever app instance runs
//! the next step can read it; mapping profiles are kept per institution.

use crate::domain::account::Reach;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use super::audit::{self, Actor, Change};
use super::schema::{import_batches as b, import_file_chunks as c, import_profiles as p};
use super::{now, write_tx, DbConn};
use super::{Error, ImportRefusal, ImportStep};
use crate::domain::spend_file::{Layout, Settings};

const CHUNK_BYTES: usize = 1 << 20;

/// Where a batch is in its life.
pub mod status {
    pub const UPLOADED: &str = "uploaded";
    pub const PREVIEWING: &str = "previewing";
    pub const PREVIEWED: &str = "previewed";
    pub const COMMITTING: &str = "committing";
    pub const COMMITTED: &str = "committed";
    pub const FAILED: &str = "failed";
    pub const UNDONE: &str = "undone";
    pub const CANCELLED: &str = "cancelled";
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = b)]
pub struct Batch {
    pub id: i64,
    pub institution_id: i64,
    pub file_name: String,
    pub file_hash: String,
    pub file_size: i64,
    pub status: String,
    pub layout: String,
    pub settings: String,
    pub preview: String,
    pub message: String,
    pub line_count: i64,
    pub skipped_count: i64,
    pub total_pence: i64,
    pub job_id: Option<i64>,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub committed_by: Option<i64>,
    pub committed_at: Option<NaiveDateTime>,
    pub undone_by: Option<i64>,
    pub undone_at: Option<NaiveDateTime>,
    pub version: i64,
}

impl Batch {
    pub fn layout(&self) -> Result<Layout, Error> {
        serde_json::from_str(&self.layout).map_err(Error::internal)
    }

    pub fn settings(&self) -> Option<Settings> {
        serde_json::from_str(&self.settings).ok()
    }

    /// Whether the uploaded file is still held (not yet committed or dropped).
    pub fn holds_file(&self) -> bool {
        matches!(
            self.status.as_str(),
            status::UPLOADED | status::PREVIEWING | status::PREVIEWED | status::FAILED
        )
    }
}

fn to_json(value: &impl Serialize) -> Result<String, Error> {
    serde_json::to_string(value).map_err(Error::internal)
}

/// Records a new batch for a received file.
#[allow(clippy::too_many_arguments)]
pub fn create(
    conn: &mut DbConn,
    actor: &Actor,
    institution_id: i64,
    file_name: &str,
    file_hash: &str,
    file_size: u64,
    layout: &Layout,
    settings: &Settings,
    initial_status: &str,
) -> Result<i64, Error> {
    let layout = to_json(layout)?;
    let settings = to_json(settings)?;
    write_tx(conn, |conn| {
        let id: i64 = diesel::insert_into(b::table)
            .values((
                b::institution_id.eq(institution_id),
                b::file_name.eq(file_name),
                b::file_hash.eq(file_hash),
                b::file_size.eq(file_size as i64),
                b::status.eq(initial_status),
                b::layout.eq(&layout),
                b::settings.eq(&settings),
                b::created_by.eq(actor.user_id),
                b::created_at.eq(now()),
            ))
            .returning(b::id)
            .get_result(conn)?;
        audit::record(
            conn,
            actor,
            Change::new("upload", "import_batch", id)
                .institution(Some(institution_id))
                .summary(format!(
                    "Spend file {file_name} received ({file_size} bytes)"
                )),
        )?;
        Ok(id)
    })
}

/// The refusal of `step` for a batch whose status does not allow it.
fn refused(step: ImportStep, batch: &Batch) -> Error {
    Error::Import(ImportRefusal::WrongStatus {
        step,
        status: batch.status.clone(),
    })
}

/// Stores a file in the database in chunks, in one transaction.
pub fn store_file(conn: &mut DbConn, batch_id: i64, path: &Path) -> Result<(), Error> {
    let mut file = std::fs::File::open(path).map_err(Error::internal)?;
    write_tx(conn, |conn| {
        let mut buf = vec![0u8; CHUNK_BYTES];
        let mut seq = 0_i64;
        loop {
            let mut filled = 0;
            while filled < buf.len() {
                let n = file.read(&mut buf[filled..]).map_err(Error::internal)?;
                if n == 0 {
                    break;
                }
                filled += n;
            }
            if filled == 0 {
                break;
            }
            diesel::insert_into(c::table)
                .values((
                    c::batch_id.eq(batch_id),
                    c::seq.eq(seq),
                    c::data.eq(&buf[..filled]),
                ))
                .execute(conn)?;
            seq += 1;
        }
        Ok(())
    })
}

/// A batch's file copied out of the database to a temporary file, deleted
/// when dropped.
pub struct LocalCopy {
    pub path: PathBuf,
}

impl Drop for LocalCopy {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Copies a batch's stored file to a temporary file, one chunk at a time.
pub fn local_copy(conn: &mut DbConn, batch_id: i64) -> Result<LocalCopy, Error> {
    let copy = LocalCopy {
        path: std::env::temp_dir().join(format!(
            "localspend-batch-{batch_id}-{}.csv",
            &crate::tokens::random_token()[..12]
        )),
    };
    let mut out =
        std::io::BufWriter::new(std::fs::File::create(&copy.path).map_err(Error::internal)?);
    let mut seq = 0_i64;
    loop {
        let chunk: Option<Vec<u8>> = c::table
            .filter(c::batch_id.eq(batch_id))
            .filter(c::seq.eq(seq))
            .select(c::data)
            .first(conn)
            .optional()?;
        let Some(chunk) = chunk else { break };
        out.write_all(&chunk).map_err(Error::internal)?;
        seq += 1;
    }
    if seq == 0 {
        return Err(Error::Import(ImportRefusal::FileGone));
    }
    out.flush().map_err(Error::internal)?;
    Ok(copy)
}

pub fn drop_file(conn: &mut DbConn, batch_id: i64) -> QueryResult<usize> {
    diesel::delete(c::table.filter(c::batch_id.eq(batch_id))).execute(conn)
}

pub fn get(conn: &mut DbConn, id: i64) -> QueryResult<Batch> {
    b::table.find(id).select(Batch::as_select()).first(conn)
}

/// Recent batches of the institutions a reach covers.
pub fn recent(conn: &mut DbConn, reach: &Reach, limit: i64) -> QueryResult<Vec<Batch>> {
    let mut q = b::table
        .select(Batch::as_select())
        .order(b::id.desc())
        .limit(limit)
        .into_boxed();
    if let Some(ids) = reach.ids() {
        q = q.filter(b::institution_id.eq_any(ids.to_vec()));
    }
    q.load(conn)
}

/// Earlier committed batches of the same file for the same institution.
pub fn same_file(
    conn: &mut DbConn,
    institution_id: i64,
    file_hash: &str,
    except: i64,
) -> QueryResult<Vec<(i64, Option<NaiveDateTime>)>> {
    b::table
        .filter(b::institution_id.eq(institution_id))
        .filter(b::file_hash.eq(file_hash))
        .filter(b::status.eq(status::COMMITTED))
        .filter(b::id.ne(except))
        .select((b::id, b::committed_at))
        .order(b::id)
        .load(conn)
}

/// Saves the clerk's mapping (checking nobody else changed the batch since
/// it was shown) and marks the batch as being previewed by `job_id`.
pub fn start_preview(
    conn: &mut DbConn,
    actor: &Actor,
    id: i64,
    expected_version: i64,
    settings: &Settings,
    job_id: i64,
) -> Result<(), Error> {
    let next = status::PREVIEWING;
    save_mapping(
        conn,
        actor,
        id,
        expected_version,
        settings,
        next,
        Some(job_id),
    )
    .map(|_| ())
}

/// Saves the mapping of a batch not previewed and marks it as being
/// committed (by `job_id`, if tracked), to be checked as it is written: a
/// file committed in one reading.
pub fn start_checked_commit(
    conn: &mut DbConn,
    actor: &Actor,
    id: i64,
    expected_version: i64,
    settings: &Settings,
    job_id: Option<i64>,
) -> Result<Batch, Error> {
    let next = status::COMMITTING;
    save_mapping(conn, actor, id, expected_version, settings, next, job_id)
}

/// Saves a mapping made from `expected_version` and moves the batch on to
/// `next`, audited.
fn save_mapping(
    conn: &mut DbConn,
    actor: &Actor,
    id: i64,
    expected_version: i64,
    settings: &Settings,
    next: &str,
    job_id: Option<i64>,
) -> Result<Batch, Error> {
    let json = to_json(settings)?;
    write_tx(conn, |conn| {
        let batch = get(conn, id)?;
        if batch.version != expected_version {
            return Err(Error::Import(ImportRefusal::Changed { committing: false }));
        }
        if !batch.holds_file() {
            return Err(refused(ImportStep::Map, &batch));
        }
        diesel::update(b::table.find(id))
            .set((
                b::settings.eq(&json),
                b::status.eq(next),
                b::job_id.eq(job_id),
                b::preview.eq(""),
                b::message.eq(""),
                b::version.eq(b::version + 1),
            ))
            .execute(conn)?;
        audit::record(
            conn,
            actor,
            Change::new("map", "import_batch", id)
                .institution(Some(batch.institution_id))
                .summary(format!("Column mapping set for {}", batch.file_name))
                .before(&batch.settings())
                .after(settings),
        )?;
        Ok(get(conn, id)?)
    })
}

/// Records the outcome of a preview.
pub fn finish_preview(
    conn: &mut DbConn,
    id: i64,
    outcome: Result<(&impl Serialize, i64, i64), &str>,
) -> Result<(), Error> {
    let (state, preview, message, lines, total) = match outcome {
        Ok((preview, lines, total)) => (
            status::PREVIEWED,
            to_json(preview)?,
            String::new(),
            lines,
            total,
        ),
        Err(message) => (status::FAILED, String::new(), message.to_owned(), 0, 0),
    };
    diesel::update(b::table.find(id))
        .set((
            b::status.eq(state),
            b::preview.eq(preview),
            b::message.eq(message),
            b::line_count.eq(lines),
            b::total_pence.eq(total),
            b::version.eq(b::version + 1),
        ))
        .execute(conn)?;
    Ok(())
}

/// Marks a previewed batch as being committed by `job_id`.
pub fn start_commit(
    conn: &mut DbConn,
    id: i64,
    expected_version: i64,
    job_id: Option<i64>,
    leave_out: bool,
    keep_rows: Vec<u64>,
) -> Result<Batch, Error> {
    write_tx(conn, |conn| {
        let batch = get(conn, id)?;
        if batch.version != expected_version {
            return Err(Error::Import(ImportRefusal::Changed { committing: true }));
        }
        if batch.status != status::PREVIEWED {
            return Err(refused(ImportStep::Commit, &batch));
        }
        // The clerk's choices to leave unreadable rows out and to keep
        // lines already on record are part of how the file is read, kept
        // with the mapping.
        let mut settings = batch
            .settings()
            .ok_or_else(|| Error::internal(format!("batch {id} was previewed with no mapping")))?;
        settings.skip_unreadable = leave_out;
        settings.keep_rows = keep_rows;
        diesel::update(b::table.find(id))
            .set((
                b::settings.eq(to_json(&settings)?),
                b::status.eq(status::COMMITTING),
                b::job_id.eq(job_id.or(batch.job_id)),
                b::version.eq(b::version + 1),
            ))
            .execute(conn)?;
        Ok(batch)
    })
}

/// Within the commit's transaction: the batch is committed with its counts
/// and its figures as committed (replacing the preview's), and its file is
/// dropped.
pub fn mark_committed(
    conn: &mut DbConn,
    actor: &Actor,
    id: i64,
    added: i64,
    skipped: i64,
    total_pence: i64,
    figures: &impl Serialize,
) -> Result<(), Error> {
    diesel::update(b::table.find(id))
        .set((
            b::status.eq(status::COMMITTED),
            b::preview.eq(to_json(figures)?),
            b::line_count.eq(added),
            b::skipped_count.eq(skipped),
            b::total_pence.eq(total_pence),
            b::committed_by.eq(actor.user_id),
            b::committed_at.eq(now()),
            b::message.eq(""),
            b::version.eq(b::version + 1),
        ))
        .execute(conn)?;
    drop_file(conn, id)?;
    Ok(())
}

/// After a failed commit (nothing was written): back to previewed, with the
/// reason.
pub fn commit_failed(conn: &mut DbConn, id: i64, message: &str) -> QueryResult<()> {
    diesel::update(b::table.find(id))
        .set((
            b::status.eq(status::PREVIEWED),
            b::message.eq(message),
            b::version.eq(b::version + 1),
        ))
        .execute(conn)?;
    Ok(())
}

/// Drops an uncommitted batch and its file.
pub fn cancel(conn: &mut DbConn, actor: &Actor, id: i64) -> Result<Batch, Error> {
    write_tx(conn, |conn| {
        let batch = get(conn, id)?;
        if !batch.holds_file() {
            return Err(refused(ImportStep::Cancel, &batch));
        }
        drop_file(conn, id)?;
        diesel::update(b::table.find(id))
            .set((
                b::status.eq(status::CANCELLED),
                b::version.eq(b::version + 1),
            ))
            .execute(conn)?;
        audit::record(
            conn,
            actor,
            Change::new("cancel", "import_batch", id)
                .institution(Some(batch.institution_id))
                .summary(format!("Import of {} cancelled", batch.file_name)),
        )?;
        Ok(batch)
    })
}

/// Undoes a committed batch whole: its live lines are deleted (softly, so
/// the record stays), in one transaction with the audit row.
pub fn undo(conn: &mut DbConn, actor: &Actor, id: i64) -> Result<(Batch, usize), Error> {
    use super::schema::spend_lines as l;
    write_tx(conn, |conn| {
        let batch = get(conn, id)?;
        if batch.status != status::COMMITTED {
            return Err(refused(ImportStep::Undo, &batch));
        }
        // Undoing would change a closed year's figures.
        let guard = super::closed_years::Guard::load(conn, batch.institution_id)?;
        for (closed, from, to) in guard.ranges() {
            let dated: Option<chrono::NaiveDate> = l::table
                .filter(l::import_batch_id.eq(id))
                .filter(l::deleted_at.is_null())
                .filter(l::payment_date.between(from, to))
                .select(l::payment_date)
                .first(conn)
                .optional()?;
            if let Some(date) = dated {
                return Err(Error::Closed(format!(
                    "This import cannot be undone: {}",
                    super::closed_years::refusal(closed, date)
                )));
            }
        }
        let at = now();
        super::totals::remove(conn, super::totals::Lines::Batch(id))?;
        let removed = diesel::update(
            l::table
                .filter(l::import_batch_id.eq(id))
                .filter(l::deleted_at.is_null()),
        )
        .set((
            l::deleted_at.eq(at),
            l::updated_at.eq(at),
            l::version.eq(l::version + 1),
        ))
        .execute(conn)?;
        diesel::update(b::table.find(id))
            .set((
                b::status.eq(status::UNDONE),
                b::undone_by.eq(actor.user_id),
                b::undone_at.eq(at),
                b::version.eq(b::version + 1),
            ))
            .execute(conn)?;
        audit::record(
            conn,
            actor,
            Change::new("undo", "import_batch", id)
                .institution(Some(batch.institution_id))
                .summary(format!(
                    "Import of {} undone: {removed} lines removed",
                    batch.file_name
                )),
        )?;
        Ok((batch, removed))
    })
}

/// The mapping last confirmed for this layout at this institution.
pub fn profile(
    conn: &mut DbConn,
    institution_id: i64,
    signature: &str,
) -> QueryResult<Option<Settings>> {
    let json: Option<String> = p::table
        .filter(p::institution_id.eq(institution_id))
        .filter(p::signature.eq(signature))
        .select(p::settings)
        .first(conn)
        .optional()?;
    Ok(json.and_then(|j| serde_json::from_str(&j).ok()))
}

pub fn save_profile(
    conn: &mut DbConn,
    actor: &Actor,
    institution_id: i64,
    signature: &str,
    settings: &Settings,
) -> Result<(), Error> {
    let mut kept = settings.clone();
    // The period and the lines kept although on record are about one
    // file, not the layout.
    kept.period = None;
    kept.keep_rows.clear();
    let json = to_json(&kept)?;
    write_tx(conn, |conn| {
        let before = profile(conn, institution_id, signature)?;
        audit::record(
            conn,
            actor,
            Change::new("save", "import_profile", signature)
                .institution(Some(institution_id))
                .summary("Saved the column mapping for this file layout")
                .before(&before)
                .after(&kept),
        )?;
        let updated = diesel::update(
            p::table
                .filter(p::institution_id.eq(institution_id))
                .filter(p::signature.eq(signature)),
        )
        .set((
            p::settings.eq(&json),
            p::updated_by.eq(&actor.name),
            p::updated_at.eq(now()),
        ))
        .execute(conn)?;
        if updated == 0 {
            diesel::insert_into(p::table)
                .values((
                    p::institution_id.eq(institution_id),
                    p::signature.eq(signature),
                    p::settings.eq(&json),
                    p::updated_by.eq(&actor.name),
                    p::updated_at.eq(now()),
                ))
                .execute(conn)?;
        }
        Ok(())
    })
}

/// A row left out of a committed import, as kept with its batch.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct RowLeftOut {
    pub row_number: i64,
    pub line_number: i64,
    pub reason: String,
    /// The row's cells, as a JSON array.
    pub cells: String,
}

impl RowLeftOut {
    pub fn cells(&self) -> Vec<String> {
        serde_json::from_str(&self.cells).unwrap_or_default()
    }
}

/// Within the commit's transaction: keeps the rows the clerk chose to leave
/// out, with why, for the batch.
pub fn keep_rows_left_out(
    conn: &mut DbConn,
    batch_id: i64,
    rows: &[(u64, u64, &str, &[String])],
) -> Result<(), Error> {
    use super::schema::import_rows_left_out as l;
    // Rows left out are few (a file mostly of broken rows is fixed, not
    // imported), so one insert each.
    for (row, line, reason, cells) in rows {
        diesel::insert_into(l::table)
            .values((
                l::batch_id.eq(batch_id),
                l::row_number.eq(*row as i64),
                l::line_number.eq(*line as i64),
                l::reason.eq(*reason),
                l::cells.eq(to_json(cells)?),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The rows left out of a batch, in file order.
pub fn rows_left_out(conn: &mut DbConn, batch_id: i64) -> Result<Vec<RowLeftOut>, Error> {
    use super::schema::import_rows_left_out as l;
    Ok(l::table
        .filter(l::batch_id.eq(batch_id))
        .order(l::row_number)
        .select((l::row_number, l::line_number, l::reason, l::cells))
        .load(conn)?)
}
