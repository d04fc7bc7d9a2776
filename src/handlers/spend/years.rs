//! Closing a financial year after sign-off, and reopening it: the list of
//! an institution's years with their state, and a confirmation page for
//! each step (GOV.UK style: one question per page, errors at the field).

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::Deserialize;

use crate::auth::{CsrfForm, CurrentUser, PageContext};
use crate::db::closed_years::{self, NOTE_MAX};
use crate::db::institutions::{self, Institution};
use crate::db::spend;
use crate::domain::period::financial_year_label;
use crate::error::{AppError, AppResult};
use crate::handlers::redirect_with_flash;
use crate::state::AppState;
use crate::views::spend::{YearChange, YearRow, YearStepPage, YearsPage};
use crate::views::{html, html_status, FormErrors, Layout};

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct YearsQuery {
    institution: String,
}

/// An institution's financial years with data (and any closed ones), each
/// open or closed, with who closed it and when.
pub async fn years(
    state: web::Data<AppState>,
    user: CurrentUser,
    page: PageContext,
    q: web::Query<YearsQuery>,
) -> AppResult<HttpResponse> {
    let viewer = user.clone();
    let (institution, choices, rows) = state
        .db(move |c| {
            let visible = institutions::list(c, &viewer.reach)?;
            let institution = match q.institution.trim() {
                "" => visible.first().cloned().ok_or(AppError::NotFound)?,
                raw => {
                    let id: i64 = raw.parse().map_err(|_| AppError::NotFound)?;
                    if !viewer.covers_institution(Some(id)) {
                        return Err(AppError::Forbidden);
                    }
                    institutions::get(c, id)?
                }
            };
            let closed = closed_years::list(c, institution.id)?;
            let mut years = spend::years(c, Some(&[institution.id]))?;
            years.extend(closed.iter().map(|y| y.financial_year));
            years.sort_unstable_by(|a, b| b.cmp(a));
            years.dedup();
            let rows = years
                .into_iter()
                .map(|fy| YearRow {
                    fy,
                    label: financial_year_label(fy),
                    closed: closed.iter().find(|c| c.financial_year == fy).cloned(),
                })
                .collect::<Vec<_>>();
            let choices = visible.into_iter().map(|i| (i.id, i.name)).collect();
            Ok((institution, choices, rows))
        })
        .await?;
    html(&YearsPage {
        layout: Layout::new(
            format!("Financial years: {}", institution.name),
            Some(&user),
            &page,
        ),
        can_close: user.can_close_year(institution.id),
        can_reopen: user.can_reopen_year(institution.id),
        institution_id: institution.id,
        choices,
        rows,
    })
}

/// Whether the user's role takes this step at all (before the form is read).
fn require_role(user: &CurrentUser, change: YearChange) -> AppResult<()> {
    user.require(match change {
        YearChange::Close => user.closes_years(),
        YearChange::Reopen => user.is_admin(),
    })
}

/// The year a step is asked for: `institution` and `fy`, from the query or
/// the form.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct YearStep {
    institution: String,
    fy: String,
    /// Closing: the box confirming sign-off.
    signed_off: String,
    /// Closing: an optional note; reopening: the reason (required).
    note: String,
}

impl YearStep {
    fn parse(&self) -> AppResult<(i64, i32)> {
        let refused =
            || AppError::BadRequest("Choose a year from the list of financial years.".into());
        let institution = self.institution.trim().parse().map_err(|_| refused())?;
        let fy = self
            .fy
            .trim()
            .parse()
            .ok()
            .filter(|y| (1900..=2200).contains(y))
            .ok_or_else(refused)?;
        Ok((institution, fy))
    }
}

