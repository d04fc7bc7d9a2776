//! The spend ledger: browse with filters and totals, enter, edit, delete and
//! restore payments, export in the Transparency Code layout, and each
//! institution's rules for which payment types are influenceable.

use actix_web::http::StatusCode;
use actix_web::web::Bytes;
use actix_web::{web, HttpResponse};
use chrono::NaiveDate;
use futures_util::{stream, StreamExt};
use serde::{Deserialize, Serialize};

use super::{form_version, redirect_with_flash, VersionForm};
use crate::auth::{CsrfForm, CurrentUser, PageContext};
use crate::db::areas::{self, Owner};
use crate::db::institutions::{self, Institution};
use crate::db::spend::{self, LedgerFilter, LedgerSort, Line};
use crate::db::suppliers::{self, LocationFilter, SupplierFilter};
use crate::db::{audit::Actor, DbConn};
use crate::domain::dates::parse_typed_date;
use crate::domain::money::Pence;
use crate::domain::period::financial_year_label;
use crate::domain::spend::{LineFields, LineInput, PaymentType};
use crate::domain::supplier::{Source, SupplierFields};
use crate::error::{AppError, AppResult};
use crate::export::{csv_chunk, safe_text, UTF8_BOM};
use crate::state::AppState;
use crate::views::spend::{LedgerPage, LedgerRow, LineFormPage, PaymentRulesPage};
use crate::views::{html, html_status, url_encode, FormErrors, Layout};

const PAGE_SIZE: i64 = 50;
const EXPORT_BATCH: i64 = 5_000;

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct LedgerQuery {
    institution: String,
    fy: String,
    from: String,
    to: String,
    supplier: String,
    department: String,
    payment_type: String,
    tier: String,
    batch: String,
    deleted: String,
    sort: String,
    page: Option<i64>,
}

impl LedgerQuery {
    fn query_string(&self) -> String {
        [
            ("institution", &self.institution),
            ("fy", &self.fy),
            ("from", &self.from),
            ("to", &self.to),
            ("supplier", &self.supplier),
            ("department", &self.department),
            ("payment_type", &self.payment_type),
            ("tier", &self.tier),
            ("batch", &self.batch),
            ("deleted", &self.deleted),
        ]
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", url_encode(v)))
        .collect::<Vec<_>>()
        .join("&")
    }
}

/// The institutions a user's data scope covers.
fn visible(c: &mut DbConn, user: &CurrentUser) -> Result<Vec<Institution>, AppError> {
    Ok(institutions::list(c, user.institution_id)?)
}

/// Builds the filter a ledger query asks for, and the tier names of the
/// definition the tier filter refers to.
fn filter_of(
    c: &mut DbConn,
    user: &CurrentUser,
    q: &LedgerQuery,
) -> Result<(LedgerFilter, Vec<String>, Vec<Institution>), AppError> {
    let all = visible(c, user)?;
    let chosen: Option<i64> = q
        .institution
        .parse()
        .ok()
        .filter(|id| all.iter().any(|i| i.id == *id));
    let bad = |what: &str, raw: &str| {
        AppError::BadRequest(format!("{what} `{raw}` is not a date: use day/month/year"))
    };
    let mut from = match q.from.trim() {
        "" => None,
        raw => Some(parse_typed_date(raw).map_err(|_| bad("From", raw))?),
    };
    let mut to = match q.to.trim() {
        "" => None,
        raw => Some(parse_typed_date(raw).map_err(|_| bad("To", raw))?),
    };
    if let Ok(year) = q.fy.parse::<i32>() {
        let start_month = chosen
            .and_then(|id| all.iter().find(|i| i.id == id))
            .or(all.first())
            .map_or(4, |i| i.fy_start_month as u32);
        let start = NaiveDate::from_ymd_opt(year, start_month, 1);
        let end = NaiveDate::from_ymd_opt(year + 1, start_month, 1).and_then(|d| d.pred_opt());
        from = from.max(start);
        to = match (to, end) {
            (Some(t), Some(e)) => Some(t.min(e)),
            (t, e) => t.or(e),
        };
    }
    // Tiers are those of the chosen institution, or the viewer's own (the
    // first visible one for network-wide users).
    let owner = chosen.or(user.institution_id).or(all.first().map(|i| i.id));
    let tier_sets: Vec<(String, Vec<String>)> = match owner {
        Some(i) => areas::current(c, Owner::Institution(i))?
            .map(|d| d.tiers.into_iter().map(|t| (t.name, t.districts)).collect())
            .unwrap_or_default(),
        None => Vec::new(),
    };
    let location = LocationFilter::from_param(&q.tier, &tier_sets);
    let filter = LedgerFilter {
        institutions: match (chosen, user.institution_id) {
            (Some(i), _) => Some(vec![i]),
            (None, Some(own)) => Some(vec![own]),
            (None, None) => None,
        },
        from,
        to,
        supplier: Some(q.supplier.clone()).filter(|s| !s.trim().is_empty()),
        supplier_id: None,
        department: Some(q.department.clone()).filter(|s| !s.is_empty()),
        payment_type: PaymentType::from_code(&q.payment_type).map(|t| t.code().to_owned()),
        location,
        batch: q.batch.parse().ok(),
        deleted: !q.deleted.is_empty() && user.is_admin(),
    };
    Ok((filter, tier_sets.into_iter().map(|t| t.0).collect(), all))
}

