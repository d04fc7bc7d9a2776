//! The postcode lookup as a kind of reference release ([`super::release`]):
//! ONSPD, NSPL or Code-Point Open files, what a load learns of them (the
//! layouts, terminated postcodes, the edition of the English IMD), and the
//! suppliers located again once the release is in use.

use std::collections::BTreeSet;
use std::path::Path;

use super::postcodes::{read_file, ReadError};
use super::release::{self, Reference, Rows};
use super::sources::SourceError;
use crate::db::audit::Actor;
use crate::db::postcodes::{self, Release, ReleaseFacts};
use crate::db::DbConn;
use crate::domain::reference::PostcodeRow;

/// LSOAs ranked by the English Indices of Deprivation 2019 and 2025.
const IOD2019_LSOAS: i32 = 32_844;
const IOD2025_LSOAS: i32 = 33_755;

impl crate::jobs::JobError for PostcodeImportError {
    fn is_internal(&self) -> bool {
        matches!(self, Self::Db(_))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PostcodeImportError {
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error(transparent)]
    Read(#[from] ReadError),
    #[error(
        "{file}: a postcode appears twice in this import (in the rows just before row {row}). \
         Import each release once: the whole-UK file or its split copies, not both"
    )]
    Duplicate { file: String, row: u64 },
    #[error("no postcodes found in the files given")]
    Empty,
    #[error("database error: {0}")]
    Db(#[from] diesel::result::Error),
}

#[derive(Default)]
struct Tally {
    rows: i64,
    terminated: i64,
    max_english_imd: Option<i32>,
}

impl Tally {
    fn observe(&mut self, row: &PostcodeRow) {
        self.rows += 1;
        if row.terminated.is_some() {
            self.terminated += 1;
        }
        let english = row.country.as_deref() == Some("E92000001")
            || row.district.as_deref().is_some_and(|d| d.starts_with('E'));
        if english {
            if let Some(rank) = row.imd_rank {
                self.max_english_imd = Some(self.max_english_imd.map_or(rank, |m| m.max(rank)));
            }
        }
    }

    /// Which edition of the English IMD the ranks come from, by the number of
    /// LSOAs ranked: deciles are computed against it.
    fn imd_lsoa_count(&self) -> Option<i32> {
        self.max_english_imd.map(|m| {
            if m > IOD2019_LSOAS {
                IOD2025_LSOAS
            } else {
                IOD2019_LSOAS
            }
        })
    }
}

/// The postcode lookup, as a kind of release.
pub struct PostcodeLookup;

impl Reference for PostcodeLookup {
    type Row = PostcodeRow;
    type Release = Release;
    type Facts = ReleaseFacts;
    type Error = PostcodeImportError;

    const WHAT: &'static str = "postcode lookup";
    const JOB_KIND: &'static str = "postcode_import";

    fn begin(
        conn: &mut DbConn,
        name: &str,
        files: &str,
        imported_by: &str,
    ) -> diesel::QueryResult<i64> {
        postcodes::begin_release(conn, name, files, imported_by)
    }

    fn insert_rows(
        conn: &mut DbConn,
        release_id: i64,
        rows: &[PostcodeRow],
    ) -> diesel::QueryResult<usize> {
        postcodes::insert_rows(conn, release_id, rows)
    }

    fn duplicate(file: &str, row: u64) -> PostcodeImportError {
        PostcodeImportError::Duplicate {
            file: file.to_owned(),
            row,
        }
    }

    fn load(
        rows: &mut Rows<'_, Self>,
        paths: &[&Path],
        total: u64,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<ReleaseFacts, PostcodeImportError> {
        let mut tally = Tally::default();
        let layouts: BTreeSet<&str> = rows
            .read_all(
                paths,
                total,
                progress,
                &mut |row| tally.observe(row),
                &mut |file, reader, sink, bytes| {
                    read_file(file, reader, sink, bytes).map(|(layout, _)| layout.label())
                },
            )?
            .into_iter()
            .collect();
        if tally.rows == 0 {
            return Err(PostcodeImportError::Empty);
        }
        Ok(ReleaseFacts {
            source_format: layouts.into_iter().collect::<Vec<_>>().join(", "),
            row_count: tally.rows,
            terminated_count: tally.terminated,
            imd_lsoa_count: tally.imd_lsoa_count(),
        })
    }

    fn activate(
        conn: &mut DbConn,
        actor: &Actor,
        release_id: i64,
        facts: &ReleaseFacts,
    ) -> Result<Release, PostcodeImportError> {
        let release = postcodes::activate(conn, actor, release_id, facts)?;
        // Every supplier is located again through the release now in use
        // (reports say so until this is done).
        crate::db::locations::refresh_stale(conn)?;
        Ok(release)
    }

    fn abandon(conn: &mut DbConn, release_id: i64) -> diesel::QueryResult<()> {
        postcodes::abandon(conn, release_id)
    }

    fn in_use(r: &Release) -> String {
        format!(
            "Release {} in use: {} postcodes ({} terminated).",
            r.name, r.row_count, r.terminated_count
        )
    }
}

/// Imports `paths` as one postcode lookup release called `name` and puts it
/// in use (see [`release::import`]).
pub fn import_release(
    conn: &mut DbConn,
    paths: &[impl AsRef<Path>],
    name: &str,
    actor: &Actor,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Release, PostcodeImportError> {
    release::import::<PostcodeLookup>(conn, paths, name, actor, progress)
}
