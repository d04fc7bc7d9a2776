//! Local-area definitions: view the current version and its history, and
//! save an edit as a new version.

use std::collections::BTreeSet;

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::Deserialize;

use crate::auth::{CsrfForm, CurrentUser, PageContext};
use crate::db::areas::{self, DefinitionVersion, Owner};
use crate::db::{institutions, networks};
use crate::domain::geography::{AreaKind, Gazetteer};
use crate::error::{AppError, AppResult};
use crate::handlers::{form_version, redirect_with_flash};
use crate::state::AppState;
use crate::views::{
    html, html_status, AreaDefinitionPage, AreaGroup, AreaOption, FormErrors, Layout, TierEdit,
    TierView,
};

/// At most this many tiers of one's own, before "rest of UK" and "outside UK".
const MAX_TIERS: usize = 6;

/// Every area a tier can be built from, grouped by kind, for the pickers.
fn area_groups(g: &Gazetteer) -> Vec<AreaGroup> {
    [
        (AreaKind::District, "Local authority districts"),
        (AreaKind::County, "Counties"),
        (AreaKind::CombinedAuthority, "Combined authorities"),
        (AreaKind::Region, "Regions"),
        (AreaKind::Country, "Nations"),
    ]
    .into_iter()
    .map(|(kind, label)| AreaGroup {
        label,
        options: g
            .areas_of(kind)
            .into_iter()
            .filter(|a| a.active)
            .map(|a| AreaOption {
                code: a.code.clone(),
                label: format!("{} ({})", a.name, a.code),
            })
            .collect(),
    })
    .collect()
}

fn tier_views(def: &DefinitionVersion, g: &Gazetteer) -> Vec<TierView> {
    def.tiers
        .iter()
        .map(|t| TierView {
            position: t.position,
            name: t.name.clone(),
            areas: t
                .codes
                .iter()
                .map(|c| format!("{} ({c})", g.name(c)))
                .collect(),
            district_count: t.districts.len(),
        })
        .collect()
}

async fn owner_label(state: &AppState, owner: Owner) -> AppResult<(String, String)> {
    Ok(match owner {
        Owner::Institution(id) => {
            let i = state.db(move |c| Ok(institutions::get(c, id)?)).await?;
            (i.name, format!("/admin/institutions/{id}/area"))
        }
        Owner::Network(id) => {
            let n = state.db(move |c| Ok(networks::get(c, id)?)).await?;
            (n.network.name, format!("/admin/networks/{id}/area"))
        }
    })
}

async fn page_for(
    state: &AppState,
    user: &CurrentUser,
    page: &PageContext,
    owner: Owner,
    edits: Option<Vec<TierEdit>>,
    note: String,
    errors: FormErrors,
) -> AppResult<AreaDefinitionPage> {
    let (name, action) = owner_label(state, owner).await?;
    let (current, history) = state
        .db(move |c| Ok((areas::current(c, owner)?, areas::history(c, owner)?)))
        .await?;
    let g = state.gazetteer;
    let mut tiers = edits.unwrap_or_else(|| {
        current.as_ref().map_or_else(Vec::new, |d| {
            d.tiers
                .iter()
                .map(|t| TierEdit {
                    name: t.name.clone(),
                    codes: t.codes.iter().cloned().collect(),
                })
                .collect()
        })
    });
    if tiers.len() < MAX_TIERS {
        tiers.push(TierEdit::default());
    }
    Ok(AreaDefinitionPage {
        layout: Layout::new(format!("Local area: {name}"), Some(user), page),
        owner_name: name,
        action,
        version: current.as_ref().map_or(0, |d| d.version),
        current: current
            .as_ref()
            .map(|d| tier_views(d, g))
            .unwrap_or_default(),
        tiers,
        groups: area_groups(g),
        history,
        note,
        errors,
        read_only: false,
    })
}

fn authorise(user: &CurrentUser, owner: Owner) -> AppResult<()> {
    match owner {
        Owner::Institution(id) => user.require_manages_institution(Some(id)),
        Owner::Network(_) => user.require_network_admin(),
    }
}

async fn show(
    state: web::Data<AppState>,
    user: CurrentUser,
    page: PageContext,
    owner: Owner,
) -> AppResult<HttpResponse> {
    authorise(&user, owner)?;
    html(
        &page_for(
            &state,
            &user,
            &page,
            owner,
            None,
            String::new(),
            FormErrors::default(),
        )
        .await?,
    )
}

pub async fn institution_form(
    state: web::Data<AppState>,
    user: CurrentUser,
    page: PageContext,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    show(state, user, page, Owner::Institution(id.into_inner())).await
}

pub async fn network_form(
    state: web::Data<AppState>,
    user: CurrentUser,
    page: PageContext,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    show(state, user, page, Owner::Network(id.into_inner())).await
}

