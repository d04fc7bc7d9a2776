//! Local-spend reports: the dashboard of an institution or a network for a
//! financial year or any dates, its tables as CSV, and the audit export whose
//! lines reproduce every figure on the report.

use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{web, HttpResponse};
use chrono::NaiveDate;
use futures_util::{stream, StreamExt};
use serde::Deserialize;

use crate::auth::{CurrentUser, Page};
use crate::db::areas::{self, DefinitionVersion, Owner};
use crate::db::institutions::{self, Institution};
use crate::db::report::{self, Located};
use crate::db::{networks, postcodes, spend, suppliers, DbConn};
use crate::domain::figures::{percent_text, pool, share_bp, Figures, Place, Pooled};
use crate::domain::ledger::{financial_year, financial_year_label, parse_typed_date};
use crate::domain::money::Pence;
use crate::error::{AppError, AppResult};
use crate::export::{csv_chunk, safe_text, UTF8_BOM};
use crate::startup::AppState;
use crate::views::reports::{InstitutionRow, ReportPage, TierRow};
use crate::views::{html, url_encode, Layout};

const EXPORT_BATCH: i64 = 5_000;

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct ReportQuery {
    institution: String,
    network: String,
    fy: String,
    from: String,
    to: String,
    /// A version of the definition to report under (default: the current).
    definition: String,
    table: String,
}

impl ReportQuery {
    pub fn query_string(&self) -> String {
        [
            ("institution", &self.institution),
            ("network", &self.network),
            ("fy", &self.fy),
            ("from", &self.from),
            ("to", &self.to),
            ("definition", &self.definition),
        ]
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", url_encode(v)))
        .collect::<Vec<_>>()
        .join("&")
    }
}

/// Everything a report states about itself.
#[derive(Debug, Clone)]
pub struct Stamp {
    pub scope_name: String,
    pub institutions: Vec<Institution>,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub period: String,
    pub definition: DefinitionVersion,
    pub definition_owner: String,
    pub lookup_release: String,
    pub coverage: String,
    pub vat_basis: String,
    pub generated_at: String,
    pub generated_by: String,
}

