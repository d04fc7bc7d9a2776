//! The append-only audit log. Every write in the app calls [`record`] inside
//! the same transaction as the change it describes.

use chrono::{Days, NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use super::schema::audit_log;
use super::{batch_insert, now, DbConn};

diesel::define_sql_function!(fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text);

/// Who made a change: a signed-in user, or the system acting for someone
/// (the command line, first-run setup).
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: Option<i64>,
    pub name: String,
}

impl Actor {
    pub fn system(name: &str) -> Self {
        Self {
            user_id: None,
            name: name.to_owned(),
        }
    }
}

/// One change to record.
#[derive(Debug, Clone)]
pub struct Change<'a> {
    pub action: &'a str,
    pub entity_type: &'a str,
    pub entity_id: String,
    /// The institution whose data changed, which decides who may read the row.
    pub institution_id: Option<i64>,
    pub summary: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

impl<'a> Change<'a> {
    pub fn new(action: &'a str, entity_type: &'a str, entity_id: impl ToString) -> Self {
        Self {
            action,
            entity_type,
            entity_id: entity_id.to_string(),
            institution_id: None,
            summary: String::new(),
            before: None,
            after: None,
        }
    }

    pub fn institution(mut self, id: Option<i64>) -> Self {
        self.institution_id = id;
        self
    }

    pub fn summary(mut self, summary: impl Into<String>) -> Self {
        self.summary = summary.into();
        self
    }

    pub fn before(mut self, value: &impl Serialize) -> Self {
        self.before = serde_json::to_value(value).ok();
        self
    }

    pub fn after(mut self, value: &impl Serialize) -> Self {
        self.after = serde_json::to_value(value).ok();
        self
    }
}

/// An audit row as written.
#[derive(Insertable)]
#[diesel(table_name = audit_log, treat_none_as_null = true)]
struct NewRow<'a> {
    at: NaiveDateTime,
    actor_user_id: Option<i64>,
    actor_name: &'a str,
    action: &'a str,
    entity_type: &'a str,
    entity_id: &'a str,
    institution_id: Option<i64>,
    summary: &'a str,
    before_json: Option<String>,
    after_json: Option<String>,
}

impl<'a> NewRow<'a> {
    fn of(actor: &'a Actor, change: &'a Change<'_>, at: NaiveDateTime) -> Self {
        Self {
            at,
            actor_user_id: actor.user_id,
            actor_name: &actor.name,
            action: change.action,
            entity_type: change.entity_type,
            entity_id: &change.entity_id,
            institution_id: change.institution_id,
            summary: &change.summary,
            before_json: change.before.as_ref().map(ToString::to_string),
            after_json: change.after.as_ref().map(ToString::to_string),
        }
    }
}

pub fn record(conn: &mut DbConn, actor: &Actor, change: Change<'_>) -> QueryResult<()> {
    diesel::insert_into(audit_log::table)
        .values(NewRow::of(actor, &change, now()))
        .execute(conn)?;
    Ok(())
}

/// Who last changed a record, as the audit log names them.
pub fn last_actor(
    conn: &mut DbConn,
    entity_type: &str,
    entity_id: &str,
) -> QueryResult<Option<String>> {
    audit_log::table
        .filter(audit_log::entity_type.eq(entity_type))
        .filter(audit_log::entity_id.eq(entity_id))
        .order(audit_log::id.desc())
        .select(audit_log::actor_name)
        .first(conn)
        .optional()
}

/// Audit rows written per statement by [`record_many`] (ten values each).
const MANY_PER_STATEMENT: usize = 500;

