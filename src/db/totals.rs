//! Live spend totalled per institution, financial year, supplier, payment
//! type and VAT basis (`spend_totals`). Every write to `spend_lines` keeps it
//! in step in the same transaction: take the lines' part out before the
//! change ([`remove`]), put it back after ([`add`]). A financial year's
//! report then reads these totals rather than every line; where a supplier
//! is still comes from `supplier_locations` at read time.

use std::collections::HashMap;

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Text};

use super::{batch_insert, DbConn};

/// Which lines a change touches.
#[derive(Debug, Clone, Copy)]
pub enum Lines<'a> {
    Ids(&'a [i64]),
    Batch(i64),
    /// The lines of an import batch from one file row to another.
    BatchRows(i64, i64, i64),
}

/// The financial year of `spend_lines.payment_date`, counted from its
/// institution's own start month (April for most, August for a
/// university) and named by the calendar year it starts in, in the
/// connection's SQL.
pub fn fy_sql(conn: &DbConn) -> &'static str {
    if super::Backend::of(conn) == super::Backend::Sqlite {
        "CAST(substr(payment_date, 1, 4) AS INTEGER) - (CASE WHEN CAST(substr(payment_date, 6, 2) AS INTEGER) < \
         (SELECT fy_start_month FROM institutions WHERE institutions.id = spend_lines.institution_id) THEN 1 ELSE 0 END)"
    } else {
        "CAST(EXTRACT(YEAR FROM payment_date) AS INTEGER) - (CASE WHEN EXTRACT(MONTH FROM payment_date) < \
         (SELECT fy_start_month FROM institutions WHERE institutions.id = spend_lines.institution_id) THEN 1 ELSE 0 END)"
    }
}

const BUMP: &str = "ON CONFLICT (institution_id) \
    DO UPDATE SET version = spend_totals_version.version + 1";

const UPSERT: &str = "ON CONFLICT (institution_id, fy, supplier_key, payment_type, vat_basis) \
    DO UPDATE SET pence = spend_totals.pence + excluded.pence, lines = spend_totals.lines + excluded.lines";

fn apply(conn: &mut DbConn, lines: Lines<'_>, sign: i64) -> QueryResult<()> {
    let filters: Vec<String> = match lines {
        Lines::Ids(ids) => ids
            .chunks(5_000)
            .map(|chunk| {
                let list: Vec<String> = chunk.iter().map(i64::to_string).collect();
                format!("id IN ({})", list.join(","))
            })
            .collect(),
        Lines::Batch(b) => vec![format!("import_batch_id = {b}")],
        Lines::BatchRows(b, first, last) => vec![format!(
            "import_batch_id = {b} AND import_row BETWEEN {first} AND {last}"
        )],
    };
    let fy = fy_sql(conn);
    for filter in filters {
        // Identifiers only (integers), so safe to write into the SQL.
        diesel::sql_query(format!(
            "INSERT INTO spend_totals_version (institution_id, version) \
             SELECT DISTINCT institution_id, 1 FROM spend_lines WHERE {filter} {BUMP}"
        ))
        .execute(conn)?;
        diesel::sql_query(format!(
            "INSERT INTO spend_totals (institution_id, fy, supplier_key, payment_type, vat_basis, pence, lines) \
             SELECT institution_id, {fy}, COALESCE(supplier_id, 0), payment_type, vat_basis, \
             {sign} * CAST(SUM(amount_pence) AS BIGINT), {sign} * COUNT(*) FROM spend_lines \
             WHERE deleted_at IS NULL AND {filter} GROUP BY 1, 2, 3, 4, 5 {UPSERT}"
        ))
        .execute(conn)?;
    }
    if sign < 0 {
        clear_empty(conn)?;
    }
    Ok(())
}

fn clear_empty(conn: &mut DbConn) -> QueryResult<()> {
    use super::schema::spend_totals as t;
    diesel::delete(t::table.filter(t::lines.eq(0))).execute(conn)?;
    Ok(())
}

/// Adds the live lines' amounts (after they are written or restored).
pub fn add(conn: &mut DbConn, lines: Lines<'_>) -> QueryResult<()> {
    apply(conn, lines, 1)
}

