//! Companies House enrichment: load the bulk file (network admins), review the
//! proposals it makes for suppliers, and accept them one by one or in bulk.

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

use super::{redirect, redirect_with_flash, uploads};
use crate::auth::{CsrfForm, CurrentUser, PageContext};
use crate::error::{AppError, AppResult};
use crate::import::company_release::CompanyRegister;
use crate::register::{enrich, near};
use crate::state::AppState;
use crate::views::{html, html_status, CompaniesPage, Layout};

pub const IMPORT_JOB: &str = <CompanyRegister as crate::import::release::Reference>::JOB_KIND;
const SHOWN: usize = 200;
/// Suppliers read per look for companies near their names.
const SIMILAR_READ: usize = 500;

#[derive(serde::Deserialize)]
pub struct CompaniesQuery {
    #[serde(default)]
    after: String,
}

async fn page_for(
    state: &AppState,
    user: &CurrentUser,
    page: &PageContext,
    after: i64,
) -> AppResult<CompaniesPage> {
    let (release, proposals, jobs, scan) = state
        .db(move |c| {
            let (release, proposals) = enrich::proposals(c, None)?;
            let scan = match &release {
                Some(r) => Some(near::company_scan(c, r.id, after, SIMILAR_READ)?),
                None => None,
            };
            Ok((
                release,
                proposals,
                crate::db::jobs::recent(c, IMPORT_JOB, 5)?,
                scan,
            ))
        })
        .await?;
    let (similar, similar_next) = scan.map_or((Vec::new(), None), |s| (s.found, s.next));
    Ok(CompaniesPage {
        layout: Layout::new("Companies House", Some(user), page),
        total: proposals.len(),
        proposals: proposals.into_iter().take(SHOWN).collect(),
        release,
        jobs,
        can_upload: user.is_network_admin(),
        errors: Default::default(),
        similar,
        similar_after: after,
        similar_next,
    })
}

pub async fn show(
    state: web::Data<AppState>,
    user: CurrentUser,
    page: PageContext,
    query: web::Query<CompaniesQuery>,
) -> AppResult<HttpResponse> {
    user.require(user.can_edit_register())?;
    let after = query.after.trim().parse().unwrap_or(0).max(0);
    html(&page_for(&state, &user, &page, after).await?)
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
        let mut p = page_for(&state, &user, &page, 0).await?;
        p.layout = p.layout.failed();
        p.errors.add(
            "file",
            "Choose the Companies House BasicCompanyData file (CSV or zip)",
        );
        return html_status(StatusCode::UNPROCESSABLE_ENTITY, &p);
    };
    let job = uploads::start_release_import::<CompanyRegister>(&state, &user, upload).await?;
    Ok(redirect(&format!("/admin/jobs/{job}")))
}

/// Accepts the proposals for the ticked suppliers.
pub async fn accept(
    state: web::Data<AppState>,
    user: CurrentUser,
    form: CsrfForm<crate::handlers::auth::Empty>,
) -> AppResult<HttpResponse> {
    user.require(user.can_edit_register())?;
    // A row's own Accept button sends that row alone; the main button, the
    // ticked rows.
    let field = if form.all("only").next().is_some() {
        "only"
    } else {
        "supplier"
    };
    let ids: Vec<i64> = form.all(field).filter_map(|v| v.parse().ok()).collect();
    if ids.is_empty() {
        return Err(AppError::BadRequest(
            "Tick the suppliers whose proposals you accept.".into(),
        ));
    }
    let actor = user.actor();
    let changed = state.db(move |c| enrich::accept(c, &actor, &ids)).await?;
    Ok(redirect_with_flash(
        &state,
        "/companies",
        &format!("Accepted Companies House details for {changed} supplier(s)."),
    ))
}

#[derive(serde::Deserialize)]
pub struct ResolveForm {
    #[serde(default)]
    supplier: String,
    #[serde(default)]
    field: String,
    #[serde(default)]
    source: String,
}

/// Resolves a conflict by choosing the reference register's value (Companies
/// House or the register of charities) over the supplier's.
pub async fn resolve_conflict(
    state: web::Data<AppState>,
    user: CurrentUser,
    form: CsrfForm<ResolveForm>,
) -> AppResult<HttpResponse> {
    user.require(user.can_edit_register())?;
    let (source, back) = match form.data.source.as_str() {
        "companies_house" => (enrich::ConflictSource::CompaniesHouse, "/companies"),
        "charity_register" => (enrich::ConflictSource::CharityRegister, "/charities"),
        _ => {
            return Err(AppError::BadRequest(
                "Say which register's value to use.".into(),
            ))
        }
    };
    let supplier: i64 = form
        .data
        .supplier
        .parse()
        .map_err(|_| AppError::BadRequest("Say which supplier.".into()))?;
    let (actor, field) = (user.actor(), form.data.field.clone());
    state
        .db(move |c| enrich::resolve_conflict(c, &actor, supplier, source, &field))
        .await?;
    Ok(redirect_with_flash(
        &state,
        back,
        &format!(
            "The register's value for {} is on the supplier now.",
            form.data.field
        ),
    ))
}

/// Accepts the companies a clerk ticked as the same organisation as a
/// supplier with a similar name (`pair` = supplier id, colon, company
/// number), then returns to the page the form was on.
pub async fn accept_similar(
    state: web::Data<AppState>,
    user: CurrentUser,
    form: CsrfForm<crate::handlers::auth::Empty>,
) -> AppResult<HttpResponse> {
    user.require(user.can_edit_register())?;
    let pairs: Vec<(i64, String)> = form
        .all("pair")
        .filter_map(|v| {
            let (id, number) = v.split_once(':')?;
            Some((id.parse().ok()?, number.trim().to_owned()))
        })
        .collect();
    if pairs.is_empty() {
        return Err(AppError::BadRequest(
            "Tick the companies that are the same organisation as the supplier.".into(),
        ));
    }
    // Back to the supplier's page when accepted from there.
    let back = match form
        .all("back")
        .next()
        .and_then(|b| b.strip_prefix("/suppliers/"))
    {
        Some(id) if id.parse::<i64>().is_ok() => format!("/suppliers/{id}"),
        _ => "/companies".to_owned(),
    };
    let actor = user.actor();
    let changed = state
        .db(move |c| enrich::accept_similar(c, &actor, &pairs))
        .await?;
    Ok(redirect_with_flash(
        &state,
        &back,
        &format!("Accepted Companies House details for {changed} supplier(s) with a similar name."),
    ))
}
