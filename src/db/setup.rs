//! First-run setup links: while no user exists, a one-time link lets the
//! first admin create their account in the browser.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use super::audit::Actor;
use super::schema::setup_tokens as t;
use super::users::{self, NewUser, User};
use super::Error;
use super::{write_tx, DbConn};

/// How long a setup link stays usable.
pub const VALID_HOURS: i64 = 24;

pub fn issue(conn: &mut DbConn, token_hash: &str, now: NaiveDateTime) -> QueryResult<()> {
    diesel::insert_into(t::table)
        .values((
            t::token_hash.eq(token_hash),
            t::created_at.eq(now),
            t::expires_at.eq(now + Duration::hours(VALID_HOURS)),
        ))
        .execute(conn)?;
    Ok(())
}

/// A link works only while it is unexpired and nobody has an account yet.
pub fn is_usable(conn: &mut DbConn, token_hash: &str, now: NaiveDateTime) -> QueryResult<bool> {
    let live: i64 = t::table
        .filter(t::token_hash.eq(token_hash))
        .filter(t::expires_at.gt(now))
        .count()
        .get_result(conn)?;
    Ok(live > 0 && users::count(conn)? == 0)
}

/// Creates the first admin and voids every setup link, in one transaction, so
/// a link cannot be used twice even by two browsers at once.
pub fn complete(
    conn: &mut DbConn,
    token_hash: &str,
    new: &NewUser,
    now: NaiveDateTime,
) -> Result<User, Error> {
    write_tx(conn, |conn| {
        super::lock_accounts(conn)?;
        if !is_usable(conn, token_hash, now)? {
            return Err(Error::Database(diesel::result::Error::NotFound));
        }
        let user = users::create(conn, &Actor::system("first-run setup"), new)?;
        diesel::delete(t::table).execute(conn)?;
        Ok(user)
    })
}
