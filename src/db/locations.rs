//! Where suppliers are, as derived data: each supplier's postcode (or manual
//! location) resolved through the lookup release in use. A trigger on
//! `suppliers` queues every supplier inserted or updated, and
//! [`resolve_queued`] works the queue out at the end of every write
//! transaction ([`super::write_tx`]), in the same transaction as the change,
//! so a reclassification shows at once and no read ever writes. Only a switch
//! of postcode release leaves locations to work out again: [`refresh_stale`]
//! does that in the background, and [`pending`] tells reports it is under way.

use diesel::prelude::*;
use diesel::sql_types::BigInt;

use super::postcodes::{self, Release};
use super::schema::supplier_locations as l;
use super::suppliers;
use super::{batch_insert, now, write_tx, DbConn};
use crate::domain::classify::{
    classify, Classification, Definition, LocationInput, Lookup, LookupRecord, Placement,
};
use crate::domain::geography::{shipped_gazetteer, Gazetteer};
use crate::domain::postcode::Postcode;

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

/// Within a write transaction: resolves the suppliers the change queued, and
/// takes them off the queue. Cheap when nothing was queued (one read).
pub fn resolve_queued(conn: &mut DbConn) -> QueryResult<()> {
    use super::schema::supplier_location_queue as q;
    let ids: Vec<i64> = q::table.select(q::supplier_id).load(conn)?;
    if ids.is_empty() {
        return Ok(());
    }
    let release = postcodes::active(conn)?;
    for chunk in ids.chunks(1_000) {
        diesel::delete(q::table.filter(q::supplier_id.eq_any(chunk))).execute(conn)?;
        resolve(conn, shipped_gazetteer(), release.as_ref(), chunk)?;
    }
    bump_facts_version(conn)
}

/// The suppliers whose stored locations still wait to be worked out again:
/// queued, or resolved against another postcode release than the one in use.
/// The release is written into the statement as ranges around it, so the
/// index on `release_id` answers (an `IS DISTINCT FROM` a subquery scans every
/// location).
fn stale_sql(conn: &mut DbConn) -> QueryResult<String> {
    let other_release = match postcodes::active(conn)? {
        Some(r) => format!(
            "release_id IS NULL OR release_id < {0} OR release_id > {0}",
            r.id
        ),
        None => "release_id IS NOT NULL".to_owned(),
    };
    Ok(format!(
        "SELECT supplier_id FROM supplier_location_queue \
         UNION SELECT supplier_id FROM supplier_locations WHERE {other_release}"
    ))
}

/// How many suppliers' stored locations still wait to be worked out again:
/// non-zero only while a release switch is being caught up with. Asked by
/// every report: one counting query on the index.
pub fn pending(conn: &mut DbConn) -> QueryResult<i64> {
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let stale = stale_sql(conn)?;
    let count: Count =
        diesel::sql_query(format!("SELECT COUNT(*) AS n FROM ({stale}) stale")).get_result(conn)?;
    Ok(count.n)
}

fn stale_ids(conn: &mut DbConn) -> QueryResult<Vec<i64>> {
    let stale = stale_sql(conn)?;
    let ids: Vec<Id> = diesel::sql_query(format!(
        "SELECT supplier_id AS id FROM ({stale}) stale ORDER BY supplier_id"
    ))
    .load(conn)?;
    Ok(ids.into_iter().map(|r| r.id).collect())
}

fn bump_facts_version(conn: &mut DbConn) -> QueryResult<()> {
    use super::schema::supplier_facts_version as v;
    diesel::update(v::table)
        .set(v::version.eq(v::version + 1))
        .execute(conn)?;
    Ok(())
}

/// Resolves every supplier whose stored location is missing or stale: those
/// still queued and those resolved against another lookup release, a
/// thousand per transaction so no transaction holds the write lock for long.
/// Run after a postcode release switch, in the background. Returns how many
/// were resolved.
pub fn refresh_stale(conn: &mut DbConn) -> QueryResult<usize> {
    use super::schema::supplier_location_queue as q;
    let release = postcodes::active(conn)?;
    let ids = stale_ids(conn)?;
    for chunk in ids.chunks(1_000) {
        write_tx(conn, |conn| {
            // Out of the queue before the suppliers are read: a change made
            // meanwhile queues its supplier again.
            diesel::delete(q::table.filter(q::supplier_id.eq_any(chunk))).execute(conn)?;
            resolve(conn, shipped_gazetteer(), release.as_ref(), chunk)?;
            bump_facts_version(conn)
        })?;
    }
    Ok(ids.len())
}

/// Where a supplier's location input places it, through the lookup release
/// in use. Tiers belong to each institution's definition; here only the place.
fn place(
    conn: &mut DbConn,
    gazetteer: &Gazetteer,
    release: Option<&Release>,
    input: &LocationInput,
) -> QueryResult<Classification> {
    let record = match (
        release,
        input.postcodes.for_basis(input.basis).map(Postcode::parse),
    ) {
        (Some(r), Some(Ok(pc))) if input.manual.is_none() => {
            postcodes::find(conn, r.id, pc.as_str())?
        }
        _ => None,
    };
    let find = move |_: &str| record.clone().map(LookupRecord::from);
    let lookup = release.map(|r| Lookup {
        release: &r.name,
        imd_lsoa_count: r.imd_lsoa_count,
        find: &find,
    });
    let no_tiers = Definition {
        id: 0,
        version: 0,
        tiers: Vec::new(),
    };
    Ok(classify(input, &no_tiers, lookup.as_ref(), gazetteer))
}

