//! Signing in and out, and the first-run setup link.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use super::{redirect_with_flash, safe_next};
use crate::auth::csrf::ANON_COOKIE;
use crate::auth::session::{removal_cookie, session_cookie, SESSION_COOKIE};
use crate::auth::{password, CsrfForm, CurrentUser, PageContext};
use crate::db::audit::{self, Change};
use crate::db::users::NewUser;
use crate::db::{self, sessions, throttle, users};
use crate::domain::account::{check_new_password, parse_display_name, Username};
use crate::domain::Role;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::tokens::{random_token, token_hash};
use crate::views::{html, html_status, FormErrors, Layout, LoginPage, SetupPage};

/// One message for every failed sign-in, so it never tells whether the
/// account exists, is disabled, or the password was wrong.
pub const SIGN_IN_FAILED: &str = "The username or password is not right. Check them and try again.";
/// One message for every throttled sign-in, for the same reason.
pub const SIGN_IN_THROTTLED: &str =
    "Too many failed attempts to sign in. Wait 15 minutes and try again, or ask an admin to reset your password.";

#[derive(Deserialize)]
pub struct NextQuery {
    #[serde(default)]
    next: String,
}

pub async fn login_form(
    page: PageContext,
    query: web::Query<NextQuery>,
) -> AppResult<HttpResponse> {
    html(&LoginPage {
        layout: Layout::new("Sign in", None, &page),
        username: String::new(),
        next: safe_next(&query.next),
        error: None,
    })
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

pub async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    page: PageContext,
    form: CsrfForm<LoginForm>,
) -> AppResult<HttpResponse> {
    let LoginForm {
        username,
        password,
        next,
    } = form.data;
    let next = safe_next(&next);
    let address = client_address(&req, &state);
    let attempt = throttle::Attempt::new(&username, &address);
    let failed = |message: &str, status: StatusCode| {
        html_status(
            status,
            &LoginPage {
                layout: Layout::new("Sign in", None, &page),
                username: username.clone(),
                next: next.clone(),
                error: Some(message.to_owned()),
            },
        )
    };

    // Empty fields cannot be a guess: refuse them without counting a failure.
    if username.trim().is_empty() || password.is_empty() {
        return failed(SIGN_IN_FAILED, StatusCode::UNAUTHORIZED);
    }
    // The attempt is counted before the password is checked, so concurrent
    // guesses cannot all slip under the limit.
    let (allowed, user) = {
        let (attempt, name) = (attempt.clone(), username.clone());
        state
            .db(move |c| {
                Ok((
                    throttle::begin(c, &attempt, db::now())?,
                    users::find_by_username(c, &name)?,
                ))
            })
            .await?
    };
    if !allowed {
        record_failed_sign_in(&state, user.as_ref(), &address, true).await?;
        return failed(SIGN_IN_THROTTLED, StatusCode::TOO_MANY_REQUESTS);
    }
    let stored = user.as_ref().map(|u| u.password_hash.clone());
    let verified = password::verify_gated(password, stored).await?;
    let Some(user) = user.clone().filter(|u| verified && !u.disabled) else {
        record_failed_sign_in(&state, user.as_ref(), &address, false).await?;
        return failed(SIGN_IN_FAILED, StatusCode::UNAUTHORIZED);
    };

    let token = random_token();
    let hash = token_hash(&token);
    let lifetime = chrono::Duration::hours(state.config.session_hours);
    state
        .db(move |c| {
            db::write_tx(c, |c| {
                throttle::succeeded(c, &attempt)?;
                sessions::create(c, user.id, &hash, db::now(), lifetime)?;
                let actor = audit::Actor {
                    user_id: Some(user.id),
                    name: format!("{} ({})", user.display_name, user.username),
                };
                audit::record(
                    c,
                    &actor,
                    Change::new("login", "session", user.id)
                        .institution(user.institution_id)
                        .summary("Signed in"),
                )?;
                Ok::<_, AppError>(())
            })
        })
        .await?;
    let secure = state.config.cookie_secure;
    let mut res = super::redirect(&next);
    res.add_cookie(&session_cookie(token, &state.config))
        .map_err(AppError::internal)?;
    res.add_cookie(&removal_cookie(ANON_COOKIE, secure))
        .map_err(AppError::internal)?;
    Ok(res)
}

/// The client's address as the throttle counts it (the proxy's word for it
/// only when the proxy is trusted).
pub(super) fn client_address(req: &HttpRequest, state: &AppState) -> String {
    let forwarded = req
        .headers()
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok());
    crate::config::client_address(
        req.peer_addr().map(|a| a.ip()),
        forwarded,
        &state.config.trusted_proxies,
    )
    .map_or_else(|| "unknown".to_owned(), |a| a.to_string())
}