pub async fn ledger(
    state: web::Data<AppState>,
    user: CurrentUser,
    page: PageContext,
    query: web::Query<LedgerQuery>,
) -> AppResult<HttpResponse> {
    let q = query.into_inner();
    let page_no = q.page.unwrap_or(1).max(1);
    let sort = LedgerSort::from_code(&q.sort);
    let (u, qq) = (user.clone(), q.clone());
    let (rows, count, total, tiers, all, departments, influenceable, years) = state
        .db(move |c| {
            let (filter, tiers, all) = filter_of(c, &u, &qq)?;
            let (rows, count, total) =
                spend::ledger(c, &filter, sort, PAGE_SIZE, (page_no - 1) * PAGE_SIZE)?;
            let departments = spend::departments(c, filter.institutions.as_deref())?;
            let mut influenceable = Vec::new();
            for i in &all {
                influenceable.push((i.id, spend::influenceable_types(c, i.id)?));
            }
            let years = spend::years(c, filter.institutions.as_deref())?;
            Ok((
                rows,
                count,
                total,
                tiers,
                all,
                departments,
                influenceable,
                years,
            ))
        })
        .await?;
    let name_of = |id: i64| {
        all.iter()
            .find(|i| i.id == id)
            .map_or(String::new(), |i| i.name.clone())
    };
    let rows = rows
        .into_iter()
        .map(|line| LedgerRow {
            institution: name_of(line.institution_id),
            influenceable: influenceable
                .iter()
                .find(|(i, _)| *i == line.institution_id)
                .is_some_and(|(_, types)| types.contains(&line.payment_type)),
            line,
        })
        .collect();
    html(&LedgerPage {
        layout: Layout::new("Spend ledger", Some(&user), &page),
        rows,
        count,
        total_pence: total,
        page: page_no,
        pages: (count + PAGE_SIZE - 1) / PAGE_SIZE,
        query: q.query_string(),
        institution: q.institution,
        institutions: all.iter().map(|i| (i.id, i.name.clone())).collect(),
        fy: q.fy,
        years: years
            .into_iter()
            .map(|y| (y, financial_year_label(y)))
            .collect(),
        from: q.from,
        to: q.to,
        supplier: q.supplier,
        department: q.department,
        departments,
        payment_type: q.payment_type,
        tier: q.tier,
        tiers,
        sort: if q.sort.is_empty() {
            "-date".into()
        } else {
            q.sort
        },
        deleted: !q.deleted.is_empty() && user.is_admin(),
        batch: q.batch,
        can_edit: user.can_edit_spend(),
        can_restore: user.is_admin(),
    })
}

const TRANSPARENCY_HEADER: [&str; 20] = [
    "Body Name",
    "Date",
    "Transaction Number",
    "Invoice Number",
    "Amount",
    "Irrecoverable VAT",
    "VAT Basis",
    "Supplier Name",
    "Supplier ID",
    "Supplier Registered Company Number",
    "Supplier Registered Charity Number",
    "VAT Registration Number",
    "Expense Area",
    "Expense Type",
    "Expense Code",
    "Capital or Revenue",
    "Merchant Category",
    "Purpose of Spend",
    "Purchase Card",
    "Payment Type",
];

