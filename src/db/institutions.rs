//! Anchor institutions.

use crate::domain::account::Reach;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use super::areas;
use super::audit::{self, Actor, Change};
use super::schema::institutions as t;
use super::Error;
use super::{now, write_tx, DbConn};
use crate::domain::classify::propose_tiers;
use crate::domain::geography::Gazetteer;
use crate::domain::institution::{InstitutionInput, InstitutionKind};

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Serialize)]
#[diesel(table_name = t)]
pub struct Institution {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub home_lad: String,
    pub fy_start_month: i32,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Institution {
    pub fn kind_label(&self) -> &str {
        match InstitutionKind::from_code(&self.kind) {
            Some(kind) => kind.label(),
            None => &self.kind,
        }
    }
}

/// The institutions a user's reach covers, in name order.
pub fn list(conn: &mut DbConn, reach: &Reach) -> QueryResult<Vec<Institution>> {
    let mut q = t::table.into_boxed();
    if let Some(ids) = reach.ids() {
        q = q.filter(t::id.eq_any(ids.to_vec()));
    }
    q.order(t::name.asc())
        .select(Institution::as_select())
        .load(conn)
}

pub fn get(conn: &mut DbConn, id: i64) -> QueryResult<Institution> {
    t::table
        .find(id)
        .select(Institution::as_select())
        .first(conn)
}

pub fn find_by_name(conn: &mut DbConn, name: &str) -> QueryResult<Option<Institution>> {
    t::table
        .filter(t::name.eq(name))
        .select(Institution::as_select())
        .first(conn)
        .optional()
}

/// Creates an institution with version 1 of its local-area definition,
/// proposed from its home district.
pub fn create(
    conn: &mut DbConn,
    actor: &Actor,
    input: &InstitutionInput,
    gazetteer: &Gazetteer,
) -> Result<Institution, Error> {
    write_tx(conn, |conn| {
        let at = now();
        let created: Institution = diesel::insert_into(t::table)
            .values((
                t::name.eq(&input.name),
                t::kind.eq(input.kind.code()),
                t::home_lad.eq(input.home_lad.as_str()),
                t::fy_start_month.eq(input.fy_start_month),
                t::version.eq(1),
                t::created_at.eq(at),
                t::updated_at.eq(at),
            ))
            .get_result(conn)?;
        audit::record(
            conn,
            actor,
            Change::new("create", "institution", created.id)
                .institution(Some(created.id))
                .summary(format!("Created institution {}", created.name))
                .after(&created),
        )?;
        let tiers = propose_tiers(std::slice::from_ref(&created.home_lad), gazetteer);
        let owner = areas::Owner::Institution(created.id);
        areas::create_version(
            conn,
            actor,
            owner,
            0,
            &tiers,
            "Proposed from the home district",
            gazetteer,
        )?;
        Ok(created)
    })
}

/// Saves an edit made from `expected_version`. If someone saved in between,
/// nothing is written and the error says so.
pub fn update(
    conn: &mut DbConn,
    actor: &Actor,
    id: i64,
    expected_version: i64,
    input: &InstitutionInput,
) -> Result<Institution, Error> {
    write_tx(conn, |conn| {
        let before = get(conn, id)?;
        let after: Option<Institution> =
            diesel::update(t::table.find(id).filter(t::version.eq(expected_version)))
                .set((
                    t::name.eq(&input.name),
                    t::kind.eq(input.kind.code()),
                    t::home_lad.eq(input.home_lad.as_str()),
                    t::fy_start_month.eq(input.fy_start_month),
                    t::version.eq(expected_version + 1),
                    t::updated_at.eq(now()),
                ))
                .get_result(conn)
                .optional()?;
        let Some(after) = after else {
            // Edited from an older version, or saved by someone else since.
            return Err(super::stale(conn, "institution", id, before.updated_at));
        };
        if after.fy_start_month != before.fy_start_month {
            // Its kept totals count years from the new month.
            super::totals::recount_institution(conn, id)?;
        }
        audit::record(
            conn,
            actor,
            Change::new("update", "institution", id)
                .institution(Some(id))
                .summary(format!("Updated institution {}", after.name))
                .before(&before)
                .after(&after),
        )?;
        Ok(after)
    })
}
