//! Spend seen from the supplier register: totals per supplier (the work
//! queue's ranking), a supplier's spend per institution, and moving lines
//! between suppliers when a merge or split says so.

use crate::domain::account::Reach;
use diesel::prelude::*;

use super::rules::influenceable_types;
use crate::db::schema::spend_lines as l;
use crate::db::{now, totals, DbConn};

/// Influenceable spend per supplier for an institution, largest first.
pub fn supplier_totals(conn: &mut DbConn, institution_id: i64) -> QueryResult<Vec<(i64, i64)>> {
    let types = influenceable_types(conn, institution_id)?;
    let rows: Vec<(Option<i64>, Option<i64>)> = l::table
        .filter(l::institution_id.eq(institution_id))
        .filter(l::deleted_at.is_null())
        .filter(l::supplier_id.is_not_null())
        .filter(l::payment_type.eq_any(types))
        .group_by(l::supplier_id)
        .select((
            l::supplier_id,
            diesel::dsl::sql::<diesel::sql_types::Nullable<diesel::sql_types::BigInt>>(
                "CAST(SUM(amount_pence) AS BIGINT)",
            ),
        ))
        .load(conn)?;
    let mut totals: Vec<(i64, i64)> = rows
        .into_iter()
        .filter_map(|(s, t)| Some((s?, t.unwrap_or(0))))
        .collect();
    totals.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    Ok(totals)
}

/// A supplier's spend per institution: (institution id, all spend, lines).
pub fn supplier_spend(conn: &mut DbConn, supplier_id: i64) -> QueryResult<Vec<(i64, i64, i64)>> {
    let rows: Vec<(i64, Option<i64>, i64)> = l::table
        .filter(l::supplier_id.eq(supplier_id))
        .filter(l::deleted_at.is_null())
        .group_by(l::institution_id)
        .select((
            l::institution_id,
            diesel::dsl::sql::<diesel::sql_types::Nullable<diesel::sql_types::BigInt>>(
                "CAST(SUM(amount_pence) AS BIGINT)",
            ),
            diesel::dsl::count_star(),
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(i, t, n)| (i, t.unwrap_or(0), n))
        .collect())
}

/// Every name a supplier's live lines are published under, with their
/// lines and spend, most lines first; only the lines of institutions the
/// reach covers (the lines its user may see).
pub fn names_of(
    conn: &mut DbConn,
    supplier_id: i64,
    reach: &Reach,
) -> QueryResult<Vec<(String, i64, i64)>> {
    let rows: Vec<(i64, String, i64, Option<i64>)> = l::table
        .filter(l::supplier_id.eq(supplier_id))
        .filter(l::deleted_at.is_null())
        .group_by((l::institution_id, l::supplier_name))
        .select((
            l::institution_id,
            l::supplier_name,
            diesel::dsl::count_star(),
            diesel::dsl::sql::<diesel::sql_types::Nullable<diesel::sql_types::BigInt>>(
                "CAST(SUM(amount_pence) AS BIGINT)",
            ),
        ))
        .load(conn)?;
    let mut by_name: std::collections::BTreeMap<String, (i64, i64)> = Default::default();
    for (inst, name, lines, pence) in rows {
        if reach.covers(inst) {
            let e = by_name.entry(name).or_default();
            e.0 += lines;
            e.1 += pence.unwrap_or(0);
        }
    }
    let mut names: Vec<(String, i64, i64)> = by_name
        .into_iter()
        .map(|(n, (lines, pence))| (n, lines, pence))
        .collect();
    names.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    Ok(names)
}

/// The distinct names a supplier's lines (live or not) are published under.
pub fn published_names(conn: &mut DbConn, supplier_id: i64) -> QueryResult<Vec<String>> {
    l::table
        .filter(l::supplier_id.eq(supplier_id))
        .select(l::supplier_name)
        .distinct()
        .load(conn)
}

/// Lines of a supplier, for moving them on merge and split.
pub fn line_ids_of(conn: &mut DbConn, supplier_id: i64) -> QueryResult<Vec<i64>> {
    l::table
        .filter(l::supplier_id.eq(supplier_id))
        .select(l::id)
        .order(l::id)
        .load(conn)
}

/// Lines published under one of `names` (normalised) for a supplier.
pub fn line_ids_named(
    conn: &mut DbConn,
    supplier_id: i64,
    published: &[String],
) -> QueryResult<Vec<i64>> {
    l::table
        .filter(l::supplier_id.eq(supplier_id))
        .filter(l::supplier_name.eq_any(published))
        .select(l::id)
        .order(l::id)
        .load(conn)
}

pub fn move_lines(conn: &mut DbConn, ids: &[i64], to_supplier: i64) -> QueryResult<usize> {
    let mut moved = 0;
    totals::remove(conn, totals::Lines::Ids(ids))?;
    for chunk in ids.chunks(5_000) {
        moved += diesel::update(l::table.filter(l::id.eq_any(chunk)))
            .set((l::supplier_id.eq(to_supplier), l::updated_at.eq(now())))
            .execute(conn)?;
    }
    totals::add(conn, totals::Lines::Ids(ids))?;
    Ok(moved)
}
