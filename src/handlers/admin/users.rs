//! User accounts. Network-wide admins manage everyone; an institution's admin
//! manages only that institution's users and cannot create network-wide ones.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::Deserialize;

use crate::auth::{password, CsrfForm, CurrentUser, PageContext};
use crate::db::users::{self, NewUser, User, UserChanges};
use crate::db::{self, institutions, is_unique_violation, networks, throttle};
use crate::domain::account::{check_new_password, check_works_for, parse_display_name, Username};
use crate::domain::Role;
use crate::error::{AppError, AppResult};
use crate::handlers::{form_version, redirect_with_flash};
use crate::state::AppState;
use crate::views::{html, html_status, FormErrors, Layout, UserFields, UserFormPage, UsersPage};

pub async fn list(
    state: web::Data<AppState>,
    user: CurrentUser,
    page: PageContext,
) -> AppResult<HttpResponse> {
    user.require_admin()?;
    let reach = user.reach.clone();
    let list = state.db(move |c| Ok(users::list(c, &reach)?)).await?;
    html(&UsersPage {
        layout: Layout::new("Users", Some(&user), &page),
        users: list,
    })
}

/// The form page, with the institutions this admin may assign.
async fn form_page(
    state: &AppState,
    user: &CurrentUser,
    page: &PageContext,
    id: Option<i64>,
    fields: UserFields,
) -> AppResult<UserFormPage> {
    let reach = user.reach.clone();
    let network_wide = user.is_network_admin();
    let (options, networks) = state
        .db(move |c| {
            let networks = match network_wide {
                true => networks::visible_to(c, &reach)?,
                false => Vec::new(),
            };
            Ok((institutions::list(c, &reach)?, networks))
        })
        .await?;
    Ok(UserFormPage {
        layout: Layout::new(
            if id.is_some() {
                "Edit user"
            } else {
                "Add a user"
            },
            Some(user),
            page,
        ),
        id,
        fields,
        errors: FormErrors::default(),
        roles: Role::ALL,
        institutions: options.into_iter().map(|i| (i.id, i.name)).collect(),
        networks,
        allow_network_wide: network_wide,
        password_errors: FormErrors::default(),
    })
}

fn fields_of(u: &User) -> UserFields {
    UserFields {
        username: u.username.clone(),
        display_name: u.display_name.clone(),
        role: u.role.clone(),
        institution_id: match (u.institution_id, u.network_id) {
            (Some(i), _) => i.to_string(),
            (None, Some(n)) => format!("network-{n}"),
            (None, None) => String::new(),
        },
        disabled: u.disabled.then(|| "on".to_owned()),
        version: u.version.to_string(),
    }
}

/// The networks a user can be attached to.
async fn network_ids(state: &AppState) -> AppResult<Vec<i64>> {
    let all = state.db(|c| Ok(networks::list(c)?)).await?;
    Ok(all.into_iter().map(|(n, _)| n.id).collect())
}

/// What a save changes besides the username and password.
struct Common {
    display_name: String,
    role: Role,
    institution_id: Option<i64>,
    network_id: Option<i64>,
}

/// Whom the form's "Works for" choice names: an institution (`N`), a
/// network (`network-N`) or, when empty, the whole installation.
fn works_for(raw: &str) -> Option<(Option<i64>, Option<i64>)> {
    match raw.trim() {
        "" => Some((None, None)),
        raw => match raw.strip_prefix("network-") {
            Some(n) => n.parse().ok().map(|n| (None, Some(n))),
            None => raw.parse().ok().map(|i| (Some(i), None)),
        },
    }
}

/// The checks every save shares: a known role, an institution this admin
/// covers, and network-wide or installation-wide work only as set by an
/// admin of the whole installation.
fn parse_common(
    editor: &CurrentUser,
    networks: &[i64],
    f: &UserFields,
    errors: &mut FormErrors,
) -> Option<Common> {
    let display_name = parse_display_name(&f.display_name)
        .map_err(|e| errors.add("display_name", e))
        .ok();
    let role = Role::from_code(f.role.trim());
    if role.is_none() {
        errors.add("role", "Choose a role");
    }
    let chosen = works_for(&f.institution_id).filter(|(institution, network)| {
        match (institution, network) {
            (Some(id), _) => editor.covers_institution(Some(*id)),
            (None, Some(n)) => editor.is_network_admin() && networks.contains(n),
            (None, None) => editor.is_network_admin(),
        }
    });
    let Some((institution_id, network_id)) = chosen else {
        let message = if editor.is_network_admin() {
            "Choose one of the listed institutions or networks"
        } else {
            "Choose the user's institution"
        };
        errors.add("institution_id", message);
        return None;
    };
    if let Some(role) = role {
        if let Err(e) = check_works_for(role, institution_id, network_id) {
            errors.add("institution_id", e);
        }
    }
    match (display_name, role) {
        (Some(display_name), Some(role)) if errors.is_empty() => Some(Common {
            display_name,
            role,
            institution_id,
            network_id,
        }),
        _ => None,
    }
}

async fn rejected(
    state: &AppState,
    user: &CurrentUser,
    page: &PageContext,
    id: Option<i64>,
    fields: UserFields,
    errors: FormErrors,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let mut form = form_page(state, user, page, id, fields).await?;
    form.errors = errors;
    html_status(status, &form)
}

