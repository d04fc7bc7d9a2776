//! Erasing a person's name from the payment lines that carry it.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::Deserialize;

use crate::auth::{CsrfForm, CurrentUser, PageContext};
use crate::db::spend;
use crate::domain::limits;
use crate::error::AppResult;
use crate::handlers::redirect_with_flash;
use crate::state::AppState;
use crate::views::{html, html_status, ErasurePage, FormErrors, Layout};

fn page(
    user: &CurrentUser,
    context: &PageContext,
    name: String,
    errors: FormErrors,
) -> ErasurePage {
    ErasurePage {
        layout: Layout::new("Erase a person's name", Some(user), context),
        name,
        network_wide: user.is_network_admin(),
        errors,
    }
}

pub async fn form(user: CurrentUser, context: PageContext) -> AppResult<HttpResponse> {
    user.require_admin()?;
    html(&page(&user, &context, String::new(), FormErrors::default()))
}

#[derive(Deserialize)]
pub struct ErasureForm {
    #[serde(default)]
    name: String,
}

/// Erases the name from the lines of the institutions the admin runs.
pub async fn erase(
    state: web::Data<AppState>,
    user: CurrentUser,
    context: PageContext,
    form: CsrfForm<ErasureForm>,
) -> AppResult<HttpResponse> {
    user.require_admin()?;
    let name = form.data.name.trim().to_owned();
    let mut errors = FormErrors::default();
    if name.is_empty() {
        errors.add("name", "Enter the name to erase");
    } else if let Err(e) = limits::check("The name", &name, limits::NAME) {
        errors.add("name", e);
    }
    if !errors.is_empty() {
        return html_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &page(&user, &context, name, errors),
        );
    }
    let (actor, reach, wanted) = (user.actor(), user.reach.clone(), name.clone());
    let erased = state
        .db(move |c| Ok(spend::erase_name(c, &actor, &wanted, reach.ids())?))
        .await?;
    if erased.lines == 0 && erased.aliases == 0 {
        errors.add(
            "name",
            "No payment line you run carries that name: check its spelling",
        );
        return html_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &page(&user, &context, name, errors),
        );
    }
    Ok(redirect_with_flash(
        &state,
        "/admin/erasure",
        &format!(
            "Erased the name from {} payment line(s) and {} register spelling(s).",
            erased.lines, erased.aliases
        ),
    ))
}
