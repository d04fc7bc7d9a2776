//! The Charity Commission's register: releases of its extract, and matching
//! suppliers to charities by charity number or exact normalised name.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::audit::{self, Actor, Change};
use super::schema::{charities as c, charity_releases as r, suppliers as s};
use super::suppliers::Supplier;
use super::{batch_insert, releases, write_tx, DbConn};
use crate::domain::reference::CharityRow;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = r)]
pub struct CharityRelease {
    pub id: i64,
    pub name: String,
    pub status: String,
    pub row_count: i64,
    pub imported_by: String,
    pub started_at: NaiveDateTime,
    pub activated_at: Option<NaiveDateTime>,
}

/// What the register says about one charity.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = c)]
pub struct CharityFacts {
    pub charity_number: String,
    pub name: String,
    pub postcode: Option<String>,
    pub latest_income_pence: Option<i64>,
    pub registered: bool,
    pub company_number: Option<String>,
}

impl CharityFacts {
    /// The Charity Commission's income bands, as its register shows them.
    pub fn income_band(&self) -> Option<&'static str> {
        let pounds = self.latest_income_pence? / 100;
        Some(match pounds {
            ..10_000 => "under £10,000",
            10_000..100_000 => "£10,000 to £100,000",
            100_000..500_000 => "£100,000 to £500,000",
            500_000..1_000_000 => "£500,000 to £1 million",
            1_000_000..5_000_000 => "£1 million to £5 million",
            _ => "over £5 million",
        })
    }
}

pub fn active(conn: &mut DbConn) -> QueryResult<Option<CharityRelease>> {
    r::table
        .filter(r::status.eq("active"))
        .select(CharityRelease::as_select())
        .first(conn)
        .optional()
}

/// Starts a release (see [`releases::begin`]).
pub fn begin(conn: &mut DbConn, name: &str, imported_by: &str) -> QueryResult<i64> {
    releases::begin(conn, releases::CHARITIES, name, imported_by)
}

pub fn insert_rows(conn: &mut DbConn, release_id: i64, rows: &[CharityRow]) -> QueryResult<usize> {
    let values: Vec<_> = rows
        .iter()
        .map(|row| {
            (
                c::release_id.eq(release_id),
                c::charity_number.eq(&row.charity_number),
                c::name.eq(&row.name),
                c::normalised_name.eq(&row.normalised_name),
                c::postcode.eq(&row.postcode),
                c::latest_income_pence.eq(row.latest_income_pence),
                c::registered.eq(row.registered),
                c::company_number.eq(&row.company_number),
            )
        })
        .collect();
    batch_insert!(conn, c::table, &values)
}

/// Puts a fully loaded release in use, in one transaction with its audit row,
/// then deletes the one it replaced.
pub fn activate(
    conn: &mut DbConn,
    actor: &Actor,
    release_id: i64,
    row_count: i64,
) -> QueryResult<CharityRelease> {
    let (release, retired) = write_tx(conn, |conn| {
        let before = active(conn)?;
        let retired = releases::supersede_active(conn, releases::CHARITIES)?;
        releases::mark_active(conn, releases::CHARITIES, release_id, row_count)?;
        let release = r::table
            .find(release_id)
            .select(CharityRelease::as_select())
            .first(conn)?;
        audit::record(
            conn,
            actor,
            Change::new("activate", "charity_release", release_id)
                .summary(format!(
                    "Charity register release {} in use ({} charities)",
                    release.name, release.row_count
                ))
                .before(&before)
                .after(&release),
        )?;
        Ok::<_, diesel::result::Error>((release, retired))
    })?;
    if let Some(old) = retired {
        releases::delete_rows(conn, releases::CHARITIES, old)?;
    }
    super::refresh_statistics(conn, &["charities"])?;
    Ok(release)
}

/// Marks a release failed and removes its rows; the active release is untouched.
pub fn abandon(conn: &mut DbConn, release_id: i64) -> QueryResult<()> {
    releases::abandon(conn, releases::CHARITIES, release_id)
}

/// How a supplier was matched to a charity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CharityMatch {
    CharityNumber,
    ExactName,
}

impl CharityMatch {
    pub fn label(self) -> &'static str {
        match self {
            CharityMatch::CharityNumber => "charity number",
            CharityMatch::ExactName => "exact name",
        }
    }
}

/// Every live supplier matched to a charity in the release: by its charity
/// number, else (without one) by its normalised name where exactly one
/// registered charity has it.
pub fn matches(
    conn: &mut DbConn,
    release_id: i64,
    suppliers: Option<&[i64]>,
) -> QueryResult<Vec<(Supplier, CharityFacts, CharityMatch)>> {
    let mut by_number = s::table
        .inner_join(
            c::table.on(c::charity_number
                .nullable()
                .eq(s::charity_number)
                .and(c::release_id.eq(release_id))),
        )
        .filter(s::merged_into.is_null())
        .select((Supplier::as_select(), CharityFacts::as_select()))
        .into_boxed();
    let mut by_name = s::table
        .inner_join(
            c::table.on(c::normalised_name
                .eq(s::normalised_name)
                .and(c::release_id.eq(release_id))
                .and(c::registered.eq(true))),
        )
        .filter(s::merged_into.is_null())
        .filter(s::charity_number.is_null())
        .select((Supplier::as_select(), CharityFacts::as_select()))
        .into_boxed();
    if let Some(ids) = suppliers {
        by_number = by_number.filter(s::id.eq_any(ids.to_vec()));
        by_name = by_name.filter(s::id.eq_any(ids.to_vec()));
    }
    let numbered: Vec<(Supplier, CharityFacts)> = by_number.load(conn)?;
    let named: Vec<(Supplier, CharityFacts)> = by_name.load(conn)?;
    let mut per_supplier: HashMap<i64, usize> = HashMap::new();
    for (sup, _) in &named {
        *per_supplier.entry(sup.id).or_default() += 1;
    }
    let mut out: Vec<_> = numbered
        .into_iter()
        .map(|(sup, f)| (sup, f, CharityMatch::CharityNumber))
        .collect();
    out.extend(
        named
            .into_iter()
            .filter(|(sup, _)| per_supplier.get(&sup.id) == Some(&1))
            .map(|(sup, f)| (sup, f, CharityMatch::ExactName)),
    );
    out.sort_by(|a, b| a.0.normalised_name.cmp(&b.0.normalised_name));
    Ok(out)
}
