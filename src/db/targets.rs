//! Local-share targets: an institution's or network's per tier and year.

use diesel::prelude::*;

use crate::db::DbConn;

/// The targets set for an owner's year: (tier position from 1, basis points).
pub fn of(
    conn: &mut DbConn,
    owner: crate::db::areas::Owner,
    fy: i32,
) -> QueryResult<Vec<(i32, i64)>> {
    let (kind, id) = owner.parts();
    targets_of(conn, kind, id, fy)
}

/// The version of an owner's targets for a year, for the form that edits them.
pub fn version(conn: &mut DbConn, owner: crate::db::areas::Owner, fy: i32) -> QueryResult<i64> {
    Ok(crate::db::versions::current(conn, targets_record(owner, fy))?.0)
}

fn targets_record(owner: crate::db::areas::Owner, fy: i32) -> crate::db::versions::Record {
    let (owner_kind, owner_id) = owner.parts();
    crate::db::versions::Record::Targets {
        owner_kind,
        owner_id,
        fy,
    }
}

/// Replaces an owner's targets for a year, made from `expected_version`
/// (refused if someone saved in between), audited with before and after.
pub fn set_targets(
    conn: &mut DbConn,
    actor: &crate::db::audit::Actor,
    owner: crate::db::areas::Owner,
    fy: i32,
    expected_version: i64,
    targets: &[(i32, i64)],
) -> Result<(), crate::db::Error> {
    use crate::db::schema::report_targets as t;
    let (kind, id) = owner.parts();
    let record = targets_record(owner, fy);
    crate::db::write_tx(conn, |conn| {
        if !crate::db::versions::claim(conn, record, expected_version)? {
            let saved_at = crate::db::versions::current(conn, record)?
                .1
                .unwrap_or_else(crate::db::now);
            return Err(crate::db::stale_edit(
                conn,
                "set of targets",
                "report_targets",
                format!("{kind}:{id}:{fy}"),
                saved_at,
            ));
        }
        let before = targets_of(conn, kind, id, fy)?;
        diesel::delete(
            t::table
                .filter(t::owner_kind.eq(kind))
                .filter(t::owner_id.eq(id))
                .filter(t::fy.eq(fy)),
        )
        .execute(conn)?;
        for (position, bp) in targets {
            diesel::insert_into(t::table)
                .values((
                    t::owner_kind.eq(kind),
                    t::owner_id.eq(id),
                    t::fy.eq(fy),
                    t::tier_position.eq(position),
                    t::target_bp.eq(bp),
                    t::set_by.eq(&actor.name),
                    t::set_at.eq(crate::db::now()),
                ))
                .execute(conn)?;
        }
        crate::db::audit::record(
            conn,
            actor,
            crate::db::audit::Change::new("update", "report_targets", format!("{kind}:{id}:{fy}"))
                .institution(owner.institution())
                .summary(format!(
                    "Local-share targets for {} set",
                    crate::domain::period::financial_year_label(fy)
                ))
                .before(&before)
                .after(&targets),
        )?;
        Ok(())
    })
}

fn targets_of(conn: &mut DbConn, kind: &str, id: i64, fy: i32) -> QueryResult<Vec<(i32, i64)>> {
    use crate::db::schema::report_targets as t;
    t::table
        .filter(t::owner_kind.eq(kind))
        .filter(t::owner_id.eq(id))
        .filter(t::fy.eq(fy))
        .select((t::tier_position, t::target_bp))
        .order(t::tier_position)
        .load(conn)
}
