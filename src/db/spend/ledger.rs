//! The ledger's queries: lines filtered, sorted and paged, with their count
//! and total; keyset batches for exports; departments and years on record.

use chrono::NaiveDate;
use diesel::prelude::*;

use super::lines::Line;
use crate::db::schema::spend_lines as l;
use crate::db::suppliers::LocationFilter;
use crate::db::DbConn;
use crate::domain::supplier::normalise_name;

/// Which lines a ledger shows.
#[derive(Debug, Clone, Default)]
pub struct LedgerFilter {
    /// `None` for every institution.
    pub institutions: Option<Vec<i64>>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// A supplier name (published or on the register, any alias).
    pub supplier: Option<String>,
    pub supplier_id: Option<i64>,
    pub department: Option<String>,
    pub payment_type: Option<String>,
    pub location: Option<LocationFilter>,
    pub batch: Option<i64>,
    /// Deleted lines instead of live ones.
    pub deleted: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LedgerSort {
    #[default]
    DateDesc,
    DateAsc,
    AmountDesc,
    AmountAsc,
    Supplier,
}

impl LedgerSort {
    pub fn from_code(code: &str) -> Self {
        match code {
            "date" => Self::DateAsc,
            "-amount" => Self::AmountDesc,
            "amount" => Self::AmountAsc,
            "supplier" => Self::Supplier,
            _ => Self::DateDesc,
        }
    }
}

type Backend = <DbConn as diesel::Connection>::Backend;

fn ledger_query(f: &LedgerFilter) -> l::BoxedQuery<'static, Backend> {
    use crate::db::schema::{supplier_aliases as a, supplier_locations as loc};
    let mut q = l::table.into_boxed::<Backend>();
    q = if f.deleted {
        q.filter(l::deleted_at.is_not_null())
    } else {
        q.filter(l::deleted_at.is_null())
    };
    if let Some(ids) = &f.institutions {
        q = q.filter(l::institution_id.eq_any(ids.clone()));
    }
    if let Some(from) = f.from {
        q = q.filter(l::payment_date.ge(from));
    }
    if let Some(to) = f.to {
        q = q.filter(l::payment_date.le(to));
    }
    if let Some(id) = f.supplier_id {
        q = q.filter(l::supplier_id.eq(id));
    }
    if let Some(name) = f
        .supplier
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
    {
        let normal = normalise_name(name)
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        q = q.filter(
            l::supplier_id.eq_any(
                a::table
                    .filter(a::normalised_name.like(format!("%{normal}%")).escape('\\'))
                    .select(a::supplier_id.nullable()),
            ),
        );
    }
    if let Some(d) = &f.department {
        q = q.filter(l::department.eq(d.clone()));
    }
    if let Some(t) = &f.payment_type {
        q = q.filter(l::payment_type.eq(t.clone()));
    }
    if let Some(b) = f.batch {
        q = q.filter(l::import_batch_id.eq(b));
    }
    q = match f.location.clone() {
        None => q,
        Some(LocationFilter::InDistricts(d)) => q.filter(
            l::supplier_id.eq_any(
                loc::table
                    .filter(loc::district_code.eq_any(d))
                    .select(loc::supplier_id.nullable()),
            ),
        ),
        Some(LocationFilter::RestOfUk(d)) => q.filter(
            l::supplier_id.eq_any(
                loc::table
                    .filter(loc::unknown_reason.is_null())
                    .filter(loc::outside_uk.eq(false))
                    .filter(loc::district_code.is_not_null())
                    .filter(diesel::dsl::not(loc::district_code.eq_any(d)))
                    .select(loc::supplier_id.nullable()),
            ),
        ),
        Some(LocationFilter::OutsideUk) => q.filter(
            l::supplier_id.eq_any(
                loc::table
                    .filter(loc::outside_uk.eq(true))
                    .select(loc::supplier_id.nullable()),
            ),
        ),
        // Lines with no supplier (withheld names) have no known location.
        Some(LocationFilter::Unknown) => q.filter(
            l::supplier_id.is_null().or(l::supplier_id.eq_any(
                loc::table
                    .filter(loc::unknown_reason.is_not_null())
                    .select(loc::supplier_id.nullable()),
            )),
        ),
    };
    q
}