impl Stamp {
    pub fn rows(&self) -> Vec<(String, String)> {
        vec![
            ("Report".into(), format!("Local spend: {}", self.scope_name)),
            (
                "Institutions".into(),
                self.institutions
                    .iter()
                    .map(|i| i.name.clone())
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
            ("Period".into(), self.period.clone()),
            (
                "Local-area definition".into(),
                format!(
                    "{}, version {} ({})",
                    self.definition_owner,
                    self.definition.version,
                    self.definition
                        .tiers
                        .iter()
                        .map(|t| t.name.clone())
                        .collect::<Vec<_>>()
                        .join(" ⊂ ")
                ),
            ),
            ("Postcode lookup".into(), self.lookup_release.clone()),
            ("Scope".into(), self.coverage.clone()),
            ("VAT basis".into(), self.vat_basis.clone()),
            (
                "Generated".into(),
                format!("{} UTC by {}", self.generated_at, self.generated_by),
            ),
        ]
    }
}

/// A computed report.
pub struct Report {
    pub stamp: Stamp,
    pub figures: Figures,
    /// Each institution under its own definition (network reports).
    pub per_institution: Vec<(Institution, Figures)>,
    pub pooled: Option<Pooled>,
    pub years: Vec<i32>,
    pub fy: Option<i32>,
    /// Institutions' influenceable payment types, for the audit export.
    pub rules: Vec<(i64, Vec<String>)>,
}

fn bad(what: &str, raw: &str) -> AppError {
    AppError::BadRequest(format!("{what} `{raw}` is not a date: use day/month/year"))
}

/// The institutions the user may report on, and the report's scope.
fn scope(
    c: &mut DbConn,
    user: &CurrentUser,
    q: &ReportQuery,
) -> Result<(String, Vec<Institution>, Owner), AppError> {
    if let Ok(network_id) = q.network.parse::<i64>() {
        let net = networks::get(c, network_id)?;
        let covered = user
            .institution_id
            .is_none_or(|own| net.member_ids.contains(&own));
        if !covered {
            return Err(AppError::Forbidden);
        }
        let members = institutions::list(c, None)?
            .into_iter()
            .filter(|i| net.member_ids.contains(&i.id))
            .collect();
        return Ok((net.network.name, members, Owner::Network(network_id)));
    }
    let visible = institutions::list(c, user.institution_id)?;
    let chosen = match q.institution.parse::<i64>() {
        Ok(id) => visible
            .iter()
            .find(|i| i.id == id)
            .cloned()
            .ok_or(AppError::Forbidden)?,
        Err(_) => visible.first().cloned().ok_or_else(|| {
            AppError::BadRequest("There is no institution to report on yet.".into())
        })?,
    };
    Ok((
        chosen.name.clone(),
        vec![chosen.clone()],
        Owner::Institution(chosen.id),
    ))
}

pub fn compute(
    c: &mut DbConn,
    state: &AppState,
    user: &CurrentUser,
    q: &ReportQuery,
) -> Result<Report, AppError> {
    let (scope_name, members, owner) = scope(c, user, q)?;
    let ids: Vec<i64> = members.iter().map(|i| i.id).collect();
    let definition = match q.definition.parse::<i64>() {
        Ok(id) => {
            let d = areas::get(c, id)?;
            let matches_owner = match owner {
                Owner::Institution(i) => d.owner_kind == "institution" && d.owner_id == i,
                Owner::Network(n) => d.owner_kind == "network" && d.owner_id == n,
            };
            if !matches_owner {
                return Err(AppError::NotFound);
            }
            d
        }
        Err(_) => areas::current(c, owner)?.ok_or_else(|| {
            AppError::BadRequest(format!("{scope_name} has no local-area definition yet: an admin sets one under Institutions."))
        })?,
    };
    let (first, last) = report::date_range(c, &ids)?;
    let mut years: Vec<i32> = match (first, last) {
        (Some(a), Some(b)) => (financial_year(a)..=financial_year(b)).collect(),
        _ => Vec::new(),
    };
    years.reverse();
    let explicit = !q.from.trim().is_empty() || !q.to.trim().is_empty();
    let fy = if explicit {
        None
    } else {
        q.fy.parse::<i32>()
            .ok()
            .or(years.first().copied())
            .or(Some(financial_year(crate::db::now().date())))
    };
    let (from, to, period) = match fy {
        Some(y) => {
            let (a, b) = crate::domain::ledger::financial_year_bounds(y)
                .ok_or_else(|| AppError::BadRequest("No such financial year.".into()))?;
            (
                a,
                b,
                format!(
                    "Financial year {} ({} to {})",
                    financial_year_label(y),
                    a.format("%d/%m/%Y"),
                    b.format("%d/%m/%Y")
                ),
            )
        }
        None => {
            let a = match q.from.trim() {
                "" => first.unwrap_or(NaiveDate::MIN),
                raw => parse_typed_date(raw).map_err(|_| bad("From", raw))?,
            };
            let b = match q.to.trim() {
                "" => last.unwrap_or(NaiveDate::MAX),
                raw => parse_typed_date(raw).map_err(|_| bad("To", raw))?,
            };
            if b < a {
                return Err(AppError::BadRequest(
                    "The period ends before it starts.".into(),
                ));
            }
            (
                a,
                b,
                format!("{} to {}", a.format("%d/%m/%Y"), b.format("%d/%m/%Y")),
            )
        }
    };
    crate::db::locations::refresh_stale(c, &state.gazetteer)?;
    let cells = report::spend_cells(c, &ids, from, to)?;
    let mut supplier_ids: Vec<i64> = cells.iter().filter_map(|x| x.supplier_id).collect();
    supplier_ids.sort_unstable();
    supplier_ids.dedup();
    let located = report::locations(c, &supplier_ids)?;
    let mut rules = Vec::new();
    for id in &ids {
        rules.push((*id, spend::influenceable_types(c, *id)?));
    }
    let influenceable = |inst: i64, t: &str| {
        rules
            .iter()
            .find(|(i, _)| *i == inst)
            .is_some_and(|(_, types)| types.iter().any(|x| x == t))
    };
    let def = definition.to_definition();
    let tier_names: Vec<String> = definition.tiers.iter().map(|t| t.name.clone()).collect();
    let figures = Figures::compute(&cells, &tier_names, influenceable, |s| {
        report::place_of(s.and_then(|id| located.get(&id)), &def, s)
    });
    let mut per_institution = Vec::new();
    let mut pooled = None;
    if matches!(owner, Owner::Network(_)) {
        let mut pairs = Vec::new();
        for inst in &members {
            let own = match areas::current(c, Owner::Institution(inst.id))? {
                Some(d) => d,
                None => continue,
            };
            let own_def = own.to_definition();
            let own_names: Vec<String> = own.tiers.iter().map(|t| t.name.clone()).collect();
            let mine: Vec<_> = cells
                .iter()
                .filter(|x| x.institution_id == inst.id)
                .cloned()
                .collect();
            let f = Figures::compute(&mine, &own_names, influenceable, |s| {
                report::place_of(s.and_then(|id| located.get(&id)), &own_def, s)
            });
            pairs.push((
                f.tiers.first().map_or(0, |t| t.cumulative_pence),
                f.influenceable_pence,
            ));
            per_institution.push((inst.clone(), f));
        }
        pooled = Some(pool(&pairs));
    }
    let release = postcodes::active(c)?;
    let bases = report::vat_bases(c, &ids, from, to)?;
    let owner_name = match owner {
        Owner::Institution(_) => format!("{scope_name}'s local area"),
        Owner::Network(_) => format!("{scope_name} network's local area"),
    };
    Ok(Report {
        stamp: Stamp {
            scope_name,
            institutions: members,
            from,
            to,
            period,
            definition,
            definition_owner: owner_name,
            lookup_release: release.map_or_else(
                || "none loaded: every supplier's location is unknown".into(),
                |r| r.name,
            ),
            coverage: "All suppliers; influenceable spend by each institution's payment-type rules"
                .into(),
            vat_basis: match bases.len() {
                0 => "no lines".into(),
                1 => bases[0].clone(),
                _ => format!("mixed ({})", bases.join(", ")),
            },
            generated_at: crate::db::now().format("%d/%m/%Y %H:%M").to_string(),
            generated_by: format!("{} ({})", user.display_name, user.username),
        },
        figures,
        per_institution,
        pooled,
        years,
        fy,
        rules,
    })
}

/// A horizontal bar chart of the cumulative shares, as inline SVG, drawn on
/// the server; the same numbers are in the table beside it.
fn chart(figures: &Figures) -> String {
    let bars: Vec<(String, Option<i64>)> = figures
        .tiers
        .iter()
        .map(|t| {
            (
                t.name.clone(),
                share_bp(t.cumulative_pence, figures.influenceable_pence),
            )
        })
        .chain([(
            "Unknown".to_owned(),
            share_bp(figures.unknown_pence, figures.influenceable_pence),
        )])
        .collect();
    let row = 34;
    let height = bars.len() * row + 10;
    let mut svg = format!(
        r#"<svg class="chart" role="img" aria-label="Cumulative local share by tier" viewBox="0 0 640 {height}" width="100%" xmlns="http://www.w3.org/2000/svg">"#
    );
    for (i, (name, bp)) in bars.iter().enumerate() {
        let y = i * row + 5;
        let width = bp.unwrap_or(0).clamp(0, 10_000) * 400 / 10_000;
        let escaped = name
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;");
        svg.push_str(&format!(
            r#"<text x="0" y="{}" class="chart-label">{}</text><rect x="200" y="{y}" width="{width}" height="22" class="{}"/><text x="{}" y="{}" class="chart-value">{}</text>"#,
            y + 16,
            escaped.chars().take(28).collect::<String>(),
            if name == "Unknown" { "bar bar-unknown" } else { "bar" },
            205 + width,
            y + 16,
            percent_text(*bp)
        ));
    }
    svg.push_str("</svg>");
    svg
}

pub async fn dashboard(
    state: web::Data<AppState>,
    user: CurrentUser,
    page: Page,
    query: web::Query<ReportQuery>,
) -> AppResult<HttpResponse> {
    let q = query.into_inner();
    let (st, u, qq) = (state.clone(), user.clone(), q.clone());
    let (report, choices, networks) = state
        .db(move |c| {
            let report = compute(c, &st, &u, &qq)?;
            let choices = institutions::list(c, u.institution_id)?;
            let nets = networks::list(c)?
                .into_iter()
                .map(|(n, _)| n)
                .collect::<Vec<_>>();
            let mut visible_nets = Vec::new();
            for n in nets {
                let members = networks::get(c, n.id)?.member_ids;
                if u.institution_id.is_none_or(|own| members.contains(&own)) {
                    visible_nets.push((n.id, n.name));
                }
            }
            Ok((report, choices, visible_nets))
        })
        .await?;
    let f = &report.figures;
    let link = |extra: &str| {
        let inst = report
            .stamp
            .institutions
            .first()
            .filter(|_| report.stamp.institutions.len() == 1)
            .map(|i| format!("&institution={}", i.id))
            .unwrap_or_default();
        format!(
            "/spend?from={}&to={}{inst}{extra}",
            report.stamp.from.format("%d/%m/%Y"),
            report.stamp.to.format("%d/%m/%Y")
        )
    };
    let tiers = f
        .tiers
        .iter()
        .enumerate()
        .map(|(i, t)| TierRow {
            name: t.name.clone(),
            cumulative: Pence(t.cumulative_pence).to_string(),
            cumulative_share: percent_text(share_bp(t.cumulative_pence, f.influenceable_pence)),
            exclusive: Pence(t.exclusive_pence).to_string(),
            exclusive_share: percent_text(share_bp(t.exclusive_pence, f.influenceable_pence)),
            suppliers: t.cumulative_suppliers,
            supplier_share: percent_text(share_bp(
                t.cumulative_suppliers as i64,
                f.suppliers as i64,
            )),
            link: link(&format!("&tier={}", i + 1)),
        })
        .collect();
    let institutions = report
        .per_institution
        .iter()
        .map(|(i, f)| InstitutionRow {
            name: i.name.clone(),
            influenceable: Pence(f.influenceable_pence).to_string(),
            local: Pence(f.tiers.first().map_or(0, |t| t.cumulative_pence)).to_string(),
            share: percent_text(f.share_bp(0)),
            tier_name: f.tiers.first().map_or(String::new(), |t| t.name.clone()),
        })
        .collect();
    let exclusions = f
        .excluded
        .iter()
        .map(|e| {
            (
                crate::views::spend::payment_type_label(&e.payment_type).to_owned(),
                Pence(-e.pence).to_string(),
                e.lines,
                link(&format!("&payment_type={}", e.payment_type)),
            )
        })
        .collect();
    html(&ReportPage {
        layout: Layout::new(
            format!("Local spend: {}", report.stamp.scope_name),
            Some(&user),
            &page,
        ),
        stamp: report.stamp.rows(),
        chart: chart(f),
        total: Pence(f.total_pence).to_string(),
        total_lines: f.total_lines,
        exclusions,
        influenceable: Pence(f.influenceable_pence).to_string(),
        located: Pence(f.located_pence).to_string(),
        rest_of_uk: Pence(f.rest_of_uk_pence).to_string(),
        rest_share: percent_text(share_bp(f.rest_of_uk_pence, f.influenceable_pence)),
        outside_uk: Pence(f.outside_uk_pence).to_string(),
        outside_share: percent_text(share_bp(f.outside_uk_pence, f.influenceable_pence)),
        unknown: Pence(f.unknown_pence).to_string(),
        unknown_share: percent_text(share_bp(f.unknown_pence, f.influenceable_pence)),
        unknown_reasons: f
            .unknown_reasons
            .iter()
            .map(|(r, p)| (r.clone(), Pence(*p).to_string()))
            .collect(),
        unknown_link: link("&tier=unknown"),
        suppliers: f.suppliers,
        tiers,
        institutions,
        pooled: report.pooled.as_ref().map(|p| {
            (
                percent_text(p.pooled_bp),
                percent_text(p.mean_bp),
                Pence(p.local_pence).to_string(),
                Pence(p.influenceable_pence).to_string(),
            )
        }),
        years: report
            .years
            .iter()
            .map(|y| (*y, financial_year_label(*y)))
            .collect(),
        fy: report.fy,
        from: q.from.clone(),
        to: q.to.clone(),
        institution: q.institution.clone(),
        network: q.network.clone(),
        choices: choices.into_iter().map(|i| (i.id, i.name)).collect(),
        networks,
        query: q.query_string(),
        is_network: report.pooled.is_some(),
    })
}

fn stamped_csv(
    stamp: &Stamp,
    header: &[&str],
    rows: Vec<Vec<String>>,
) -> Result<Vec<u8>, AppError> {
    let mut out = UTF8_BOM.to_vec();
    let preamble: Vec<Vec<String>> = stamp
        .rows()
        .into_iter()
        .map(|(k, v)| vec![k, safe_text(&v).into_owned()])
        .collect();
    out.extend(csv_chunk(preamble).map_err(AppError::internal)?);
    // A blank row between the stamp and the table.
    out.extend(csv_chunk([[""]]).map_err(AppError::internal)?);
    out.extend(
        csv_chunk([header.iter().map(|h| h.to_string()).collect::<Vec<_>>()])
            .map_err(AppError::internal)?,
    );
    out.extend(csv_chunk(rows).map_err(AppError::internal)?);
    Ok(out)
}

fn attachment(name: &str, body: Vec<u8>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        ))
        .body(body)
}

