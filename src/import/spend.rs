//! Importing a spend file: preview (every row read, checked and matched to a
//! supplier, nothing written) and commit (the same reading, written in one
//! transaction: the whole file or none of it). A line already on record from
//! an earlier import (same fingerprint) is skipped, so re-importing the same
//! or an overlapping file adds nothing twice.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;
use std::sync::mpsc::{Receiver, SyncSender};

use chrono::{NaiveDate, SubsecRound};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::spend_file::{detect, propose, read_rows, ReadError, Row, SAMPLE_BYTES};
use crate::db::audit::{self, Actor, Change};
use crate::db::imports::{self, Batch};
use crate::db::schema::{supplier_aliases as a, supplier_external_ids as x, suppliers as s};
use crate::db::spend::{self, LineRow};
use crate::db::suppliers::NewSupplier;
use crate::db::{now, suppliers, totals, write_tx, Backend, DbConn};
use crate::domain::dates::{DateOrder, OrderEvidence};
use crate::domain::money::Pence;
use crate::domain::spend::VatBasis;
use crate::domain::spend_file::infer_payment_type;
use crate::domain::spend_file::{Layout, ParsedLine, Settings};
use crate::domain::supplier::{
    match_key, normalise_company_number, normalise_name, Source, SupplierFields,
};
use crate::error::AppError;
use crate::jobs::{run_tracked, ProgressTo};

/// The import looks its maps up for every line: a fast hash, seeded at
/// random per process, costs a fraction of the standard library's SipHash.
type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
type HashSet<K> = std::collections::HashSet<K, foldhash::fast::RandomState>;

/// Rows listed by name in a preview; beyond this only the count is kept.
const LISTED: usize = 1_000;
/// Fingerprints checked against the database per query in a preview.
const CHECK_BATCH: usize = 500;
/// Lines per insert in a commit.
const INSERT_BATCH: usize = 10_000;
/// About the bytes a line takes in the narrowest spend files (most take
/// more): a file's size divided by this estimates its lines, erring low.
const BYTES_PER_LINE: u64 = 100;
/// A payment this large is more often a total row or a typing slip.
const LARGE_PENCE: i64 = 100_000_000;

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

impl From<crate::db::Error> for SpendImportError {
    fn from(e: crate::db::Error) -> Self {
        Self::App(e.into())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowIssue {
    pub row: u64,
    pub message: String,
}

/// What committing a file would do.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Preview {
    pub lines: u64,
    pub blank_rows: u64,
    pub footer_rows: Vec<u64>,
    pub rejected: Vec<RowIssue>,
    pub rejected_count: u64,
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
            out.push("Every payment date in this file is a time with no date (such as 00:00:00): the dates were lost when the file was exported. Ask for the file again with its dates; nothing can be imported from this one.".into());
            return out;
        }
        if self.rejected_count > 0 {
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

    pub fn lines_to_add(&self) -> u64 {
        self.lines.saturating_sub(self.already_recorded)
    }
}

/// The supplier register as an import needs it: every way a published name
/// can be recognised.
struct SupplierIndex {
    by_ref: HashMap<String, i64>,
    by_company: HashMap<String, i64>,
    by_name: HashMap<String, i64>,
    by_key: HashMap<String, i64>,
    public_bodies: HashSet<i64>,
    /// Published name → what it resolved to, so each distinct name is
    /// normalised once.
    memo: HashMap<String, Option<i64>>,
    /// Stand-in ids handed out so far (see [`SupplierIndex::stand_in`]).
    stand_ins: i64,
}

impl SupplierIndex {
    fn load(conn: &mut DbConn, institution_id: i64) -> QueryResult<Self> {
        let live: Vec<(i64, String, Option<String>, bool)> = s::table
            .filter(s::merged_into.is_null())
            .select((s::id, s::match_key, s::company_number, s::is_public_body))
            .load(conn)?;
        let names: Vec<(String, i64)> = a::table
            .inner_join(s::table)
            .filter(s::merged_into.is_null())
            .select((a::normalised_name, a::supplier_id))
            .order(a::id)
            .load(conn)?;
        let refs: Vec<(String, i64)> = x::table
            .filter(x::institution_id.eq(institution_id))
            .select((x::external_id, x::supplier_id))
            .load(conn)?;
        let mut index = Self {
            by_ref: refs.into_iter().collect(),
            by_company: HashMap::default(),
            by_name: HashMap::default(),
            by_key: HashMap::default(),
            public_bodies: HashSet::default(),
            memo: HashMap::default(),
            stand_ins: 0,
        };
        for (id, key, company, public) in live {
            index.by_key.entry(key).or_insert(id);
            if let Some(c) = company {
                index.by_company.entry(c).or_insert(id);
            }
            if public {
                index.public_bodies.insert(id);
            }
        }
        for (name, id) in names {
            index.by_name.entry(name).or_insert(id);
        }
        Ok(index)
    }

