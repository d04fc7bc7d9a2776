//! Each institution's influenceable payment-type rules: its own where it has
//! set them, the CLES defaults otherwise.

use diesel::prelude::*;

use crate::db::audit::{self, Actor, Change};
use crate::db::schema::payment_type_rules as r;
use crate::db::versions::{self, Record};
use crate::db::Error;
use crate::db::{write_tx, DbConn};
use crate::domain::spend::PaymentType;

/// The payment types an institution counts as influenceable: its own rules
/// where it has set them, the defaults otherwise.
pub fn influenceable_types(conn: &mut DbConn, institution_id: i64) -> QueryResult<Vec<String>> {
    let own: Vec<(String, bool)> = r::table
        .filter(r::institution_id.eq(institution_id))
        .select((r::payment_type, r::influenceable))
        .load(conn)?;
    Ok(PaymentType::ALL
        .iter()
        .filter(|t| {
            own.iter()
                .find(|(code, _)| code == t.code())
                .map_or(t.influenceable_by_default(), |(_, on)| *on)
        })
        .map(|t| t.code().to_owned())
        .collect())
}

/// The version of an institution's rules, for the form that edits them.
pub fn rules_version(conn: &mut DbConn, institution_id: i64) -> QueryResult<i64> {
    Ok(versions::current(conn, Record::PaymentRules { institution_id })?.0)
}

/// Saves the rules form, made from `expected_version` (refused if someone
/// saved in between): each payment type influenceable if ticked. Returns how
/// many rules changed.
pub fn save_rules(
    conn: &mut DbConn,
    actor: &Actor,
    institution_id: i64,
    expected_version: i64,
    ticked: &[String],
) -> Result<usize, Error> {
    let record = Record::PaymentRules { institution_id };
    write_tx(conn, |conn| {
        if !versions::claim(conn, record, expected_version)? {
            let saved_at = versions::current(conn, record)?
                .1
                .unwrap_or_else(crate::db::now);
            return Err(crate::db::stale_edit(
                conn,
                "set of payment-type rules",
                "payment_type_rule",
                institution_id,
                saved_at,
            ));
        }
        let mut changed = 0;
        for t in PaymentType::ALL {
            if set_rule(
                conn,
                actor,
                institution_id,
                *t,
                ticked.iter().any(|x| x == t.code()),
            )? {
                changed += 1;
            }
        }
        Ok(changed)
    })
}

/// Sets whether a payment type is influenceable at an institution.
pub fn set_rule(
    conn: &mut DbConn,
    actor: &Actor,
    institution_id: i64,
    payment_type: PaymentType,
    influenceable: bool,
) -> Result<bool, Error> {
    write_tx(conn, |conn| {
        let before =
            influenceable_types(conn, institution_id)?.contains(&payment_type.code().to_owned());
        if before == influenceable {
            return Ok(false);
        }
        diesel::delete(
            r::table
                .filter(r::institution_id.eq(institution_id))
                .filter(r::payment_type.eq(payment_type.code())),
        )
        .execute(conn)?;
        if influenceable != payment_type.influenceable_by_default() {
            diesel::insert_into(r::table)
                .values((
                    r::institution_id.eq(institution_id),
                    r::payment_type.eq(payment_type.code()),
                    r::influenceable.eq(influenceable),
                ))
                .execute(conn)?;
        }
        audit::record(
            conn,
            actor,
            Change::new("update", "payment_type_rule", institution_id)
                .institution(Some(institution_id))
                .summary(format!(
                    "{} {} influenceable",
                    payment_type.label(),
                    if influenceable {
                        "now counts as"
                    } else {
                        "no longer counts as"
                    }
                ))
                .before(&before)
                .after(&influenceable),
        )?;
        Ok(true)
    })
}