#[derive(Deserialize)]
pub struct DefinitionFields {
    #[serde(default)]
    version: String,
    #[serde(default)]
    note: String,
}

/// Reads `name_N` and `codes_N` fields into tiers, keeping what was typed.
/// Blank trailing rows are dropped.
fn read_tiers(
    form: &CsrfForm<DefinitionFields>,
    g: &Gazetteer,
    errors: &mut FormErrors,
) -> Vec<TierEdit> {
    let mut tiers = Vec::new();
    for n in 1..=MAX_TIERS {
        let name = form
            .all(&format!("name_{n}"))
            .next()
            .unwrap_or("")
            .trim()
            .to_owned();
        let codes: BTreeSet<String> = form
            .all(&format!("codes_{n}"))
            .map(|c| c.trim().to_owned())
            .collect();
        if name.is_empty() && codes.is_empty() {
            continue;
        }
        let field: &'static str =
            ["tier_1", "tier_2", "tier_3", "tier_4", "tier_5", "tier_6"][n - 1];
        if name.is_empty() {
            errors.add(field, format!("Give tier {} a name", tiers.len() + 1));
        } else if codes.is_empty() {
            errors.add(field, format!("Choose at least one area for tier '{name}'"));
        } else if let Some(bad) = codes.iter().find(|c| g.kind(c).is_none()) {
            errors.add(field, format!("“{bad}” is not a known area code"));
        }
        tiers.push(TierEdit { name, codes });
    }
    if tiers.is_empty() {
        errors.add("tier_1", "A definition needs at least one tier");
    }
    tiers
}

async fn save(
    state: web::Data<AppState>,
    user: CurrentUser,
    page: PageContext,
    owner: Owner,
    form: CsrfForm<DefinitionFields>,
) -> AppResult<HttpResponse> {
    authorise(&user, owner)?;
    let mut errors = FormErrors::default();
    let tiers = read_tiers(&form, state.gazetteer, &mut errors);
    let note = form.data.note.trim().to_owned();
    if !errors.is_empty() {
        let p = page_for(&state, &user, &page, owner, Some(tiers), note, errors).await?;
        return html_status(StatusCode::UNPROCESSABLE_ENTITY, &p);
    }
    let chosen: Vec<(String, Vec<String>)> = tiers
        .iter()
        .map(|t| (t.name.clone(), t.codes.iter().cloned().collect()))
        .collect();
    let (actor, g, expected) = (
        user.actor(),
        state.gazetteer,
        form_version(&form.data.version),
    );
    let saved_note = note.clone();
    match state
        .db(move |c| {
            Ok(areas::create_version(
                c,
                &actor,
                owner,
                expected,
                &chosen,
                &saved_note,
                g,
            )?)
        })
        .await
    {
        Ok(def) => {
            let (_, action) = owner_label(&state, owner).await?;
            Ok(redirect_with_flash(
                &state,
                &action,
                &format!(
                    "Saved version {} of the local-area definition.",
                    def.version
                ),
            ))
        }
        Err(AppError::Conflict(message)) => {
            errors.add("tier_1", message);
            let p = page_for(&state, &user, &page, owner, Some(tiers), note, errors).await?;
            html_status(StatusCode::CONFLICT, &p)
        }
        Err(e) => Err(e),
    }
}

pub async fn save_institution(
    state: web::Data<AppState>,
    user: CurrentUser,
    page: PageContext,
    id: web::Path<i64>,
    form: CsrfForm<DefinitionFields>,
) -> AppResult<HttpResponse> {
    save(state, user, page, Owner::Institution(id.into_inner()), form).await
}

pub async fn save_network(
    state: web::Data<AppState>,
    user: CurrentUser,
    page: PageContext,
    id: web::Path<i64>,
    form: CsrfForm<DefinitionFields>,
) -> AppResult<HttpResponse> {
    save(state, user, page, Owner::Network(id.into_inner()), form).await
}

/// One version, as it was saved: old versions never change.
pub async fn version(
    state: web::Data<AppState>,
    user: CurrentUser,
    page: PageContext,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let def = state.db(move |c| Ok(areas::get(c, id)?)).await?;
    let owner = match def.owner_kind.as_str() {
        "institution" => Owner::Institution(def.owner_id),
        _ => Owner::Network(def.owner_id),
    };
    authorise(&user, owner)?;
    let mut p = page_for(
        &state,
        &user,
        &page,
        owner,
        Some(Vec::new()),
        String::new(),
        FormErrors::default(),
    )
    .await?;
    p.layout.title = format!("{}: local area version {}", p.owner_name, def.version);
    p.version = def.version;
    p.current = tier_views(&def, state.gazetteer);
    p.read_only = true;
    html(&p)
}
