//! The register as a spreadsheet: exported as CSV, imported back.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};

use crate::auth::{CurrentUser, PageContext};
use crate::db::suppliers::{self};
use crate::error::{AppError, AppResult};
use crate::handlers::redirect_with_flash;
use crate::state::AppState;
use crate::views::{html, html_status, Layout, SupplierImportPage};

/// The register as CSV, streamed in batches.
pub async fn export_csv(state: web::Data<AppState>, _user: CurrentUser) -> AppResult<HttpResponse> {
    use actix_web::web::Bytes;
    use futures_util::stream::{self, StreamExt};
    const BATCH: i64 = 1000;
    let mut head = crate::export::UTF8_BOM.to_vec();
    head.extend(
        crate::export::csv_chunk([crate::register::supplier_file::COLUMNS])
            .map_err(AppError::internal)?,
    );
    let header = stream::once(async move { Ok::<_, AppError>(Bytes::from(head)) });
    let body = stream::unfold(Some(0_i64), move |cursor| {
        let state = state.clone();
        async move {
            let after = cursor?;
            match state
                .db(move |c| Ok(suppliers::batch_after(c, after, BATCH)?))
                .await
            {
                Err(e) => Some((Err(e), None)),
                Ok(rows) if rows.is_empty() => None,
                Ok(rows) => {
                    let next = (rows.len() as i64 == BATCH).then(|| rows[rows.len() - 1].id);
                    let chunk = crate::export::csv_chunk(
                        rows.iter().map(crate::register::supplier_file::record),
                    )
                    .map(Bytes::from)
                    .map_err(AppError::internal);
                    Some((chunk, next))
                }
            }
        }
    });
    Ok(crate::handlers::csv_download("suppliers").streaming(header.chain(body)))
}

pub async fn import_form(user: CurrentUser, page: PageContext) -> AppResult<HttpResponse> {
    user.require(user.can_edit_register())?;
    html(&SupplierImportPage {
        layout: Layout::new("Import suppliers", Some(&user), &page),
        errors: Vec::new(),
    })
}

/// Applies an edited export: every row valid, or nothing changes.
pub async fn import_file(
    req: actix_web::HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    page: PageContext,
    form: actix_multipart::Multipart,
) -> AppResult<HttpResponse> {
    user.require(user.can_edit_register())?;
    let rejected = |errors: Vec<crate::register::supplier_file::RowError>| {
        html_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &SupplierImportPage {
                layout: Layout::new("Import suppliers", Some(&user), &page),
                errors,
            },
        )
    };
    let Some(upload) = crate::handlers::uploads::receive(&req, form).await? else {
        return rejected(vec![crate::register::supplier_file::RowError {
            row: 0,
            message: "Choose the supplier file to import".into(),
        }]);
    };
    let bytes = std::fs::read(&upload.path).map_err(AppError::internal);
    let _ = std::fs::remove_file(&upload.path);
    let (actor, name, bytes) = (user.actor(), upload.original.clone(), bytes?);
    match state
        .db(move |c| crate::register::supplier_file::import(c, &actor, &name, &bytes))
        .await?
    {
        Ok(changed) => Ok(redirect_with_flash(
            &state,
            "/suppliers",
            &format!(
                "Imported {}: {changed} supplier(s) updated.",
                upload.original
            ),
        )),
        Err(errors) => rejected(errors),
    }
}
