//! The commit's two threads: the reading thread parses, fingerprints,
//! matches and tallies each line and builds each batch's insert; the writing
//! thread only writes, in one transaction with the batch's status, its audit
//! record and its figures, so a file goes in whole or not at all.

use std::sync::mpsc::{Receiver, SyncSender};

use chrono::SubsecRound;

use super::fingerprint::Fingerprints;
use super::matching::{new_supplier, SupplierIndex};
use super::reader::{file_size, open};
use super::tally::{Payee, PaymentTypes, Tally};
use super::{
    CommitRequest, Committed, FileToRead, HashSet, Preview, SpendImportError, BYTES_PER_LINE,
    INSERT_BATCH,
};
use crate::db::audit::{self, Actor, Change};
use crate::db::imports;
use crate::db::spend::{self, LineRow};
use crate::db::suppliers::NewSupplier;
use crate::db::{now, suppliers, totals, write_tx, Backend, DbConn};
use crate::domain::dates::DateOrder;
use crate::domain::money::Pence;
use crate::domain::spend::VatBasis;
use crate::domain::supplier::Source;
use crate::import::spend_file::read_rows;

/// The reading thread's ends of the channels between the two threads.
pub(super) struct ReaderEnds<'a> {
    to_writer: &'a SyncSender<Handoff>,
    /// Blocks of reserved supplier ids, each asked for by a
    /// [`Handoff::NeedIds`].
    ids: &'a Receiver<Vec<i64>>,
    /// Lines the writer has finished with, to be freed where allocated.
    spent: &'a Receiver<Vec<LineRow>>,
}

/// Lines ready to write, and the suppliers they name that are not yet on
/// record (written first).
pub(super) struct Unwritten {
    lines: spend::LineBatch,
    suppliers: Vec<NewSupplier>,
}

/// What the reading thread hands the writing one during a commit.
pub(super) enum Handoff {
    Write(Unwritten),
    /// The reader has run out of supplier ids: reserve more and send them.
    NeedIds,
    /// Bytes of the file read so far.
    Read(u64),
}

/// What the reading thread knows at the end of the file: the file's
/// figures, how many suppliers it named that are new, and the last lines,
/// written only if the file can be committed.
pub(super) struct Staged {
    tally: Tally,
    created: usize,
    last: Unwritten,
}

/// The commit's reading side, on a thread of its own: reads and parses the
/// file, matches each line's supplier, works out its payment type, tallies
/// what a preview would show, and hands the lines over in batches, built
/// for the database they go to. Lines naming a supplier not on record get
/// an id reserved by the writing thread ([`Handoff::NeedIds`]).
pub(super) fn stage(
    file: &FileToRead<'_>,
    order: DateOrder,
    mut index: SupplierIndex,
    shared: spend::BatchShared,
    for_sqlite: bool,
    ends: ReaderEnds<'_>,
) -> Result<Staged, SpendImportError> {
    let (to_writer, ids, spent) = (ends.to_writer, ends.ids, ends.spent);
    let FileToRead {
        path,
        layout,
        settings,
    } = *file;
    // The writer has stopped (with its own error, which is the one reported).
    let stopped = || SpendImportError::Refused("the writing stopped".into());
    let mut tally = Tally::new(settings);
    let mut types = PaymentTypes::default();
    let mut fingerprints = Fingerprints::keeping(&settings.keep_rows, shared.batch_id);
    let mut earlier = Earlier::default();
    let mut created: HashSet<i64> = HashSet::default();
    let mut free_ids = std::collections::VecDeque::new();
    let mut lines: Vec<LineRow> = Vec::with_capacity(INSERT_BATCH);
    let mut new_suppliers: Vec<NewSupplier> = Vec::new();
    let mut reader = open(path)?;
    read_rows::<SpendImportError>(
        &mut reader,
        layout,
        settings,
        order,
        &mut |row, parsed, e| {
            let fingerprint = fingerprints.of_kept(row.row, &parsed);
            let Some(mut line) = tally.take(row, parsed, e) else {
                return Ok(());
            };
            // Once a row cannot be read nothing more is written; the rest
            // of the file is still read, to list every such row.
            let refused = tally.p.rejected_count > 0 && !settings.skip_unreadable;
            index.classify(&mut line, row);
            let (supplier, payee) = if line.payee_class.is_some() {
                (None, Payee::Class)
            } else if line.redacted {
                (None, Payee::Withheld)
            } else {
                match index.resolve(&line, row) {
                    Some(id) if id < 0 => (None, Payee::NewAgain),
                    Some(id) if created.contains(&id) => (Some(id), Payee::NewAgain),
                    Some(id) => (Some(id), Payee::Known(id)),
                    None if refused => {
                        index.stand_in(&line);
                        (None, Payee::New)
                    }
                    None => {
                        if free_ids.is_empty() {
                            to_writer.send(Handoff::NeedIds).map_err(|_| stopped())?;
                            free_ids.extend(ids.recv().map_err(|_| stopped())?);
                        }
                        let id = free_ids.pop_front().ok_or_else(stopped)?;
                        let taken = line
                            .supplier_ref
                            .as_deref()
                            .is_some_and(|r| index.knows_ref(r));
                        new_suppliers.push(new_supplier(id, &line, shared.institution_id, taken)?);
                        created.insert(id);
                        index.learn(&line, id);
                        (Some(id), Payee::New)
                    }
                }
            };
            let payment_type = types.of(&line, supplier, &index);
            tally.line(row, &line, (supplier, payee), payment_type);
            if refused {
                return Ok(());
            }
            if !fingerprints.keeps(row.row) {
                earlier.note(lines.len(), &line);
            }
            lines.push(LineRow::imported(
                &shared,
                line,
                supplier,
                payment_type,
                row.row,
                fingerprint,
            ));
            if lines.len() == INSERT_BATCH {
                let full = std::mem::replace(&mut lines, Vec::with_capacity(INSERT_BATCH));
                let batch = Unwritten {
                    lines: earlier.attach(spend::LineBatch::new(full, for_sqlite)),
                    suppliers: std::mem::take(&mut new_suppliers),
                };
                to_writer
                    .send(Handoff::Write(batch))
                    .map_err(|_| stopped())?;
                // Lines the writer has finished with are freed here, where
                // they were allocated: cheaper, and the writer is busier.
                while let Ok(done) = spent.try_recv() {
                    drop(done);
                }
            }
            Ok(())
        },
        &mut |bytes| {
            // A stopped writer is noticed at the next batch.
            let _ = to_writer.send(Handoff::Read(bytes));
        },
    )?;
    for (at, message) in index.warnings() {
        tally.warn(at, message);
    }
    Ok(Staged {
        tally,
        created: created.len(),
        last: Unwritten {
            lines: earlier.attach(spend::LineBatch::new(lines, for_sqlite)),
            suppliers: new_suppliers,
        },
    })
}

