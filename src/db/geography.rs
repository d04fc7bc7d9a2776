//! Reference geography in the database: seeded at start from the files
//! shipped in `data/geo/`, reseeded whenever those files change.

use diesel::prelude::*;
use sha2::{Digest, Sha256};

use super::schema::{geo_areas as a, geo_district_parents as p, geo_successors as s};
use super::{settings, write_tx, DbConn};
use crate::domain::geography::{
    self, Area, AreaKind, DistrictParents, Gazetteer, Reference, Successor,
};

const VERSION_KEY: &str = "geo_reference_sha256";

fn fingerprint(files: &geography::ReferenceFiles<'_>) -> String {
    let mut h = Sha256::new();
    for f in [
        files.districts,
        files.regions,
        files.counties,
        files.countries,
        files.register,
    ] {
        h.update(f.as_bytes());
        h.update([0]);
    }
    hex::encode(h.finalize())
}

/// Loads the shipped reference geography unless the database already holds
/// this exact version. Returns whether it (re)seeded.
pub fn seed(conn: &mut DbConn) -> Result<bool, SeedError> {
    let files = geography::shipped_files();
    let print = fingerprint(&files);
    if settings::get(conn, VERSION_KEY)?.as_deref() == Some(print.as_str()) {
        return Ok(false);
    }
    let reference = geography::parse_reference(&files).map_err(SeedError::Parse)?;
    write_tx(conn, |conn| {
        diesel::delete(a::table).execute(conn)?;
        diesel::delete(p::table).execute(conn)?;
        diesel::delete(s::table).execute(conn)?;
        for area in &reference.areas {
            diesel::insert_into(a::table)
                .values((
                    a::code.eq(&area.code),
                    a::name.eq(&area.name),
                    a::name_welsh.eq(&area.name_welsh),
                    a::kind.eq(area.kind.code()),
                    a::active.eq(area.active),
                    a::ended_on.eq(area.ended_on),
                ))
                .execute(conn)?;
        }
        for parent in &reference.parents {
            diesel::insert_into(p::table)
                .values((
                    p::district_code.eq(&parent.district),
                    p::county_code.eq(&parent.county),
                    p::combined_authority_code.eq(&parent.combined_authority),
                    p::region_code.eq(&parent.region),
                    p::country_code.eq(&parent.country),
                ))
                .execute(conn)?;
        }
        for succ in &reference.successors {
            diesel::insert_into(s::table)
                .values((
                    s::former_code.eq(&succ.former),
                    s::successor_code.eq(&succ.successor),
                    s::changed_on.eq(succ.changed_on),
                ))
                .execute(conn)?;
        }
        settings::set(conn, VERSION_KEY, &print)?;
        Ok::<_, SeedError>(())
    })?;
    Ok(true)
}

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("the shipped reference geography could not be read: {0}")]
    Parse(String),
    #[error("database error while loading reference geography: {0}")]
    Db(#[from] diesel::result::Error),
}

type AreaRow = (
    String,
    String,
    Option<String>,
    String,
    bool,
    Option<chrono::NaiveDate>,
);
type ParentRow = (
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
);

/// The whole reference geography, for classification and pickers.
pub fn load(conn: &mut DbConn) -> QueryResult<Gazetteer> {
    let areas: Vec<AreaRow> = a::table
        .select((
            a::code,
            a::name,
            a::name_welsh,
            a::kind,
            a::active,
            a::ended_on,
        ))
        .load(conn)?;
    let parents: Vec<ParentRow> = p::table
        .select((
            p::district_code,
            p::county_code,
            p::combined_authority_code,
            p::region_code,
            p::country_code,
        ))
        .load(conn)?;
    let successors: Vec<(String, String, Option<chrono::NaiveDate>)> = s::table
        .select((s::former_code, s::successor_code, s::changed_on))
        .load(conn)?;
    Ok(Gazetteer::new(Reference {
        areas: areas
            .into_iter()
            .filter_map(|(code, name, name_welsh, kind, active, ended_on)| {
                Some(Area {
                    code,
                    name,
                    name_welsh,
                    kind: AreaKind::from_code(&kind)?,
                    active,
                    ended_on,
                })
            })
            .collect(),
        parents: parents
            .into_iter()
            .map(
                |(district, county, combined_authority, region, country)| DistrictParents {
                    district,
                    county,
                    combined_authority,
                    region,
                    country,
                },
            )
            .collect(),
        successors: successors
            .into_iter()
            .map(|(former, successor, changed_on)| Successor {
                former,
                successor,
                changed_on,
            })
            .collect(),
    }))
}
