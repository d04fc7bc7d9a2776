//! The register as a spreadsheet: exported as CSV, imported back.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};

use crate::auth::{CurrentUser, PageContext};
use crate::db::suppliers;
use crate::error::AppResult;
use crate::handlers::{redirect_with_flash, Page};
use crate::register::supplier_file;
use crate::state::AppState;
use crate::views::{html, html_status, Layout, SupplierImportPage};

/// The register as CSV, read in batches in one snapshot.
pub async fn export_csv(state: web::Data<AppState>, user: CurrentUser) -> AppResult<HttpResponse> {
    const BATCH: i64 = 1000;
    let export = crate::handlers::csv::Export {
        stem: "suppliers",
        what: "the supplier register".into(),
        institution: None,
    };
    crate::handlers::keyset_csv(state, &user, export, &supplier_file::COLUMNS, |c, after| {
        let rows = suppliers::batch_after(c, after, BATCH)?;
        Ok(Page::of(&rows, BATCH, |s| s.id, supplier_file::record))
    })
    .await
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
    let Some(upload) =
        crate::handlers::uploads::receive(&req, form, crate::handlers::uploads::UploadKind::Data)
            .await?
    else {
        return rejected(vec![crate::register::supplier_file::RowError {
            row: 0,
            message: "Choose the supplier file to import".into(),
        }]);
    };
    let (actor, original) = (user.actor(), upload.original.clone());
    // Read and applied on the blocking pool; the file is removed when the
    // upload is dropped, whatever the outcome.
    match state
        .db(move |c| {
            crate::register::supplier_file::import(c, &actor, &upload.original, upload.path())
        })
        .await?
    {
        Ok(changed) => Ok(redirect_with_flash(
            &state,
            "/suppliers",
            &format!("Imported {original}: {changed} supplier(s) updated."),
        )),
        Err(errors) => rejected(errors),
    }
}
