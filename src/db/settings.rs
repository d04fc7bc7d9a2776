//! Key–value settings kept in the database, shared by every app instance.

use diesel::prelude::*;

use super::schema::settings;
use super::{is_unique_violation, now, DbConn};

const SECRET_KEY: &str = "secret_key";

pub fn get(conn: &mut DbConn, key: &str) -> QueryResult<Option<String>> {
    settings::table
        .find(key)
        .select(settings::value)
        .first(conn)
        .optional()
}

/// The installation's secret key, created on first use. When two instances
/// start together, the one whose insert loses the race reads the winner's.
pub fn secret_key(conn: &mut DbConn) -> QueryResult<String> {
    if let Some(key) = get(conn, SECRET_KEY)? {
        return Ok(key);
    }
    let fresh = crate::tokens::random_token();
    match diesel::insert_into(settings::table)
        .values((
            settings::key.eq(SECRET_KEY),
            settings::value.eq(&fresh),
            settings::updated_at.eq(now()),
        ))
        .execute(conn)
    {
        Ok(_) => Ok(fresh),
        Err(e) if is_unique_violation(&e) => get(conn, SECRET_KEY)?.ok_or(e),
        Err(e) => Err(e),
    }
}

/// Stores a setting, replacing any previous value.
pub fn set(conn: &mut DbConn, key: &str, value: &str) -> QueryResult<()> {
    let updated = diesel::update(settings::table.find(key))
        .set((settings::value.eq(value), settings::updated_at.eq(now())))
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(settings::table)
            .values((
                settings::key.eq(key),
                settings::value.eq(value),
                settings::updated_at.eq(now()),
            ))
            .execute(conn)?;
    }
    Ok(())
}