    fn resolve(&mut self, line: &ParsedLine) -> Option<i64> {
        if let Some(id) = line.supplier_ref.as_ref().and_then(|r| self.by_ref.get(r)) {
            return Some(*id);
        }
        if let Some(id) = line
            .company_number
            .as_deref()
            .and_then(normalise_company_number)
            .and_then(|c| self.by_company.get(&c))
        {
            return Some(*id);
        }
        if let Some(found) = self.memo.get(&line.supplier_name) {
            return *found;
        }
        let found = self
            .by_name
            .get(&normalise_name(&line.supplier_name))
            .or_else(|| self.by_key.get(&match_key(&line.supplier_name)))
            .copied();
        self.memo.insert(line.supplier_name.clone(), found);
        found
    }

    /// Learns the supplier a line names under a stand-in id (negative) when
    /// nothing is to be written (a preview, or a commit that has met a row
    /// it cannot read), so that names a commit would recognise as one
    /// supplier count once.
    fn stand_in(&mut self, line: &ParsedLine) {
        self.stand_ins -= 1;
        self.learn(line, self.stand_ins);
    }

    fn learn(&mut self, line: &ParsedLine, id: i64) {
        self.by_name.insert(normalise_name(&line.supplier_name), id);
        self.by_key
            .entry(match_key(&line.supplier_name))
            .or_insert(id);
        self.memo.insert(line.supplier_name.clone(), Some(id));
        if let Some(r) = &line.supplier_ref {
            self.by_ref.insert(r.clone(), id);
        }
    }
}

/// Counts identical lines within one file, so that two genuinely identical
/// payments in a file are both kept while a second import of it adds neither.
#[derive(Default)]
struct Fingerprints {
    seen: HashMap<u64, u32>,
    /// Published name → normalised, computed once per name.
    names: HashMap<String, String>,
}

impl Fingerprints {
    /// A line's fingerprint; 0 for any other row.
    fn of(&mut self, row: &Row) -> i64 {
        match row {
            Row::Line(line) => self.next(line),
            _ => 0,
        }
    }

    fn next(&mut self, line: &ParsedLine) -> i64 {
        use chrono::Datelike;
        let name = match self.names.get(&line.supplier_name) {
            Some(n) => n,
            None => self
                .names
                .entry(line.supplier_name.clone())
                .or_insert_with(|| normalise_name(&line.supplier_name)),
        };
        let mut h = Sha256::new();
        h.update(line.payment_date.num_days_from_ce().to_le_bytes());
        h.update(line.amount.to_le_bytes());
        for part in [
            name.as_str(),
            line.transaction_ref.as_deref().unwrap_or(""),
            line.invoice_ref.as_deref().unwrap_or(""),
        ] {
            h.update(part.as_bytes());
            h.update([0x1f]);
        }
        let base = h.clone().finalize();
        let base_key = u64::from_le_bytes(base[..8].try_into().unwrap_or_default());
        let n = self.seen.entry(base_key).or_default();
        *n += 1;
        h.update(n.to_le_bytes());
        let full = h.finalize();
        i64::from_le_bytes(full[..8].try_into().unwrap_or_default())
    }
}

/// Payment types inferred once per distinct combination of what decides them.
#[derive(Default)]
struct PaymentTypes {
    known: HashMap<String, &'static str>,
    key: String,
}

impl PaymentTypes {
    fn of(
        &mut self,
        line: &ParsedLine,
        supplier: Option<i64>,
        index: &SupplierIndex,
    ) -> &'static str {
        let public = supplier.is_some_and(|id| index.public_bodies.contains(&id));
        self.key.clear();
        self.key.push(if line.redacted { 'r' } else { '-' });
        self.key.push(if public { 'p' } else { '-' });
        for part in [&line.expense_type, &line.category, &line.description] {
            self.key.push('\u{1f}');
            self.key.push_str(part.as_deref().unwrap_or(""));
        }
        if let Some(t) = self.known.get(self.key.as_str()) {
            return t;
        }
        let t = infer_payment_type(
            line.redacted,
            public,
            &[
                line.expense_type.as_deref(),
                line.category.as_deref(),
                line.description.as_deref(),
            ],
        )
        .code();
        self.known.insert(self.key.clone(), t);
        t
    }
}

