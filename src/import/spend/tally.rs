//! What a preview counts, row by row: lines, totals, credit notes, dates,
//! suppliers matched and new, payment types, rejected rows and warnings.

use chrono::NaiveDate;

use super::matching::SupplierIndex;
use super::{HashMap, HashSet, Preview, RowIssue, LARGE_PENCE, LISTED};
use crate::domain::dates::OrderEvidence;
use crate::domain::money::Pence;
use crate::domain::spend_file::infer_payment_type;
use crate::domain::spend_file::{ParsedLine, Settings};
use crate::import::spend_file::{At, Rejection, Row, Skip};

/// Payment types inferred once per distinct combination of what decides them.
#[derive(Default)]
pub(super) struct PaymentTypes {
    known: HashMap<String, &'static str>,
    key: String,
}

impl PaymentTypes {
    pub(super) fn of(
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

pub(super) fn note(list: &mut Vec<RowIssue>, count: &mut u64, at: At, message: String) {
    *count += 1;
    if list.len() < LISTED {
        list.push(RowIssue::at(at, message));
    }
}

/// A row left out of a commit (it cannot be read): kept with the batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeftOut {
    pub at: At,
    pub reason: String,
    pub cells: Vec<String>,
}

/// Lines per month, with the first rows of each, to find lines dated far
/// from the rest of the file.
#[derive(Default)]
struct Months(HashMap<i32, (u64, Vec<At>)>);

impl Months {
    fn add(&mut self, date: NaiveDate, at: At) {
        use chrono::Datelike;
        let key = date.year() * 12 + date.month0() as i32;
        let e = self.0.entry(key).or_default();
        e.0 += 1;
        if e.1.len() < 5 {
            e.1.push(at);
        }
    }

    /// One warning per year of lines dated apart from the file's main run
    /// of months (months more than six apart start a new run), when that
    /// run holds at least four lines in five.
    fn outliers(&self) -> Vec<(At, String)> {
        let mut months: Vec<(i32, u64)> = self.0.iter().map(|(k, v)| (*k, v.0)).collect();
        months.sort_unstable();
        let total: u64 = months.iter().map(|m| m.1).sum();
        if total < 10 {
            return Vec::new();
        }
        let mut runs: Vec<(i32, i32, u64)> = Vec::new();
        for (m, n) in &months {
            match runs.last_mut() {
                Some(run) if *m - run.1 <= 6 => {
                    run.1 = *m;
                    run.2 += n;
                }
                _ => runs.push((*m, *m, *n)),
            }
        }
        let Some(&(low, high, main)) = runs.iter().max_by_key(|r| r.2) else {
            return Vec::new();
        };
        if runs.len() < 2 || main * 5 < total * 4 {
            return Vec::new();
        }
        let name = |m: i32| {
            NaiveDate::from_ymd_opt(m.div_euclid(12), m.rem_euclid(12) as u32 + 1, 1)
                .map_or_else(String::new, |d| d.format("%B %Y").to_string())
        };
        let span = if low == high {
            name(low)
        } else {
            format!("{} to {}", name(low), name(high))
        };
        let mut by_year: std::collections::BTreeMap<i32, (u64, Vec<At>)> = Default::default();
        for (m, n) in &months {
            if *m < low || *m > high {
                let e = by_year.entry(m.div_euclid(12)).or_default();
                e.0 += n;
                if let Some((_, rows)) = self.0.get(m) {
                    e.1.extend(rows.iter().copied());
                }
            }
        }
        by_year
            .into_iter()
            .map(|(year, (n, mut rows))| {
                rows.sort_by_key(|a| a.row);
                let first = rows.first().copied().unwrap_or_default();
                let listed: Vec<String> = rows.iter().take(5).map(|a| a.row.to_string()).collect();
                (
                    first,
                    format!(
                        "{n} line{} dated {year} in a file whose other lines are dated {span} (row{} {}{}): check the dates",
                        if n == 1 { " is" } else { "s are" },
                        if listed.len() == 1 { "" } else { "s" },
                        listed.join(", "),
                        if n as usize > listed.len() { ", …" } else { "" }
                    ),
                )
            })
            .collect()
    }
}

/// Who a line is paid to, as a tally of the file counts suppliers.
pub(super) enum Payee {
    /// The name is withheld (redacted).
    Withheld,
    /// A supplier already on the register.
    Known(i64),
    /// A supplier the file introduces, met for the first time.
    New,
    /// A supplier the file introduces, met again.
    NewAgain,
    /// A class of payee rather than an organisation: no supplier.
    Class,
}

/// A preview's figures, gathered row by row: by a preview, and by a commit
/// that checks the file as it writes it.
pub(super) struct Tally {
    pub(super) p: Preview,
    evidence: OrderEvidence,
    matched: HashSet<i64>,
    by_type: HashMap<&'static str, (u64, i64)>,
    today: NaiveDate,
    period: Option<(NaiveDate, NaiveDate)>,
    months: Months,
    /// The current run of blank rows: its first and last.
    blanks: Option<(At, At)>,
    /// Total rows with the amounts they state: (row, pence, grand).
    totals: Vec<(u64, i64, bool)>,
    /// Rows that cannot be read, kept when they are to be left out.
    pub(super) left_out: Option<Vec<LeftOut>>,
    leaving_out: bool,
    /// What the lines say about their suppliers beyond their names.
    pub(super) file_evidence: super::evidence::FileEvidence,
}

impl Tally {
    pub(super) fn new(settings: &Settings) -> Self {
        Self {
            p: Preview::default(),
            evidence: OrderEvidence::default(),
            matched: HashSet::default(),
            by_type: HashMap::default(),
            today: chrono::Utc::now().date_naive(),
            period: settings.period,
            months: Months::default(),
            blanks: None,
            totals: Vec::new(),
            left_out: settings.skip_unreadable.then(Vec::new),
            leaving_out: settings.skip_unreadable,
            file_evidence: Default::default(),
        }
    }

