//! The preview: the whole file read, checked and matched, nothing written.

use chrono::NaiveDate;
use diesel::QueryResult;

use super::fingerprint::Fingerprints;
use super::matching::SupplierIndex;
use super::reader::{file_size, read_rows_alongside};
use super::tally::{Payee, PaymentTypes, Tally};
use super::{FileToRead, HashMap, Preview, RowIssue, SpendImportError, CHECK_BATCH, LISTED};
use crate::db::imports::{self, Batch};
use crate::db::spend;
use crate::db::DbConn;
use crate::domain::dates::{DateOrder, OrderEvidence};
use crate::domain::money::Pence;
use crate::domain::spend_file::ParsedLine;
use crate::import::spend_file::At;

/// Reads a batch's whole file without writing anything.
pub fn preview(
    conn: &mut DbConn,
    batch: &Batch,
    file: &FileToRead<'_>,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Preview, SpendImportError> {
    let institution_id = batch.institution_id;
    let settings = file.settings;
    let missing = settings.missing();
    if !missing.is_empty() {
        return Err(SpendImportError::Refused(format!(
            "Say which column holds the {}.",
            missing
                .iter()
                .map(|f| f.label().to_lowercase())
                .collect::<Vec<_>>()
                .join(", the ")
        )));
    }
    let order = settings.date_order.unwrap_or(DateOrder::DayFirst);
    let mut result = preview_pass(conn, institution_id, file, order, progress)?;
    if settings.date_order.is_none() {
        let (mut p, evidence) = result;
        if evidence.proven() == Some(DateOrder::MonthFirst) {
            let (again, _) =
                preview_pass(conn, institution_id, file, DateOrder::MonthFirst, progress)?;
            p = again;
        }
        p.date_order = evidence.proven();
        p.date_order_needed = evidence.is_ambiguous();
        result = (p, evidence);
    } else {
        result.0.date_order = settings.date_order;
    }
    let mut p = result.0;
    p.same_file = imports::same_file(conn, institution_id, &batch.file_hash, batch.id)?
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    Ok(p)
}

/// One reading of the file with dates read in `order`.
fn preview_pass(
    conn: &mut DbConn,
    institution_id: i64,
    file: &FileToRead<'_>,
    order: DateOrder,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<(Preview, OrderEvidence), SpendImportError> {
    let FileToRead {
        path,
        layout,
        settings,
    } = *file;
    let total_bytes = file_size(path);
    let mut index = SupplierIndex::load(conn, institution_id)?;
    let check_recorded = spend::has_live_lines(conn, institution_id)?;
    let mut types = PaymentTypes::default();
    let mut pending = Recorded::default();
    // Fingerprints as lines had them before line and statement references
    // were read, to recognise lines recorded then.
    let mut earlier = Fingerprints::default();
    let mut tally = Tally::new(settings);
    read_rows_alongside::<SpendImportError>(
        path,
        layout,
        settings,
        order,
        &mut |row, parsed, e, fingerprint| {
            let Some(mut line) = tally.take(row, parsed, e) else {
                return Ok(());
            };
            index.classify(&mut line, row);
            let (supplier, payee) = if line.payee_class.is_some() {
                (None, Payee::Class)
            } else if line.redacted {
                (None, Payee::Withheld)
            } else {
                match index.resolve(&line, row) {
                    Some(id) if id > 0 => (Some(id), Payee::Known(id)),
                    Some(_) => (None, Payee::NewAgain),
                    None => {
                        index.stand_in(&line);
                        (None, Payee::New)
                    }
                }
            };
            let payment_type = types.of(&line, supplier, &index);
            tally.line(row, &line, (supplier, payee), payment_type);
            if check_recorded {
                let before = earlier.without_new_refs(&line);
                pending.push(row, &line, fingerprint, before);
                if pending.pairs.len() == CHECK_BATCH {
                    pending.check(conn, institution_id)?;
                }
            }
            Ok(())
        },
        &mut |bytes| progress(bytes, total_bytes),
    )?;
    pending.check(conn, institution_id)?;
    for (at, message) in index.warnings() {
        tally.warn(at, message);
    }
    let (mut p, evidence) = tally.finish();
    p.already_recorded = pending.count;
    p.recorded = pending.listed(conn)?;
    Ok((p, evidence))
}

/// Lines found already on record: checked a batch at a time, the first
/// [`LISTED`] kept with the import they are recorded by.
#[derive(Default)]
struct Recorded {
    pairs: Vec<(NaiveDate, i64)>,
    /// Per pair: the fingerprint the line had before line and statement
    /// references were read, where it has either.
    before: Vec<Option<i64>>,
    /// Per pair: its row, and what the listing says of the line.
    rows: Vec<(At, String)>,
    count: u64,
    found: Vec<(At, String, Option<i64>)>,
}

impl Recorded {
    fn push(&mut self, at: At, line: &ParsedLine, fingerprint: i64, before: Option<i64>) {
        self.pairs.push((line.payment_date, fingerprint));
        self.before.push(before);
        self.rows.push((
            at,
            format!(
                "{} to {} on {}",
                Pence(line.amount),
                line.supplier_name,
                line.payment_date.format("%d/%m/%Y")
            ),
        ));
    }

    fn check(&mut self, conn: &mut DbConn, institution_id: i64) -> QueryResult<()> {
        if self.pairs.is_empty() {
            return Ok(());
        }
        let on_record = spend::recorded_in(conn, institution_id, &self.pairs)?;
        let earlier: Vec<(NaiveDate, i64)> = self
            .pairs
            .iter()
            .zip(&self.before)
            .filter_map(|((d, _), b)| Some((*d, (*b)?)))
            .collect();
        let earlier = spend::recorded_without_new_refs(conn, institution_id, &earlier)?;
        let on_record: HashMap<(NaiveDate, i64), Option<i64>> =
            on_record.into_iter().map(|(d, f, b)| ((d, f), b)).collect();
        let earlier: HashMap<(NaiveDate, i64), Option<i64>> =
            earlier.into_iter().map(|(d, f, b)| ((d, f), b)).collect();
        let rows = self.rows.drain(..).zip(self.before.drain(..));
        for (pair, ((at, what), before)) in self.pairs.drain(..).zip(rows) {
            let found = on_record
                .get(&pair)
                .or_else(|| earlier.get(&(pair.0, before?)));
            if let Some(batch) = found {
                self.count += 1;
                if self.found.len() < LISTED {
                    self.found.push((at, what, *batch));
                }
            }
        }
        Ok(())
    }

    /// The listing, each line with the import (and file) it is on record by.
    fn listed(self, conn: &mut DbConn) -> QueryResult<Vec<RowIssue>> {
        let mut names: HashMap<i64, String> = HashMap::default();
        let mut out = Vec::with_capacity(self.found.len());
        for (at, what, batch) in self.found {
            let by = match batch {
                Some(b) => {
                    let name = names.entry(b).or_insert_with(|| {
                        crate::db::imports::get(conn, b)
                            .map(|x| x.file_name)
                            .unwrap_or_default()
                    });
                    format!("import {b} ({name})")
                }
                None => "a line entered by hand".to_owned(),
            };
            out.push(RowIssue::at(
                at,
                format!("{what}: already on record by {by}"),
            ));
        }
        Ok(out)
    }
}
