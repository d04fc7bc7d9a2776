//! One supplier record: reading it, creating and editing it with the
//! provenance of each group of fields, its names (aliases) and the
//! institutions' own ids for it.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use super::bulk_create::record_created;
use crate::db::audit::{self, Actor, Change};
use crate::db::schema::{
    supplier_aliases as a, supplier_external_ids as x, supplier_provenance as p, suppliers as s,
};
use crate::db::Error;
use crate::db::{batch_insert, now, write_tx, DbConn};
use crate::domain::classify::{
    LocationBasis, LocationInput, ManualOverride, OverridePlace, SupplierPostcodes,
};
use crate::domain::supplier::{match_key, normalise_name, Source, SupplierFields, SupplierInput};

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Serialize)]
#[diesel(table_name = s)]
pub struct Supplier {
    pub id: i64,
    pub name: String,
    pub normalised_name: String,
    pub match_key: String,
    pub company_number: Option<String>,
    pub charity_number: Option<String>,
    pub vat_number: Option<String>,
    pub postcode_registered: Option<String>,
    pub postcode_branch: Option<String>,
    pub postcode_invoice: Option<String>,
    pub location_basis: String,
    pub override_place: Option<String>,
    pub override_justification: Option<String>,
    pub legal_form: Option<String>,
    pub size_band: Option<String>,
    pub size_definition: Option<String>,
    pub employees: Option<i64>,
    pub turnover_pence: Option<i64>,
    pub is_vcse: bool,
    pub is_charity: bool,
    pub is_cic: bool,
    pub is_cooperative: bool,
    pub is_employee_owned: bool,
    pub is_social_enterprise: bool,
    pub is_public_body: bool,
    pub sic_codes: String,
    pub living_wage: String,
    pub dissolved: bool,
    pub merged_into: Option<i64>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// The columns a save writes, from a parsed form.
#[derive(Debug, Clone, Insertable, AsChangeset)]
#[diesel(table_name = s, treat_none_as_null = true)]
pub(super) struct Values {
    name: String,
    normalised_name: String,
    match_key: String,
    company_number: Option<String>,
    charity_number: Option<String>,
    vat_number: Option<String>,
    postcode_registered: Option<String>,
    postcode_branch: Option<String>,
    postcode_invoice: Option<String>,
    location_basis: String,
    override_place: Option<String>,
    override_justification: Option<String>,
    legal_form: Option<String>,
    size_band: Option<String>,
    size_definition: Option<String>,
    employees: Option<i64>,
    turnover_pence: Option<i64>,
    is_vcse: bool,
    is_charity: bool,
    is_cic: bool,
    is_cooperative: bool,
    is_employee_owned: bool,
    is_social_enterprise: bool,
    is_public_body: bool,
    sic_codes: String,
    living_wage: String,
}

impl Values {
    pub(super) fn from_input(i: &SupplierInput) -> Self {
        Self {
            name: i.name.clone(),
            normalised_name: normalise_name(&i.name),
            match_key: match_key(&i.name),
            company_number: i.company_number.clone(),
            charity_number: i.charity_number.clone(),
            vat_number: i.vat_number.clone(),
            postcode_registered: i
                .postcode_registered
                .as_ref()
                .map(|p| p.as_str().to_owned()),
            postcode_branch: i.postcode_branch.as_ref().map(|p| p.as_str().to_owned()),
            postcode_invoice: i.postcode_invoice.as_ref().map(|p| p.as_str().to_owned()),
            location_basis: i.basis.code().to_owned(),
            override_place: i.manual.as_ref().map(|(o, _)| o.code()),
            override_justification: i.manual.as_ref().map(|(_, j)| j.clone()),
            legal_form: i.legal_form.clone(),
            size_band: i.size.map(|(b, _)| b.code().to_owned()),
            size_definition: i.size.map(|(_, d)| d.code().to_owned()),
            employees: i.employees,
            turnover_pence: i.turnover.map(|t| t.0),
            is_vcse: i.flags.vcse,
            is_charity: i.flags.charity,
            is_cic: i.flags.cic,
            is_cooperative: i.flags.cooperative,
            is_employee_owned: i.flags.employee_owned,
            is_social_enterprise: i.flags.social_enterprise,
            is_public_body: i.flags.public_body,
            sic_codes: i.sic_codes.join(","),
            living_wage: i.living_wage.code().to_owned(),
        }
    }
}

/// The groups of fields whose provenance is tracked, with a comparable
/// rendering of each group's values.
pub(super) fn groups(v: &Supplier) -> [(&'static str, String); 6] {
    [
        (
            "identity",
            format!(
                "{:?}",
                (&v.name, &v.company_number, &v.charity_number, &v.vat_number)
            ),
        ),
        (
            "location",
            format!(
                "{:?}",
                (
                    &v.postcode_registered,
                    &v.postcode_branch,
                    &v.postcode_invoice,
                    &v.location_basis,
                    &v.override_place,
                    &v.override_justification
                )
            ),
        ),
        (
            "size",
            format!(
                "{:?}",
                (
                    &v.size_band,
                    &v.size_definition,
                    v.employees,
                    v.turnover_pence
                )
            ),
        ),
        (
            "type",
            format!(
                "{:?}",
                (
                    &v.legal_form,
                    v.is_vcse,
                    v.is_charity,
                    v.is_cic,
                    v.is_cooperative,
                    v.is_employee_owned,
                    v.is_social_enterprise,
                    v.is_public_body
                )
            ),
        ),
        ("sector", v.sic_codes.clone()),
        ("living_wage", v.living_wage.clone()),
    ]
}

/// Provenance groups that hold something worth attributing on a new supplier.
pub(super) fn has_content(v: &Supplier, group: &str) -> bool {
    match group {
        "identity" => true,
        "location" => {
            v.postcode_registered.is_some()
                || v.postcode_branch.is_some()
                || v.postcode_invoice.is_some()
                || v.override_place.is_some()
        }
        "size" => v.size_band.is_some(),
        "type" => v.legal_form.is_some() || groups(v)[3].1.contains("true"),
        "sector" => !v.sic_codes.is_empty(),
        _ => v.living_wage != "unknown",
    }
}

/// A provenance row as written.
#[derive(Insertable)]
#[diesel(table_name = p)]
pub(super) struct NewProvenance<'a> {
    pub(super) supplier_id: i64,
    pub(super) field: &'a str,
    pub(super) source: &'a str,
    pub(super) set_by: &'a str,
    pub(super) set_by_user_id: Option<i64>,
    pub(super) set_at: NaiveDateTime,
    pub(super) evidence: &'a str,
}

pub(super) fn record_provenance(
    conn: &mut DbConn,
    id: i64,
    fields: &[&str],
    source: Source,
    actor: &Actor,
    evidence: &str,
) -> QueryResult<()> {
    if fields.is_empty() {
        return Ok(());
    }
    let at = now();
    let rows: Vec<NewProvenance> = fields
        .iter()
        .map(|field| NewProvenance {
            supplier_id: id,
            field,
            source: source.code(),
            set_by: &actor.name,
            set_by_user_id: actor.user_id,
            set_at: at,
            evidence,
        })
        .collect();
    batch_insert!(conn, p::table, rows)?;
    Ok(())
}

/// Records a name as published, unless the supplier already has exactly it.
pub(super) fn add_alias(
    conn: &mut DbConn,
    supplier_id: i64,
    name: &str,
) -> QueryResult<Option<i64>> {
    let normalised = normalise_name(name);
    let exists: i64 = a::table
        .filter(a::supplier_id.eq(supplier_id))
        .filter(a::name.eq(name))
        .count()
        .get_result(conn)?;
    if exists > 0 {
        return Ok(None);
    }
    diesel::insert_into(a::table)
        .values((
            a::supplier_id.eq(supplier_id),
            a::name.eq(name),
            a::normalised_name.eq(&normalised),
            a::created_at.eq(now()),
        ))
        .returning(a::id)
        .get_result(conn)
        .map(Some)
}

pub fn get(conn: &mut DbConn, id: i64) -> QueryResult<Supplier> {
    s::table.find(id).select(Supplier::as_select()).first(conn)
}

/// Ids per `IN (…)` list: within every engine's bound on bound parameters.
const ID_CHUNK: usize = 5_000;

/// Several suppliers in one query, in no particular order.
pub fn get_many(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<Supplier>> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(ID_CHUNK) {
        out.extend(
            s::table
                .filter(s::id.eq_any(chunk))
                .select(Supplier::as_select())
                .load(conn)?,
        );
    }
    Ok(out)
}

/// Creates a supplier, its first alias (its own name) and the provenance of
/// whatever classification it was created with.
pub fn create(
    conn: &mut DbConn,
    actor: &Actor,
    input: &SupplierInput,
    source: Source,
    evidence: &str,
) -> Result<Supplier, Error> {
    write_tx(conn, |conn| {
        let at = now();
        let id: i64 = diesel::insert_into(s::table)
            .values((
                Values::from_input(input),
                s::version.eq(1),
                s::created_at.eq(at),
                s::updated_at.eq(at),
            ))
            .returning(s::id)
            .get_result(conn)?;
        let created = get(conn, id)?;
        record_created(
            conn,
            actor,
            std::slice::from_ref(&created),
            source,
            evidence,
        )?;
        Ok(created)
    })
}

/// Saves an edit made from `expected_version`, recording provenance for each
/// group of fields that changed.
pub fn update(
    conn: &mut DbConn,
    actor: &Actor,
    id: i64,
    expected_version: i64,
    input: &SupplierInput,
    source: Source,
    evidence: &str,
) -> Result<Supplier, Error> {
    write_tx(conn, |conn| {
        let before = get(conn, id)?;
        // Checked first, so a stale form is told so before any other refusal;
        // the versioned UPDATE below catches a save in between.
        if before.version != expected_version {
            return Err(crate::db::stale(conn, "supplier", id, before.updated_at));
        }
        if before.merged_into.is_some() {
            return Err(Error::Conflict(
                "This supplier has been merged into another; edit that one instead.".into(),
            ));
        }
        let claimed = diesel::update(s::table.find(id).filter(s::version.eq(expected_version)))
            .set((
                Values::from_input(input),
                s::version.eq(expected_version + 1),
                s::updated_at.eq(now()),
            ))
            .execute(conn)?;
        if claimed == 0 {
            // Saved by someone else between the read and this write.
            return Err(crate::db::stale(conn, "supplier", id, before.updated_at));
        }
        let after = get(conn, id)?;
        if before.name != after.name {
            add_alias(conn, id, &after.name)?;
        }
        let changed: Vec<&str> = groups(&before)
            .iter()
            .zip(groups(&after).iter())
            .filter(|(b, a)| b.1 != a.1)
            .map(|(b, _)| b.0)
            .collect();
        record_provenance(conn, id, &changed, source, actor, evidence)?;
        super::audit_touching(
            conn,
            actor,
            Change::new("update", "supplier", id)
                .summary(format!(
                    "Updated supplier {} ({})",
                    after.name,
                    changed.join(", ")
                ))
                .before(&before)
                .after(&after),
            &[id],
        )?;
        Ok(after)
    })
}

impl Supplier {
    /// The form's values for this supplier.
    pub fn fields(&self) -> SupplierFields {
        let flag = |b: bool| b.then(|| "on".to_owned());
        let (override_place, override_justification) = (
            self.override_place.clone().unwrap_or_default(),
            self.override_justification.clone().unwrap_or_default(),
        );
        SupplierFields {
            name: self.name.clone(),
            company_number: self.company_number.clone().unwrap_or_default(),
            charity_number: self.charity_number.clone().unwrap_or_default(),
            vat_number: self.vat_number.clone().unwrap_or_default(),
            postcode_registered: self.postcode_registered.clone().unwrap_or_default(),
            postcode_branch: self.postcode_branch.clone().unwrap_or_default(),
            postcode_invoice: self.postcode_invoice.clone().unwrap_or_default(),
            location_basis: self.location_basis.clone(),
            override_place,
            override_justification,
            legal_form: self.legal_form.clone().unwrap_or_default(),
            size_band: self.size_band.clone().unwrap_or_default(),
            size_definition: self.size_definition.clone().unwrap_or_default(),
            employees: self.employees.map(|e| e.to_string()).unwrap_or_default(),
            turnover: self
                .turnover_pence
                .map(|t| crate::domain::money::Pence(t).plain())
                .unwrap_or_default(),
            is_vcse: flag(self.is_vcse),
            is_charity: flag(self.is_charity),
            is_cic: flag(self.is_cic),
            is_cooperative: flag(self.is_cooperative),
            is_employee_owned: flag(self.is_employee_owned),
            is_social_enterprise: flag(self.is_social_enterprise),
            is_public_body: flag(self.is_public_body),
            sic_codes: self.sic_codes.replace(',', ", "),
            living_wage: self.living_wage.clone(),
            source: "clerk".into(),
            evidence: String::new(),
            version: self.version.to_string(),
        }
    }