    /// Counts a row read from the file; hands back its payment if it holds
    /// one (to be counted with [`Tally::line`] once its payee is known).
    pub(super) fn take(
        &mut self,
        at: At,
        parsed: Row,
        evidence: OrderEvidence,
    ) -> Option<ParsedLine> {
        self.evidence.add(evidence);
        if parsed == Row::Blank {
            self.p.blank_rows += 1;
            self.blanks = Some(self.blanks.map_or((at, at), |(first, _)| (first, at)));
            return None;
        }
        self.end_blank_run();
        let p = &mut self.p;
        match parsed {
            Row::Line(line) => return Some(line),
            Row::Blank => {}
            Row::Skipped(skip) => {
                if let Skip::Total {
                    pence: Some(pence),
                    grand,
                } = skip
                {
                    self.totals.push((at.row, pence, grand));
                }
                note(&mut p.skipped, &mut p.skipped_count, at, skip.reason());
            }
            Row::Rejected(Rejection {
                reason,
                cells,
                pence,
            }) => {
                if reason.contains("is a time with no date") {
                    p.time_only_dates += 1;
                }
                p.rejected_pence += pence.unwrap_or(0);
                if let Some(kept) = &mut self.left_out {
                    kept.push(LeftOut {
                        at,
                        reason: reason.clone(),
                        cells,
                    });
                }
                note(&mut p.rejected, &mut p.rejected_count, at, reason);
            }
        }
        None
    }

    /// A warning about the file as a whole, placed at a row.
    pub(super) fn warn(&mut self, at: At, message: String) {
        note(&mut self.p.warnings, &mut self.p.warning_count, at, message);
    }

    /// A run of blank rows is listed once.
    fn end_blank_run(&mut self) {
        if let Some((first, last)) = self.blanks.take() {
            let p = &mut self.p;
            let message = if first.row == last.row {
                "a blank row".to_owned()
            } else {
                format!("blank rows {} to {}", first.row, last.row)
            };
            note(&mut p.skipped, &mut p.skipped_count, first, message);
        }
    }

    pub(super) fn line(
        &mut self,
        row: At,
        line: &ParsedLine,
        (supplier, payee): (Option<i64>, Payee),
        payment_type: &'static str,
    ) {
        self.file_evidence.note(supplier, &payee, line, row.row);
        self.months.add(line.payment_date, row);
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
            Payee::Class => p.class_lines += 1,
        }
        for message in &line.dropped {
            note(&mut p.warnings, &mut p.warning_count, row, message.clone());
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

    pub(super) fn finish(mut self) -> (Preview, OrderEvidence) {
        self.end_blank_run();
        for (at, message) in self.months.outliers() {
            note(&mut self.p.warnings, &mut self.p.warning_count, at, message);
        }
        self.check_file_total();
        let mut p = self.p;
        p.leaving_out = self.leaving_out;
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

    /// A file's own grand total (or its one total row) checked against the
    /// sum of its payments: a mismatch is a warning.
    fn check_file_total(&mut self) {
        let stated = self
            .totals
            .iter()
            .rev()
            .find(|t| t.2)
            .or_else(|| (self.totals.len() == 1).then(|| &self.totals[0]))
            .copied();
        let Some((row, pence, _)) = stated else {
            return;
        };
        let p = &mut self.p;
        p.file_total = Some((row, pence));
        if pence == p.total_pence {
            return;
        }
        let with_rejected = p.total_pence + p.rejected_pence;
        let message = if p.rejected_count > 0 && pence == with_rejected {
            format!(
                "the file's own total, {}, is the sum of its payments only with the {} rows that cannot be read",
                Pence(pence),
                p.rejected_count
            )
        } else {
            format!(
                "the file's own total is {} but its payments sum to {} (a difference of {}): check the file is complete",
                Pence(pence),
                Pence(p.total_pence),
                Pence(pence - p.total_pence)
            )
        };
        note(&mut p.warnings, &mut p.warning_count, At::row(row), message);
    }
}
