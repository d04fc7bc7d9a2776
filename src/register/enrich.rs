//! Enriching supplier records: Companies House proposals, and the
//! recognition rules' suggestions, each accepted by a clerk and recorded with
//! its source.

use crate::db::audit::Actor;
use crate::db::companies::{self, CompanyRelease, MatchedBy};
use crate::db::suppliers::{self, Supplier};
use crate::db::{write_tx, DbConn};
use crate::domain::recognise::{Recogniser, Suggestion};
use crate::domain::supplier::{CompanyFacts, SizeDefinition, Source, SupplierFields};
use crate::error::AppError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProposedChange {
    pub field: &'static str,
    pub from: String,
    pub to: String,
}

#[derive(Debug, Clone)]
pub struct Proposal {
    pub supplier_id: i64,
    pub supplier_name: String,
    pub company: CompanyFacts,
    pub matched_by: MatchedBy,
    pub changes: Vec<ProposedChange>,
    /// Values the supplier has, from another source, that Companies House
    /// contradicts: shown, never written by accepting.
    pub conflicts: Vec<ProposedChange>,
    /// The supplier form as it would be with every change applied.
    pub fields: SupplierFields,
}

fn shown(s: &str) -> String {
    if s.is_empty() {
        "—".into()
    } else {
        s.to_owned()
    }
}

/// What a reference register proposes for one supplier: the values it adds,
/// and the values the supplier already has (from any source, an earlier
/// release included) that it contradicts — conflicts, listed for a clerk
/// and never written by accepting.
#[derive(Debug, Default)]
pub struct ChangeList {
    pub changes: Vec<ProposedChange>,
    pub conflicts: Vec<ProposedChange>,
}

impl ChangeList {
    /// A text value: written where the supplier has none, a conflict where
    /// it has another; nothing for an empty value.
    pub fn text(&mut self, field: &'static str, slot: &mut String, to: String) {
        if to.is_empty() || *slot == to {
            return;
        }
        let change = ProposedChange {
            field,
            from: shown(slot),
            to: to.clone(),
        };
        if slot.is_empty() {
            self.changes.push(change);
            *slot = to;
        } else {
            self.conflicts.push(change);
        }
    }

    /// A flag, only ever set.
    pub fn flag(&mut self, field: &'static str, slot: &mut Option<String>, on: bool) {
        if on && slot.is_none() {
            *slot = Some("on".into());
            self.changes.push(ProposedChange {
                field,
                from: "no".into(),
                to: "yes".into(),
            });
        }
    }

    pub fn is_empty(&self) -> bool {
        self.changes.is_empty() && self.conflicts.is_empty()
    }
}

