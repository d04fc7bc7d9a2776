//! Anchor networks: named groups of institutions reported together.

use crate::domain::account::Reach;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use super::areas;
use super::audit::{self, Actor, Change};
use super::schema::{institutions, network_members as m, networks as t};
use super::Error;
use super::{now, write_tx, DbConn};
use crate::domain::classify::propose_tiers;
use crate::domain::geography::Gazetteer;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Serialize)]
#[diesel(table_name = t)]
pub struct Network {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A network with its members' ids, as recorded in the audit log.
#[derive(Debug, Clone, Serialize)]
pub struct NetworkWithMembers {
    #[serde(flatten)]
    pub network: Network,
    pub member_ids: Vec<i64>,
}

#[derive(Debug, Clone)]
pub struct NetworkInput {
    pub name: String,
    pub description: String,
    pub member_ids: Vec<i64>,
}

/// Networks in name order, each with its member institutions' names.
pub fn list(conn: &mut DbConn) -> QueryResult<Vec<(Network, Vec<String>)>> {
    let nets: Vec<Network> = t::table
        .order(t::name.asc())
        .select(Network::as_select())
        .load(conn)?;
    let members: Vec<(i64, String)> = m::table
        .inner_join(institutions::table)
        .select((m::network_id, institutions::name))
        .order(institutions::name.asc())
        .load(conn)?;
    Ok(nets
        .into_iter()
        .map(|n| {
            let names = members
                .iter()
                .filter(|(nid, _)| *nid == n.id)
                .map(|(_, name)| name.clone())
                .collect();
            (n, names)
        })
        .collect())
}

/// The networks, in name order, that a user with this reach may report
/// on: those with a member in it (a member's staff see the aggregate tables,
/// see [`crate::domain::account::NetworkAccess`]); the installation's admins
/// see all.
pub fn visible_to(conn: &mut DbConn, reach: &Reach) -> QueryResult<Vec<(i64, String)>> {
    let all = t::table.select((t::id, t::name)).order(t::name.asc());
    match reach.ids() {
        None => all.load(conn),
        Some(ids) => all
            .filter(
                t::id.eq_any(
                    m::table
                        .filter(m::institution_id.eq_any(ids.to_vec()))
                        .select(m::network_id),
                ),
            )
            .load(conn),
    }
}

pub fn get(conn: &mut DbConn, id: i64) -> QueryResult<NetworkWithMembers> {
    let network = t::table.find(id).select(Network::as_select()).first(conn)?;
    let member_ids = m::table
        .filter(m::network_id.eq(id))
        .select(m::institution_id)
        .order(m::institution_id.asc())
        .load(conn)?;
    Ok(NetworkWithMembers {
        network,
        member_ids,
    })
}

fn set_members(conn: &mut DbConn, network_id: i64, member_ids: &[i64]) -> QueryResult<()> {
    diesel::delete(m::table.filter(m::network_id.eq(network_id))).execute(conn)?;
    for institution_id in member_ids {
        diesel::insert_into(m::table)
            .values((
                m::network_id.eq(network_id),
                m::institution_id.eq(institution_id),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Creates a network; with members, version 1 of its local-area definition
/// is proposed from their home districts.
pub fn create(
    conn: &mut DbConn,
    actor: &Actor,
    input: &NetworkInput,
    gazetteer: &Gazetteer,
) -> Result<NetworkWithMembers, Error> {
    write_tx(conn, |conn| {
        let at = now();
        let id: i64 = diesel::insert_into(t::table)
            .values((
                t::name.eq(&input.name),
                t::description.eq(&input.description),
                t::version.eq(1),
                t::created_at.eq(at),
                t::updated_at.eq(at),
            ))
            .returning(t::id)
            .get_result(conn)?;
        set_members(conn, id, &input.member_ids)?;
        let created = get(conn, id)?;
        audit::record(
            conn,
            actor,
            Change::new("create", "network", id)
                .summary(format!("Created network {}", input.name))
                .after(&created),
        )?;
        let homes: Vec<String> = institutions::table
            .filter(institutions::id.eq_any(&input.member_ids))
            .select(institutions::home_lad)
            .load(conn)?;
        if !homes.is_empty() {
            let tiers = propose_tiers(&homes, gazetteer);
            let note = "Proposed from the members' home districts";
            areas::create_version(
                conn,
                actor,
                areas::Owner::Network(id),
                0,
                &tiers,
                note,
                gazetteer,
            )?;
        }
        Ok(created)
    })
}

pub fn update(
    conn: &mut DbConn,
    actor: &Actor,
    id: i64,
    expected_version: i64,
    input: &NetworkInput,
) -> Result<NetworkWithMembers, Error> {
    write_tx(conn, |conn| {
        let before = get(conn, id)?;
        let claimed = diesel::update(t::table.find(id).filter(t::version.eq(expected_version)))
            .set((
                t::name.eq(&input.name),
                t::description.eq(&input.description),
                t::version.eq(expected_version + 1),
                t::updated_at.eq(now()),
            ))
            .execute(conn)?;
        if claimed == 0 {
            // Edited from an older version, or saved by someone else since.
            return Err(super::stale(conn, "network", id, before.network.updated_at));
        }
        set_members(conn, id, &input.member_ids)?;
        let after = get(conn, id)?;
        audit::record(
            conn,
            actor,
            Change::new("update", "network", id)
                .summary(format!("Updated network {}", input.name))
                .before(&before)
                .after(&after),
        )?;
        Ok(after)
    })
}
