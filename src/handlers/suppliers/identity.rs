//! One organisation, one record: merging a duplicate, undoing a merge,
//! splitting a name back out, and recording an institution's own id.

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use super::editable;
use crate::auth::{CsrfForm, CurrentUser};
use crate::db::is_unique_violation;
use crate::db::suppliers::{self};
use crate::error::{AppError, AppResult};
use crate::handlers::redirect_with_flash;
use crate::state::AppState;

#[derive(Deserialize)]
pub struct MergeForm {
    #[serde(default)]
    other: String,
}

/// Merges another supplier (by id) into this one.
pub async fn merge(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
    form: CsrfForm<MergeForm>,
) -> AppResult<HttpResponse> {
    let kept = editable(&state, &user, id.into_inner()).await?;
    let other: i64 = form
        .data
        .other
        .trim()
        .trim_start_matches('#')
        .parse()
        .map_err(|_| {
            AppError::BadRequest("Give the number of the supplier to merge into this one.".into())
        })?;
    let actor = user.actor();
    let kept_id = kept.id;
    state
        .db(move |c| Ok(suppliers::merge(c, &actor, kept_id, other)?))
        .await?;
    Ok(redirect_with_flash(
        &state,
        &format!("/suppliers/{kept_id}"),
        &format!("Merged supplier {other} into {}.", kept.name),
    ))
}

pub async fn undo_merge(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
    _form: CsrfForm<crate::handlers::auth::Empty>,
) -> AppResult<HttpResponse> {
    user.require_admin()?;
    let (actor, record) = (user.actor(), id.into_inner());
    let undone = state
        .db(move |c| Ok(suppliers::undo_merge(c, &actor, record)?))
        .await?;
    Ok(redirect_with_flash(
        &state,
        &format!("/suppliers/{}", undone.kept_id),
        &format!(
            "Undid the merge: supplier {} is separate again.",
            undone.merged_id
        ),
    ))
}

pub async fn split(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(i64, i64)>,
    _form: CsrfForm<crate::handlers::auth::Empty>,
) -> AppResult<HttpResponse> {
    let (supplier_id, alias_id) = path.into_inner();
    editable(&state, &user, supplier_id).await?;
    let actor = user.actor();
    let created = state
        .db(move |c| Ok(suppliers::split_alias(c, &actor, supplier_id, alias_id)?))
        .await?;
    Ok(redirect_with_flash(
        &state,
        &format!("/suppliers/{}", created.id),
        &format!("Split {} out as a supplier of its own.", created.name),
    ))
}

#[derive(Deserialize)]
pub struct SplitNameForm {
    #[serde(default)]
    name: String,
}

/// Splits the lines published under one name out into a supplier of its own.
pub async fn split_name(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
    form: CsrfForm<SplitNameForm>,
) -> AppResult<HttpResponse> {
    let supplier_id = editable(&state, &user, id.into_inner()).await?.id;
    let name = form.data.name.trim().to_owned();
    if name.is_empty() {
        return Err(AppError::BadRequest("Choose the name to split off.".into()));
    }
    let actor = user.actor();
    let created = state
        .db(move |c| Ok(suppliers::split_name(c, &actor, supplier_id, &name)?))
        .await?;
    Ok(redirect_with_flash(
        &state,
        &format!("/suppliers/{}", created.id),
        &format!(
            "Split {} out as a supplier of its own, with its lines.",
            created.name
        ),
    ))
}

#[derive(Deserialize)]
pub struct ExternalIdForm {
    #[serde(default)]
    external_id: String,
}

/// Records the signed-in user's institution's own id for the supplier.
pub async fn add_external_id(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
    form: CsrfForm<ExternalIdForm>,
) -> AppResult<HttpResponse> {
    let supplier = editable(&state, &user, id.into_inner()).await?;
    let institution = user.institution_id.ok_or_else(|| {
        AppError::BadRequest(
            "Supplier ids belong to an institution: sign in as one of its users.".into(),
        )
    })?;
    let external = form.data.external_id.trim().to_owned();
    if external.is_empty() {
        return Err(AppError::BadRequest(
            "Enter the supplier id from your finance system.".into(),
        ));
    }
    let (actor, sid, shown) = (user.actor(), supplier.id, external.clone());
    match state
        .db(move |c| {
            Ok(suppliers::add_external_id(
                c,
                &actor,
                sid,
                institution,
                &external,
            )?)
        })
        .await
    {
        Ok(()) => Ok(redirect_with_flash(
            &state,
            &format!("/suppliers/{sid}"),
            &format!("Recorded supplier id {shown}."),
        )),
        Err(AppError::Db(e)) if is_unique_violation(&e) => Err(AppError::Conflict(format!(
            "Your institution already uses supplier id {shown} for another supplier."
        ))),
        Err(e) => Err(e),
    }
}
