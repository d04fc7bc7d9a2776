//! Sign-in attempt counters, kept in the database so the limits hold across
//! several app instances.
//!
//! Every attempt is counted **before** its password is checked, in one write
//! transaction (a conditional update whose new count decides), so concurrent
//! guesses cannot all slip under a limit. Three counters are kept per attempt:
//!
//! - the account name with this address: [`MAX_ACCOUNT_FAILURES`] attempts in
//!   the window, then this address may not try that account for the window;
//! - the address: [`MAX_ADDRESS_FAILURES`] attempts at any accounts (higher,
//!   as a council office may sit behind one address);
//! - the account name from anywhere: past [`MAX_ACCOUNT_FAILURES`] it is
//!   locked, but only against addresses that have failed at it themselves,
//!   so a stranger who keeps an account locked cannot lock its owner out: an
//!   address with no failures of its own still gets its try.
//!
//! A successful sign-in forgets the account's counters and takes its own
//! attempt off the address's count.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use super::schema::login_throttle as t;
use super::{batch_insert, write_tx, DbConn};

/// Attempts are counted over this many minutes, and a lock lasts as long.
pub const WINDOW_MINUTES: i64 = 15;
/// Failed attempts allowed at one account within the window.
pub const MAX_ACCOUNT_FAILURES: i64 = 5;
/// Failed attempts allowed from one client address within the window.
pub const MAX_ADDRESS_FAILURES: i64 = 30;

pub fn account_key(username: &str) -> String {
    format!("account:{}", username.trim().to_lowercase())
}

pub fn address_key(addr: &str) -> String {
    format!("address:{addr}")
}

/// The account name tried from one address.
pub fn pair_key(username: &str, addr: &str) -> String {
    format!("pair:{}@{addr}", username.trim().to_lowercase())
}

/// One attempt's counters.
#[derive(Debug, Clone)]
pub struct Attempt {
    account: String,
    pair: String,
    address: String,
}

impl Attempt {
    pub fn new(username: &str, address: &str) -> Self {
        Attempt {
            account: account_key(username),
            pair: pair_key(username, address),
            address: address_key(address),
        }
    }
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

/// Counts an attempt before its password is checked. Returns whether the
/// password may be checked at all (`false`: the attempt is throttled).
pub fn begin(conn: &mut DbConn, attempt: &Attempt, now: NaiveDateTime) -> QueryResult<bool> {
    write_tx(conn, |conn| {
        // Always in this order, so concurrent attempts cannot deadlock.
        let account = bump(conn, &attempt.account, MAX_ACCOUNT_FAILURES, now)?;
        let pair = bump(conn, &attempt.pair, MAX_ACCOUNT_FAILURES, now)?;
        let address = bump(conn, &attempt.address, MAX_ADDRESS_FAILURES, now)?;
        let first_from_here = pair.count == 1;
        Ok(!address.locked && !pair.locked && (!account.locked || first_from_here))
    })
}

/// A correct password: forgets the account's failures and takes this attempt
/// off the address's count.
pub fn succeeded(conn: &mut DbConn, attempt: &Attempt) -> QueryResult<()> {
    diesel::delete(t::table.filter(t::key.eq_any([&attempt.account, &attempt.pair])))
        .execute(conn)?;
    diesel::update(t::table.find(&attempt.address).filter(t::failures.gt(0)))
        .set(t::failures.eq(t::failures - 1))
        .execute(conn)?;
    Ok(())
}

struct Count {
    count: i64,
    locked: bool,
}

/// Adds one to a key's count in the current window (a stale window starts
/// again) and locks the key for the window once the count passes `max`.
fn bump(conn: &mut DbConn, key: &str, max: i64, now: NaiveDateTime) -> QueryResult<Count> {
    let window_start = now - Duration::minutes(WINDOW_MINUTES);
    batch_insert!(
        &mut *conn,
        t::table,
        (
            t::key.eq(key),
            t::failures.eq(0),
            t::window_started_at.eq(now),
        ),
        .on_conflict_do_nothing()
    )?;
    diesel::update(
        t::table
            .find(key)
            .filter(t::window_started_at.lt(window_start)),
    )
    .set((t::failures.eq(0), t::window_started_at.eq(now)))
    .execute(conn)?;
    // The row is now held by this transaction: the count read back is ours.
    diesel::update(t::table.find(key))
        .set(t::failures.eq(t::failures + 1))
        .execute(conn)?;
    let (count, locked_until): (i64, Option<NaiveDateTime>) = t::table
        .find(key)
        .select((t::failures, t::locked_until))
        .first(conn)?;
    let mut locked = locked_until.is_some_and(|until| until > now);
    if count > max && !locked {
        diesel::update(t::table.find(key))
            .set(t::locked_until.eq(now + Duration::minutes(WINDOW_MINUTES)))
            .execute(conn)?;
        locked = true;
    }
    Ok(Count { count, locked })
}

/// Forgets an account's counters from every address (an admin reset its
/// password, so the owner can sign in at once).
pub fn forget_account(conn: &mut DbConn, username: &str) -> QueryResult<usize> {
    let name = username.trim().to_lowercase();
    let pairs = format!("pair:{name}@%");
    diesel::delete(t::table.filter(t::key.eq(account_key(&name)).or(t::key.like(pairs))))
        .execute(conn)
}
