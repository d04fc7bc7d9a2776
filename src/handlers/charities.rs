//! The register of charities: load its extract (network admins), review the
//! proposals it makes for suppliers and accept them.

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

use super::{redirect, redirect_with_flash, uploads};
use crate::auth::{CsrfForm, CurrentUser, PageContext};
use crate::error::{AppError, AppResult};
use crate::import::charity_release::CharityRegister;
use crate::register::charity;
use crate::state::AppState;
use crate::views::{html, html_status, CharitiesPage, Layout};

pub const IMPORT_JOB: &str = <CharityRegister as crate::import::release::Reference>::JOB_KIND;
const SHOWN: usize = 200;

async fn page_for(
    state: &AppState,
    user: &CurrentUser,
    page: &PageContext,
) -> AppResult<CharitiesPage> {
    let (release, proposals, jobs) = state
        .db(|c| {
            let (release, proposals) = charity::proposals(c, None)?;
            Ok((
                release,
                proposals,
                crate::db::jobs::recent(c, IMPORT_JOB, 5)?,
            ))
        })
        .await?;
    Ok(CharitiesPage {
        layout: Layout::new("Register of charities", Some(user), page),
        total: proposals.len(),
        proposals: proposals.into_iter().take(SHOWN).collect(),
        release,
        jobs,
        can_upload: user.is_network_admin(),
        errors: Default::default(),
    })
}

pub async fn show(
    state: web::Data<AppState>,
    user: CurrentUser,
    page: PageContext,
) -> AppResult<HttpResponse> {
    user.require(user.can_edit_register())?;
    html(&page_for(&state, &user, &page).await?)
}

pub async fn upload(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    page: PageContext,
    form: Multipart,
) -> AppResult<HttpResponse> {
    user.require_network_admin()?;
    let Some(upload) = uploads::receive(&req, form, uploads::UploadKind::Reference).await? else {
        let mut p = page_for(&state, &user, &page).await?;
        p.layout = p.layout.failed();
        p.errors.add(
            "file",
            "Choose the Charity Commission's register extract (publicextract.charity.txt or its zip)",
        );
        return html_status(StatusCode::UNPROCESSABLE_ENTITY, &p);
    };
    let job = uploads::start_release_import::<CharityRegister>(&state, &user, upload).await?;
    Ok(redirect(&format!("/admin/jobs/{job}")))
}

/// Accepts the proposals for the ticked suppliers.
pub async fn accept(
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
            "Tick the suppliers whose proposals you accept.".into(),
        ));
    }
    let actor = user.actor();
    let changed = state.db(move |c| charity::accept(c, &actor, &ids)).await?;
    Ok(redirect_with_flash(
        &state,
        "/charities",
        &format!("Accepted charity register details for {changed} supplier(s)."),
    ))
}
