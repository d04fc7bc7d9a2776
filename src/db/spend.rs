//! Spend lines. This session adds what the supplier register needs (totals
//! per supplier, the work queue's ranking); entry forms and the importer
//! build on the same table.

use chrono::NaiveDate;
use diesel::prelude::*;

use super::audit::{self, Actor, Change};
use super::schema::{payment_type_rules as r, spend_lines as l};
use super::{now, write_tx, DbConn};
use crate::domain::spend::PaymentType;
use crate::error::AppError;

/// The fields a spend line needs to exist.
#[derive(Debug, Clone)]
pub struct NewLine {
    pub institution_id: i64,
    pub payment_date: NaiveDate,
    pub amount_pence: i64,
    pub supplier_id: Option<i64>,
    pub supplier_name: String,
    pub payment_type: PaymentType,
    pub description: Option<String>,
    pub entered_by: Option<i64>,
}

pub fn insert(conn: &mut DbConn, actor: &Actor, line: &NewLine) -> Result<i64, AppError> {
    write_tx(conn, |conn| {
        let at = now();
        let id: i64 = diesel::insert_into(l::table)
            .values((
                l::institution_id.eq(line.institution_id),
                l::payment_date.eq(line.payment_date),
                l::amount_pence.eq(line.amount_pence),
                l::supplier_id.eq(line.supplier_id),
                l::supplier_name.eq(&line.supplier_name),
                l::payment_type.eq(line.payment_type.code()),
                l::description.eq(&line.description),
                l::entered_by.eq(line.entered_by),
                l::created_at.eq(at),
                l::updated_at.eq(at),
            ))
            .returning(l::id)
            .get_result(conn)?;
        audit::record(
            conn,
            actor,
            Change::new("create", "spend_line", id)
                .institution(Some(line.institution_id))
                .summary(format!(
                    "Spend line {} with {}",
                    crate::domain::money::Pence(line.amount_pence),
                    line.supplier_name
                )),
        )?;
        Ok(id)
    })
}

/// The payment types an institution counts as influenceable: its own rules
/// where it has set them, the defaults otherwise.
pub fn influenceable_types(conn: &mut DbConn, institution_id: i64) -> QueryResult<Vec<String>> {
    let own: Vec<(String, bool)> = r::table
        .filter(r::institution_id.eq(institution_id))
        .select((r::payment_type, r::influenceable))
        .load(conn)?;
    Ok(PaymentType::ALL
        .iter()
        .filter(|t| {
            own.iter()
                .find(|(code, _)| code == t.code())
                .map_or(t.influenceable_by_default(), |(_, on)| *on)
        })
        .map(|t| t.code().to_owned())
        .collect())
}

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
    for chunk in ids.chunks(5_000) {
        moved += diesel::update(l::table.filter(l::id.eq_any(chunk)))
            .set((l::supplier_id.eq(to_supplier), l::updated_at.eq(now())))
            .execute(conn)?;
    }
    Ok(moved)
}
