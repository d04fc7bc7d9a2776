//! Merging a duplicate into a supplier, undoing a merge exactly, and
//! splitting a wrongly merged name back out; each audited.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use super::register::{add_alias, aliases, external_ids, get, Alias, Supplier};
use crate::db::audit::{Actor, Change};
use crate::db::schema::{
    supplier_aliases as a, supplier_external_ids as x, supplier_merges as m, suppliers as s,
};
use crate::db::Error;
use crate::db::{now, write_tx, DbConn};
use crate::domain::supplier::{match_key, normalise_name};

#[derive(Debug, Clone, Serialize, serde::Deserialize, Default)]
pub(super) struct Moved {
    aliases: Vec<i64>,
    added_alias: Option<i64>,
    dropped_aliases: Vec<(String, String)>,
    #[serde(default)]
    spend_lines: Vec<i64>,
}

/// Merges `merged_id` into `kept_id`: its aliases, its name and every
/// institution's ids for it move over, and it is marked merged. Recorded so
/// an admin can undo it exactly. Returns the merge record's id.
pub fn merge(conn: &mut DbConn, actor: &Actor, kept_id: i64, merged_id: i64) -> Result<i64, Error> {
    write_tx(conn, |conn| {
        if kept_id == merged_id {
            return Err(Error::Refused(
                "A supplier cannot be merged into itself.".into(),
            ));
        }
        let (kept, merged) = (get(conn, kept_id)?, get(conn, merged_id)?);
        if kept.merged_into.is_some() || merged.merged_into.is_some() {
            return Err(Error::Conflict(
                "One of these suppliers has already been merged into another.".into(),
            ));
        }
        let kept_names: Vec<String> = aliases(conn, kept_id)?
            .into_iter()
            .map(|a| a.name)
            .collect();
        let mut moved = Moved::default();
        for alias in aliases(conn, merged_id)? {
            if kept_names.contains(&alias.name) {
                diesel::delete(a::table.find(alias.id)).execute(conn)?;
                moved
                    .dropped_aliases
                    .push((alias.name, alias.normalised_name));
            } else {
                diesel::update(a::table.find(alias.id))
                    .set(a::supplier_id.eq(kept_id))
                    .execute(conn)?;
                moved.aliases.push(alias.id);
            }
        }
        moved.added_alias = add_alias(conn, kept_id, &merged.name)?;
        moved.spend_lines = crate::db::spend::line_ids_of(conn, merged_id)?;
        crate::db::spend::move_lines(conn, &moved.spend_lines, kept_id)?;
        let ids = external_ids(conn, merged_id)?;
        diesel::update(x::table.filter(x::supplier_id.eq(merged_id)))
            .set(x::supplier_id.eq(kept_id))
            .execute(conn)?;
        diesel::update(s::table.find(merged_id))
            .set((
                s::merged_into.eq(kept_id),
                s::version.eq(merged.version + 1),
                s::updated_at.eq(now()),
            ))
            .execute(conn)?;
        let record: i64 = diesel::insert_into(m::table)
            .values((
                m::kept_id.eq(kept_id),
                m::merged_id.eq(merged_id),
                m::moved_aliases.eq(serde_json::to_string(&moved).unwrap_or_default()),
                m::moved_external_ids.eq(serde_json::to_string(&ids).unwrap_or_default()),
                m::merged_by.eq(&actor.name),
                m::merged_at.eq(now()),
            ))
            .returning(m::id)
            .get_result(conn)?;
        super::audit_touching(
            conn,
            actor,
            Change::new("merge", "supplier", kept_id)
                .summary(format!("Merged supplier {} ({merged_id}) into {} ({kept_id})", merged.name, kept.name))
                .before(&serde_json::json!({ "kept": kept, "merged": merged }))
                .after(&serde_json::json!({ "merge_record": record, "moved": moved, "external_ids": ids })),
            &[kept_id, merged_id],
        )?;
        Ok(record)
    })
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct MergeRecord {
    pub id: i64,
    pub kept_id: i64,
    pub merged_id: i64,
    pub merged_by: String,
    pub merged_at: NaiveDateTime,
    pub undone_at: Option<NaiveDateTime>,
}

/// Merges into this supplier, newest first.
pub fn merges_into(conn: &mut DbConn, kept_id: i64) -> QueryResult<Vec<MergeRecord>> {
    m::table
        .filter(m::kept_id.eq(kept_id))
        .order(m::id.desc())
        .select((
            m::id,
            m::kept_id,
            m::merged_id,
            m::merged_by,
            m::merged_at,
            m::undone_at,
        ))
        .load(conn)
}

/// Undoes a merge exactly: aliases and ids go back, the merged supplier lives again.
pub fn undo_merge(conn: &mut DbConn, actor: &Actor, record_id: i64) -> Result<MergeRecord, Error> {
    write_tx(conn, |conn| {
        let (id, kept_id, merged_id, moved, ids, undone): (
            i64,
            i64,
            i64,
            String,
            String,
            Option<NaiveDateTime>,
        ) = m::table
            .find(record_id)
            .select((
                m::id,
                m::kept_id,
                m::merged_id,
                m::moved_aliases,
                m::moved_external_ids,
                m::undone_at,
            ))
            .first(conn)?;
        if undone.is_some() {
            return Err(Error::Conflict(
                "This merge has already been undone.".into(),
            ));
        }
        let moved: Moved = serde_json::from_str(&moved).map_err(Error::internal)?;
        let ids: Vec<(i64, String)> = serde_json::from_str(&ids).map_err(Error::internal)?;
        diesel::update(a::table.filter(a::id.eq_any(&moved.aliases)))
            .set(a::supplier_id.eq(merged_id))
            .execute(conn)?;
        if let Some(added) = moved.added_alias {
            diesel::delete(a::table.find(added)).execute(conn)?;
        }
        for (name, normalised) in &moved.dropped_aliases {
            diesel::insert_into(a::table)
                .values((
                    a::supplier_id.eq(merged_id),
                    a::name.eq(name),
                    a::normalised_name.eq(normalised),
                    a::created_at.eq(now()),
                ))
                .execute(conn)?;
        }
        for (institution, external) in &ids {
            diesel::update(x::table.find((institution, external)))
                .set(x::supplier_id.eq(merged_id))
                .execute(conn)?;
        }
        crate::db::spend::move_lines(conn, &moved.spend_lines, merged_id)?;
        let merged = get(conn, merged_id)?;
        diesel::update(s::table.find(merged_id))
            .set((
                s::merged_into.eq(None::<i64>),
                s::version.eq(merged.version + 1),
                s::updated_at.eq(now()),
            ))
            .execute(conn)?;
        diesel::update(m::table.find(id))
            .set((m::undone_by.eq(&actor.name), m::undone_at.eq(now())))
            .execute(conn)?;
        super::audit_touching(
            conn,
            actor,
            Change::new("unmerge", "supplier", kept_id).summary(format!(
                "Undid the merge of supplier {merged_id} into {kept_id}"
            )),
            &[kept_id, merged_id],
        )?;
        Ok(m::table
            .find(id)
            .select((
                m::id,
                m::kept_id,
                m::merged_id,
                m::merged_by,
                m::merged_at,
                m::undone_at,
            ))
            .first(conn)?)
    })
}

/// Splits a wrongly merged alias out into a supplier of its own.
pub fn split_alias(
    conn: &mut DbConn,
    actor: &Actor,
    supplier_id: i64,
    alias_id: i64,
) -> Result<Supplier, Error> {
    let name: String = a::table
        .find(alias_id)
        .filter(a::supplier_id.eq(supplier_id))
        .select(a::name)
        .first(conn)?;
    split_name(conn, actor, supplier_id, &name)
}

/// Splits a name out of a supplier into a supplier of its own: every line
/// published under it, or under a spelling of it that reads the same, and
/// the names the register knows it by, whichever institution's lines they
/// are. The supplier's own name cannot be split off.
pub fn split_name(
    conn: &mut DbConn,
    actor: &Actor,
    supplier_id: i64,
    name: &str,
) -> Result<Supplier, Error> {
    let normalised = normalise_name(name);
    write_tx(conn, |conn| {
        let from = get(conn, supplier_id)?;
        if normalised == from.normalised_name {
            return Err(Error::Conflict(
                "That is this supplier's own name: it cannot be split off.".into(),
            ));
        }
        let published: Vec<String> = crate::db::spend::published_names(conn, supplier_id)?
            .into_iter()
            .filter(|n| normalise_name(n) == normalised)
            .collect();
        let known: Vec<Alias> = aliases(conn, supplier_id)?
            .into_iter()
            .filter(|al| al.normalised_name == normalised)
            .collect();
        if published.is_empty() && known.is_empty() {
            return Err(Error::Conflict(format!(
                "No line or known name of this supplier reads {name}."
            )));
        }
        let at = now();
        let id: i64 = diesel::insert_into(s::table)
            .values((
                s::name.eq(name),
                s::normalised_name.eq(&normalised),
                s::match_key.eq(match_key(name)),
                s::version.eq(1),
                s::created_at.eq(at),
                s::updated_at.eq(at),
            ))
            .returning(s::id)
            .get_result(conn)?;
        let alias_ids: Vec<i64> = known.iter().map(|al| al.id).collect();
        diesel::update(a::table.filter(a::id.eq_any(&alias_ids)))
            .set(a::supplier_id.eq(id))
            .execute(conn)?;
        // Future files that publish the name find it here.
        add_alias(conn, id, name)?;
        let lines = crate::db::spend::line_ids_named(conn, supplier_id, &published)?;
        crate::db::spend::move_lines(conn, &lines, id)?;
        let created = get(conn, id)?;
        super::audit_touching(
            conn,
            actor,
            Change::new("split", "supplier", supplier_id)
                .summary(format!(
                    "Split the name {name} ({} line{}) out of supplier {} into new supplier {id}",
                    lines.len(),
                    if lines.len() == 1 { "" } else { "s" },
                    from.name
                ))
                .after(&created),
            &[supplier_id, id],
        )?;
        Ok(created)
    })
}