/// Writes the file's lines in one transaction with the batch's status, the
/// audit record and the file's figures (what a preview shows, as committed):
/// all of them (less those already on record) or none.
///
/// The file is checked as it is written, so a file that was not previewed
/// can be committed in one reading: a row that cannot be read stops the
/// writing but not the reading, and the commit then fails with every such
/// row listed ([`SpendImportError::Blocked`]). With no `order` the file's
/// dates decide it, as in a preview.
pub fn commit(
    conn: &mut DbConn,
    req: &CommitRequest<'_>,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<(Committed, Preview), SpendImportError> {
    crate::db::with_bulk_load(conn, |conn| {
        let mut writing =
            |conn: &mut DbConn, order| write_tx(conn, |conn| commit_in(conn, req, order, progress));
        match writing(conn, req.order) {
            Err(SpendImportError::MonthFirst) => writing(conn, Some(DateOrder::MonthFirst)),
            done => done,
        }
    })
}

/// The writing thread's side of a commit: what it has written so far, and
/// what the report totals and the batch's total need.
struct Writer<'a> {
    actor: &'a Actor,
    batch_id: i64,
    /// Provenance of the suppliers the file creates.
    evidence: String,
    out: Committed,
    /// The report totals: counted here when every line of a batch went in,
    /// read back from the table when some were already on record.
    pending: totals::Pending,
    /// The batch's total, summed as written while no line was skipped.
    summed: Option<i64>,
    /// Lines written go back to the reading thread to be freed there.
    spent: std::sync::mpsc::Sender<Vec<LineRow>>,
    /// The institution's closed years: a line dated in one stops the commit.
    closed: crate::db::closed_years::Guard,
}

