//! Migrations that rebuild a table keep what it held. SQLite cannot widen a
//! CHECK in place, so the size-band migration rebuilds `suppliers`: a
//! database with suppliers, a merge and names under the previous schema is
//! migrated, and every row, reference, index and trigger must survive; the
//! same for `users`, rebuilt so that a user may work for a network.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use localspend::config::DatabaseUrl;
use localspend::db::{self, DbConn};

use crate::common::fresh_database;

const SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
#[cfg(feature = "postgres")]
const POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// The first migration this test is about: everything before it runs first.
const WIDENING: &str = "2026-12-03-000018";

/// Runs the migrations named before `stop`, in order.
fn migrate_before<C, DB>(conn: &mut C, all: EmbeddedMigrations, stop: &str)
where
    DB: diesel::backend::Backend,
    C: MigrationHarness<DB>,
{
    for m in conn.pending_migrations(all).unwrap() {
        if m.name().to_string().as_str() >= stop {
            break;
        }
        conn.run_migration(&*m).unwrap();
    }
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn count(conn: &mut DbConn, sql: &str) -> i64 {
    diesel::sql_query(sql).get_result::<Count>(conn).unwrap().n
}

#[test]
fn rebuilding_the_supplier_table_keeps_every_row_reference_and_trigger() {
    let fresh = fresh_database();
    let url = DatabaseUrl::parse(&fresh.url).unwrap();
    let pool = db::build_pool(&url, Some(1)).unwrap();
    let mut conn = pool.get().unwrap();
    match &mut *conn {
        DbConn::Sqlite(c) => migrate_before(c, SQLITE, WIDENING),
        #[cfg(feature = "postgres")]
        DbConn::Pg(c) => migrate_before(c, POSTGRES, WIDENING),
    }
    conn.batch_execute(
        "INSERT INTO suppliers (id, name, normalised_name, match_key, size_band, size_definition, created_at, updated_at) \
         VALUES (7, 'Acme Ltd', 'ACME', 'ACME', 'small', 'employees', '2026-01-01 00:00:00', '2026-01-01 00:00:00'); \
         INSERT INTO suppliers (id, name, normalised_name, match_key, merged_into, created_at, updated_at) \
         VALUES (9, 'Acme Limited', 'ACME', 'ACME', 7, '2026-01-01 00:00:00', '2026-01-01 00:00:00'); \
         INSERT INTO supplier_aliases (supplier_id, name, normalised_name, created_at) \
         VALUES (7, 'ACME LTD', 'ACME', '2026-01-01 00:00:00'); \
         INSERT INTO suppliers (id, name, normalised_name, match_key, created_at, updated_at) \
         VALUES (12, 'Gone Ltd', 'GONE', 'GONE', '2026-01-01 00:00:00', '2026-01-01 00:00:00'); \
         DELETE FROM suppliers WHERE id = 12; \
         DELETE FROM supplier_location_queue;",
    )
    .unwrap();
    let applied = db::run_migrations(&mut conn).unwrap();
    assert!(applied.iter().any(|m| m == "20261203000018"), "{applied:?}");

    assert_eq!(count(&mut conn, "SELECT count(*) AS n FROM suppliers"), 2);
    assert_eq!(
        count(
            &mut conn,
            "SELECT count(*) AS n FROM suppliers WHERE id = 9 AND merged_into = 7"
        ),
        1,
        "the merge survives"
    );
    assert_eq!(
        count(
            &mut conn,
            "SELECT count(*) AS n FROM suppliers WHERE size_band = 'small' AND size_definition = 'employees'"
        ),
        1
    );
    // The widened CHECK takes the unstated band and still refuses others.
    conn.batch_execute("UPDATE suppliers SET size_band = 'sme' WHERE id = 7")
        .unwrap();
    assert!(conn
        .batch_execute("UPDATE suppliers SET size_band = 'huge' WHERE id = 7")
        .is_err());
    // References are enforced and point at the rebuilt table.
    assert!(conn
        .batch_execute(
            "INSERT INTO supplier_aliases (supplier_id, name, normalised_name, created_at) \
             VALUES (99, 'NOBODY', 'NOBODY', '2026-01-01 00:00:00')"
        )
        .is_err());
    // The triggers are back: an update queues the supplier for locating,
    // an over-long name is refused.
    assert_eq!(
        count(
            &mut conn,
            "SELECT count(*) AS n FROM supplier_location_queue WHERE supplier_id = 7"
        ),
        1
    );
    let long = "x".repeat(301);
    assert!(conn
        .batch_execute(&format!(
            "UPDATE suppliers SET name = '{long}' WHERE id = 7"
        ))
        .is_err());
    // SQLite: new suppliers continue after the highest id ever given (its
    // AUTOINCREMENT counter is carried over the rebuild). PostgreSQL's table
    // is altered in place and keeps its identity sequence untouched.
    if matches!(*conn, DbConn::Sqlite(_)) {
        conn.batch_execute(
            "INSERT INTO suppliers (name, normalised_name, match_key, created_at, updated_at) \
             VALUES ('Next Ltd', 'NEXT', 'NEXT', '2026-01-01 00:00:00', '2026-01-01 00:00:00')",
        )
        .unwrap();
        assert_eq!(
            count(&mut conn, "SELECT max(id) AS n FROM suppliers"),
            13,
            "supplier 12 was given once and is never given again"
        );
    }
}

/// The migration that lets a user work for a network rebuilds `users` on
/// SQLite (its CHECK allowed no institution for admins only).
const NETWORK_USERS: &str = "2026-12-05-000021";

#[test]
fn rebuilding_the_user_table_keeps_every_user_and_session_and_checks_who_works_where() {
    let fresh = fresh_database();
    let url = DatabaseUrl::parse(&fresh.url).unwrap();
    let pool = db::build_pool(&url, Some(1)).unwrap();
    let mut conn = pool.get().unwrap();
    match &mut *conn {
        DbConn::Sqlite(c) => migrate_before(c, SQLITE, NETWORK_USERS),
        #[cfg(feature = "postgres")]
        DbConn::Pg(c) => migrate_before(c, POSTGRES, NETWORK_USERS),
    }
    let at = "'2026-01-01 00:00:00'";
    conn.batch_execute(&format!(
        "INSERT INTO institutions (id, name, kind, home_lad, created_at, updated_at) \
         VALUES (1, 'Preston City Council', 'council', 'E07000123', {at}, {at}); \
         INSERT INTO networks (id, name, description, created_at, updated_at) \
         VALUES (1, 'Preston anchors', '', {at}, {at}); \
         INSERT INTO users (id, username, display_name, role, institution_id, password_hash, created_at, updated_at, password_changed_at) \
         VALUES (3, 'root', 'Root', 'admin', NULL, 'x', {at}, {at}, {at}); \
         INSERT INTO users (id, username, display_name, role, institution_id, password_hash, created_at, updated_at, password_changed_at) \
         VALUES (5, 'clerk', 'Clerk', 'clerk', 1, 'x', {at}, {at}, {at}); \
         INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ('t', 5, {at}, {at});"
    ))
    .unwrap();
    let applied = db::run_migrations(&mut conn).unwrap();
    assert!(applied.iter().any(|m| m == "20261205000021"), "{applied:?}");
    assert_eq!(count(&mut conn, "SELECT count(*) AS n FROM users"), 2);
    assert_eq!(
        count(
            &mut conn,
            "SELECT count(*) AS n FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.username = 'clerk'"
        ),
        1,
        "the session still names its user"
    );
    let add = |role: &str, institution: &str, network: &str| {
        format!(
            "INSERT INTO users (username, display_name, role, institution_id, network_id, password_hash, created_at, updated_at, password_changed_at) \
             VALUES ('{role}-{institution}-{network}', 'X', '{role}', {institution}, {network}, 'x', {at}, {at}, {at})"
        )
    };
    conn.batch_execute(&add("auditor", "NULL", "1")).unwrap();
    conn.batch_execute(&add("manager", "NULL", "1")).unwrap();
    for (role, institution, network) in [
        ("clerk", "NULL", "1"),
        ("admin", "NULL", "1"),
        ("manager", "1", "1"),
        ("manager", "NULL", "NULL"),
        ("auditor", "NULL", "99"),
    ] {
        assert!(
            conn.batch_execute(&add(role, institution, network))
                .is_err(),
            "{role} {institution} {network}"
        );
    }
    // A session cannot name a user that is not there.
    assert!(conn
        .batch_execute(&format!(
            "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ('u', 99, {at}, {at})"
        ))
        .is_err());
    if matches!(*conn, DbConn::Sqlite(_)) {
        assert!(
            count(
                &mut conn,
                "SELECT min(id) AS n FROM users WHERE network_id = 1"
            ) > 5,
            "ids continue after the highest given"
        );
    }
}
