//! Targets: a manager's or admin's local-share targets per tier and year.

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use crate::auth::CurrentUser;
use crate::db::areas::Owner;
use crate::db::{institutions, networks};
use crate::domain::money::Pence;
use crate::domain::period::financial_year_label;
use crate::error::{AppError, AppResult};
use crate::reporting::measures::Measure;
use crate::state::AppState;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct TargetsForm {
    owner_kind: String,
    owner_id: String,
    fy: String,
    version: String,
    back: String,
}

/// Saves a year's targets for an institution or network. Managers and
/// admins covering it may set them; an empty box removes the target.
pub async fn set_targets(
    state: web::Data<AppState>,
    user: CurrentUser,
    page: crate::auth::PageContext,
    form: crate::auth::CsrfForm<TargetsForm>,
) -> AppResult<HttpResponse> {
    user.require(user.can_set_targets())?;
    let d = &form.data;
    let id: i64 = d
        .owner_id
        .parse()
        .map_err(|_| AppError::BadRequest("No institution or network given.".into()))?;
    let fy: i32 =
        d.fy.parse()
            .map_err(|_| AppError::BadRequest("No financial year given.".into()))?;
    let owner = match d.owner_kind.as_str() {
        "institution" => Owner::Institution(id),
        "network" => Owner::Network(id),
        _ => {
            return Err(AppError::BadRequest(
                "No institution or network given.".into(),
            ))
        }
    };
    let mut targets = Vec::new();
    let (mut typed, mut errors) = (Vec::new(), Vec::new());
    for (name, value) in &form.pairs {
        // A tier by its position, or a headline measure by its code.
        let Some(position) = name.strip_prefix("target_").and_then(|p| {
            p.parse::<i32>().ok().or_else(|| {
                Measure::ALL
                    .iter()
                    .find(|m| m.code() == p)
                    .and_then(|m| m.target_position())
            })
        }) else {
            continue;
        };
        typed.push((name.clone(), value.clone()));
        let value = value.trim().trim_end_matches('%');
        if value.is_empty() {
            continue;
        }
        // Percent with up to two decimals, read exactly (as money reads pence).
        match Pence::parse(value)
            .ok()
            .filter(|p| (0..=10_000).contains(&p.0))
        {
            Some(bp) => targets.push((position, bp.0)),
            None => errors.push((
                name.clone(),
                format!("Enter the target as a percentage between 0 and 100, like 65 or 62.5 (not “{value}”)"),
            )),
        }
    }
    if !errors.is_empty() {
        // The dashboard again, the form open with what was typed.
        let q = web::Query::<crate::reporting::ReportQuery>::from_query(&d.back)
            .map_or_else(|_| Default::default(), |q| q.into_inner().normalised());
        let shown = super::dashboard_page(&state, &user, &page, q).await?;
        return crate::views::html_status(
            actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
            &shown.with_target_errors(typed, errors),
        );
    }
    let (actor, u) = (user.actor(), user.clone());
    let version = crate::handlers::form_version(&d.version);
    state
        .db(move |c| {
            match owner {
                Owner::Institution(i) => {
                    if !u.can_set_institution_targets(i) {
                        return Err(AppError::Forbidden);
                    }
                    institutions::get(c, i)?;
                }
                Owner::Network(n) => {
                    let net = networks::get(c, n)?;
                    // A network's targets are its network-wide users' to set.
                    if !u.can_set_network_targets(&net.member_ids) {
                        return Err(AppError::Forbidden);
                    }
                }
            }
            Ok(crate::db::targets::set_targets(
                c, &actor, owner, fy, version, &targets,
            )?)
        })
        .await?;
    let back = if d.back.is_empty() {
        String::new()
    } else {
        format!("?{}", d.back)
    };
    Ok(super::super::redirect_with_flash(
        &state,
        &format!("/reports{back}"),
        &format!("Saved the targets for {}.", financial_year_label(fy)),
    ))
}
