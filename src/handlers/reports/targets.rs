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
        let value = value.trim().trim_end_matches('%');
        if value.is_empty() {
            continue;
        }
        // Percent with up to two decimals, read exactly (as money reads pence).
        let bp = Pence::parse(value)
            .ok()
            .filter(|p| (0..=10_000).contains(&p.0))
            .ok_or_else(|| {
                AppError::BadRequest(format!(
                    "Target `{value}` is not a percentage between 0 and 100."
                ))
            })?;
        targets.push((position, bp.0));
    }
    let (actor, u) = (user.actor(), user.clone());
    let version = crate::handlers::form_version(&d.version);
    state
        .db(move |c| {
            match owner {
                Owner::Institution(i) => {
                    if !u.covers_institution(Some(i)) {
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
