//! Payments by hand: the supplier box's suggestions, enter, edit, delete and
//! restore, each keeping what was typed when a save fails.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};

use super::visible;
use crate::auth::{CsrfForm, CurrentUser, PageContext};
use crate::db::spend::{self, Line};
use crate::db::suppliers::{self, SupplierFilter};
use crate::db::{audit::Actor, DbConn};
use crate::domain::money::Pence;
use crate::domain::spend::{LineFields, LineInput, PaymentType};
use crate::domain::supplier::{Source, SupplierFields};
use crate::error::{AppError, AppResult};
use crate::handlers::{form_version, redirect_with_flash, VersionForm};
use crate::state::AppState;
use crate::views::spend::LineFormPage;
use crate::views::{html, html_status, FormErrors, Layout};

#[derive(Serialize)]
struct Suggestion {
    id: i64,
    name: String,
}

#[derive(Debug, Deserialize)]
pub struct LookupQuery {
    #[serde(default)]
    q: String,
}

/// Names on the register matching what was typed, for autocomplete.
pub async fn supplier_lookup(
    state: web::Data<AppState>,
    _user: CurrentUser,
    query: web::Query<LookupQuery>,
) -> AppResult<HttpResponse> {
    let q = query.into_inner().q;
    if q.trim().chars().count() < 2 {
        return Ok(HttpResponse::Ok().json(Vec::<Suggestion>::new()));
    }
    let found = state
        .db(move |c| {
            let filter = SupplierFilter {
                query: Some(q),
                ..Default::default()
            };
            Ok(suppliers::search(c, &filter, 10, 0)?.0)
        })
        .await?;
    Ok(HttpResponse::Ok().json(
        found
            .into_iter()
            .map(|s| Suggestion {
                id: s.id,
                name: s.name,
            })
            .collect::<Vec<_>>(),
    ))
}

async fn form_page(
    state: &AppState,
    user: &CurrentUser,
    page: &PageContext,
    id: Option<i64>,
    fields: LineFields,
    errors: FormErrors,
    offer_create: bool,
) -> AppResult<LineFormPage> {
    let u = user.clone();
    let (institutions, line, provenance) = state
        .db(move |c| {
            let all = visible(c, &u)?;
            let (line, provenance) = match id {
                Some(id) => {
                    let line = spend::get(c, id)?;
                    let provenance = match (line.import_batch_id, line.entered_by) {
                        (Some(batch), _) => {
                            let b = crate::db::imports::get(c, batch)?;
                            format!(
                                "Imported from {} (batch {batch}), row {}, on {}.",
                                b.file_name,
                                line.import_row.unwrap_or(0),
                                b.committed_at.unwrap_or(b.created_at).format("%d/%m/%Y")
                            )
                        }
                        (None, Some(user_id)) => format!(
                            "Entered by {} on {}.",
                            crate::db::users::get(c, user_id)
                                .map(|u| u.display_name)
                                .unwrap_or_else(|_| format!("user {user_id}")),
                            line.created_at.format("%d/%m/%Y %H:%M")
                        ),
                        (None, None) => "Entered by the system.".into(),
                    };
                    (Some(line), provenance)
                }
                None => (None, String::new()),
            };
            Ok((all, line, provenance))
        })
        .await?;
    Ok(LineFormPage {
        layout: Layout::new(
            if id.is_some() {
                "Edit a payment"
            } else {
                "Add a payment"
            },
            Some(user),
            page,
        ),
        id,
        fields,
        errors,
        institutions: institutions.into_iter().map(|i| (i.id, i.name)).collect(),
        offer_create,
        line,
        provenance,
    })
}

pub async fn new_form(
    state: web::Data<AppState>,
    user: CurrentUser,
    page: PageContext,
) -> AppResult<HttpResponse> {
    user.require(user.can_edit_spend())?;
    let fields = LineFields {
        institution_id: user
            .institution_id
            .map(|i| i.to_string())
            .unwrap_or_default(),
        payment_type: PaymentType::Procurement.code().into(),
        vat_basis: "net".into(),
        version: "0".into(),
        ..Default::default()
    };
    html(
        &form_page(
            &state,
            &user,
            &page,
            None,
            fields,
            FormErrors::default(),
            false,
        )
        .await?,
    )
}

