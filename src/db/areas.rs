//! Local-area definitions: per institution or network, numbered versions of
//! ordered cumulative tiers. Editing makes a new version; a version never
//! changes, and its districts are frozen when it is made, so a report that
//! used it can always be reproduced.

use std::collections::BTreeSet;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use super::audit::{self, Actor, Change};
use super::schema::{
    area_definitions as d, area_tier_codes as c, area_tier_districts as td, area_tiers as t,
};
use super::Error;
use super::{now, write_tx, DbConn};
use crate::domain::classify::{Definition, TierDef};
use crate::domain::geography::Gazetteer;

/// Whose definition it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Owner {
    Institution(i64),
    Network(i64),
}

impl Owner {
    pub fn parts(self) -> (&'static str, i64) {
        match self {
            Owner::Institution(id) => ("institution", id),
            Owner::Network(id) => ("network", id),
        }
    }

    pub fn institution(self) -> Option<i64> {
        match self {
            Owner::Institution(id) => Some(id),
            Owner::Network(_) => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredTier {
    pub position: i32,
    pub name: String,
    /// The areas chosen for this tier.
    pub codes: Vec<String>,
    /// Every district the tier covers, cumulative, as frozen at creation.
    pub districts: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DefinitionVersion {
    pub id: i64,
    pub owner_kind: String,
    pub owner_id: i64,
    pub version: i64,
    pub note: String,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub tiers: Vec<StoredTier>,
}

impl DefinitionVersion {
    /// The definition as classification uses it.
    pub fn to_definition(&self) -> Definition {
        Definition {
            id: self.id,
            version: self.version,
            tiers: self
                .tiers
                .iter()
                .map(|t| TierDef {
                    name: t.name.clone(),
                    districts: t.districts.iter().cloned().collect(),
                })
                .collect(),
        }
    }
}

type Header = (i64, String, i64, i64, String, String, NaiveDateTime);

fn header_columns() -> (
    d::id,
    d::owner_kind,
    d::owner_id,
    d::version,
    d::note,
    d::created_by,
    d::created_at,
) {
    (
        d::id,
        d::owner_kind,
        d::owner_id,
        d::version,
        d::note,
        d::created_by,
        d::created_at,
    )
}

fn with_tiers(conn: &mut DbConn, h: Header) -> QueryResult<DefinitionVersion> {
    let (id, owner_kind, owner_id, version, note, created_by, created_at) = h;
    let names: Vec<(i32, String)> = t::table
        .filter(t::definition_id.eq(id))
        .order(t::position)
        .select((t::position, t::name))
        .load(conn)?;
    let codes: Vec<(i32, String)> = c::table
        .filter(c::definition_id.eq(id))
        .select((c::position, c::code))
        .load(conn)?;
    let districts: Vec<(i32, String)> = td::table
        .filter(td::definition_id.eq(id))
        .select((td::position, td::district_code))
        .load(conn)?;
    let pick = |rows: &[(i32, String)], pos: i32| {
        rows.iter()
            .filter(|(p, _)| *p == pos)
            .map(|(_, v)| v.clone())
            .collect::<Vec<_>>()
    };
    let tiers = names
        .into_iter()
        .map(|(position, name)| StoredTier {
            position,
            name,
            codes: pick(&codes, position),
            districts: pick(&districts, position),
        })
        .collect();
    Ok(DefinitionVersion {
        id,
        owner_kind,
        owner_id,
        version,
        note,
        created_by,
        created_at,
        tiers,
    })
}

/// The owner's latest version, if it has one.
pub fn current(conn: &mut DbConn, owner: Owner) -> QueryResult<Option<DefinitionVersion>> {
    let (kind, id) = owner.parts();
    let header: Option<Header> = d::table
        .filter(d::owner_kind.eq(kind))
        .filter(d::owner_id.eq(id))
        .order(d::version.desc())
        .select(header_columns())
        .first(conn)
        .optional()?;
    header.map(|h| with_tiers(conn, h)).transpose()
}

pub fn get(conn: &mut DbConn, definition_id: i64) -> QueryResult<DefinitionVersion> {
    let header: Header = d::table
        .find(definition_id)
        .select(header_columns())
        .first(conn)?;
    with_tiers(conn, header)
}

/// One line of a definition's history.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct VersionSummary {
    pub id: i64,
    pub version: i64,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub note: String,
}

/// Every version of the owner's definition, newest first (without tiers).
pub fn history(conn: &mut DbConn, owner: Owner) -> QueryResult<Vec<VersionSummary>> {
    let (kind, id) = owner.parts();
    d::table
        .filter(d::owner_kind.eq(kind))
        .filter(d::owner_id.eq(id))
        .order(d::version.desc())
        .select((d::id, d::version, d::created_by, d::created_at, d::note))
        .load(conn)
}

/// Saves a new version built from each tier's chosen areas, expanding them to
/// districts now. `expected_version` is the version the editor started from
/// (0 for none); if someone saved since, nothing is written.
pub fn create_version(
    conn: &mut DbConn,
    actor: &Actor,
    owner: Owner,
    expected_version: i64,
    tiers: &[(String, Vec<String>)],
    note: &str,
    gazetteer: &Gazetteer,
) -> Result<DefinitionVersion, Error> {
    let (kind, owner_id) = owner.parts();
    write_tx(conn, |conn| {
        let before = current(conn, owner)?;
        let latest = before.as_ref().map_or(0, |b| b.version);
        if latest != expected_version {
            return Err(Error::Conflict(format!(
                "Someone else saved version {latest} of this definition while you were editing. \
                 Your changes have not been saved: check the current tiers and submit again."
            )));
        }
        let id: i64 = diesel::insert_into(d::table)
            .values((
                d::owner_kind.eq(kind),
                d::owner_id.eq(owner_id),
                d::version.eq(latest + 1),
                d::note.eq(note),
                d::created_by.eq(&actor.name),
                d::created_at.eq(now()),
            ))
            .returning(d::id)
            .get_result(conn)?;
        let mut so_far = BTreeSet::new();
        for (i, (name, codes)) in tiers.iter().enumerate() {
            let position = i as i32 + 1;
            diesel::insert_into(t::table)
                .values((
                    t::definition_id.eq(id),
                    t::position.eq(position),
                    t::name.eq(name),
                ))
                .execute(conn)?;
            let unique: BTreeSet<&String> = codes.iter().collect();
            for code in unique {
                diesel::insert_into(c::table)
                    .values((
                        c::definition_id.eq(id),
                        c::position.eq(position),
                        c::code.eq(code),
                    ))
                    .execute(conn)?;
                so_far.extend(gazetteer.districts_in(code));
            }
            for district in &so_far {
                diesel::insert_into(td::table)
                    .values((
                        td::definition_id.eq(id),
                        td::position.eq(position),
                        td::district_code.eq(district),
                    ))
                    .execute(conn)?;
            }
        }
        let after = get(conn, id)?;
        let summary = format!(
            "Local-area definition version {} for {kind} {owner_id}: {}",
            after.version,
            after
                .tiers
                .iter()
                .map(|t| t.name.as_str())
                .collect::<Vec<_>>()
                .join(" ⊂ ")
        );
        audit::record(
            conn,
            actor,
            Change::new("create", "area_definition", id)
                .institution(owner.institution())
                .summary(summary)
                .before(&before)
                .after(&after),
        )?;
        Ok(after)
    })
}
