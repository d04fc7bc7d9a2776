//! The postcode lookup. Each import is a release: its rows load alongside the
//! active release and replace it in one short transaction only when the whole
//! load has succeeded, so a failed or interrupted import leaves the old
//! release in use.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use super::audit::{self, Actor, Change};
use super::schema::{postcode_releases as r, postcodes as p};
use super::{batch_insert, now, releases, write_tx, DbConn};
use crate::domain::reference::PostcodeRow;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Serialize)]
#[diesel(table_name = r)]
pub struct Release {
    pub id: i64,
    pub name: String,
    pub source_format: String,
    pub files: String,
    pub status: String,
    pub row_count: i64,
    pub terminated_count: i64,
    pub imd_lsoa_count: Option<i32>,
    pub imported_by: String,
    pub started_at: NaiveDateTime,
    pub activated_at: Option<NaiveDateTime>,
}

/// One postcode as the lookup holds it.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = p)]
pub struct PostcodeRecord {
    pub postcode: String,
    pub district_code: Option<String>,
    pub ward_code: Option<String>,
    pub lsoa_code: Option<String>,
    pub county_code: Option<String>,
    pub region_code: Option<String>,
    pub country_code: Option<String>,
    pub imd_rank: Option<i32>,
    pub terminated: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
}

/// Starts a release in the `importing` state, first clearing away rows left
/// by failed or abandoned imports.
pub fn begin_release(
    conn: &mut DbConn,
    name: &str,
    files: &str,
    imported_by: &str,
) -> QueryResult<i64> {
    releases::clear_failed(conn, releases::POSTCODES)?;
    diesel::insert_into(r::table)
        .values((
            r::name.eq(name),
            r::source_format.eq(""),
            r::files.eq(files),
            r::status.eq("importing"),
            r::imported_by.eq(imported_by),
            r::started_at.eq(now()),
        ))
        .returning(r::id)
        .get_result(conn)
}

/// Adds rows to a release being imported. Each call is its own short
/// transaction, so a long import never holds the write lock for long.
pub fn insert_rows(conn: &mut DbConn, release_id: i64, rows: &[PostcodeRow]) -> QueryResult<usize> {
    let values: Vec<_> = rows
        .iter()
        .map(|row| {
            (
                p::release_id.eq(release_id),
                p::postcode.eq(&row.postcode),
                p::district_code.eq(&row.district),
                p::ward_code.eq(&row.ward),
                p::lsoa_code.eq(&row.lsoa),
                p::county_code.eq(&row.county),
                p::region_code.eq(&row.region),
                p::country_code.eq(&row.country),
                p::imd_rank.eq(row.imd_rank),
                p::terminated.eq(&row.terminated),
                p::latitude.eq(row.latitude),
                p::longitude.eq(row.longitude),
            )
        })
        .collect();
    batch_insert!(conn, p::table, &values)
}

/// What an import learnt about its release, recorded on activation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ReleaseFacts {
    pub source_format: String,
    pub row_count: i64,
    pub terminated_count: i64,
    pub imd_lsoa_count: Option<i32>,
}

/// Makes a fully loaded release the one in use, retiring the previous one,
/// in one transaction with its audit record; then deletes the retired rows.
pub fn activate(
    conn: &mut DbConn,
    actor: &Actor,
    release_id: i64,
    facts: &ReleaseFacts,
) -> Result<Release, diesel::result::Error> {
    let (release, retired) = write_tx(conn, |conn| {
        let before = active(conn)?;
        let retired = releases::supersede_active(conn, releases::POSTCODES)?;
        let release: Release = diesel::update(r::table.find(release_id))
            .set((
                r::status.eq("active"),
                r::source_format.eq(&facts.source_format),
                r::row_count.eq(facts.row_count),
                r::terminated_count.eq(facts.terminated_count),
                r::imd_lsoa_count.eq(facts.imd_lsoa_count),
                r::activated_at.eq(now()),
            ))
            .get_result(conn)?;
        audit::record(
            conn,
            actor,
            Change::new("activate", "postcode_release", release_id)
                .summary(format!(
                    "Postcode lookup release {} in use ({} postcodes)",
                    release.name, release.row_count
                ))
                .before(&before)
                .after(&release),
        )?;
        Ok::<_, diesel::result::Error>((release, retired))
    })?;
    if let Some(old) = retired {
        releases::delete_rows(conn, releases::POSTCODES, old)?;
    }
    Ok(release)
}

/// Marks a release failed and removes its rows; the active release is untouched.
pub fn abandon(conn: &mut DbConn, release_id: i64) -> QueryResult<()> {
    releases::abandon(conn, releases::POSTCODES, release_id)
}

/// The release in use, if any.
pub fn active(conn: &mut DbConn) -> QueryResult<Option<Release>> {
    r::table
        .filter(r::status.eq("active"))
        .select(Release::as_select())
        .first(conn)
        .optional()
}

/// Releases, newest first.
pub fn releases(conn: &mut DbConn) -> QueryResult<Vec<Release>> {
    r::table
        .order(r::id.desc())
        .limit(50)
        .select(Release::as_select())
        .load(conn)
}

pub fn find(
    conn: &mut DbConn,
    release_id: i64,
    postcode: &str,
) -> QueryResult<Option<PostcodeRecord>> {
    p::table
        .filter(p::release_id.eq(release_id))
        .filter(p::postcode.eq(postcode))
        .select(PostcodeRecord::as_select())
        .first(conn)
        .optional()
}

pub fn count(conn: &mut DbConn, release_id: i64) -> QueryResult<i64> {
    p::table
        .filter(p::release_id.eq(release_id))
        .count()
        .get_result(conn)
}