    /// What classification needs to locate this supplier. `set_by` names who
    /// last set its location, for the explanation.
    pub fn location_input(&self, set_by: Option<String>) -> LocationInput {
        let manual = self.override_place.as_ref().map(|place| ManualOverride {
            place: if place == "outside_uk" {
                OverridePlace::OutsideUk
            } else {
                OverridePlace::District(place.clone())
            },
            justification: self.override_justification.clone().unwrap_or_default(),
            set_by: set_by.clone().unwrap_or_else(|| "an unknown person".into()),
        });
        LocationInput {
            postcodes: SupplierPostcodes {
                registered_office: self.postcode_registered.clone(),
                branch: self.postcode_branch.clone(),
                invoice: self.postcode_invoice.clone(),
            },
            basis: LocationBasis::from_code(&self.location_basis)
                .unwrap_or(LocationBasis::RegisteredOffice),
            basis_set_by: set_by,
            manual,
        }
    }

    /// Type labels for lists.
    pub fn types(&self) -> Vec<&'static str> {
        [
            (self.is_vcse, "VCSE"),
            (self.is_charity, "Charity"),
            (self.is_cic, "CIC"),
            (self.is_cooperative, "Co-operative"),
            (self.is_employee_owned, "Employee-owned"),
            (self.is_social_enterprise, "Social enterprise"),
            (self.is_public_body, "Public body"),
        ]
        .into_iter()
        .filter_map(|(on, label)| on.then_some(label))
        .collect()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct Alias {
    pub id: i64,
    pub name: String,
    pub normalised_name: String,
}

pub fn aliases(conn: &mut DbConn, id: i64) -> QueryResult<Vec<Alias>> {
    a::table
        .filter(a::supplier_id.eq(id))
        .order(a::id)
        .select((a::id, a::name, a::normalised_name))
        .load(conn)
}

/// Each institution's own ids for the supplier: (institution id, external id).
pub fn external_ids(conn: &mut DbConn, id: i64) -> QueryResult<Vec<(i64, String)>> {
    x::table
        .filter(x::supplier_id.eq(id))
        .order((x::institution_id, x::external_id))
        .select((x::institution_id, x::external_id))
        .load(conn)
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Serialize)]
pub struct Provenance {
    pub field: String,
    pub source: String,
    pub set_by: String,
    pub set_at: NaiveDateTime,
    pub evidence: String,
    /// The institution and role of the account that set it, when an account
    /// did (not the command line or a rule).
    pub set_by_institution: Option<i64>,
    pub set_by_role: Option<String>,
}

impl Provenance {
    /// The provenance as a user with this reach may read it: where staff of
    /// an institution outside it set it, that institution and the role,
    /// never the person.
    pub fn masked_for(
        mut self,
        reach: &crate::domain::account::Reach,
        all: &[crate::db::institutions::Institution],
    ) -> Self {
        if let Some(other) = self.set_by_institution.filter(|i| !reach.covers(*i)) {
            let role = self
                .set_by_role
                .as_deref()
                .and_then(crate::domain::Role::from_code);
            self.set_by = staff_of(all, other, role);
        }
        self
    }
}

/// Another institution's member of staff as pages and exports name them:
/// the institution and the role, never the person.
pub fn staff_of(
    all: &[crate::db::institutions::Institution],
    institution: i64,
    role: Option<crate::domain::Role>,
) -> String {
    let name = all
        .iter()
        .find(|i| i.id == institution)
        .map_or("another institution", |i| i.name.as_str());
    let role = role.map_or("staff".to_owned(), |r| r.label().to_lowercase());
    format!("{name} ({role})")
}

/// The current provenance of `fields` for each of `ids` (the newest row
/// per supplier and field), as (supplier id, provenance).
pub fn current_provenance(
    conn: &mut DbConn,
    ids: &[i64],
    fields: &[&str],
) -> QueryResult<Vec<(i64, Provenance)>> {
    use crate::db::schema::users as u;
    let mut current: Vec<(i64, Provenance)> = Vec::new();
    let mut seen: std::collections::HashSet<(i64, String)> = Default::default();
    for part in ids.chunks(ID_CHUNK) {
        let rows: Vec<(i64, Provenance)> = p::table
            .left_join(u::table)
            .filter(p::supplier_id.eq_any(part))
            .filter(p::field.eq_any(fields))
            .order(p::id.desc())
            .select((
                p::supplier_id,
                (
                    p::field,
                    p::source,
                    p::set_by,
                    p::set_at,
                    p::evidence,
                    u::institution_id.nullable(),
                    u::role.nullable(),
                ),
            ))
            .load(conn)?;
        for (id, row) in rows {
            if seen.insert((id, row.field.clone())) {
                current.push((id, row));
            }
        }
    }
    Ok(current)
}

/// Provenance rows, newest first: the first row per field is current.
pub fn provenance(conn: &mut DbConn, id: i64) -> QueryResult<Vec<Provenance>> {
    use crate::db::schema::users as u;
    p::table
        .left_join(u::table)
        .filter(p::supplier_id.eq(id))
        .order(p::id.desc())
        .select((
            p::field,
            p::source,
            p::set_by,
            p::set_at,
            p::evidence,
            u::institution_id.nullable(),
            u::role.nullable(),
        ))
        .load(conn)
}

/// Records an institution's own id for a supplier.
pub fn add_external_id(
    conn: &mut DbConn,
    actor: &Actor,
    supplier_id: i64,
    institution_id: i64,
    external_id: &str,
) -> Result<(), Error> {
    write_tx(conn, |conn| {
        diesel::insert_into(x::table)
            .values((
                x::institution_id.eq(institution_id),
                x::external_id.eq(external_id),
                x::supplier_id.eq(supplier_id),
            ))
            .execute(conn)?;
        audit::record(
            conn,
            actor,
            Change::new("create", "supplier_external_id", supplier_id)
                .institution(Some(institution_id))
                .summary(format!(
                    "Supplier id {external_id} recorded for supplier {supplier_id}"
                )),
        )?;
        Ok(())
    })
}

/// Flags a supplier whose company Companies House lists as dissolved or in
/// liquidation.
pub fn mark_dissolved(
    conn: &mut DbConn,
    actor: &Actor,
    id: i64,
    evidence: &str,
) -> QueryResult<()> {
    let changed = diesel::update(s::table.find(id).filter(s::dissolved.eq(false)))
        .set(s::dissolved.eq(true))
        .execute(conn)?;
    if changed > 0 {
        super::audit_touching(
            conn,
            actor,
            Change::new("mark_dissolved", "supplier", id)
                .summary(format!("Supplier {id} marked dissolved: {evidence}"))
                .before(&serde_json::json!({ "dissolved": false }))
                .after(&serde_json::json!({ "dissolved": true })),
            &[id],
        )?;
    }
    Ok(())
}

/// The live supplier a typed or published name refers to: by any alias
/// (normalised), then by match key.
pub fn find_by_name(conn: &mut DbConn, name: &str) -> QueryResult<Option<i64>> {
    let by_alias: Option<i64> = a::table
        .inner_join(s::table)
        .filter(s::merged_into.is_null())
        .filter(a::normalised_name.eq(normalise_name(name)))
        .select(s::id)
        .order(s::id)
        .first(conn)
        .optional()?;
    if by_alias.is_some() {
        return Ok(by_alias);
    }
    s::table
        .filter(s::merged_into.is_null())
        .filter(s::match_key.eq(match_key(name)))
        .select(s::id)
        .order(s::id)
        .first(conn)
        .optional()
}
