//! What a spend file's columns hold, judged from their values: how many of a
//! column's values read as dates, as money, as names; and the mapping those
//! values propose where the header names do not settle it. Names still break
//! ties (a net amount over a gross one, a payment date over an invoice or a
//! received date).

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use super::dates::{parse_date, DateOrder};
use super::money::Pence;
use super::spend_file::{field_for_header, normalise_header, Field};

/// Distinct values counted per column; beyond this a column counts as
/// "many different".
const DISTINCT_CAP: usize = 5_000;

/// A share is "nearly all" at 90 per cent.
fn nearly_all(part: u32, whole: u32) -> bool {
    whole > 0 && u64::from(part) * 10 >= u64::from(whole) * 9
}

/// What one column's values look like, counted over the sample.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnProfile {
    /// Non-blank values.
    pub values: u32,
    /// Values that read as dates written as dates (not bare numbers).
    pub dates: u32,
    /// Bare numbers in the range of spreadsheet date serials (20000–80000).
    pub serials: u32,
    /// Values that read as amounts of money.
    pub money: u32,
    /// Amounts written as money: with pence, a pound sign or thousands
    /// separators.
    pub money_shaped: u32,
    /// Values holding letters.
    pub words: u32,
    /// Different values (up to a cap).
    pub distinct: u32,
    /// Total characters, for the mean length.
    pub chars: u64,
}

impl ColumnProfile {
    fn add(&mut self, raw: &str, seen: &mut HashSet<String>) {
        let v = raw.trim();
        if v.is_empty() {
            return;
        }
        self.values += 1;
        self.chars += v.chars().count() as u64;
        let bare_number = v.bytes().all(|b| b.is_ascii_digit() || b == b'.');
        let is_date = parse_date(v, DateOrder::DayFirst).is_ok()
            || parse_date(v, DateOrder::MonthFirst).is_ok();
        if is_date && !bare_number {
            self.dates += 1;
        } else if is_date && v.len() == 5 {
            self.serials += 1;
        }
        if (!is_date || bare_number) && Pence::parse(v).is_ok() {
            self.money += 1;
            if v.contains('.') || v.contains('£') || v.contains(',') {
                self.money_shaped += 1;
            }
        }
        if v.chars().any(char::is_alphabetic) {
            self.words += 1;
        }
        if seen.len() < DISTINCT_CAP && seen.insert(v.to_lowercase()) {
            self.distinct += 1;
        }
    }

    /// Profiles of each column over some rows.
    pub fn of_rows(rows: &[Vec<String>], width: usize) -> Vec<ColumnProfile> {
        let mut profiles = vec![ColumnProfile::default(); width];
        let mut seen: Vec<HashSet<String>> = vec![HashSet::new(); width];
        for row in rows {
            for (i, cell) in row.iter().enumerate().take(width) {
                profiles[i].add(cell, &mut seen[i]);
            }
        }
        profiles
    }

    pub fn is_dates(&self) -> bool {
        self.values > 0 && nearly_all(self.dates, self.values)
    }

    fn is_serial_dates(&self) -> bool {
        self.values > 0 && nearly_all(self.serials, self.values)
    }

    pub fn is_money(&self) -> bool {
        // Whole numbers alone are as likely to be references or codes.
        nearly_all(self.money, self.values) && self.money_shaped * 3 >= self.values
    }

    pub fn is_text(&self) -> bool {
        nearly_all(self.words, self.values) && !self.is_dates()
    }

    fn mean_length(&self) -> u64 {
        self.chars / u64::from(self.values.max(1))
    }

    /// Why the column looks as it does, for the clerk: "all 2,074 values are
    /// dates".
    pub fn describe(&self) -> String {
        let n = self.values;
        if n == 0 {
            return "every value is blank".into();
        }
        let share = |part: u32, what: &str| {
            if part == n {
                format!("all {} values are {what}", thousands(n))
            } else {
                format!("{} of {} values are {what}", thousands(part), thousands(n))
            }
        };
        if self.is_dates() {
            share(self.dates, "dates")
        } else if self.is_serial_dates() {
            share(self.serials, "spreadsheet date numbers")
        } else if self.is_money() {
            share(self.money, "amounts of money")
        } else if self.is_text() {
            format!(
                "{} values, {}{} different",
                thousands(n),
                if self.distinct as usize >= DISTINCT_CAP {
                    "over "
                } else {
                    ""
                },
                thousands(self.distinct)
            )
        } else if nearly_all(self.money, n) {
            share(self.money, "whole numbers")
        } else {
            format!("{} values of mixed kinds", thousands(n))
        }
    }
}

/// 2074 → "2,074".
pub fn thousands(n: u32) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn has_any(key: &str, words: &[&str]) -> bool {
    words.iter().any(|w| key.contains(w))
}

