//! Report pages.

use askama::Template;

use super::references::{chart_marks, comparisons};
use super::{url_encode, Layout};
use crate::domain::benchmarks::Mark;
use crate::domain::figures::{percent_text, share_bp, Figures};
use crate::domain::money::Pence;
use crate::domain::period::financial_year_label;
use crate::reporting::{summary, Report, ReportQuery};

pub struct TierRow {
    pub position: usize,
    pub name: String,
    /// Change against the baseline year: percentage points and £.
    pub change_pp: String,
    pub change_pounds: String,
    /// The target for the year (percent, as typed in the form) and whether it is met.
    pub target: String,
    pub target_met: Option<bool>,
    pub cumulative: String,
    pub cumulative_share: String,
    pub exclusive: String,
    pub exclusive_share: String,
    pub suppliers: usize,
    pub supplier_share: String,
    pub link: String,
}

pub struct InstitutionRow {
    pub name: String,
    pub influenceable: String,
    pub local: String,
    pub share: String,
    pub tier_name: String,
}

#[derive(Template)]
#[template(path = "reports/dashboard.html")]
pub struct ReportPage {
    pub layout: Layout,
    pub stamp: Vec<(String, String)>,
    pub chart: String,
    pub total: String,
    pub total_lines: i64,
    /// (payment type, minus amount, lines, link to the lines)
    pub exclusions: Vec<(String, String, i64, String)>,
    pub influenceable: String,
    pub located: String,
    pub rest_of_uk: String,
    pub rest_share: String,
    pub outside_uk: String,
    pub outside_share: String,
    pub unknown: String,
    pub unknown_share: String,
    pub unknown_reasons: Vec<(String, String)>,
    pub unknown_link: String,
    pub suppliers: usize,
    pub tiers: Vec<TierRow>,
    pub institutions: Vec<InstitutionRow>,
    /// (pooled share, unweighted mean, pooled local £, pooled influenceable £)
    pub pooled: Option<(String, String, String, String)>,
    pub years: Vec<(i32, String)>,
    pub fy: Option<i32>,
    pub part: String,
    pub from: String,
    pub to: String,
    pub scope: ScopeOptions,
    pub query: String,
    pub is_network: bool,
    pub baseline: Option<String>,
    pub baseline_year: String,
    pub tier_names: Vec<String>,
    pub tables: Vec<crate::reporting::Table>,
    pub can_set_targets: bool,
    /// (basis, cumulative share per tier)
    pub sensitivity: Vec<(String, Vec<String>)>,
    pub owner_kind: String,
    pub owner_id: i64,
    pub targets_version: i64,
    /// "60.90% of … went to suppliers in Preston …".
    pub headline: Option<String>,
    /// Published figures beside the report's own.
    pub comparisons: Vec<super::references::Comparison>,
    /// Said when the location of more than a tenth of the spend is unknown.
    pub coverage_warning: Option<String>,
    /// The scope's first month of the financial year, 0-based (none when
    /// a network's members differ).
    pub year_start: Option<usize>,
    /// A refused targets form: what was typed in each box, and each box's
    /// error (field, message).
    pub typed_targets: Vec<(String, String)>,
    pub target_errors: Vec<(String, String)>,
    pub cards: Vec<Card>,
    /// The targets form's local SME and VCSE boxes: (field, label, value).
    pub measure_targets: Vec<(String, String, String)>,
    /// The headline counts only the top N suppliers.
    pub top_only: bool,
    pub top_n: String,
}

/// A headline measure's card.
pub struct Card {
    pub label: String,
    pub share: String,
    pub pounds: String,
    /// "+3.20 pp on 2023/24"; empty without a baseline.
    pub change: String,
    pub target: String,
    pub target_met: Option<bool>,
    /// A network's unweighted mean of its members' shares.
    pub mean: Option<String>,
}

fn cards(report: &Report) -> (Vec<Card>, Vec<(String, String, String)>) {
    use crate::reporting::measures::Measure;
    let base = report.baseline.as_ref().map(|b| b.label.clone());
    let lines = summary::measures(report);
    let target_text = |bp: Option<i64>| {
        bp.map(|bp| format!("{}.{:02}", bp / 100, bp % 100))
            .unwrap_or_default()
    };
    let boxes = lines
        .iter()
        .filter(|l| matches!(l.measure, Measure::LocalSme | Measure::LocalVcse))
        .map(|l| {
            (
                format!("target_{}", l.measure.code()),
                format!("Target {} (%)", l.label.to_lowercase()),
                target_text(l.target_bp),
            )
        })
        .collect();
    let cards = lines
        .into_iter()
        .map(|l| Card {
            share: percent_text(l.share_bp),
            pounds: Pence(l.pence).to_string(),
            change: match (&base, l.change_bp) {
                (Some(b), Some(d)) => format!("{} on {b}", summary::points_text(d)),
                _ => String::new(),
            },
            target: target_text(l.target_bp),
            target_met: l.target_met(),
            mean: l.mean_bp.map(percent_text),
            label: l.label,
        })
        .collect();
    (cards, boxes)
}