fn resolve(
    conn: &mut DbConn,
    gazetteer: &Gazetteer,
    release: Option<&Release>,
    ids: &[i64],
) -> QueryResult<()> {
    diesel::delete(l::table.filter(l::supplier_id.eq_any(ids))).execute(conn)?;
    let at = now();
    // A merged supplier's spend counts with the one it was merged into.
    let mut placed = Vec::with_capacity(ids.len());
    for supplier in suppliers::get_many(conn, ids)?
        .into_iter()
        .filter(|s| s.merged_into.is_none())
    {
        let c = place(conn, gazetteer, release, &supplier.location_input(None))?;
        let unknown = match &c.placement {
            Placement::Unknown(reason) => Some(reason.to_string()),
            _ => None,
        };
        placed.push((supplier.id, c, unknown));
    }
    // Sixteen values a row: a few hundred rows per statement.
    for chunk in placed.chunks(500) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|(id, c, unknown)| {
                (
                    l::supplier_id.eq(*id),
                    l::release_id.eq(release.map(|r| r.id)),
                    l::postcode.eq(&c.postcode),
                    l::district_code.eq(&c.district),
                    l::former_district_code.eq(&c.former_district),
                    l::ward_code.eq(&c.ward),
                    l::lsoa_code.eq(&c.lsoa),
                    l::region_code.eq(&c.region),
                    l::country_code.eq(&c.country),
                    l::imd_rank.eq(c.imd_rank),
                    l::imd_decile.eq(c.imd_decile.map(i32::from)),
                    l::terminated.eq(&c.terminated),
                    l::manual.eq(c.manual),
                    l::outside_uk.eq(c.placement == Placement::OutsideUk),
                    l::unknown_reason.eq(unknown),
                    l::resolved_at.eq(at),
                )
            })
            .collect();
        batch_insert!(conn, l::table, &rows)?;
    }
    Ok(())
}

/// Where a supplier would be placed if located by `basis` instead of its
/// own basis: for the report's sensitivity table. A supplier with no postcode
/// for that basis (and no manual location) keeps its own placement.
pub fn under_basis(
    conn: &mut DbConn,
    gazetteer: &Gazetteer,
    release: Option<&Release>,
    supplier: &suppliers::Supplier,
    basis: crate::domain::classify::LocationBasis,
    own: Option<&super::report::Located>,
) -> QueryResult<Option<super::report::Located>> {
    let mut input = supplier.location_input(None);
    // A supplier placed by hand, with no postcode of this kind, or with the
    // same postcode for it as for its own basis is where it already is.
    let alternative = input.postcodes.for_basis(basis);
    if input.manual.is_some()
        || alternative.is_none()
        || alternative == input.postcodes.for_basis(input.basis)
    {
        return Ok(own.cloned());
    }
    input.basis = basis;
    let c = place(conn, gazetteer, release, &input)?;
    Ok(Some(super::report::Located {
        supplier_id: supplier.id,
        postcode: c.postcode.clone(),
        district_code: c.district.clone(),
        outside_uk: c.placement == Placement::OutsideUk,
        unknown_reason: match &c.placement {
            Placement::Unknown(reason) => Some(reason.to_string()),
            _ => None,
        },
        imd_decile: c.imd_decile.map(i32::from),
        terminated: c.terminated.clone(),
    }))
}

/// Where a supplier is now, in words for the clerk who just saved it: "PR1
/// 2HE, in Preston", "outside the UK", or why the location is unknown
/// ("SE1 7JB: postcode not in the lookup, so its location is unknown").
pub fn described(
    conn: &mut DbConn,
    supplier_id: i64,
    gazetteer: &Gazetteer,
) -> QueryResult<String> {
    // Postcode, district, outside the UK, placed by hand, why unknown.
    type Row = (Option<String>, Option<String>, bool, bool, Option<String>);
    let row: Option<Row> = l::table
        .find(supplier_id)
        .select((
            l::postcode,
            l::district_code,
            l::outside_uk,
            l::manual,
            l::unknown_reason,
        ))
        .first(conn)
        .optional()?;
    Ok(match row {
        None => "its location is still being worked out".into(),
        Some((postcode, _, _, _, Some(reason))) => match postcode {
            Some(pc) => format!("{pc}: {reason}, so its location is unknown"),
            None => format!("{reason}, so its location is unknown"),
        },
        Some((_, _, true, _, None)) => "located outside the UK".into(),
        Some((postcode, Some(district), false, manual, None)) => {
            let name = gazetteer.name(&district).to_owned();
            match (postcode, manual) {
                (Some(pc), false) => format!("{pc}, in {name}"),
                _ => format!("placed by hand in {name}"),
            }
        }
        Some((_, None, false, _, None)) => "its location is unknown".into(),
    })
}
