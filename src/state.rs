//! The web layer's floor: what every request shares ([`AppState`]) and the
//! helpers that keep database and CPU-heavy work off the async executor.
//! Handlers, extractors and middleware depend on this module; it depends on
//! nothing above it.

use std::sync::Arc;

use actix_web::web;

use crate::auth::Keys;
use crate::config::Config;
use crate::db::{DbConn, DbPool};
use crate::domain::geography::Gazetteer;
use crate::domain::recognise::Recogniser;
use crate::error::AppError;

/// Shared by every request: the pool, the configuration and the keys.
pub struct AppState {
    pub pool: DbPool,
    pub config: Config,
    pub keys: Keys,
    /// Reference geography: the files this build ships, the same the
    /// database is seeded with (see [`crate::domain::geography::shipped_gazetteer`]).
    pub gazetteer: &'static Gazetteer,
    /// Name rules for public bodies and VCSE organisations.
    pub recogniser: Arc<Recogniser>,
    /// What reports need to know of every supplier, while it is unchanged.
    pub facts: Arc<crate::db::report::FactsCache>,
    /// Recently read financial-year totals, while unchanged.
    pub totals: Arc<crate::db::report::TotalsCache>,
    /// Turns for line-level exports.
    pub exports: crate::spool::ExportGate,
}

impl AppState {
    /// What the report engine reads besides the database.
    pub fn report_context(&self) -> crate::reporting::ReportContext<'_> {
        crate::reporting::ReportContext {
            gazetteer: self.gazetteer,
            facts: &self.facts,
            totals: &self.totals,
            pool: Some(&self.pool),
        }
    }

    /// Runs database work on the blocking thread pool, never on the async
    /// executor.
    pub async fn db<T, F>(&self, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        web::block(move || {
            let mut conn = pool.get()?;
            f(&mut conn)
        })
        .await?
    }
}

/// Runs CPU-heavy work (password hashing, parsing) off the async executor.
pub async fn blocking<T, F>(f: F) -> Result<T, AppError>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    Ok(web::block(f).await?)
}
