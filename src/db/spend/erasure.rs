//! Erasing a person's name from the lines that carry it: a request under
//! data-protection law, carried out by an admin. The audit log records that
//! an erasure happened, how many lines it changed and for which
//! institutions, never the name.

use diesel::prelude::*;

use crate::db::audit::{self, Actor, Change};
use crate::db::schema::{spend_lines as l, supplier_aliases as a, suppliers as s};
use crate::db::{now, write_tx, DbConn, Error};

/// What lines show where a name was erased.
pub const ERASED: &str = "Name erased";

diesel::define_sql_function!(fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text);

/// What an erasure changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Erased {
    pub lines: usize,
    pub aliases: usize,
}

/// Replaces `name` (compared without case) on every line of the given
/// institutions (`None`: every institution) with [`ERASED`], marks those
/// lines redacted, and drops the register's aliases that spell it. Amounts,
/// suppliers and totals are untouched.
pub fn erase_name(
    conn: &mut DbConn,
    actor: &Actor,
    name: &str,
    institutions: Option<&[i64]>,
) -> Result<Erased, Error> {
    let wanted = name.trim().to_lowercase();
    write_tx(conn, |conn| {
        let mut q = l::table
            .filter(lower(l::supplier_name).eq(&wanted))
            .select((l::id, l::institution_id))
            .into_boxed::<<DbConn as diesel::Connection>::Backend>();
        if let Some(ids) = institutions {
            q = q.filter(l::institution_id.eq_any(ids.to_vec()));
        }
        let found: Vec<(i64, i64)> = q.load(conn)?;
        let ids: Vec<i64> = found.iter().map(|(id, _)| *id).collect();
        for chunk in ids.chunks(5_000) {
            diesel::update(l::table.filter(l::id.eq_any(chunk)))
                .set((
                    l::supplier_name.eq(ERASED),
                    l::redacted.eq(true),
                    l::version.eq(l::version + 1),
                    l::updated_at.eq(now()),
                ))
                .execute(conn)?;
        }
        // The register's spellings of the name go too, where they are not a
        // supplier's own name (a supplier is an organisation, renamed by hand).
        let aliases = diesel::delete(a::table.filter(lower(a::name).eq(&wanted)).filter(
            a::supplier_id.ne_all(s::table.filter(lower(s::name).eq(&wanted)).select(s::id)),
        ))
        .execute(conn)?;
        let mut touched: Vec<i64> = found.iter().map(|(_, i)| *i).collect();
        touched.sort_unstable();
        touched.dedup();
        let summary = format!(
            "Erased a person's name from {} line(s) and {aliases} register spelling(s) (the name is not recorded)",
            ids.len()
        );
        if touched.is_empty() {
            audit::record(
                conn,
                actor,
                Change::new("erase", "personal_data", 0).summary(&summary),
            )?;
        }
        for institution in touched {
            audit::record(
                conn,
                actor,
                Change::new("erase", "personal_data", institution)
                    .institution(Some(institution))
                    .summary(&summary),
            )?;
        }
        Ok(Erased {
            lines: ids.len(),
            aliases,
        })
    })
}
