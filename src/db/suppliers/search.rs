//! Finding suppliers: the register's search and filters, likely duplicates,
//! keyset batches for exports and the unclassified.

use diesel::prelude::*;

use super::register::Supplier;
use crate::db::schema::{supplier_aliases as a, supplier_external_ids as x, suppliers as s};
use crate::db::DbConn;
use crate::domain::supplier::normalise_name;

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

pub(super) type Backend = <DbConn as diesel::Connection>::Backend;

/// Missing a location (no override and no postcode for the chosen basis) or a size.
pub const UNCLASSIFIED_SQL: &str = "(size_band IS NULL OR (override_place IS NULL AND \
     (CASE location_basis WHEN 'registered_office' THEN postcode_registered \
      WHEN 'branch' THEN postcode_branch ELSE postcode_invoice END) IS NULL) \
     OR EXISTS (SELECT 1 FROM supplier_locations u WHERE u.supplier_id = suppliers.id \
      AND u.unknown_reason IS NOT NULL))";

pub(super) fn filtered(f: &SupplierFilter) -> s::BoxedQuery<'static, Backend> {
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
    use crate::db::schema::supplier_locations as l;
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
        Some("sme") => q.filter(s::size_band.eq_any(["micro", "small", "medium", "sme"])),
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