pub async fn new_form(
    state: web::Data<AppState>,
    user: CurrentUser,
    page: PageContext,
) -> AppResult<HttpResponse> {
    user.require_admin()?;
    let fields = UserFields {
        institution_id: user
            .institution_id
            .map(|i| i.to_string())
            .unwrap_or_default(),
        version: "0".into(),
        ..Default::default()
    };
    html(&form_page(&state, &user, &page, None, fields).await?)
}

#[derive(Deserialize)]
pub struct NewUserForm {
    #[serde(flatten)]
    fields: UserFields,
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm: String,
}

pub async fn create(
    state: web::Data<AppState>,
    user: CurrentUser,
    page: PageContext,
    form: CsrfForm<NewUserForm>,
) -> AppResult<HttpResponse> {
    user.require_admin()?;
    let NewUserForm {
        fields,
        password,
        confirm,
    } = form.data;
    let mut errors = FormErrors::default();
    let username = Username::parse(&fields.username)
        .map_err(|e| errors.add("username", e))
        .ok();
    let networks = network_ids(&state).await?;
    let common = parse_common(&user, &networks, &fields, &mut errors);
    if let Err(e) = check_new_password(&password, &confirm, &fields.username) {
        errors.add("password", e);
    }
    let (Some(username), Some(common), true) = (username, common, errors.is_empty()) else {
        return rejected(
            &state,
            &user,
            &page,
            None,
            fields,
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let password_hash = password::hash_gated(password).await?;
    let new = NewUser {
        username,
        display_name: common.display_name,
        role: common.role,
        institution_id: common.institution_id,
        network_id: common.network_id,
        password_hash,
    };
    let actor = user.actor();
    match state.db(move |c| Ok(users::create(c, &actor, &new)?)).await {
        Ok(created) => Ok(redirect_with_flash(
            &state,
            "/admin/users",
            &format!("Added user {}.", created.username),
        )),
        Err(AppError::Db(e)) if is_unique_violation(&e) => {
            errors.add("username", "That username is already taken");
            rejected(
                &state,
                &user,
                &page,
                None,
                fields,
                errors,
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(e) => Err(e),
    }
}

/// Loads a user the editor is allowed to manage, or refuses.
async fn managed_user(state: &AppState, editor: &CurrentUser, id: i64) -> AppResult<User> {
    editor.require_admin()?;
    let target = state.db(move |c| Ok(users::get(c, id)?)).await?;
    editor.require_manages_institution(target.institution_id)?;
    Ok(target)
}

pub async fn edit_form(
    state: web::Data<AppState>,
    user: CurrentUser,
    page: PageContext,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let target = managed_user(&state, &user, id.into_inner()).await?;
    html(&form_page(&state, &user, &page, Some(target.id), fields_of(&target)).await?)
}

pub async fn update(
    state: web::Data<AppState>,
    user: CurrentUser,
    page: PageContext,
    id: web::Path<i64>,
    form: CsrfForm<UserFields>,
) -> AppResult<HttpResponse> {
    let target = managed_user(&state, &user, id.into_inner()).await?;
    let mut fields = form.data;
    fields.username = target.username.clone();
    let mut errors = FormErrors::default();
    let networks = network_ids(&state).await?;
    let common = parse_common(&user, &networks, &fields, &mut errors);
    let disabled = fields.disabled.is_some();
    if disabled && target.id == user.id {
        errors.add("disabled", "You cannot disable your own account");
    }
    let (Some(common), true) = (common, errors.is_empty()) else {
        return rejected(
            &state,
            &user,
            &page,
            Some(target.id),
            fields,
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let changes = UserChanges {
        display_name: common.display_name,
        role: common.role,
        institution_id: common.institution_id,
        network_id: common.network_id,
        disabled,
    };
    let (actor, id, version) = (user.actor(), target.id, form_version(&fields.version));
    match state
        .db(move |c| Ok(users::update(c, &actor, id, version, &changes)?))
        .await
    {
        Ok(saved) => Ok(redirect_with_flash(
            &state,
            "/admin/users",
            &format!("Saved user {}.", saved.username),
        )),
        Err(AppError::Conflict(message)) => {
            errors.add("display_name", message);
            let current = state.db(move |c| Ok(users::get(c, id)?)).await?;
            fields.version = current.version.to_string();
            rejected(
                &state,
                &user,
                &page,
                Some(id),
                fields,
                errors,
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm: String,
}

pub async fn reset_password(
    state: web::Data<AppState>,
    user: CurrentUser,
    page: PageContext,
    id: web::Path<i64>,
    form: CsrfForm<ResetForm>,
) -> AppResult<HttpResponse> {
    let target = managed_user(&state, &user, id.into_inner()).await?;
    let ResetForm { password, confirm } = form.data;
    if let Err(e) = check_new_password(&password, &confirm, &target.username) {
        let mut form = form_page(&state, &user, &page, Some(target.id), fields_of(&target)).await?;
        form.password_errors.add("password", e);
        return html_status(StatusCode::UNPROCESSABLE_ENTITY, &form);
    }
    let hash = password::hash_gated(password).await?;
    let (actor, id, name) = (user.actor(), target.id, target.username.clone());
    state
        .db(move |c| {
            db::write_tx(c, |c| {
                users::set_password(c, &actor, id, &hash, "password_reset")?;
                throttle::forget_account(c, &name)?;
                Ok::<_, db::Error>(())
            })?;
            Ok(())
        })
        .await?;
    Ok(redirect_with_flash(
        &state,
        "/admin/users",
        &format!(
            "Password reset for {}; they have been signed out everywhere.",
            target.username
        ),
    ))
}
