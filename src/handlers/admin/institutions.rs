//! Institutions: network-wide admins create them; an institution's own admin
//! may edit it.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};

use crate::auth::{CsrfForm, CurrentUser, PageContext};
use crate::db::institutions::{self, Institution};
use crate::domain::institution::{InstitutionErrors, InstitutionInput};
use crate::error::{AppError, AppResult};
use crate::handlers::{form_version, redirect_with_flash};
use crate::state::AppState;
use crate::views::{
    html, html_status, FormErrors, InstitutionFields, InstitutionFormPage, InstitutionsPage, Layout,
};

pub async fn list(
    state: web::Data<AppState>,
    user: CurrentUser,
    page: PageContext,
) -> AppResult<HttpResponse> {
    user.require_admin()?;
    let reach = user.reach.clone();
    let list = state
        .db(move |c| Ok(institutions::list(c, &reach)?))
        .await?;
    html(&InstitutionsPage {
        layout: Layout::new("Institutions", Some(&user), &page),
        institutions: list,
        can_create: user.is_network_admin(),
    })
}

pub async fn new_form(user: CurrentUser, page: PageContext) -> AppResult<HttpResponse> {
    user.require_network_admin()?;
    let fields = InstitutionFields {
        fy_start_month: "4".into(),
        version: "0".into(),
        ..Default::default()
    };
    html(&InstitutionFormPage::new(
        Layout::new("Add an institution", Some(&user), &page),
        None,
        fields,
    ))
}

fn fields_of(i: &Institution) -> InstitutionFields {
    InstitutionFields {
        name: i.name.clone(),
        kind: i.kind.clone(),
        home_lad: i.home_lad.clone(),
        fy_start_month: i.fy_start_month.to_string(),
        version: i.version.to_string(),
    }
}

fn errors_of(e: InstitutionErrors) -> FormErrors {
    let mut errors = FormErrors::default();
    errors.add_opt("name", e.name);
    errors.add_opt("kind", e.kind);
    errors.add_opt("home_lad", e.home_lad);
    errors.add_opt("fy_start_month", e.fy_start_month);
    errors
}

fn parse(f: &InstitutionFields) -> Result<InstitutionInput, FormErrors> {
    InstitutionInput::parse(&f.name, &f.kind, &f.home_lad, &f.fy_start_month).map_err(errors_of)
}

/// Re-renders the form after a failed save, keeping what was typed.
fn rejected(
    layout: Layout,
    id: Option<i64>,
    fields: InstitutionFields,
    errors: FormErrors,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let mut form = InstitutionFormPage::new(layout, id, fields);
    form.errors = errors;
    html_status(status, &form)
}

/// Turns a failed write into a re-rendered form where the user can act on it.
async fn save_failed(
    state: &AppState,
    layout: Layout,
    id: Option<i64>,
    mut fields: InstitutionFields,
    error: AppError,
) -> AppResult<HttpResponse> {
    let mut errors = FormErrors::default();
    match error {
        AppError::Db(e) if crate::db::is_unique_violation(&e) => {
            errors.add("name", "An institution with this name already exists");
            rejected(layout, id, fields, errors, StatusCode::CONFLICT)
        }
        AppError::Conflict(message) => {
            let Some(id) = id else {
                return Err(AppError::Conflict(message));
            };
            let current = state.db(move |c| Ok(institutions::get(c, id)?)).await?;
            errors.add("name", message);
            fields.version = current.version.to_string();
            let mut form = InstitutionFormPage::new(layout, Some(id), fields);
            form.errors = errors;
            form.current = Some(current);
            html_status(StatusCode::CONFLICT, &form)
        }
        other => Err(other),
    }
}

pub async fn create(
    state: web::Data<AppState>,
    user: CurrentUser,
    page: PageContext,
    form: CsrfForm<InstitutionFields>,
) -> AppResult<HttpResponse> {
    user.require_network_admin()?;
    let fields = form.data;
    let layout = Layout::new("Add an institution", Some(&user), &page);
    let input = match parse(&fields) {
        Ok(input) => input,
        Err(errors) => {
            return rejected(
                layout,
                None,
                fields,
                errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
    };
    let (actor, gazetteer) = (user.actor(), state.gazetteer);
    match state
        .db(move |c| Ok(institutions::create(c, &actor, &input, gazetteer)?))
        .await
    {
        Ok(created) => Ok(redirect_with_flash(
            &state,
            "/admin/institutions",
            &format!("Added {}.", created.name),
        )),
        Err(e) => save_failed(&state, layout, None, fields, e).await,
    }
}

pub async fn edit_form(
    state: web::Data<AppState>,
    user: CurrentUser,
    page: PageContext,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    user.require_manages_institution(Some(id))?;
    let institution = state.db(move |c| Ok(institutions::get(c, id)?)).await?;
    let layout = Layout::new(format!("Edit {}", institution.name), Some(&user), &page);
    html(&InstitutionFormPage::new(
        layout,
        Some(id),
        fields_of(&institution),
    ))
}

pub async fn update(
    state: web::Data<AppState>,
    user: CurrentUser,
    page: PageContext,
    id: web::Path<i64>,
    form: CsrfForm<InstitutionFields>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    user.require_manages_institution(Some(id))?;
    let fields = form.data;
    let layout = Layout::new("Edit institution", Some(&user), &page);
    let input = match parse(&fields) {
        Ok(input) => input,
        Err(errors) => {
            return rejected(
                layout,
                Some(id),
                fields,
                errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
    };
    let version = form_version(&fields.version);
    let actor = user.actor();
    match state
        .db(move |c| Ok(institutions::update(c, &actor, id, version, &input)?))
        .await
    {
        Ok(saved) => Ok(redirect_with_flash(
            &state,
            "/admin/institutions",
            &format!("Saved {}.", saved.name),
        )),
        Err(e) => save_failed(&state, layout, Some(id), fields, e).await,
    }
}
