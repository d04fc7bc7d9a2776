//! Published figures: the admin pages that keep them, and the marks a
//! report shows beside its own figures with the definitions compared.

use askama::Template;

use super::{FormErrors, Layout};
use crate::domain::benchmarks::{Benchmark, BenchmarkFields, BenchmarkMeasure, Mark};
use crate::domain::figures::percent_text;
use crate::domain::money::Pence;
use crate::reporting::measures::Measure;
use crate::reporting::Report;

/// One published figure beside the report's own.
pub struct Comparison {
    /// `R1`…: its key on the trend chart.
    pub key: String,
    pub label: String,
    pub period: String,
    pub measure: &'static str,
    pub published: String,
    pub here: String,
    /// Points between the report's figure and the published one.
    pub gap: String,
    pub definition: String,
    pub here_definition: String,
    pub source: String,
}

/// The report's figure for what a mark measures, and how the report
/// defines it, in words.
fn own_figure(report: &Report, m: BenchmarkMeasure, top: Option<&str>) -> (Option<i64>, String) {
    let tier = |i: usize| {
        report
            .figures
            .tiers
            .get(i)
            .map_or_else(|| "no such tier".to_owned(), |t| t.name.clone())
    };
    let suppliers = top.map_or_else(
        || "all suppliers".to_owned(),
        |n| format!("the top {n} suppliers only"),
    );
    match m {
        BenchmarkMeasure::Local => (
            report.figures.share_bp(0),
            format!("suppliers in {} (tier 1), {suppliers}", tier(0)),
        ),
        BenchmarkMeasure::Wider => (
            report.figures.share_bp(1),
            format!("suppliers in {} (tier 2, cumulative), {suppliers}", tier(1)),
        ),
        BenchmarkMeasure::Sme => (
            crate::domain::figures::share_bp(report.measures.sme, report.measures.influenceable),
            format!("SMEs anywhere, by the register's size bands, {suppliers}"),
        ),
        BenchmarkMeasure::LocalSme => (
            report.measures.share_bp(Measure::LocalSme),
            format!("SMEs in {} (tier 1), {suppliers}", tier(0)),
        ),
    }
}

/// The marks beside a report: each with the report's own figure, the gap in
/// points, and both definitions spelt out.
pub fn comparisons(report: &Report, marks: &[Mark], top: Option<&str>) -> Vec<Comparison> {
    marks
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let (here, here_definition) = own_figure(report, m.measure, top);
            Comparison {
                key: format!("R{}", i + 1),
                label: m.label.clone(),
                period: m.period.clone(),
                measure: m.measure.label(),
                published: percent_text(Some(m.share_bp)),
                here: percent_text(here),
                gap: here.map_or_else(String::new, |h| points(h - m.share_bp)),
                definition: m.definition.clone(),
                here_definition,
                source: m.source.clone(),
            }
        })
        .collect()
}

/// `+3.20 points`, `-0.50 points`.
fn points(bp: i64) -> String {
    let sign = if bp < 0 { "-" } else { "+" };
    format!("{sign}{}.{:02} points", bp.abs() / 100, bp.abs() % 100)
}

/// Horizontal marks of the local-share figures on the trend chart's scale
/// (150 px for 100%), as SVG lines keyed `R1`…, for a chart `width` wide.
pub fn chart_marks(comparisons: &[Comparison], marks: &[Mark], width: usize) -> String {
    let mut local: Vec<(i64, &Comparison)> = comparisons
        .iter()
        .zip(marks)
        .filter(|(_, m)| m.measure == BenchmarkMeasure::Local)
        .map(|(c, m)| (170 - m.share_bp.clamp(0, 10_000) * 150 / 10_000, c))
        .collect();
    local.sort_by_key(|(y, _)| *y);
    let mut svg = String::new();
    // Keys of marks close in value are pushed apart to stay readable.
    let mut last_key_y = i64::MIN;
    for (y, c) in local {
        let ty = (y + 4).max(last_key_y.saturating_add(13));
        last_key_y = ty;
        svg.push_str(&format!(
            r#"<line x1="30" y1="{y}" x2="{x2}" y2="{y}" class="mark"><title>{key}: {label}, {share}</title></line><text x="{tx}" y="{ty}" class="chart-label">{key}</text>"#,
            x2 = width - 34,
            tx = width - 30,
            key = c.key,
            label = escape_xml(&c.label),
            share = c.published,
        ));
    }
    svg
}

