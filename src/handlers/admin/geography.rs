//! Reference geography and the postcode lookup: the list of areas, releases,
//! uploading a new release (run in the background with progress kept in the
//! database), and a tool to check where a postcode counts.

use crate::domain::account::Reach;
use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use crate::auth::{CurrentUser, PageContext};
use crate::db::areas::{self, Owner};
use crate::db::{institutions, jobs, postcodes};
use crate::domain::classify::{LocationBasis, LocationInput, SupplierPostcodes};
use crate::domain::geography::AreaKind;
use crate::error::{AppError, AppResult};
use crate::handlers::{redirect, uploads};
use crate::import::postcode_release::PostcodeLookup;
use crate::state::AppState;
use crate::views::{
    html, html_status, DistrictRow, FormErrors, GeographyPage, JobPage, Layout, PostcodeCheck,
    PostcodesPage,
};

pub const IMPORT_JOB: &str = <PostcodeLookup as crate::import::release::Reference>::JOB_KIND;

pub async fn areas_list(
    state: web::Data<AppState>,
    user: CurrentUser,
    page: PageContext,
) -> AppResult<HttpResponse> {
    user.require_admin()?;
    let g = state.gazetteer;
    let name = |code: &Option<String>| {
        code.as_deref()
            .map(|c| format!("{} ({c})", g.name(c)))
            .unwrap_or_default()
    };
    let mut districts: Vec<DistrictRow> = g
        .areas_of(AreaKind::District)
        .into_iter()
        .map(|a| {
            let parents = g.parents.get(&a.code);
            let successor = (!a.active)
                .then(|| g.current(&a.code))
                .filter(|s| *s != a.code)
                .map(|s| format!("{} ({s})", g.name(s)));
            DistrictRow {
                code: a.code.clone(),
                name: a.name.clone(),
                name_welsh: a.name_welsh.clone().unwrap_or_default(),
                county: parents.map(|p| name(&p.county)).unwrap_or_default(),
                combined_authority: parents
                    .map(|p| name(&p.combined_authority))
                    .unwrap_or_default(),
                region: parents
                    .map(|p| name(&p.region.clone().or(Some(p.country.clone()))))
                    .unwrap_or_default(),
                ended_on: a.ended_on.map(|d| d.format("%d/%m/%Y").to_string()),
                successor,
            }
        })
        .collect();
    districts.sort_by(|a, b| {
        b.ended_on
            .is_none()
            .cmp(&a.ended_on.is_none())
            .then_with(|| a.name.cmp(&b.name))
    });
    html(&GeographyPage {
        layout: Layout::new("Reference geography", Some(&user), &page),
        districts,
    })
}

#[derive(Debug, Default, Deserialize)]
pub struct CheckQuery {
    #[serde(default)]
    postcode: String,
    #[serde(default)]
    institution_id: Option<i64>,
}

async fn postcodes_page(
    state: &AppState,
    user: &CurrentUser,
    page: &PageContext,
    check: Option<PostcodeCheck>,
) -> AppResult<PostcodesPage> {
    let (active, releases, recent, institutions) = state
        .db(|c| {
            Ok((
                postcodes::active(c)?,
                postcodes::releases(c)?,
                jobs::recent(c, IMPORT_JOB, 10)?,
                institutions::list(c, &Reach::All)?,
            ))
        })
        .await?;
    Ok(PostcodesPage {
        layout: Layout::new("Postcode lookup", Some(user), page),
        active,
        releases,
        jobs: recent,
        institutions: institutions.into_iter().map(|i| (i.id, i.name)).collect(),
        check,
        errors: FormErrors::default(),
    })
}

pub async fn postcodes(
    state: web::Data<AppState>,
    user: CurrentUser,
    page: PageContext,
    query: web::Query<CheckQuery>,
) -> AppResult<HttpResponse> {
    user.require_network_admin()?;
    let check = match (query.postcode.trim(), query.institution_id) {
        ("", _) | (_, None) => None,
        (postcode, Some(institution)) => Some(check_postcode(&state, postcode, institution).await?),
    };
    html(&postcodes_page(&state, &user, &page, check).await?)
}

/// Where a postcode would count for an institution, under its current
/// local-area definition and the release in use.
async fn check_postcode(
    state: &AppState,
    postcode: &str,
    institution: i64,
) -> AppResult<PostcodeCheck> {
    let g = state.gazetteer;
    let postcode = postcode.to_owned();
    state
        .db(move |c| {
            let inst = institutions::get(c, institution)?;
            let def = areas::current(c, Owner::Institution(institution))?.ok_or_else(|| {
                AppError::BadRequest(format!("{} has no local-area definition yet.", inst.name))
            })?;
            let input = LocationInput {
                postcodes: SupplierPostcodes {
                    registered_office: Some(postcode.clone()),
                    ..Default::default()
                },
                basis: LocationBasis::RegisteredOffice,
                basis_set_by: None,
                manual: None,
            };
            let (result, release) =
                crate::register::locate::locate(c, g, &def.to_definition(), &input)?;
            Ok(PostcodeCheck {
                postcode,
                institution_id: institution,
                institution: inst.name,
                definition_version: def.version,
                release: release.map(|r| r.name),
                explanation: result.explanation,
                tier: result.tier_name,
                ward: result.ward,
                lsoa: result.lsoa,
                imd_decile: result.imd_decile,
            })
        })
        .await
}

/// Takes an uploaded release, starts importing it in the background and
/// sends the browser to the job's progress page.
pub async fn upload(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    page: PageContext,
    form: Multipart,
) -> AppResult<HttpResponse> {
    user.require_network_admin()?;
    let Some(upload) = uploads::receive(&req, form, uploads::UploadKind::Reference).await? else {
        let mut p = postcodes_page(&state, &user, &page, None).await?;
        p.errors.add(
            "file",
            "Choose the ONSPD, NSPL or Code-Point Open file to upload (CSV or zip)",
        );
        return html_status(StatusCode::UNPROCESSABLE_ENTITY, &p);
    };
    let job = uploads::start_release_import::<PostcodeLookup>(&state, &user, upload).await?;
    Ok(redirect(&format!("/admin/jobs/{job}")))
}

pub async fn job(
    state: web::Data<AppState>,
    user: CurrentUser,
    page: PageContext,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    user.require_admin()?;
    let id = id.into_inner();
    let job = state.db(move |c| Ok(jobs::get(c, id)?)).await?;
    if !user.covers_institution(job.institution_id) {
        return Err(AppError::Forbidden);
    }
    let now = crate::db::now();
    html(&JobPage {
        layout: Layout::new(&job.description, Some(&user), &page),
        stalled: job.is_stalled(now),
        job,
    })
}
