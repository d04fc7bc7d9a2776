//! The supplier register. Every write records which groups of fields changed,
//! where the new values came from and who set them (provenance), and an audit
//! row, in one transaction.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use super::audit::{self, Actor, Change};
use super::schema::{
    supplier_aliases as a, supplier_external_ids as x, supplier_merges as m,
    supplier_provenance as p, suppliers as s,
};
use super::Error;
use super::{batch_insert, now, write_tx, DbConn};
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
struct Values {
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
    fn from_input(i: &SupplierInput) -> Self {
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
fn groups(v: &Supplier) -> [(&'static str, String); 6] {
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
fn has_content(v: &Supplier, group: &str) -> bool {
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
struct NewProvenance<'a> {
    supplier_id: i64,
    field: &'a str,
    source: &'a str,
    set_by: &'a str,
    set_at: NaiveDateTime,
    evidence: &'a str,
}

fn record_provenance(
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
            set_at: at,
            evidence,
        })
        .collect();
    batch_insert!(conn, p::table, rows)?;
    Ok(())
}

/// Records a name as published, unless the supplier already has exactly it.
fn add_alias(conn: &mut DbConn, supplier_id: i64, name: &str) -> QueryResult<Option<i64>> {
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

/// Several suppliers in one query, in no particular order.
pub fn get_many(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<Supplier>> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(5_000) {
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

/// Ids for suppliers to be created later in the same transaction by
/// [`create_many`], so that what refers to them can be prepared first
/// (an import matches a file's suppliers on the thread that reads it).
///
/// On PostgreSQL they are drawn from the table's sequence and are never
/// handed out twice. On SQLite they follow the highest id ever used, which
/// holds only while this transaction keeps the write lock ([`write_tx`]):
/// no other connection can create a supplier meanwhile.
#[derive(Debug, Default)]
pub struct ReservedIds {
    last: i64,
}

/// Ids reserved at once by [`ReservedIds`].
const ID_BLOCK: i64 = 256;

impl ReservedIds {
    /// The next block of ids, in ascending order.
    pub fn block(&mut self, conn: &mut DbConn) -> QueryResult<Vec<i64>> {
        use diesel::sql_types::BigInt;
        #[derive(QueryableByName)]
        struct Id {
            #[diesel(sql_type = BigInt)]
            id: i64,
        }
        let ids: Vec<i64> = match conn {
            DbConn::Sqlite(c) => {
                // AUTOINCREMENT never reuses an id, even a deleted row's.
                let top: Id = diesel::sql_query(
                    "SELECT MAX(COALESCE((SELECT MAX(id) FROM suppliers), 0), \
                     COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'suppliers'), 0)) AS id",
                )
                .get_result(c)?;
                let from = top.id.max(self.last) + 1;
                (from..from + ID_BLOCK).collect()
            }
            #[cfg(feature = "postgres")]
            DbConn::Pg(c) => diesel::sql_query(
                "SELECT nextval(pg_get_serial_sequence('suppliers', 'id')) AS id \
                 FROM generate_series(1, $1)",
            )
            .bind::<BigInt, _>(ID_BLOCK)
            .load::<Id>(c)?
            .into_iter()
            .map(|i| i.id)
            .collect(),
        };
        self.last = ids.iter().copied().max().unwrap_or(self.last);
        Ok(ids)
    }
}

/// A supplier to create under a reserved id, with the institution's own id
/// for it if the spend file gave one.
#[derive(Debug, Clone)]
pub struct NewSupplier {
    pub id: i64,
    pub input: SupplierInput,
    pub external_id: Option<(i64, String)>,
}

/// Suppliers written per statement by [`create_many`] (about thirty values
/// each, within both backends' limits on bound values).
const CREATE_PER_STATEMENT: usize = 500;

/// Creates suppliers under ids from [`ReservedIds`], each with the same alias,
/// provenance and audit records as [`create`] gives one, a few hundred per
/// statement: for the suppliers a spend file names that are not yet known.
pub fn create_many(
    conn: &mut DbConn,
    actor: &Actor,
    new: &[NewSupplier],
    source: Source,
    evidence: &str,
) -> QueryResult<()> {
    for chunk in new.chunks(CREATE_PER_STATEMENT) {
        let at = now();
        let rows: Vec<_> = chunk
            .iter()
            .map(|n| {
                (
                    s::id.eq(n.id),
                    Values::from_input(&n.input),
                    s::version.eq(1),
                    s::created_at.eq(at),
                    s::updated_at.eq(at),
                )
            })
            .collect();
        batch_insert!(conn, s::table, rows)?;
        let external: Vec<_> = chunk
            .iter()
            .filter_map(|n| {
                n.external_id.as_ref().map(|(institution, external)| {
                    (
                        x::institution_id.eq(*institution),
                        x::external_id.eq(external),
                        x::supplier_id.eq(n.id),
                    )
                })
            })
            .collect();
        if !external.is_empty() {
            batch_insert!(conn, x::table, external)?;
        }
        let ids: Vec<i64> = chunk.iter().map(|n| n.id).collect();
        let mut created = get_many(conn, &ids)?;
        created.sort_by_key(|c| c.id);
        record_created(conn, actor, &created, source, evidence)?;
    }
    Ok(())
}

/// What a supplier's creation records besides the supplier itself: its own
/// name as its first alias, the provenance of each group of fields it was
/// created with, and the audit row.
fn record_created(
    conn: &mut DbConn,
    actor: &Actor,
    created: &[Supplier],
    source: Source,
    evidence: &str,
) -> QueryResult<()> {
    let at = now();
    let aliases: Vec<_> = created
        .iter()
        .map(|c| {
            (
                a::supplier_id.eq(c.id),
                a::name.eq(&c.name),
                a::normalised_name.eq(&c.normalised_name),
                a::created_at.eq(at),
            )
        })
        .collect();
    batch_insert!(conn, a::table, aliases)?;
    let provenance: Vec<NewProvenance> = created
        .iter()
        .flat_map(|c| {
            groups(c)
                .into_iter()
                .map(|(g, _)| g)
                .filter(|g| has_content(c, g))
                .map(|field| NewProvenance {
                    supplier_id: c.id,
                    field,
                    source: source.code(),
                    set_by: &actor.name,
                    set_at: at,
                    evidence,
                })
        })
        .collect();
    for rows in provenance.chunks(CREATE_PER_STATEMENT) {
        batch_insert!(conn, p::table, rows)?;
    }
    let changes: Vec<Change> = created
        .iter()
        .map(|c| {
            Change::new("create", "supplier", c.id)
                .summary(format!("Created supplier {}", c.name))
                .after(c)
        })
        .collect();
    audit::record_many(conn, actor, &changes)
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
        if before.version != expected_version {
            return Err(super::stale_edit(
                conn,
                "supplier",
                "supplier",
                id,
                before.updated_at,
            ));
        }
        if before.merged_into.is_some() {
            return Err(Error::Conflict(
                "This supplier has been merged into another; edit that one instead.".into(),
            ));
        }
        diesel::update(s::table.find(id).filter(s::version.eq(expected_version)))
            .set((
                Values::from_input(input),
                s::version.eq(expected_version + 1),
                s::updated_at.eq(now()),
            ))
            .execute(conn)?;
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
        audit::record(
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

/// Where, for a list filtered by location (see [`super::locations`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LocationFilter {
    /// Located in one of these districts (a tier's cumulative set).
    InDistricts(Vec<String>),
    /// Located in the UK but in none of these districts (the outermost tier).
    RestOfUk(Vec<String>),
    OutsideUk,
    Unknown,
}

impl LocationFilter {
    /// The filter a `tier` parameter asks for: a tier position (from 1) of
    /// the definition whose (name, districts) tiers are given, or `rest`,
    /// `outside` or `unknown`.
    pub fn from_param(tier: &str, tiers: &[(String, Vec<String>)]) -> Option<Self> {
        match tier {
            "" => None,
            "rest" => Some(Self::RestOfUk(
                tiers.last().map(|t| t.1.clone()).unwrap_or_default(),
            )),
            "outside" => Some(Self::OutsideUk),
            "unknown" => Some(Self::Unknown),
            n => n
                .parse::<usize>()
                .ok()
                .and_then(|n| tiers.get(n.wrapping_sub(1)))
                .map(|t| Self::InDistricts(t.1.clone())),
        }
    }
}

/// Which suppliers a list shows.
#[derive(Debug, Clone, Default)]
pub struct SupplierFilter {
    pub location: Option<LocationFilter>,
    /// A name (matched normalised, aliases included) or an identifier.
    pub query: Option<String>,
    /// Only those missing a location or a size.
    pub unclassified: bool,
    /// A type flag (`vcse`, `charity`, …), `sme` or `large`.
    pub kind: Option<String>,
}

type Backend = <DbConn as diesel::Connection>::Backend;

/// Missing a location (no override and no postcode for the chosen basis) or a size.
pub const UNCLASSIFIED_SQL: &str = "(size_band IS NULL OR (override_place IS NULL AND \
     (CASE location_basis WHEN 'registered_office' THEN postcode_registered \
      WHEN 'branch' THEN postcode_branch ELSE postcode_invoice END) IS NULL))";

fn filtered(f: &SupplierFilter) -> s::BoxedQuery<'static, Backend> {
    let mut q = s::table
        .filter(s::merged_into.is_null())
        .into_boxed::<Backend>();
    if let Some(query) = f.query.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        let normal = normalise_name(query)
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        let pattern = format!("%{normal}%");
        let exact = query.to_uppercase();
        let by_alias = a::table
            .filter(a::normalised_name.like(pattern.clone()).escape('\\'))
            .select(a::supplier_id);
        let by_external = x::table
            .filter(x::external_id.eq(query.to_owned()))
            .select(x::supplier_id);
        q = q.filter(
            s::normalised_name
                .like(pattern)
                .escape('\\')
                .or(s::id.eq_any(by_alias))
                .or(s::id.eq_any(by_external))
                .or(s::company_number.eq(exact.clone()))
                .or(s::charity_number.eq(exact.clone()))
                .or(s::vat_number.eq(exact)),
        );
    }
    if f.unclassified {
        q = q.filter(diesel::dsl::sql::<diesel::sql_types::Bool>(
            UNCLASSIFIED_SQL,
        ));
    }
    use super::schema::supplier_locations as l;
    q = match f.location.clone() {
        None => q,
        Some(LocationFilter::InDistricts(d)) => q.filter(
            s::id.eq_any(
                l::table
                    .filter(l::district_code.eq_any(d))
                    .select(l::supplier_id),
            ),
        ),
        Some(LocationFilter::RestOfUk(d)) => q.filter(
            s::id.eq_any(
                l::table
                    .filter(l::unknown_reason.is_null())
                    .filter(l::outside_uk.eq(false))
                    .filter(l::district_code.is_not_null())
                    .filter(diesel::dsl::not(l::district_code.eq_any(d)))
                    .select(l::supplier_id),
            ),
        ),
        Some(LocationFilter::OutsideUk) => q.filter(
            s::id.eq_any(
                l::table
                    .filter(l::outside_uk.eq(true))
                    .select(l::supplier_id),
            ),
        ),
        Some(LocationFilter::Unknown) => q.filter(
            s::id.eq_any(
                l::table
                    .filter(l::unknown_reason.is_not_null())
                    .select(l::supplier_id),
            ),
        ),
    };
    q = match f.kind.as_deref() {
        Some("vcse") => q.filter(s::is_vcse.eq(true)),
        Some("charity") => q.filter(s::is_charity.eq(true)),
        Some("cic") => q.filter(s::is_cic.eq(true)),
        Some("cooperative") => q.filter(s::is_cooperative.eq(true)),
        Some("employee_owned") => q.filter(s::is_employee_owned.eq(true)),
        Some("social_enterprise") => q.filter(s::is_social_enterprise.eq(true)),
        Some("public_body") => q.filter(s::is_public_body.eq(true)),
        Some("sme") => q.filter(s::size_band.eq_any(["micro", "small", "medium"])),
        Some("large") => q.filter(s::size_band.eq("large")),
        _ => q,
    };
    q
}

/// A page of suppliers in name order, and how many match.
pub fn search(
    conn: &mut DbConn,
    f: &SupplierFilter,
    limit: i64,
    offset: i64,
) -> QueryResult<(Vec<Supplier>, i64)> {
    let total = filtered(f).count().get_result(conn)?;
    let rows = filtered(f)
        .order((s::normalised_name.asc(), s::id.asc()))
        .limit(limit)
        .offset(offset)
        .select(Supplier::as_select())
        .load(conn)?;
    Ok((rows, total))
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
}

/// Provenance rows, newest first: the first row per field is current.
pub fn provenance(conn: &mut DbConn, id: i64) -> QueryResult<Vec<Provenance>> {
    p::table
        .filter(p::supplier_id.eq(id))
        .order(p::id.desc())
        .select((p::field, p::source, p::set_by, p::set_at, p::evidence))
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

/// Live suppliers sharing a match key: likely duplicates, biggest groups first.
pub fn duplicate_groups(conn: &mut DbConn, limit: i64) -> QueryResult<Vec<Vec<(i64, String)>>> {
    let keys: Vec<String> = s::table
        .filter(s::merged_into.is_null())
        .group_by(s::match_key)
        .having(diesel::dsl::count_star().gt(1))
        .select(s::match_key)
        .order(s::match_key)
        .limit(limit)
        .load(conn)?;
    let mut groups = Vec::new();
    for key in keys {
        groups.push(
            s::table
                .filter(s::merged_into.is_null())
                .filter(s::match_key.eq(&key))
                .order(s::id)
                .select((s::id, s::name))
                .load(conn)?,
        );
    }
    Ok(groups)
}

#[derive(Debug, Clone, Serialize, serde::Deserialize, Default)]
struct Moved {
    aliases: Vec<i64>,
    added_alias: Option<i64>,
    dropped_aliases: Vec<(String, String)>,
    #[serde(default)]
    spend_lines: Vec<i64>,
}

/// Merges `merged_id` into `kept_id`: its aliases, its name and every
/// institution's ids for it move over, and it is marked merged. Recorded so
/// an admin can undo it exactly. Returns the merge record's id.
pub fn merge(conn: &mut DbConn, actor: &Actor, kept_id: i64, merged_id: i64) -> Result<i64, Error> {
    write_tx(conn, |conn| {
        if kept_id == merged_id {
            return Err(Error::Refused(
                "A supplier cannot be merged into itself.".into(),
            ));
        }
        let (kept, merged) = (get(conn, kept_id)?, get(conn, merged_id)?);
        if kept.merged_into.is_some() || merged.merged_into.is_some() {
            return Err(Error::Conflict(
                "One of these suppliers has already been merged into another.".into(),
            ));
        }
        let kept_names: Vec<String> = aliases(conn, kept_id)?
            .into_iter()
            .map(|a| a.name)
            .collect();
        let mut moved = Moved::default();
        for alias in aliases(conn, merged_id)? {
            if kept_names.contains(&alias.name) {
                diesel::delete(a::table.find(alias.id)).execute(conn)?;
                moved
                    .dropped_aliases
                    .push((alias.name, alias.normalised_name));
            } else {
                diesel::update(a::table.find(alias.id))
                    .set(a::supplier_id.eq(kept_id))
                    .execute(conn)?;
                moved.aliases.push(alias.id);
            }
        }
        moved.added_alias = add_alias(conn, kept_id, &merged.name)?;
        moved.spend_lines = super::spend::line_ids_of(conn, merged_id)?;
        super::spend::move_lines(conn, &moved.spend_lines, kept_id)?;
        let ids = external_ids(conn, merged_id)?;
        diesel::update(x::table.filter(x::supplier_id.eq(merged_id)))
            .set(x::supplier_id.eq(kept_id))
            .execute(conn)?;
        diesel::update(s::table.find(merged_id))
            .set((
                s::merged_into.eq(kept_id),
                s::version.eq(merged.version + 1),
                s::updated_at.eq(now()),
            ))
            .execute(conn)?;
        let record: i64 = diesel::insert_into(m::table)
            .values((
                m::kept_id.eq(kept_id),
                m::merged_id.eq(merged_id),
                m::moved_aliases.eq(serde_json::to_string(&moved).unwrap_or_default()),
                m::moved_external_ids.eq(serde_json::to_string(&ids).unwrap_or_default()),
                m::merged_by.eq(&actor.name),
                m::merged_at.eq(now()),
            ))
            .returning(m::id)
            .get_result(conn)?;
        audit::record(
            conn,
            actor,
            Change::new("merge", "supplier", kept_id)
                .summary(format!("Merged supplier {} ({merged_id}) into {} ({kept_id})", merged.name, kept.name))
                .before(&serde_json::json!({ "kept": kept, "merged": merged }))
                .after(&serde_json::json!({ "merge_record": record, "moved": moved, "external_ids": ids })),
        )?;
        Ok(record)
    })
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct MergeRecord {
    pub id: i64,
    pub kept_id: i64,
    pub merged_id: i64,
    pub merged_by: String,
    pub merged_at: NaiveDateTime,
    pub undone_at: Option<NaiveDateTime>,
}

/// Merges into this supplier, newest first.
pub fn merges_into(conn: &mut DbConn, kept_id: i64) -> QueryResult<Vec<MergeRecord>> {
    m::table
        .filter(m::kept_id.eq(kept_id))
        .order(m::id.desc())
        .select((
            m::id,
            m::kept_id,
            m::merged_id,
            m::merged_by,
            m::merged_at,
            m::undone_at,
        ))
        .load(conn)
}

/// Undoes a merge exactly: aliases and ids go back, the merged supplier lives again.
pub fn undo_merge(conn: &mut DbConn, actor: &Actor, record_id: i64) -> Result<MergeRecord, Error> {
    write_tx(conn, |conn| {
        let (id, kept_id, merged_id, moved, ids, undone): (
            i64,
            i64,
            i64,
            String,
            String,
            Option<NaiveDateTime>,
        ) = m::table
            .find(record_id)
            .select((
                m::id,
                m::kept_id,
                m::merged_id,
                m::moved_aliases,
                m::moved_external_ids,
                m::undone_at,
            ))
            .first(conn)?;
        if undone.is_some() {
            return Err(Error::Conflict(
                "This merge has already been undone.".into(),
            ));
        }
        let moved: Moved = serde_json::from_str(&moved).map_err(Error::internal)?;
        let ids: Vec<(i64, String)> = serde_json::from_str(&ids).map_err(Error::internal)?;
        diesel::update(a::table.filter(a::id.eq_any(&moved.aliases)))
            .set(a::supplier_id.eq(merged_id))
            .execute(conn)?;
        if let Some(added) = moved.added_alias {
            diesel::delete(a::table.find(added)).execute(conn)?;
        }
        for (name, normalised) in &moved.dropped_aliases {
            diesel::insert_into(a::table)
                .values((
                    a::supplier_id.eq(merged_id),
                    a::name.eq(name),
                    a::normalised_name.eq(normalised),
                    a::created_at.eq(now()),
                ))
                .execute(conn)?;
        }
        for (institution, external) in &ids {
            diesel::update(x::table.find((institution, external)))
                .set(x::supplier_id.eq(merged_id))
                .execute(conn)?;
        }
        super::spend::move_lines(conn, &moved.spend_lines, merged_id)?;
        let merged = get(conn, merged_id)?;
        diesel::update(s::table.find(merged_id))
            .set((
                s::merged_into.eq(None::<i64>),
                s::version.eq(merged.version + 1),
                s::updated_at.eq(now()),
            ))
            .execute(conn)?;
        diesel::update(m::table.find(id))
            .set((m::undone_by.eq(&actor.name), m::undone_at.eq(now())))
            .execute(conn)?;
        audit::record(
            conn,
            actor,
            Change::new("unmerge", "supplier", kept_id).summary(format!(
                "Undid the merge of supplier {merged_id} into {kept_id}"
            )),
        )?;
        Ok(m::table
            .find(id)
            .select((
                m::id,
                m::kept_id,
                m::merged_id,
                m::merged_by,
                m::merged_at,
                m::undone_at,
            ))
            .first(conn)?)
    })
}

/// Splits a wrongly merged alias out into a supplier of its own.
pub fn split_alias(
    conn: &mut DbConn,
    actor: &Actor,
    supplier_id: i64,
    alias_id: i64,
) -> Result<Supplier, Error> {
    write_tx(conn, |conn| {
        let from = get(conn, supplier_id)?;
        let alias: Alias = a::table
            .find(alias_id)
            .filter(a::supplier_id.eq(supplier_id))
            .select((a::id, a::name, a::normalised_name))
            .first(conn)?;
        if alias.normalised_name == from.normalised_name {
            return Err(Error::Conflict(
                "That is this supplier's own name: it cannot be split off.".into(),
            ));
        }
        let at = now();
        let id: i64 = diesel::insert_into(s::table)
            .values((
                s::name.eq(&alias.name),
                s::normalised_name.eq(&alias.normalised_name),
                s::match_key.eq(match_key(&alias.name)),
                s::version.eq(1),
                s::created_at.eq(at),
                s::updated_at.eq(at),
            ))
            .returning(s::id)
            .get_result(conn)?;
        diesel::update(a::table.find(alias_id))
            .set(a::supplier_id.eq(id))
            .execute(conn)?;
        // The lines published under that name go with it.
        let lines =
            super::spend::line_ids_named(conn, supplier_id, std::slice::from_ref(&alias.name))?;
        super::spend::move_lines(conn, &lines, id)?;
        let created = get(conn, id)?;
        audit::record(
            conn,
            actor,
            Change::new("split", "supplier", supplier_id)
                .summary(format!(
                    "Split alias {} out of supplier {} into new supplier {id}",
                    alias.name, from.name
                ))
                .after(&created),
        )?;
        Ok(created)
    })
}

/// Flags a supplier whose company Companies House lists as dissolved or in
/// liquidation.
pub fn mark_dissolved(conn: &mut DbConn, id: i64) -> QueryResult<()> {
    diesel::update(s::table.find(id))
        .set(s::dissolved.eq(true))
        .execute(conn)?;
    Ok(())
}

/// Live suppliers after `after_id` in id order, for streaming exports.
pub fn batch_after(conn: &mut DbConn, after_id: i64, limit: i64) -> QueryResult<Vec<Supplier>> {
    s::table
        .filter(s::merged_into.is_null())
        .filter(s::id.gt(after_id))
        .order(s::id.asc())
        .limit(limit)
        .select(Supplier::as_select())
        .load(conn)
}

/// Ids of live suppliers missing a location or a size.
pub fn unclassified_ids(conn: &mut DbConn) -> QueryResult<Vec<i64>> {
    s::table
        .filter(s::merged_into.is_null())
        .filter(diesel::dsl::sql::<diesel::sql_types::Bool>(
            UNCLASSIFIED_SQL,
        ))
        .select(s::id)
        .load(conn)
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