enum Resolved {
    Supplier(Option<i64>),
    /// The name is not on the register and the clerk did not ask to add it.
    Unknown,
}

/// The supplier a form names: on the register, added to it if the clerk
/// ticked the box, or none for a withheld name.
fn resolve_supplier(
    c: &mut DbConn,
    actor: &Actor,
    input: &LineInput,
) -> Result<Resolved, AppError> {
    if crate::domain::supplier::is_redacted(&input.supplier) {
        return Ok(Resolved::Supplier(None));
    }
    if let Some(id) = suppliers::find_by_name(c, &input.supplier)? {
        return Ok(Resolved::Supplier(Some(id)));
    }
    if !input.create_supplier {
        return Ok(Resolved::Unknown);
    }
    let new = SupplierFields {
        name: input.supplier.clone(),
        ..Default::default()
    }
    .parse()
    .map_err(|e| {
        AppError::BadRequest(e.into_iter().map(|(_, m)| m).collect::<Vec<_>>().join("; "))
    })?;
    let created = suppliers::create(
        c,
        actor,
        &new,
        Source::Clerk,
        "Added while entering a payment",
    )?;
    Ok(Resolved::Supplier(Some(created.id)))
}

fn unknown_supplier(name: &str) -> FormErrors {
    let mut errors = FormErrors::default();
    errors.add(
        "supplier",
        format!("No supplier called “{name}” is on the register. Pick one from the list as you type, or tick the box below to add it."),
    );
    errors
}

pub async fn create(
    state: web::Data<AppState>,
    user: CurrentUser,
    page: PageContext,
    form: CsrfForm<LineFields>,
) -> AppResult<HttpResponse> {
    user.require(user.can_edit_spend())?;
    let fields = form.data;
    let input = match fields.parse() {
        Ok(i) => i,
        Err(e) => {
            let p = form_page(
                &state,
                &user,
                &page,
                None,
                fields,
                FormErrors::from_list(e),
                false,
            )
            .await?;
            return html_status(StatusCode::UNPROCESSABLE_ENTITY, &p);
        }
    };
    if !user.covers_institution(Some(input.institution_id)) {
        return Err(AppError::Forbidden);
    }
    let actor = user.actor();
    let saved = state
        .db(move |c| {
            crate::db::write_tx(c, |c| match resolve_supplier(c, &actor, &input)? {
                Resolved::Unknown => Ok(None),
                Resolved::Supplier(id) => Ok(Some(spend::create(c, &actor, &input, id)?)),
            })
        })
        .await;
    match saved {
        Err(AppError::Closed(message)) => {
            // Kept as typed: the date is in a closed year.
            let mut errors = FormErrors::default();
            errors.add("payment_date", message);
            let p = form_page(&state, &user, &page, None, fields, errors, false).await?;
            html_status(StatusCode::UNPROCESSABLE_ENTITY, &p)
        }
        Err(e) => Err(e),
        Ok(Some(line)) => Ok(redirect_with_flash(
            &state,
            "/spend",
            &format!(
                "Saved a payment of {} to {}.",
                Pence(line.amount_pence),
                line.supplier_name
            ),
        )),
        Ok(None) => {
            let errors = unknown_supplier(fields.supplier.trim());
            let p = form_page(&state, &user, &page, None, fields, errors, true).await?;
            html_status(StatusCode::UNPROCESSABLE_ENTITY, &p)
        }
    }
}

/// A line the user may edit: an editor covering its institution.
async fn editable(state: &AppState, user: &CurrentUser, id: i64) -> AppResult<Line> {
    user.require(user.can_edit_spend())?;
    let line = state.db(move |c| Ok(spend::get(c, id)?)).await?;
    if !user.covers_institution(Some(line.institution_id)) {
        return Err(AppError::Forbidden);
    }
    Ok(line)
}

pub async fn edit_form(
    state: web::Data<AppState>,
    user: CurrentUser,
    page: PageContext,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let line = editable(&state, &user, id.into_inner()).await?;
    if line.deleted_at.is_some() {
        return Err(AppError::BadRequest(
            "This line is deleted. An admin can restore it from the ledger's deleted lines.".into(),
        ));
    }
    html(
        &form_page(
            &state,
            &user,
            &page,
            Some(line.id),
            line.fields(),
            FormErrors::default(),
            false,
        )
        .await?,
    )
}

