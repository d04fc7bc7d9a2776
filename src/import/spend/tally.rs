//! What a preview counts, row by row: lines, totals, credit notes, dates,
//! suppliers matched and new, payment types, rejected rows and warnings.

use chrono::NaiveDate;

use super::matching::SupplierIndex;
use super::{HashMap, HashSet, Preview, RowIssue, LARGE_PENCE, LISTED};
use crate::domain::dates::OrderEvidence;
use crate::domain::money::Pence;
use crate::domain::spend_file::infer_payment_type;
use crate::domain::spend_file::{ParsedLine, Settings};
use crate::import::spend_file::Row;

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

pub(super) fn note(list: &mut Vec<RowIssue>, count: &mut u64, row: u64, message: String) {
    *count += 1;
    if list.len() < LISTED {
        list.push(RowIssue { row, message });
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
        }
    }

    /// Counts a row read from the file; hands back its payment if it holds
    /// one (to be counted with [`Tally::line`] once its payee is known).
    pub(super) fn take(
        &mut self,
        row: u64,
        parsed: Row,
        evidence: OrderEvidence,
    ) -> Option<ParsedLine> {
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

    pub(super) fn line(
        &mut self,
        row: u64,
        line: &ParsedLine,
        payee: Payee,
        payment_type: &'static str,
    ) {
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

    pub(super) fn finish(self) -> (Preview, OrderEvidence) {
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
