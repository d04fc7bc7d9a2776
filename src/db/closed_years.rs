//! Closed financial years. Once an institution's figures for a year are
//! signed off, a manager closes the year: from then on every write to that
//! institution's lines dated in it (entry, edit, deletion, restoring, an
//! import, undoing one) is refused with the reason, until an admin reopens
//! the year. Each write path asks a [`Guard`] inside its own transaction.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use crate::db::audit::{self, Actor, Change};
use crate::db::schema::closed_years as y;
use crate::db::{now, write_tx, DbConn, Error};
use crate::domain::period::{
    financial_year_bounds_starting, financial_year_label, financial_year_starting,
};

/// A closed year, as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Serialize)]
#[diesel(table_name = y)]
pub struct ClosedYear {
    pub institution_id: i64,
    pub financial_year: i32,
    pub closed_at: NaiveDateTime,
    pub closed_by: String,
    pub closed_by_user_id: Option<i64>,
    pub note: String,
}

/// The longest note a closure or reopening takes.
pub const NOTE_MAX: usize = 2000;

/// An institution's closed years, newest first.
pub fn list(conn: &mut DbConn, institution_id: i64) -> QueryResult<Vec<ClosedYear>> {
    y::table
        .filter(y::institution_id.eq(institution_id))
        .order(y::financial_year.desc())
        .select(ClosedYear::as_select())
        .load(conn)
}

/// On PostgreSQL, locks the institution's row: shared by the writes that
/// check a guard, exclusive for closing and reopening, so a line cannot be
/// written into a year being closed at the same moment. (SQLite runs one
/// writing transaction at a time, so there is nothing to do.)
fn lock_institution(conn: &mut DbConn, institution_id: i64, exclusive: bool) -> QueryResult<()> {
    match conn {
        DbConn::Sqlite(_) => {
            let _ = (institution_id, exclusive);
            Ok(())
        }
        #[cfg(feature = "postgres")]
        DbConn::Pg(pg) => {
            use diesel::sql_types::BigInt;
            let mode = if exclusive { "UPDATE" } else { "SHARE" };
            diesel::sql_query(format!(
                "SELECT id FROM institutions WHERE id = $1 FOR {mode}"
            ))
            .bind::<BigInt, _>(institution_id)
            .execute(pg)
            .map(drop)
        }
    }
}

/// Closes an institution's year, audited. Refused when it is closed already.
pub fn close(
    conn: &mut DbConn,
    actor: &Actor,
    institution_id: i64,
    financial_year: i32,
    note: &str,
) -> Result<ClosedYear, Error> {
    write_tx(conn, |conn| {
        lock_institution(conn, institution_id, true)?;
        let label = financial_year_label(financial_year);
        if find(conn, institution_id, financial_year)?.is_some() {
            return Err(Error::Conflict(format!("{label} is already closed.")));
        }
        let row = ClosedYear {
            institution_id,
            financial_year,
            closed_at: now(),
            closed_by: actor.name.clone(),
            closed_by_user_id: actor.user_id,
            note: note.trim().to_owned(),
        };
        diesel::insert_into(y::table)
            .values((
                y::institution_id.eq(row.institution_id),
                y::financial_year.eq(row.financial_year),
                y::closed_at.eq(row.closed_at),
                y::closed_by.eq(&row.closed_by),
                y::closed_by_user_id.eq(row.closed_by_user_id),
                y::note.eq(&row.note),
            ))
            .execute(conn)?;
        audit::record(
            conn,
            actor,
            Change::new(
                "close",
                "financial_year",
                record_id(institution_id, financial_year),
            )
            .institution(Some(institution_id))
            .summary(format!("Financial year {label} closed"))
            .after(&row),
        )?;
        Ok(row)
    })
}

/// Reopens a closed year, audited with the closure it removes and the
/// reason given.
pub fn reopen(
    conn: &mut DbConn,
    actor: &Actor,
    institution_id: i64,
    financial_year: i32,
    reason: &str,
) -> Result<ClosedYear, Error> {
    write_tx(conn, |conn| {
        lock_institution(conn, institution_id, true)?;
        let label = financial_year_label(financial_year);
        let Some(before) = find(conn, institution_id, financial_year)? else {
            return Err(Error::Conflict(format!("{label} is not closed.")));
        };
        diesel::delete(
            y::table
                .filter(y::institution_id.eq(institution_id))
                .filter(y::financial_year.eq(financial_year)),
        )
        .execute(conn)?;
        audit::record(
            conn,
            actor,
            Change::new(
                "reopen",
                "financial_year",
                record_id(institution_id, financial_year),
            )
            .institution(Some(institution_id))
            .summary(format!(
                "Financial year {label} reopened: {}",
                reason.trim()
            ))
            .before(&before),
        )?;
        Ok(before)
    })
}

/// How the audit log names a year of an institution.
fn record_id(institution_id: i64, financial_year: i32) -> String {
    format!("{institution_id}:{financial_year}")
}

fn find(
    conn: &mut DbConn,
    institution_id: i64,
    financial_year: i32,
) -> QueryResult<Option<ClosedYear>> {
    y::table
        .filter(y::institution_id.eq(institution_id))
        .filter(y::financial_year.eq(financial_year))
        .select(ClosedYear::as_select())
        .first(conn)
        .optional()
}

/// An institution's closed years as a write path checks them, read inside
/// the write's transaction.
#[derive(Debug, Clone)]
pub struct Guard {
    start_month: u32,
    closed: Vec<ClosedYear>,
}

impl Guard {
    /// Reads the institution's closed years (and, on PostgreSQL, holds them
    /// until the transaction ends).
    pub fn load(conn: &mut DbConn, institution_id: i64) -> Result<Self, Error> {
        use crate::db::schema::institutions as i;
        lock_institution(conn, institution_id, false)?;
        let start: i32 = i::table
            .find(institution_id)
            .select(i::fy_start_month)
            .first(conn)?;
        Ok(Self {
            start_month: u32::try_from(start).unwrap_or(4),
            closed: list(conn, institution_id)?,
        })
    }

    /// True when no year is closed: nothing to check.
    pub fn is_open(&self) -> bool {
        self.closed.is_empty()
    }

    /// The closure a date falls in, if its year is closed.
    pub fn closure(&self, date: NaiveDate) -> Option<&ClosedYear> {
        if self.closed.is_empty() {
            return None;
        }
        let year = financial_year_starting(date, self.start_month);
        self.closed.iter().find(|c| c.financial_year == year)
    }

    /// Each closed year with its first and last day.
    pub fn ranges(&self) -> impl Iterator<Item = (&ClosedYear, NaiveDate, NaiveDate)> {
        self.closed.iter().filter_map(|c| {
            let (from, to) = financial_year_bounds_starting(c.financial_year, self.start_month)?;
            Some((c, from, to))
        })
    }

    /// Refuses a write of a line dated `date` in a closed year, saying why.
    pub fn check(&self, date: NaiveDate) -> Result<(), Error> {
        match self.closure(date) {
            Some(c) => Err(Error::Closed(refusal(c, date))),
            None => Ok(()),
        }
    }
}

/// Why a line dated in a closed year is refused, in words.
pub fn refusal(c: &ClosedYear, date: NaiveDate) -> String {
    format!(
        "A line dated {} falls in {}, which was closed on {} after its figures were signed off. \
         Lines dated in a closed year cannot be entered, changed, deleted or imported; \
         an admin can reopen the year.",
        date.format("%d/%m/%Y"),
        financial_year_label(c.financial_year),
        c.closed_at.format("%d/%m/%Y"),
    )
}
