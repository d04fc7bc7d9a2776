//! The supplier register: search, view, create, edit, merge, undo a merge,
//! split an alias out, record an institution's own id.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::Deserialize;

use super::{form_version, redirect_with_flash};
use crate::auth::{CsrfForm, CurrentUser, PageContext};
use crate::db::areas::{self, Owner};
use crate::db::suppliers::{self, LocationFilter, Supplier, SupplierFilter};
use crate::db::{audit, institutions, is_unique_violation};
use crate::domain::supplier::{LivingWage, SizeBand, SizeDefinition, Source, SupplierFields};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::views::{
    html, html_status, FormErrors, Layout, QueuePage, SuggestionsPage, SupplierFormPage,
    SupplierImportPage, SupplierListPage, SupplierPage,
};

const PAGE_SIZE: i64 = 50;

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    kind: String,
    /// A tier position of the viewer's institution's definition, or `rest`,
    /// `outside` or `unknown`.
    #[serde(default)]
    tier: String,
    #[serde(default)]
    page: Option<i64>,
}

pub async fn list(
    state: web::Data<AppState>,
    user: CurrentUser,
    page: PageContext,
    query: web::Query<ListQuery>,
) -> AppResult<HttpResponse> {
    let page_no = query.page.unwrap_or(1).max(1);
    let (q, status, kind, tier) = (
        query.q.clone(),
        query.status.clone(),
        query.kind.clone(),
        query.tier.clone(),
    );
    let institution = user.institution_id;
    let ((rows, total), duplicates, tiers) = state
        .db(move |c| {
            // Tiers are those of the viewer's institution (the first one, for
            // network-wide users).
            let owner = match institution {
                Some(i) => Some(i),
                None => institutions::list(c, None)?.first().map(|i| i.id),
            };
            let definition = match owner {
                Some(i) => areas::current(c, Owner::Institution(i))?,
                None => None,
            };
            let tier_sets: Vec<(String, Vec<String>)> = definition
                .map(|d| d.tiers.into_iter().map(|t| (t.name, t.districts)).collect())
                .unwrap_or_default();
            let location = LocationFilter::from_param(&tier, &tier_sets);
            let filter = SupplierFilter {
                query: Some(q),
                unclassified: status == "unclassified",
                kind: (!kind.is_empty()).then_some(kind),
                location,
            };
            let names = tier_sets
                .into_iter()
                .map(|(name, _)| name)
                .collect::<Vec<_>>();
            Ok((
                suppliers::search(c, &filter, PAGE_SIZE, (page_no - 1) * PAGE_SIZE)?,
                suppliers::duplicate_groups(c, 20)?,
                names,
            ))
        })
        .await?;
    let query_string = format!(
        "q={}&status={}&kind={}&tier={}",
        crate::views::url_encode(&query.q),
        crate::views::url_encode(&query.status),
        crate::views::url_encode(&query.kind),
        crate::views::url_encode(&query.tier)
    );
    html(&SupplierListPage {
        layout: Layout::new("Suppliers", Some(&user), &page),
        rows,
        total,
        page: page_no,
        pages: (total + PAGE_SIZE - 1) / PAGE_SIZE,
        q: query.q.clone(),
        status: query.status.clone(),
        kind: query.kind.clone(),
        tier: query.tier.clone(),
        tiers,
        query: query_string,
        duplicates,
        can_edit: user.can_edit_register(),
    })
}

fn form_page(
    layout: Layout,
    id: Option<i64>,
    fields: SupplierFields,
    errors: FormErrors,
) -> SupplierFormPage {
    SupplierFormPage {
        layout,
        id,
        fields,
        errors,
        bands: SizeBand::ALL,
        definitions: SizeDefinition::ALL,
        living_wage: LivingWage::ALL,
        sources: &[
            Source::Clerk,
            Source::SelfDeclaration,
            Source::CompaniesHouse,
            Source::CharityRegister,
        ],
        bases: crate::domain::classify::LocationBasis::ALL,
    }
}

