//! Local-spend reports: the dashboard of an institution or a network for a
//! financial year or any dates, its tables as CSV, and the audit export whose
//! lines reproduce every figure on the report.

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use chrono::NaiveDate;
use serde::Deserialize;

use crate::auth::{CurrentUser, PageContext};
use crate::db::areas::{self, DefinitionVersion, Owner};
use crate::db::institutions::{self, Institution};
use crate::db::report;
use crate::db::{networks, postcodes, spend, suppliers, DbConn};
use crate::domain::dates::parse_typed_date;
use crate::domain::figures::{percent_text, pool, share_bp, Figures, Pooled};
use crate::domain::money::Pence;
use crate::domain::period::{financial_year, financial_year_label, year_part};
use crate::domain::spend::PaymentType;
use crate::error::{AppError, AppResult};
use crate::export::{csv_chunk, safe_text, UTF8_BOM};
use crate::state::AppState;
use crate::views::reports::{InstitutionRow, ReportPage, TierRow};
use crate::views::{html, url_encode, Layout};

mod audit;
mod tables;

pub use audit::audit_csv;
use tables::{breakdown_tables, category_tables};

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
    /// Part of the financial year: `q1`…`q4` or `m1`…`m12` (m1 is April).
    part: String,
    /// A financial year to compare with.
    baseline: String,
    /// How many suppliers the top-N table covers (default 300).
    top: String,
    table: String,
}

