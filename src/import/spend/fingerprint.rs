//! Telling lines apart: each line's fingerprint, counted within the file so
//! two identical payments in one file are both kept while a second import
//! of it adds neither.

use sha2::{Digest, Sha256};

use super::HashMap;
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
}

impl Fingerprints {
    /// A line's fingerprint; 0 for any other row.
    pub(super) fn of(&mut self, row: &Row) -> i64 {
        match row {
            Row::Line(line) => self.next(line),
            _ => 0,
        }
    }

    pub(super) fn next(&mut self, line: &ParsedLine) -> i64 {
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