/// One table of the report as CSV (`table=headline`, `reconciliation` or
/// `institutions`), stamped like the page.
pub async fn table_csv(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: web::Query<ReportQuery>,
) -> AppResult<HttpResponse> {
    let q = query.into_inner();
    let (st, u, qq) = (state.clone(), user.clone(), q.clone());
    let report = state.db(move |c| compute(c, &st, &u, &qq)).await?;
    let f = &report.figures;
    let plain = |p: i64| Pence(p).plain();
    let share = |p: i64| {
        percent_text(share_bp(p, f.influenceable_pence))
            .trim_end_matches('%')
            .to_owned()
    };
    let (name, header, rows): (&str, Vec<&str>, Vec<Vec<String>>) = match q.table.as_str() {
        "reconciliation" => {
            let mut rows = vec![vec![
                "Total spend".into(),
                plain(f.total_pence),
                f.total_lines.to_string(),
            ]];
            for e in &f.excluded {
                rows.push(vec![
                    format!(
                        "less {}",
                        crate::views::spend::payment_type_label(&e.payment_type)
                    ),
                    plain(-e.pence),
                    e.lines.to_string(),
                ]);
            }
            rows.push(vec![
                "Influenceable spend".into(),
                plain(f.influenceable_pence),
                f.influenceable_lines.to_string(),
            ]);
            rows.push(vec![
                "of which supplier located".into(),
                plain(f.located_pence),
                String::new(),
            ]);
            rows.push(vec![
                "of which location unknown".into(),
                plain(f.unknown_pence),
                String::new(),
            ]);
            ("reconciliation", vec!["Step", "Amount (£)", "Lines"], rows)
        }
        "institutions" => {
            let mut rows: Vec<Vec<String>> = report
                .per_institution
                .iter()
                .map(|(i, f)| {
                    vec![
                        safe_text(&i.name).into_owned(),
                        plain(f.influenceable_pence),
                        plain(f.tiers.first().map_or(0, |t| t.cumulative_pence)),
                        percent_text(f.share_bp(0)).trim_end_matches('%').to_owned(),
                    ]
                })
                .collect();
            if let Some(p) = &report.pooled {
                rows.push(vec![
                    "Pooled (weighted by spend)".into(),
                    plain(p.influenceable_pence),
                    plain(p.local_pence),
                    percent_text(p.pooled_bp).trim_end_matches('%').to_owned(),
                ]);
                rows.push(vec![
                    "Unweighted mean of the institutions' shares".into(),
                    String::new(),
                    String::new(),
                    percent_text(p.mean_bp).trim_end_matches('%').to_owned(),
                ]);
            }
            (
                "institutions",
                vec![
                    "Institution",
                    "Influenceable spend (£)",
                    "Local spend, own tier 1 (£)",
                    "Local share (%)",
                ],
                rows,
            )
        }
        _ => {
            let mut rows: Vec<Vec<String>> = f
                .tiers
                .iter()
                .map(|t| {
                    vec![
                        safe_text(&t.name).into_owned(),
                        plain(t.cumulative_pence),
                        share(t.cumulative_pence),
                        plain(t.exclusive_pence),
                        share(t.exclusive_pence),
                        t.cumulative_suppliers.to_string(),
                    ]
                })
                .collect();
            rows.push(vec![
                "Rest of UK".into(),
                String::new(),
                String::new(),
                plain(f.rest_of_uk_pence),
                share(f.rest_of_uk_pence),
                String::new(),
            ]);
            rows.push(vec![
                "Outside UK".into(),
                String::new(),
                String::new(),
                plain(f.outside_uk_pence),
                share(f.outside_uk_pence),
                String::new(),
            ]);
            rows.push(vec![
                "Unknown".into(),
                String::new(),
                String::new(),
                plain(f.unknown_pence),
                share(f.unknown_pence),
                f.unknown_suppliers.to_string(),
            ]);
            rows.push(vec![
                "Influenceable spend".into(),
                plain(f.influenceable_pence),
                "100.00".into(),
                String::new(),
                String::new(),
                f.suppliers.to_string(),
            ]);
            (
                "headline",
                vec![
                    "Area",
                    "Cumulative spend (£)",
                    "Cumulative share (%)",
                    "Exclusive spend (£)",
                    "Exclusive share (%)",
                    "Suppliers (cumulative)",
                ],
                rows,
            )
        }
    };
    let body = stamped_csv(&report.stamp, &header, rows)?;
    Ok(attachment(
        &format!(
            "local-spend-{name}-{}.csv",
            crate::db::now().format("%Y%m%d-%H%M%S")
        ),
        body,
    ))
}

