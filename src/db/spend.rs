//! Spend lines: entry, edit, soft delete and restore; the ledger's filtered,
//! sorted and paged queries; the importer's bulk insert; each institution's
//! influenceable payment-type rules; and what the supplier register needs
//! (totals per supplier, the work queue's ranking).

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::audit::{self, Actor, Change};
use super::schema::{payment_type_rules as r, spend_lines as l};
use super::Error;
use super::{now, totals, write_tx, DbConn};
use crate::domain::spend::PaymentType;
use crate::domain::spend_file::ParsedLine;
use serde::Serialize;

use super::suppliers::LocationFilter;
use crate::domain::money::Pence;
use crate::domain::spend::{LineFields, LineInput};
use crate::domain::supplier::{is_redacted, normalise_name};

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
    totals::remove(conn, totals::Lines::Ids(ids))?;
    for chunk in ids.chunks(5_000) {
        moved += diesel::update(l::table.filter(l::id.eq_any(chunk)))
            .set((l::supplier_id.eq(to_supplier), l::updated_at.eq(now())))
            .execute(conn)?;
    }
    totals::add(conn, totals::Lines::Ids(ids))?;
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
    pub vat_basis: &'static str,
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
    pub capital_revenue: Option<&'static str>,
    pub purchase_card: bool,
    pub payment_type: &'static str,
    pub import_batch_id: Option<i64>,
    pub import_row: Option<i64>,
    pub entered_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub fingerprint: Option<i64>,
}

/// What every line of an import batch shares.
#[derive(Debug, Clone, Copy)]
pub struct BatchShared {
    pub institution_id: i64,
    pub batch_id: i64,
    pub vat_basis: &'static str,
    pub purchase_card: bool,
    pub at: NaiveDateTime,
}

impl LineRow {
    /// A line read from row `row` of an import batch's file.
    pub fn imported(
        batch: &BatchShared,
        line: ParsedLine,
        supplier_id: Option<i64>,
        payment_type: &'static str,
        row: u64,
        fingerprint: i64,
    ) -> Self {
        Self {
            institution_id: batch.institution_id,
            payment_date: line.payment_date,
            invoice_date: line.invoice_date,
            amount_pence: line.amount,
            irrecoverable_vat_pence: line.irrecoverable_vat,
            vat_basis: batch.vat_basis,
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
            capital_revenue: line.capital_revenue,
            purchase_card: batch.purchase_card,
            payment_type,
            import_batch_id: Some(batch.batch_id),
            import_row: Some(row as i64),
            entered_by: None,
            created_at: batch.at,
            updated_at: batch.at,
            fingerprint: Some(fingerprint),
        }
    }
}

/// Rows per insert statement on PostgreSQL; a full batch goes in as a
/// fixed-size array so its prepared statement is cached and reused.
#[cfg(feature = "postgres")]
const PG_BATCH: usize = 500;

/// Lines to insert together, with what SQLite's bulk load needs built in
/// advance: an import builds it on the thread that reads the file, so that
/// the one writing to the database has less to do.
pub struct LineBatch {
    pub rows: Vec<LineRow>,
    /// The statement and its JSON, when every row shares what is bound once.
    sqlite: Option<(String, String)>,
}

impl LineBatch {
    pub fn new(rows: Vec<LineRow>, for_sqlite: bool) -> Self {
        let sqlite = if for_sqlite {
            bulk::shared_json(&rows)
        } else {
            None
        };
        Self { rows, sqlite }
    }
}

