//! Enriching suppliers from the register of charities: each supplier
//! matched to a charity (by charity number, else exact name) gets proposals
//! — its charity number, charity and VCSE status, registered postcode and
//! latest income — for a clerk to accept, recorded with the charity
//! register as their source. A value the register already holds from
//! another source and the charity register contradicts is a conflict:
//! shown, never applied by accepting.

use crate::db::audit::Actor;
use crate::db::charities::{self, CharityFacts, CharityMatch, CharityRelease};
use crate::db::suppliers::{self, Supplier};
use crate::db::{write_tx, DbConn};
use crate::domain::supplier::{Source, SupplierFields};
use crate::error::AppError;
use crate::register::enrich::{save_fields, ChangeList, ProposedChange};

#[derive(Debug, Clone)]
pub struct CharityProposal {
    pub supplier_id: i64,
    pub supplier_name: String,
    pub charity: CharityFacts,
    pub matched_by: CharityMatch,
    /// What accepting writes.
    pub changes: Vec<ProposedChange>,
    /// Values the charity register contradicts: shown, not written.
    pub conflicts: Vec<ProposedChange>,
    /// The supplier form with every change (and no conflict) applied.
    pub fields: SupplierFields,
}

/// The changes the charity register suggests for a supplier, or `None` if
/// it agrees. A removed charity proposes nothing but is shown as such.
pub fn propose(
    supplier: &Supplier,
    charity: &CharityFacts,
    matched_by: CharityMatch,
) -> Option<CharityProposal> {
    let mut f = supplier.fields();
    if !charity.registered {
        return Some(CharityProposal {
            supplier_id: supplier.id,
            supplier_name: supplier.name.clone(),
            charity: charity.clone(),
            matched_by,
            changes: Vec::new(),
            conflicts: vec![ProposedChange {
                field: "Charity status",
                from: "a charity".into(),
                to: "removed from the register".into(),
            }],
            fields: f,
        })
        .filter(|_| supplier.is_charity);
    }
    let mut list = ChangeList::default();
    list.text(
        "Charity number",
        &mut f.charity_number,
        charity.charity_number.clone(),
    );
    list.text(
        "Registered office postcode",
        &mut f.postcode_registered,
        charity.postcode.clone().unwrap_or_default(),
    );
    list.text(
        "Companies House number",
        &mut f.company_number,
        charity.company_number.clone().unwrap_or_default(),
    );
    let income = charity
        .latest_income_pence
        .map(|p| crate::domain::money::Pence(p).to_string());
    if f.turnover.is_empty() {
        if let Some(pounds) = income {
            list.changes.push(ProposedChange {
                field: "Turnover (latest income)",
                from: "—".into(),
                to: format!("{pounds} ({})", charity.income_band().unwrap_or_default()),
            });
            f.turnover = pounds;
        }
    }
    list.flag("Charity", &mut f.is_charity, true);
    list.flag("VCSE", &mut f.is_vcse, true);
    f.source = Source::CharityRegister.code().into();
    (!list.is_empty()).then(|| CharityProposal {
        supplier_id: supplier.id,
        supplier_name: supplier.name.clone(),
        charity: charity.clone(),
        matched_by,
        changes: list.changes,
        conflicts: list.conflicts,
        fields: f,
    })
}

/// Every current proposal against the release in use.
pub fn proposals(
    conn: &mut DbConn,
    only: Option<&[i64]>,
) -> Result<(Option<CharityRelease>, Vec<CharityProposal>), AppError> {
    let Some(release) = charities::active(conn)? else {
        return Ok((None, Vec::new()));
    };
    let found = charities::matches(conn, release.id, only)?;
    let list = found
        .iter()
        .filter_map(|(s, c, by)| propose(s, c, *by))
        .collect();
    Ok((Some(release), list))
}

/// Applies the changes proposed for the given suppliers, recomputed now;
/// conflicts are left as they are. Returns how many suppliers changed.
pub fn accept(conn: &mut DbConn, actor: &Actor, supplier_ids: &[i64]) -> Result<usize, AppError> {
    write_tx(conn, |conn| {
        let (release, list) = proposals(conn, Some(supplier_ids))?;
        let Some(release) = release else { return Ok(0) };
        let mut changed = 0;
        for p in list.iter().filter(|p| !p.changes.is_empty()) {
            let evidence = format!(
                "Register of charities release {}, charity {} ({})",
                release.name, p.charity.charity_number, p.charity.name
            );
            let supplier = suppliers::get(conn, p.supplier_id)?;
            save_fields(
                conn,
                actor,
                &supplier,
                &p.fields,
                Source::CharityRegister,
                &evidence,
            )?;
            changed += 1;
        }
        Ok(changed)
    })
}