impl ReportPage {
    pub fn is_year(&self, year: &i32) -> bool {
        self.fy == Some(*year)
    }

    /// The parts of a year the period picker offers, named from the
    /// scope's first month of the year (a network whose members' years
    /// start in different months offers the whole year only).
    pub fn parts(&self) -> Vec<(String, String)> {
        let mut out = vec![(String::new(), "Whole year".to_owned())];
        let Some(start) = self.year_start else {
            return out;
        };
        let month = |i: usize| crate::domain::MONTHS[(start + i) % 12];
        out.extend((0..4).map(|q| {
            (
                format!("q{}", q + 1),
                format!("Q{} ({}–{})", q + 1, month(3 * q), month(3 * q + 2)),
            )
        }));
        out.extend((0..12).map(|i| (format!("m{}", i + 1), month(i).to_owned())));
        out
    }

    pub fn is_baseline(&self, code: &str) -> bool {
        self.baseline_year == code
    }

    /// What the report may be compared with: each year, and the mean of the
    /// three years before the year shown, and of all of them.
    pub fn baseline_choices(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = self
            .years
            .iter()
            .map(|(y, label)| (y.to_string(), label.clone()))
            .collect();
        let earlier: Vec<i32> = self
            .years
            .iter()
            .map(|(y, _)| *y)
            .filter(|y| self.fy.is_none_or(|f| *y < f))
            .collect();
        let mut spans = Vec::new();
        if earlier.len() >= 3 {
            spans.push(earlier[..3].to_vec());
        }
        if earlier.len() > 3 {
            spans.push(earlier.clone());
        }
        for span in spans {
            let (newest, oldest) = (span[0], span[span.len() - 1]);
            let mut years = span.clone();
            years.sort_unstable();
            out.push((
                format!("{oldest}-{newest}"),
                crate::reporting::measures::baseline_label(&years),
            ));
        }
        out
    }
}

#[derive(Template)]
#[template(path = "reports/categories.html")]
pub struct CategoriesPage {
    pub layout: Layout,
    pub stamp: Vec<(String, String)>,
    pub tables: Vec<crate::reporting::Table>,
    pub query: String,
    /// The tables are members' own structure, withheld from other members.
    pub withheld: bool,
}

#[derive(Template)]
#[template(path = "reports/trend.html")]
pub struct TrendPage {
    pub layout: Layout,
    pub stamp: Vec<(String, String)>,
    pub chart: String,
    pub tier_names: Vec<String>,
    /// (year label, cumulative share per tier, unknown share, influenceable £)
    pub rows: Vec<(String, Vec<String>, String, String)>,
    /// The other headline measures' names, and each year's shares of them.
    pub measure_names: Vec<String>,
    pub measure_rows: Vec<(String, Vec<String>)>,
    pub comparisons: Vec<super::references::Comparison>,
    pub query: String,
}

impl ReportPage {
    /// The dashboard again after a refused targets form: what was typed is
    /// kept and each error is at its box.
    pub fn with_target_errors(
        mut self,
        typed: Vec<(String, String)>,
        errors: Vec<(String, String)>,
    ) -> Self {
        self.layout = self.layout.failed();
        self.typed_targets = typed;
        self.target_errors = errors;
        self
    }

    /// A target box's value: as typed in a refused form, else as saved.
    pub fn box_value(&self, field: &str, saved: &str) -> String {
        self.typed_targets
            .iter()
            .find(|(f, _)| f == field)
            .map_or_else(|| saved.to_owned(), |(_, v)| v.clone())
    }

    pub fn box_error(&self, field: &str) -> Option<&str> {
        self.target_errors
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    }

    /// The tier box's field name.
    pub fn tier_field(&self, position: &usize) -> String {
        format!("target_{position}")
    }
}

/// What the dashboard's pickers offer the viewer.
pub struct DashboardChoices {
    pub institutions: Vec<(i64, String)>,
    pub networks: Vec<(i64, String)>,
}

