//! Spend lines. This session adds what the supplier register needs (totals
//! per supplier, the work queue's ranking); entry forms and the importer
//! build on the same table.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::audit::{self, Actor, Change};
use super::schema::{payment_type_rules as r, spend_lines as l};
use super::{now, write_tx, DbConn};
use crate::domain::spend::PaymentType;
use crate::error::AppError;
use crate::import::spend_file::{ParsedLine, Settings};

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

/// A spend line as written, from an import or a form.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = l, treat_none_as_default_value = false)]
pub struct LineRow {
    pub institution_id: i64,
    pub payment_date: NaiveDate,
    pub invoice_date: Option<NaiveDate>,
    pub amount_pence: i64,
    pub irrecoverable_vat_pence: Option<i64>,
    pub vat_basis: String,
    pub supplier_id: Option<i64>,
    pub supplier_name: String,
    pub redacted: bool,
    pub transaction_ref: Option<String>,
    pub invoice_ref: Option<String>,
    pub department: Option<String>,
    pub expense_type: Option<String>,
    pub expense_code: Option<String>,
    pub category: Option<String>,
    pub description: Option<String>,
    pub capital_revenue: Option<String>,
    pub purchase_card: bool,
    pub payment_type: String,
    pub import_batch_id: Option<i64>,
    pub import_row: Option<i64>,
    pub entered_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub fingerprint: Option<i64>,
}

impl LineRow {
    /// A line read from row `row` of an import batch's file.
    #[allow(clippy::too_many_arguments)]
    pub fn imported(
        institution_id: i64,
        line: ParsedLine,
        supplier_id: Option<i64>,
        payment_type: &str,
        settings: &Settings,
        batch_id: i64,
        row: u64,
        fingerprint: i64,
        at: NaiveDateTime,
    ) -> Self {
        Self {
            institution_id,
            payment_date: line.payment_date,
            invoice_date: line.invoice_date,
            amount_pence: line.amount,
            irrecoverable_vat_pence: line.irrecoverable_vat,
            vat_basis: settings.vat_basis.clone(),
            supplier_id,
            supplier_name: line.supplier_name,
            redacted: line.redacted,
            transaction_ref: line.transaction_ref,
            invoice_ref: line.invoice_ref,
            department: line.department,
            expense_type: line.expense_type,
            expense_code: line.expense_code,
            category: line.category,
            description: line.description,
            capital_revenue: line.capital_revenue.map(str::to_owned),
            purchase_card: settings.purchase_card,
            payment_type: payment_type.to_owned(),
            import_batch_id: Some(batch_id),
            import_row: Some(row as i64),
            entered_by: None,
            created_at: at,
            updated_at: at,
            fingerprint: Some(fingerprint),
        }
    }
}

/// Inserts lines, skipping any whose fingerprint a live line of the same
/// institution already has. Returns how many were added.
pub fn insert_new(conn: &mut DbConn, rows: &[LineRow]) -> QueryResult<usize> {
    match conn {
        DbConn::Sqlite(c) => diesel::insert_into(l::table)
            .values(rows)
            .on_conflict_do_nothing()
            .execute(c),
        #[cfg(feature = "postgres")]
        DbConn::Pg(c) => diesel::insert_into(l::table)
            .values(rows)
            .on_conflict_do_nothing()
            .execute(c),
    }
}

/// Total of a batch's live lines.
pub fn batch_total(conn: &mut DbConn, batch_id: i64) -> QueryResult<i64> {
    let total: Option<i64> = l::table
        .filter(l::import_batch_id.eq(batch_id))
        .filter(l::deleted_at.is_null())
        .select(diesel::dsl::sql::<
            diesel::sql_types::Nullable<diesel::sql_types::BigInt>,
        >("CAST(SUM(amount_pence) AS BIGINT)"))
        .first(conn)?;
    Ok(total.unwrap_or(0))
}

/// Whether an institution has any live spend lines at all.
pub fn has_live_lines(conn: &mut DbConn, institution_id: i64) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        l::table
            .filter(l::institution_id.eq(institution_id))
            .filter(l::deleted_at.is_null()),
    ))
    .get_result(conn)
}

/// How many of these fingerprints live lines of the institution already have.
pub fn count_fingerprints(
    conn: &mut DbConn,
    institution_id: i64,
    fingerprints: &[i64],
) -> QueryResult<u64> {
    let n: i64 = l::table
        .filter(l::institution_id.eq(institution_id))
        .filter(l::deleted_at.is_null())
        .filter(l::fingerprint.eq_any(fingerprints))
        .count()
        .get_result(conn)?;
    Ok(n as u64)
}