/// The confirmation page of closing (or reopening) a year.
async fn step_page(
    state: &web::Data<AppState>,
    user: &CurrentUser,
    page: &PageContext,
    change: YearChange,
    step: YearStep,
    errors: FormErrors,
) -> AppResult<YearStepPage> {
    require_role(user, change)?;
    let (institution_id, fy) = step.parse()?;
    let allowed = match change {
        YearChange::Close => user.can_close_year(institution_id),
        YearChange::Reopen => user.can_reopen_year(institution_id),
    };
    user.require(allowed)?;
    let (institution, closed) = state
        .db(move |c| {
            let institution: Institution = institutions::get(c, institution_id)?;
            let closed = closed_years::list(c, institution_id)?
                .into_iter()
                .find(|y| y.financial_year == fy);
            Ok((institution, closed))
        })
        .await?;
    let label = financial_year_label(fy);
    let title = match change {
        YearChange::Close => format!("Close {label} for {}", institution.name),
        YearChange::Reopen => format!("Reopen {label} for {}", institution.name),
    };
    let mut layout = Layout::new(title.clone(), Some(user), page);
    if !errors.is_empty() {
        layout = layout.failed();
    }
    Ok(YearStepPage {
        layout,
        heading: title,
        change,
        institution_id,
        institution: institution.name,
        fy,
        label,
        closed,
        signed_off: !step.signed_off.is_empty(),
        note: step.note,
        errors,
    })
}

pub async fn close_form(
    state: web::Data<AppState>,
    user: CurrentUser,
    page: PageContext,
    q: web::Query<YearStep>,
) -> AppResult<HttpResponse> {
    let shown = step_page(
        &state,
        &user,
        &page,
        YearChange::Close,
        q.into_inner(),
        FormErrors::default(),
    );
    html(&shown.await?)
}

pub async fn reopen_form(
    state: web::Data<AppState>,
    user: CurrentUser,
    page: PageContext,
    q: web::Query<YearStep>,
) -> AppResult<HttpResponse> {
    let shown = step_page(
        &state,
        &user,
        &page,
        YearChange::Reopen,
        q.into_inner(),
        FormErrors::default(),
    );
    html(&shown.await?)
}

pub async fn close(
    state: web::Data<AppState>,
    user: CurrentUser,
    page: PageContext,
    form: CsrfForm<YearStep>,
) -> AppResult<HttpResponse> {
    change_year(state, user, page, YearChange::Close, form.data).await
}

pub async fn reopen(
    state: web::Data<AppState>,
    user: CurrentUser,
    page: PageContext,
    form: CsrfForm<YearStep>,
) -> AppResult<HttpResponse> {
    change_year(state, user, page, YearChange::Reopen, form.data).await
}

/// Closes or reopens a year once the form is complete; otherwise shows it
/// again with what was typed and the errors at their fields.
async fn change_year(
    state: web::Data<AppState>,
    user: CurrentUser,
    page: PageContext,
    change: YearChange,
    step: YearStep,
) -> AppResult<HttpResponse> {
    require_role(&user, change)?;
    let (institution_id, fy) = step.parse()?;
    let mut errors = FormErrors::default();
    let label = financial_year_label(fy);
    match change {
        YearChange::Close if step.signed_off.is_empty() => errors.add(
            "signed_off",
            format!("Confirm that the figures for {label} have been signed off"),
        ),
        YearChange::Reopen if step.note.trim().is_empty() => {
            errors.add("note", "Enter why the year is being reopened")
        }
        _ => {}
    }
    if step.note.chars().count() > NOTE_MAX {
        errors.add(
            "note",
            format!("The note must be {NOTE_MAX} characters or fewer"),
        );
    }
    if !errors.is_empty() {
        let shown = step_page(&state, &user, &page, change, step, errors).await?;
        return html_status(StatusCode::UNPROCESSABLE_ENTITY, &shown);
    }
    let allowed = match change {
        YearChange::Close => user.can_close_year(institution_id),
        YearChange::Reopen => user.can_reopen_year(institution_id),
    };
    user.require(allowed)?;
    let (actor, note) = (user.actor(), step.note.clone());
    state
        .db(move |c| {
            institutions::get(c, institution_id)?;
            match change {
                YearChange::Close => closed_years::close(c, &actor, institution_id, fy, &note)?,
                YearChange::Reopen => closed_years::reopen(c, &actor, institution_id, fy, &note)?,
            };
            Ok(())
        })
        .await?;
    let message = match change {
        YearChange::Close => format!("{label} is closed: its lines can no longer be changed."),
        YearChange::Reopen => format!("{label} is open again."),
    };
    Ok(redirect_with_flash(
        &state,
        &format!("/spend/years?institution={institution_id}"),
        &message,
    ))
}
