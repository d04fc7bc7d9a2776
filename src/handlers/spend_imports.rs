//! Importing a spend file in the browser: upload → detect → map → preview →
//! commit, each step a page. Reading and committing run in the background
//! with their progress shown; the file is held in the database between steps
//! so any app instance can take the next one.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::Deserialize;

use super::{form_version, redirect, redirect_with_flash, VersionForm};
use crate::auth::{CsrfForm, CurrentUser, PageContext};
use crate::db::imports::{self, status, Batch};
use crate::db::{institutions, jobs};
use crate::domain::dates::{parse_typed_date, DateOrder};
use crate::domain::spend::VatBasis;
use crate::domain::spend_file::Field;
use crate::domain::spend_file::Settings;
use crate::error::{AppError, AppResult};
use crate::import::spend::{self, Preview, SpendImportError};
use crate::state::AppState;
use crate::views::spend::{BatchPage, BatchRow, ColumnRow, ImportsPage, SetRow};
use crate::views::{html, html_status, FormErrors, Layout};

pub const PREVIEW_JOB: &str = "spend_preview";
pub const COMMIT_JOB: &str = "spend_import";

pub(super) async fn imports_page(
    state: &AppState,
    user: &CurrentUser,
    page: &PageContext,
    errors: FormErrors,
) -> AppResult<ImportsPage> {
    imports_page_with(state, user, page, errors, Vec::new()).await
}

async fn imports_page_with(
    state: &AppState,
    user: &CurrentUser,
    page: &PageContext,
    errors: FormErrors,
    set_ids: Vec<i64>,
) -> AppResult<ImportsPage> {
    let reach = user.reach.clone();
    let ids = set_ids.clone();
    let (batches, all, jobs_of, set) = state
        .db(move |c| {
            let mut set = Vec::new();
            for id in ids {
                if let Ok(b) = imports::get(c, id) {
                    set.push(b);
                }
            }
            let batches = imports::recent(c, &reach, 50)?;
            let mut job_state = Vec::new();
            for b in &batches {
                if let Some(j) = b
                    .job_id
                    .filter(|_| b.status == status::COMMITTING || b.status == status::PREVIEWING)
                {
                    job_state.push((b.id, jobs::get(c, j)?));
                }
            }
            Ok((batches, institutions::list(c, &reach)?, job_state, set))
        })
        .await?;
    let set: Vec<SetRow> = set
        .into_iter()
        .filter(|b| user.covers_institution(Some(b.institution_id)))
        .map(super::spend_uploads::set_row)
        .collect();
    let set_ids = set
        .iter()
        .map(|r| r.batch.id.to_string())
        .collect::<Vec<_>>()
        .join(",");
    let now = crate::db::now();
    Ok(ImportsPage {
        layout: Layout::new("Import a spend file", Some(user), page),
        batches: batches
            .into_iter()
            .map(|batch| BatchRow {
                institution: all
                    .iter()
                    .find(|i| i.id == batch.institution_id)
                    .map_or(String::new(), |i| i.name.clone()),
                interrupted: jobs_of.iter().any(|(b, j)| {
                    *b == batch.id
                        && (j.is_finished()
                            || (j.is_stalled(now) && crate::jobs::live_progress(j.id).is_none()))
                }),
                batch,
            })
            .collect(),
        institutions: all.into_iter().map(|i| (i.id, i.name)).collect(),
        errors,
        set,
        set_ids,
        sheet: String::new(),
    })
}

pub async fn list(
    state: web::Data<AppState>,
    user: CurrentUser,
    page: PageContext,
    q: web::Query<super::spend_uploads::SetQuery>,
) -> AppResult<HttpResponse> {
    user.require(user.can_edit_spend())?;
    let set = q.ids();
    html(&imports_page_with(&state, &user, &page, FormErrors::default(), set).await?)
}

/// A batch the user may work on: an editor covering its institution.
pub(super) async fn batch_for(state: &AppState, user: &CurrentUser, id: i64) -> AppResult<Batch> {
    user.require(user.can_edit_spend())?;
    let batch = state.db(move |c| Ok(imports::get(c, id)?)).await?;
    if !user.covers_institution(Some(batch.institution_id)) {
        return Err(AppError::Forbidden);
    }
    Ok(batch)
}

