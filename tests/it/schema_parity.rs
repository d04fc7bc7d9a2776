//! Both backends' migrations must end with the same tables, columns, types and
//! nullability (SQLite's full-text table of company names, with its shadow
//! tables, has PostgreSQL's GIN index as its counterpart, not a table). Runs where a PostgreSQL server is given (`TEST_DATABASE_URL`,
//! as `.ci/run` sets it); the SQLite-only build has no second schema to compare.

#![cfg(feature = "postgres")]

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use localspend::config::DatabaseUrl;
use localspend::db::{self, DbConn};

#[derive(QueryableByName)]
struct SqliteColumn {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Text)]
    declared: String,
    #[diesel(sql_type = BigInt)]
    not_null: i64,
    #[diesel(sql_type = BigInt)]
    pk: i64,
}

#[derive(QueryableByName)]
struct PgColumn {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Text)]
    data_type: String,
    #[diesel(sql_type = Text)]
    is_nullable: String,
}

type Shape = Vec<(String, String, String, bool)>;

fn sqlite_shape(conn: &mut DbConn) -> Shape {
    let rows: Vec<SqliteColumn> = diesel::sql_query(
        "SELECT m.name AS table_name, p.name AS column_name, p.type AS declared, \
                CAST(p.\"notnull\" AS BIGINT) AS not_null, CAST(p.pk AS BIGINT) AS pk \
         FROM sqlite_master m JOIN pragma_table_info(m.name) p \
         WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> '__diesel_schema_migrations' \
           AND m.name NOT LIKE 'company_names%' \
         ORDER BY m.name, p.cid",
    )
    .load(conn)
    .unwrap();
    rows.into_iter()
        .map(|r| {
            // `INTEGER PRIMARY KEY` is SQLite's 64-bit row id.
            let ty = match r.declared.to_uppercase().as_str() {
                "INTEGER" if r.pk == 1 => "bigint".to_owned(),
                other => other.to_lowercase(),
            };
            (r.table_name, r.column_name, ty, r.not_null == 1 || r.pk > 0)
        })
        .collect()
}

fn pg_shape(conn: &mut DbConn) -> Shape {
    let rows: Vec<PgColumn> = diesel::sql_query(
        "SELECT table_name::text AS table_name, column_name::text AS column_name, data_type::text AS data_type, \
                is_nullable::text AS is_nullable \
         FROM information_schema.columns \
         WHERE table_schema = 'public' AND table_name <> '__diesel_schema_migrations' \
         ORDER BY table_name, ordinal_position",
    )
    .load(conn)
    .unwrap();
    rows.into_iter()
        .map(|r| {
            let ty = match r.data_type.as_str() {
                "timestamp without time zone" => "timestamp".to_owned(),
                "bytea" => "blob".to_owned(),
                other => other.to_owned(),
            };
            (r.table_name, r.column_name, ty, r.is_nullable == "NO")
        })
        .collect()
}

#[test]
fn sqlite_and_postgres_migrations_agree() {
    let Ok(admin_url) = std::env::var("TEST_DATABASE_URL") else {
        panic!("set TEST_DATABASE_URL to a PostgreSQL server to compare the schemas (see .ci/run)");
    };
    assert!(
        admin_url.starts_with("postgres"),
        "TEST_DATABASE_URL must be a PostgreSQL URL"
    );
    let pg = crate::common::fresh_database();
    let dir = tempfile::tempdir().unwrap();
    let sqlite_url = dir.path().join("parity.db").to_string_lossy().into_owned();

    let mut shapes = Vec::new();
    for url in [sqlite_url.as_str(), pg.url.as_str()] {
        let pool = db::build_pool(&DatabaseUrl::parse(url).unwrap(), Some(1)).unwrap();
        let mut conn = pool.get().unwrap();
        db::run_migrations(&mut conn).unwrap();
        shapes.push(if url.starts_with("postgres") {
            pg_shape(&mut conn)
        } else {
            sqlite_shape(&mut conn)
        });
    }
    let (sqlite, postgres) = (&shapes[0], &shapes[1]);
    assert!(sqlite.len() > 40, "read the SQLite schema: {sqlite:?}");
    for (s, p) in sqlite.iter().zip(postgres) {
        assert_eq!(s, p, "column differs between backends");
    }
    assert_eq!(sqlite.len(), postgres.len(), "same number of columns");
}
