//! A user's own account: changing their password.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::Deserialize;

use super::redirect_with_flash;
use crate::auth::session::session_cookie;
use crate::auth::{password, CsrfForm, CurrentUser, PageContext};
use crate::db::{self, sessions, throttle, users};
use crate::domain::account::check_new_password;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::tokens::{random_token, token_hash};
use crate::views::{html, html_status, FormErrors, Layout, PasswordPage};

pub async fn password_form(user: CurrentUser, page: PageContext) -> AppResult<HttpResponse> {
    html(&PasswordPage {
        layout: Layout::new("Change password", Some(&user), &page),
        errors: FormErrors::default(),
    })
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm: String,
}

/// Changes the password, ends every session of the user (other browsers are
/// signed out) and starts a fresh one for this browser.
pub async fn change_password(
    req: actix_web::HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    page: PageContext,
    form: CsrfForm<PasswordForm>,
) -> AppResult<HttpResponse> {
    let f = form.data;
    let id = user.id;
    // Throttled like sign-in: a stolen session must not become a way to
    // guess the password at leisure.
    let attempt =
        throttle::Attempt::new(&user.username, &super::auth::client_address(&req, &state));
    let (allowed, stored) = {
        let attempt = attempt.clone();
        state
            .db(move |c| {
                let allowed = throttle::begin(c, &attempt, db::now())?;
                Ok((allowed, users::get(c, id)?.password_hash))
            })
            .await?
    };
    let mut errors = FormErrors::default();
    let mut status = StatusCode::UNPROCESSABLE_ENTITY;
    if !allowed {
        errors.add("current", super::auth::SIGN_IN_THROTTLED);
        status = StatusCode::TOO_MANY_REQUESTS;
    } else if !password::verify_gated(f.current.clone(), Some(stored)).await? {
        errors.add("current", "Your current password is not right");
    } else {
        state
            .db(move |c| Ok(throttle::succeeded(c, &attempt)?))
            .await?;
    }
    if let Err(e) = check_new_password(&f.password, &f.confirm, &user.username) {
        errors.add("password", e);
    }
    if !errors.is_empty() {
        return html_status(
            status,
            &PasswordPage {
                layout: Layout::new("Change password", Some(&user), &page),
                errors,
            },
        );
    }
    let new_password = f.password;
    let hash = password::hash_gated(new_password).await?;
    let token = random_token();
    let session_hash = token_hash(&token);
    let lifetime = chrono::Duration::hours(state.config.session_hours);
    let actor = user.actor();
    state
        .db(move |c| {
            db::write_tx(c, |c| {
                users::set_password(c, &actor, id, &hash, "password_change")?;
                sessions::create(c, id, &session_hash, db::now(), lifetime)?;
                Ok(())
            })
        })
        .await?;
    let mut res = redirect_with_flash(
        &state,
        "/",
        "Your password has been changed, and you have been signed out everywhere else.",
    );
    res.add_cookie(&session_cookie(token, &state.config))
        .map_err(AppError::internal)?;
    Ok(res)
}