/// Inserts a batch of lines, skipping any whose fingerprint a live line of
/// the same institution already has (same date). Returns how many were added.
pub fn insert_batch(conn: &mut DbConn, batch: &LineBatch) -> QueryResult<usize> {
    let rows = &batch.rows;
    match conn {
        DbConn::Sqlite(c) => {
            if let (Some((sql, json)), Some(first)) = (&batch.sqlite, rows.first()) {
                return bulk::insert_sqlite(c, sql, first, json);
            }
            let mut added = 0;
            for chunk in rows.chunks(200) {
                added += diesel::insert_into(l::table)
                    .values(chunk)
                    .on_conflict_do_nothing()
                    .execute(c)?;
            }
            Ok(added)
        }
        #[cfg(feature = "postgres")]
        DbConn::Pg(c) => {
            let mut added = 0;
            for chunk in rows.chunks(PG_BATCH) {
                added += match <&[LineRow; PG_BATCH]>::try_from(chunk) {
                    Ok(full) => diesel::insert_into(l::table)
                        .values(full)
                        .on_conflict_do_nothing()
                        .execute(c)?,
                    Err(_) => diesel::insert_into(l::table)
                        .values(chunk)
                        .on_conflict_do_nothing()
                        .execute(c)?,
                };
            }
            Ok(added)
        }
    }
}

/// Bulk loading on SQLite. Binding a million rows' 25 values one by one
/// costs more than SQLite's own work, so the rows of a batch that vary go in
/// as one JSON array read by `json_each`, and the values they share are
/// bound once. A column empty on every row of the batch (most files fill
/// only some) is written as NULL, and one holding the same integer on every
/// row is written into the statement, not carried in the JSON: each value
/// read from a row's JSON costs about as much as writing the row.
mod bulk {
    use chrono::{Datelike, NaiveDate};
    use diesel::sql_types::{BigInt, Bool, Nullable, Text, Timestamp};
    use diesel::RunQueryDsl;

    use super::LineRow;

    /// The columns of a line that vary from row to row, in JSON order.
    const VARYING: [&str; 18] = [
        "payment_date",
        "invoice_date",
        "amount_pence",
        "irrecoverable_vat_pence",
        "supplier_id",
        "supplier_name",
        "redacted",
        "transaction_ref",
        "invoice_ref",
        "department",
        "expense_type",
        "expense_code",
        "category",
        "description",
        "capital_revenue",
        "payment_type",
        "import_row",
        "fingerprint",
    ];

    enum Value<'a> {
        Null,
        Int(i64),
        Text(&'a str),
        Date(NaiveDate),
    }

    fn int<'a>(v: Option<i64>) -> Value<'a> {
        v.map_or(Value::Null, Value::Int)
    }