impl Writer<'_> {
    /// Writes a batch of lines, after the suppliers they name that are new.
    fn flush(&mut self, conn: &mut DbConn, unwritten: Unwritten) -> Result<(), SpendImportError> {
        suppliers::create_many(
            conn,
            self.actor,
            &unwritten.suppliers,
            Source::Import,
            &self.evidence,
        )?;
        let (lines, earlier) = recorded_earlier(conn, unwritten.lines)?;
        if earlier > 0 {
            self.summed = None;
            self.out.skipped += earlier as i64;
        }
        let batch = &lines.rows;
        let (Some(first), Some(last)) = (batch.first(), batch.last()) else {
            return Ok(());
        };
        if !self.closed.is_open() {
            if let Some((row, c)) = batch
                .iter()
                .find_map(|r| Some((r, self.closed.closure(r.payment_date)?)))
            {
                return Err(SpendImportError::Refused(format!(
                    "Row {}: {} Nothing was imported.",
                    row.import_row.unwrap_or(0),
                    crate::db::closed_years::refusal(c, row.payment_date)
                )));
            }
        }
        let added = spend::insert_batch(conn, &lines)?;
        if added == batch.len() {
            for r in batch {
                self.pending.count(r);
            }
            let sum = batch.iter().map(|r| r.amount_pence).sum::<i64>();
            self.summed = self.summed.map(|t| t + sum);
        } else {
            totals::add(
                conn,
                totals::Lines::BatchRows(
                    self.batch_id,
                    first.import_row.unwrap_or(0),
                    last.import_row.unwrap_or(i64::MAX),
                ),
            )?;
            self.summed = None;
        }
        self.out.added += added as i64;
        self.out.skipped += (batch.len() - added) as i64;
        // Freed by the reader, if it is still reading.
        let _ = self.spent.send(lines.rows);
        Ok(())
    }
}

/// The fingerprints a batch's lines would have had before line and card
/// statement references were read, gathered as the lines are.
#[derive(Default)]
struct Earlier {
    prints: Fingerprints,
    pending: Vec<(usize, chrono::NaiveDate, i64)>,
}

impl Earlier {
    fn note(&mut self, index: usize, line: &crate::domain::spend_file::ParsedLine) {
        if let Some(print) = self.prints.without_new_refs(line) {
            self.pending.push((index, line.payment_date, print));
        }
    }

    fn attach(&mut self, mut batch: spend::LineBatch) -> spend::LineBatch {
        batch.before_new_refs = std::mem::take(&mut self.pending);
        batch
    }
}

/// Leaves out of a batch the lines recorded before line and statement
/// references were read (by the fingerprint they had then); returns the
/// rest and how many were left out.
fn recorded_earlier(
    conn: &mut DbConn,
    batch: spend::LineBatch,
) -> diesel::QueryResult<(spend::LineBatch, usize)> {
    let Some(first) = batch.rows.first() else {
        return Ok((batch, 0));
    };
    if batch.before_new_refs.is_empty() {
        return Ok((batch, 0));
    }
    let pairs: Vec<(chrono::NaiveDate, i64)> = batch
        .before_new_refs
        .iter()
        .map(|(_, d, f)| (*d, *f))
        .collect();
    let found = spend::recorded_without_new_refs(conn, first.institution_id, &pairs)?;
    let drop: HashSet<usize> = batch
        .before_new_refs
        .iter()
        .filter(|(_, d, f)| found.iter().any(|(fd, ff, _)| fd == d && ff == f))
        .map(|(i, _, _)| *i)
        .collect();
    if drop.is_empty() {
        return Ok((batch, 0));
    }
    let rows: Vec<LineRow> = batch
        .rows
        .into_iter()
        .enumerate()
        .filter(|(i, _)| !drop.contains(i))
        .map(|(_, r)| r)
        .collect();
    let for_sqlite = crate::db::Backend::of(conn) == crate::db::Backend::Sqlite;
    Ok((spend::LineBatch::new(rows, for_sqlite), drop.len()))
}

