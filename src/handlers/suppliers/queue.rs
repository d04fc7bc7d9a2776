//! The classification work queue: unclassified suppliers by influenceable
//! spend, with a quick-edit row each.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::Deserialize;

use super::editable;
use crate::auth::{CsrfForm, CurrentUser, PageContext};
use crate::db::institutions;
use crate::db::suppliers::{self};
use crate::domain::supplier::{SizeBand, SizeDefinition, Source};
use crate::error::AppResult;
use crate::handlers::{form_version, redirect_with_flash};
use crate::state::AppState;
use crate::views::{html, html_status, FormErrors, Layout, QueuePage};

/// How many of the biggest suppliers the coverage meter looks at (CLES's top 300).
const TOP_N: usize = 300;

#[derive(Debug, Default, Deserialize)]
pub struct QueueQuery {
    #[serde(default)]
    institution_id: Option<i64>,
}

async fn queue_page(
    state: &AppState,
    user: &CurrentUser,
    page: &PageContext,
    chosen: Option<i64>,
    errors: FormErrors,
) -> AppResult<QueuePage> {
    let reach = user.reach.clone();
    let (institutions, coverage_and_queue) = state
        .db(move |c| {
            let all = institutions::list(c, &reach)?;
            let institution = chosen
                .filter(|id| all.iter().any(|i| i.id == *id))
                .or(all.first().map(|i| i.id));
            let result = match institution {
                Some(i) => Some((i, crate::register::enrich::work_queue(c, i, TOP_N)?)),
                None => None,
            };
            Ok((
                all.into_iter().map(|i| (i.id, i.name)).collect::<Vec<_>>(),
                result,
            ))
        })
        .await?;
    let (institution_id, (coverage, rows)) = match coverage_and_queue {
        Some((i, data)) => (Some(i), data),
        None => (
            None,
            (crate::domain::spend::Coverage::of(&[], TOP_N), Vec::new()),
        ),
    };
    Ok(QueuePage {
        layout: Layout::new("Classification work queue", Some(user), page),
        institutions,
        institution_id,
        coverage,
        rows,
        bands: SizeBand::ALL,
        bases: crate::domain::classify::LocationBasis::ALL,
        errors,
    })
}

/// Unclassified suppliers in order of the institution's influenceable spend.
pub async fn queue(
    state: web::Data<AppState>,
    user: CurrentUser,
    page: PageContext,
    query: web::Query<QueueQuery>,
) -> AppResult<HttpResponse> {
    user.require(user.can_edit_register())?;
    html(
        &queue_page(
            &state,
            &user,
            &page,
            query.institution_id,
            FormErrors::default(),
        )
        .await?,
    )
}

#[derive(Deserialize)]
pub struct QuickFields {
    #[serde(default)]
    postcode: String,
    #[serde(default)]
    location_basis: String,
    #[serde(default)]
    size_band: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    institution_id: Option<i64>,
    #[serde(default)]
    rank: String,
}

/// Saves a row of the queue: a postcode for the chosen basis and a size band
/// by employee count, recorded as the clerk's judgement.
pub async fn quick_edit(
    state: web::Data<AppState>,
    user: CurrentUser,
    page: PageContext,
    id: web::Path<i64>,
    form: CsrfForm<QuickFields>,
) -> AppResult<HttpResponse> {
    let current = editable(&state, &user, id.into_inner()).await?;
    let q = form.data;
    let mut f = current.fields();
    f.location_basis = q.location_basis.clone();
    let postcode = q.postcode.trim().to_owned();
    match q.location_basis.as_str() {
        "branch" => f.postcode_branch = postcode,
        "invoice" => f.postcode_invoice = postcode,
        _ => f.postcode_registered = postcode,
    }
    if !q.size_band.is_empty() {
        f.size_band = q.size_band.clone();
        f.size_definition = SizeDefinition::Employees.code().into();
    }
    let input = match f.parse() {
        Ok(i) => i,
        Err(problems) => {
            let mut errors = FormErrors::default();
            for (_, message) in problems {
                errors.add("queue", format!("{}: {message}", current.name));
            }
            return html_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &queue_page(&state, &user, &page, q.institution_id, errors).await?,
            );
        }
    };
    let (actor, sid, version) = (user.actor(), current.id, form_version(&q.version));
    let gazetteer = state.gazetteer;
    let whereabouts = state
        .db(move |c| {
            suppliers::update(
                c,
                &actor,
                sid,
                version,
                &input,
                Source::Clerk,
                "Classification work queue",
            )?;
            Ok(crate::db::locations::described(c, sid, gazetteer)?)
        })
        .await?;
    let back = format!(
        "/suppliers/queue?institution_id={}#row-{}",
        q.institution_id.unwrap_or_default(),
        q.rank
    );
    Ok(redirect_with_flash(
        &state,
        &back,
        &format!("Saved {}: {whereabouts}.", current.name),
    ))
}
