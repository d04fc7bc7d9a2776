//! What a spend file says about its suppliers beyond their names: company,
//! charity and VAT numbers for suppliers already on the register, and the
//! file's own VCSE and SME flags for any supplier. Gathered as lines are read; once
//! the lines are written they become proposals for a clerk
//! ([`crate::register::proposals`]), never changes to the register.

use std::collections::HashMap;

use super::tally::Payee;
use crate::db::audit::Actor;
use crate::db::suppliers;
use crate::db::DbConn;
use crate::domain::evidence::ProposedField;
use crate::domain::spend_file::ParsedLine;

/// The first value each supplier's lines give for each field, with its row.
#[derive(Debug, Default)]
pub(super) struct FileEvidence {
    found: HashMap<(i64, ProposedField), (String, u64)>,
}

impl FileEvidence {
    /// Notes a line's evidence about its supplier. A supplier the file
    /// creates already takes the file's identifiers when it is created.
    pub(super) fn note(
        &mut self,
        supplier: Option<i64>,
        payee: &Payee,
        line: &ParsedLine,
        row: u64,
    ) {
        let Some(id) = supplier else { return };
        let mut keep = |field: ProposedField, value: &Option<String>| {
            if let Some(v) = value {
                self.found
                    .entry((id, field))
                    .or_insert_with(|| (v.clone(), row));
            }
        };
        if matches!(payee, Payee::Known(_)) {
            keep(ProposedField::CompanyNumber, &line.company_number);
            keep(ProposedField::CharityNumber, &line.charity_number);
            keep(ProposedField::VatNumber, &line.vat_number);
        }
        let vcse = line.vcse.map(|on| if on { "yes" } else { "no" }.to_owned());
        keep(ProposedField::Vcse, &vcse);
        let sme = line.sme.map(|on| if on { "yes" } else { "no" }.to_owned());
        keep(ProposedField::Sme, &sme);
    }

    /// Inside the import's transaction, once its lines are written: the
    /// values that would change the register become the institution's
    /// proposals, with the file and row as provenance, audited once.
    /// Returns how many new proposals were made.
    pub(super) fn propose(
        self,
        conn: &mut DbConn,
        actor: &Actor,
        institution_id: i64,
        file_name: &str,
        batch_id: i64,
    ) -> diesel::QueryResult<usize> {
        let mut found: Vec<_> = self.found.into_iter().collect();
        // In the file's order, and a row's fields in a fixed order.
        let rank = |f: &ProposedField| ProposedField::ALL.iter().position(|g| g == f);
        found.sort_by_key(|((_, field), (_, row))| (*row, rank(field)));
        let mut proposals = Vec::new();
        let mut registers = HashMap::new();
        for ((supplier_id, field), (value, row)) in found {
            let register = match registers.entry(supplier_id) {
                std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                std::collections::hash_map::Entry::Vacant(e) => {
                    e.insert(suppliers::get(conn, supplier_id)?.fields())
                }
            };
            if !field.agrees(register, &value) {
                let provenance = format!("spend file {file_name} (batch {batch_id}), row {row}");
                proposals.push((supplier_id, field.code(), value, provenance));
            }
        }
        if proposals.is_empty() {
            return Ok(0);
        }
        let what = format!("Spend file {file_name} (batch {batch_id})");
        let added = suppliers::add_proposals(conn, actor, institution_id, &what, &proposals)?;
        Ok(added)
    }
}
