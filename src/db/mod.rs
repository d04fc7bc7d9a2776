//! Database access: the two-backend connection type, the pool, migrations and
//! one module per table group. Functions here are plain synchronous code taking
//! `&mut DbConn`; handlers reach them through [`crate::state::AppState::db`],
//! which runs them off the async executor.

pub mod areas;
pub mod audit;
pub mod charities;
pub mod closed_years;
pub mod companies;
pub mod company_names;
mod error;
pub mod geography;
pub mod imports;
pub mod institutions;
pub mod jobs;
pub mod locations;
pub mod networks;
pub mod payments;
pub mod postcodes;
pub mod reference_figures;
pub mod releases;
pub mod report;
pub mod schema;
pub mod sessions;
pub mod settings;
pub mod setup;
pub mod spend;
pub mod suppliers;
pub mod targets;
pub mod throttle;
pub mod totals;
pub mod users;
pub mod versions;

use std::time::Duration;

use chrono::{NaiveDateTime, SubsecRound, Utc};
use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::prelude::*;
use diesel::r2d2::{self, ManageConnection};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::config::DatabaseUrl;

pub use error::{Error, ImportRefusal, ImportStep, Result};

/// A connection to whichever backend the deployment uses.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    #[cfg(feature = "postgres")]
    Pg(diesel::PgConnection),
    Sqlite(diesel::SqliteConnection),
}

pub type DbPool = r2d2::Pool<Manager>;

/// A multi-row insert, on whichever backend the connection is: diesel builds
/// batch inserts per backend, not through the multi-backend connection.
/// What follows the rows (such as an `.on_conflict(…)` clause) is added to
/// the statement. Evaluates to the `QueryResult<usize>` of the insert.
macro_rules! batch_insert {
    ($conn:expr, $table:expr, $rows:expr $(, $($clause:tt)+)?) => {
        match $conn {
            $crate::db::DbConn::Sqlite(c) => diesel::insert_into($table)
                .values($rows)
                $($($clause)+)?
                .execute(c),
            #[cfg(feature = "postgres")]
            $crate::db::DbConn::Pg(c) => diesel::insert_into($table)
                .values($rows)
                $($($clause)+)?
                .execute(c),
        }
    };
}
pub(crate) use batch_insert;

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
#[cfg(feature = "postgres")]
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Arbitrary key for the PostgreSQL advisory lock that serialises migrations
/// when several app instances start at once.
#[cfg(feature = "postgres")]
const MIGRATION_LOCK_KEY: i64 = 0x6c6f_6361_6c73;

/// Arbitrary key for the advisory lock that serialises changes to who holds
/// an account: first-run setup and the "last network admin" guard.
#[cfg(feature = "postgres")]
const ACCOUNTS_LOCK_KEY: i64 = 0x6c6f_6361_6c74;

/// Serialises the rest of the current write transaction with every other
/// change to accounts that calls this: on PostgreSQL a transaction-scoped
/// advisory lock, on SQLite nothing more than `BEGIN IMMEDIATE` already does.
/// Two first-run setups cannot both find no users, and two admins demoting
/// each other cannot both find another admin left.
pub fn lock_accounts(conn: &mut DbConn) -> QueryResult<()> {
    match conn {
        DbConn::Sqlite(_) => Ok(()),
        #[cfg(feature = "postgres")]
        DbConn::Pg(c) => {
            diesel::sql_query(format!("SELECT pg_advisory_xact_lock({ACCOUNTS_LOCK_KEY})"))
                .execute(c)?;
            Ok(())
        }
    }
}

/// The current time in UTC, truncated to microseconds so that a value read back
/// from either backend compares equal to the one written.
pub fn now() -> NaiveDateTime {
    Utc::now().naive_utc().trunc_subsecs(6)
}

/// Opens connections by the URL's scheme, never by trial and error: a
/// PostgreSQL URL that fails to connect must not silently become a SQLite file.
#[derive(Debug, Clone)]
pub struct Manager {
    url: DatabaseUrl,
}

impl Manager {
    pub fn new(url: DatabaseUrl) -> Self {
        Self { url }
    }
}

impl ManageConnection for Manager {
    type Connection = DbConn;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConn, r2d2::Error> {
        match &self.url {
            DatabaseUrl::Sqlite(path) => {
                let mut conn = diesel::SqliteConnection::establish(path)
                    .map_err(r2d2::Error::ConnectionError)?;
                conn.batch_execute(
                    "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; \
                     PRAGMA busy_timeout = 10000; PRAGMA synchronous = NORMAL;",
                )
                .map_err(r2d2::Error::QueryError)?;
                Ok(DbConn::Sqlite(conn))
            }
            #[cfg(feature = "postgres")]
            DatabaseUrl::Postgres(url) => diesel::PgConnection::establish(url)
                .map(DbConn::Pg)
                .map_err(r2d2::Error::ConnectionError),
        }
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), r2d2::Error> {
        conn.batch_execute("SELECT 1")
            .map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut DbConn) -> bool {
        std::thread::panicking()
            || <DbConn as Connection>::TransactionManager::is_broken_transaction_manager(conn)
    }
}

