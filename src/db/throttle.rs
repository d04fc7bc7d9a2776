//! Failed sign-in counters per account name and per client address, kept in
//! the database so the limits hold across several app instances.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use super::schema::login_throttle as t;
use super::{is_unique_violation, write_tx, DbConn};

/// Failures are counted over this many minutes, and a lock lasts as long.
pub const WINDOW_MINUTES: i64 = 15;
/// Failures allowed for one account name within the window.
pub const MAX_ACCOUNT_FAILURES: i64 = 5;
/// Failures allowed from one client address within the window: higher, as a
/// council office may sit behind one address.
pub const MAX_ADDRESS_FAILURES: i64 = 30;

pub fn account_key(username: &str) -> String {
    format!("account:{}", username.trim().to_lowercase())
}

pub fn address_key(addr: &str) -> String {
    format!("address:{addr}")
}

/// True if any of the keys is locked at `now`.
pub fn is_locked(conn: &mut DbConn, keys: &[String], now: NaiveDateTime) -> QueryResult<bool> {
    let locked: i64 = t::table
        .filter(t::key.eq_any(keys))
        .filter(t::locked_until.gt(now))
        .count()
        .get_result(conn)?;
    Ok(locked > 0)
}

/// Counts a failure against `key`, locking it once `max_failures` is reached
/// within the window. Returns whether the key is now locked.
pub fn record_failure(
    conn: &mut DbConn,
    key: &str,
    max_failures: i64,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let window_start = now - Duration::minutes(WINDOW_MINUTES);
    write_tx(conn, |conn| {
        // A stale window starts again from zero.
        diesel::update(
            t::table
                .find(key)
                .filter(t::window_started_at.lt(window_start)),
        )
        .set((t::failures.eq(0), t::window_started_at.eq(now)))
        .execute(conn)?;
        let updated = diesel::update(t::table.find(key))
            .set(t::failures.eq(t::failures + 1))
            .execute(conn)?;
        if updated == 0 {
            let inserted = diesel::insert_into(t::table)
                .values((
                    t::key.eq(key),
                    t::failures.eq(1),
                    t::window_started_at.eq(now),
                ))
                .execute(conn);
            match inserted {
                Err(e) if is_unique_violation(&e) => {
                    diesel::update(t::table.find(key))
                        .set(t::failures.eq(t::failures + 1))
                        .execute(conn)?;
                }
                other => {
                    other?;
                }
            }
        }
        let failures: i64 = t::table.find(key).select(t::failures).first(conn)?;
        if failures >= max_failures {
            diesel::update(t::table.find(key))
                .set(t::locked_until.eq(now + Duration::minutes(WINDOW_MINUTES)))
                .execute(conn)?;
            return Ok(true);
        }
        Ok(false)
    })
}

/// Forgets the failures of an account after a successful sign-in.
pub fn clear(conn: &mut DbConn, key: &str) -> QueryResult<usize> {
    diesel::delete(t::table.find(key)).execute(conn)
}
