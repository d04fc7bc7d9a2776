//! Proposals from an institution's own files: upload the supplier master
//! file, review what it proposes beside the register's values, accept in
//! bulk, and resolve each conflict by choosing a value.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use crate::auth::{CsrfForm, CurrentUser, PageContext};
use crate::error::{AppError, AppResult};
use crate::handlers::redirect_with_flash;
use crate::register::master_file::{self, MasterSummary};
use crate::register::proposals;
use crate::register::supplier_file::RowError;
use crate::state::AppState;
use crate::views::{html_status, Layout, ProposalsPage};

/// The institution whose files the user works with: proposals come from an
/// institution's own files, so only its clerks and admins review them (a
/// network-wide user has no files of their own).
fn institution_of(user: &CurrentUser) -> AppResult<i64> {
    user.require(user.can_edit_register())?;
    user.institution_id.ok_or(AppError::Forbidden)
}

async fn page_for(
    state: &AppState,
    user: &CurrentUser,
    page: &PageContext,
    institution: i64,
    summary: Option<MasterSummary>,
    errors: Vec<RowError>,
) -> AppResult<ProposalsPage> {
    let reviews = state.db(move |c| proposals::open(c, institution)).await?;
    let (conflicts, reviews) = reviews.into_iter().partition(|r| r.conflict);
    let mut layout = Layout::new("Proposals from your files", Some(user), page);
    if !errors.is_empty() {
        layout = layout.failed();
    }
    Ok(ProposalsPage {
        layout,
        reviews,
        conflicts,
        summary,
        errors,
    })
}

pub async fn proposals_page(
    state: web::Data<AppState>,
    user: CurrentUser,
    page: PageContext,
) -> AppResult<HttpResponse> {
    let institution = institution_of(&user)?;
    let p = page_for(&state, &user, &page, institution, None, Vec::new()).await?;
    html_status(StatusCode::OK, &p)
}

/// Reads an uploaded supplier master file into proposals and shows what it
/// found.
pub async fn upload_master_file(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    page: PageContext,
    form: actix_multipart::Multipart,
) -> AppResult<HttpResponse> {
    let institution = institution_of(&user)?;
    let upload =
        crate::handlers::uploads::receive(&req, form, crate::handlers::uploads::UploadKind::Data)
            .await?;
    let outcome = match upload {
        None => Err(vec![RowError {
            row: 0,
            message: "Choose the supplier master file to read".into(),
        }]),
        Some(upload) => {
            let actor = user.actor();
            state
                .db(move |c| {
                    master_file::import(c, &actor, institution, &upload.original, upload.path())
                })
                .await?
        }
    };
    match outcome {
        Ok(summary) => {
            let p = page_for(&state, &user, &page, institution, Some(summary), Vec::new()).await?;
            html_status(StatusCode::OK, &p)
        }
        Err(errors) => {
            let p = page_for(&state, &user, &page, institution, None, errors).await?;
            html_status(StatusCode::UNPROCESSABLE_ENTITY, &p)
        }
    }
}

fn ticked(form: &CsrfForm<crate::handlers::auth::Empty>) -> Vec<i64> {
    form.all("proposal")
        .filter_map(|v| v.parse().ok())
        .collect()
}

/// Accepts the ticked proposals; conflicts are never among them.
pub async fn accept_proposals(
    state: web::Data<AppState>,
    user: CurrentUser,
    form: CsrfForm<crate::handlers::auth::Empty>,
) -> AppResult<HttpResponse> {
    let institution = institution_of(&user)?;
    let ids = ticked(&form);
    if ids.is_empty() {
        return Err(AppError::BadRequest(
            "Tick the proposals you accept.".into(),
        ));
    }
    let actor = user.actor();
    let done = state
        .db(move |c| proposals::accept(c, &actor, institution, &ids, false))
        .await?;
    let mut message = format!("Accepted {} proposal(s).", done.accepted);
    if done.conflicts_left > 0 {
        message.push_str(&format!(
            " {} disagree with the register and wait for your choice.",
            done.conflicts_left
        ));
    }
    Ok(redirect_with_flash(
        &state,
        "/suppliers/proposals",
        &message,
    ))
}

#[derive(Deserialize)]
pub struct ResolveForm {
    #[serde(default)]
    keep: String,
}

/// Resolves one conflict: the file's value replaces the register's
/// (`keep=file`), or the register keeps its own (`keep=register`).
pub async fn resolve_proposal(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
    form: CsrfForm<ResolveForm>,
) -> AppResult<HttpResponse> {
    let institution = institution_of(&user)?;
    let (actor, id) = (user.actor(), id.into_inner());
    let message = match form.data.keep.as_str() {
        "file" => {
            state
                .db(move |c| proposals::accept(c, &actor, institution, &[id], true))
                .await?;
            "The file's value is on the register now."
        }
        "register" => {
            state
                .db(move |c| proposals::reject(c, &actor, institution, id))
                .await?;
            "The register keeps its value."
        }
        _ => return Err(AppError::BadRequest("Choose which value to keep.".into())),
    };
    Ok(redirect_with_flash(&state, "/suppliers/proposals", message))
}