pub async fn new_form(user: CurrentUser, page: PageContext) -> AppResult<HttpResponse> {
    user.require(user.can_edit_register())?;
    let fields = SupplierFields {
        location_basis: "registered_office".into(),
        living_wage: "unknown".into(),
        source: "clerk".into(),
        version: "0".into(),
        ..Default::default()
    };
    html(&form_page(
        Layout::new("Add a supplier", Some(&user), &page),
        None,
        fields,
        FormErrors::default(),
    ))
}

fn source_of(f: &SupplierFields) -> Source {
    Source::from_code(f.source.trim()).unwrap_or(Source::Clerk)
}

pub async fn create(
    state: web::Data<AppState>,
    user: CurrentUser,
    page: PageContext,
    form: CsrfForm<SupplierFields>,
) -> AppResult<HttpResponse> {
    user.require(user.can_edit_register())?;
    let fields = form.data;
    let layout = Layout::new("Add a supplier", Some(&user), &page);
    let input = match fields.parse() {
        Ok(i) => i,
        Err(e) => {
            return html_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &form_page(layout, None, fields, FormErrors::from_list(e)),
            )
        }
    };
    let (actor, source, evidence) = (
        user.actor(),
        source_of(&fields),
        fields.evidence.trim().to_owned(),
    );
    let created = state
        .db(move |c| Ok(suppliers::create(c, &actor, &input, source, &evidence)?))
        .await?;
    Ok(redirect_with_flash(
        &state,
        &format!("/suppliers/{}", created.id),
        &format!("Added supplier {}.", created.name),
    ))
}

pub async fn show(
    state: web::Data<AppState>,
    user: CurrentUser,
    page: PageContext,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let institution = user.institution_id;
    // Spend is the institutions' own business: show only what the viewer covers.
    let scope = user.institution_id;
    let g = state.gazetteer.clone();
    let data = state
        .db(move |c| {
            let supplier = suppliers::get(c, id)?;
            let provenance = suppliers::provenance(c, id)?;
            let location_by = provenance
                .iter()
                .find(|p| p.field == "location")
                .map(|p| p.set_by.clone());
            let all = institutions::list(c, None)?;
            // Where it counts for the viewer's institution (or the first one,
            // for network-wide users).
            let institution = match institution {
                Some(i) => all.iter().find(|x| x.id == i).cloned(),
                None => all.first().cloned(),
            };
            let located = match &institution {
                Some(inst) => match areas::current(c, Owner::Institution(inst.id))? {
                    Some(def) => {
                        let input = supplier.location_input(location_by);
                        let (result, _) =
                            crate::register::locate::locate(c, &g, &def.to_definition(), &input)?;
                        Some((inst.name.clone(), def.version, result))
                    }
                    None => None,
                },
                None => None,
            };
            let names = all.into_iter().map(|i| (i.id, i.name)).collect::<Vec<_>>();
            let external = suppliers::external_ids(c, id)?
                .into_iter()
                .map(|(i, e)| {
                    (
                        names
                            .iter()
                            .find(|(n, _)| *n == i)
                            .map_or_else(|| i.to_string(), |(_, n)| n.clone()),
                        e,
                    )
                })
                .collect();
            let spend = crate::db::spend::supplier_spend(c, id)?
                .into_iter()
                .filter(|(i, _, _)| scope.is_none_or(|own| own == *i))
                .map(|(i, pence, lines)| {
                    (
                        names
                            .iter()
                            .find(|(n, _)| *n == i)
                            .map_or_else(String::new, |(_, name)| name.clone()),
                        pence,
                        lines,
                    )
                })
                .collect::<Vec<_>>();
            let history = audit::list(
                c,
                &audit::AuditFilter {
                    entity_type: Some("supplier".into()),
                    entity_id: Some(id.to_string()),
                    ..Default::default()
                },
                50,
                0,
            )?
            .0;
            Ok((
                supplier.clone(),
                suppliers::aliases(c, id)?,
                external,
                provenance,
                located,
                suppliers::merges_into(c, id)?,
                history,
                spend,
            ))
        })
        .await?;
    let (supplier, aliases, external_ids, provenance, located, merges, history, spend) = data;
    html(&SupplierPage {
        layout: Layout::new(supplier.name.clone(), Some(&user), &page),
        can_edit: user.can_edit_register(),
        can_undo: user.is_admin(),
        supplier,
        aliases,
        external_ids,
        provenance,
        located,
        merges,
        history,
        spend,
    })
}

