//! Creating the suppliers a spend file names in bulk: ids reserved up front,
//! a few hundred rows per statement, with the same aliases, external ids,
//! provenance and audit rows as one at a time.

use diesel::prelude::*;

use super::register::{get_many, groups, has_content, NewProvenance, Supplier, Values};
use crate::db::audit::{self, Actor, Change};
use crate::db::schema::{
    supplier_aliases as a, supplier_external_ids as x, supplier_provenance as p, suppliers as s,
};
use crate::db::{batch_insert, now, DbConn};
use crate::domain::supplier::{Source, SupplierInput};

/// Ids for suppliers to be created later in the same transaction by
/// [`create_many`], so that what refers to them can be prepared first
/// (an import matches a file's suppliers on the thread that reads it).
///
/// On PostgreSQL they are drawn from the table's sequence and are never
/// handed out twice. On SQLite they follow the highest id ever used, which
/// holds only while this transaction keeps the write lock ([`write_tx`]):
/// no other connection can create a supplier meanwhile.
#[derive(Debug, Default)]
pub struct ReservedIds {
    last: i64,
}

/// Ids reserved at once by [`ReservedIds`].
pub(super) const ID_BLOCK: i64 = 256;

impl ReservedIds {
    /// The next block of ids, in ascending order.
    pub fn block(&mut self, conn: &mut DbConn) -> QueryResult<Vec<i64>> {
        use diesel::sql_types::BigInt;
        #[derive(QueryableByName)]
        struct Id {
            #[diesel(sql_type = BigInt)]
            id: i64,
        }
        let ids: Vec<i64> = match conn {
            DbConn::Sqlite(c) => {
                // AUTOINCREMENT never reuses an id, even a deleted row's.
                let top: Id = diesel::sql_query(
                    "SELECT MAX(COALESCE((SELECT MAX(id) FROM suppliers), 0), \
                     COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'suppliers'), 0)) AS id",
                )
                .get_result(c)?;
                let from = top.id.max(self.last) + 1;
                (from..from + ID_BLOCK).collect()
            }
            #[cfg(feature = "postgres")]
            DbConn::Pg(c) => diesel::sql_query(
                "SELECT nextval(pg_get_serial_sequence('suppliers', 'id')) AS id \
                 FROM generate_series(1, $1)",
            )
            .bind::<BigInt, _>(ID_BLOCK)
            .load::<Id>(c)?
            .into_iter()
            .map(|i| i.id)
            .collect(),
        };
        self.last = ids.iter().copied().max().unwrap_or(self.last);
        Ok(ids)
    }
}

/// A supplier to create under a reserved id, with the institution's own id
/// for it if the spend file gave one.
#[derive(Debug, Clone)]
pub struct NewSupplier {
    pub id: i64,
    pub input: SupplierInput,
    pub external_id: Option<(i64, String)>,
}

/// Suppliers written per statement by [`create_many`] (about thirty values
/// each, within both backends' limits on bound values).
pub(super) const CREATE_PER_STATEMENT: usize = 500;

/// Creates suppliers under ids from [`ReservedIds`], each with the same alias,
/// provenance and audit records as [`create`] gives one, a few hundred per
/// statement: for the suppliers a spend file names that are not yet known.
pub fn create_many(
    conn: &mut DbConn,
    actor: &Actor,
    new: &[NewSupplier],
    source: Source,
    evidence: &str,
) -> QueryResult<()> {
    for chunk in new.chunks(CREATE_PER_STATEMENT) {
        let at = now();
        let rows: Vec<_> = chunk
            .iter()
            .map(|n| {
                (
                    s::id.eq(n.id),
                    Values::from_input(&n.input),
                    s::version.eq(1),
                    s::created_at.eq(at),
                    s::updated_at.eq(at),
                )
            })
            .collect();
        batch_insert!(conn, s::table, rows)?;
        let external: Vec<_> = chunk
            .iter()
            .filter_map(|n| {
                n.external_id.as_ref().map(|(institution, external)| {
                    (
                        x::institution_id.eq(*institution),
                        x::external_id.eq(external),
                        x::supplier_id.eq(n.id),
                    )
                })
            })
            .collect();
        if !external.is_empty() {
            batch_insert!(conn, x::table, external)?;
        }
        let ids: Vec<i64> = chunk.iter().map(|n| n.id).collect();
        let mut created = get_many(conn, &ids)?;
        created.sort_by_key(|c| c.id);
        record_created(conn, actor, &created, source, evidence)?;
    }
    Ok(())
}

/// What a supplier's creation records besides the supplier itself: its own
/// name as its first alias, the provenance of each group of fields it was
/// created with, and the audit row.
pub(super) fn record_created(
    conn: &mut DbConn,
    actor: &Actor,
    created: &[Supplier],
    source: Source,
    evidence: &str,
) -> QueryResult<()> {
    let at = now();
    let aliases: Vec<_> = created
        .iter()
        .map(|c| {
            (
                a::supplier_id.eq(c.id),
                a::name.eq(&c.name),
                a::normalised_name.eq(&c.normalised_name),
                a::created_at.eq(at),
            )
        })
        .collect();
    batch_insert!(conn, a::table, aliases)?;
    let provenance: Vec<NewProvenance> = created
        .iter()
        .flat_map(|c| {
            groups(c)
                .into_iter()
                .map(|(g, _)| g)
                .filter(|g| has_content(c, g))
                .map(|field| NewProvenance {
                    supplier_id: c.id,
                    field,
                    source: source.code(),
                    set_by: &actor.name,
                    set_by_user_id: actor.user_id,
                    set_at: at,
                    evidence,
                })
        })
        .collect();
    for rows in provenance.chunks(CREATE_PER_STATEMENT) {
        batch_insert!(conn, p::table, rows)?;
    }
    let changes: Vec<Change> = created
        .iter()
        .map(|c| {
            Change::new("create", "supplier", c.id)
                .summary(format!("Created supplier {}", c.name))
                .after(c)
        })
        .collect();
    audit::record_many(conn, actor, &changes)
}
