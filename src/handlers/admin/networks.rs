//! Anchor networks, run by network-wide admins.

use crate::domain::account::Reach;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::Deserialize;

use crate::auth::{CsrfForm, CurrentUser, PageContext};
use crate::db::networks::{self, NetworkInput};
use crate::db::{institutions, is_unique_violation};
use crate::error::{AppError, AppResult};
use crate::handlers::{form_version, redirect_with_flash};
use crate::state::AppState;
use crate::views::{
    html, html_status, FormErrors, Layout, MemberChoice, NetworkFormPage, NetworksPage,
};

pub async fn list(
    state: web::Data<AppState>,
    user: CurrentUser,
    page: PageContext,
) -> AppResult<HttpResponse> {
    user.require_network_admin()?;
    let list = state.db(|c| Ok(networks::list(c)?)).await?;
    html(&NetworksPage {
        layout: Layout::new("Networks", Some(&user), &page),
        networks: list,
    })
}

async fn choices(state: &AppState, checked: Vec<i64>) -> AppResult<Vec<MemberChoice>> {
    let all = state
        .db(|c| Ok(institutions::list(c, &Reach::All)?))
        .await?;
    Ok(all
        .into_iter()
        .map(|i| MemberChoice {
            checked: checked.contains(&i.id),
            id: i.id,
            name: i.name,
        })
        .collect())
}

pub async fn new_form(
    state: web::Data<AppState>,
    user: CurrentUser,
    page: PageContext,
) -> AppResult<HttpResponse> {
    user.require_network_admin()?;
    html(&NetworkFormPage {
        layout: Layout::new("Add a network", Some(&user), &page),
        id: None,
        version: 0,
        name: String::new(),
        description: String::new(),
        members: choices(&state, Vec::new()).await?,
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
    let n = state.db(move |c| Ok(networks::get(c, id)?)).await?;
    html(&NetworkFormPage {
        layout: Layout::new(format!("Edit {}", n.network.name), Some(&user), &page),
        id: Some(id),
        version: n.network.version,
        name: n.network.name,
        description: n.network.description,
        members: choices(&state, n.member_ids).await?,
        errors: FormErrors::default(),
    })
}

#[derive(Deserialize)]
pub struct NetworkFields {
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    version: String,
}

/// Creates (no `id`) or updates a network from the submitted form.
async fn save(
    state: web::Data<AppState>,
    user: CurrentUser,
    page: PageContext,
    id: Option<i64>,
    form: CsrfForm<NetworkFields>,
) -> AppResult<HttpResponse> {
    user.require_network_admin()?;
    let member_ids: Vec<i64> = form.all("member").filter_map(|v| v.parse().ok()).collect();
    let f = form.data;
    let name = f.name.trim().to_owned();
    let description = f.description.trim().to_owned();
    let mut version = form_version(&f.version);
    let mut errors = FormErrors::default();
    if name.is_empty() {
        errors.add("name", "Enter the network's name");
    } else if name.chars().count() > 200 {
        errors.add("name", "Name must be 200 characters or fewer");
    }
    if description.chars().count() > 1000 {
        errors.add(
            "description",
            "Description must be 1,000 characters or fewer",
        );
    }
    let mut status = StatusCode::UNPROCESSABLE_ENTITY;
    if errors.is_empty() {
        let input = NetworkInput {
            name: name.clone(),
            description: description.clone(),
            member_ids: member_ids.clone(),
        };
        let (actor, gazetteer) = (user.actor(), state.gazetteer);
        let saved = state
            .db(move |c| {
                Ok(match id {
                    Some(id) => networks::update(c, &actor, id, version, &input),
                    None => networks::create(c, &actor, &input, gazetteer),
                }?)
            })
            .await;
        match saved {
            Ok(n) => {
                return Ok(redirect_with_flash(
                    &state,
                    "/admin/networks",
                    &format!("Saved {}.", n.network.name),
                ));
            }
            Err(AppError::Db(e)) if is_unique_violation(&e) => {
                errors.add("name", "A network with this name already exists");
                status = StatusCode::CONFLICT;
            }
            Err(AppError::Conflict(message)) => {
                errors.add("name", message);
                status = StatusCode::CONFLICT;
                // Resubmitting now deliberately replaces the other person's save.
                if let Some(id) = id {
                    version = state
                        .db(move |c| Ok(networks::get(c, id)?))
                        .await?
                        .network
                        .version;
                }
            }
            Err(e) => return Err(e),
        }
    }
    html_status(
        status,
        &NetworkFormPage {
            layout: Layout::new("Network", Some(&user), &page),
            id,
            version,
            name,
            description,
            members: choices(&state, member_ids).await?,
            errors,
        },
    )
}

pub async fn create(
    state: web::Data<AppState>,
    user: CurrentUser,
    page: PageContext,
    form: CsrfForm<NetworkFields>,
) -> AppResult<HttpResponse> {
    save(state, user, page, None, form).await
}

pub async fn update(
    state: web::Data<AppState>,
    user: CurrentUser,
    page: PageContext,
    id: web::Path<i64>,
    form: CsrfForm<NetworkFields>,
) -> AppResult<HttpResponse> {
    save(state, user, page, Some(id.into_inner()), form).await
}