fn open(path: &Path) -> Result<BufReader<File>, ReadError> {
    File::open(path)
        .map(|f| BufReader::with_capacity(1 << 20, f))
        .map_err(|e| ReadError::Io(e.to_string()))
}

/// Rows handed from the reading thread to the writing one at a time.
const HAND_OVER: usize = 1_000;

type Handed = Result<(Vec<(u64, Row, OrderEvidence, i64)>, u64), ReadError>;

/// Reads and parses a file's rows on a thread of its own and hands them to
/// `on_row` in file order, each line with its fingerprint (0 for other
/// rows), so that parsing overlaps the database work. The
/// channel is bounded: memory stays flat however far ahead the reader is.
/// If `on_row` stops with an error, the reader stops too.
fn read_rows_alongside<E: From<ReadError>>(
    path: &Path,
    layout: &Layout,
    settings: &Settings,
    order: DateOrder,
    on_row: &mut dyn FnMut(u64, Row, OrderEvidence, i64) -> Result<(), E>,
    progress: &mut dyn FnMut(u64),
) -> Result<(), E> {
    let (tx, rx) = std::sync::mpsc::sync_channel::<Handed>(8);
    std::thread::scope(|scope| {
        scope.spawn(move || {
            let bytes = std::cell::Cell::new(0_u64);
            let mut rows = Vec::with_capacity(HAND_OVER);
            let mut fingerprints = Fingerprints::default();
            let read = open(path).and_then(|mut reader| {
                read_rows::<ReadError>(
                    &mut reader,
                    layout,
                    settings,
                    order,
                    &mut |row, parsed, evidence| {
                        let fingerprint = fingerprints.of(&parsed);
                        rows.push((row, parsed, evidence, fingerprint));
                        if rows.len() == HAND_OVER {
                            let full = std::mem::replace(&mut rows, Vec::with_capacity(HAND_OVER));
                            // The writer has stopped: so does the reader.
                            tx.send(Ok((full, bytes.get())))
                                .map_err(|_| ReadError::Io("stopped".into()))?;
                        }
                        Ok(())
                    },
                    &mut |b| bytes.set(b),
                )
            });
            // A send fails only when the writer has stopped, when nobody
            // is left to tell.
            let _ = match read {
                Ok(()) => tx.send(Ok((rows, bytes.get()))),
                Err(e) => tx.send(Err(e)),
            };
        });
        for handed in rx {
            let (rows, bytes) = handed?;
            for (row, parsed, evidence, fingerprint) in rows {
                on_row(row, parsed, evidence, fingerprint)?;
            }
            progress(bytes);
        }
        Ok(())
    })
}