/// How strongly a date column's name says it is the payment date: 0 never
/// (a received date), 1 an invoice or creation date, 2 silent, 3 says so.
fn payment_date_rank(key: &str) -> u8 {
    if has_any(key, &["receiv", "receipt"]) {
        0
    } else if has_any(
        key,
        &[
            "invoice", "created", "creation", "raised", "entered", "order", "due",
        ],
    ) {
        1
    } else if has_any(
        key,
        &[
            "pay", "paid", "clear", "post", "gl", "trans", "cheque", "bacs", "run", "process",
        ],
    ) {
        3
    } else {
        2
    }
}

/// How strongly a money column's name says it is the amount to count: 0
/// never (VAT alone), 1 gross, 2 silent, 3 an amount, 4 net.
fn amount_rank(key: &str) -> u8 {
    if has_any(key, &["netofvat", "exvat", "exclvat", "excvat", "net"]) {
        4
    } else if has_any(key, &["gross", "inclvat", "incvat"]) {
        1
    } else if key.contains("vat") {
        0
    } else if has_any(
        key,
        &["amount", "value", "spend", "gbp", "paid", "cost", "total"],
    ) {
        3
    } else {
        2
    }
}

/// Whether a text column's name says it names the payee.
fn names_payee(key: &str) -> bool {
    has_any(
        key,
        &[
            "supplier",
            "vendor",
            "payee",
            "beneficiar",
            "benificiar",
            "merchant",
            "creditor",
            "recipient",
            "contractor",
            "paidto",
            "payableto",
        ],
    ) && !["id", "code", "no", "number", "ref", "reference"]
        .iter()
        .any(|w| key.ends_with(w))
        && !has_any(
            key,
            &[
                "postcode", "type", "categ", "vat", "company", "charity", "address",
            ],
        )
}

fn names_department(key: &str) -> bool {
    has_any(
        key,
        &[
            "dept",
            "department",
            "directorate",
            "servicearea",
            "costcentre",
            "division",
            "portfolio",
            "businessunit",
        ],
    )
}

/// Completes a mapping from the columns' values where their names left a
/// needed field unmapped. `columns` holds the mapping by names (one entry
/// per column); `headers` may be `Column N` names for a file without a
/// header. Returns the mapping.
pub fn complete_by_values(
    headers: &[String],
    profiles: &[ColumnProfile],
    mut columns: Vec<Option<Field>>,
) -> Vec<Option<Field>> {
    let width = columns.len().min(profiles.len());
    let keys: Vec<String> = headers.iter().map(|h| normalise_header(h)).collect();
    let key = |i: usize| keys.get(i).map_or("", String::as_str);
    let has = |columns: &[Option<Field>], f: Field| columns.contains(&Some(f));
    let free = |columns: &[Option<Field>], i: usize| columns[i].is_none();

    // Dates: the payment date, and an invoice date beside it.
    if !has(&columns, Field::PaymentDate) {
        let best = (0..width)
            .filter(|&i| free(&columns, i))
            .filter(|&i| {
                profiles[i].is_dates() || (profiles[i].is_serial_dates() && key(i).contains("date"))
            })
            .map(|i| (i, payment_date_rank(key(i))))
            .filter(|(_, rank)| *rank >= 2)
            .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)));
        if let Some((i, _)) = best {
            columns[i] = Some(Field::PaymentDate);
        }
    }
    if !has(&columns, Field::ReceivedDate) {
        if let Some(i) = (0..width).find(|&i| {
            free(&columns, i) && profiles[i].is_dates() && payment_date_rank(key(i)) == 0
        }) {
            columns[i] = Some(Field::ReceivedDate);
        }
    }
    if !has(&columns, Field::InvoiceDate) {
        if let Some(i) = (0..width).find(|&i| {
            free(&columns, i) && profiles[i].is_dates() && payment_date_rank(key(i)) == 1
        }) {
            columns[i] = Some(Field::InvoiceDate);
        }
    }
    // The amount: money-shaped values; net over gross; never VAT alone.
    if !has(&columns, Field::Amount) {
        let best = (0..width)
            .filter(|&i| free(&columns, i) && profiles[i].is_money())
            .map(|i| (i, amount_rank(key(i))))
            .filter(|(_, rank)| *rank > 0)
            .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)));
        if let Some((i, _)) = best {
            columns[i] = Some(Field::Amount);
        }
    }
    // The supplier: a column named for the payee, else the short text
    // column with the most different values that still repeat.
    if !has(&columns, Field::SupplierName) {
        let named =
            (0..width).find(|&i| free(&columns, i) && names_payee(key(i)) && profiles[i].is_text());
        let by_values = || {
            (0..width)
                .filter(|&i| free(&columns, i) && profiles[i].is_text())
                .filter(|&i| field_for_header(&headers[i]).is_none())
                .filter(|&i| !names_department(key(i)))
                .filter(|&i| profiles[i].mean_length() <= 60)
                .max_by(|&a, &b| {
                    profiles[a]
                        .distinct
                        .cmp(&profiles[b].distinct)
                        .then(b.cmp(&a))
                })
        };
        if let Some(i) = named.or_else(by_values) {
            columns[i] = Some(Field::SupplierName);
        }
    }
    if !has(&columns, Field::Department) {
        if let Some(i) = (0..width).find(|&i| {
            free(&columns, i)
                && names_department(key(i))
                && profiles[i].is_text()
                && profiles[i].distinct < profiles[i].values
        }) {
            columns[i] = Some(Field::Department);
        }
    }
    columns
}