/// Opens one connection outside any pool, for command-line work.
pub fn connect(url: &DatabaseUrl) -> Result<DbConn, r2d2::Error> {
    Manager::new(url.clone()).connect()
}

/// Builds the connection pool. SQLite allows one writer at a time, so a small
/// pool is enough and avoids lock contention; PostgreSQL gets more.
pub fn build_pool(url: &DatabaseUrl, max_size: Option<u32>) -> Result<DbPool, r2d2::PoolError> {
    let default_size = match url {
        DatabaseUrl::Sqlite(_) => 4,
        #[cfg(feature = "postgres")]
        DatabaseUrl::Postgres(_) => 10,
    };
    // No idle minimum: r2d2 would otherwise open replacement connections on a
    // background thread at any moment, including while the process exits,
    // which crashes libpq's OpenSSL teardown.
    r2d2::Pool::builder()
        .max_size(max_size.unwrap_or(default_size))
        .min_idle(Some(0))
        .connection_timeout(Duration::from_secs(30))
        .build(Manager::new(url.clone()))
}

/// Applies pending migrations for the connection's backend and returns the
/// names of those applied.
pub fn run_migrations(conn: &mut DbConn) -> Result<Vec<String>, MigrationError> {
    let applied = match conn {
        DbConn::Sqlite(c) => c
            .run_pending_migrations(SQLITE_MIGRATIONS)?
            .iter()
            .map(ToString::to_string)
            .collect(),
        #[cfg(feature = "postgres")]
        DbConn::Pg(c) => {
            diesel::sql_query(format!("SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})"))
                .execute(c)?;
            let result = c
                .run_pending_migrations(POSTGRES_MIGRATIONS)
                .map(|done| done.iter().map(ToString::to_string).collect::<Vec<_>>());
            diesel::sql_query(format!("SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})"))
                .execute(c)?;
            result?
        }
    };
    Ok(applied)
}

#[derive(Debug, thiserror::Error)]
#[error("migration failed: {0}")]
pub struct MigrationError(String);

impl From<Box<dyn std::error::Error + Send + Sync>> for MigrationError {
    fn from(e: Box<dyn std::error::Error + Send + Sync>) -> Self {
        Self(e.to_string())
    }
}

impl From<DieselError> for MigrationError {
    fn from(e: DieselError) -> Self {
        Self(e.to_string())
    }
}

/// Runs `f` in a transaction that takes the write lock up front.
///
/// On SQLite a plain `BEGIN` starts as a reader; a transaction that reads and
/// then writes can fail at once with `SQLITE_BUSY` when another connection
/// wrote in between, without waiting on the busy timeout. `BEGIN IMMEDIATE`
/// queues for the lock instead. On PostgreSQL this is an ordinary transaction.
///
/// Before it commits, the suppliers the change queued (a trigger queues every
/// supplier written) are located again ([`locations::resolve_queued`]), so
/// derived locations never lag the register and no read has to write.
pub fn write_tx<T, E, F>(conn: &mut DbConn, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn) -> Result<T, E>,
    E: From<DieselError>,
{
    type Tm = <DbConn as Connection>::TransactionManager;
    // Inside a transaction already: nest with a savepoint.
    if matches!(
        Tm::transaction_manager_status_mut(conn).transaction_depth(),
        Ok(Some(_))
    ) {
        return conn.transaction(f);
    }
    match conn {
        DbConn::Sqlite(c) => AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?,
        #[cfg(feature = "postgres")]
        DbConn::Pg(_) => Tm::begin_transaction(conn)?,
    }
    // Suppliers the change queued are located again before it commits.
    match f(conn).and_then(|value| {
        locations::resolve_queued(conn)?;
        Ok(value)
    }) {
        Ok(value) => {
            Tm::commit_transaction(conn)?;
            Ok(value)
        }
        Err(e) => {
            if let Err(rollback) = Tm::rollback_transaction(conn) {
                tracing::error!(error = %rollback, "rollback failed");
            }
            Err(e)
        }
    }
}