fn file_size(path: &Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

/// SHA-256 of a file, hex.
pub fn hash_file(path: &Path) -> Result<(String, u64), ReadError> {
    let mut reader = open(path)?;
    let mut h = Sha256::new();
    let size = std::io::copy(&mut reader, &mut h).map_err(|e| ReadError::Io(e.to_string()))?;
    Ok((hex::encode(h.finalize()), size))
}

fn note(list: &mut Vec<RowIssue>, count: &mut u64, row: u64, message: String) {
    *count += 1;
    if list.len() < LISTED {
        list.push(RowIssue { row, message });
    }
}

/// Who a line is paid to, as a tally of the file counts suppliers.
enum Payee {
    /// The name is withheld (redacted).
    Withheld,
    /// A supplier already on the register.
    Known(i64),
    /// A supplier the file introduces, met for the first time.
    New,
    /// A supplier the file introduces, met again.
    NewAgain,
}

/// A preview's figures, gathered row by row: by a preview, and by a commit
/// that checks the file as it writes it.
struct Tally {
    p: Preview,
    evidence: OrderEvidence,
    matched: HashSet<i64>,
    by_type: HashMap<&'static str, (u64, i64)>,
    today: NaiveDate,
    period: Option<(NaiveDate, NaiveDate)>,
}

impl Tally {
    fn new(settings: &Settings) -> Self {
        Self {
            p: Preview::default(),
            evidence: OrderEvidence::default(),
            matched: HashSet::default(),
            by_type: HashMap::default(),
            today: chrono::Utc::now().date_naive(),
            period: settings.period,
        }
    }

    /// Counts a row read from the file; hands back its payment if it holds
    /// one (to be counted with [`Tally::line`] once its payee is known).
    fn take(&mut self, row: u64, parsed: Row, evidence: OrderEvidence) -> Option<ParsedLine> {
        self.evidence.add(evidence);
        let p = &mut self.p;
        match parsed {
            Row::Line(line) => return Some(line),
            Row::Blank => p.blank_rows += 1,
            Row::Footer => p.footer_rows.push(row),
            Row::Rejected(reason) => {
                if reason.contains("is a time with no date") {
                    p.time_only_dates += 1;
                }
                note(&mut p.rejected, &mut p.rejected_count, row, reason);
            }
        }
        None
    }

    fn line(&mut self, row: u64, line: &ParsedLine, payee: Payee, payment_type: &'static str) {
        let p = &mut self.p;
        p.lines += 1;
        p.total_pence += line.amount;
        if line.amount < 0 {
            p.credit_lines += 1;
            p.credit_pence += line.amount;
        }
        p.first_date = Some(
            p.first_date
                .map_or(line.payment_date, |d| d.min(line.payment_date)),
        );
        p.last_date = Some(
            p.last_date
                .map_or(line.payment_date, |d| d.max(line.payment_date)),
        );
        match payee {
            Payee::Withheld => {
                p.redacted_lines += 1;
                if line.supplier_name.is_empty() {
                    note(
                        &mut p.warnings,
                        &mut p.warning_count,
                        row,
                        "no supplier name is published: recorded as a withheld name".into(),
                    );
                }
            }
            Payee::Known(id) => {
                p.lines_matched += 1;
                self.matched.insert(id);
            }
            Payee::New => {
                p.suppliers_new += 1;
                if p.new_supplier_names.len() < 20 {
                    p.new_supplier_names.push(line.supplier_name.clone());
                }
            }
            Payee::NewAgain => {}
        }
        let t = self.by_type.entry(payment_type).or_default();
        t.0 += 1;
        t.1 += line.amount;
        if line.amount == 0 {
            note(
                &mut p.warnings,
                &mut p.warning_count,
                row,
                "the amount is zero".into(),
            );
        } else if line.amount.abs() >= LARGE_PENCE {
            note(
                &mut p.warnings,
                &mut p.warning_count,
                row,
                format!(
                    "{} is unusually large: check it is a payment and not a total",
                    Pence(line.amount)
                ),
            );
        }
        if line.payment_date > self.today {
            note(
                &mut p.warnings,
                &mut p.warning_count,
                row,
                format!(
                    "the payment date {} is in the future",
                    line.payment_date.format("%d/%m/%Y")
                ),
            );
        } else if let Some((from, to)) = self.period {
            if line.payment_date < from || line.payment_date > to {
                note(
                    &mut p.warnings,
                    &mut p.warning_count,
                    row,
                    format!(
                        "the payment date {} is outside the period {} to {}",
                        line.payment_date.format("%d/%m/%Y"),
                        from.format("%d/%m/%Y"),
                        to.format("%d/%m/%Y")
                    ),
                );
            }
        }
    }

    fn finish(self) -> (Preview, OrderEvidence) {
        let mut p = self.p;
        p.suppliers_matched = self.matched.len() as u64;
        let mut types: Vec<(String, u64, i64)> = self
            .by_type
            .into_iter()
            .map(|(t, (n, pence))| (t.to_owned(), n, pence))
            .collect();
        types.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)));
        p.by_payment_type = types;
        (p, self.evidence)
    }
}