const AUDIT_HEADER: [&str; 26] = [
    "Institution",
    "Line ID",
    "Payment date",
    "Supplier name as published",
    "Supplier ID",
    "Supplier on the register",
    "Company number",
    "Charity number",
    "Postcode used",
    "Location basis",
    "District",
    "Area",
    "Tier",
    "Size band",
    "Type",
    "SIC codes",
    "Payment type",
    "Influenceable",
    "Rule",
    "Amount (£)",
    "VAT basis",
    "Definition version",
    "Postcode lookup",
    "Import batch",
    "Import row",
    "Entered by user",
];

/// One row per line in the report's scope with everything that placed it,
/// so that summing it reproduces every figure on the report. Streams.
pub async fn audit_csv(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: web::Query<ReportQuery>,
) -> AppResult<HttpResponse> {
    let q = query.into_inner();
    let (st, u, qq) = (state.clone(), user.clone(), q.clone());
    let report = state.db(move |c| compute(c, &st, &u, &qq)).await?;
    let head = stamped_csv(&report.stamp, &AUDIT_HEADER, Vec::new())?;
    let header_chunk = stream::once(async move { Ok::<_, AppError>(Bytes::from(head)) });
    let ids: Vec<i64> = report.stamp.institutions.iter().map(|i| i.id).collect();
    let names: Vec<(i64, String)> = report
        .stamp
        .institutions
        .iter()
        .map(|i| (i.id, i.name.clone()))
        .collect();
    let (from, to) = (report.stamp.from, report.stamp.to);
    let definition = report.stamp.definition.clone();
    let release = report.stamp.lookup_release.clone();
    let rules = report.rules.clone();
    let body = stream::unfold(Some(0_i64), move |cursor| {
        let (state, ids, names, definition, release, rules) = (
            state.clone(),
            ids.clone(),
            names.clone(),
            definition.clone(),
            release.clone(),
            rules.clone(),
        );
        async move {
            let after = cursor?;
            let batch = state
                .db(move |c| {
                    let lines = report::lines_after(c, &ids, from, to, after, EXPORT_BATCH)?;
                    let mut sids: Vec<i64> = lines.iter().filter_map(|l| l.supplier_id).collect();
                    sids.sort_unstable();
                    sids.dedup();
                    Ok((
                        lines,
                        suppliers::get_many(c, &sids)?,
                        report::locations(c, &sids)?,
                    ))
                })
                .await;
            match batch {
                Err(e) => Some((Err(e), None)),
                Ok((lines, _, _)) if lines.is_empty() => None,
                Ok((lines, sups, located)) => {
                    let next =
                        (lines.len() as i64 == EXPORT_BATCH).then(|| lines[lines.len() - 1].id);
                    let def = definition.to_definition();
                    let tier_names: Vec<String> =
                        definition.tiers.iter().map(|t| t.name.clone()).collect();
                    let rows: Vec<Vec<String>> = lines
                        .iter()
                        .map(|l| {
                            let s = l
                                .supplier_id
                                .and_then(|id| sups.iter().find(|s| s.id == id));
                            let loc: Option<&Located> =
                                l.supplier_id.and_then(|id| located.get(&id));
                            let place = report::place_of(loc, &def, l.supplier_id);
                            let types = rules
                                .iter()
                                .find(|(i, _)| *i == l.institution_id)
                                .map(|(_, t)| t.clone())
                                .unwrap_or_default();
                            let on = types.contains(&l.payment_type);
                            let default_on =
                                crate::domain::spend::PaymentType::from_code(&l.payment_type)
                                    .is_some_and(|t| t.influenceable_by_default());
                            let text = |v: Option<&str>| safe_text(v.unwrap_or("")).into_owned();
                            vec![
                                text(
                                    names
                                        .iter()
                                        .find(|(i, _)| *i == l.institution_id)
                                        .map(|(_, n)| n.as_str()),
                                ),
                                l.id.to_string(),
                                l.payment_date.format("%Y-%m-%d").to_string(),
                                text(Some(&l.supplier_name)),
                                l.supplier_id.map(|i| i.to_string()).unwrap_or_default(),
                                text(s.map(|s| s.name.as_str())),
                                text(s.and_then(|s| s.company_number.as_deref())),
                                text(s.and_then(|s| s.charity_number.as_deref())),
                                text(loc.and_then(|l| l.postcode.as_deref())),
                                text(s.map(|s| s.location_basis.as_str())),
                                text(loc.and_then(|l| l.district_code.as_deref())),
                                text(Some(&place.label(&tier_names))),
                                match place {
                                    Place::Tier(k) => (k + 1).to_string(),
                                    _ => String::new(),
                                },
                                text(s.and_then(|s| s.size_band.as_deref())),
                                text(s.map(|s| s.types().join("; ")).as_deref()),
                                text(s.map(|s| s.sic_codes.as_str())),
                                l.payment_type.clone(),
                                if on { "yes".into() } else { "no".into() },
                                if on == default_on {
                                    "default".into()
                                } else {
                                    "institution rule".into()
                                },
                                Pence(l.amount_pence).plain(),
                                l.vat_basis.clone(),
                                format!("{} v{}", definition.id, definition.version),
                                text(Some(&release)),
                                l.import_batch_id.map(|b| b.to_string()).unwrap_or_default(),
                                l.import_row.map(|r| r.to_string()).unwrap_or_default(),
                                l.entered_by.map(|u| u.to_string()).unwrap_or_default(),
                            ]
                        })
                        .collect();
                    Some((
                        csv_chunk(rows).map(Bytes::from).map_err(AppError::internal),
                        next,
                    ))
                }
            }
        }
    });
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!(
                "attachment; filename=\"local-spend-audit-{}.csv\"",
                crate::db::now().format("%Y%m%d-%H%M%S")
            ),
        ))
        .streaming(header_chunk.chain(body)))
}