async fn batch_page(
    state: &AppState,
    user: &CurrentUser,
    page: &PageContext,
    batch: Batch,
    typed: Option<Settings>,
    errors: FormErrors,
) -> AppResult<BatchPage> {
    let (bid, iid, job_id) = (batch.id, batch.institution_id, batch.job_id);
    let file = batch.layout()?;
    let signature = file.signature();
    let (institution, job, from_profile, left_out) = state
        .db(move |c| {
            Ok((
                institutions::get(c, iid)?.name,
                job_id.map(|j| jobs::get(c, j)).transpose()?,
                imports::profile(c, iid, &signature)?.is_some(),
                imports::rows_left_out(c, bid)?,
            ))
        })
        .await?;
    let left_out_count = left_out.len();
    let left_out: Vec<_> = left_out.into_iter().take(50).collect();
    let settings = typed
        .or_else(|| batch.settings())
        .unwrap_or_else(|| crate::import::spend_file::propose(&file));
    let preview: Option<Preview> = serde_json::from_str(&batch.preview).ok();
    let running = matches!(
        batch.status.as_str(),
        status::PREVIEWING | status::COMMITTING
    );
    let live = job.as_ref().and_then(|j| crate::jobs::live_progress(j.id));
    let percent = match (live, &job) {
        (Some((done, total)), _) if total > 0 => (done * 100 / total) as i64,
        (_, Some(j)) => j.percent(),
        _ => 0,
    };
    let stalled = running
        && live.is_none()
        && job
            .as_ref()
            .is_some_and(|j| j.is_finished() || j.is_stalled(crate::db::now()));
    let columns = file
        .headers
        .iter()
        .enumerate()
        .map(|(index, header)| ColumnRow {
            index,
            header: header.clone(),
            samples: file
                .samples
                .iter()
                .take(3)
                .map(|r| r.get(index).cloned().unwrap_or_default())
                .filter(|v| !v.trim().is_empty())
                .collect(),
            field: settings.columns.get(index).copied().flatten(),
            evidence: file.evidence(index),
            by_values: settings
                .columns
                .get(index)
                .copied()
                .flatten()
                .is_some_and(|f| {
                    file.header_row.is_none()
                        || crate::domain::spend_file::field_for_header(header) != Some(f)
                }),
        })
        .collect();
    let missing = settings.missing();
    let month = |d: chrono::NaiveDate| d.format("%Y-%m").to_string();
    let (totals_from, totals_to) = settings
        .totals_period
        .map(|(a, b)| (month(a), month(b)))
        .unwrap_or_default();
    let no_dates = !file.has_date_column();
    let (period_from, period_to) = settings
        .period
        .map(|(a, b)| {
            (
                a.format("%d/%m/%Y").to_string(),
                b.format("%d/%m/%Y").to_string(),
            )
        })
        .unwrap_or_default();
    Ok(BatchPage {
        layout: Layout::new(format!("Import of {}", batch.file_name), Some(user), page),
        institution,
        file,
        settings,
        columns,
        from_profile,
        preview,
        job,
        percent,
        running,
        stalled,
        can_undo: user.is_admin(),
        errors,
        period_from,
        period_to,
        missing,
        left_out,
        left_out_count,
        totals_from,
        totals_to,
        no_dates,
        batch,
    })
}

pub async fn show(
    state: web::Data<AppState>,
    user: CurrentUser,
    page: PageContext,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let batch = batch_for(&state, &user, id.into_inner()).await?;
    html(&batch_page(&state, &user, &page, batch, None, FormErrors::default()).await?)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct MapForm {
    version: String,
    date_order: String,
    vat_basis: String,
    purchase_card: Option<String>,
    period_from: String,
    period_to: String,
    /// A file of totals per supplier: the months they cover (YYYY-MM).
    totals_from: String,
    totals_to: String,
}

/// The mapping as submitted, and what is wrong with it.
fn settings_of(
    form: &CsrfForm<MapForm>,
    layout: &crate::domain::spend_file::Layout,
) -> (Settings, FormErrors) {
    let columns = layout.headers.len();
    let mut errors = FormErrors::default();
    let mut mapped: Vec<Option<Field>> = (0..columns)
        .map(|i| {
            let name = format!("col_{i}");
            let field = form.all(&name).next().and_then(Field::from_code);
            field
        })
        .collect();
    // An answer to "which column holds the …?" maps that column.
    for field in Field::ALL {
        let answer = form
            .all(&format!("q_{}", field.code()))
            .next()
            .and_then(|c| c.parse::<usize>().ok());
        if let Some(i) = answer.filter(|i| *i < columns) {
            if !mapped.contains(&Some(*field)) {
                mapped[i] = Some(*field);
            }
        }
    }
    let mut seen: Vec<Field> = Vec::new();
    for f in mapped.iter().flatten() {
        if seen.contains(f) {
            errors.add(
                "col_0",
                format!("Two columns are mapped to “{}”: choose one", f.label()),
            );
        }
        seen.push(*f);
    }
    let d = &form.data;
    let date = |raw: &str, field: &'static str, errors: &mut FormErrors| match raw.trim() {
        "" => None,
        t => parse_typed_date(t)
            .map_err(|e| errors.add(field, format!("Period: {e}")))
            .ok(),
    };
    let from = date(&d.period_from, "period_from", &mut errors);
    let to = date(&d.period_to, "period_to", &mut errors);
    let totals_period = match (d.totals_from.trim(), d.totals_to.trim()) {
        ("", "") => None,
        (a, b) => {
            let (a, b) = (
                if a.is_empty() { b } else { a },
                if b.is_empty() { a } else { b },
            );
            crate::domain::period::parse_totals_period(&format!("{a}..{b}"))
                .map_err(|e| errors.add("totals_from", format!("Totals period: {e}")))
                .ok()
        }
    };
    let settings = Settings {
        columns: mapped,
        date_order: DateOrder::from_code(&d.date_order),
        purchase_card: d.purchase_card.is_some(),
        vat_basis: VatBasis::from_code(&d.vat_basis)
            .unwrap_or(VatBasis::Unknown)
            .code()
            .to_owned(),
        period: from.zip(to),
        skip_unreadable: false,
        keep_rows: Vec::new(),
        totals_period,
    };
    // Each missing field's error lands on the question that answers it
    // (for a file with no dates, the months of its totals).
    for f in settings.missing() {
        if f == Field::PaymentDate && !layout.has_date_column() {
            errors.add(
                "totals_from",
                "Choose the column that holds the payment date or, for a file of totals per supplier, give the months it covers",
            );
        } else {
            errors.add(
                crate::views::spend::question_id(&f),
                format!(
                    "Choose the column that holds the {}",
                    f.label().to_lowercase()
                ),
            );
        }
    }
    (settings, errors)
}

