//! The lifecycle every reference release shares — the postcode lookup's and
//! the Companies House register's: a release is begun (`importing`), its rows
//! load alongside the release in use, and it is then activated (the old one
//! `superseded`, its rows deleted) or abandoned (`failed`, its rows deleted),
//! so a failed or interrupted load never changes what is in use. Each kind's
//! own columns are written by its module ([`super::postcodes`],
//! [`super::companies`]); the states and the clearing up are here, once.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Timestamp};

use super::{now, DbConn};

/// Where a kind of release lives. The names are fixed identifiers from this
/// module, never user input.
#[derive(Debug, Clone, Copy)]
pub struct Tables {
    /// The releases: `id`, `status`, `started_at`, `activated_at`…
    pub releases: &'static str,
    /// The rows, each with its `release_id`.
    pub rows: &'static str,
    /// The rows' key within a release, for deleting them in slices.
    pub key: &'static str,
}

pub const POSTCODES: Tables = Tables {
    releases: "postcode_releases",
    rows: "postcodes",
    key: "postcode",
};

pub const CHARITIES: Tables = Tables {
    releases: "charity_releases",
    rows: "charities",
    key: "charity_number",
};

pub const COMPANIES: Tables = Tables {
    releases: "company_releases",
    rows: "companies",
    key: "company_number",
};

/// Starts a release of a whole-file register (Companies House, the register
/// of charities) in the `importing` state, clearing rows left by failed or
/// abandoned loads; returns its id.
pub fn begin(conn: &mut DbConn, t: Tables, name: &str, imported_by: &str) -> QueryResult<i64> {
    clear_failed(conn, t)?;
    let started: Id = diesel::sql_query(format!(
        "INSERT INTO {} (name, status, imported_by, started_at) \
         VALUES ($1, 'importing', $2, $3) RETURNING id",
        t.releases
    ))
    .bind::<diesel::sql_types::Text, _>(name)
    .bind::<diesel::sql_types::Text, _>(imported_by)
    .bind::<Timestamp, _>(now())
    .get_result(conn)?;
    Ok(started.id)
}

/// Within the activation's transaction, after [`supersede_active`]: the
/// loaded release is put in use with its row count.
pub fn mark_active(conn: &mut DbConn, t: Tables, release_id: i64, rows: i64) -> QueryResult<()> {
    diesel::sql_query(format!(
        "UPDATE {} SET status = 'active', row_count = $1, activated_at = $2 WHERE id = $3",
        t.releases
    ))
    .bind::<BigInt, _>(rows)
    .bind::<Timestamp, _>(now())
    .bind::<BigInt, _>(release_id)
    .execute(conn)?;
    Ok(())
}

/// A load that has not finished in this long is taken to have died.
const ABANDONED_AFTER_HOURS: i64 = 24;

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

/// Before a new release begins: removes releases that failed, or that died
/// while loading, with their rows.
pub fn clear_failed(conn: &mut DbConn, t: Tables) -> QueryResult<()> {
    let stale_before = now() - chrono::Duration::hours(ABANDONED_AFTER_HOURS);
    let stale: Vec<Id> = diesel::sql_query(format!(
        "SELECT id FROM {} WHERE status = 'failed' \
         OR (status = 'importing' AND started_at < $1)",
        t.releases
    ))
    .bind::<Timestamp, _>(stale_before)
    .load(conn)?;
    for Id { id } in stale {
        delete_rows(conn, t, id)?;
        diesel::sql_query(format!("DELETE FROM {} WHERE id = $1", t.releases))
            .bind::<BigInt, _>(id)
            .execute(conn)?;
    }
    Ok(())
}

/// Within the activation's transaction: the release in use steps aside.
/// Returns its id, whose rows are deleted once the activation has committed.
pub fn supersede_active(conn: &mut DbConn, t: Tables) -> QueryResult<Option<i64>> {
    let active: Option<Id> = diesel::sql_query(format!(
        "SELECT id FROM {} WHERE status = 'active'",
        t.releases
    ))
    .get_result(conn)
    .optional()?;
    diesel::sql_query(format!(
        "UPDATE {} SET status = 'superseded' WHERE status = 'active'",
        t.releases
    ))
    .execute(conn)?;
    Ok(active.map(|a| a.id))
}

/// Marks a release failed and removes its rows; the release in use is
/// untouched.
pub fn abandon(conn: &mut DbConn, t: Tables, release_id: i64) -> QueryResult<()> {
    diesel::sql_query(format!(
        "UPDATE {} SET status = 'failed' WHERE id = $1",
        t.releases
    ))
    .bind::<BigInt, _>(release_id)
    .execute(conn)?;
    delete_rows(conn, t, release_id)
}

/// Deletes one release's rows in slices of the key, so no single
/// transaction holds the write lock for long.
pub fn delete_rows(conn: &mut DbConn, t: Tables, release_id: i64) -> QueryResult<()> {
    let (table, key) = (t.rows, t.key);
    loop {
        let deleted = diesel::sql_query(format!(
            "DELETE FROM {table} WHERE release_id = $1 AND {key} IN \
             (SELECT {key} FROM {table} WHERE release_id = $1 ORDER BY {key} LIMIT 20000)"
        ))
        .bind::<BigInt, _>(release_id)
        .execute(conn)?;
        if deleted == 0 {
            return Ok(());
        }
    }
}