async fn editable(state: &AppState, user: &CurrentUser, id: i64) -> AppResult<Supplier> {
    user.require(user.can_edit_register())?;
    state.db(move |c| Ok(suppliers::get(c, id)?)).await
}

pub async fn edit_form(
    state: web::Data<AppState>,
    user: CurrentUser,
    page: PageContext,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let supplier = editable(&state, &user, id.into_inner()).await?;
    let layout = Layout::new(format!("Edit {}", supplier.name), Some(&user), &page);
    html(&form_page(
        layout,
        Some(supplier.id),
        supplier.fields(),
        FormErrors::default(),
    ))
}

pub async fn update(
    state: web::Data<AppState>,
    user: CurrentUser,
    page: PageContext,
    id: web::Path<i64>,
    form: CsrfForm<SupplierFields>,
) -> AppResult<HttpResponse> {
    let current = editable(&state, &user, id.into_inner()).await?;
    let mut fields = form.data;
    let layout = Layout::new(format!("Edit {}", current.name), Some(&user), &page);
    let input = match fields.parse() {
        Ok(i) => i,
        Err(e) => {
            return html_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &form_page(layout, Some(current.id), fields, FormErrors::from_list(e)),
            )
        }
    };
    let (actor, source, evidence, version, sid) = (
        user.actor(),
        source_of(&fields),
        fields.evidence.trim().to_owned(),
        form_version(&fields.version),
        current.id,
    );
    match state
        .db(move |c| {
            Ok(suppliers::update(
                c, &actor, sid, version, &input, source, &evidence,
            )?)
        })
        .await
    {
        Ok(saved) => Ok(redirect_with_flash(
            &state,
            &format!("/suppliers/{sid}"),
            &format!("Saved {}.", saved.name),
        )),
        Err(AppError::Conflict(message)) => {
            // Show what the other person saved beside what this person typed.
            let latest = state.db(move |c| Ok(suppliers::get(c, sid)?)).await?;
            let mut errors = FormErrors::default();
            errors.add(
                "name",
                format!("{message} They saved: {}", describe(&latest)),
            );
            fields.version = latest.version.to_string();
            html_status(
                StatusCode::CONFLICT,
                &form_page(layout, Some(sid), fields, errors),
            )
        }
        Err(e) => Err(e),
    }
}

/// A one-line summary of a saved supplier, for conflict messages.
fn describe(s: &Supplier) -> String {
    let postcodes = [
        &s.postcode_registered,
        &s.postcode_branch,
        &s.postcode_invoice,
    ]
    .iter()
    .filter_map(|p| p.as_deref())
    .collect::<Vec<_>>()
    .join(" / ");
    format!(
        "name “{}”; postcodes {}; size {}; types {}.",
        s.name,
        if postcodes.is_empty() {
            "none".into()
        } else {
            postcodes
        },
        s.size_band.as_deref().unwrap_or("not set"),
        if s.types().is_empty() {
            "none".into()
        } else {
            s.types().join(", ")
        }
    )
}

#[derive(Deserialize)]
pub struct MergeForm {
    #[serde(default)]
    other: String,
}

/// Merges another supplier (by id) into this one.
pub async fn merge(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
    form: CsrfForm<MergeForm>,
) -> AppResult<HttpResponse> {
    let kept = editable(&state, &user, id.into_inner()).await?;
    let other: i64 = form
        .data
        .other
        .trim()
        .trim_start_matches('#')
        .parse()
        .map_err(|_| {
            AppError::BadRequest("Give the number of the supplier to merge into this one.".into())
        })?;
    let actor = user.actor();
    let kept_id = kept.id;
    state
        .db(move |c| Ok(suppliers::merge(c, &actor, kept_id, other)?))
        .await?;
    Ok(redirect_with_flash(
        &state,
        &format!("/suppliers/{kept_id}"),
        &format!("Merged supplier {other} into {}.", kept.name),
    ))
}

