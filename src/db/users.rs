//! User accounts. Password hashes never leave this module in audit records.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use super::audit::{self, Actor, Change};
use super::schema::{institutions, network_members, networks, users as t};
use super::Error;
use super::{now, sessions, write_tx, DbConn};
use crate::domain::account::{Reach, Username};
use crate::domain::Role;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Serialize)]
#[diesel(table_name = t)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub institution_id: Option<i64>,
    #[serde(skip_serializing)]
    pub password_hash: String,
    pub disabled: bool,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub password_changed_at: NaiveDateTime,
    /// The network a network-wide manager or auditor works across.
    pub network_id: Option<i64>,
}

impl User {
    pub fn role(&self) -> Role {
        // The CHECK constraint keeps the column to known codes.
        Role::from_code(&self.role).unwrap_or(Role::Auditor)
    }

    pub fn is_active_network_admin(&self) -> bool {
        self.role() == Role::Admin && self.institution_id.is_none() && !self.disabled
    }
}

/// Whose data a user's work covers: their institution, every member of
/// their network, or (for admins tied to neither) every institution.
pub fn reach_of(conn: &mut DbConn, user: &User) -> QueryResult<Reach> {
    Ok(match (user.institution_id, user.network_id) {
        (Some(own), _) => Reach::institution(own),
        (None, Some(network)) => Reach::Only(
            network_members::table
                .filter(network_members::network_id.eq(network))
                .select(network_members::institution_id)
                .order(network_members::institution_id.asc())
                .load(conn)?,
        ),
        (None, None) => Reach::All,
    })
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: Username,
    pub display_name: String,
    pub role: Role,
    pub institution_id: Option<i64>,
    /// For network-wide managers and auditors (then no institution).
    pub network_id: Option<i64>,
    pub password_hash: String,
}

/// The fields an admin can change on the user form.
#[derive(Debug, Clone, PartialEq)]
pub struct UserChanges {
    pub display_name: String,
    pub role: Role,
    pub institution_id: Option<i64>,
    pub network_id: Option<i64>,
    pub disabled: bool,
}

pub fn count(conn: &mut DbConn) -> QueryResult<i64> {
    t::table.count().get_result(conn)
}

pub fn get(conn: &mut DbConn, id: i64) -> QueryResult<User> {
    t::table.find(id).select(User::as_select()).first(conn)
}

pub fn find_by_username(conn: &mut DbConn, username: &str) -> QueryResult<Option<User>> {
    t::table
        .filter(t::username.eq(username.trim().to_lowercase()))
        .select(User::as_select())
        .first(conn)
        .optional()
}

/// Users in username order with the name of the institution or network
/// they work for; `reach` limits the list to those institutions' users.
pub fn list(conn: &mut DbConn, reach: &Reach) -> QueryResult<Vec<(User, Option<String>)>> {
    let mut q = t::table
        .left_join(institutions::table)
        .left_join(networks::table)
        .into_boxed();
    if let Some(ids) = reach.ids() {
        q = q.filter(t::institution_id.eq_any(ids.to_vec()));
    }
    let rows: Vec<(User, Option<String>, Option<String>)> = q
        .order(t::username.asc())
        .select((
            User::as_select(),
            institutions::name.nullable(),
            networks::name.nullable(),
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(u, institution, network)| {
            let network = network.map(|n| format!("{n} (network-wide)"));
            (u, institution.or(network))
        })
        .collect())
}

pub fn create(conn: &mut DbConn, actor: &Actor, new: &NewUser) -> Result<User, Error> {
    write_tx(conn, |conn| {
        let at = now();
        let user: User = diesel::insert_into(t::table)
            .values((
                t::username.eq(new.username.as_str()),
                t::display_name.eq(&new.display_name),
                t::role.eq(new.role.code()),
                t::institution_id.eq(new.institution_id),
                t::network_id.eq(new.network_id),
                t::password_hash.eq(&new.password_hash),
                t::disabled.eq(false),
                t::version.eq(1),
                t::created_at.eq(at),
                t::updated_at.eq(at),
                t::password_changed_at.eq(at),
            ))
            .get_result(conn)?;
        audit::record(
            conn,
            actor,
            Change::new("create", "user", user.id)
                .institution(user.institution_id)
                .summary(format!(
                    "Created user {} ({})",
                    user.username,
                    new.role.label()
                ))
                .after(&user),
        )?;
        Ok(user)
    })
}

