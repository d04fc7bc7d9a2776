//! Long-running work (imports) and its progress, kept in the database so any
//! app instance can show it.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use super::schema::jobs as j;
use super::{now, DbConn};

/// A job with no progress for this long is shown as stalled: the process
/// running it has probably stopped.
pub const STALL_MINUTES: i64 = 5;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = j)]
pub struct Job {
    pub id: i64,
    pub kind: String,
    pub description: String,
    pub status: String,
    pub total_units: i64,
    pub done_units: i64,
    pub message: String,
    pub created_by: Option<i64>,
    pub institution_id: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub finished_at: Option<NaiveDateTime>,
}

impl Job {
    pub fn percent(&self) -> i64 {
        match self.status.as_str() {
            "succeeded" => 100,
            _ if self.total_units > 0 => (self.done_units * 100 / self.total_units).clamp(0, 100),
            _ => 0,
        }
    }

    pub fn is_finished(&self) -> bool {
        matches!(self.status.as_str(), "succeeded" | "failed")
    }

    /// Running, but silent for too long.
    pub fn is_stalled(&self, at: NaiveDateTime) -> bool {
        !self.is_finished() && at - self.updated_at > Duration::minutes(STALL_MINUTES)
    }
}

pub fn create(
    conn: &mut DbConn,
    kind: &str,
    description: &str,
    created_by: Option<i64>,
    institution_id: Option<i64>,
) -> QueryResult<i64> {
    let at = now();
    diesel::insert_into(j::table)
        .values((
            j::kind.eq(kind),
            j::description.eq(description),
            j::status.eq("running"),
            j::created_by.eq(created_by),
            j::institution_id.eq(institution_id),
            j::created_at.eq(at),
            j::updated_at.eq(at),
        ))
        .returning(j::id)
        .get_result(conn)
}

pub fn progress(conn: &mut DbConn, id: i64, done: u64, total: u64) -> QueryResult<()> {
    diesel::update(j::table.find(id))
        .set((
            j::done_units.eq(done as i64),
            j::total_units.eq(total as i64),
            j::updated_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn finish(conn: &mut DbConn, id: i64, succeeded: bool, message: &str) -> QueryResult<()> {
    let at = now();
    diesel::update(j::table.find(id))
        .set((
            j::status.eq(if succeeded { "succeeded" } else { "failed" }),
            j::message.eq(message),
            j::updated_at.eq(at),
            j::finished_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn get(conn: &mut DbConn, id: i64) -> QueryResult<Job> {
    j::table.find(id).select(Job::as_select()).first(conn)
}

pub fn recent(conn: &mut DbConn, kind: &str, limit: i64) -> QueryResult<Vec<Job>> {
    j::table
        .filter(j::kind.eq(kind))
        .order(j::id.desc())
        .limit(limit)
        .select(Job::as_select())
        .load(conn)
}
