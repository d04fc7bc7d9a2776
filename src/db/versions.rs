//! Versions for records kept as a set of rows: a year's targets, an
//! institution's payment-type rules. An edit names the version it was made
//! from and [`claim`]s the next one in the `UPDATE`'s own `WHERE`, as edits of
//! single-row records do, so of two concurrent edits one wins and the other
//! is told, on both backends. A form sent without its version (0) is
//! always refused.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::edit_versions as v;
use super::{batch_insert, now, DbConn};

/// A set of rows edited as one record.
#[derive(Debug, Clone, Copy)]
pub enum Record {
    /// An institution's or network's targets for a financial year.
    Targets {
        owner_kind: &'static str,
        owner_id: i64,
        fy: i32,
    },
    /// An institution's influenceable payment-type rules.
    PaymentRules { institution_id: i64 },
}

impl Record {
    fn key(self) -> String {
        match self {
            Record::Targets {
                owner_kind,
                owner_id,
                fy,
            } => format!("targets:{owner_kind}:{owner_id}:{fy}"),
            Record::PaymentRules { institution_id } => format!("payment_rules:{institution_id}"),
        }
    }
}

/// The record's version now (1 before its first edit, as a new single-row
/// record starts) and when it was saved.
pub fn current(conn: &mut DbConn, record: Record) -> QueryResult<(i64, Option<NaiveDateTime>)> {
    let row: Option<(i64, NaiveDateTime)> = v::table
        .find(record.key())
        .select((v::version, v::updated_at))
        .first(conn)
        .optional()?;
    Ok(row.map_or((1, None), |(version, at)| (version, Some(at))))
}

/// Moves the record on from `expected` to the next version; false when
/// someone saved in between. Call inside the edit's write transaction: on
/// PostgreSQL the row stays locked until it ends.
pub fn claim(conn: &mut DbConn, record: Record, expected: i64) -> QueryResult<bool> {
    let key = record.key();
    batch_insert!(
        &mut *conn,
        v::table,
        (v::key.eq(&key), v::version.eq(1), v::updated_at.eq(now())),
        .on_conflict_do_nothing()
    )?;
    let claimed = diesel::update(v::table.find(&key).filter(v::version.eq(expected)))
        .set((v::version.eq(v::version + 1), v::updated_at.eq(now())))
        .execute(conn)?;
    Ok(claimed == 1)
}
