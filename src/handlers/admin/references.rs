//! The published figures reports are read against, run by network-wide
//! admins (they are the whole instance's, like the postcode lookup).

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::Deserialize;

use crate::auth::{CsrfForm, CurrentUser, PageContext};
use crate::db::reference_figures;
use crate::domain::benchmarks::{marks, BenchmarkFields};
use crate::error::{AppError, AppResult};
use crate::handlers::{form_version, redirect_with_flash};
use crate::state::AppState;
use crate::views::references::{ReferenceFigureForm, ReferenceFiguresPage};
use crate::views::{html, html_status, FormErrors, Layout};

const LIST: &str = "/admin/reference-figures";

pub async fn list(
    state: web::Data<AppState>,
    user: CurrentUser,
    page: PageContext,
) -> AppResult<HttpResponse> {
    user.require_network_admin()?;
    let all = state.db(|c| Ok(reference_figures::list(c)?)).await?;
    html(&ReferenceFiguresPage::new(
        Layout::new("Published figures", Some(&user), &page),
        marks(&all),
        all,
    ))
}

pub async fn new_form(user: CurrentUser, page: PageContext) -> AppResult<HttpResponse> {
    user.require_network_admin()?;
    html(&ReferenceFigureForm {
        layout: Layout::new("Add a published figure", Some(&user), &page),
        id: None,
        version: 0,
        fields: BenchmarkFields {
            measure: "local".into(),
            ..BenchmarkFields::default()
        },
        errors: FormErrors::default(),
    })
}

pub async fn edit_form(
    state: web::Data<AppState>,
    user: CurrentUser,
    page: PageContext,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    user.require_network_admin()?;
    let id = id.into_inner();
    let b = state
        .db(move |c| Ok(reference_figures::get(c, id)?))
        .await?;
    html(&ReferenceFigureForm {
        layout: Layout::new(format!("Edit {}", b.label), Some(&user), &page),
        id: Some(id),
        version: b.version,
        fields: b.fields(),
        errors: FormErrors::default(),
    })
}

#[derive(Deserialize)]
pub struct FigureFields {
    #[serde(flatten)]
    fields: BenchmarkFields,
    #[serde(default)]
    version: String,
}

/// Creates (no `id`) or updates a published figure from the form; a form
/// with errors comes back with everything typed and each error at its field.
async fn save(
    state: web::Data<AppState>,
    user: CurrentUser,
    page: PageContext,
    id: Option<i64>,
    form: CsrfForm<FigureFields>,
) -> AppResult<HttpResponse> {
    user.require_network_admin()?;
    let FigureFields { fields, version } = form.data;
    let mut version = form_version(&version);
    let mut errors = FormErrors::default();
    let mut status = StatusCode::UNPROCESSABLE_ENTITY;
    match fields.parse() {
        Err(list) => errors = FormErrors::from_list(list),
        Ok(input) => {
            let actor = user.actor();
            let saved = state
                .db(move |c| {
                    Ok(match id {
                        Some(id) => reference_figures::update(c, &actor, id, version, &input),
                        None => reference_figures::create(c, &actor, &input),
                    }?)
                })
                .await;
            match saved {
                Ok(b) => {
                    return Ok(redirect_with_flash(
                        &state,
                        LIST,
                        &format!("Saved the published figure {}.", b.label),
                    ))
                }
                Err(AppError::Conflict(message)) => {
                    errors.add("label", message);
                    status = StatusCode::CONFLICT;
                    // Resubmitting now deliberately replaces the other save.
                    if let Some(id) = id {
                        version = state
                            .db(move |c| Ok(reference_figures::get(c, id)?))
                            .await?
                            .version;
                    }
                }
                Err(e) => return Err(e),
            }
        }
    }
    html_status(
        status,
        &ReferenceFigureForm {
            layout: Layout::new("Published figure", Some(&user), &page).failed(),
            id,
            version,
            fields,
            errors,
        },
    )
}

pub async fn create(
    state: web::Data<AppState>,
    user: CurrentUser,
    page: PageContext,
    form: CsrfForm<FigureFields>,
) -> AppResult<HttpResponse> {
    save(state, user, page, None, form).await
}

pub async fn update(
    state: web::Data<AppState>,
    user: CurrentUser,
    page: PageContext,
    id: web::Path<i64>,
    form: CsrfForm<FigureFields>,
) -> AppResult<HttpResponse> {
    save(state, user, page, Some(id.into_inner()), form).await
}

#[derive(Deserialize)]
pub struct DeleteFields {
    #[serde(default)]
    version: String,
}

pub async fn delete(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
    form: CsrfForm<DeleteFields>,
) -> AppResult<HttpResponse> {
    user.require_network_admin()?;
    let (id, version, actor) = (
        id.into_inner(),
        form_version(&form.data.version),
        user.actor(),
    );
    let gone = state
        .db(move |c| Ok(reference_figures::delete(c, &actor, id, version)?))
        .await?;
    Ok(redirect_with_flash(
        &state,
        LIST,
        &format!("Removed the published figure {}.", gone.label),
    ))
}