/// The ledger as filtered, in the Local Government Transparency Code
/// layout, streamed. Text cells are neutralised against spreadsheet
/// formulas; amounts stay plain numbers.
pub async fn export_csv(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: web::Query<LedgerQuery>,
) -> AppResult<HttpResponse> {
    let q = query.into_inner();
    let u = user.clone();
    let (filter, names) = state
        .db(move |c| {
            let (filter, _, all) = filter_of(c, &u, &q)?;
            Ok((
                filter,
                all.into_iter().map(|i| (i.id, i.name)).collect::<Vec<_>>(),
            ))
        })
        .await?;
    let mut head = UTF8_BOM.to_vec();
    head.extend(csv_chunk([TRANSPARENCY_HEADER.map(String::from)]).map_err(AppError::internal)?);
    let header_chunk = stream::once(async move { Ok::<_, AppError>(Bytes::from(head)) });
    let body = stream::unfold(Some(0_i64), move |cursor| {
        let (state, filter, names) = (state.clone(), filter.clone(), names.clone());
        async move {
            let after = cursor?;
            let batch = state
                .db(move |c| {
                    let lines = spend::ledger_batch_after(c, &filter, after, EXPORT_BATCH)?;
                    let mut ids: Vec<i64> = lines.iter().filter_map(|l| l.supplier_id).collect();
                    ids.sort_unstable();
                    ids.dedup();
                    let suppliers = suppliers::get_many(c, &ids)?;
                    Ok((lines, suppliers))
                })
                .await;
            match batch {
                Err(e) => Some((Err(e), None)),
                Ok((lines, _)) if lines.is_empty() => None,
                Ok((lines, suppliers)) => {
                    let next =
                        (lines.len() as i64 == EXPORT_BATCH).then(|| lines[lines.len() - 1].id);
                    let records = lines.iter().map(|l| {
                        let s = l
                            .supplier_id
                            .and_then(|id| suppliers.iter().find(|s| s.id == id));
                        let text =
                            |v: &Option<String>| safe_text(v.as_deref().unwrap_or("")).into_owned();
                        let body = names
                            .iter()
                            .find(|(id, _)| *id == l.institution_id)
                            .map_or("", |(_, n)| n.as_str());
                        [
                            safe_text(body).into_owned(),
                            l.payment_date.format("%d/%m/%Y").to_string(),
                            text(&l.transaction_ref),
                            text(&l.invoice_ref),
                            Pence(l.amount_pence).plain(),
                            l.irrecoverable_vat_pence
                                .map(|p| Pence(p).plain())
                                .unwrap_or_default(),
                            l.vat_basis.clone(),
                            if l.redacted {
                                "REDACTED PERSONAL DATA".to_owned()
                            } else {
                                safe_text(&l.supplier_name).into_owned()
                            },
                            l.supplier_id.map(|id| id.to_string()).unwrap_or_default(),
                            s.and_then(|s| s.company_number.clone()).unwrap_or_default(),
                            s.and_then(|s| s.charity_number.clone()).unwrap_or_default(),
                            s.and_then(|s| s.vat_number.clone())
                                .map(|v| safe_text(&v).into_owned())
                                .unwrap_or_default(),
                            text(&l.department),
                            text(&l.expense_type),
                            text(&l.expense_code),
                            l.capital_revenue
                                .clone()
                                .map(|c| {
                                    if c == "capital" {
                                        "Capital".to_owned()
                                    } else {
                                        "Revenue".to_owned()
                                    }
                                })
                                .unwrap_or_default(),
                            text(&l.category),
                            text(&l.description),
                            if l.purchase_card {
                                "Yes".into()
                            } else {
                                "No".into()
                            },
                            crate::views::spend::payment_type_label(&l.payment_type).to_owned(),
                        ]
                    });
                    let chunk = csv_chunk(records.collect::<Vec<_>>())
                        .map(Bytes::from)
                        .map_err(AppError::internal);
                    Some((chunk, next))
                }
            }
        }
    });
    Ok(super::csv_download("spend").streaming(header_chunk.chain(body)))
}

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
        .await?;
    match saved {
        Some(line) => Ok(redirect_with_flash(
            &state,
            "/spend",
            &format!(
                "Saved a payment of {} to {}.",
                Pence(line.amount_pence),
                line.supplier_name
            ),
        )),
        None => {
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

pub async fn rules_form(
    state: web::Data<AppState>,
    user: CurrentUser,
    page: PageContext,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    user.require_manages_institution(Some(id))?;
    let (institution, on) = state
        .db(move |c| {
            Ok((
                institutions::get(c, id)?,
                spend::influenceable_types(c, id)?,
            ))
        })
        .await?;
    html(&PaymentRulesPage {
        layout: Layout::new(
            format!("Influenceable spend at {}", institution.name),
            Some(&user),
            &page,
        ),
        institution_id: id,
        institution: institution.name,
        rows: PaymentType::ALL
            .iter()
            .map(|t| {
                (
                    *t,
                    t.influenceable_by_default(),
                    on.contains(&t.code().to_owned()),
                )
            })
            .collect(),
    })
}

pub async fn save_rules(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
    form: CsrfForm<VersionForm>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    user.require_manages_institution(Some(id))?;
    let ticked: Vec<String> = form.all("influenceable").map(str::to_owned).collect();
    let actor = user.actor();
    let changed = state
        .db(move |c| {
            institutions::get(c, id)?;
            crate::db::write_tx(c, |c| {
                let mut changed = 0;
                for t in PaymentType::ALL {
                    if spend::set_rule(c, &actor, id, *t, ticked.iter().any(|x| x == t.code()))? {
                        changed += 1;
                    }
                }
                Ok::<_, AppError>(changed)
            })
        })
        .await?;
    Ok(redirect_with_flash(
        &state,
        &format!("/admin/institutions/{id}/payment-types"),
        &if changed == 0 {
            "No rules changed.".to_owned()
        } else {
            format!("Saved: {changed} rule(s) changed.")
        },
    ))
}