/// One attempt at a commit, inside its transaction: the two threads, then
/// the batch's outcome.
fn commit_in(
    conn: &mut DbConn,
    req: &CommitRequest<'_>,
    order: Option<DateOrder>,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<(Committed, Preview), SpendImportError> {
    let import = req.batch;
    let (batch_id, institution_id) = (import.id, import.institution_id);
    let total_bytes = file_size(req.file.path);
    let index = SupplierIndex::load(conn, institution_id)?;
    let paused = spend::pause_supplier_index(conn, total_bytes / BYTES_PER_LINE)?;
    let for_sqlite = Backend::of(conn) == Backend::Sqlite;
    let shared = spend::BatchShared {
        institution_id,
        batch_id,
        // As the mapping form reads it.
        vat_basis: VatBasis::from_code(&req.file.settings.vat_basis)
            .unwrap_or(VatBasis::Unknown)
            .code(),
        purchase_card: req.file.settings.purchase_card,
        // To the second: every line carries it twice, and the fraction
        // made the table about 6% larger.
        at: now().trunc_subsecs(0),
        period: req.file.settings.totals_interval(),
    };
    let (spent_tx, spent_rx) = std::sync::mpsc::channel::<Vec<LineRow>>();
    let mut writer = Writer {
        actor: req.actor,
        batch_id,
        evidence: format!("Named in spend file {}", import.file_name),
        out: Committed {
            added: 0,
            skipped: 0,
            total_pence: 0,
            suppliers_created: 0,
            proposals: 0,
        },
        pending: totals::Pending::new(conn)?,
        summed: Some(0),
        spent: spent_tx,
        closed: crate::db::closed_years::Guard::load(conn, institution_id)?,
    };
    let (to_writer, from_reader) = std::sync::mpsc::sync_channel::<Handoff>(4);
    let (ids_tx, ids_rx) = std::sync::mpsc::sync_channel::<Vec<i64>>(1);
    let mut ids = suppliers::ReservedIds::default();
    let staged = std::thread::scope(|scope| {
        // The reader owns its ends: the writer's loop ends when the reader
        // is done and drops its sender.
        let reader = scope.spawn(move || {
            let ends = ReaderEnds {
                to_writer: &to_writer,
                ids: &ids_rx,
                spent: &spent_rx,
            };
            let order = order.unwrap_or(DateOrder::DayFirst);
            stage(&req.file, order, index, shared, for_sqlite, ends)
        });
        let mut written = Ok(());
        for handed in &from_reader {
            let step = match handed {
                Handoff::Write(unwritten) => writer.flush(conn, unwritten),
                Handoff::NeedIds => ids
                    .block(conn)
                    .map(|block| {
                        // A stopped reader needs no ids.
                        let _ = ids_tx.send(block);
                    })
                    .map_err(SpendImportError::from),
                Handoff::Read(bytes) => {
                    progress(bytes, total_bytes);
                    Ok(())
                }
            };
            if step.is_err() {
                written = step;
                break;
            }
        }
        // A reader still sending or waiting for ids stops.
        drop(from_reader);
        drop(ids_tx);
        let staged = reader
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        written.and(staged)
    })?;
    finish(conn, req, order, writer, staged, paused)
}

/// After the whole file was read: the batch goes in (its last lines, the
/// supplier index restored, the report totals, its status and audit record)
/// if nothing stops it.
fn finish(
    conn: &mut DbConn,
    req: &CommitRequest<'_>,
    order: Option<DateOrder>,
    mut writer: Writer<'_>,
    staged: Staged,
    paused_index: Option<String>,
) -> Result<(Committed, Preview), SpendImportError> {
    let import = req.batch;
    let Staged {
        mut tally,
        created,
        last,
    } = staged;
    let left_out = tally.left_out.take().unwrap_or_default();
    let file_evidence = std::mem::take(&mut tally.file_evidence);
    let (mut p, evidence) = tally.finish();
    match order {
        Some(order) => p.date_order = Some(order),
        None if evidence.proven() == Some(DateOrder::MonthFirst) => {
            return Err(SpendImportError::MonthFirst)
        }
        None => {
            p.date_order = evidence.proven();
            p.date_order_needed = evidence.is_ambiguous();
        }
    }
    p.same_file = imports::same_file(conn, import.institution_id, &import.file_hash, import.id)?
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    if !p.can_commit() {
        return Err(SpendImportError::Blocked(Box::new(p)));
    }
    writer.flush(conn, last)?;
    if let Some(sql) = paused_index {
        spend::restore_supplier_index(conn, &sql)?;
    }
    let Writer {
        mut out,
        pending,
        summed,
        ..
    } = writer;
    out.suppliers_created = created as i64;
    pending.write(conn)?;
    out.proposals = file_evidence.propose(
        conn,
        req.actor,
        import.institution_id,
        &import.file_name,
        import.id,
    )? as i64;
    let kept: Vec<(u64, u64, &str, &[String])> = left_out
        .iter()
        .map(|r| (r.at.row, r.at.line, r.reason.as_str(), r.cells.as_slice()))
        .collect();
    imports::keep_rows_left_out(conn, import.id, &kept)?;
    p.already_recorded = out.skipped as u64;
    out.total_pence = match summed {
        Some(total) => total,
        None => spend::batch_total(conn, import.id)?,
    };
    imports::mark_committed(
        conn,
        req.actor,
        import.id,
        out.added,
        out.skipped,
        out.total_pence,
        &p,
    )?;
    audit::record(
        conn,
        req.actor,
        Change::new("commit", "import_batch", import.id)
            .institution(Some(import.institution_id))
            .summary(format!(
                "Imported {}: {} lines added ({}), {} already on record skipped, {} new suppliers{}",
                import.file_name,
                out.added,
                Pence(out.total_pence),
                out.skipped,
                out.suppliers_created,
                if left_out.is_empty() {
                    String::new()
                } else {
                    format!(
                        "; {} rows that cannot be read left out ({} readable in them)",
                        left_out.len(),
                        Pence(p.rejected_pence)
                    )
                }
            ))
            .after(&out),
    )?;
    Ok((out, p))
}
