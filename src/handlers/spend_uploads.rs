//! Uploading spend files: one file, a spreadsheet's sheet or a zip of
//! files, each becoming a batch (oldest first), and importing the files of
//! one upload together, each whole or not at all.

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use super::spend_imports::{batch_for, imports_page, COMMIT_JOB};
use super::{redirect, redirect_with_flash, uploads};
use crate::auth::{CsrfForm, CurrentUser, PageContext};
use crate::db::imports::{self, status, Batch};
use crate::db::{institutions, jobs};
use crate::domain::spend_file::Settings;
use crate::error::{AppError, AppResult};
use crate::import::spend::{self, Preview, SpendImportError};
use crate::state::AppState;
use crate::views::spend::SetRow;
use crate::views::{html_status, FormErrors};

/// What became of one file of an uploaded set.
pub(super) fn set_row(batch: Batch) -> SetRow {
    let ready = batch.status == status::UPLOADED
        && batch.settings().is_some_and(|s| s.missing().is_empty());
    let outcome = match batch.status.as_str() {
        status::COMMITTED => format!(
            "went in: {} lines, {}",
            batch.line_count,
            crate::views::spend::money(&batch.total_pence)
        ),
        status::COMMITTING | status::PREVIEWING => "being read…".to_owned(),
        status::UPLOADED if ready => "waiting: its columns are mapped".to_owned(),
        status::UPLOADED => "not imported: map its columns first".to_owned(),
        status::PREVIEWED => match serde_json::from_str::<Preview>(&batch.preview) {
            Ok(p) if !p.can_commit() => format!(
                "not imported: {}",
                p.blockers()
                    .join(" ")
                    .replace("(listed below)", "(listed on its page)")
            ),
            _ => "checked: ready to import".to_owned(),
        },
        other if !batch.message.is_empty() => format!("{other}: {}", batch.message),
        other => other.to_owned(),
    };
    SetRow {
        batch,
        outcome,
        ready,
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SetQuery {
    /// The batches of one upload, as `5,6,7`.
    set: String,
}

impl SetQuery {
    pub(super) fn ids(&self) -> Vec<i64> {
        self.set
            .split(',')
            .filter_map(|s| s.trim().parse().ok())
            .take(500)
            .collect()
    }
}

/// Imports every waiting file of an uploaded set (those whose columns are
/// mapped), oldest first, each whole or not at all, in one background run:
/// a file that cannot be imported is left checked with why, and the next
/// one goes on.
pub async fn import_set(
    state: web::Data<AppState>,
    user: CurrentUser,
    form: CsrfForm<SetQuery>,
) -> AppResult<HttpResponse> {
    user.require(user.can_edit_spend())?;
    let ids = form.data.ids();
    let mut ready = Vec::new();
    for id in &ids {
        let batch = batch_for(&state, &user, *id).await?;
        if set_row(batch.clone()).ready {
            ready.push(batch);
        }
    }
    if ready.is_empty() {
        return Err(AppError::BadRequest(
            "None of these files is waiting with its columns mapped.".into(),
        ));
    }
    let (uid, actor) = (user.id, user.actor());
    let planned = state
        .db(move |c| {
            let mut planned = Vec::new();
            for b in ready {
                let job = jobs::create(
                    c,
                    COMMIT_JOB,
                    &format!("Import of {}", b.file_name),
                    Some(uid),
                    Some(b.institution_id),
                )?;
                planned.push((b, job));
            }
            Ok(planned)
        })
        .await?;
    let first_job = planned[0].1;
    crate::jobs::in_background(state.pool.clone(), first_job, move |conn, job_conn| {
        for (b, job) in planned {
            let outcome = b
                .settings()
                .ok_or_else(|| SpendImportError::Refused("no mapping".into()))
                .and_then(|settings| {
                    let batch = imports::start_checked_commit(
                        conn,
                        &actor,
                        b.id,
                        b.version,
                        &settings,
                        Some(job),
                    )?;
                    let copy = imports::local_copy(conn, b.id)?;
                    let tracking = crate::jobs::Tracking {
                        conn: job_conn,
                        id: job,
                    };
                    spend::run_checked_commit(
                        conn,
                        tracking,
                        &actor,
                        &batch,
                        &copy.path,
                        &mut |_, _| {},
                    )
                });
            if let Err(e) = outcome {
                // Recorded on the batch (checked with why, or failed); the
                // next file goes on.
                tracing::info!(error = %e, batch = b.id, "a file of a set was not imported");
            }
        }
    });
    Ok(redirect(&format!("/spend/imports?set={}", form.data.set)))
}

pub async fn upload(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    page: PageContext,
    form: Multipart,
) -> AppResult<HttpResponse> {
    user.require(user.can_edit_spend())?;
    let upload = uploads::receive(&req, form, uploads::UploadKind::Data).await?;
    let mut errors = FormErrors::default();
    let institution_id = upload
        .as_ref()
        .and_then(|u| u.field("institution_id"))
        .and_then(|v| v.parse::<i64>().ok())
        .or(user.institution_id);
    match institution_id {
        None => errors.add("institution_id", "Choose whose spend this is"),
        Some(i) if !user.covers_institution(Some(i)) => return Err(AppError::Forbidden),
        Some(_) => {}
    }
    let Some(upload) = upload else {
        errors.add("file", "Choose the spend file to upload");
        return html_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &imports_page(&state, &user, &page, errors).await?,
        );
    };
    let Some(institution_id) = institution_id.filter(|_| errors.is_empty()) else {
        return html_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &imports_page(&state, &user, &page, errors).await?,
        );
    };
    let actor = user.actor();
    let path = upload.path().to_owned();
    let name = if upload.original.is_empty() {
        "spend.csv".to_owned()
    } else {
        upload.original.clone()
    };
    let sheet = upload
        .field("sheet")
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned);
    let typed_sheet = sheet.clone().unwrap_or_default();
    let created = state
        .db(move |c| {
            institutions::get(c, institution_id)?;
            // Keeps the upload (and any copies made from it) until read.
            let _upload = upload;
            batches_from(c, &actor, institution_id, (&path, &name), sheet.as_deref())
        })
        .await?;
    let created = match created {
        (made, refused) if made.len() == 1 && refused.is_empty() => Ok(made[0].0),
        (made, refused) if made.is_empty() => Err(refused.join(" ")),
        (made, refused) => {
            let mut message = format!(
                "Uploaded {} files as imports {}, oldest first.",
                made.len(),
                made.iter()
                    .map(|(id, n)| format!("{id} ({n})"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            if !refused.is_empty() {
                message.push_str(&format!(" Not uploaded: {}", refused.join("; ")));
            }
            let set = made
                .iter()
                .map(|(id, _)| id.to_string())
                .collect::<Vec<_>>()
                .join(",");
            return Ok(redirect_with_flash(
                &state,
                &format!("/spend/imports?set={set}"),
                &message,
            ));
        }
    };
    match created {
        Ok(id) => Ok(redirect(&format!("/spend/imports/{id}"))),
        Err(message) => {
            errors.add("file", message);
            let mut p = imports_page(&state, &user, &page, errors).await?;
            p.sheet = typed_sheet;
            html_status(StatusCode::UNPROCESSABLE_ENTITY, &p)
        }
    }
}

/// The batches an upload made (id, name), and each file it held that could
/// not be read, with why.
type Uploaded = (Vec<(i64, String)>, Vec<String>);

/// The batches an upload makes: one for a CSV file or a spreadsheet's
/// sheet, one per file of a zip archive (oldest first); and each file that
/// could not be read, with why.
fn batches_from(
    c: &mut crate::db::DbConn,
    actor: &crate::db::audit::Actor,
    institution_id: i64,
    (path, name): (&std::path::Path, &str),
    sheet: Option<&str>,
) -> AppResult<Uploaded> {
    let files = crate::import::sheets::readable(path, sheet);
    // The upload is stored under a name of its own: its batches are named
    // after the file the clerk chose.
    let stored = path
        .file_name()
        .map_or(String::new(), |n| n.to_string_lossy().into_owned());
    let named = |n: &str| n.replacen(&stored, name, 1);
    let mut found = Vec::new();
    let mut refused = Vec::new();
    for file in files {
        match file {
            Ok(f) => match spend::inspect(c, institution_id, &f.path) {
                Ok((layout, settings, _)) => found.push((f, layout, settings)),
                Err(SpendImportError::Refused(m)) => {
                    refused.push(format!("{}: {m}", named(&f.name)))
                }
                Err(e) => return Err(AppError::BadRequest(e.to_string())),
            },
            Err((entry, e)) => refused.push(format!("{}: {e}", named(&entry))),
        }
    }
    // A year of monthly files, oldest first.
    found.sort_by_key(|(f, layout, settings)| {
        let first = spend::first_sample_date(layout, settings);
        (first.is_none(), first, f.name.clone())
    });
    let mut made = Vec::new();
    for (file, layout, settings) in found {
        let entry = named(&file.name);
        let id = new_batch(
            c,
            actor,
            institution_id,
            &file.path,
            &entry,
            (&layout, &settings),
        )?;
        made.push((id, entry));
    }
    Ok((made, refused))
}

/// Records one readable file, its layout detected, as an uploaded batch
/// with its file stored.
fn new_batch(
    c: &mut crate::db::DbConn,
    actor: &crate::db::audit::Actor,
    institution_id: i64,
    path: &std::path::Path,
    name: &str,
    (layout, settings): (&crate::domain::spend_file::Layout, &Settings),
) -> AppResult<i64> {
    let (hash, size) = spend::hash_file(path).map_err(|e| AppError::BadRequest(e.to_string()))?;
    crate::db::write_tx(c, |c| {
        let id = imports::create(
            c,
            actor,
            institution_id,
            name,
            &hash,
            size,
            layout,
            settings,
            status::UPLOADED,
        )?;
        imports::store_file(c, id, path)?;
        Ok::<_, AppError>(id)
    })
}
