//! Values an institution's files propose for suppliers, kept until a clerk
//! decides (see [`crate::register::proposals`]).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::audit::Actor;
use crate::db::schema::supplier_proposals as p;
use crate::db::{now, DbConn};

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = p)]
pub struct StoredProposal {
    pub id: i64,
    pub supplier_id: i64,
    pub institution_id: i64,
    pub field: String,
    pub value: String,
    pub provenance: String,
    pub status: String,
    pub proposed_by: String,
    pub proposed_at: NaiveDateTime,
    pub decided_by: Option<String>,
    pub decided_at: Option<NaiveDateTime>,
}

/// A proposal to store: (supplier, field code, value, provenance).
pub type NewProposal = (i64, &'static str, String, String);

/// Stores the proposals one of an institution's files (`what`) makes,
/// leaving out any its open proposals already hold (the same supplier,
/// field and value), with one audit row naming the file. Call inside the
/// transaction that reads the file. Returns how many were new.
pub fn add_proposals(
    conn: &mut DbConn,
    actor: &Actor,
    institution_id: i64,
    what: &str,
    proposals: &[NewProposal],
) -> QueryResult<usize> {
    let added = insert_new(conn, actor, institution_id, proposals)?;
    let suppliers: std::collections::HashSet<i64> = proposals.iter().map(|p| p.0).collect();
    crate::db::audit::record(
        conn,
        actor,
        crate::db::audit::Change::new("create", "supplier_proposal", institution_id)
            .institution(Some(institution_id))
            .summary(format!(
                "{what}: {added} proposal(s) for {} supplier(s)",
                suppliers.len()
            )),
    )?;
    Ok(added)
}

fn insert_new(
    conn: &mut DbConn,
    actor: &Actor,
    institution_id: i64,
    proposals: &[NewProposal],
) -> QueryResult<usize> {
    let mut added = 0;
    for (supplier_id, field, value, provenance) in proposals {
        let already: i64 = p::table
            .filter(p::institution_id.eq(institution_id))
            .filter(p::status.eq("open"))
            .filter(p::supplier_id.eq(supplier_id))
            .filter(p::field.eq(field))
            .filter(p::value.eq(value))
            .count()
            .get_result(conn)?;
        if already > 0 {
            continue;
        }
        diesel::insert_into(p::table)
            .values((
                p::supplier_id.eq(supplier_id),
                p::institution_id.eq(institution_id),
                p::field.eq(field),
                p::value.eq(value),
                p::provenance.eq(provenance),
                p::status.eq("open"),
                p::proposed_by.eq(&actor.name),
                p::proposed_at.eq(now()),
            ))
            .execute(conn)?;
        added += 1;
    }
    Ok(added)
}

/// An institution's open proposals (all of them for `None`), by supplier.
pub fn proposals_open(
    conn: &mut DbConn,
    institution_id: Option<i64>,
) -> QueryResult<Vec<StoredProposal>> {
    let mut q = p::table
        .filter(p::status.eq("open"))
        .select(StoredProposal::as_select())
        .order((p::supplier_id, p::id))
        .into_boxed();
    if let Some(i) = institution_id {
        q = q.filter(p::institution_id.eq(i));
    }
    q.load(conn)
}

pub fn proposals_by_id(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<StoredProposal>> {
    p::table
        .filter(p::id.eq_any(ids))
        .select(StoredProposal::as_select())
        .order(p::id)
        .load(conn)
}

/// Records a clerk's decision on an open proposal; false when it was decided
/// already (by someone else, meanwhile).
pub fn decide_proposal(
    conn: &mut DbConn,
    actor: &Actor,
    id: i64,
    accepted: bool,
) -> QueryResult<bool> {
    let changed = diesel::update(p::table.find(id).filter(p::status.eq("open")))
        .set((
            p::status.eq(if accepted { "accepted" } else { "rejected" }),
            p::decided_by.eq(&actor.name),
            p::decided_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(changed == 1)
}
