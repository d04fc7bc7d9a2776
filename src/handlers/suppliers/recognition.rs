//! Suggestions from names (public bodies, VCSE organisations) that a clerk
//! confirms in bulk.

use actix_web::{web, HttpResponse};

use crate::auth::{CsrfForm, CurrentUser, PageContext};
use crate::error::{AppError, AppResult};
use crate::handlers::redirect_with_flash;
use crate::state::AppState;
use crate::views::{html, Layout, SimilarSuppliersPage, SuggestionsPage};

/// Suggestions shown on one page.
const SHOWN: usize = 300;
/// Suppliers read for one page at most, so the page costs the same however
/// large the register is.
const READ_PER_PAGE: usize = 50_000;

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct SuggestionsQuery {
    after: String,
}

/// Suppliers the recognition rules have suggestions for, a bounded look at
/// a time.
pub async fn suggestions(
    state: web::Data<AppState>,
    user: CurrentUser,
    page: PageContext,
    query: web::Query<SuggestionsQuery>,
) -> AppResult<HttpResponse> {
    user.require(user.can_edit_register())?;
    let after: i64 = query.after.trim().parse().unwrap_or(0).max(0);
    let recogniser = state.recogniser.clone();
    let scan = state
        .db(move |c| {
            crate::register::enrich::rule_suggestions(c, &recogniser, after, SHOWN, READ_PER_PAGE)
        })
        .await?;
    html(&SuggestionsPage {
        layout: Layout::new("Suggestions from names", Some(&user), &page),
        total: scan.found.len(),
        next: scan.next,
        rows: scan
            .found
            .into_iter()
            .map(|(s, g)| {
                (
                    s.id,
                    s.name,
                    g.describe(),
                    matches!(g, crate::domain::recognise::Suggestion::Redacted),
                )
            })
            .collect(),
    })
}

/// Confirms the rules' suggestions for the ticked suppliers.
pub async fn accept_suggestions(
    state: web::Data<AppState>,
    user: CurrentUser,
    form: CsrfForm<crate::handlers::auth::Empty>,
) -> AppResult<HttpResponse> {
    user.require(user.can_edit_register())?;
    let ids: Vec<i64> = form
        .all("supplier")
        .filter_map(|v| v.parse().ok())
        .collect();
    if ids.is_empty() {
        return Err(AppError::BadRequest(
            "Tick the suggestions you confirm.".into(),
        ));
    }
    let (actor, recogniser) = (user.actor(), state.recogniser.clone());
    let changed = state
        .db(move |c| crate::register::enrich::accept_rules(c, &actor, &recogniser, &ids))
        .await?;
    Ok(redirect_with_flash(
        &state,
        "/suppliers/suggestions",
        &format!("Confirmed suggestions for {changed} supplier(s)."),
    ))
}

/// Pairs of suppliers shown on the similar-names page.
const PAIRS_SHOWN: usize = 300;

/// Pairs of suppliers whose names are likely one organisation's, with how
/// alike they are; a clerk merges the ones that are.
pub async fn similar(
    state: web::Data<AppState>,
    user: CurrentUser,
    page: PageContext,
) -> AppResult<HttpResponse> {
    user.require(user.can_edit_register())?;
    let mut pairs = state.db(crate::register::near::register_pairs).await?;
    let total = pairs.len();
    pairs.truncate(PAIRS_SHOWN);
    html(&SimilarSuppliersPage {
        layout: Layout::new("Similar supplier names", Some(&user), &page),
        pairs,
        total,
    })
}
