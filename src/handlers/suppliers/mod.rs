//! The supplier register's pages: search, view, create and edit here;
//! merging, splitting and institutions' own ids in `identity`, suggestions
//! from names in `recognition`, the register as a spreadsheet in `file`, and
//! the classification work queue in `queue`.

use crate::domain::account::Reach;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::Deserialize;

use super::{form_version, redirect_with_flash};
use crate::auth::{CsrfForm, CurrentUser, PageContext};
use crate::db::areas::{self, Owner};
use crate::db::suppliers::{self, LocationFilter, Supplier, SupplierFilter};
use crate::db::{audit, institutions};
use crate::domain::supplier::{LivingWage, SizeBand, SizeDefinition, Source, SupplierFields};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::views::{
    html, html_status, FormErrors, Layout, SupplierFormPage, SupplierListPage, SupplierPage,
};

mod file;
mod identity;
mod proposals;
mod queue;
mod recognition;

pub use file::*;
pub use identity::*;
pub use proposals::*;
pub use queue::*;
pub use recognition::*;

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
    let reach = user.reach.clone();
    let ((rows, total), duplicates, tiers) = state
        .db(move |c| {
            // Tiers are those of the viewer's institution (the first one, for
            // network-wide users).
            let owner = institutions::list(c, &reach)?.first().map(|i| i.id);
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
        can_propose: user.can_edit_register() && user.institution_id.is_some(),
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

/// Where another institution's staff set a classification, the page shows
/// that institution and the role, not the person.
fn mask_other_staff(
    provenance: &mut Vec<suppliers::Provenance>,
    all: &[institutions::Institution],
    viewer: &CurrentUser,
) {
    let rows = std::mem::take(provenance);
    provenance.extend(rows.into_iter().map(|p| p.masked_for(&viewer.reach, all)));
}

/// The supplier's history as the viewer may read it: changes that concern
/// another institution's data are left out, and another institution's staff
/// are named by institution and role.
fn mask_history(
    c: &mut crate::db::DbConn,
    rows: Vec<audit::AuditRow>,
    all: &[institutions::Institution],
    viewer: &CurrentUser,
) -> AppResult<Vec<audit::AuditRow>> {
    let mut shown = Vec::with_capacity(rows.len());
    // Each actor read once, however many rows they wrote.
    let mut actors: std::collections::HashMap<i64, crate::db::users::User> = Default::default();
    for mut row in rows {
        let who = match row.actor_user_id {
            Some(actor) => Some(match actors.entry(actor) {
                std::collections::hash_map::Entry::Occupied(known) => known.into_mut(),
                std::collections::hash_map::Entry::Vacant(new) => {
                    new.insert(crate::db::users::get(c, actor)?)
                }
            }),
            None => None,
        };
        let by_own_staff = who.as_ref().is_some_and(|w| {
            w.institution_id.is_some() && viewer.covers_institution(w.institution_id)
        });
        if row.institution_id.is_some()
            && !viewer.covers_institution(row.institution_id)
            && !by_own_staff
        {
            continue;
        }
        if let Some(who) = who {
            if let Some(other) = who
                .institution_id
                .filter(|i| !viewer.covers_institution(Some(*i)))
            {
                row.actor_name = suppliers::staff_of(all, other, Some(who.role()));
            }
        }
        shown.push(row);
    }
    Ok(shown)
}

pub async fn show(
    state: web::Data<AppState>,
    user: CurrentUser,
    page: PageContext,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    // Spend is the institutions' own business: show only what the viewer covers.
    let reach = user.reach.clone();
    let viewer = user.clone();
    let g = state.gazetteer;
    let data = state
        .db(move |c| {
            let supplier = suppliers::get(c, id)?;
            let mut provenance = suppliers::provenance(c, id)?;
            let all = institutions::list(c, &Reach::All)?;
            mask_other_staff(&mut provenance, &all, &viewer);
            let location_by = provenance
                .iter()
                .find(|p| p.field == "location")
                .map(|p| p.set_by.clone());
            // Where it counts for the viewer's institution (or the first one,
            // for network-wide users).
            let institution = all.iter().find(|x| reach.covers(x.id)).cloned();
            let located = match &institution {
                Some(inst) => match areas::current(c, Owner::Institution(inst.id))? {
                    Some(def) => {
                        let input = supplier.location_input(location_by);
                        let (result, _) =
                            crate::register::locate::locate(c, g, &def.to_definition(), &input)?;
                        Some((inst.name.clone(), def.version, result))
                    }
                    None => None,
                },
                None => None,
            };
            let names = all
                .iter()
                .map(|i| (i.id, i.name.clone()))
                .collect::<Vec<_>>();
            let external = visible_external_ids(c, id, &viewer, &names)?;
            let spend = crate::db::spend::supplier_spend(c, id)?
                .into_iter()
                .filter(|(i, _, _)| reach.covers(*i))
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
            let history = mask_history(c, history, &all, &viewer)?;
            let names = crate::views::suppliers::NameSeen::gather(
                &supplier,
                crate::db::spend::names_of(c, id, &reach)?,
                &suppliers::aliases(c, id)?,
            );
            let similar = similar_of(c, &supplier)?;
            Ok((
                (supplier.clone(), similar),
                names,
                external,
                provenance,
                located,
                suppliers::merges_into(c, id)?,
                history,
                spend,
            ))
        })
        .await?;
    let ((supplier, (similar_suppliers, similar_companies)), names, external_ids) =
        (data.0, data.1, data.2);
    let (provenance, located, merges, history, spend) = (data.3, data.4, data.5, data.6, data.7);
    html(&SupplierPage {
        layout: Layout::new(supplier.name.clone(), Some(&user), &page),
        can_edit: user.can_edit_register(),
        can_undo: user.is_admin(),
        own_ledger_only: user.reach != Reach::All,
        supplier,
        names,
        external_ids,
        provenance,
        located,
        merges,
        history,
        spend,
        similar_suppliers,
        similar_companies,
    })
}

/// The institutions' own ids for a supplier that the viewer may see
/// (another institution's ids are its business), by institution name.
fn visible_external_ids(
    c: &mut crate::db::DbConn,
    id: i64,
    viewer: &CurrentUser,
    names: &[(i64, String)],
) -> Result<Vec<(String, String)>, AppError> {
    Ok(suppliers::external_ids(c, id)?
        .into_iter()
        .filter(|(i, _)| viewer.covers_institution(Some(*i)))
        .map(|(i, e)| {
            (
                names
                    .iter()
                    .find(|(n, _)| *n == i)
                    .map_or_else(|| i.to_string(), |(_, n)| n.clone()),
                e,
            )
        })
        .collect())
}

type Similar = (
    Vec<(i64, String, f64)>,
    Vec<crate::register::near::CompanyNearMiss>,
);

/// A live supplier's near misses: other suppliers, and companies in the
/// Companies House release in use.
fn similar_of(c: &mut crate::db::DbConn, supplier: &Supplier) -> Result<Similar, AppError> {
    if supplier.merged_into.is_some() {
        return Ok((Vec::new(), Vec::new()));
    }
    let companies = match crate::db::companies::active(c)? {
        Some(release) => crate::register::near::for_supplier(c, release.id, supplier)?,
        None => Vec::new(),
    };
    Ok((
        crate::register::near::suppliers_like(c, supplier)?,
        companies,
    ))
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