pub async fn undo_merge(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
    _form: CsrfForm<crate::handlers::auth::Empty>,
) -> AppResult<HttpResponse> {
    user.require_admin()?;
    let (actor, record) = (user.actor(), id.into_inner());
    let undone = state
        .db(move |c| Ok(suppliers::undo_merge(c, &actor, record)?))
        .await?;
    Ok(redirect_with_flash(
        &state,
        &format!("/suppliers/{}", undone.kept_id),
        &format!(
            "Undid the merge: supplier {} is separate again.",
            undone.merged_id
        ),
    ))
}

pub async fn split(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(i64, i64)>,
    _form: CsrfForm<crate::handlers::auth::Empty>,
) -> AppResult<HttpResponse> {
    let (supplier_id, alias_id) = path.into_inner();
    editable(&state, &user, supplier_id).await?;
    let actor = user.actor();
    let created = state
        .db(move |c| Ok(suppliers::split_alias(c, &actor, supplier_id, alias_id)?))
        .await?;
    Ok(redirect_with_flash(
        &state,
        &format!("/suppliers/{}", created.id),
        &format!("Split {} out as a supplier of its own.", created.name),
    ))
}

#[derive(Deserialize)]
pub struct ExternalIdForm {
    #[serde(default)]
    external_id: String,
}

/// Records the signed-in user's institution's own id for the supplier.
pub async fn add_external_id(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
    form: CsrfForm<ExternalIdForm>,
) -> AppResult<HttpResponse> {
    let supplier = editable(&state, &user, id.into_inner()).await?;
    let institution = user.institution_id.ok_or_else(|| {
        AppError::BadRequest(
            "Supplier ids belong to an institution: sign in as one of its users.".into(),
        )
    })?;
    let external = form.data.external_id.trim().to_owned();
    if external.is_empty() {
        return Err(AppError::BadRequest(
            "Enter the supplier id from your finance system.".into(),
        ));
    }
    let (actor, sid, shown) = (user.actor(), supplier.id, external.clone());
    match state
        .db(move |c| {
            Ok(suppliers::add_external_id(
                c,
                &actor,
                sid,
                institution,
                &external,
            )?)
        })
        .await
    {
        Ok(()) => Ok(redirect_with_flash(
            &state,
            &format!("/suppliers/{sid}"),
            &format!("Recorded supplier id {shown}."),
        )),
        Err(AppError::Db(e)) if is_unique_violation(&e) => Err(AppError::Conflict(format!(
            "Your institution already uses supplier id {shown} for another supplier."
        ))),
        Err(e) => Err(e),
    }
}

/// Suppliers the recognition rules have suggestions for.
pub async fn suggestions(
    state: web::Data<AppState>,
    user: CurrentUser,
    page: PageContext,
) -> AppResult<HttpResponse> {
    user.require(user.can_edit_register())?;
    let recogniser = state.recogniser.clone();
    let found = state
        .db(move |c| crate::register::enrich::rule_suggestions(c, &recogniser))
        .await?;
    html(&SuggestionsPage {
        layout: Layout::new("Suggestions from names", Some(&user), &page),
        total: found.len(),
        rows: found
            .into_iter()
            .take(300)
            .map(|(s, g)| {
                (
                    s.id,
                    s.name,
                    g.describe(),
                    matches!(g, crate::domain::recognise::Suggestion::Redacted),
                )
            })
            .collect(),
    })
}

/// Confirms the rules' suggestions for the ticked suppliers.
pub async fn accept_suggestions(
    state: web::Data<AppState>,
    user: CurrentUser,
    form: CsrfForm<crate::handlers::auth::Empty>,
) -> AppResult<HttpResponse> {
    user.require(user.can_edit_register())?;
    let ids: Vec<i64> = form
        .all("supplier")
        .filter_map(|v| v.parse().ok())
        .collect();
    if ids.is_empty() {
        return Err(AppError::BadRequest(
            "Tick the suggestions you confirm.".into(),
        ));
    }
    let (actor, recogniser) = (user.actor(), state.recogniser.clone());
    let changed = state
        .db(move |c| crate::register::enrich::accept_rules(c, &actor, &recogniser, &ids))
        .await?;
    Ok(redirect_with_flash(
        &state,
        "/suppliers/suggestions",
        &format!("Confirmed suggestions for {changed} supplier(s)."),
    ))
}

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
    Ok(super::csv_download("suppliers").streaming(header.chain(body)))
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

