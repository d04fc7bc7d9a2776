//! From spend lines to invoices and how long each took to pay, as the
//! Procurement Act 2023's payments compliance notice counts them: an
//! invoice is a supplier and an invoice (else transaction) reference, its
//! lines and credit notes netted; days to pay run from the day after the
//! invoice was received to the day it was paid; the bands are 1–30, 31–60
//! and 61 days or more.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};

use crate::db::payments::InvoiceLine;
use crate::domain::figures::share_bp;
use crate::domain::period::financial_year_label;
use crate::domain::supplier::normalise_name;

/// The Act's reporting periods: April to September and October to March.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct HalfYear {
    /// The financial year (April start) the half belongs to.
    pub fy: i32,
    /// October to March.
    pub second: bool,
}

impl HalfYear {
    /// The half a date falls in.
    pub fn of(date: NaiveDate) -> Self {
        let fy = if date.month() >= 4 {
            date.year()
        } else {
            date.year() - 1
        };
        Self {
            fy,
            second: !(4..=9).contains(&date.month()),
        }
    }

    /// `2025-h1` (April to September 2025) or `2025-h2` (October 2025 to
    /// March 2026).
    pub fn parse(raw: &str) -> Option<Self> {
        let (year, half) = raw.trim().split_once('-')?;
        let fy = year
            .parse::<i32>()
            .ok()
            .filter(|y| (1900..=2999).contains(y))?;
        match half.to_ascii_lowercase().as_str() {
            "h1" => Some(Self { fy, second: false }),
            "h2" => Some(Self { fy, second: true }),
            _ => None,
        }
    }

    pub fn code(self) -> String {
        format!("{}-h{}", self.fy, if self.second { 2 } else { 1 })
    }

    /// First and last day.
    pub fn bounds(self) -> (NaiveDate, NaiveDate) {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN);
        if self.second {
            (day(self.fy, 10, 1), day(self.fy + 1, 3, 31))
        } else {
            (day(self.fy, 4, 1), day(self.fy, 9, 30))
        }
    }

    /// "1 April to 30 September 2025 (2025/26, first half)".
    pub fn label(self) -> String {
        let (a, b) = self.bounds();
        format!(
            "{} to {} ({}, {} half)",
            a.format("%-d %B %Y"),
            b.format("%-d %B %Y"),
            financial_year_label(self.fy),
            if self.second { "second" } else { "first" }
        )
    }

    /// The half before.
    pub fn previous(self) -> Self {
        if self.second {
            Self {
                second: false,
                ..self
            }
        } else {
            Self {
                fy: self.fy - 1,
                second: true,
            }
        }
    }

    /// Its two quarters: (label, first day, last day).
    pub fn quarters(self) -> [(String, NaiveDate, NaiveDate); 2] {
        let (a, b) = self.bounds();
        let mid = a
            .checked_add_months(chrono::Months::new(3))
            .unwrap_or(b)
            .pred_opt()
            .unwrap_or(b);
        let q = if self.second { 3 } else { 1 };
        let label = |n: i32| format!("Quarter {n} of {}", financial_year_label(self.fy));
        [
            (label(q), a, mid),
            (label(q + 1), mid.succ_opt().unwrap_or(b), b),
        ]
    }
}

/// Where an invoice's days are counted from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CountedFrom {
    /// The date the invoice was received, as the Act counts.
    Received,
    /// The invoice's own date: no date received in the data.
    InvoiceDate,
}

/// An invoice: its lines netted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invoice {
    pub supplier_id: Option<i64>,
    pub supplier_name: String,
    pub reference: Option<String>,
    /// The last day one of its (positive) lines was paid.
    pub paid: NaiveDate,
    pub start: Option<(NaiveDate, CountedFrom)>,
    pub net_pence: i64,
    pub lines: usize,
}

impl Invoice {
    /// Calendar days from receipt to payment (day 1 is the day after the
    /// invoice was received); `None` without a start date.
    pub fn days(&self) -> Option<i64> {
        self.start.map(|(d, _)| (self.paid - d).num_days())
    }
}

/// Why lines made no invoice a report counts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LeftOut {
    /// Invoices netted to nothing or less (credit notes, refunds).
    pub credited: u64,
    /// Invoices with neither a date received nor an invoice date.
    pub undated: u64,
    /// Invoices paid before the date they were received (a data error).
    pub paid_before_received: u64,
}

impl LeftOut {
    pub fn absorb(&mut self, o: &LeftOut) {
        self.credited += o.credited;
        self.undated += o.undated;
        self.paid_before_received += o.paid_before_received;
    }
}

/// The key that makes lines one invoice: the supplier (its register id,
/// else its published name) and the invoice or transaction reference. A
/// line with neither reference is an invoice of its own.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Referenced(SupplierKey, String),
    Alone(usize),
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum SupplierKey {
    Id(i64),
    Name(String),
}

