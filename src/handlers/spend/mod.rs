//! The spend ledger: browsing with filters and totals here; entering,
//! editing, deleting and restoring payments in `entry`, the Transparency Code
//! export in `export`, and each institution's influenceable payment-type
//! rules in `rules`.

use actix_web::{web, HttpResponse};
use chrono::NaiveDate;
use serde::Deserialize;

use crate::auth::{CurrentUser, PageContext};
use crate::db::areas::{self, Owner};
use crate::db::institutions::{self, Institution};
use crate::db::spend::{self, LedgerFilter, LedgerSort};
use crate::db::suppliers::LocationFilter;
use crate::db::DbConn;
use crate::domain::dates::parse_typed_date;
use crate::domain::period::financial_year_label;
use crate::domain::spend::PaymentType;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::views::spend::{LedgerPage, LedgerRow};
use crate::views::{html, url_encode, Layout};

mod entry;
mod export;
mod rules;
mod years;

pub use entry::*;
pub use export::*;
pub use rules::*;
pub use years::*;

const PAGE_SIZE: i64 = 50;

#[derive(Debug, Default, Clone, Deserialize, serde::Serialize)]
#[serde(default)]
pub struct LedgerQuery {
    institution: String,
    fy: String,
    from: String,
    to: String,
    supplier: String,
    department: String,
    payment_type: String,
    tier: String,
    batch: String,
    deleted: String,
    sort: String,
    page: Option<i64>,
}

impl LedgerQuery {
    fn query_string(&self) -> String {
        [
            ("institution", &self.institution),
            ("fy", &self.fy),
            ("from", &self.from),
            ("to", &self.to),
            ("supplier", &self.supplier),
            ("department", &self.department),
            ("payment_type", &self.payment_type),
            ("tier", &self.tier),
            ("batch", &self.batch),
            ("deleted", &self.deleted),
        ]
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", url_encode(v)))
        .collect::<Vec<_>>()
        .join("&")
    }
}

/// The institutions a user's data scope covers.
fn visible(c: &mut DbConn, user: &CurrentUser) -> Result<Vec<Institution>, AppError> {
    Ok(institutions::list(c, &user.reach)?)
}

/// Builds the filter a ledger query asks for, and the tier names of the
/// definition the tier filter refers to.
fn filter_of(
    c: &mut DbConn,
    user: &CurrentUser,
    q: &LedgerQuery,
) -> Result<(LedgerFilter, Vec<String>, Vec<Institution>), AppError> {
    let all = visible(c, user)?;
    let chosen: Option<i64> = q
        .institution
        .parse()
        .ok()
        .filter(|id| all.iter().any(|i| i.id == *id));
    let bad = |what: &str, raw: &str| {
        AppError::BadRequest(format!("{what} “{raw}” is not a date: use day/month/year"))
    };
    let mut from = match q.from.trim() {
        "" => None,
        raw => Some(parse_typed_date(raw).map_err(|_| bad("From", raw))?),
    };
    let mut to = match q.to.trim() {
        "" => None,
        raw => Some(parse_typed_date(raw).map_err(|_| bad("To", raw))?),
    };
    if let Ok(year) = q.fy.parse::<i32>() {
        let start_month = chosen
            .and_then(|id| all.iter().find(|i| i.id == id))
            .or(all.first())
            .map_or(4, |i| i.fy_start_month as u32);
        let start = NaiveDate::from_ymd_opt(year, start_month, 1);
        let end = NaiveDate::from_ymd_opt(year + 1, start_month, 1).and_then(|d| d.pred_opt());
        from = from.max(start);
        to = match (to, end) {
            (Some(t), Some(e)) => Some(t.min(e)),
            (t, e) => t.or(e),
        };
    }
    // Tiers are those of the chosen institution, or the viewer's own (the
    // first visible one for network-wide users).
    let owner = chosen.or(user.institution_id).or(all.first().map(|i| i.id));
    let tier_sets: Vec<(String, Vec<String>)> = match owner {
        Some(i) => areas::current(c, Owner::Institution(i))?
            .map(|d| d.tiers.into_iter().map(|t| (t.name, t.districts)).collect())
            .unwrap_or_default(),
        None => Vec::new(),
    };
    let location = LocationFilter::from_param(&q.tier, &tier_sets);
    let filter = LedgerFilter {
        institutions: match chosen {
            Some(i) => Some(vec![i]),
            None => user.reach.ids().map(<[i64]>::to_vec),
        },
        from,
        to,
        supplier: Some(q.supplier.clone()).filter(|s| !s.trim().is_empty()),
        supplier_id: None,
        department: Some(q.department.clone()).filter(|s| !s.is_empty()),
        payment_type: PaymentType::from_code(&q.payment_type).map(|t| t.code().to_owned()),
        location,
        batch: q.batch.parse().ok(),
        deleted: !q.deleted.is_empty() && user.is_admin(),
    };
    Ok((filter, tier_sets.into_iter().map(|t| t.0).collect(), all))
}

pub async fn ledger(
    state: web::Data<AppState>,
    user: CurrentUser,
    page: PageContext,
    query: web::Query<LedgerQuery>,
) -> AppResult<HttpResponse> {
    let q = query.into_inner();
    let page_no = q.page.unwrap_or(1).max(1);
    let sort = LedgerSort::from_code(&q.sort);
    let (u, qq) = (user.clone(), q.clone());
    let (rows, count, total, tiers, all, departments, influenceable, years) = state
        .db(move |c| {
            let (filter, tiers, all) = filter_of(c, &u, &qq)?;
            let (rows, count, total) =
                spend::ledger(c, &filter, sort, PAGE_SIZE, (page_no - 1) * PAGE_SIZE)?;
            let departments = spend::departments(c, filter.institutions.as_deref())?;
            let mut influenceable = Vec::new();
            for i in &all {
                influenceable.push((i.id, spend::influenceable_types(c, i.id)?));
            }
            let years = spend::years(c, filter.institutions.as_deref())?;
            Ok((
                rows,
                count,
                total,
                tiers,
                all,
                departments,
                influenceable,
                years,
            ))
        })
        .await?;
    let name_of = |id: i64| {
        all.iter()
            .find(|i| i.id == id)
            .map_or(String::new(), |i| i.name.clone())
    };
    let rows = rows
        .into_iter()
        .map(|line| LedgerRow {
            institution: name_of(line.institution_id),
            influenceable: influenceable
                .iter()
                .find(|(i, _)| *i == line.institution_id)
                .is_some_and(|(_, types)| types.contains(&line.payment_type)),
            line,
        })
        .collect();
    html(&LedgerPage {
        layout: Layout::new("Spend ledger", Some(&user), &page),
        rows,
        count,
        total_pence: total,
        page: page_no,
        pages: (count + PAGE_SIZE - 1) / PAGE_SIZE,
        query: q.query_string(),
        institution: q.institution,
        institutions: all.iter().map(|i| (i.id, i.name.clone())).collect(),
        fy: q.fy,
        years: years
            .into_iter()
            .map(|y| (y, financial_year_label(y)))
            .collect(),
        from: q.from,
        to: q.to,
        supplier: q.supplier,
        department: q.department,
        departments,
        payment_type: q.payment_type,
        tier: q.tier,
        tiers,
        sort: if q.sort.is_empty() {
            "-date".into()
        } else {
            q.sort
        },
        deleted: !q.deleted.is_empty() && user.is_admin(),
        batch: q.batch,
        can_edit: user.can_edit_spend(),
        can_restore: user.is_admin(),
    })
}
