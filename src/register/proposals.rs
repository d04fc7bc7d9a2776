//! Proposals from an institution's own files (its supplier master file, its
//! spend files' classification columns): listed for a clerk beside the
//! register's value and where that came from, accepted in bulk, and — where
//! the file disagrees with a value the register already holds — shown as a
//! conflict that only a clerk's choice resolves.

use crate::db::audit::{self, Actor, Change};
use crate::db::suppliers::{self, StoredProposal, Supplier};
use crate::db::{write_tx, DbConn};
use crate::domain::evidence::ProposedField;
use crate::domain::supplier::Source;
use crate::error::AppError;

/// An open proposal as a clerk reviews it.
#[derive(Debug, Clone)]
pub struct Review {
    pub proposal: StoredProposal,
    pub field: ProposedField,
    /// The supplier it is for (the one it was merged into, if it was).
    pub supplier_id: i64,
    pub supplier_name: String,
    /// The register's value now ("" for none) and where it came from.
    pub current: String,
    pub current_source: String,
    /// The file disagrees with a value the register holds.
    pub conflict: bool,
}

/// Provenance field names the register records for each proposed field.
fn provenance_group(field: ProposedField) -> &'static str {
    match field {
        ProposedField::InvoicePostcode => "location",
        ProposedField::CompanyNumber | ProposedField::CharityNumber | ProposedField::VatNumber => {
            "identity"
        }
        ProposedField::Vcse => "type",
        ProposedField::Sme => "size",
    }
}

/// The live supplier a proposal now concerns, following merges.
fn live_supplier(conn: &mut DbConn, id: i64) -> Result<Supplier, AppError> {
    let mut supplier = suppliers::get(conn, id)?;
    for _ in 0..16 {
        match supplier.merged_into {
            Some(into) => supplier = suppliers::get(conn, into)?,
            None => break,
        }
    }
    Ok(supplier)
}

/// The supplier (and, once asked for, its provenance) the last proposal
/// reviewed was for: an institution's proposals come by supplier, so each
/// supplier is read once, not once per proposal.
#[derive(Default)]
struct Seen {
    last: Option<(i64, Supplier, Option<Vec<suppliers::Provenance>>)>,
}

impl Seen {
    fn supplier(&mut self, conn: &mut DbConn, id: i64) -> Result<&Supplier, AppError> {
        if self.last.as_ref().is_none_or(|(seen, _, _)| *seen != id) {
            self.last = Some((id, live_supplier(conn, id)?, None));
        }
        Ok(&self.last.as_ref().expect("just read").1)
    }

    fn provenance(&mut self, conn: &mut DbConn) -> Result<&[suppliers::Provenance], AppError> {
        let (_, supplier, provenance) = self.last.as_mut().expect("a supplier is read first");
        if provenance.is_none() {
            *provenance = Some(suppliers::provenance(conn, supplier.id)?);
        }
        Ok(provenance.as_deref().unwrap_or_default())
    }
}

fn review(
    conn: &mut DbConn,
    seen: &mut Seen,
    proposal: StoredProposal,
) -> Result<Option<Review>, AppError> {
    let Some(field) = ProposedField::from_code(&proposal.field) else {
        return Ok(None);
    };
    let supplier = seen.supplier(conn, proposal.supplier_id)?;
    let (supplier_id, supplier_name) = (supplier.id, supplier.name.clone());
    let fields = supplier.fields();
    if field.agrees(&fields, &proposal.value) {
        return Ok(None);
    }
    let current = field.current(&fields);
    let current_source = if current.is_empty() {
        String::new()
    } else {
        let group = provenance_group(field);
        seen.provenance(conn)?
            .iter()
            .find(|p| p.field == group)
            .map(|p| {
                let source =
                    Source::from_code(&p.source).map_or(p.source.clone(), |s| s.label().to_owned());
                if p.evidence.is_empty() {
                    source
                } else {
                    format!("{source}: {}", p.evidence)
                }
            })
            .unwrap_or_else(|| "the register".into())
    };
    Ok(Some(Review {
        conflict: field.conflicts(&fields, &proposal.value),
        field,
        supplier_id,
        supplier_name,
        current,
        current_source,
        proposal,
    }))
}

/// An institution's open proposals that would change something, conflicts
/// among them, by supplier.
pub fn open(conn: &mut DbConn, institution_id: i64) -> Result<Vec<Review>, AppError> {
    let mut seen = Seen::default();
    let mut out = Vec::new();
    for proposal in suppliers::proposals_open(conn, Some(institution_id))? {
        if let Some(r) = review(conn, &mut seen, proposal)? {
            out.push(r);
        }
    }
    Ok(out)
}

/// What a clerk's decision did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Decided {
    pub accepted: usize,
    /// Conflicts left for a choice of their own.
    pub conflicts_left: usize,
}

/// Accepts the institution's open proposals `ids`, each written to the
/// register with its provenance as evidence, in one transaction. Conflicts
/// are applied only when `resolve_conflicts` says the clerk chose the file's
/// value for them; otherwise they are left open and counted.
pub fn accept(
    conn: &mut DbConn,
    actor: &Actor,
    institution_id: i64,
    ids: &[i64],
    resolve_conflicts: bool,
) -> Result<Decided, AppError> {
    write_tx(conn, |conn| {
        let mut decided = Decided::default();
        for stored in suppliers::proposals_by_id(conn, ids)? {
            if stored.institution_id != institution_id || stored.status != "open" {
                return Err(AppError::NotFound);
            }
            let id = stored.id;
            // Each write changes the supplier: read it afresh.
            let Some(r) = review(conn, &mut Seen::default(), stored)? else {
                // The register agrees by now: nothing to write.
                suppliers::decide_proposal(conn, actor, id, true)?;
                continue;
            };
            if r.conflict && !resolve_conflicts {
                decided.conflicts_left += 1;
                continue;
            }
            let supplier = suppliers::get(conn, r.supplier_id)?;
            let mut fields = supplier.fields();
            r.field.apply(&mut fields, &r.proposal.value);
            let mut evidence = r.proposal.provenance.clone();
            if r.conflict {
                evidence.push_str(&format!(
                    ", chosen over {} ({})",
                    r.current, r.current_source
                ));
            }
            super::enrich::save_fields(conn, actor, &supplier, &fields, Source::Import, &evidence)?;
            if !suppliers::decide_proposal(conn, actor, id, true)? {
                return Err(AppError::Conflict(
                    "Someone decided this proposal meanwhile: look again.".into(),
                ));
            }
            decided.accepted += 1;
        }
        Ok(decided)
    })
}

/// Rejects one open proposal: the register keeps its value. Audited.
pub fn reject(
    conn: &mut DbConn,
    actor: &Actor,
    institution_id: i64,
    id: i64,
) -> Result<(), AppError> {
    write_tx(conn, |conn| {
        let Some(stored) = suppliers::proposals_by_id(conn, &[id])?.pop() else {
            return Err(AppError::NotFound);
        };
        if stored.institution_id != institution_id {
            return Err(AppError::NotFound);
        }
        if !suppliers::decide_proposal(conn, actor, id, false)? {
            return Err(AppError::Conflict(
                "Someone decided this proposal meanwhile: look again.".into(),
            ));
        }
        audit::record(
            conn,
            actor,
            Change::new("reject", "supplier_proposal", id)
                .institution(Some(institution_id))
                .summary(format!(
                    "Kept the register's value for supplier {}: rejected {} {} ({})",
                    stored.supplier_id, stored.field, stored.value, stored.provenance
                ))
                .before(&stored),
        )?;
        Ok(())
    })
}