impl ReportQuery {
    pub fn query_string(&self) -> String {
        [
            ("institution", &self.institution),
            ("network", &self.network),
            ("fy", &self.fy),
            ("part", &self.part),
            ("from", &self.from),
            ("to", &self.to),
            ("definition", &self.definition),
            ("baseline", &self.baseline),
            ("top", &self.top),
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
    pub owner: Owner,
    /// Each financial year on record under the same definition, oldest first.
    pub trend: Vec<(i32, Figures)>,
    pub baseline: Option<(i32, Figures)>,
    /// (tier position from 1, target in basis points) for the year shown.
    pub targets: Vec<(i32, i64)>,
    pub tables: Vec<Table>,
    /// The headline (cumulative share of each tier) under each location
    /// basis: (basis label, shares in basis points).
    pub sensitivity: Vec<(String, Vec<Option<i64>>)>,
}

/// A breakdown table: shown on the page and downloadable as CSV.
pub struct Table {
    pub key: &'static str,
    pub title: String,
    pub note: String,
    pub columns: Vec<&'static str>,
    /// Cells as shown.
    pub rows: Vec<Vec<String>>,
    /// The same rows with plain numbers, for CSV.
    pub plain: Vec<Vec<String>>,
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
        if !networks::open_to(&net.member_ids, user.institution_id) {
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

/// How much of a report to work out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    /// The stamp, rules and headline: what the audit export needs.
    Headline,
    /// Everything on the dashboard.
    Page,
    /// The dashboard and every financial year on record.
    Trend,
    /// The stamp, headline and the breakdowns by department and expense
    /// type, which read the lines.
    Categories,
}

/// [`compute`] off the executor, for a handler that needs nothing else
/// from the database.
async fn report_for(
    state: &web::Data<AppState>,
    user: &CurrentUser,
    q: &ReportQuery,
    detail: Detail,
) -> AppResult<Report> {
    let (st, u, qq) = (state.clone(), user.clone(), q.clone());
    state.db(move |c| compute(c, &st, &u, &qq, detail)).await
}

pub fn compute(
    c: &mut DbConn,
    state: &AppState,
    user: &CurrentUser,
    q: &ReportQuery,
    detail: Detail,
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
            let (a, b) = crate::domain::period::financial_year_bounds(y)
                .ok_or_else(|| AppError::BadRequest("No such financial year.".into()))?;
            match year_part(a, &q.part) {
                Some((pa, pb, name)) => (
                    pa,
                    pb,
                    format!(
                        "{name} of financial year {} ({} to {})",
                        financial_year_label(y),
                        pa.format("%d/%m/%Y"),
                        pb.format("%d/%m/%Y")
                    ),
                ),
                None => (
                    a,
                    b,
                    format!(
                        "Financial year {} ({} to {})",
                        financial_year_label(y),
                        a.format("%d/%m/%Y"),
                        b.format("%d/%m/%Y")
                    ),
                ),
            }
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
    let full = matches!(detail, Detail::Page | Detail::Trend);
    // A whole financial year reads the kept totals, other periods the lines.
    let loaded = match report::Period::of(from, to) {
        report::Period::Year(y) => state.totals.year(c, Some(&state.pool), &ids, y)?,
        dates => {
            let (mut cells, bases) = report::totals(c, &ids, dates)?;
            cells.sort_by_key(|x| x.institution_id);
            std::sync::Arc::new((cells, bases))
        }
    };
    let (cells, vat_bases) = (&loaded.0, &loaded.1);
    // The baseline: a chosen year, or the first on record.
    let baseline_year = q
        .baseline
        .parse::<i32>()
        .ok()
        .or_else(|| years.last().copied())
        .filter(|y| full && Some(*y) != fy && years.contains(y));
    let base_cells = match baseline_year {
        Some(y) => Some(state.totals.year(c, Some(&state.pool), &ids, y)?),
        None => None,
    };
    // The year-on-year figures: only the trend page and its CSV ask for them.
    let by_year = if detail == Detail::Trend {
        report::totals_by_year(c, &ids)?
    } else {
        Vec::new()
    };
    let lines = if detail == Detail::Categories {
        report::spend_cells(c, &ids, from, to)?
    } else {
        Vec::new()
    };
    // What is known of every supplier: kept in memory while unchanged.
    let snapshot = state.facts.current(c)?;
    let facts = &snapshot.facts;
    let stored = |s: Option<i64>| {
        s.and_then(|id| facts.get(&id))
            .and_then(|f| f.located.as_ref())
    };
    let mut rules = Vec::new();
    for id in &ids {
        rules.push((*id, spend::influenceable_types(c, *id)?));
    }
    // The rules as one bit per payment type, asked once per cell.
    let masks: Vec<(i64, u16)> = rules
        .iter()
        .map(|(i, types)| {
            let mask = types
                .iter()
                .filter_map(|t| PaymentType::from_code(t))
                .fold(0, |m, t| m | 1 << t as u16);
            (*i, mask)
        })
        .collect();
    let influenceable = |inst: i64, t: PaymentType| {
        masks
            .iter()
            .find(|(i, _)| *i == inst)
            .is_some_and(|(_, mask)| mask & 1 << t as u16 != 0)
    };
    let def = definition.to_definition();
    let tier_names: Vec<String> = definition.tiers.iter().map(|t| t.name.clone()).collect();
    // Each supplier's place under the definition, worked out once.
    let places = snapshot.places(&def);
    let place = |s: Option<i64>| snapshot.place(&places, &def, s);
    let figures = Figures::compute(cells, &tier_names, influenceable, place);
    let tables = match detail {
        Detail::Headline => Vec::new(),
        Detail::Page | Detail::Trend => {
            breakdown_tables(cells, &influenceable, facts, &place, &tier_names, f_top(q))
        }
        Detail::Categories => category_tables(&lines, &influenceable, &place),
    };
    let mut trend = Vec::new();
    for year in years.iter().rev().filter(|_| detail == Detail::Trend) {
        let year_cells: Vec<_> = by_year
            .iter()
            .filter(|(y, _)| y == year)
            .map(|(_, x)| x.clone())
            .collect();
        trend.push((
            *year,
            Figures::compute(&year_cells, &tier_names, influenceable, place),
        ));
    }
    let baseline = baseline_year.zip(base_cells).map(|(y, base)| {
        (
            y,
            Figures::compute(&base.0, &tier_names, influenceable, place),
        )
    });
    let targets = match fy {
        Some(y) => report::targets(c, owner, y)?,
        None => Vec::new(),
    };
    // The sensitivity table: only suppliers with another address can move.
    let mut sensitivity = Vec::new();
    let release = postcodes::active(c)?;
    let bases: &[crate::domain::classify::LocationBasis] = if full {
        crate::domain::classify::LocationBasis::ALL
    } else {
        &[]
    };
    let mut movable: Vec<i64> = if full {
        cells
            .iter()
            .filter_map(|x| x.supplier_id)
            .filter(|id| facts.get(id).is_some_and(|f| f.has_alternatives))
            .collect()
    } else {
        Vec::new()
    };
    movable.sort_unstable();
    movable.dedup();
    let movable = suppliers::get_many(c, &movable)?;
    for basis in bases {
        let mut alt = std::collections::HashMap::with_capacity(movable.len());
        for s in &movable {
            if let Some(l) = crate::db::locations::under_basis(
                c,
                &state.gazetteer,
                release.as_ref(),
                s,
                *basis,
                stored(Some(s.id)),
            )? {
                alt.insert(s.id, l);
            }
        }
        // Where no supplier moves, the figures are the headline's.
        alt.retain(|id, l| Some(&*l) != stored(Some(*id)));
        let shares = |f: &Figures| (0..f.tiers.len()).map(|k| f.share_bp(k)).collect();
        let shares = if alt.is_empty() {
            shares(&figures)
        } else {
            shares(&Figures::compute(cells, &tier_names, influenceable, |s| {
                report::place_of(s.and_then(|id| alt.get(&id)).or_else(|| stored(s)), &def, s)
            }))
        };
        sensitivity.push((format!("Every supplier by its {}", basis.label()), shares));
    }
    let mut per_institution = Vec::new();
    let mut pooled = None;
    if full && matches!(owner, Owner::Network(_)) {
        let mut pairs = Vec::new();
        for inst in &members {
            let own = match areas::current(c, Owner::Institution(inst.id))? {
                Some(d) => d,
                None => continue,
            };
            let own_def = own.to_definition();
            let own_names: Vec<String> = own.tiers.iter().map(|t| t.name.clone()).collect();
            // Its suppliers' places, as its own dashboard works them out
            // (once per definition version while the facts are unchanged).
            let own_places = snapshot.places(&own_def);
            // The cells come in institution order.
            let mine = cells
                .iter()
                .position(|x| x.institution_id == inst.id)
                .map_or(&cells[..0], |a| {
                    let n = cells[a..]
                        .iter()
                        .take_while(|x| x.institution_id == inst.id)
                        .count();
                    &cells[a..a + n]
                });
            let f = Figures::compute(mine, &own_names, influenceable, |s| {
                snapshot.place(&own_places, &own_def, s)
            });
            pairs.push((
                f.tiers.first().map_or(0, |t| t.cumulative_pence),
                f.influenceable_pence,
            ));
            per_institution.push((inst.clone(), f));
        }
        pooled = Some(pool(&pairs));
    }
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
            vat_basis: match vat_bases.len() {
                0 => "no lines".into(),
                1 => vat_bases[0].clone(),
                _ => format!("mixed ({})", vat_bases.join(", ")),
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
        owner,
        trend,
        baseline,
        targets,
        tables,
        sensitivity,
    })
}

fn f_top(q: &ReportQuery) -> usize {
    q.top
        .parse::<usize>()
        .ok()
        .filter(|n| (1..=100_000).contains(n))
        .unwrap_or(300)
}

fn pct(part: i64, whole: i64) -> String {
    percent_text(share_bp(part, whole))
}

fn plain_pct(part: i64, whole: i64) -> String {
    pct(part, whole).trim_end_matches('%').to_owned()
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
    page: PageContext,
    query: web::Query<ReportQuery>,
) -> AppResult<HttpResponse> {
    let q = query.into_inner();
    let (st, u, qq) = (state.clone(), user.clone(), q.clone());
    let (report, choices, networks) = state
        .db(move |c| {
            let report = compute(c, &st, &u, &qq, Detail::Page)?;
            let choices = institutions::list(c, u.institution_id)?;
            let nets = networks::visible_to(c, u.institution_id)?;
            Ok((report, choices, nets))
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
    let base = report.baseline.as_ref();
    let tiers = f
        .tiers
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let now_bp = share_bp(t.cumulative_pence, f.influenceable_pence);
            let (change_pp, change_pounds) = match base
                .and_then(|(_, b)| b.tiers.get(i).map(|bt| (bt, b.influenceable_pence)))
            {
                Some((bt, b_total)) => (
                    match (now_bp, share_bp(bt.cumulative_pence, b_total)) {
                        (Some(n), Some(o)) => {
                            let d = n - o;
                            format!(
                                "{}{}.{:02} pp",
                                if d < 0 { "-" } else { "+" },
                                d.abs() / 100,
                                d.abs() % 100
                            )
                        }
                        _ => "–".into(),
                    },
                    Pence(t.cumulative_pence - bt.cumulative_pence).to_string(),
                ),
                None => (String::new(), String::new()),
            };
            let target = report
                .targets
                .iter()
                .find(|(p, _)| *p as usize == i + 1)
                .map(|(_, bp)| *bp);
            (i, t, change_pp, change_pounds, target, now_bp)
        })
        .map(|(i, t, change_pp, change_pounds, target, now_bp)| TierRow {
            position: i + 1,
            change_pp,
            change_pounds,
            target: target
                .map(|bp| format!("{}.{:02}", bp / 100, bp % 100))
                .unwrap_or_default(),
            target_met: target.map(|bp| now_bp.unwrap_or(0) >= bp),
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
                e.payment_type.label().to_owned(),
                Pence(-e.pence).to_string(),
                e.lines,
                link(&format!("&payment_type={}", e.payment_type.code())),
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
        part: q.part.clone(),
        from: q.from.clone(),
        to: q.to.clone(),
        institution: q.institution.clone(),
        network: q.network.clone(),
        choices: choices.into_iter().map(|i| (i.id, i.name)).collect(),
        networks,
        query: q.query_string(),
        is_network: report.pooled.is_some(),
        baseline: report
            .baseline
            .as_ref()
            .map(|(y, _)| financial_year_label(*y)),
        baseline_year: report
            .baseline
            .as_ref()
            .map(|(y, _)| y.to_string())
            .unwrap_or_default(),
        tier_names: report
            .figures
            .tiers
            .iter()
            .map(|t| t.name.clone())
            .collect(),
        can_set_targets: matches!(
            user.role,
            crate::domain::Role::Manager | crate::domain::Role::Admin
        ),
        owner_kind: report.owner.parts().0.to_owned(),
        owner_id: report.owner.parts().1,
        tables: report.tables,
        sensitivity: report
            .sensitivity
            .iter()
            .map(|(label, shares)| {
                (
                    label.clone(),
                    shares.iter().map(|bp| percent_text(*bp)).collect(),
                )
            })
            .collect(),
    })
}

/// The first tier's share in each year, as an inline SVG column chart.
fn trend_chart(trend: &[(i32, Figures)]) -> String {
    if trend.is_empty() {
        return String::new();
    }
    let width = 60 * trend.len() + 40;
    let mut svg = format!(
        r#"<svg class="chart" role="img" aria-label="Local share of the innermost area by financial year" viewBox="0 0 {width} 200" width="100%" xmlns="http://www.w3.org/2000/svg"><line x1="30" y1="170" x2="{width}" y2="170" class="axis"/>"#
    );
    for (i, (year, f)) in trend.iter().enumerate() {
        let bp = f.share_bp(0).unwrap_or(0).clamp(0, 10_000);
        let h = bp * 150 / 10_000;
        let x = 40 + i * 60;
        svg.push_str(&format!(
            r#"<rect x="{x}" y="{}" width="36" height="{h}" class="bar"/><text x="{}" y="{}" class="chart-value" text-anchor="middle">{}</text><text x="{}" y="188" class="chart-label" text-anchor="middle">{}</text>"#,
            170 - h,
            x + 18,
            165 - h,
            percent_text(Some(bp)),
            x + 18,
            financial_year_label(*year)
        ));
    }
    svg.push_str("</svg>");
    svg
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
    let detail = match q.table.as_str() {
        "trend" => Detail::Trend,
        "department" | "expense_type" | "leakage_categories" => Detail::Categories,
        _ => Detail::Page,
    };
    let report = report_for(&state, &user, &q, detail).await?;
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
                    format!("less {}", e.payment_type.label()),
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
        "trend" => {
            let mut header = vec!["Financial year", "Influenceable spend (£)"];
            let names: Vec<String> = f
                .tiers
                .iter()
                .map(|t| format!("{} cumulative share (%)", t.name))
                .collect();
            header.extend(names.iter().map(String::as_str));
            header.push("Unknown (%)");
            let rows = report
                .trend
                .iter()
                .map(|(y, f)| {
                    let mut r = vec![
                        financial_year_label(*y),
                        Pence(f.influenceable_pence).plain(),
                    ];
                    r.extend(
                        f.tiers
                            .iter()
                            .map(|t| plain_pct(t.cumulative_pence, f.influenceable_pence)),
                    );
                    r.push(plain_pct(f.unknown_pence, f.influenceable_pence));
                    r
                })
                .collect();
            let body = stamped_csv(&report.stamp, &header, rows)?;
            return Ok(attachment(
                &format!(
                    "local-spend-trend-{}.csv",
                    crate::db::now().format("%Y%m%d-%H%M%S")
                ),
                body,
            ));
        }
        key if report.tables.iter().any(|t| t.key == key) => {
            let t = report
                .tables
                .iter()
                .find(|t| t.key == key)
                .ok_or(AppError::NotFound)?;
            let mut header = t.columns.clone();
            if header.first() == Some(&"") {
                header[0] = "Group";
            }
            header = header
                .into_iter()
                .map(|h| match h {
                    "Spend" => "Spend (£)",
                    "Share" => "Share (%)",
                    other => other,
                })
                .collect();
            let body = stamped_csv(&report.stamp, &header, t.plain.clone())?;
            return Ok(attachment(
                &format!(
                    "local-spend-{key}-{}.csv",
                    crate::db::now().format("%Y%m%d-%H%M%S")
                ),
                body,
            ));
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

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct TargetsForm {
    owner_kind: String,
    owner_id: String,
    fy: String,
    back: String,
}

/// Saves a year's targets for an institution or network. Managers and
/// admins covering it may set them; an empty box removes the target.
pub async fn set_targets(
    state: web::Data<AppState>,
    user: CurrentUser,
    form: crate::auth::CsrfForm<TargetsForm>,
) -> AppResult<HttpResponse> {
    user.require_any_of(&[crate::domain::Role::Manager, crate::domain::Role::Admin])?;
    let d = &form.data;
    let id: i64 = d
        .owner_id
        .parse()
        .map_err(|_| AppError::BadRequest("No institution or network given.".into()))?;
    let fy: i32 =
        d.fy.parse()
            .map_err(|_| AppError::BadRequest("No financial year given.".into()))?;
    let owner = match d.owner_kind.as_str() {
        "institution" => Owner::Institution(id),
        "network" => Owner::Network(id),
        _ => {
            return Err(AppError::BadRequest(
                "No institution or network given.".into(),
            ))
        }
    };
    let mut targets = Vec::new();
    for (name, value) in &form.pairs {
        let Some(position) = name
            .strip_prefix("target_")
            .and_then(|p| p.parse::<i32>().ok())
        else {
            continue;
        };
        let value = value.trim().trim_end_matches('%');
        if value.is_empty() {
            continue;
        }
        // Percent with up to two decimals, read exactly (as money reads pence).
        let bp = Pence::parse(value)
            .ok()
            .filter(|p| (0..=10_000).contains(&p.0))
            .ok_or_else(|| {
                AppError::BadRequest(format!(
                    "Target `{value}` is not a percentage between 0 and 100."
                ))
            })?;
        targets.push((position, bp.0));
    }
    let (actor, u) = (user.actor(), user.clone());
    state
        .db(move |c| {
            match owner {
                Owner::Institution(i) => {
                    if !u.covers_institution(Some(i)) {
                        return Err(AppError::Forbidden);
                    }
                    institutions::get(c, i)?;
                }
                Owner::Network(n) => {
                    let net = networks::get(c, n)?;
                    if !networks::open_to(&net.member_ids, u.institution_id) {
                        return Err(AppError::Forbidden);
                    }
                }
            }
            Ok(report::set_targets(c, &actor, owner, fy, &targets)?)
        })
        .await?;
    let back = if d.back.is_empty() {
        String::new()
    } else {
        format!("?{}", d.back)
    };
    Ok(super::redirect_with_flash(
        &state,
        &format!("/reports{back}"),
        &format!("Saved the targets for {}.", financial_year_label(fy)),
    ))
}

/// Spend by department and expense type, and the expense types whose
/// spend leaves the innermost area.
pub async fn categories(
    state: web::Data<AppState>,
    user: CurrentUser,
    page: PageContext,
    query: web::Query<ReportQuery>,
) -> AppResult<HttpResponse> {
    let q = query.into_inner();
    let report = report_for(&state, &user, &q, Detail::Categories).await?;
    html(&crate::views::reports::CategoriesPage {
        layout: Layout::new(
            format!("Departments and expense types: {}", report.stamp.scope_name),
            Some(&user),
            &page,
        ),
        stamp: report.stamp.rows(),
        tables: report.tables,
        query: q.query_string(),
    })
}

/// Each headline figure across every financial year on record, under the
/// report's definition: a chart and a table.
pub async fn trend(
    state: web::Data<AppState>,
    user: CurrentUser,
    page: PageContext,
    query: web::Query<ReportQuery>,
) -> AppResult<HttpResponse> {
    let q = query.into_inner();
    let report = report_for(&state, &user, &q, Detail::Trend).await?;
    html(&crate::views::reports::TrendPage {
        layout: Layout::new(
            format!("Year on year: {}", report.stamp.scope_name),
            Some(&user),
            &page,
        ),
        stamp: report.stamp.rows(),
        chart: trend_chart(&report.trend),
        tier_names: report
            .figures
            .tiers
            .iter()
            .map(|t| t.name.clone())
            .collect(),
        rows: report
            .trend
            .iter()
            .map(|(y, f)| {
                (
                    financial_year_label(*y),
                    f.tiers
                        .iter()
                        .map(|t| percent_text(share_bp(t.cumulative_pence, f.influenceable_pence)))
                        .collect(),
                    percent_text(share_bp(f.unknown_pence, f.influenceable_pence)),
                    Pence(f.influenceable_pence).to_string(),
                )
            })
            .collect(),
        query: q.query_string(),
    })
}
