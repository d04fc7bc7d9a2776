//! Server-side sessions, keyed by the SHA-256 of the cookie token.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{sessions, users};
use super::users::User;
use super::DbConn;

/// A new session for `user_id`, live for `lifetime` from `now`.
pub fn create(
    conn: &mut DbConn,
    user_id: i64,
    token_hash: &str,
    now: NaiveDateTime,
    lifetime: Duration,
) -> QueryResult<i64> {
    diesel::insert_into(sessions::table)
        .values((
            sessions::token_hash.eq(token_hash),
            sessions::user_id.eq(user_id),
            sessions::created_at.eq(now),
            sessions::expires_at.eq(now + lifetime),
        ))
        .returning(sessions::id)
        .get_result(conn)
}

/// The live session and its enabled user, if the token is still good.
pub fn find_user(
    conn: &mut DbConn,
    token_hash: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<(i64, User)>> {
    sessions::table
        .inner_join(users::table)
        .filter(sessions::token_hash.eq(token_hash))
        .filter(sessions::expires_at.gt(now))
        .filter(users::disabled.eq(false))
        .select((sessions::id, User::as_select()))
        .first(conn)
        .optional()
}

pub fn delete_by_hash(conn: &mut DbConn, token_hash: &str) -> QueryResult<usize> {
    diesel::delete(sessions::table.filter(sessions::token_hash.eq(token_hash))).execute(conn)
}

/// Ends every session of a user: after a password change, a reset or when the
/// account is disabled.
pub fn delete_for_user(conn: &mut DbConn, user_id: i64) -> QueryResult<usize> {
    diesel::delete(sessions::table.filter(sessions::user_id.eq(user_id))).execute(conn)
}

pub fn purge_expired(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(sessions::table.filter(sessions::expires_at.le(now))).execute(conn)
}