impl DashboardChoices {
    /// The one "Report on" list, with the scope reported on selected: an
    /// institution or a network, never both.
    pub fn options(self, owner: crate::db::areas::Owner) -> ScopeOptions {
        use crate::db::areas::Owner;
        let option = |kind: &str, chosen: bool, (id, name): (i64, String)| ScopeOption {
            value: format!("{kind}-{id}"),
            name,
            selected: chosen,
        };
        ScopeOptions {
            institutions: (self.institutions.into_iter())
                .map(|i| option("institution", owner == Owner::Institution(i.0), i))
                .collect(),
            networks: (self.networks.into_iter())
                .map(|n| option("network", owner == Owner::Network(n.0), n))
                .collect(),
        }
    }
}

/// The "Report on" list: the institutions, then the networks the viewer may
/// report on.
pub struct ScopeOptions {
    pub institutions: Vec<ScopeOption>,
    pub networks: Vec<ScopeOption>,
}

/// One entry of the "Report on" list.
pub struct ScopeOption {
    /// `institution-3` or `network-2`.
    pub value: String,
    pub name: String,
    pub selected: bool,
}

impl ReportPage {
    /// The dashboard of a computed report, as asked for by `q`.
    pub fn new(
        layout: Layout,
        mut report: Report,
        q: &ReportQuery,
        choices: DashboardChoices,
        can_set_targets: bool,
        marks: &[Mark],
    ) -> Self {
        let tables = std::mem::take(&mut report.tables);
        let f = &report.figures;
        let link = ledger_link(&report);
        let tiers = tier_rows(&report, &link);
        let institutions = summary::members(&report)
            .into_iter()
            .map(|m| InstitutionRow {
                name: m.name,
                influenceable: Pence(m.influenceable_pence).to_string(),
                local: Pence(m.local_pence).to_string(),
                share: percent_text(m.share_bp),
                tier_name: m.tier_name,
            })
            .collect();
        let exclusions = summary::reconciliation(f)
            .into_iter()
            .filter_map(|s| {
                let t = s.excluded?;
                Some((
                    t.label().to_owned(),
                    Pence(s.pence).to_string(),
                    s.lines.unwrap_or(0),
                    link(&format!("&payment_type={}", t.code())),
                ))
            })
            .collect();
        let share = |p: i64| percent_text(share_bp(p, f.influenceable_pence));
        let (cards, measure_targets) = cards(&report);
        Self {
            headline: summary::headline_sentence(&report),
            comparisons: comparisons(&report, marks, top_of(q)),
            coverage_warning: coverage_warning(f),
            year_start: year_start(&report),
            typed_targets: Vec::new(),
            target_errors: Vec::new(),
            top_only: q.scope == "top",
            top_n: if q.top.is_empty() { "300" } else { &q.top }.to_owned(),
            cards,
            measure_targets,
            stamp: report.stamp.rows(),
            chart: chart(f),
            total: Pence(f.total_pence).to_string(),
            total_lines: f.total_lines,
            exclusions,
            influenceable: Pence(f.influenceable_pence).to_string(),
            located: Pence(f.located_pence).to_string(),
            rest_of_uk: Pence(f.rest_of_uk_pence).to_string(),
            rest_share: share(f.rest_of_uk_pence),
            outside_uk: Pence(f.outside_uk_pence).to_string(),
            outside_share: share(f.outside_uk_pence),
            unknown: Pence(f.unknown_pence).to_string(),
            unknown_share: share(f.unknown_pence),
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
            scope: choices.options(report.owner),
            query: query_string(q),
            is_network: report.pooled.is_some(),
            baseline: report.baseline.as_ref().map(|b| b.label.clone()),
            baseline_year: report.baseline.as_ref().map_or_else(String::new, |b| {
                match b.years.as_slice() {
                    [y] => y.to_string(),
                    [a, .., z] => format!("{a}-{z}"),
                    [] => String::new(),
                }
            }),
            tier_names: f.tiers.iter().map(|t| t.name.clone()).collect(),
            can_set_targets,
            owner_kind: report.owner.parts().0.to_owned(),
            owner_id: report.owner.parts().1,
            targets_version: report.targets_version,
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
            tables,
            layout,
        }
    }
}

impl CategoriesPage {
    pub fn new(layout: Layout, report: Report, q: &ReportQuery) -> Self {
        Self {
            layout,
            stamp: report.stamp.rows(),
            withheld: report.access != crate::domain::account::NetworkAccess::Lines,
            tables: report.tables,
            query: query_string(q),
        }
    }
}