/// The changes Companies House suggests for a supplier, or `None` if it
/// agrees: values only ever added, flags only set, contradicted values
/// listed as conflicts (see [`ChangeList`]).
pub fn propose(
    supplier: &Supplier,
    company: &CompanyFacts,
    matched_by: MatchedBy,
) -> Option<Proposal> {
    let mut f = supplier.fields();
    let mut list = ChangeList::default();
    list.text(
        "Companies House number",
        &mut f.company_number,
        company.company_number.clone(),
    );
    list.text(
        "Registered office postcode",
        &mut f.postcode_registered,
        company.postcode.clone().unwrap_or_default(),
    );
    list.text(
        "Legal form",
        &mut f.legal_form,
        company.legal_form().unwrap_or_default(),
    );
    if f.size_band.is_empty() {
        if let Some(band) = company.size_hint() {
            list.text(
                "Size band (from accounts filed)",
                &mut f.size_band,
                band.code().to_owned(),
            );
            f.size_definition = SizeDefinition::CompaniesHouseAccounts.code().to_owned();
        }
    }
    let sic = company.sic_codes.replace(',', ", ");
    list.text("SIC 2007 codes", &mut f.sic_codes, sic);
    let hints = company.type_hints();
    list.flag("VCSE", &mut f.is_vcse, hints.vcse);
    list.flag("Charity", &mut f.is_charity, hints.charity);
    list.flag("Community interest company", &mut f.is_cic, hints.cic);
    list.flag(
        "Co-operative or community benefit society",
        &mut f.is_cooperative,
        hints.cooperative,
    );
    if company.is_dissolved() {
        list.changes.push(ProposedChange {
            field: "Company status",
            from: "—".into(),
            to: company.status.clone(),
        });
    }
    f.source = Source::CompaniesHouse.code().into();
    (!list.is_empty()).then(|| Proposal {
        supplier_id: supplier.id,
        supplier_name: supplier.name.clone(),
        company: company.clone(),
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
) -> Result<(Option<CompanyRelease>, Vec<Proposal>), AppError> {
    let Some(release) = companies::active(conn)? else {
        return Ok((None, Vec::new()));
    };
    let found = companies::matches(conn, release.id, only)?;
    Ok((Some(release), propose_all(&found)))
}

/// Proposals for matched suppliers, dropping those the register agrees with.
pub fn propose_all(found: &[(Supplier, CompanyFacts, MatchedBy)]) -> Vec<Proposal> {
    found
        .iter()
        .filter_map(|(s, c, by)| propose(s, c, *by))
        .collect()
}

/// Applies the proposals for the given suppliers, recomputed now so nothing
/// stale is written. Returns how many suppliers changed.
pub fn accept(conn: &mut DbConn, actor: &Actor, supplier_ids: &[i64]) -> Result<usize, AppError> {
    write_tx(conn, |conn| {
        let (release, list) = proposals(conn, Some(supplier_ids))?;
        let Some(release) = release else { return Ok(0) };
        let with_changes: Vec<&Proposal> = list.iter().filter(|p| !p.changes.is_empty()).collect();
        for p in &with_changes {
            apply(conn, actor, &release, p, "")?;
        }
        Ok(with_changes.len())
    })
}

/// Saves a supplier's fields as a clerk accepted them from `source`, at the
/// version `supplier` was read at (inside the caller's transaction).
pub(crate) fn save_fields(
    conn: &mut DbConn,
    actor: &Actor,
    supplier: &Supplier,
    fields: &SupplierFields,
    source: Source,
    evidence: &str,
) -> Result<(), AppError> {
    let input = fields
        .parse()
        .map_err(|e| AppError::Conflict(format!("{}: {}", supplier.name, e[0].1)))?;
    suppliers::update(
        conn,
        actor,
        supplier.id,
        supplier.version,
        &input,
        source,
        evidence,
    )?;
    Ok(())
}

/// Writes one proposal, its evidence naming the release and the company.
fn apply(
    conn: &mut DbConn,
    actor: &Actor,
    release: &CompanyRelease,
    p: &Proposal,
    how: &str,
) -> Result<(), AppError> {
    let evidence = format!(
        "Companies House release {}, company {} ({}){how}",
        release.name, p.company.company_number, p.company.name
    );
    let supplier = suppliers::get(conn, p.supplier_id)?;
    save_fields(
        conn,
        actor,
        &supplier,
        &p.fields,
        Source::CompaniesHouse,
        &evidence,
    )?;
    if p.company.is_dissolved() {
        suppliers::mark_dissolved(conn, actor, p.supplier_id, &evidence)?;
    }
    Ok(())
}

/// Accepts companies a clerk confirmed as near misses of suppliers' names
/// (supplier id, company number): each pair is checked again against the
/// release in use (the company is there, the names still score as near) and
/// the company's details are written as a Companies House proposal would
/// be, the score in the evidence. Returns how many suppliers changed.
pub fn accept_similar(
    conn: &mut DbConn,
    actor: &Actor,
    pairs: &[(i64, String)],
) -> Result<usize, AppError> {
    write_tx(conn, |conn| {
        let release = companies::active(conn)?
            .ok_or_else(|| AppError::Conflict("No Companies House data is loaded.".into()))?;
        let mut changed = 0;
        for (supplier_id, number) in pairs {
            let supplier = suppliers::get(conn, *supplier_id)?;
            let company = companies::company(conn, release.id, number)?.ok_or_else(|| {
                AppError::Conflict(format!(
                    "Company {number} is not in the Companies House release in use."
                ))
            })?;
            let score = crate::domain::similar::score(
                &crate::domain::similar::words(&supplier.name),
                &crate::domain::similar::words(&company.name),
            );
            if supplier.merged_into.is_some() || supplier.company_number.is_some() {
                return Err(AppError::Conflict(format!(
                    "{} has changed since the page was shown: look again.",
                    supplier.name
                )));
            }
            if score < crate::domain::similar::THRESHOLD {
                return Err(AppError::Conflict(format!(
                    "{} and {} are not similar names.",
                    supplier.name, company.name
                )));
            }
            let how = format!(
                ", similar name ({}%) confirmed by a clerk",
                crate::domain::similar::percent(score)
            );
            let proposal = propose(&supplier, &company, MatchedBy::SimilarName);
            if let Some(p) = proposal.filter(|p| !p.changes.is_empty()) {
                apply(conn, actor, &release, &p, &how)?;
                changed += 1;
            }
        }
        Ok(changed)
    })
}

/// Suppliers read per batch while looking for suggestions.
const SUGGESTION_BATCH: i64 = 2_000;

/// One bounded look through the register: what it found, and where to
/// look on from (the last supplier id read) when it stopped before the end.
pub struct Scan<T> {
    pub found: Vec<T>,
    pub next: Option<i64>,
}

/// Looks at live suppliers after `after` (by id), in batches, handing each
/// to `visit` with what has been found so far. The work is bounded: it stops
/// once `limit` things are found or `max_read` suppliers are read, whichever
/// comes first, and says where to look on from.
pub fn scan_register<T>(
    conn: &mut DbConn,
    after: i64,
    limit: usize,
    max_read: usize,
    mut visit: impl FnMut(&mut DbConn, Supplier, &mut Vec<T>) -> Result<(), AppError>,
) -> Result<Scan<T>, AppError> {
    let (mut found, mut cursor, mut read) = (Vec::new(), after, 0);
    loop {
        let batch = suppliers::batch_after(conn, cursor, SUGGESTION_BATCH)?;
        let full = batch.len() as i64 == SUGGESTION_BATCH;
        for supplier in batch {
            cursor = supplier.id;
            read += 1;
            visit(conn, supplier, &mut found)?;
            if found.len() >= limit || read >= max_read {
                return Ok(Scan {
                    found,
                    next: Some(cursor),
                });
            }
        }
        if !full {
            return Ok(Scan { found, next: None });
        }
    }
}

/// Suppliers after `after` (by id) that the recognition rules have
/// something new to say about: a public body not yet flagged, VCSE flags not
/// yet set, or a redacted payee; a bounded look (see [`scan_register`]).
pub fn rule_suggestions(
    conn: &mut DbConn,
    recogniser: &Recogniser,
    after: i64,
    limit: usize,
    max_read: usize,
) -> Result<Scan<(Supplier, Suggestion)>, AppError> {
    scan_register(conn, after, limit, max_read, |_, s, found| {
        if let Some(suggestion) = new_suggestion(recogniser, &s) {
            found.push((s, suggestion));
        }
        Ok(())
    })
}

fn new_suggestion(recogniser: &Recogniser, s: &Supplier) -> Option<Suggestion> {
    let suggestion = recogniser.suggest(&s.name).into_iter().next()?;
    let new = match &suggestion {
        Suggestion::PublicBody { .. } => !s.is_public_body,
        Suggestion::Vcse { flags, .. } => {
            (flags.vcse && !s.is_vcse)
                || (flags.cic && !s.is_cic)
                || (flags.cooperative && !s.is_cooperative)
        }
        Suggestion::Redacted => true,
    };
    new.then_some(suggestion)
}

/// Applies the rules' suggestions to the ticked suppliers, recorded with the
/// rule as their source. Redacted payees are left for a person to deal with.
pub fn accept_rules(
    conn: &mut DbConn,
    actor: &Actor,
    recogniser: &Recogniser,
    ids: &[i64],
) -> Result<usize, AppError> {
    write_tx(conn, |conn| {
        let mut changed = 0;
        for &id in ids {
            let supplier = suppliers::get(conn, id)?;
            let Some(suggestion) = recogniser.suggest(&supplier.name).into_iter().next() else {
                continue;
            };
            let mut f = supplier.fields();
            let on = || Some("on".to_owned());
            match &suggestion {
                Suggestion::PublicBody { .. } => f.is_public_body = on(),
                Suggestion::Vcse { flags, .. } => {
                    if flags.vcse {
                        f.is_vcse = on();
                    }
                    if flags.cic {
                        f.is_cic = on();
                    }
                    if flags.cooperative {
                        f.is_cooperative = on();
                    }
                }
                Suggestion::Redacted => continue,
            }
            save_fields(
                conn,
                actor,
                &supplier,
                &f,
                Source::Rule,
                &suggestion.describe(),
            )?;
            changed += 1;
        }
        Ok(changed)
    })
}

/// An unclassified supplier in the work queue: its rank by spend, the
/// supplier and its influenceable spend in pence.
pub type QueueRow = (usize, Supplier, i64);

/// Suppliers ranked by an institution's influenceable spend: the coverage of
/// the top `top_n`, and the unclassified ones in rank order (rank, supplier,
/// spend), so a clerk classifies where the money is.
pub fn work_queue(
    conn: &mut DbConn,
    institution_id: i64,
    top_n: usize,
) -> Result<(crate::domain::spend::Coverage, Vec<QueueRow>), AppError> {
    let totals = crate::db::spend::supplier_totals(conn, institution_id)?;
    let unclassified: std::collections::HashSet<i64> =
        suppliers::unclassified_ids(conn)?.into_iter().collect();
    let ranked: Vec<(i64, bool)> = totals
        .iter()
        .map(|(id, pence)| (*pence, !unclassified.contains(id)))
        .collect();
    let coverage = crate::domain::spend::Coverage::of(&ranked, top_n);
    // `unclassified_ids` holds live suppliers only, so every row here is live.
    let wanted: Vec<(usize, i64, i64)> = totals
        .iter()
        .enumerate()
        .filter(|(_, (id, _))| unclassified.contains(id))
        .take(100)
        .map(|(rank, (id, pence))| (rank + 1, *id, *pence))
        .collect();
    let ids: Vec<i64> = wanted.iter().map(|(_, id, _)| *id).collect();
    let mut loaded: std::collections::HashMap<i64, Supplier> = suppliers::get_many(conn, &ids)?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    let queue = wanted
        .into_iter()
        .filter_map(|(rank, id, pence)| Some((rank, loaded.remove(&id)?, pence)))
        .collect();
    Ok((coverage, queue))
}

/// Where a conflicting value comes from, when a clerk chooses it over the
/// register's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConflictSource {
    CompaniesHouse,
    CharityRegister,
}

/// Writes one value a reference register proposes in place of the value
/// the supplier has (a conflict a clerk resolved by choosing the register's
/// value). The value is worked out again here from the release in use,
/// never taken from the form; `field` is the label the page showed.
pub fn resolve_conflict(
    conn: &mut DbConn,
    actor: &Actor,
    supplier_id: i64,
    source: ConflictSource,
    field: &str,
) -> Result<(), AppError> {
    write_tx(conn, |conn| {
        let gone = || AppError::Conflict("That conflict is no longer there: look again.".into());
        let (conflicts, evidence, source_code) = match source {
            ConflictSource::CompaniesHouse => {
                let (release, list) = proposals(conn, Some(&[supplier_id]))?;
                let (release, p) = release.zip(list.into_iter().next()).ok_or_else(gone)?;
                let evidence = format!(
                    "Companies House release {}, company {} ({})",
                    release.name, p.company.company_number, p.company.name
                );
                (p.conflicts, evidence, Source::CompaniesHouse)
            }
            ConflictSource::CharityRegister => {
                let (release, list) = super::charity::proposals(conn, Some(&[supplier_id]))?;
                let (release, p) = release.zip(list.into_iter().next()).ok_or_else(gone)?;
                let evidence = format!(
                    "Register of charities release {}, charity {} ({})",
                    release.name, p.charity.charity_number, p.charity.name
                );
                (p.conflicts, evidence, Source::CharityRegister)
            }
        };
        let change = conflicts
            .into_iter()
            .find(|c| c.field == field)
            .ok_or_else(gone)?;
        let supplier = suppliers::get(conn, supplier_id)?;
        let mut f = supplier.fields();
        let slot = match change.field {
            "Companies House number" => &mut f.company_number,
            "Registered office postcode" => &mut f.postcode_registered,
            "Legal form" => &mut f.legal_form,
            "SIC 2007 codes" => &mut f.sic_codes,
            "Charity number" => &mut f.charity_number,
            _ => return Err(gone()),
        };
        *slot = change.to.clone();
        let evidence = format!("{evidence}, chosen over {} by a clerk", change.from);
        save_fields(conn, actor, &supplier, &f, source_code, &evidence)
    })
}
