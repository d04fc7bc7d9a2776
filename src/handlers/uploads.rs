//! Receiving a file upload: the CSRF token must come first, the file is
//! streamed to a temporary file (never held in memory), and the import runs on
//! a background thread recorded as a job.

use std::io::Write;
use std::path::Path;

use actix_multipart::Multipart;
use actix_web::HttpRequest;
use futures_util::StreamExt;

use crate::auth::csrf::verify_token;
use crate::config::Limits;
use crate::db::{jobs, DbConn};
use crate::error::{AppError, AppResult};
use crate::spool::TempFile;
use crate::state::{blocking, AppState};

/// A received upload: the release name typed, the saved file and its
/// original name.
pub struct Upload {
    pub name: String,
    pub file: TempFile,
    pub original: String,
    /// Other text fields of the form.
    pub fields: Vec<(String, String)>,
}

impl Upload {
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn path(&self) -> &Path {
        self.file.path()
    }
}

/// What an upload is for, which sets its size limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UploadKind {
    /// A spend file or the supplier file: any clerk.
    Data,
    /// A postcode lookup or Companies House release: network admins.
    Reference,
}

impl UploadKind {
    fn limit(self, limits: &Limits) -> (u64, &'static str) {
        match self {
            UploadKind::Data => (limits.upload_bytes, "LOCALSPEND_MAX_UPLOAD_MB"),
            UploadKind::Reference => (
                limits.reference_upload_bytes,
                "LOCALSPEND_MAX_REFERENCE_UPLOAD_MB",
            ),
        }
    }
}

/// Text fields are short; anything longer is refused rather than held.
const TEXT_LIMIT: usize = 16 * 1024;

async fn read_text(field: &mut actix_multipart::Field) -> AppResult<String> {
    let mut bytes = Vec::new();
    while let Some(chunk) = field.next().await {
        bytes.extend_from_slice(
            &chunk.map_err(|e| AppError::BadRequest(format!("The upload was interrupted: {e}")))?,
        );
        if bytes.len() > TEXT_LIMIT {
            return Err(AppError::BadRequest("A form field is too long.".into()));
        }
    }
    Ok(String::from_utf8_lossy(&bytes).trim().to_owned())
}

/// Streams a file part to `file`, refusing it once it passes `limit` bytes.
async fn save(
    field: &mut actix_multipart::Field,
    file: &TempFile,
    (limit, setting): (u64, &'static str),
) -> AppResult<u64> {
    let mut out = blocking({
        let path = file.path().to_owned();
        move || std::fs::File::create(path)
    })
    .await?
    .map_err(AppError::internal)?;
    let mut written = 0;
    while let Some(chunk) = field.next().await {
        let chunk =
            chunk.map_err(|e| AppError::BadRequest(format!("The upload was interrupted: {e}")))?;
        written += chunk.len() as u64;
        if written > limit {
            return Err(AppError::TooLarge(format!(
                "The file is larger than this installation accepts ({} MB). \
                 An administrator can raise the limit with {setting}.",
                limit / (1024 * 1024)
            )));
        }
        out = blocking(move || out.write_all(&chunk).map(|()| out))
            .await?
            .map_err(AppError::internal)?;
    }
    Ok(written)
}

/// Reads the multipart form: `csrf_token` first, then `name`, one `file`
/// (of at most the kind's size limit) and any other short text fields.
/// Returns `None` when no file was chosen.
pub async fn receive(
    req: &HttpRequest,
    mut form: Multipart,
    kind: UploadKind,
) -> AppResult<Option<Upload>> {
    let limits = req
        .app_data::<actix_web::web::Data<AppState>>()
        .map(|s| s.config.limits)
        .unwrap_or_default();
    let mut token_checked = false;
    let mut name = String::new();
    let mut fields = Vec::new();
    let mut file_parts = 0;
    let mut saved: Option<(TempFile, String)> = None;
    while let Some(field) = form.next().await {
        let mut field = field
            .map_err(|e| AppError::BadRequest(format!("The upload could not be read: {e}")))?;
        let field_name = field.name().unwrap_or_default().to_owned();
        if !token_checked && field_name != "csrf_token" {
            return Err(AppError::Csrf);
        }
        match field_name.as_str() {
            "csrf_token" => {
                verify_token(
                    req,
                    &read_text(&mut field).await.map_err(|_| AppError::Csrf)?,
                )?;
                token_checked = true;
            }
            "name" => name = read_text(&mut field).await?,
            "file" => {
                file_parts += 1;
                if file_parts > 1 {
                    return Err(AppError::BadRequest(
                        "Upload one file at a time (a zip may hold several where the import accepts that)."
                            .into(),
                    ));
                }
                let original = field
                    .content_disposition()
                    .and_then(|d| d.get_filename())
                    .unwrap_or("")
                    .to_owned();
                let ext = if original.to_ascii_lowercase().ends_with(".zip") {
                    "zip"
                } else {
                    "csv"
                };
                let file = TempFile::new(ext);
                if save(&mut field, &file, kind.limit(&limits)).await? > 0 {
                    saved = Some((file, original));
                }
            }
            other if other.len() <= 64 && fields.len() < 16 => {
                let value = read_text(&mut field).await?;
                fields.push((other.to_owned(), value));
            }
            _ => while field.next().await.is_some() {},
        }
    }
    Ok(saved.map(|(file, original)| {
        if name.is_empty() {
            name = original
                .rsplit_once('.')
                .map_or(original.clone(), |(stem, _)| stem.to_owned());
        }
        Upload {
            name,
            file,
            original,
            fields,
        }
    }))
}

/// Records a job and runs `work` on a background thread with two pooled
/// connections (one for the work, one for progress), deleting the uploaded
/// file afterwards. Returns the job's id.
pub async fn spawn_job(
    state: &AppState,
    kind: &'static str,
    description: String,
    created_by: i64,
    upload: Upload,
    work: impl FnOnce(&mut DbConn, &mut DbConn, i64, &Upload) + Send + 'static,
) -> AppResult<i64> {
    let job = state
        .db(move |c| Ok(jobs::create(c, kind, &description, Some(created_by), None)?))
        .await?;
    crate::jobs::in_background(state.pool.clone(), job, move |conn, job_conn| {
        work(conn, job_conn, job, &upload);
        // Dropping the upload removes its file.
    });
    Ok(job)
}

/// Starts loading an uploaded reference release (the postcode lookup or the
/// Companies House register) in the background, as a job named for the
/// upload; returns the job's id.
pub async fn start_release_import<K>(
    state: &AppState,
    user: &crate::auth::CurrentUser,
    upload: Upload,
) -> AppResult<i64>
where
    K: crate::import::release::Reference + 'static,
{
    let actor = user.actor();
    let what = K::WHAT;
    let description = format!(
        "{}{} {} from {}",
        what[..1].to_uppercase(),
        &what[1..],
        upload.name,
        upload.original
    );
    spawn_job(
        state,
        K::JOB_KIND,
        description,
        user.id,
        upload,
        move |conn, job_conn, job, upload| {
            let tracking = crate::jobs::Tracking {
                conn: job_conn,
                id: job,
            };
            let paths = [upload.path()];
            let done = crate::import::release::run_job::<K>(
                conn,
                tracking,
                &paths,
                &upload.name,
                &actor,
                &mut |_, _| {},
            );
            if let Err(e) = done {
                tracing::warn!(error = %e, job, what, "reference release import failed");
            }
        },
    )
    .await
}