/// A page of the ledger, how many lines match and their total.
pub fn ledger(
    conn: &mut DbConn,
    f: &LedgerFilter,
    sort: LedgerSort,
    limit: i64,
    offset: i64,
) -> QueryResult<(Vec<Line>, i64, i64)> {
    let (count, total): (i64, Option<i64>) = ledger_query(f)
        .select((
            diesel::dsl::count_star(),
            diesel::dsl::sql::<diesel::sql_types::Nullable<diesel::sql_types::BigInt>>(
                "CAST(SUM(amount_pence) AS BIGINT)",
            ),
        ))
        .first(conn)?;
    let q = ledger_query(f).select(Line::as_select());
    let q = match sort {
        LedgerSort::DateDesc => q.order((l::payment_date.desc(), l::id.desc())),
        LedgerSort::DateAsc => q.order((l::payment_date.asc(), l::id.asc())),
        LedgerSort::AmountDesc => q.order((l::amount_pence.desc(), l::id.asc())),
        LedgerSort::AmountAsc => q.order((l::amount_pence.asc(), l::id.asc())),
        LedgerSort::Supplier => {
            q.order((l::supplier_name.asc(), l::payment_date.asc(), l::id.asc()))
        }
    };
    let rows = q.limit(limit).offset(offset).load(conn)?;
    Ok((rows, count, total.unwrap_or(0)))
}

/// Ledger lines in id order after `after_id`, for streaming an export.
pub fn ledger_batch_after(
    conn: &mut DbConn,
    f: &LedgerFilter,
    after_id: i64,
    limit: i64,
) -> QueryResult<Vec<Line>> {
    ledger_query(f)
        .filter(l::id.gt(after_id))
        .select(Line::as_select())
        .order(l::id)
        .limit(limit)
        .load(conn)
}

/// The departments an institution's lines name, for the filter.
pub fn departments(conn: &mut DbConn, institutions: Option<&[i64]>) -> QueryResult<Vec<String>> {
    let mut q = l::table
        .filter(l::deleted_at.is_null())
        .filter(l::department.is_not_null())
        .select(l::department)
        .distinct()
        .order(l::department)
        .into_boxed::<Backend>();
    if let Some(ids) = institutions {
        q = q.filter(l::institution_id.eq_any(ids.to_vec()));
    }
    Ok(q.limit(500)
        .load::<Option<String>>(conn)?
        .into_iter()
        .flatten()
        .collect())
}

/// The financial years with live lines, newest first, each institution's
/// counted from its own start month.
pub fn years(conn: &mut DbConn, institutions: Option<&[i64]>) -> QueryResult<Vec<i32>> {
    use crate::db::schema::institutions as i;
    use crate::domain::period::financial_year_starting;
    let all: Vec<(i64, i32)> = i::table.select((i::id, i::fy_start_month)).load(conn)?;
    let chosen: Vec<(i64, i32)> = match institutions {
        Some(ids) => all.into_iter().filter(|(id, _)| ids.contains(id)).collect(),
        None => all,
    };
    let ids: Vec<i64> = chosen.iter().map(|c| c.0).collect();
    let (Some(first), Some(last)) = crate::db::report::date_range(conn, &ids)? else {
        return Ok(Vec::new());
    };
    let months = chosen.iter().map(|c| u32::try_from(c.1).unwrap_or(4));
    let a = months
        .clone()
        .map(|m| financial_year_starting(first, m))
        .min();
    let b = months.map(|m| financial_year_starting(last, m)).max();
    Ok(match (a, b) {
        (Some(a), Some(b)) => (a..=b).rev().collect(),
        _ => Vec::new(),
    })
}