/// Takes the live lines' amounts out (before they change or are deleted).
pub fn remove(conn: &mut DbConn, lines: Lines<'_>) -> QueryResult<()> {
    apply(conn, lines, -1)
}

/// Totals gathered in memory while lines are written in bulk (an import),
/// added in one go at the end: per (institution, financial year, supplier
/// key), the (payment type, VAT basis, pence, lines) met.
#[derive(Debug, Default)]
pub struct Pending {
    cells: HashMap<(i64, i32, i64), Vec<PendingCell>, foldhash::fast::RandomState>,
    /// Each institution's first month of the financial year.
    start_months: HashMap<i64, u32>,
}

/// Payment type, VAT basis, pence, lines.
type PendingCell = (&'static str, &'static str, i64, i64);

impl Pending {
    /// Ready to count lines of any institution, each in its own year.
    pub fn new(conn: &mut DbConn) -> QueryResult<Self> {
        use super::schema::institutions as i;
        let months: Vec<(i64, i32)> = i::table.select((i::id, i::fy_start_month)).load(conn)?;
        Ok(Self {
            cells: HashMap::default(),
            start_months: months
                .into_iter()
                .map(|(id, m)| (id, u32::try_from(m).unwrap_or(4)))
                .collect(),
        })
    }

    pub fn count(&mut self, line: &super::spend::LineRow) {
        let start = self
            .start_months
            .get(&line.institution_id)
            .copied()
            .unwrap_or(4);
        let cells = self
            .cells
            .entry((
                line.institution_id,
                crate::domain::period::financial_year_starting(line.payment_date, start),
                line.supplier_id.unwrap_or(0),
            ))
            .or_default();
        match cells
            .iter_mut()
            .find(|c| c.0 == line.payment_type && c.1 == line.vat_basis)
        {
            Some(c) => {
                c.2 += line.amount_pence;
                c.3 += 1;
            }
            None => cells.push((line.payment_type, line.vat_basis, line.amount_pence, 1)),
        }
    }

    pub fn write(self, conn: &mut DbConn) -> QueryResult<()> {
        let mut institutions: Vec<i64> = self.cells.keys().map(|k| k.0).collect();
        institutions.sort_unstable();
        institutions.dedup();
        for id in institutions {
            diesel::sql_query(format!(
                "INSERT INTO spend_totals_version (institution_id, version) VALUES ($1, 1) {BUMP}"
            ))
            .bind::<BigInt, _>(id)
            .execute(conn)?;
        }
        use super::schema::spend_totals as t;
        use diesel::upsert::excluded;
        let rows: Vec<_> = self
            .cells
            .into_iter()
            .flat_map(|(k, cells)| cells.into_iter().map(move |c| (k, c)))
            .map(
                |((institution_id, fy, key), (payment_type, vat_basis, pence, lines))| {
                    (
                        t::institution_id.eq(institution_id),
                        t::fy.eq(fy),
                        t::supplier_key.eq(key),
                        t::payment_type.eq(payment_type),
                        t::vat_basis.eq(vat_basis),
                        t::pence.eq(pence),
                        t::lines.eq(lines),
                    )
                },
            )
            .collect();
        // Seven values a row, within both backends' limits on bound values.
        for chunk in rows.chunks(1_000) {
            batch_insert!(
                &mut *conn,
                t::table,
                chunk,
                .on_conflict((t::institution_id, t::fy, t::supplier_key, t::payment_type, t::vat_basis))
                .do_update()
                .set((
                    t::pence.eq(t::pence + excluded(t::pence)),
                    t::lines.eq(t::lines + excluded(t::lines)),
                ))
            )?;
        }
        Ok(())
    }
}

