//! Importing a spend file: preview (every row read, checked and matched to a
//! supplier, nothing written) and commit (the same reading, written in one
//! transaction: the whole file or none of it). A line already on record from
//! an earlier import (same fingerprint) is skipped, so re-importing the same
//! or an overlapping file adds nothing twice.

use std::path::Path;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::db::audit::Actor;
use crate::db::imports::{self, Batch};
use crate::db::DbConn;
use crate::domain::dates::DateOrder;
use crate::domain::spend_file::{Layout, Settings};
use crate::error::AppError;
use crate::import::spend_file::{detect, propose, At, ReadError, SAMPLE_BYTES};

mod evidence;
mod fingerprint;
mod jobs;
mod matching;
mod pipeline;
mod preview;
mod reader;
mod tally;

use jobs::record_failure;
use reader::*;

pub use jobs::{run_checked_commit, run_commit, run_preview};
pub use pipeline::commit;
pub use preview::preview;

/// The import looks its maps up for every line: a fast hash, seeded at
/// random per process, costs a fraction of the standard library's SipHash.
pub(super) type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
pub(super) type HashSet<K> = std::collections::HashSet<K, foldhash::fast::RandomState>;

/// Rows listed by name in a preview; beyond this only the count is kept.
pub(super) const LISTED: usize = 1_000;
/// Fingerprints checked against the database per query in a preview.
pub(super) const CHECK_BATCH: usize = 500;
/// Lines per insert in a commit.
pub(super) const INSERT_BATCH: usize = 10_000;
/// About the bytes a line takes in the narrowest spend files (most take
/// more): a file's size divided by this estimates its lines, erring low.
pub(super) const BYTES_PER_LINE: u64 = 100;
/// A payment this large is more often a total row or a typing slip.
pub(super) const LARGE_PENCE: i64 = 100_000_000;