pub async fn map(
    state: web::Data<AppState>,
    user: CurrentUser,
    page: PageContext,
    id: web::Path<i64>,
    form: CsrfForm<MapForm>,
) -> AppResult<HttpResponse> {
    let batch = batch_for(&state, &user, id.into_inner()).await?;
    let layout = batch.layout()?;
    let (settings, errors) = settings_of(&form, &layout);
    if !errors.is_empty() {
        let mut p = batch_page(&state, &user, &page, batch, Some(settings), errors).await?;
        // What was typed, even where it could not be read.
        let d = &form.data;
        p.totals_from.clone_from(&d.totals_from);
        p.totals_to.clone_from(&d.totals_to);
        p.period_from.clone_from(&d.period_from);
        p.period_to.clone_from(&d.period_to);
        return html_status(StatusCode::UNPROCESSABLE_ENTITY, &p);
    }
    let (actor, version, bid, iid) = (
        user.actor(),
        form_version(&form.data.version),
        batch.id,
        batch.institution_id,
    );
    let (s2, signature, name, uid) = (
        settings.clone(),
        layout.signature(),
        batch.file_name.clone(),
        user.id,
    );
    let started = state
        .db(move |c| {
            let job = jobs::create(
                c,
                PREVIEW_JOB,
                &format!("Preview of {name}"),
                Some(uid),
                Some(iid),
            )?;
            imports::start_preview(c, &actor, bid, version, &s2, job)?;
            imports::save_profile(c, &actor, iid, &signature, &s2)?;
            Ok(job)
        })
        .await;
    let job = match started {
        Ok(job) => job,
        Err(AppError::Conflict(message)) => {
            let fresh = state.db(move |c| Ok(imports::get(c, bid)?)).await?;
            let mut errors = FormErrors::default();
            errors.add("col_0", message);
            let p = batch_page(&state, &user, &page, fresh, Some(settings), errors).await?;
            return html_status(StatusCode::CONFLICT, &p);
        }
        Err(e) => return Err(e),
    };
    crate::jobs::in_background(state.pool.clone(), job, move |conn, job_conn| {
        let outcome = imports::local_copy(conn, bid)
            .map_err(SpendImportError::from)
            .and_then(|copy| {
                let batch = imports::get(conn, bid)?;
                let tracking = crate::jobs::Tracking {
                    conn: job_conn,
                    id: job,
                };
                spend::run_preview(conn, tracking, &batch, &copy.path, &mut |_, _| {})
            });
        if let Err(e) = outcome {
            tracing::warn!(error = %e, batch = bid, "spend preview failed");
            // run_preview records its own failures; this covers the copy.
            if let Ok(b) = imports::get(conn, bid) {
                if b.status == status::PREVIEWING {
                    let shown = crate::jobs::shown(&e);
                    let _ =
                        imports::finish_preview(conn, bid, Err::<(&Preview, i64, i64), _>(&shown));
                    let _ = jobs::finish(job_conn, job, false, &shown);
                }
            }
        }
    });
    Ok(redirect(&format!("/spend/imports/{bid}")))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CommitForm {
    version: String,
    /// "Leave these rows out and import the rest".
    leave_out: Option<String>,
    /// "Keep the lines already on record: they are payments of their own".
    keep_recorded: Option<String>,
}

pub async fn commit(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
    form: CsrfForm<CommitForm>,
) -> AppResult<HttpResponse> {
    let batch = batch_for(&state, &user, id.into_inner()).await?;
    let preview: Option<Preview> = serde_json::from_str(&batch.preview).ok();
    let leave_out = form.data.leave_out.is_some();
    let keep_rows: Vec<u64> = match &preview {
        Some(p) if form.data.keep_recorded.is_some() && p.can_keep_recorded() => {
            p.recorded.iter().map(|r| r.row).collect()
        }
        _ => Vec::new(),
    };
    match preview {
        Some(p) if p.can_commit() => {}
        Some(p) if leave_out && p.can_commit_leaving_out() => {}
        Some(p) => return Err(AppError::BadRequest(p.blockers().join(" "))),
        None => {
            return Err(AppError::BadRequest(
                "Check the file (map its columns and preview it) before importing it.".into(),
            ))
        }
    }
    let (version, bid, iid, uid, name) = (
        form_version(&form.data.version),
        batch.id,
        batch.institution_id,
        user.id,
        batch.file_name.clone(),
    );
    let job = state
        .db(move |c| {
            let job = jobs::create(
                c,
                COMMIT_JOB,
                &format!("Import of {name}"),
                Some(uid),
                Some(iid),
            )?;
            imports::start_commit(c, bid, version, Some(job), leave_out, keep_rows)?;
            Ok(job)
        })
        .await?;
    let actor = user.actor();
    crate::jobs::in_background(state.pool.clone(), job, move |conn, job_conn| {
        let outcome = imports::local_copy(conn, bid)
            .map_err(SpendImportError::from)
            .and_then(|copy| {
                let batch = imports::get(conn, bid)?;
                let tracking = crate::jobs::Tracking {
                    conn: job_conn,
                    id: job,
                };
                spend::run_commit(
                    conn,
                    tracking,
                    &actor,
                    &batch,
                    &copy.path,
                    &mut |_, _| {},
                    &mut |_| {},
                )
            });
        if let Err(e) = outcome {
            tracing::warn!(error = %e, batch = bid, "spend import failed");
            if let Ok(b) = imports::get(conn, bid) {
                if b.status == status::COMMITTING {
                    let shown = crate::jobs::shown(&e);
                    let _ = imports::commit_failed(conn, bid, &shown);
                    let _ = jobs::finish(job_conn, job, false, &shown);
                }
            }
        }
    });
    Ok(redirect(&format!("/spend/imports/{bid}")))
}

pub async fn cancel(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
    _form: CsrfForm<VersionForm>,
) -> AppResult<HttpResponse> {
    let batch = batch_for(&state, &user, id.into_inner()).await?;
    let (actor, bid) = (user.actor(), batch.id);
    state
        .db(move |c| Ok(imports::cancel(c, &actor, bid)?))
        .await?;
    Ok(redirect_with_flash(
        &state,
        "/spend/imports",
        &format!(
            "Cancelled the import of {}; nothing was imported.",
            batch.file_name
        ),
    ))
}

pub async fn undo(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
    _form: CsrfForm<VersionForm>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    user.require_admin()?;
    let batch = state.db(move |c| Ok(imports::get(c, id)?)).await?;
    if !user.covers_institution(Some(batch.institution_id)) {
        return Err(AppError::Forbidden);
    }
    let actor = user.actor();
    let (batch, removed) = state.db(move |c| Ok(imports::undo(c, &actor, id)?)).await?;
    Ok(redirect_with_flash(
        &state,
        &format!("/spend/imports/{id}"),
        &format!(
            "Undid the import of {}: {removed} lines removed.",
            batch.file_name
        ),
    ))
}

/// The rows left out of a committed import, as a CSV file laid out like the
/// original (its header, then the rows as read), to correct and import.
pub async fn left_out_csv(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let batch = batch_for(&state, &user, id.into_inner()).await?;
    let layout = batch.layout()?;
    let (bid, name) = (batch.id, batch.file_name.clone());
    let export = super::csv::Export {
        stem: "rows-left-out",
        what: format!("the rows left out of the import of {name}"),
        institution: Some(batch.institution_id),
    };
    super::csv::spooled_csv(&state, &user, export, move |c, mut out| {
        spend::write_rows_left_out(c, bid, &layout, &mut out).map_err(|e| match e {
            SpendImportError::App(e) => e,
            e => AppError::internal(e),
        })
    })
    .await
}