/// Records many changes by one actor at once, a few hundred rows per
/// statement: for bulk writes, such as the suppliers a spend file names.
pub fn record_many(conn: &mut DbConn, actor: &Actor, changes: &[Change<'_>]) -> QueryResult<()> {
    let at = now();
    for chunk in changes.chunks(MANY_PER_STATEMENT) {
        let rows: Vec<NewRow> = chunk.iter().map(|c| NewRow::of(actor, c, at)).collect();
        batch_insert!(conn, audit_log::table, rows)?;
    }
    Ok(())
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = audit_log)]
pub struct AuditRow {
    pub id: i64,
    pub at: NaiveDateTime,
    pub actor_user_id: Option<i64>,
    pub actor_name: String,
    pub action: String,
    pub entity_type: String,
    pub entity_id: String,
    pub institution_id: Option<i64>,
    pub summary: String,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
}

/// Which rows to show. `scope` limits a user to their institutions' rows
/// (`None`: every row, for the installation's admins).
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub scope: Option<Vec<i64>>,
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    pub action: Option<String>,
    pub actor: Option<String>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// Leaves out sign-ins, sign-outs and failed sign-ins.
    pub hide_sign_ins: bool,
}

type Backend = <DbConn as diesel::Connection>::Backend;

fn filtered(filter: &AuditFilter) -> audit_log::BoxedQuery<'static, Backend> {
    let mut q = audit_log::table.into_boxed::<Backend>();
    if let Some(scope) = &filter.scope {
        q = q.filter(audit_log::institution_id.eq_any(scope.clone()));
    }
    if let Some(t) = &filter.entity_type {
        q = q.filter(audit_log::entity_type.eq(t.clone()));
    }
    if let Some(id) = &filter.entity_id {
        q = q.filter(audit_log::entity_id.eq(id.clone()));
    }
    if let Some(a) = &filter.action {
        q = q.filter(audit_log::action.eq(a.clone()));
    }
    if let Some(actor) = &filter.actor {
        let escaped = actor
            .to_lowercase()
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        q = q.filter(
            lower(audit_log::actor_name)
                .like(format!("%{escaped}%"))
                .escape('\\'),
        );
    }
    if filter.hide_sign_ins {
        q = q
            .filter(audit_log::entity_type.ne("session"))
            .filter(audit_log::action.ne("login_failed"));
    }
    if let Some(from) = filter.from {
        q = q.filter(audit_log::at.ge(from.and_hms_opt(0, 0, 0).unwrap_or_default()));
    }
    if let Some(to) = filter.to.and_then(|d| d.checked_add_days(Days::new(1))) {
        q = q.filter(audit_log::at.lt(to.and_hms_opt(0, 0, 0).unwrap_or_default()));
    }
    q
}

/// One page of rows, newest first, and the number of rows matching.
pub fn list(
    conn: &mut DbConn,
    filter: &AuditFilter,
    limit: i64,
    offset: i64,
) -> QueryResult<(Vec<AuditRow>, i64)> {
    let total = filtered(filter).count().get_result(conn)?;
    let rows = filtered(filter)
        .order(audit_log::id.desc())
        .limit(limit)
        .offset(offset)
        .select(AuditRow::as_select())
        .load(conn)?;
    Ok((rows, total))
}

/// The next `limit` rows after `after_id` in id order, for streaming exports.
pub fn batch_after(
    conn: &mut DbConn,
    filter: &AuditFilter,
    after_id: i64,
    limit: i64,
) -> QueryResult<Vec<AuditRow>> {
    filtered(filter)
        .filter(audit_log::id.gt(after_id))
        .order(audit_log::id.asc())
        .limit(limit)
        .select(AuditRow::as_select())
        .load(conn)
}

/// The entity types and actions on record, for filter pickers.
pub fn distinct_values(conn: &mut DbConn) -> QueryResult<(Vec<String>, Vec<String>)> {
    let types = audit_log::table
        .select(audit_log::entity_type)
        .distinct()
        .order(audit_log::entity_type)
        .load(conn)?;
    let actions = audit_log::table
        .select(audit_log::action)
        .distinct()
        .order(audit_log::action)
        .load(conn)?;
    Ok((types, actions))
}
