//! The preview: the whole file read, checked and matched, nothing written.

use chrono::NaiveDate;

use super::matching::SupplierIndex;
use super::reader::{file_size, read_rows_alongside};
use super::tally::{Payee, PaymentTypes, Tally};
use super::{FileToRead, Preview, SpendImportError, CHECK_BATCH};
use crate::db::imports::{self, Batch};
use crate::db::spend;
use crate::db::DbConn;
use crate::domain::dates::{DateOrder, OrderEvidence};

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
    let mut pending: Vec<(NaiveDate, i64)> = Vec::new();
    let mut tally = Tally::new(settings);
    let mut already_recorded = 0;
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
            tally.line(row, &line, payee, payment_type);
            if check_recorded {
                pending.push((line.payment_date, fingerprint));
                if pending.len() == CHECK_BATCH {
                    already_recorded += spend::count_fingerprints(conn, institution_id, &pending)?;
                    pending.clear();
                }
            }
            Ok(())
        },
        &mut |bytes| progress(bytes, total_bytes),
    )?;
    if !pending.is_empty() {
        already_recorded += spend::count_fingerprints(conn, institution_id, &pending)?;
    }
    for (at, message) in index.warnings() {
        tally.warn(at, message);
    }
    let (mut p, evidence) = tally.finish();
    p.already_recorded = already_recorded;
    Ok((p, evidence))
}