/// The lines as invoices, in the order their first line came.
pub fn invoices<'a>(lines: impl IntoIterator<Item = &'a InvoiceLine>) -> Vec<Invoice> {
    let mut at: HashMap<Key, usize> = HashMap::new();
    let mut out: Vec<(Invoice, bool)> = Vec::new();
    for (n, line) in lines.into_iter().enumerate() {
        let reference = line
            .invoice_ref
            .as_deref()
            .or(line.transaction_ref.as_deref())
            .map(str::trim)
            .filter(|r| !r.is_empty());
        let key = match reference {
            Some(r) => {
                let supplier = match line.supplier_id {
                    Some(id) => SupplierKey::Id(id),
                    None => SupplierKey::Name(normalise_name(&line.supplier_name)),
                };
                Key::Referenced(supplier, r.to_owned())
            }
            None => Key::Alone(n),
        };
        let start = line
            .received_date
            .map(|d| (d, CountedFrom::Received))
            .or(line.invoice_date.map(|d| (d, CountedFrom::InvoiceDate)));
        let k = *at.entry(key).or_insert_with(|| {
            out.push((
                Invoice {
                    supplier_id: line.supplier_id,
                    supplier_name: line.supplier_name.clone(),
                    reference: reference.map(str::to_owned),
                    paid: line.payment_date,
                    start: None,
                    net_pence: 0,
                    lines: 0,
                },
                false,
            ));
            out.len() - 1
        });
        let (inv, has_payment) = &mut out[k];
        inv.net_pence += line.amount_pence;
        inv.lines += 1;
        if line.amount_pence > 0 {
            inv.paid = if *has_payment {
                inv.paid.max(line.payment_date)
            } else {
                line.payment_date
            };
            *has_payment = true;
        }
        inv.start = earliest_start(inv.start, start);
    }
    out.into_iter().map(|(inv, _)| inv).collect()
}

/// The earlier start, a date received always before an invoice date.
fn earliest_start(
    a: Option<(NaiveDate, CountedFrom)>,
    b: Option<(NaiveDate, CountedFrom)>,
) -> Option<(NaiveDate, CountedFrom)> {
    match (a, b) {
        (None, x) | (x, None) => x,
        (Some(x), Some(y)) => Some(match (x.1, y.1) {
            (CountedFrom::Received, CountedFrom::InvoiceDate) => x,
            (CountedFrom::InvoiceDate, CountedFrom::Received) => y,
            _ if y.0 < x.0 => y,
            _ => x,
        }),
    }
}

/// The Act's bands: paid within 30 days, in 31 to 60, in 61 or more.
pub const BANDS: [&str; 3] = ["within 30 days", "in 31 to 60 days", "in 61 days or more"];

/// The band (0, 1 or 2) for days to pay.
pub fn band(days: i64) -> usize {
    match days {
        ..=30 => 0,
        31..=60 => 1,
        _ => 2,
    }
}

/// How promptly a group of invoices was paid.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Timeliness {
    pub invoices: u64,
    pub pence: i64,
    /// Sum of days to pay, for the average.
    pub days: i64,
    /// (invoices, pence) per band.
    pub bands: [(u64, i64); 3],
    /// Of the invoices, those counted from their invoice date.
    pub from_invoice_date: u64,
}

impl Timeliness {
    /// Adds another table's counts (pooling institutions).
    pub fn absorb(&mut self, o: &Timeliness) {
        self.invoices += o.invoices;
        self.pence += o.pence;
        self.days += o.days;
        for (b, ob) in self.bands.iter_mut().zip(&o.bands) {
            b.0 += ob.0;
            b.1 += ob.1;
        }
        self.from_invoice_date += o.from_invoice_date;
    }

    pub fn add(&mut self, inv: &Invoice, days: i64) {
        self.invoices += 1;
        self.pence += inv.net_pence;
        self.days += days;
        let b = &mut self.bands[band(days)];
        b.0 += 1;
        b.1 += inv.net_pence;
        if matches!(inv.start, Some((_, CountedFrom::InvoiceDate))) {
            self.from_invoice_date += 1;
        }
    }

    /// The average days to pay in tenths of a day, rounded half up.
    pub fn average_tenths(&self) -> Option<i64> {
        let n = i64::try_from(self.invoices).ok().filter(|n| *n > 0)?;
        Some((self.days * 10 * 2 + n) / (2 * n))
    }

    /// "23.4" days.
    pub fn average_text(&self) -> String {
        self.average_tenths()
            .map_or_else(|| "–".into(), |t| format!("{}.{}", t / 10, t % 10))
    }

    /// A band's share of the invoices (by number, as the Act counts), in
    /// basis points.
    pub fn band_bp(&self, k: usize) -> Option<i64> {
        share_bp(self.bands[k].0 as i64, self.invoices as i64)
    }