impl TrendPage {
    pub fn new(layout: Layout, report: &Report, q: &ReportQuery, marks: &[Mark]) -> Self {
        let comparisons = comparisons(report, marks, top_of(q));
        use crate::reporting::measures::Measure;
        let years = summary::years(report);
        let local = report.figures.tiers.first().map_or("", |t| t.name.as_str());
        Self {
            layout,
            stamp: report.stamp.rows(),
            chart: trend_chart(
                &report.trend,
                &chart_marks(&comparisons, marks, trend_width(report.trend.len())),
            ),
            comparisons,
            tier_names: report
                .figures
                .tiers
                .iter()
                .map(|t| t.name.clone())
                .collect(),
            rows: years
                .iter()
                .map(|y| {
                    (
                        y.label.clone(),
                        y.shares.iter().map(|s| percent_text(*s)).collect(),
                        percent_text(y.unknown_bp),
                        Pence(y.influenceable_pence).to_string(),
                    )
                })
                .collect(),
            measure_names: Measure::ALL
                .iter()
                .skip(1)
                .map(|m| m.label(local))
                .collect(),
            measure_rows: years
                .iter()
                .map(|y| {
                    (
                        y.label.clone(),
                        y.measures
                            .iter()
                            .skip(1)
                            .map(|s| percent_text(*s))
                            .collect(),
                    )
                })
                .collect(),
            query: query_string(q),
        }
    }
}

/// The headline's rows as the dashboard shows them.
fn tier_rows(report: &Report, link: &impl Fn(&str) -> String) -> Vec<TierRow> {
    summary::tiers(report)
        .into_iter()
        .map(|t| TierRow {
            position: t.position,
            change_pp: t
                .change
                .map(|(pp, _)| summary::points_text(pp))
                .unwrap_or_default(),
            change_pounds: t
                .change
                .map(|(_, pounds)| Pence(pounds).to_string())
                .unwrap_or_default(),
            target: t
                .target_bp
                .map(|bp| format!("{}.{:02}", bp / 100, bp % 100))
                .unwrap_or_default(),
            target_met: t.target_met(),
            cumulative: Pence(t.cumulative_pence).to_string(),
            cumulative_share: percent_text(t.cumulative_bp),
            exclusive: Pence(t.exclusive_pence).to_string(),
            exclusive_share: percent_text(t.exclusive_bp),
            suppliers: t.suppliers,
            supplier_share: percent_text(t.supplier_bp),
            link: link(&format!("&tier={}", t.position)),
            name: t.name,
        })
        .collect()
}

/// The query string that asks for the same report again.
pub fn query_string(q: &ReportQuery) -> String {
    q.pairs()
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", url_encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// A link to the ledger lines behind a figure: the report's dates (and its
/// institution, for a single one) with `extra` filters.
fn ledger_link(report: &Report) -> impl Fn(&str) -> String + '_ {
    move |extra: &str| {
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
    }
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
        let escaped = super::references::escape_xml(name);
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

/// The first tier's share in each year, as an inline SVG column chart.
fn trend_chart(
    trend: &[(i32, (Figures, crate::reporting::measures::Measures))],
    marks: &str,
) -> String {
    if trend.is_empty() {
        return String::new();
    }
    let width = trend_width(trend.len());
    let mut svg = format!(
        r#"<svg class="chart" role="img" aria-label="Local share of the innermost area by financial year" viewBox="0 0 {width} 200" width="100%" xmlns="http://www.w3.org/2000/svg"><line x1="30" y1="170" x2="{width}" y2="170" class="axis"/>"#
    );
    for (i, (year, (f, _))) in trend.iter().enumerate() {
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
    svg.push_str(marks);
    svg.push_str("</svg>");
    svg
}

/// The trend chart's width: a column per year and room for the marks' keys.
fn trend_width(years: usize) -> usize {
    60 * years + 80
}

/// The top N the report is restricted to, if it is.
fn top_of(q: &ReportQuery) -> Option<&str> {
    (q.scope == "top").then_some(if q.top.is_empty() {
        "300"
    } else {
        q.top.as_str()
    })
}

/// "The location of 12.40% of influenceable spend (£4,100.00) is unknown …",
/// when more than 10% is.
fn coverage_warning(f: &Figures) -> Option<String> {
    let bp = share_bp(f.unknown_pence, f.influenceable_pence)?;
    (bp > 1_000).then(|| {
        format!(
            "The location of {} of influenceable spend ({}) is unknown, so every local share here may be understated.",
            percent_text(Some(bp)),
            Pence(f.unknown_pence)
        )
    })
}

/// The first month (0-based) the scope's members all start their year in.
fn year_start(report: &Report) -> Option<usize> {
    let mut months = report.stamp.institutions.iter().map(|i| i.fy_start_month);
    let first = months.next().unwrap_or(4);
    months
        .all(|m| m == first)
        .then(|| usize::try_from(first - 1).unwrap_or(3) % 12)
}