/// The exact `--map` a command needs for a field the mapping lacks, with
/// the columns that could hold it (by their values) named.
pub fn map_hint(field: Field, headers: &[String], profiles: &[ColumnProfile]) -> String {
    let fits = |p: &ColumnProfile| match field {
        Field::PaymentDate | Field::InvoiceDate => p.is_dates() || p.is_serial_dates(),
        Field::Amount => p.is_money() || nearly_all(p.money, p.values),
        _ => p.is_text(),
    };
    let candidates: Vec<String> = headers
        .iter()
        .zip(profiles)
        .enumerate()
        .filter(|(_, (_, p))| fits(p))
        .map(|(i, (h, p))| format!("column {} “{h}” ({})", i + 1, p.describe()))
        .collect();
    let example = headers
        .iter()
        .zip(profiles)
        .position(|(_, p)| fits(p))
        .map_or_else(|| "N".to_owned(), |i| (i + 1).to_string());
    if candidates.is_empty() {
        format!(
            "--map {}=COLUMN (no column's values look like the {})",
            field.code(),
            field.label().to_lowercase()
        )
    } else {
        format!(
            "--map {}={example} (candidates: {})",
            field.code(),
            candidates.join("; ")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(rows: &[&[&str]]) -> Vec<Vec<String>> {
        rows.iter()
            .map(|r| r.iter().map(|c| (*c).to_owned()).collect())
            .collect()
    }

    #[test]
    fn profiles_say_what_a_column_holds() {
        let rows = strings(&[
            &["01/04/2021", "1,234.00", "ACME LTD", "10442"],
            &["02/04/2021", "99.50", "ACME LTD", "10443"],
            &["Tue 06/04/2021", "£5.00", "Bob's Bakery", "10444"],
        ]);
        let p = ColumnProfile::of_rows(&rows, 4);
        assert_eq!(p[0].describe(), "all 3 values are dates");
        assert_eq!(p[1].describe(), "all 3 values are amounts of money");
        assert_eq!(p[2].describe(), "3 values, 2 different");
        assert!(!p[3].is_money(), "bare whole numbers are references");
        assert_eq!(p[3].describe(), "all 3 values are whole numbers");
        assert_eq!(thousands(2074), "2,074");
        assert_eq!(thousands(1_000_000), "1,000,000");
    }

    #[test]
    fn values_fill_what_names_leave_and_names_break_ties() {
        let headers: Vec<String> = [
            "Invoice Created",
            "Clearing Dt",
            "Line Value (net of VAT)",
            "Gross Val",
            "VAT Val",
            "Payable To",
            "Narrative",
        ]
        .map(String::from)
        .to_vec();
        let rows = strings(&[
            &[
                "28/03/2021",
                "01/04/2021",
                "100.00",
                "120.00",
                "20.00",
                "ACME",
                "Paper for the office",
            ],
            &[
                "29/03/2021",
                "02/04/2021",
                "50.00",
                "60.00",
                "10.00",
                "Bobs",
                "Bread for the canteen",
            ],
        ]);
        let profiles = ColumnProfile::of_rows(&rows, 7);
        let by_names = super::super::spend_file::propose_mapping(&headers);
        assert_eq!(by_names[6], Some(Field::Description));
        let mapped = complete_by_values(&headers, &profiles, by_names);
        assert_eq!(
            mapped,
            [
                Some(Field::InvoiceDate),
                Some(Field::PaymentDate),
                Some(Field::Amount),
                None,
                None,
                Some(Field::SupplierName),
                Some(Field::Description),
            ]
        );
    }

    #[test]
    fn a_received_date_is_never_the_payment_date() {
        let headers: Vec<String> = ["Date Received", "Amt", "Who"].map(String::from).to_vec();
        let rows = strings(&[&["01/04/2021", "1.00", "A"], &["02/04/2021", "2.00", "B"]]);
        let profiles = ColumnProfile::of_rows(&rows, 3);
        let mapped = complete_by_values(&headers, &profiles, vec![None; 3]);
        assert_eq!(mapped[0], Some(Field::ReceivedDate), "its own field");
        assert_eq!(mapped[1], Some(Field::Amount));
        assert!(map_hint(Field::PaymentDate, &headers, &profiles)
            .starts_with("--map payment_date=1 (candidates: column 1 “Date Received”"));
    }
}