    /// Where the days were counted from, said with every figure.
    pub fn counted_from(&self) -> String {
        match self.from_invoice_date {
            0 => "date received".into(),
            n if n == self.invoices => "invoice date (no date received in the data)".into(),
            n => format!(
                "date received; invoice date for {n} of {} invoices (no date received)",
                self.invoices
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn line(
        supplier: i64,
        reference: &str,
        paid: NaiveDate,
        received: Option<NaiveDate>,
        pence: i64,
    ) -> InvoiceLine {
        InvoiceLine {
            supplier_id: Some(supplier),
            supplier_name: format!("Supplier {supplier}"),
            payment_type: "procurement".into(),
            payment_date: paid,
            received_date: received,
            invoice_date: None,
            invoice_ref: (!reference.is_empty()).then(|| reference.to_owned()),
            transaction_ref: None,
            amount_pence: pence,
            irrecoverable_vat_pence: None,
            vat_basis: "net".into(),
            description: None,
        }
    }

    #[test]
    fn the_bands_meet_at_30_31_60_and_61_days() {
        let received = d(2025, 4, 1);
        let mut t = Timeliness::default();
        for days in [0, 30, 31, 60, 61, 90] {
            let paid = received + chrono::Duration::days(days);
            let inv = &invoices([&line(
                1,
                &format!("INV{days}"),
                paid,
                Some(received),
                10_000,
            )])[0];
            assert_eq!(inv.days(), Some(days));
            t.add(inv, days);
        }
        assert_eq!(band(30), 0);
        assert_eq!(band(31), 1);
        assert_eq!(band(60), 1);
        assert_eq!(band(61), 2);
        assert_eq!(t.bands, [(2, 20_000), (2, 20_000), (2, 20_000)]);
        // (0 + 30 + 31 + 60 + 61 + 90) / 6 = 45.33…
        assert_eq!(t.average_text(), "45.3");
        assert_eq!(t.band_bp(0), Some(3333));
    }

    #[test]
    fn an_invoice_split_over_lines_with_a_credit_note_is_one_invoice_netted() {
        let received = d(2025, 5, 1);
        let lines = [
            line(7, "INV-1", d(2025, 5, 20), Some(received), 60_000),
            line(7, "INV-1", d(2025, 6, 10), Some(d(2025, 5, 3)), 40_000),
            line(7, "INV-1", d(2025, 6, 15), None, -10_000),
            // The same reference from another supplier is another invoice.
            line(8, "INV-1", d(2025, 5, 2), Some(received), 5000),
            // Lines without a reference are invoices of their own.
            line(7, "", d(2025, 5, 5), Some(received), 1000),
            line(7, "", d(2025, 5, 6), Some(received), 1000),
            // A credit note alone nets below nothing.
            line(9, "CN-4", d(2025, 5, 9), Some(received), -7500),
        ];
        let all = invoices(&lines);
        assert_eq!(all.len(), 5);
        let first = &all[0];
        assert_eq!(first.net_pence, 90_000);
        assert_eq!(first.lines, 3);
        assert_eq!(
            first.paid,
            d(2025, 6, 10),
            "paid when its last positive line was; the credit note does not pay it"
        );
        assert_eq!(first.start, Some((received, CountedFrom::Received)));
        assert_eq!(first.days(), Some(40));
        assert_eq!(all[1].net_pence, 5000);
        assert_eq!(all[4].net_pence, -7500);
    }

    #[test]
    fn the_invoice_date_stands_in_for_a_missing_date_received_and_says_so() {
        let mut l = line(1, "A", d(2025, 7, 31), None, 10_000);
        l.invoice_date = Some(d(2025, 7, 1));
        let mut with_received = line(1, "B", d(2025, 7, 31), Some(d(2025, 7, 11)), 10_000);
        with_received.invoice_date = Some(d(2025, 6, 1));
        let all = invoices([&l, &with_received]);
        assert_eq!(
            all[0].start,
            Some((d(2025, 7, 1), CountedFrom::InvoiceDate))
        );
        assert_eq!(
            all[1].start,
            Some((d(2025, 7, 11), CountedFrom::Received)),
            "a date received wins over an earlier invoice date"
        );
        let mut t = Timeliness::default();
        for inv in &all {
            t.add(inv, inv.days().unwrap());
        }
        assert_eq!(
            t.counted_from(),
            "date received; invoice date for 1 of 2 invoices (no date received)"
        );
    }

    #[test]
    fn half_years_run_april_to_september_and_october_to_march() {
        let h = HalfYear::parse("2025-h2").unwrap();
        assert_eq!(h.bounds(), (d(2025, 10, 1), d(2026, 3, 31)));
        assert_eq!(HalfYear::of(d(2026, 2, 14)), h);
        assert_eq!(HalfYear::of(d(2025, 9, 30)), h.previous());
        assert_eq!(h.previous().previous(), HalfYear::parse("2024-h2").unwrap());
        assert_eq!(
            h.quarters().map(|(l, a, b)| (l, a, b)),
            [
                (
                    "Quarter 3 of 2025/26".to_owned(),
                    d(2025, 10, 1),
                    d(2025, 12, 31)
                ),
                (
                    "Quarter 4 of 2025/26".to_owned(),
                    d(2026, 1, 1),
                    d(2026, 3, 31)
                ),
            ]
        );
        assert_eq!(
            HalfYear::parse("2025-h1").unwrap().label(),
            "1 April 2025 to 30 September 2025 (2025/26, first half)"
        );
        assert_eq!(HalfYear::parse("2025"), None);
        assert_eq!(HalfYear::parse("2025-h3"), None);
    }
}
