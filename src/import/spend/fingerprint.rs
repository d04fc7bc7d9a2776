//! Telling lines apart: each line's fingerprint, counted within the file so
//! two identical payments in one file are both kept while a second import
//! of it adds neither.

use chrono::Datelike;
use sha2::{Digest, Sha256};

use super::{HashMap, HashSet};
use crate::domain::spend_file::ParsedLine;
use crate::domain::supplier::normalise_name;
use crate::import::spend_file::Row;

/// Counts identical lines within one file, so that two genuinely identical
/// payments in a file are both kept while a second import of it adds neither.
#[derive(Default)]
pub(super) struct Fingerprints {
    seen: HashMap<u64, u32>,
    /// Published name → normalised, computed once per name.
    names: HashMap<String, String>,
    /// Rows the clerk keeps although lines like them are on record.
    keep: HashSet<u64>,
    batch_id: i64,
}

impl Fingerprints {
    /// A line's fingerprint: its payment date, amount, supplier name and
    /// every reference it has (transaction, invoice, line, card statement),
    /// with how many identical lines came before it in the file; 0 for any
    /// other row.
    pub(super) fn of(&mut self, row: &Row) -> i64 {
        match row {
            Row::Line(line) => self.next(line),
            _ => 0,
        }
    }

    /// Fingerprints for an import that keeps these rows although lines like
    /// them are on record.
    pub(super) fn keeping(rows: &[u64], batch_id: i64) -> Self {
        Self {
            keep: rows.iter().copied().collect(),
            batch_id,
            ..Self::default()
        }
    }

    /// Whether the clerk keeps this row although a line like it is on record.
    pub(super) fn keeps(&self, at_row: u64) -> bool {
        self.keep.contains(&at_row)
    }

    /// A row's fingerprint; a kept row's is its own, told apart by the
    /// import that keeps it.
    pub(super) fn of_kept(&mut self, at_row: u64, row: &Row) -> i64 {
        let fingerprint = self.of(row);
        if !self.keep.contains(&at_row) {
            return fingerprint;
        }
        let mut h = Sha256::new();
        h.update(b"kept");
        h.update(fingerprint.to_le_bytes());
        h.update(self.batch_id.to_le_bytes());
        let full = h.finalize();
        i64::from_le_bytes(full[..8].try_into().unwrap_or_default())
    }

    /// For a line with a line or card statement reference, the fingerprint
    /// it would have had before those were read, for lines recorded then;
    /// counted apart (use one `Fingerprints` for these alone).
    pub(super) fn without_new_refs(&mut self, line: &ParsedLine) -> Option<i64> {
        if line.line_ref.is_none() && line.statement_ref.is_none() {
            return None;
        }
        let before = ParsedLine {
            line_ref: None,
            statement_ref: None,
            ..line.clone()
        };
        Some(self.next(&before))
    }

    pub(super) fn next(&mut self, line: &ParsedLine) -> i64 {
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
        // The line and card statement references take part only where a
        // line has them, so the fingerprints of lines recorded before they
        // were read stay as they were.
        for (tag, part) in [(b'L', &line.line_ref), (b'S', &line.statement_ref)] {
            if let Some(p) = part {
                h.update([tag]);
                h.update(p.as_bytes());
                h.update([0x1f]);
            }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn line(statement: Option<&str>) -> ParsedLine {
        ParsedLine {
            payment_date: chrono::NaiveDate::from_ymd_opt(2021, 4, 1).unwrap(),
            amount: 1_250,
            supplier_name: "Tesco Stores".into(),
            statement_ref: statement.map(str::to_owned),
            ..Default::default()
        }
    }

    #[test]
    fn every_reference_tells_lines_apart_and_a_line_without_them_keeps_its_print() {
        let mut f = Fingerprints::default();
        let march = f.next(&line(Some("ST-2021-03")));
        let april = f.next(&line(Some("ST-2021-04")));
        assert_ne!(march, april, "two statements, two payments");
        let plain = Fingerprints::default().next(&line(None));
        assert_ne!(plain, march);
        // The print of a line without the new references, as it was before
        // they were read: SHA-256 of its parts, first eight bytes.
        let mut h = Sha256::new();
        h.update(line(None).payment_date.num_days_from_ce().to_le_bytes());
        h.update(1_250_i64.to_le_bytes());
        for part in ["TESCO STORES", "", ""] {
            h.update(part.as_bytes());
            h.update([0x1f]);
        }
        h.update(1_u32.to_le_bytes());
        let full = h.finalize();
        assert_eq!(plain, i64::from_le_bytes(full[..8].try_into().unwrap()));
    }
}