/// How many of the biggest suppliers the coverage meter looks at (CLES's top 300).
const TOP_N: usize = 300;

#[derive(Debug, Default, Deserialize)]
pub struct QueueQuery {
    #[serde(default)]
    institution_id: Option<i64>,
}

async fn queue_page(
    state: &AppState,
    user: &CurrentUser,
    page: &PageContext,
    chosen: Option<i64>,
    errors: FormErrors,
) -> AppResult<QueuePage> {
    let own = user.institution_id;
    let (institutions, coverage_and_queue) = state
        .db(move |c| {
            let all = institutions::list(c, own)?;
            let institution = chosen
                .filter(|id| all.iter().any(|i| i.id == *id))
                .or(all.first().map(|i| i.id));
            let result = match institution {
                Some(i) => Some((i, crate::register::enrich::work_queue(c, i, TOP_N)?)),
                None => None,
            };
            Ok((
                all.into_iter().map(|i| (i.id, i.name)).collect::<Vec<_>>(),
                result,
            ))
        })
        .await?;
    let (institution_id, (coverage, rows)) = match coverage_and_queue {
        Some((i, data)) => (Some(i), data),
        None => (
            None,
            (crate::domain::spend::Coverage::of(&[], TOP_N), Vec::new()),
        ),
    };
    Ok(QueuePage {
        layout: Layout::new("Classification work queue", Some(user), page),
        institutions,
        institution_id,
        coverage,
        rows,
        bands: SizeBand::ALL,
        bases: crate::domain::classify::LocationBasis::ALL,
        errors,
    })
}

/// Unclassified suppliers in order of the institution's influenceable spend.
pub async fn queue(
    state: web::Data<AppState>,
    user: CurrentUser,
    page: PageContext,
    query: web::Query<QueueQuery>,
) -> AppResult<HttpResponse> {
    user.require(user.can_edit_register())?;
    html(
        &queue_page(
            &state,
            &user,
            &page,
            query.institution_id,
            FormErrors::default(),
        )
        .await?,
    )
}

#[derive(Deserialize)]
pub struct QuickFields {
    #[serde(default)]
    postcode: String,
    #[serde(default)]
    location_basis: String,
    #[serde(default)]
    size_band: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    institution_id: Option<i64>,
    #[serde(default)]
    rank: String,
}

/// Saves a row of the queue: a postcode for the chosen basis and a size band
/// by employee count, recorded as the clerk's judgement.
pub async fn quick_edit(
    state: web::Data<AppState>,
    user: CurrentUser,
    page: PageContext,
    id: web::Path<i64>,
    form: CsrfForm<QuickFields>,
) -> AppResult<HttpResponse> {
    let current = editable(&state, &user, id.into_inner()).await?;
    let q = form.data;
    let mut f = current.fields();
    f.location_basis = q.location_basis.clone();
    let postcode = q.postcode.trim().to_owned();
    match q.location_basis.as_str() {
        "branch" => f.postcode_branch = postcode,
        "invoice" => f.postcode_invoice = postcode,
        _ => f.postcode_registered = postcode,
    }
    if !q.size_band.is_empty() {
        f.size_band = q.size_band.clone();
        f.size_definition = SizeDefinition::Employees.code().into();
    }
    let input = match f.parse() {
        Ok(i) => i,
        Err(problems) => {
            let mut errors = FormErrors::default();
            for (_, message) in problems {
                errors.add("queue", format!("{}: {message}", current.name));
            }
            return html_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &queue_page(&state, &user, &page, q.institution_id, errors).await?,
            );
        }
    };
    let (actor, sid, version) = (user.actor(), current.id, form_version(&q.version));
    state
        .db(move |c| {
            Ok(suppliers::update(
                c,
                &actor,
                sid,
                version,
                &input,
                Source::Clerk,
                "Classification work queue",
            )?)
        })
        .await?;
    let back = format!(
        "/suppliers/queue?institution_id={}#row-{}",
        q.institution_id.unwrap_or_default(),
        q.rank
    );
    Ok(redirect_with_flash(
        &state,
        &back,
        &format!("Saved {}.", current.name),
    ))
}
