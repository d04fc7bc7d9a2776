//! The supplier register. Every write records which groups of fields changed,
//! where the new values came from and who set them (provenance), and an audit
//! row, in one transaction.

mod bulk_create;
mod merge;
mod proposals;
mod register;
mod search;

pub use bulk_create::*;
pub use merge::*;
pub use proposals::*;
pub use register::*;
pub use search::*;

/// Records a change to the shared register once for every institution whose
/// lines the suppliers carry (so each institution's auditor sees it in its
/// own audit view), or once for the register when none does.
pub(crate) fn audit_touching(
    conn: &mut crate::db::DbConn,
    actor: &crate::db::audit::Actor,
    change: crate::db::audit::Change<'_>,
    supplier_ids: &[i64],
) -> diesel::QueryResult<()> {
    use crate::db::schema::spend_lines as l;
    use diesel::prelude::*;
    let touched: Vec<i64> = l::table
        .filter(l::supplier_id.eq_any(supplier_ids))
        .select(l::institution_id)
        .distinct()
        .order(l::institution_id)
        .load(conn)?;
    if touched.is_empty() {
        return crate::db::audit::record(conn, actor, change);
    }
    for institution in touched {
        crate::db::audit::record(conn, actor, change.clone().institution(Some(institution)))?;
    }
    Ok(())
}
