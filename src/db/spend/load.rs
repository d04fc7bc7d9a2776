//! The importer's bulk load: a file's lines as rows to insert, written a
//! batch per statement (on SQLite through one JSON parameter), and what a
//! large load does around them.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::schema::spend_lines as l;
use crate::db::DbConn;
use crate::domain::spend_file::ParsedLine;

/// A spend line as written, from an import or a form.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = l, treat_none_as_default_value = false)]
pub struct LineRow {
    pub institution_id: i64,
    pub payment_date: NaiveDate,
    pub invoice_date: Option<NaiveDate>,
    pub received_date: Option<NaiveDate>,
    pub amount_pence: i64,
    pub irrecoverable_vat_pence: Option<i64>,
    pub vat_basis: &'static str,
    pub supplier_id: Option<i64>,
    pub supplier_name: String,
    pub redacted: bool,
    pub transaction_ref: Option<String>,
    pub invoice_ref: Option<String>,
    pub line_ref: Option<String>,
    pub statement_ref: Option<String>,
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
    /// The period of a supplier's total for a period, as an ISO 8601
    /// interval; `None` for a dated payment.
    pub period: Option<String>,
}

/// What every line of an import batch shares.
#[derive(Debug, Clone)]
pub struct BatchShared {
    pub institution_id: i64,
    pub batch_id: i64,
    pub vat_basis: &'static str,
    pub purchase_card: bool,
    pub at: NaiveDateTime,
    /// Every line is a total for this period (an ISO 8601 interval).
    pub period: Option<String>,
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
            received_date: line.received_date,
            amount_pence: line.amount,
            irrecoverable_vat_pence: line.irrecoverable_vat,
            vat_basis: batch.vat_basis,
            supplier_id,
            supplier_name: line.supplier_name,
            redacted: line.redacted,
            transaction_ref: line.transaction_ref,
            invoice_ref: line.invoice_ref,
            line_ref: line.line_ref,
            statement_ref: line.statement_ref,
            department: line.department,
            expense_type: line.expense_type,
            expense_code: line.expense_code,
            category: line.category,
            description: line.description,
            capital_revenue: line.capital_revenue,
            purchase_card: batch.purchase_card || line.card,
            payment_type,
            import_batch_id: Some(batch.batch_id),
            import_row: Some(row as i64),
            entered_by: None,
            created_at: batch.at,
            updated_at: batch.at,
            fingerprint: Some(fingerprint),
            period: batch.period.clone(),
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
    /// Rows with a line or card statement reference, by index, with the
    /// (payment date, fingerprint) they would have had before those were
    /// read: skipped if a line recorded then has it.
    pub before_new_refs: Vec<(usize, NaiveDate, i64)>,
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
        Self {
            rows,
            before_new_refs: Vec::new(),
            sqlite,
        }
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
    const VARYING: [&str; 21] = [
        "payment_date",
        "invoice_date",
        "received_date",
        "amount_pence",
        "irrecoverable_vat_pence",
        "supplier_id",
        "supplier_name",
        "redacted",
        "transaction_ref",
        "invoice_ref",
        "line_ref",
        "statement_ref",
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

    fn values(r: &LineRow) -> [Value<'_>; 21] {
        [
            Value::Date(r.payment_date),
            r.invoice_date.map_or(Value::Null, Value::Date),
            r.received_date.map_or(Value::Null, Value::Date),
            Value::Int(r.amount_pence),
            int(r.irrecoverable_vat_pence),
            int(r.supplier_id),
            Value::Text(&r.supplier_name),
            Value::Int(i64::from(r.redacted)),
            text(&r.transaction_ref),
            text(&r.invoice_ref),
            text(&r.line_ref),
            text(&r.statement_ref),
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
                && r.period == first.period
        };
        if !rows.iter().all(shared) {
            return None;
        }
        // Per column: whether any row has a value, and the integer every
        // row has, if they all have the same one (a flag, say), which is
        // written into the statement instead of read from each row.
        let mut used = [false; VARYING.len()];
        let mut same: [Option<i64>; VARYING.len()] = [None; VARYING.len()];
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
        let mut select = Vec::with_capacity(VARYING.len());
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
             entered_by, created_at, updated_at, period) SELECT {}, ?, ?, ?, ?, ?, ?, ?, ? FROM r WHERE true \
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
            .bind::<Nullable<Text>, _>(shared.period.as_deref())
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
    if crate::db::Backend::of(conn) != crate::db::Backend::Sqlite || expected_lines < LARGE_LOAD {
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

/// Which of these (payment date, fingerprint) pairs live lines of the
/// institution already have, each with the import batch of the line on
/// record (`None` for a line entered by hand).
pub fn recorded_in(
    conn: &mut DbConn,
    institution_id: i64,
    pairs: &[(NaiveDate, i64)],
) -> QueryResult<Vec<(NaiveDate, i64, Option<i64>)>> {
    recorded(conn, institution_id, pairs, false)
}

/// As [`recorded_in`], among lines recorded with no line or card statement
/// reference (as every line was before those were read): how a file
/// imported then is recognised although those columns are read now.
pub fn recorded_without_new_refs(
    conn: &mut DbConn,
    institution_id: i64,
    pairs: &[(NaiveDate, i64)],
) -> QueryResult<Vec<(NaiveDate, i64, Option<i64>)>> {
    recorded(conn, institution_id, pairs, true)
}

fn recorded(
    conn: &mut DbConn,
    institution_id: i64,
    pairs: &[(NaiveDate, i64)],
    without_new_refs: bool,
) -> QueryResult<Vec<(NaiveDate, i64, Option<i64>)>> {
    let (Some(from), Some(to)) = (
        pairs.iter().map(|p| p.0).min(),
        pairs.iter().map(|p| p.0).max(),
    ) else {
        return Ok(Vec::new());
    };
    let mut q = l::table
        .filter(l::institution_id.eq(institution_id))
        .filter(l::deleted_at.is_null())
        .filter(l::payment_date.between(from, to))
        .filter(l::fingerprint.eq_any(pairs.iter().map(|p| p.1).collect::<Vec<_>>()))
        .select((l::payment_date, l::fingerprint, l::import_batch_id))
        .into_boxed();
    if without_new_refs {
        q = q
            .filter(l::line_ref.is_null())
            .filter(l::statement_ref.is_null());
    }
    let found: Vec<(NaiveDate, Option<i64>, Option<i64>)> = q.load(conn)?;
    let asked: std::collections::HashSet<&(NaiveDate, i64)> = pairs.iter().collect();
    Ok(found
        .into_iter()
        .filter_map(|(d, f, b)| Some((d, f?, b)))
        .filter(|(d, f, _)| asked.contains(&(*d, *f)))
        .collect())
}
