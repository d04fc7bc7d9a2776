//! The audit log: admins and auditors read it and export it as CSV, each
//! within their institution unless network-wide.

use actix_web::http::StatusCode;
use actix_web::web;
use actix_web::HttpResponse;
use chrono::NaiveDate;
use serde::Deserialize;

use crate::auth::{CurrentUser, PageContext};
use crate::db::audit::{self, AuditFilter, AuditRow};
use crate::error::{AppError, AppResult};
use crate::handlers::Page;
use crate::state::AppState;
use crate::views::audit::{action_label, record_label, EntryView};
use crate::views::{html_status, url_encode, AuditPage, FormErrors, Layout};

const PAGE_SIZE: i64 = 50;
const EXPORT_BATCH: i64 = 1000;

#[derive(Debug, Default, Deserialize, serde::Serialize)]
pub struct AuditQuery {
    #[serde(default)]
    entity_type: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    actor: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    /// `hide` leaves out sign-ins.
    #[serde(default)]
    sign_ins: String,
    #[serde(default)]
    page: Option<i64>,
}

/// Reads a UK (dd/mm/yyyy) or ISO date.
fn parse_date(raw: &str) -> Option<NaiveDate> {
    let raw = raw.trim();
    NaiveDate::parse_from_str(raw, "%d/%m/%Y")
        .or_else(|_| NaiveDate::parse_from_str(raw, "%Y-%m-%d"))
        .ok()
}

fn non_empty(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_owned())
}

impl AuditQuery {
    fn filter(&self, user: &CurrentUser, errors: &mut FormErrors) -> AuditFilter {
        let mut date = |field: &'static str, raw: &str| match non_empty(raw) {
            None => None,
            Some(r) => parse_date(&r).or_else(|| {
                errors.add(field, format!("Enter the {field} date as dd/mm/yyyy"));
                None
            }),
        };
        AuditFilter {
            scope: user.reach.ids().map(<[i64]>::to_vec),
            entity_type: non_empty(&self.entity_type),
            entity_id: None,
            action: non_empty(&self.action),
            actor: non_empty(&self.actor),
            from: date("from", &self.from),
            to: date("to", &self.to),
            hide_sign_ins: self.hides_sign_ins(),
        }
    }

    fn hides_sign_ins(&self) -> bool {
        self.sign_ins == "hide"
    }

    fn query_string(&self) -> String {
        [
            ("entity_type", &self.entity_type),
            ("action", &self.action),
            ("actor", &self.actor),
            ("from", &self.from),
            ("to", &self.to),
            ("sign_ins", &self.sign_ins),
        ]
        .iter()
        .map(|(k, v)| format!("{k}={}", url_encode(v.trim())))
        .collect::<Vec<_>>()
        .join("&")
    }
}

/// Each code beside its words, for a filter's options.
fn in_words(codes: Vec<String>, words: fn(&str) -> String) -> Vec<(String, String)> {
    codes
        .into_iter()
        .map(|c| {
            let w = words(&c);
            (c, w)
        })
        .collect()
}

pub async fn list(
    state: web::Data<AppState>,
    user: CurrentUser,
    page: PageContext,
    query: web::Query<AuditQuery>,
) -> AppResult<HttpResponse> {
    user.require(user.can_read_audit())?;
    let mut errors = FormErrors::default();
    let filter = query.filter(&user, &mut errors);
    let page_no = query.page.unwrap_or(1).max(1);
    let ((rows, total), (entity_types, actions)) = state
        .db(move |c| {
            Ok((
                audit::list(c, &filter, PAGE_SIZE, (page_no - 1) * PAGE_SIZE)?,
                audit::distinct_values(c)?,
            ))
        })
        .await?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    html_status(
        status,
        &AuditPage {
            layout: Layout::new("Audit log", Some(&user), &page),
            rows: rows.into_iter().map(EntryView::new).collect(),
            total,
            page: page_no,
            pages: (total + PAGE_SIZE - 1) / PAGE_SIZE,
            entity_type: query.entity_type.clone(),
            action: query.action.clone(),
            actor: query.actor.clone(),
            from: query.from.clone(),
            to: query.to.clone(),
            hide_sign_ins: query.hides_sign_ins(),
            entity_types: in_words(entity_types, record_label),
            actions: in_words(actions, action_label),
            query: query.query_string(),
            errors,
        },
    )
}

pub const CSV_HEADER: [&str; 11] = [
    "id",
    "at_utc",
    "actor_user_id",
    "actor",
    "action",
    "entity_type",
    "entity_id",
    "institution_id",
    "summary",
    "before_json",
    "after_json",
];

fn csv_row(r: &AuditRow) -> [String; 11] {
    let opt = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
    [
        r.id.to_string(),
        r.at.format("%Y-%m-%dT%H:%M:%S%.6f").to_string(),
        opt(r.actor_user_id),
        r.actor_name.to_string(),
        r.action.to_string(),
        r.entity_type.to_string(),
        r.entity_id.to_string(),
        opt(r.institution_id),
        r.summary.to_string(),
        r.before_json
            .as_deref()
            .map(|s| s.to_string())
            .unwrap_or_default(),
        r.after_json
            .as_deref()
            .map(|s| s.to_string())
            .unwrap_or_default(),
    ]
}

/// Streams the filtered log as CSV in batches, so memory stays flat however
/// long the log is.
pub async fn export_csv(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: web::Query<AuditQuery>,
) -> AppResult<HttpResponse> {
    user.require(user.can_read_audit())?;
    let mut errors = FormErrors::default();
    let filter = query.filter(&user, &mut errors);
    if let Some((_, message)) = errors.iter().next() {
        return Err(AppError::BadRequest(message.clone()));
    }
    let export = crate::handlers::csv::Export {
        stem: "audit-log",
        what: format!(
            "the audit log ({})",
            serde_urlencoded::to_string(&*query).unwrap_or_default()
        ),
        institution: user.institution_id,
    };
    crate::handlers::keyset_csv(state, &user, export, &CSV_HEADER, move |c, after| {
        let rows = audit::batch_after(c, &filter, after, EXPORT_BATCH)?;
        Ok(Page::of(&rows, EXPORT_BATCH, |r| r.id, csv_row))
    })
    .await
}