/// Text made safe inside SVG markup.
pub(super) fn escape_xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The admin list: every figure, and the marks reports show from them.
#[derive(Template)]
#[template(path = "admin/reference_figures.html")]
pub struct ReferenceFiguresPage {
    pub layout: Layout,
    /// (collection, its figures: id, label, period, measure, share, spend, local, definition, version)
    pub collections: Vec<(String, Vec<FigureRow>)>,
    /// (label, period, measure, share)
    pub marks: Vec<(String, String, &'static str, String)>,
}

pub struct FigureRow {
    pub id: i64,
    pub label: String,
    pub period: String,
    pub measure: &'static str,
    pub share: String,
    pub spend: String,
    pub local: String,
    pub definition: String,
    pub source: String,
    pub version: i64,
}

impl ReferenceFiguresPage {
    pub fn new(layout: Layout, marks: Vec<Mark>, all: Vec<Benchmark>) -> Self {
        let mut collections: Vec<(String, Vec<FigureRow>)> = Vec::new();
        for b in all {
            let row = FigureRow {
                id: b.id,
                label: b.label,
                period: b.period,
                measure: b.measure.label(),
                share: percent_text(Some(b.share_bp)),
                spend: b
                    .spend_pence
                    .map(|p| Pence(p).to_string())
                    .unwrap_or_default(),
                local: b
                    .local_pence
                    .map(|p| Pence(p).to_string())
                    .unwrap_or_default(),
                definition: b.definition,
                source: b.source,
                version: b.version,
            };
            match collections.iter_mut().find(|(c, _)| *c == b.collection) {
                Some((_, rows)) => rows.push(row),
                None => collections.push((b.collection, vec![row])),
            }
        }
        Self {
            layout,
            collections,
            marks: marks
                .into_iter()
                .map(|m| {
                    (
                        m.label,
                        m.period,
                        m.measure.label(),
                        percent_text(Some(m.share_bp)),
                    )
                })
                .collect(),
        }
    }
}

#[derive(Template)]
#[template(path = "admin/reference_figure_form.html")]
pub struct ReferenceFigureForm {
    pub layout: Layout,
    pub id: Option<i64>,
    pub version: i64,
    pub fields: BenchmarkFields,
    pub errors: FormErrors,
}

impl ReferenceFigureForm {
    pub fn measures(&self) -> Vec<(&'static str, &'static str, bool)> {
        BenchmarkMeasure::ALL
            .iter()
            .map(|m| (m.code(), m.label(), self.fields.measure == m.code()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mark(bp: i64) -> (Comparison, Mark) {
        let c = Comparison {
            key: format!("R{bp}"),
            label: "A & B".into(),
            period: String::new(),
            measure: "",
            published: percent_text(Some(bp)),
            here: String::new(),
            gap: String::new(),
            definition: String::new(),
            here_definition: String::new(),
            source: String::new(),
        };
        let m = Mark {
            label: String::new(),
            measure: BenchmarkMeasure::Local,
            period: String::new(),
            share_bp: bp,
            source: String::new(),
            definition: String::new(),
        };
        (c, m)
    }

    #[test]
    fn marks_close_in_value_keep_their_keys_apart() {
        let (cs, ms): (Vec<_>, Vec<_>) = [mark(5150), mark(5379), mark(500)].into_iter().unzip();
        let svg = chart_marks(&cs, &ms, 400);
        let key_y = |key: &str| -> i64 {
            let at = svg.find(&format!(">{key}</text>")).unwrap();
            let head = &svg[..at];
            let y = head.rfind("y=\"").unwrap();
            head[y + 3..].split('"').next().unwrap().parse().unwrap()
        };
        // 53.79% sits 3 px above 51.5%: its key stays put, the other's moves down.
        assert!(key_y("R5150") - key_y("R5379") >= 13, "{svg}");
        assert!(svg.contains("<title>R500: A &amp; B, 5.00%</title>"));
        assert_eq!(svg.matches("class=\"mark\"").count(), 3);
    }
}