/// A refused sign-in goes into the audit log: against the account when one
/// has that name, else as an unknown name (never the name typed, which may be
/// a password typed in the wrong box).
async fn record_failed_sign_in(
    state: &AppState,
    user: Option<&users::User>,
    address: &str,
    throttled: bool,
) -> AppResult<()> {
    let (id, institution) = user.map_or((0, None), |u| (u.id, u.institution_id));
    let who = user.map_or_else(
        || "with an unknown username".to_owned(),
        |u| format!("as {}", u.username),
    );
    let summary = if throttled {
        format!("Sign-in {who} refused from {address}: too many failed attempts")
    } else {
        format!("Failed sign-in {who} from {address}")
    };
    state
        .db(move |c| {
            db::write_tx(c, |c| {
                audit::record(
                    c,
                    &audit::Actor::system("sign-in"),
                    Change::new("login_failed", "user", id)
                        .institution(institution)
                        .summary(summary),
                )
            })?;
            Ok(())
        })
        .await
}

#[derive(Deserialize)]
pub struct Empty {}

pub async fn logout(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: Option<CurrentUser>,
    _form: CsrfForm<Empty>,
) -> AppResult<HttpResponse> {
    if let Some(cookie) = req.cookie(SESSION_COOKIE) {
        let hash = token_hash(cookie.value());
        state
            .db(move |c| {
                db::write_tx(c, |c| {
                    sessions::delete_by_hash(c, &hash)?;
                    if let Some(u) = &user {
                        audit::record(
                            c,
                            &u.actor(),
                            Change::new("logout", "session", u.id)
                                .institution(u.institution_id)
                                .summary("Signed out"),
                        )?;
                    }
                    Ok::<_, AppError>(())
                })
            })
            .await?;
    }
    let mut res = redirect_with_flash(&state, "/login", "You have signed out.");
    res.add_cookie(&removal_cookie(SESSION_COOKIE, state.config.cookie_secure))
        .map_err(AppError::internal)?;
    Ok(res)
}

pub async fn setup_form(
    state: web::Data<AppState>,
    page: PageContext,
    token: web::Path<String>,
) -> AppResult<HttpResponse> {
    let token = token.into_inner();
    let hash = token_hash(&token);
    if !state
        .db(move |c| Ok(db::setup::is_usable(c, &hash, db::now())?))
        .await?
    {
        return Err(AppError::NotFound);
    }
    html(&SetupPage {
        layout: Layout::new("Set up localspend", None, &page),
        token,
        username: String::new(),
        display_name: String::new(),
        errors: FormErrors::default(),
    })
}

#[derive(Deserialize)]
pub struct SetupForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm: String,
}

pub async fn setup(
    state: web::Data<AppState>,
    page: PageContext,
    token: web::Path<String>,
    form: CsrfForm<SetupForm>,
) -> AppResult<HttpResponse> {
    let token = token.into_inner();
    let hash = token_hash(&token);
    if !state
        .db(move |c| Ok(db::setup::is_usable(c, &hash, db::now())?))
        .await?
    {
        return Err(AppError::NotFound);
    }
    let f = form.data;
    let mut errors = FormErrors::default();
    let username = Username::parse(&f.username)
        .map_err(|e| errors.add("username", e))
        .ok();
    let display_name = parse_display_name(&f.display_name)
        .map_err(|e| errors.add("display_name", e))
        .ok();
    if let Err(e) = check_new_password(&f.password, &f.confirm, &f.username) {
        errors.add("password", e);
    }
    let (Some(username), Some(display_name), true) = (username, display_name, errors.is_empty())
    else {
        return html_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &SetupPage {
                layout: Layout::new("Set up localspend", None, &page),
                token,
                username: f.username,
                display_name: f.display_name,
                errors,
            },
        );
    };
    let password = f.password;
    let password_hash = password::hash_gated(password).await?;
    let new = NewUser {
        username,
        display_name,
        role: Role::Admin,
        institution_id: None,
        network_id: None,
        password_hash,
    };
    let session_token = random_token();
    let (setup_hash, session_hash) = (token_hash(&token), token_hash(&session_token));
    let lifetime = chrono::Duration::hours(state.config.session_hours);
    state
        .db(move |c| {
            db::write_tx(c, |c| {
                let user = db::setup::complete(c, &setup_hash, &new, db::now())?;
                sessions::create(c, user.id, &session_hash, db::now(), lifetime)?;
                Ok(())
            })
        })
        .await?;
    let mut res = redirect_with_flash(
        &state,
        "/",
        "Your administrator account is ready. Next, add your institutions and users.",
    );
    res.add_cookie(&session_cookie(session_token, &state.config))
        .map_err(AppError::internal)?;
    Ok(res)
}