/// Reads the whole file without writing anything.
#[allow(clippy::too_many_arguments)]
pub fn preview(
    conn: &mut DbConn,
    institution_id: i64,
    batch_id: Option<i64>,
    file_hash: &str,
    path: &Path,
    layout: &Layout,
    settings: &Settings,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Preview, SpendImportError> {
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
    let mut result = preview_pass(
        conn,
        institution_id,
        path,
        layout,
        settings,
        settings.date_order.unwrap_or(DateOrder::DayFirst),
        progress,
    )?;
    if settings.date_order.is_none() {
        let (mut p, evidence) = result;
        if evidence.proven() == Some(DateOrder::MonthFirst) {
            let (again, _) = preview_pass(
                conn,
                institution_id,
                path,
                layout,
                settings,
                DateOrder::MonthFirst,
                progress,
            )?;
            p = again;
        }
        p.date_order = evidence.proven();
        p.date_order_needed = evidence.is_ambiguous();
        result = (p, evidence);
    } else {
        result.0.date_order = settings.date_order;
    }
    let mut p = result.0;
    p.same_file = imports::same_file(conn, institution_id, file_hash, batch_id.unwrap_or(0))?
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    Ok(p)
}

fn preview_pass(
    conn: &mut DbConn,
    institution_id: i64,
    path: &Path,
    layout: &Layout,
    settings: &Settings,
    order: DateOrder,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<(Preview, OrderEvidence), SpendImportError> {
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
            let Some(line) = tally.take(row, parsed, e) else {
                return Ok(());
            };
            let (supplier, payee) = if line.redacted {
                (None, Payee::Withheld)
            } else {
                match index.resolve(&line) {
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
    let (mut p, evidence) = tally.finish();
    p.already_recorded = already_recorded;
    Ok((p, evidence))
}

/// What a commit did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Committed {
    pub added: i64,
    pub skipped: i64,
    pub total_pence: i64,
    pub suppliers_created: i64,
}

/// The supplier a line names that is not yet on record, to be created under
/// a reserved id before the line is written.
fn new_supplier(
    id: i64,
    line: &ParsedLine,
    institution_id: i64,
) -> Result<NewSupplier, SpendImportError> {
    let fields = SupplierFields {
        name: line.supplier_name.clone(),
        company_number: line.company_number.clone().unwrap_or_default(),
        charity_number: line.charity_number.clone().unwrap_or_default(),
        vat_number: line.vat_number.clone().unwrap_or_default(),
        ..Default::default()
    };
    // Identifiers a file gets wrong must not stop the supplier being recorded.
    let input = fields.parse().or_else(|_| {
        SupplierFields {
            name: line.supplier_name.clone(),
            ..Default::default()
        }
        .parse()
        .map_err(|errors| {
            SpendImportError::Refused(format!(
                "supplier `{}` cannot be recorded: {}",
                line.supplier_name,
                errors
                    .into_iter()
                    .map(|(_, m)| m)
                    .collect::<Vec<_>>()
                    .join("; ")
            ))
        })
    })?;
    Ok(NewSupplier {
        id,
        input,
        // A reference the index knew would have resolved the line, so it is new.
        external_id: line.supplier_ref.clone().map(|r| (institution_id, r)),
    })
}

/// Lines ready to write, and the suppliers they name that are not yet on
/// record (written first).
struct Unwritten {
    lines: spend::LineBatch,
    suppliers: Vec<NewSupplier>,
}

/// What the reading thread hands the writing one during a commit.
enum Handoff {
    Write(Unwritten),
    /// The reader has run out of supplier ids: reserve more and send them.
    NeedIds,
    /// Bytes of the file read so far.
    Read(u64),
}

/// What the reading thread knows at the end of the file: the file's
/// figures, how many suppliers it named that are new, and the last lines,
/// written only if the file can be committed.
struct Staged {
    tally: Tally,
    created: usize,
    last: Unwritten,
}

/// The commit's reading side, on a thread of its own: reads and parses the
/// file, matches each line's supplier, works out its payment type, tallies
/// what a preview would show, and hands the lines over in batches, built
/// for the database they go to. Lines naming a supplier not on record get
/// an id reserved by the writing thread ([`Handoff::NeedIds`]).
#[allow(clippy::too_many_arguments)]
fn stage(
    path: &Path,
    layout: &Layout,
    settings: &Settings,
    order: DateOrder,
    mut index: SupplierIndex,
    shared: spend::BatchShared,
    for_sqlite: bool,
    to_writer: &SyncSender<Handoff>,
    ids: &Receiver<Vec<i64>>,
    spent: &Receiver<Vec<LineRow>>,
) -> Result<Staged, SpendImportError> {
    // The writer has stopped (with its own error, which is the one reported).
    let stopped = || SpendImportError::Refused("the writing stopped".into());
    let mut tally = Tally::new(settings);
    let mut types = PaymentTypes::default();
    let mut fingerprints = Fingerprints::default();
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
            let fingerprint = fingerprints.of(&parsed);
            let Some(line) = tally.take(row, parsed, e) else {
                return Ok(());
            };
            // Once a row cannot be read nothing more is written; the rest
            // of the file is still read, to list every such row.
            let refused = tally.p.rejected_count > 0;
            let (supplier, payee) = if line.redacted {
                (None, Payee::Withheld)
            } else {
                match index.resolve(&line) {
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
                        new_suppliers.push(new_supplier(id, &line, shared.institution_id)?);
                        created.insert(id);
                        index.learn(&line, id);
                        (Some(id), Payee::New)
                    }
                }
            };
            let payment_type = types.of(&line, supplier, &index);
            tally.line(row, &line, payee, payment_type);
            if refused {
                return Ok(());
            }
            lines.push(LineRow::imported(
                &shared,
                line,
                supplier,
                payment_type,
                row,
                fingerprint,
            ));
            if lines.len() == INSERT_BATCH {
                let full = std::mem::replace(&mut lines, Vec::with_capacity(INSERT_BATCH));
                let batch = Unwritten {
                    lines: spend::LineBatch::new(full, for_sqlite),
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
    Ok(Staged {
        tally,
        created: created.len(),
        last: Unwritten {
            lines: spend::LineBatch::new(lines, for_sqlite),
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
#[allow(clippy::too_many_arguments)]
pub fn commit(
    conn: &mut DbConn,
    actor: &Actor,
    import: &Batch,
    path: &Path,
    layout: &Layout,
    settings: &Settings,
    order: Option<DateOrder>,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<(Committed, Preview), SpendImportError> {
    crate::db::with_bulk_load(conn, |conn| {
        let mut writing = |conn: &mut DbConn, order| {
            write_tx(conn, |conn| {
                commit_in(conn, actor, import, path, layout, settings, order, progress)
            })
        };
        match writing(conn, order) {
            Err(SpendImportError::MonthFirst) => writing(conn, Some(DateOrder::MonthFirst)),
            done => done,
        }
    })
}

/// Records a file on disk as an uploaded batch of the institution, named
/// after the file and identified by its hash; returns the batch's id and
/// name.
pub fn register_file(
    conn: &mut DbConn,
    actor: &Actor,
    institution: i64,
    path: &Path,
    layout: &Layout,
    settings: &Settings,
) -> Result<(i64, String), SpendImportError> {
    let (hash, size) = hash_file(path)?;
    let name = path
        .file_name()
        .map_or_else(|| "spend.csv".into(), |n| n.to_string_lossy().into_owned());
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
    let (batch, _) = register_file(conn, actor, institution, path, &layout, &settings)?;
    let batch = imports::start_checked_commit(conn, actor, batch, 1, &settings, None)?;
    let result = commit(
        conn,
        actor,
        &batch,
        path,
        &layout,
        &settings,
        Some(order),
        &mut |_, _| {},
    );
    record_failure(conn, batch.id, &result)?;
    Ok(result?.0)
}

/// Leaves a batch whose checked commit failed as a preview would: with the
/// file's figures when rows stopped it, else with the reason.
fn record_failure(
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
        Err(e) => imports::commit_failed(conn, batch_id, &e.to_string())?,
        Ok(_) => {}
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn commit_in(
    conn: &mut DbConn,
    actor: &Actor,
    import: &Batch,
    path: &Path,
    layout: &Layout,
    settings: &Settings,
    order: Option<DateOrder>,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<(Committed, Preview), SpendImportError> {
    let (batch_id, institution_id, file_name) =
        (import.id, import.institution_id, import.file_name.as_str());
    let total_bytes = file_size(path);
    let index = SupplierIndex::load(conn, institution_id)?;
    let paused = spend::pause_supplier_index(conn, total_bytes / BYTES_PER_LINE)?;
    let for_sqlite = Backend::of(conn) == Backend::Sqlite;
    let mut ids = suppliers::ReservedIds::default();
    let evidence = format!("Named in spend file {file_name}");
    let mut out = Committed {
        added: 0,
        skipped: 0,
        total_pence: 0,
        suppliers_created: 0,
    };
    let shared = spend::BatchShared {
        institution_id,
        batch_id,
        // As the mapping form reads it.
        vat_basis: VatBasis::from_code(&settings.vat_basis)
            .unwrap_or(VatBasis::Unknown)
            .code(),
        purchase_card: settings.purchase_card,
        // To the second: every line carries it twice, and the fraction
        // made the table about 6% larger.
        at: now().trunc_subsecs(0),
    };
    // The report totals: counted here when every line of a batch went in,
    // read back from the table when some were already on record.
    let mut pending = totals::Pending::default();
    // The batch's total, summed as written while no line was skipped.
    let mut summed = Some(0);
    let (spent_tx, spent_rx) = std::sync::mpsc::channel::<Vec<LineRow>>();
    let mut flush = |conn: &mut DbConn, unwritten: Unwritten| -> Result<(), SpendImportError> {
        suppliers::create_many(conn, actor, &unwritten.suppliers, Source::Import, &evidence)?;
        let batch = &unwritten.lines.rows;
        let (Some(first), Some(last)) = (batch.first(), batch.last()) else {
            return Ok(());
        };
        let added = spend::insert_batch(conn, &unwritten.lines)?;
        if added == batch.len() {
            for r in batch {
                pending.count(r);
            }
            summed = summed.map(|t| t + batch.iter().map(|r| r.amount_pence).sum::<i64>());
        } else {
            totals::add(
                conn,
                totals::Lines::BatchRows(
                    batch_id,
                    first.import_row.unwrap_or(0),
                    last.import_row.unwrap_or(i64::MAX),
                ),
            )?;
            summed = None;
        }
        out.added += added as i64;
        out.skipped += (batch.len() - added) as i64;
        // Freed by the reader, if it is still reading.
        let _ = spent_tx.send(unwritten.lines.rows);
        Ok(())
    };
    let (to_writer, from_reader) = std::sync::mpsc::sync_channel::<Handoff>(4);
    let (ids_tx, ids_rx) = std::sync::mpsc::sync_channel::<Vec<i64>>(1);
    let staged = std::thread::scope(|scope| {
        let reader = scope.spawn(move || {
            stage(
                path,
                layout,
                settings,
                order.unwrap_or(DateOrder::DayFirst),
                index,
                shared,
                for_sqlite,
                &to_writer,
                &ids_rx,
                &spent_rx,
            )
        });
        let mut written = Ok(());
        for handed in &from_reader {
            let step = match handed {
                Handoff::Write(unwritten) => flush(conn, unwritten),
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
    let Staged {
        tally,
        created,
        last,
    } = staged;
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
    p.same_file = imports::same_file(conn, institution_id, &import.file_hash, batch_id)?
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    if !p.can_commit() {
        return Err(SpendImportError::Blocked(Box::new(p)));
    }
    flush(conn, last)?;
    out.suppliers_created = created as i64;
    if let Some(sql) = paused {
        spend::restore_supplier_index(conn, &sql)?;
    }
    pending.write(conn)?;
    p.already_recorded = out.skipped as u64;
    out.total_pence = match summed {
        Some(total) => total,
        None => spend::batch_total(conn, batch_id)?,
    };
    imports::mark_committed(
        conn,
        actor,
        batch_id,
        out.added,
        out.skipped,
        out.total_pence,
        &p,
    )?;
    audit::record(
        conn,
        actor,
        Change::new("commit", "import_batch", batch_id)
            .institution(Some(institution_id))
            .summary(format!(
                "Imported {file_name}: {} lines added ({}), {} already on record skipped, {} new suppliers",
                out.added,
                Pence(out.total_pence),
                out.skipped,
                out.suppliers_created
            ))
            .after(&out),
    )?;
    Ok((out, p))
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

/// Previews a batch's file as a recorded job and stores the preview on the
/// batch.
pub fn run_preview(
    conn: &mut DbConn,
    job_conn: &mut DbConn,
    job_id: i64,
    batch: &Batch,
    path: &Path,
    on_progress: &mut dyn FnMut(u64, u64),
) -> Result<Preview, SpendImportError> {
    let layout = batch.layout()?;
    let settings = batch
        .settings()
        .ok_or_else(|| SpendImportError::Refused("The column mapping has not been set.".into()))?;
    let result = run_tracked(
        job_conn,
        job_id,
        ProgressTo::Database,
        on_progress,
        |p: &Preview| {
            format!(
                "Preview of {}: {} payments, {} rejected rows.",
                batch.file_name, p.lines, p.rejected_count
            )
        },
        "The preview failed; nothing was imported.",
        |progress| {
            preview(
                conn,
                batch.institution_id,
                Some(batch.id),
                &batch.file_hash,
                path,
                &layout,
                &settings,
                progress,
            )
        },
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
#[allow(clippy::too_many_arguments)]
pub fn run_commit(
    conn: &mut DbConn,
    job_conn: &mut DbConn,
    job_id: i64,
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
    let order = match (
        preview.can_commit(),
        preview.date_order.or(settings.date_order),
    ) {
        (true, Some(order)) => order,
        (true, None) => DateOrder::DayFirst,
        (false, _) => return Err(SpendImportError::Refused(preview.blockers().join(" "))),
    };
    before_commit(&preview);
    tracked_commit(
        conn,
        job_conn,
        job_id,
        actor,
        batch,
        path,
        Some(order),
        on_progress,
    )
    .map(|(committed, _)| committed)
}

/// Commits a batch that was not previewed, as a recorded job, checking the
/// file as it is written: one reading of the file instead of two (the
/// command line's import). If the file cannot be committed nothing is
/// written, and the batch is left previewed with what stopped it.
pub fn run_checked_commit(
    conn: &mut DbConn,
    job_conn: &mut DbConn,
    job_id: i64,
    actor: &Actor,
    batch: &Batch,
    path: &Path,
    on_progress: &mut dyn FnMut(u64, u64),
) -> Result<(Committed, Preview), SpendImportError> {
    let order = batch.settings().and_then(|s| s.date_order);
    tracked_commit(
        conn,
        job_conn,
        job_id,
        actor,
        batch,
        path,
        order,
        on_progress,
    )
}

#[allow(clippy::too_many_arguments)]
fn tracked_commit(
    conn: &mut DbConn,
    job_conn: &mut DbConn,
    job_id: i64,
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
    let result = run_tracked(
        job_conn,
        job_id,
        to,
        on_progress,
        |(c, _): &(Committed, Preview)| {
            format!(
                "Imported {}: {} lines added ({}), {} already on record skipped.",
                batch.file_name,
                c.added,
                Pence(c.total_pence),
                c.skipped
            )
        },
        "The import failed and nothing was imported.",
        |progress| {
            commit(
                conn, actor, batch, path, &layout, &settings, order, progress,
            )
        },
    );
    record_failure(conn, batch.id, &result)?;
    result
}