fn active_network_admins(conn: &mut DbConn) -> QueryResult<i64> {
    t::table
        .filter(t::role.eq(Role::Admin.code()))
        .filter(t::institution_id.is_null())
        .filter(t::disabled.eq(false))
        .count()
        .get_result(conn)
}

/// Applies an admin's edit made from `expected_version`. Disabling ends the
/// user's sessions. The last active network-wide admin cannot be demoted,
/// tied to an institution or disabled, or nobody could run the installation.
pub fn update(
    conn: &mut DbConn,
    actor: &Actor,
    id: i64,
    expected_version: i64,
    changes: &UserChanges,
) -> Result<User, Error> {
    write_tx(conn, |conn| {
        super::lock_accounts(conn)?;
        let before = get(conn, id)?;
        // Checked first, so a stale form is told so before any other refusal;
        // the versioned UPDATE below catches a save in between.
        if before.version != expected_version {
            return Err(super::stale(conn, "user", id, before.updated_at));
        }
        let still_network_admin = changes.role == Role::Admin
            && changes.institution_id.is_none()
            && changes.network_id.is_none()
            && !changes.disabled;
        if before.is_active_network_admin()
            && !still_network_admin
            && active_network_admins(conn)? <= 1
        {
            return Err(Error::Conflict(
                "This is the only active network-wide admin: make another one first, \
                 or nobody could manage the installation."
                    .into(),
            ));
        }
        let after: Option<User> =
            diesel::update(t::table.find(id).filter(t::version.eq(expected_version)))
                .set((
                    t::display_name.eq(&changes.display_name),
                    t::role.eq(changes.role.code()),
                    t::institution_id.eq(changes.institution_id),
                    t::network_id.eq(changes.network_id),
                    t::disabled.eq(changes.disabled),
                    t::version.eq(expected_version + 1),
                    t::updated_at.eq(now()),
                ))
                .get_result(conn)
                .optional()?;
        let Some(after) = after else {
            // Saved by someone else between the read and this write.
            return Err(super::stale(conn, "user", id, before.updated_at));
        };
        if after.disabled {
            sessions::delete_for_user(conn, id)?;
        }
        let action = match (before.disabled, after.disabled) {
            (false, true) => "disable",
            (true, false) => "enable",
            _ => "update",
        };
        audit::record(
            conn,
            actor,
            Change::new(action, "user", id)
                .institution(after.institution_id.or(before.institution_id))
                .summary(format!("Updated user {}", after.username))
                .before(&before)
                .after(&after),
        )?;
        Ok(after)
    })
}

/// Sets a new password hash and ends every session of the user. `action` is
/// `password_change` (by the user) or `password_reset` (by an admin).
pub fn set_password(
    conn: &mut DbConn,
    actor: &Actor,
    id: i64,
    password_hash: &str,
    action: &'static str,
) -> Result<User, Error> {
    write_tx(conn, |conn| {
        let before = get(conn, id)?;
        let at = now();
        let after: User = diesel::update(t::table.find(id))
            .set((
                t::password_hash.eq(password_hash),
                t::password_changed_at.eq(at),
                t::version.eq(t::version + 1),
                t::updated_at.eq(at),
            ))
            .get_result(conn)?;
        let ended = sessions::delete_for_user(conn, id)?;
        audit::record(
            conn,
            actor,
            Change::new(action, "user", id)
                .institution(after.institution_id)
                .summary(format!(
                    "Password set for {}; {ended} session(s) ended",
                    after.username
                ))
                .before(&before)
                .after(&after),
        )?;
        Ok(after)
    })
}