/// One total as read by SQL (`fy` is 0 where a query spans dates instead).
#[derive(QueryableByName, Debug, PartialEq, Eq)]
pub struct TotalRow {
    #[diesel(sql_type = BigInt)]
    pub institution_id: i64,
    #[diesel(sql_type = Integer)]
    pub fy: i32,
    #[diesel(sql_type = BigInt)]
    pub supplier_key: i64,
    #[diesel(sql_type = Text)]
    pub payment_type: String,
    #[diesel(sql_type = Text)]
    pub vat_basis: String,
    #[diesel(sql_type = BigInt)]
    pub pence: i64,
    #[diesel(sql_type = BigInt)]
    pub lines: i64,
}

/// Whether the totals agree with the lines: the differences, none if they
/// do. For tests and `localspend check`-style diagnostics.
pub fn differences(conn: &mut DbConn) -> QueryResult<Vec<String>> {
    let fy = fy_sql(conn);
    let order = "ORDER BY institution_id, fy, supplier_key, payment_type, vat_basis";
    let kept: Vec<TotalRow> = diesel::sql_query(format!(
        "SELECT institution_id, fy, supplier_key, payment_type, vat_basis, pence, lines FROM spend_totals {order}"
    ))
    .load(conn)?;
    let fresh: Vec<TotalRow> = diesel::sql_query(format!(
        "SELECT institution_id, {fy} AS fy, COALESCE(supplier_id, 0) AS supplier_key, payment_type, vat_basis, \
         CAST(SUM(amount_pence) AS BIGINT) AS pence, COUNT(*) AS lines FROM spend_lines \
         WHERE deleted_at IS NULL GROUP BY 1, 2, 3, 4, 5 {order}"
    ))
    .load(conn)?;
    let mut out = Vec::new();
    for row in &kept {
        if !fresh.contains(row) {
            out.push(format!("kept but not in the lines: {row:?}"));
        }
    }
    for row in &fresh {
        if !kept.contains(row) {
            out.push(format!("in the lines but not kept: {row:?}"));
        }
    }
    Ok(out)
}

/// Rebuilds every total from the lines (after loading lines by other means,
/// such as the benchmark's generator).
pub fn rebuild(conn: &mut DbConn) -> QueryResult<()> {
    let fy = fy_sql(conn);
    super::write_tx(conn, |conn| {
        diesel::sql_query("DELETE FROM spend_totals").execute(conn)?;
        diesel::sql_query(format!(
            "INSERT INTO spend_totals_version (institution_id, version) \
             SELECT id, 1 FROM institutions WHERE true {BUMP}"
        ))
        .execute(conn)?;
        diesel::sql_query(format!(
            "INSERT INTO spend_totals (institution_id, fy, supplier_key, payment_type, vat_basis, pence, lines) \
             SELECT institution_id, {fy}, COALESCE(supplier_id, 0), payment_type, vat_basis, \
             CAST(SUM(amount_pence) AS BIGINT), COUNT(*) FROM spend_lines WHERE deleted_at IS NULL \
             GROUP BY 1, 2, 3, 4, 5"
        ))
        .execute(conn)?;
        Ok(())
    })
}

/// Recounts one institution's totals from its lines, each in the financial
/// year its start month now gives (after an admin changes the month), in
/// the caller's transaction.
pub fn recount_institution(conn: &mut DbConn, institution_id: i64) -> QueryResult<()> {
    let fy = fy_sql(conn);
    diesel::sql_query("DELETE FROM spend_totals WHERE institution_id = $1")
        .bind::<BigInt, _>(institution_id)
        .execute(conn)?;
    diesel::sql_query(format!(
        "INSERT INTO spend_totals_version (institution_id, version) VALUES ($1, 1) {BUMP}"
    ))
    .bind::<BigInt, _>(institution_id)
    .execute(conn)?;
    diesel::sql_query(format!(
        "INSERT INTO spend_totals (institution_id, fy, supplier_key, payment_type, vat_basis, pence, lines) \
         SELECT institution_id, {fy}, COALESCE(supplier_id, 0), payment_type, vat_basis, \
         CAST(SUM(amount_pence) AS BIGINT), COUNT(*) FROM spend_lines \
         WHERE deleted_at IS NULL AND institution_id = $1 GROUP BY 1, 2, 3, 4, 5"
    ))
    .bind::<BigInt, _>(institution_id)
    .execute(conn)?;
    Ok(())
}