/// Runs `f` in one read-only snapshot: everything it reads agrees with
/// everything else it reads, whatever commits meanwhile (an export and its
/// stamp cannot disagree). SQLite in WAL mode keeps the snapshot of the first
/// read for the whole transaction; PostgreSQL uses `REPEATABLE READ`.
pub fn read_tx<T, E, F>(conn: &mut DbConn, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn) -> Result<T, E>,
    E: From<DieselError>,
{
    type Tm = <DbConn as Connection>::TransactionManager;
    match conn {
        DbConn::Sqlite(c) => AnsiTransactionManager::begin_transaction_sql(c, "BEGIN DEFERRED")?,
        #[cfg(feature = "postgres")]
        DbConn::Pg(c) => AnsiTransactionManager::begin_transaction_sql(
            c,
            "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
        )?,
    }
    let done = f(conn);
    // Nothing was written: ending the snapshot either way is the same.
    if let Err(end) = Tm::rollback_transaction(conn) {
        tracing::error!(error = %end, "ending a read snapshot failed");
    }
    done
}

/// True when the error is a unique-constraint violation.
pub fn is_unique_violation(e: &DieselError) -> bool {
    matches!(
        e,
        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)
    )
}

/// Which database a connection talks to. Code outside `db/` asks this
/// rather than matching on the connection, and only where a backend
/// difference shows above this layer (how an import's progress is shown,
/// how its rows are staged).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn of(conn: &DbConn) -> Self {
        match conn {
            DbConn::Sqlite(_) => Self::Sqlite,
            #[cfg(feature = "postgres")]
            DbConn::Pg(_) => Self::Postgres,
        }
    }

    /// `sqlite` or `postgres`, for messages and diagnostics.
    pub fn name(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
        }
    }
}

/// Runs a large load `f` with the connection set up for it, and puts the
/// connection back as the pool lends it afterwards, whatever `f` returned.
/// On SQLite the page cache grows from 2 MB to 16 MB (a supplier index
/// takes inserts in random order; a larger cache measured no faster) and a
/// multi-row insert's statement journal stays in memory, not in a temporary
/// file. PostgreSQL needs nothing.
pub fn with_bulk_load<T, E: From<DieselError>>(
    conn: &mut DbConn,
    f: impl FnOnce(&mut DbConn) -> Result<T, E>,
) -> Result<T, E> {
    let sqlite = Backend::of(conn) == Backend::Sqlite;
    if sqlite {
        conn.batch_execute("PRAGMA cache_size = -16384; PRAGMA temp_store = MEMORY")?;
    }
    let done = f(conn);
    if sqlite {
        conn.batch_execute("PRAGMA cache_size = -2000; PRAGMA temp_store = DEFAULT")?;
    }
    done
}

/// The error for an edit made from an out-of-date copy of a record: when it
/// was saved and, from the audit log, by whom.
/// [`stale_edit`] for a record whose audit entity type is also its name in
/// messages (`"supplier"`, `"user"`, `"institution"`, `"network"`).
pub fn stale(conn: &mut DbConn, entity: &'static str, id: i64, saved_at: NaiveDateTime) -> Error {
    stale_edit(conn, entity, entity, id, saved_at)
}

pub fn stale_edit(
    conn: &mut DbConn,
    what: &'static str,
    entity_type: &str,
    entity_id: impl ToString,
    saved_at: NaiveDateTime,
) -> Error {
    let saved_by = audit::last_actor(conn, entity_type, &entity_id.to_string())
        .ok()
        .flatten();
    Error::Stale {
        what,
        saved_at,
        saved_by,
    }
}

/// Refreshes the query planner's statistics for some tables, so that joins
/// between a small table and a large one start from the small one. (Sampled
/// statistics mislead SQLite about the release columns, so the analysis is
/// full: about a quarter of a second per million rows.)
pub fn refresh_statistics(conn: &mut DbConn, tables: &[&str]) -> QueryResult<()> {
    match conn {
        DbConn::Sqlite(c) => {
            c.batch_execute("PRAGMA analysis_limit = 0")?;
            for table in tables {
                c.batch_execute(&format!("ANALYZE {table}"))?;
            }
        }
        #[cfg(feature = "postgres")]
        DbConn::Pg(c) => c.batch_execute(&format!("ANALYZE {}", tables.join(", ")))?,
    }
    Ok(())
}

/// Lets SQLite refresh whatever planner statistics have gone stale, as its
/// documentation recommends doing at start-up; PostgreSQL's autovacuum does
/// this by itself.
pub fn optimise(conn: &mut DbConn) -> QueryResult<()> {
    match conn {
        DbConn::Sqlite(c) => c.batch_execute("PRAGMA optimize"),
        #[cfg(feature = "postgres")]
        DbConn::Pg(_) => Ok(()),
    }
}
