//! Each institution's rules for which payment types are influenceable.

use actix_web::{web, HttpResponse};

use crate::auth::{CsrfForm, CurrentUser, PageContext};
use crate::db::institutions::{self};
use crate::db::spend::{self};
use crate::domain::spend::PaymentType;
use crate::error::AppResult;
use crate::handlers::{redirect_with_flash, VersionForm};
use crate::state::AppState;
use crate::views::spend::PaymentRulesPage;
use crate::views::{html, Layout};

pub async fn rules_form(
    state: web::Data<AppState>,
    user: CurrentUser,
    page: PageContext,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    user.require_manages_institution(Some(id))?;
    let (institution, on, version) = state
        .db(move |c| {
            Ok((
                institutions::get(c, id)?,
                spend::influenceable_types(c, id)?,
                spend::rules_version(c, id)?,
            ))
        })
        .await?;
    html(&PaymentRulesPage {
        layout: Layout::new(
            format!("Influenceable spend at {}", institution.name),
            Some(&user),
            &page,
        ),
        institution_id: id,
        institution: institution.name,
        version,
        rows: PaymentType::ALL
            .iter()
            .map(|t| {
                (
                    *t,
                    t.influenceable_by_default(),
                    on.contains(&t.code().to_owned()),
                )
            })
            .collect(),
    })
}

pub async fn save_rules(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
    form: CsrfForm<VersionForm>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    user.require_manages_institution(Some(id))?;
    let ticked: Vec<String> = form.all("influenceable").map(str::to_owned).collect();
    let (actor, version) = (
        user.actor(),
        crate::handlers::form_version(&form.data.version),
    );
    let changed = state
        .db(move |c| {
            institutions::get(c, id)?;
            Ok(spend::save_rules(c, &actor, id, version, &ticked)?)
        })
        .await?;
    Ok(redirect_with_flash(
        &state,
        &format!("/admin/institutions/{id}/payment-types"),
        &if changed == 0 {
            "No rules changed.".to_owned()
        } else {
            format!("Saved: {changed} rule(s) changed.")
        },
    ))
}