pub async fn update(
    state: web::Data<AppState>,
    user: CurrentUser,
    page: PageContext,
    id: web::Path<i64>,
    form: CsrfForm<LineFields>,
) -> AppResult<HttpResponse> {
    let current = editable(&state, &user, id.into_inner()).await?;
    let mut fields = form.data;
    let input = match fields.parse() {
        Ok(i) => i,
        Err(e) => {
            let p = form_page(
                &state,
                &user,
                &page,
                Some(current.id),
                fields,
                FormErrors::from_list(e),
                false,
            )
            .await?;
            return html_status(StatusCode::UNPROCESSABLE_ENTITY, &p);
        }
    };
    if !user.covers_institution(Some(input.institution_id)) {
        return Err(AppError::Forbidden);
    }
    let (actor, version, lid) = (user.actor(), form_version(&fields.version), current.id);
    let result = state
        .db(move |c| {
            crate::db::write_tx(c, |c| match resolve_supplier(c, &actor, &input)? {
                Resolved::Unknown => Ok(None),
                Resolved::Supplier(sid) => {
                    Ok(Some(spend::update(c, &actor, lid, version, &input, sid)?))
                }
            })
        })
        .await;
    match result {
        Ok(Some(_)) => Ok(redirect_with_flash(&state, "/spend", "Saved the payment.")),
        Ok(None) => {
            let errors = unknown_supplier(fields.supplier.trim());
            let p = form_page(&state, &user, &page, Some(lid), fields, errors, true).await?;
            html_status(StatusCode::UNPROCESSABLE_ENTITY, &p)
        }
        Err(AppError::Closed(message)) => {
            let mut errors = FormErrors::default();
            errors.add("payment_date", message);
            let p = form_page(&state, &user, &page, Some(lid), fields, errors, false).await?;
            html_status(StatusCode::UNPROCESSABLE_ENTITY, &p)
        }
        Err(AppError::Conflict(message)) => {
            // Keep what this person typed; show what the other person saved.
            let latest = state.db(move |c| Ok(spend::get(c, lid)?)).await?;
            let mut errors = FormErrors::default();
            errors.add(
                "payment_date",
                format!(
                    "{message} They saved: {} to {} on {}{}.",
                    Pence(latest.amount_pence),
                    latest.supplier_name,
                    latest.payment_date.format("%d/%m/%Y"),
                    if latest.deleted_at.is_some() {
                        " (and deleted it)"
                    } else {
                        ""
                    }
                ),
            );
            fields.version = latest.version.to_string();
            let p = form_page(&state, &user, &page, Some(lid), fields, errors, false).await?;
            html_status(StatusCode::CONFLICT, &p)
        }
        Err(e) => Err(e),
    }
}

pub async fn delete(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
    form: CsrfForm<VersionForm>,
) -> AppResult<HttpResponse> {
    let line = editable(&state, &user, id.into_inner()).await?;
    let (actor, version) = (user.actor(), form_version(&form.data.version));
    let lid = line.id;
    state
        .db(move |c| Ok(spend::set_deleted(c, &actor, lid, Some(version), true)?))
        .await?;
    Ok(redirect_with_flash(
        &state,
        "/spend",
        &format!(
            "Deleted the payment of {} to {}. An admin can restore it.",
            Pence(line.amount_pence),
            line.supplier_name
        ),
    ))
}

pub async fn restore(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
    _form: CsrfForm<VersionForm>,
) -> AppResult<HttpResponse> {
    user.require_admin()?;
    let id = id.into_inner();
    let line = state.db(move |c| Ok(spend::get(c, id)?)).await?;
    if !user.covers_institution(Some(line.institution_id)) {
        return Err(AppError::Forbidden);
    }
    let actor = user.actor();
    state
        .db(move |c| Ok(spend::set_deleted(c, &actor, id, None, false)?))
        .await?;
    Ok(redirect_with_flash(
        &state,
        "/spend?deleted=on",
        &format!(
            "Restored the payment of {} to {}.",
            Pence(line.amount_pence),
            line.supplier_name
        ),
    ))
}