#[derive(Debug, thiserror::Error)]
pub enum SpendImportError {
    #[error(transparent)]
    Read(#[from] ReadError),
    #[error("{0}")]
    Refused(String),
    /// A commit that checked the file as it wrote it found what stops it:
    /// nothing was written, and this is what a preview would have shown.
    #[error("{} Nothing was imported.", .0.blockers().join(" "))]
    Blocked(Box<Preview>),
    /// Read day first, the file proved to be month first: read it again.
    #[error("the dates in this file are month first")]
    MonthFirst,
    #[error(transparent)]
    App(#[from] AppError),
    #[error("database error: {0}")]
    Db(#[from] diesel::result::Error),
}

impl crate::jobs::JobError for SpendImportError {
    fn is_internal(&self) -> bool {
        match self {
            Self::Db(_) => true,
            Self::App(e) => e.is_internal(),
            _ => false,
        }
    }
}

impl From<crate::db::Error> for SpendImportError {
    fn from(e: crate::db::Error) -> Self {
        Self::App(e.into())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowIssue {
    /// The row as a spreadsheet numbers it (the header is row 1).
    pub row: u64,
    /// The text line it starts on, where that differs (a quoted field
    /// spanning lines above it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    pub message: String,
}

impl RowIssue {
    pub fn at(at: At, message: String) -> Self {
        Self {
            row: at.row,
            line: (at.line != at.row).then_some(at.line),
            message,
        }
    }

    /// "row 12" or "row 12 (text line 14)".
    pub fn place(&self) -> String {
        match self.line {
            Some(line) => format!("row {} (text line {line})", self.row),
            None => format!("row {}", self.row),
        }
    }
}

/// What committing a file would do.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Preview {
    pub lines: u64,
    pub blank_rows: u64,
    /// Rows that are not payments (the header again, notes, totals, runs
    /// of blank rows), each with why.
    pub skipped: Vec<RowIssue>,
    pub skipped_count: u64,
    /// The file's own grand total (its row and amount), where it states one.
    pub file_total: Option<(u64, i64)>,
    pub rejected: Vec<RowIssue>,
    pub rejected_count: u64,
    /// The amounts that could be read in the rows that cannot be.
    pub rejected_pence: i64,
    /// The rows that cannot be read are left out (the clerk chose so).
    pub leaving_out: bool,
    pub warnings: Vec<RowIssue>,
    pub warning_count: u64,
    pub total_pence: i64,
    pub credit_lines: u64,
    pub credit_pence: i64,
    pub first_date: Option<NaiveDate>,
    pub last_date: Option<NaiveDate>,
    pub lines_matched: u64,
    pub suppliers_matched: u64,
    pub suppliers_new: u64,
    pub new_supplier_names: Vec<String>,
    pub redacted_lines: u64,
    /// The lines already on record (first [`LISTED`]), each with the
    /// import it is recorded by.
    pub recorded: Vec<RowIssue>,
    /// Lines whose name or supplier id denotes a class of payee (personal
    /// budgets, a purchase card), recorded with no supplier.
    pub class_lines: u64,
    /// (payment type code, lines, pence)
    pub by_payment_type: Vec<(String, u64, i64)>,
    /// Lines already on record from an earlier import; they will be skipped.
    pub already_recorded: u64,
    /// Rows whose date is only a time (`00:00:00`): dates lost at export.
    pub time_only_dates: u64,
    pub date_order: Option<DateOrder>,
    pub date_order_needed: bool,
    /// Earlier committed imports of this very file.
    pub same_file: Vec<i64>,
}

impl Preview {
    /// Why the file cannot be committed as it is, if it cannot.
    pub fn blockers(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.time_only_dates > 0
            && self.time_only_dates == self.rejected_count
            && self.lines == 0
        {
            out.push("Every payment date in this file is a time with no date (such as 00:00:00): the dates were lost when the file was exported. Ask for the file again with its dates; or, if you know the period it covers, state it (the totals period in the form, --period on the command line) to keep each line as a total for that period.".into());
            return out;
        }
        if self.rejected_count > 0 && !self.leaving_out {
            out.push(format!(
                "{} row{} cannot be read (listed below). Correct the file and upload it again: an import commits whole or not at all.",
                self.rejected_count,
                if self.rejected_count == 1 { "" } else { "s" }
            ));
        }
        if self.date_order_needed {
            out.push("Every date in this file reads either day first or month first. Say which the file uses.".into());
        }
        if self.lines == 0 && self.rejected_count == 0 {
            out.push("The file holds no payments.".into());
        }
        out
    }

    pub fn can_commit(&self) -> bool {
        self.blockers().is_empty()
    }

    /// Whether leaving the rows that cannot be read out would let the rest
    /// be imported.
    pub fn can_commit_leaving_out(&self) -> bool {
        self.rejected_count > 0
            && self.lines > 0
            && Preview {
                leaving_out: true,
                ..self.clone()
            }
            .can_commit()
    }

    pub fn lines_to_add(&self) -> u64 {
        self.lines.saturating_sub(self.already_recorded)
    }

    /// Whether the clerk may keep the lines already on record: every one
    /// of them is listed (more is a file imported before, not a few
    /// identical payments).
    pub fn can_keep_recorded(&self) -> bool {
        self.already_recorded > 0 && self.recorded.len() as u64 == self.already_recorded
    }
}

/// SHA-256 of a file, hex.
pub fn hash_file(path: &Path) -> Result<(String, u64), ReadError> {
    let mut reader = open(path)?;
    let mut h = Sha256::new();
    let size = std::io::copy(&mut reader, &mut h).map_err(|e| ReadError::Io(e.to_string()))?;
    Ok((hex::encode(h.finalize()), size))
}

/// A file on disk and how to read it: its layout and the clerk's mapping.
#[derive(Clone, Copy)]
pub struct FileToRead<'a> {
    pub path: &'a Path,
    pub layout: &'a Layout,
    pub settings: &'a Settings,
}

/// A file to commit as an import batch, by whom, and how to read its dates.
pub struct CommitRequest<'a> {
    pub actor: &'a Actor,
    pub batch: &'a Batch,
    pub file: FileToRead<'a>,
    /// How to read numeric dates; `None` lets the file's dates decide, as
    /// in a preview.
    pub order: Option<DateOrder>,
}

/// What a commit did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Committed {
    pub added: i64,
    pub skipped: i64,
    pub total_pence: i64,
    pub suppliers_created: i64,
    /// Values the file's identifier and VCSE columns propose for suppliers
    /// (new ones, for a clerk to accept).
    pub proposals: i64,
}

/// Records a file on disk as an uploaded batch of the institution, named
/// `name` (by default after the file) and identified by its hash; returns
/// the batch's id and name.
pub fn register_file(
    conn: &mut DbConn,
    actor: &Actor,
    institution: i64,
    (path, name): (&Path, Option<&str>),
    layout: &Layout,
    settings: &Settings,
) -> Result<(i64, String), SpendImportError> {
    let (hash, size) = hash_file(path)?;
    let name = name.map_or_else(
        || {
            path.file_name()
                .map_or_else(|| "spend.csv".into(), |n| n.to_string_lossy().into_owned())
        },
        str::to_owned,
    );
    let id = imports::create(
        conn,
        actor,
        institution,
        &name,
        &hash,
        size,
        layout,
        settings,
        imports::status::UPLOADED,
    )?;
    Ok((id, name))
}

/// Imports a whole file in one call, untracked: detect, map as detected,
/// read dates in `order`, and commit in one reading as the command line
/// does (for generated files, such as the demonstration's).
pub fn import_whole(
    conn: &mut DbConn,
    actor: &Actor,
    institution: i64,
    path: &Path,
    order: DateOrder,
) -> Result<Committed, SpendImportError> {
    let (layout, mut settings, _) = inspect(conn, institution, path)?;
    settings.date_order = Some(order);
    let (batch, _) = register_file(conn, actor, institution, (path, None), &layout, &settings)?;
    let batch = imports::start_checked_commit(conn, actor, batch, 1, &settings, None)?;
    let req = CommitRequest {
        actor,
        batch: &batch,
        file: FileToRead {
            path,
            layout: &layout,
            settings: &settings,
        },
        order: Some(order),
    };
    let result = commit(conn, &req, &mut |_, _| {});
    record_failure(conn, batch.id, &result)?;
    Ok(result?.0)
}

/// Reads the start of a file: its layout, and the mapping to propose (the
/// one saved for this layout at this institution if there is one).
pub fn inspect(
    conn: &mut DbConn,
    institution_id: i64,
    path: &Path,
) -> Result<(Layout, Settings, bool), SpendImportError> {
    use std::io::Read;
    let mut sample = Vec::with_capacity(SAMPLE_BYTES);
    open(path)?
        .take(SAMPLE_BYTES as u64)
        .read_to_end(&mut sample)
        .map_err(|e| ReadError::Io(e.to_string()))?;
    let complete = file_size(path) <= sample.len() as u64;
    let layout = detect(&sample, complete)
        .map_err(|e| SpendImportError::Refused(format!("This file cannot be imported: {e}.")))?;
    match imports::profile(conn, institution_id, &layout.signature())? {
        Some(saved) if saved.columns.len() == layout.headers.len() => Ok((layout, saved, true)),
        _ => {
            let proposed = propose(&layout);
            Ok((layout, proposed, false))
        }
    }
}

/// Writes the rows left out of a committed batch as a CSV file laid out like
/// the original (its header, then each row's cells as read), every cell
/// formula-safe; the importer reads such a file back, protective prefixes
/// included. Returns how many rows it wrote.
pub fn write_rows_left_out(
    conn: &mut DbConn,
    batch_id: i64,
    layout: &Layout,
    out: &mut dyn std::io::Write,
) -> Result<u64, SpendImportError> {
    let rows = imports::rows_left_out(conn, batch_id)?;
    let failed = |e: csv::Error| SpendImportError::Read(ReadError::Io(e.to_string()));
    // UTF-8 with a byte-order mark, for the spreadsheet the clerk fixes it
    // in; the importer reads the mark and drops it.
    out.write_all(crate::export::UTF8_BOM)
        .map_err(|e| failed(e.into()))?;
    let mut csv = crate::export::SafeCsv::new(out);
    if layout.header_row.is_some() {
        csv.record(layout.headers.iter().map(|h| {
            if h.starts_with("(blank column ") {
                ""
            } else {
                h.as_str()
            }
        }))
        .map_err(failed)?;
    }
    for r in &rows {
        csv.record(r.cells()).map_err(failed)?;
    }
    csv.into_inner().map_err(failed)?;
    Ok(rows.len() as u64)
}

/// The earliest payment date among a file's sample rows, to put a year of
/// files in date order.
pub fn first_sample_date(layout: &Layout, settings: &Settings) -> Option<NaiveDate> {
    let col = settings.column_of(crate::domain::spend_file::Field::PaymentDate)?;
    let order = settings.date_order.unwrap_or(DateOrder::DayFirst);
    layout
        .samples
        .iter()
        .filter_map(|r| r.get(col))
        .filter_map(|c| {
            crate::domain::dates::parse_date(c, order)
                .ok()
                .map(|(d, _)| d)
        })
        .min()
}
