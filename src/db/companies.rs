//! Companies House reference data: releases of the bulk file, and matching
//! suppliers to companies by number or exact normalised name.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::audit::{self, Actor, Change};
use super::schema::{companies as c, company_releases as r, suppliers as s};
use super::suppliers::Supplier;
use super::{batch_insert, releases, write_tx, DbConn};
use crate::domain::reference::CompanyRow;
use crate::domain::supplier::CompanyFacts;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = r)]
pub struct CompanyRelease {
    pub id: i64,
    pub name: String,
    pub status: String,
    pub row_count: i64,
    pub imported_by: String,
    pub started_at: NaiveDateTime,
    pub activated_at: Option<NaiveDateTime>,
}

pub fn active(conn: &mut DbConn) -> QueryResult<Option<CompanyRelease>> {
    r::table
        .filter(r::status.eq("active"))
        .select(CompanyRelease::as_select())
        .first(conn)
        .optional()
}

/// Starts a release (see [`releases::begin`]).
pub fn begin(conn: &mut DbConn, name: &str, imported_by: &str) -> QueryResult<i64> {
    releases::begin(conn, releases::COMPANIES, name, imported_by)
}

pub fn insert_rows(conn: &mut DbConn, release_id: i64, rows: &[CompanyRow]) -> QueryResult<usize> {
    let values: Vec<_> = rows
        .iter()
        .map(|row| {
            (
                c::release_id.eq(release_id),
                c::company_number.eq(&row.company_number),
                c::name.eq(&row.name),
                c::normalised_name.eq(&row.normalised_name),
                c::postcode.eq(&row.postcode),
                c::category.eq(&row.category),
                c::status.eq(&row.status),
                c::account_category.eq(&row.account_category),
                c::sic_codes.eq(&row.sic_codes),
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
) -> QueryResult<CompanyRelease> {
    super::company_names::build(conn, release_id)?;
    let (release, retired) = write_tx(conn, |conn| {
        let before = active(conn)?;
        super::company_names::swap_in(conn)?;
        let retired = releases::supersede_active(conn, releases::COMPANIES)?;
        releases::mark_active(conn, releases::COMPANIES, release_id, row_count)?;
        let release = r::table
            .find(release_id)
            .select(CompanyRelease::as_select())
            .first(conn)?;
        audit::record(
            conn,
            actor,
            Change::new("activate", "company_release", release_id)
                .summary(format!(
                    "Companies House release {} in use ({} companies)",
                    release.name, release.row_count
                ))
                .before(&before)
                .after(&release),
        )?;
        Ok::<_, diesel::result::Error>((release, retired))
    })?;
    if let Some(old) = retired {
        releases::delete_rows(conn, releases::COMPANIES, old)?;
    }
    super::refresh_statistics(conn, &["companies"])?;
    Ok(release)
}

/// Marks a release failed and removes its rows; the active release is untouched.
pub fn abandon(conn: &mut DbConn, release_id: i64) -> QueryResult<()> {
    releases::abandon(conn, releases::COMPANIES, release_id)
}

pub(super) type FactsRow = (
    String,
    String,
    Option<String>,
    String,
    String,
    String,
    String,
);

pub(super) fn facts(
    (company_number, name, postcode, category, status, account_category, sic_codes): FactsRow,
) -> CompanyFacts {
    CompanyFacts {
        company_number,
        name,
        postcode,
        category,
        status,
        account_category,
        sic_codes,
    }
}

pub(super) fn fact_columns() -> (
    c::company_number,
    c::name,
    c::postcode,
    c::category,
    c::status,
    c::account_category,
    c::sic_codes,
) {
    (
        c::company_number,
        c::name,
        c::postcode,
        c::category,
        c::status,
        c::account_category,
        c::sic_codes,
    )
}

/// One company of a release, if it holds the number.
pub fn company(
    conn: &mut DbConn,
    release_id: i64,
    number: &str,
) -> QueryResult<Option<CompanyFacts>> {
    let row: Option<FactsRow> = c::table
        .filter(c::release_id.eq(release_id))
        .filter(c::company_number.eq(number))
        .select(fact_columns())
        .first(conn)
        .optional()?;
    Ok(row.map(facts))
}

/// How a supplier was matched to a company.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchedBy {
    CompanyNumber,
    ExactName,
    /// A near miss by name, confirmed by a clerk.
    SimilarName,
}

impl MatchedBy {
    pub fn label(self) -> &'static str {
        match self {
            MatchedBy::CompanyNumber => "company number",
            MatchedBy::ExactName => "exact name",
            MatchedBy::SimilarName => "similar name, confirmed by a clerk",
        }
    }
}

/// Every live supplier matched to a company in the release: by its company
/// number, else by its normalised name where exactly one company has it.
pub fn matches(
    conn: &mut DbConn,
    release_id: i64,
    suppliers: Option<&[i64]>,
) -> QueryResult<Vec<(Supplier, CompanyFacts, MatchedBy)>> {
    let mut by_number = s::table
        .inner_join(
            c::table.on(c::company_number
                .nullable()
                .eq(s::company_number)
                .and(c::release_id.eq(release_id))),
        )
        .filter(s::merged_into.is_null())
        .select((Supplier::as_select(), fact_columns()))
        .into_boxed();
    let mut by_name = s::table
        .inner_join(
            c::table.on(c::normalised_name
                .eq(s::normalised_name)
                .and(c::release_id.eq(release_id))),
        )
        .filter(s::merged_into.is_null())
        .filter(s::company_number.is_null())
        .select((Supplier::as_select(), fact_columns()))
        .into_boxed();
    if let Some(ids) = suppliers {
        by_number = by_number.filter(s::id.eq_any(ids.to_vec()));
        by_name = by_name.filter(s::id.eq_any(ids.to_vec()));
    }
    let numbered: Vec<(Supplier, FactsRow)> = by_number.load(conn)?;
    let named: Vec<(Supplier, FactsRow)> = by_name.load(conn)?;
    let mut per_supplier: HashMap<i64, usize> = HashMap::new();
    for (sup, _) in &named {
        *per_supplier.entry(sup.id).or_default() += 1;
    }
    let mut out: Vec<(Supplier, CompanyFacts, MatchedBy)> = numbered
        .into_iter()
        .map(|(sup, f)| (sup, facts(f), MatchedBy::CompanyNumber))
        .collect();
    out.extend(
        named
            .into_iter()
            .filter(|(sup, _)| per_supplier.get(&sup.id) == Some(&1))
            .map(|(sup, f)| (sup, facts(f), MatchedBy::ExactName)),
    );
    out.sort_by(|a, b| a.0.normalised_name.cmp(&b.0.normalised_name));
    Ok(out)
}
