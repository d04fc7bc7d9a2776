//! Suggestions from names (public bodies, VCSE organisations) that a clerk
//! confirms in bulk.

use actix_web::{web, HttpResponse};

use crate::auth::{CsrfForm, CurrentUser, PageContext};
use crate::error::{AppError, AppResult};
use crate::handlers::redirect_with_flash;
use crate::state::AppState;
use crate::views::{html, Layout, SuggestionsPage};

/// Suppliers the recognition rules have suggestions for.
pub async fn suggestions(
    state: web::Data<AppState>,
    user: CurrentUser,
    page: PageContext,
) -> AppResult<HttpResponse> {
    user.require(user.can_edit_register())?;
    let recogniser = state.recogniser.clone();
    let found = state
        .db(move |c| crate::register::enrich::rule_suggestions(c, &recogniser))
        .await?;
    html(&SuggestionsPage {
        layout: Layout::new("Suggestions from names", Some(&user), &page),
        total: found.len(),
        rows: found
            .into_iter()
            .take(300)
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
