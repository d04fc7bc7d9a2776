//! The published benchmarks reports are read against, kept for the whole
//! instance and edited by network-wide admins; every change audited with
//! before and after.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::audit::{self, Actor, Change};
use super::schema::reference_figures as t;
use super::{now, write_tx, DbConn, Error};
use crate::domain::benchmarks::{Benchmark, BenchmarkInput, BenchmarkMeasure};

#[derive(Queryable, Selectable)]
#[diesel(table_name = t)]
struct Row {
    id: i64,
    label: String,
    collection: String,
    source: String,
    period: String,
    measure: String,
    share_bp: i64,
    spend_pence: Option<i64>,
    local_pence: Option<i64>,
    definition: String,
    version: i64,
    updated_at: NaiveDateTime,
}

/// The columns a save writes, from a checked form.
#[derive(Insertable, AsChangeset)]
#[diesel(table_name = t, treat_none_as_null = true)]
struct Values<'a> {
    label: &'a str,
    collection: &'a str,
    source: &'a str,
    period: &'a str,
    measure: &'static str,
    share_bp: i64,
    spend_pence: Option<i64>,
    local_pence: Option<i64>,
    definition: &'a str,
}

impl<'a> Values<'a> {
    fn of(input: &'a BenchmarkInput) -> Self {
        Values {
            label: &input.label,
            collection: &input.collection,
            source: &input.source,
            period: &input.period,
            measure: input.measure.code(),
            share_bp: input.share_bp,
            spend_pence: input.spend_pence,
            local_pence: input.local_pence,
            definition: &input.definition,
        }
    }
}

impl Row {
    fn benchmark(self) -> Benchmark {
        Benchmark {
            id: self.id,
            label: self.label,
            collection: self.collection,
            source: self.source,
            period: self.period,
            // The table's CHECK keeps the codes to the known ones.
            measure: BenchmarkMeasure::from_code(&self.measure).unwrap_or(BenchmarkMeasure::Local),
            share_bp: self.share_bp,
            spend_pence: self.spend_pence,
            local_pence: self.local_pence,
            definition: self.definition,
            version: self.version,
        }
    }
}

/// Every benchmark, grouped by collection in the order they were added.
pub fn list(conn: &mut DbConn) -> QueryResult<Vec<Benchmark>> {
    let rows: Vec<Row> = t::table
        .select(Row::as_select())
        .order(t::id.asc())
        .load(conn)?;
    let mut list: Vec<Benchmark> = rows.into_iter().map(Row::benchmark).collect();
    // Stable: a collection's entries stay in the order they were added,
    // collections in the order of their first entry.
    let first: Vec<String> = list.iter().map(|b| b.collection.clone()).collect();
    list.sort_by_key(|b| first.iter().position(|c| *c == b.collection));
    Ok(list)
}

pub fn get(conn: &mut DbConn, id: i64) -> QueryResult<Benchmark> {
    Ok(get_row(conn, id)?.benchmark())
}

fn get_row(conn: &mut DbConn, id: i64) -> QueryResult<Row> {
    t::table.find(id).select(Row::as_select()).first(conn)
}

pub fn create(
    conn: &mut DbConn,
    actor: &Actor,
    input: &BenchmarkInput,
) -> Result<Benchmark, Error> {
    write_tx(conn, |conn| {
        let at = now();
        let id: i64 = diesel::insert_into(t::table)
            .values((
                Values::of(input),
                t::version.eq(1),
                t::created_at.eq(at),
                t::updated_at.eq(at),
            ))
            .returning(t::id)
            .get_result(conn)?;
        let created = get(conn, id)?;
        audit::record(
            conn,
            actor,
            Change::new("create", "reference_figure", id)
                .summary(format!("Added the published figure {}", input.label))
                .after(&created),
        )?;
        Ok(created)
    })
}

/// Saves an edit made from `expected_version`; refused as stale if someone
/// saved in between.
pub fn update(
    conn: &mut DbConn,
    actor: &Actor,
    id: i64,
    expected_version: i64,
    input: &BenchmarkInput,
) -> Result<Benchmark, Error> {
    write_tx(conn, |conn| {
        let row = get_row(conn, id)?;
        let saved_at = row.updated_at;
        let before = row.benchmark();
        let claimed = diesel::update(t::table.find(id).filter(t::version.eq(expected_version)))
            .set((
                Values::of(input),
                t::version.eq(expected_version + 1),
                t::updated_at.eq(now()),
            ))
            .execute(conn)?;
        if claimed == 0 {
            return Err(super::stale_edit(
                conn,
                "published figure",
                "reference_figure",
                id,
                saved_at,
            ));
        }
        let after = get(conn, id)?;
        audit::record(
            conn,
            actor,
            Change::new("update", "reference_figure", id)
                .summary(format!("Updated the published figure {}", input.label))
                .before(&before)
                .after(&after),
        )?;
        Ok(after)
    })
}

/// Removes a benchmark seen at `expected_version`.
pub fn delete(
    conn: &mut DbConn,
    actor: &Actor,
    id: i64,
    expected_version: i64,
) -> Result<Benchmark, Error> {
    write_tx(conn, |conn| {
        let row = get_row(conn, id)?;
        let saved_at = row.updated_at;
        let before = row.benchmark();
        let gone = diesel::delete(t::table.find(id).filter(t::version.eq(expected_version)))
            .execute(conn)?;
        if gone == 0 {
            return Err(super::stale_edit(
                conn,
                "published figure",
                "reference_figure",
                id,
                saved_at,
            ));
        }
        audit::record(
            conn,
            actor,
            Change::new("delete", "reference_figure", id)
                .summary(format!("Removed the published figure {}", before.label))
                .before(&before),
        )?;
        Ok(before)
    })
}