    fn text(v: &Option<String>) -> Value<'_> {
        v.as_deref().map_or(Value::Null, Value::Text)
    }

    fn values(r: &LineRow) -> [Value<'_>; 18] {
        [
            Value::Date(r.payment_date),
            r.invoice_date.map_or(Value::Null, Value::Date),
            Value::Int(r.amount_pence),
            int(r.irrecoverable_vat_pence),
            int(r.supplier_id),
            Value::Text(&r.supplier_name),
            Value::Int(i64::from(r.redacted)),
            text(&r.transaction_ref),
            text(&r.invoice_ref),
            text(&r.department),
            text(&r.expense_type),
            text(&r.expense_code),
            text(&r.category),
            text(&r.description),
            r.capital_revenue.map_or(Value::Null, Value::Text),
            Value::Text(r.payment_type),
            int(r.import_row),
            int(r.fingerprint),
        ]
    }

    fn write(out: &mut Vec<u8>, value: &Value) {
        use std::io::Write;
        // Writing into a Vec cannot fail.
        let _ = match value {
            Value::Null => out.write_all(b"null"),
            Value::Int(v) => write!(out, "{v}"),
            Value::Text(v) => serde_json::to_writer(&mut *out, v).map_err(std::io::Error::from),
            // ISO form, without chrono's format-string interpreter.
            Value::Date(d) => write!(out, "\"{:04}-{:02}-{:02}\"", d.year(), d.month(), d.day()),
        };
    }

    /// The statement and the rows' varying values as JSON, if the rest are
    /// shared by all.
    pub fn shared_json(rows: &[LineRow]) -> Option<(String, String)> {
        let first = rows.first()?;
        let shared = |r: &LineRow| {
            r.institution_id == first.institution_id
                && r.vat_basis == first.vat_basis
                && r.purchase_card == first.purchase_card
                && r.import_batch_id == first.import_batch_id
                && r.entered_by == first.entered_by
                && r.created_at == first.created_at
                && r.updated_at == first.updated_at
        };
        if !rows.iter().all(shared) {
            return None;
        }
        // Per column: whether any row has a value, and the integer every
        // row has, if they all have the same one (a flag, say), which is
        // written into the statement instead of read from each row.
        let mut used = [false; 18];
        let mut same: [Option<i64>; 18] = [None; 18];
        for (c, v) in values(first).iter().enumerate() {
            if let Value::Int(n) = v {
                same[c] = Some(*n);
            }
        }
        for r in rows {
            for (c, v) in values(r).iter().enumerate() {
                used[c] |= !matches!(v, Value::Null);
                if !matches!(v, Value::Int(n) if same[c] == Some(*n)) {
                    same[c] = None;
                }
            }
        }
        for (u, s) in used.iter_mut().zip(same) {
            *u &= s.is_none();
        }
        let mut out = Vec::with_capacity(rows.len() * 160);
        out.push(b'[');
        for (i, r) in rows.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.push(b'[');
            let mut first = true;
            for (v, _) in values(r).iter().zip(used).filter(|(_, u)| *u) {
                if !first {
                    out.push(b',');
                }
                first = false;
                write(&mut out, v);
            }
            out.push(b']');
        }
        out.push(b']');
        // Each row is turned into binary JSON once (the materialised CTE),
        // not parsed again for each of its values.
        let mut select = Vec::with_capacity(18);
        let mut k = 0;
        for (u, s) in used.into_iter().zip(same) {
            select.push(match (u, s) {
                (_, Some(n)) => n.to_string(),
                (true, None) => {
                    k += 1;
                    format!("v ->> {}", k - 1)
                }
                (false, None) => "NULL".to_owned(),
            });
        }
        let sql = format!(
            "WITH r(v) AS MATERIALIZED (SELECT jsonb(value) FROM json_each(?)) \
             INSERT INTO spend_lines ({}, institution_id, vat_basis, purchase_card, import_batch_id, \
             entered_by, created_at, updated_at) SELECT {}, ?, ?, ?, ?, ?, ?, ? FROM r WHERE true \
             ON CONFLICT DO NOTHING",
            VARYING.join(", "),
            select.join(", ")
        );
        // JSON written from Rust strings is UTF-8.
        Some((sql, String::from_utf8(out).ok()?))
    }

    pub fn insert_sqlite(
        c: &mut diesel::SqliteConnection,
        sql: &str,
        shared: &LineRow,
        json: &str,
    ) -> diesel::QueryResult<usize> {
        diesel::sql_query(sql)
            .bind::<Text, _>(json)
            .bind::<BigInt, _>(shared.institution_id)
            .bind::<Text, _>(shared.vat_basis)
            .bind::<Bool, _>(shared.purchase_card)
            .bind::<Nullable<BigInt>, _>(shared.import_batch_id)
            .bind::<Nullable<BigInt>, _>(shared.entered_by)
            .bind::<Timestamp, _>(shared.created_at)
            .bind::<Timestamp, _>(shared.updated_at)
            .execute(c)
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

/// Lines written at once above which pausing the supplier index can pay.
const LARGE_LOAD: u64 = 20_000;

/// For a large load into SQLite, within its transaction: drops the index of
/// lines by supplier when the load will at least double the table, and
/// returns the statement that builds it again. That index takes a load's
/// lines in supplier order, which is random, at about three microseconds a
/// line; building it again from the whole table takes under one. Rolled
/// back with the transaction like any other change; PostgreSQL keeps it.
pub fn pause_supplier_index(conn: &mut DbConn, expected_lines: u64) -> QueryResult<Option<String>> {
    use diesel::sql_types::{BigInt, Nullable, Text};
    #[derive(QueryableByName)]
    struct Sql {
        #[diesel(sql_type = Nullable<Text>)]
        sql: Option<String>,
    }
    #[derive(QueryableByName)]
    struct Top {
        #[diesel(sql_type = Nullable<BigInt>)]
        id: Option<i64>,
    }
    if super::Backend::of(conn) != super::Backend::Sqlite || expected_lines < LARGE_LOAD {
        return Ok(None);
    }
    // The highest id counts every line ever written, and costs one step.
    let top: Top = diesel::sql_query("SELECT MAX(id) AS id FROM spend_lines").get_result(conn)?;
    if top.id.unwrap_or(0).unsigned_abs() > expected_lines {
        return Ok(None);
    }
    let found: Vec<Sql> = diesel::sql_query(
        "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = 'spend_lines_supplier'",
    )
    .load(conn)?;
    let Some(sql) = found.into_iter().next().and_then(|s| s.sql) else {
        return Ok(None);
    };
    diesel::sql_query("DROP INDEX spend_lines_supplier").execute(conn)?;
    Ok(Some(sql))
}

/// Builds again the index [`pause_supplier_index`] dropped.
pub fn restore_supplier_index(conn: &mut DbConn, sql: &str) -> QueryResult<()> {
    diesel::sql_query(sql).execute(conn)?;
    Ok(())
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

/// How many of these (payment date, fingerprint) pairs live lines of the
/// institution already have.
pub fn count_fingerprints(
    conn: &mut DbConn,
    institution_id: i64,
    pairs: &[(NaiveDate, i64)],
) -> QueryResult<u64> {
    let (Some(from), Some(to)) = (
        pairs.iter().map(|p| p.0).min(),
        pairs.iter().map(|p| p.0).max(),
    ) else {
        return Ok(0);
    };
    let found: Vec<(NaiveDate, Option<i64>)> = l::table
        .filter(l::institution_id.eq(institution_id))
        .filter(l::deleted_at.is_null())
        .filter(l::payment_date.between(from, to))
        .filter(l::fingerprint.eq_any(pairs.iter().map(|p| p.1).collect::<Vec<_>>()))
        .select((l::payment_date, l::fingerprint))
        .load(conn)?;
    Ok(pairs
        .iter()
        .filter(|(d, f)| found.iter().any(|(fd, ff)| fd == d && *ff == Some(*f)))
        .count() as u64)
}

/// A spend line as stored.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Serialize)]
#[diesel(table_name = l)]
pub struct Line {
    pub id: i64,
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
    pub line_ref: Option<String>,
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
    pub deleted_at: Option<NaiveDateTime>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Line {
    /// The form filled in with this line, for editing.
    pub fn fields(&self) -> LineFields {
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        LineFields {
            institution_id: self.institution_id.to_string(),
            payment_date: self.payment_date.format("%d/%m/%Y").to_string(),
            invoice_date: self
                .invoice_date
                .map(|d| d.format("%d/%m/%Y").to_string())
                .unwrap_or_default(),
            amount: Pence(self.amount_pence).plain(),
            irrecoverable_vat: self
                .irrecoverable_vat_pence
                .map(|p| Pence(p).plain())
                .unwrap_or_default(),
            vat_basis: self.vat_basis.clone(),
            supplier: self.supplier_name.clone(),
            create_supplier: None,
            transaction_ref: text(&self.transaction_ref),
            invoice_ref: text(&self.invoice_ref),
            department: text(&self.department),
            expense_type: text(&self.expense_type),
            expense_code: text(&self.expense_code),
            category: text(&self.category),
            description: text(&self.description),
            capital_revenue: text(&self.capital_revenue),
            purchase_card: self.purchase_card.then(|| "on".to_owned()),
            payment_type: self.payment_type.clone(),
            version: self.version.to_string(),
        }
    }
}

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
    use super::schema::{supplier_aliases as a, supplier_locations as loc};
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

pub fn get(conn: &mut DbConn, id: i64) -> QueryResult<Line> {
    l::table.find(id).select(Line::as_select()).first(conn)
}

/// The columns a form save writes.
#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = l, treat_none_as_null = true)]
struct FormValues {
    institution_id: i64,
    payment_date: NaiveDate,
    invoice_date: Option<NaiveDate>,
    amount_pence: i64,
    irrecoverable_vat_pence: Option<i64>,
    vat_basis: String,
    supplier_id: Option<i64>,
    supplier_name: String,
    redacted: bool,
    transaction_ref: Option<String>,
    invoice_ref: Option<String>,
    department: Option<String>,
    expense_type: Option<String>,
    expense_code: Option<String>,
    category: Option<String>,
    description: Option<String>,
    capital_revenue: Option<String>,
    purchase_card: bool,
    payment_type: String,
}

impl FormValues {
    fn of(input: &LineInput, supplier_id: Option<i64>) -> Self {
        Self {
            institution_id: input.institution_id,
            payment_date: input.payment_date,
            invoice_date: input.invoice_date,
            amount_pence: input.amount.0,
            irrecoverable_vat_pence: input.irrecoverable_vat.map(|p| p.0),
            vat_basis: input.vat_basis.code().to_owned(),
            supplier_id,
            supplier_name: input.supplier.clone(),
            redacted: is_redacted(&input.supplier),
            transaction_ref: input.transaction_ref.clone(),
            invoice_ref: input.invoice_ref.clone(),
            department: input.department.clone(),
            expense_type: input.expense_type.clone(),
            expense_code: input.expense_code.clone(),
            category: input.category.clone(),
            description: input.description.clone(),
            capital_revenue: input.capital_revenue.map(str::to_owned),
            purchase_card: input.purchase_card,
            payment_type: input.payment_type.code().to_owned(),
        }
    }
}

/// Records a line entered by hand.
pub fn create(
    conn: &mut DbConn,
    actor: &Actor,
    input: &LineInput,
    supplier_id: Option<i64>,
) -> Result<Line, Error> {
    write_tx(conn, |conn| {
        let at = now();
        let v = FormValues::of(input, supplier_id);
        let id: i64 = diesel::insert_into(l::table)
            .values((
                l::institution_id.eq(v.institution_id),
                l::payment_date.eq(v.payment_date),
                l::amount_pence.eq(v.amount_pence),
                l::supplier_name.eq(&v.supplier_name),
                l::entered_by.eq(actor.user_id),
                l::created_at.eq(at),
                l::updated_at.eq(at),
            ))
            .returning(l::id)
            .get_result(conn)?;
        diesel::update(l::table.find(id)).set(&v).execute(conn)?;
        totals::add(conn, totals::Lines::Ids(&[id]))?;
        let line = get(conn, id)?;
        audit::record(
            conn,
            actor,
            Change::new("create", "spend_line", id)
                .institution(Some(line.institution_id))
                .summary(format!(
                    "Spend line {} to {} on {}",
                    Pence(line.amount_pence),
                    line.supplier_name,
                    line.payment_date.format("%d/%m/%Y")
                ))
                .after(&line),
        )?;
        Ok(line)
    })
}

/// Saves an edit made from `expected_version`; refuses if someone saved in
/// between.
pub fn update(
    conn: &mut DbConn,
    actor: &Actor,
    id: i64,
    expected_version: i64,
    input: &LineInput,
    supplier_id: Option<i64>,
) -> Result<Line, Error> {
    write_tx(conn, |conn| {
        let before = get(conn, id)?;
        if before.version != expected_version || before.deleted_at.is_some() {
            return Err(super::stale_edit(
                conn,
                "spend line",
                "spend_line",
                id,
                before.updated_at,
            ));
        }
        totals::remove(conn, totals::Lines::Ids(&[id]))?;
        diesel::update(l::table.find(id))
            .set((
                FormValues::of(input, supplier_id),
                l::version.eq(l::version + 1),
                l::updated_at.eq(now()),
            ))
            .execute(conn)?;
        totals::add(conn, totals::Lines::Ids(&[id]))?;
        let after = get(conn, id)?;
        audit::record(
            conn,
            actor,
            Change::new("update", "spend_line", id)
                .institution(Some(after.institution_id))
                .summary(format!("Spend line {id} edited"))
                .before(&before)
                .after(&after),
        )?;
        Ok(after)
    })
}

/// Deletes (softly) or restores a line.
pub fn set_deleted(
    conn: &mut DbConn,
    actor: &Actor,
    id: i64,
    expected_version: Option<i64>,
    deleted: bool,
) -> Result<Line, Error> {
    write_tx(conn, |conn| {
        let before = get(conn, id)?;
        if expected_version.is_some_and(|v| v != before.version) {
            return Err(super::stale_edit(
                conn,
                "spend line",
                "spend_line",
                id,
                before.updated_at,
            ));
        }
        if before.deleted_at.is_some() == deleted {
            return Err(Error::Conflict(if deleted {
                "This line is already deleted.".into()
            } else {
                "This line is not deleted.".into()
            }));
        }
        let at = now();
        totals::remove(conn, totals::Lines::Ids(&[id]))?;
        diesel::update(l::table.find(id))
            .set((
                l::deleted_at.eq(deleted.then_some(at)),
                l::version.eq(l::version + 1),
                l::updated_at.eq(at),
            ))
            .execute(conn)
            .map_err(|e| {
                if super::is_unique_violation(&e) {
                    Error::Conflict(
                        "The same line has been imported again since it was deleted, so restoring it would count it twice.".into(),
                    )
                } else {
                    e.into()
                }
            })?;
        totals::add(conn, totals::Lines::Ids(&[id]))?;
        let after = get(conn, id)?;
        audit::record(
            conn,
            actor,
            Change::new(if deleted { "delete" } else { "restore" }, "spend_line", id)
                .institution(Some(after.institution_id))
                .summary(format!(
                    "Spend line {} to {} {}",
                    Pence(after.amount_pence),
                    after.supplier_name,
                    if deleted { "deleted" } else { "restored" }
                ))
                .before(&before)
                .after(&after),
        )?;
        Ok(after)
    })
}

/// Sets whether a payment type is influenceable at an institution.
pub fn set_rule(
    conn: &mut DbConn,
    actor: &Actor,
    institution_id: i64,
    payment_type: PaymentType,
    influenceable: bool,
) -> Result<bool, Error> {
    write_tx(conn, |conn| {
        let before =
            influenceable_types(conn, institution_id)?.contains(&payment_type.code().to_owned());
        if before == influenceable {
            return Ok(false);
        }
        diesel::delete(
            r::table
                .filter(r::institution_id.eq(institution_id))
                .filter(r::payment_type.eq(payment_type.code())),
        )
        .execute(conn)?;
        if influenceable != payment_type.influenceable_by_default() {
            diesel::insert_into(r::table)
                .values((
                    r::institution_id.eq(institution_id),
                    r::payment_type.eq(payment_type.code()),
                    r::influenceable.eq(influenceable),
                ))
                .execute(conn)?;
        }
        audit::record(
            conn,
            actor,
            Change::new("update", "payment_type_rule", institution_id)
                .institution(Some(institution_id))
                .summary(format!(
                    "{} {} influenceable",
                    payment_type.label(),
                    if influenceable {
                        "now counts as"
                    } else {
                        "no longer counts as"
                    }
                ))
                .before(&before)
                .after(&influenceable),
        )?;
        Ok(true)
    })
}

/// The financial years (April to March) with live lines, newest first.
pub fn years(conn: &mut DbConn, institutions: Option<&[i64]>) -> QueryResult<Vec<i32>> {
    use super::schema::institutions as i;
    let ids = match institutions {
        Some(ids) => ids.to_vec(),
        None => i::table.select(i::id).load(conn)?,
    };
    let (Some(first), Some(last)) = super::report::date_range(conn, &ids)? else {
        return Ok(Vec::new());
    };
    let (a, b) = (
        crate::domain::period::financial_year(first),
        crate::domain::period::financial_year(last),
    );
    Ok((a..=b).rev().collect())
}
