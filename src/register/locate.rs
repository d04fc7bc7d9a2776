//! Locating suppliers against the database: the active postcode lookup
//! release feeding the pure classification in `domain::classify`.

use diesel::QueryResult;

use crate::db::postcodes::{self, PostcodeRecord, Release};
use crate::db::DbConn;
use crate::domain::classify::{
    classify, Classification, Definition, LocationInput, Lookup, LookupRecord,
};
use crate::domain::geography::Gazetteer;
use crate::domain::postcode::Postcode;

impl From<PostcodeRecord> for LookupRecord {
    fn from(r: PostcodeRecord) -> Self {
        Self {
            district: r.district_code,
            ward: r.ward_code,
            lsoa: r.lsoa_code,
            region: r.region_code,
            country: r.country_code,
            imd_rank: r.imd_rank,
            terminated: r.terminated,
        }
    }
}

/// Classifies one supplier with the lookup release in use, returning the
/// release too so the result can be stamped with it.
pub fn locate(
    conn: &mut DbConn,
    gazetteer: &Gazetteer,
    definition: &Definition,
    input: &LocationInput,
) -> QueryResult<(Classification, Option<Release>)> {
    let release = postcodes::active(conn)?;
    // Only the postcode the basis names is ever looked up.
    let record = match (
        &release,
        input.postcodes.for_basis(input.basis).map(Postcode::parse),
    ) {
        (Some(r), Some(Ok(pc))) if input.manual.is_none() => {
            postcodes::find(conn, r.id, pc.as_str())?
        }
        _ => None,
    };
    let find = move |_: &str| record.clone().map(LookupRecord::from);
    let lookup = release.as_ref().map(|r| Lookup {
        release: &r.name,
        imd_lsoa_count: r.imd_lsoa_count,
        find: &find,
    });
    let classification = classify(input, definition, lookup.as_ref(), gazetteer);
    Ok((classification, release))
}
