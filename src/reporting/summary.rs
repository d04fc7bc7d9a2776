//! The report's own tables — the headline by tier, the reconciliation from
//! total to influenceable spend, the institutions side by side and the year
//! on year — each built once as a value that both the page and its CSV are
//! made from.

use crate::domain::figures::{percent_text, share_bp, Figures};
use crate::domain::money::Pence;
use crate::domain::period::financial_year_label;
use crate::domain::spend::PaymentType;

use super::Report;

/// One tier of the headline: cumulative (the tier and every tier inside it)
/// and exclusive, with the change on the baseline and the year's target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TierLine {
    /// From 1, innermost first.
    pub position: usize,
    pub name: String,
    pub cumulative_pence: i64,
    pub cumulative_bp: Option<i64>,
    pub exclusive_pence: i64,
    pub exclusive_bp: Option<i64>,
    pub suppliers: usize,
    pub supplier_bp: Option<i64>,
    /// Against the baseline year: the change in the share (basis points,
    /// `None` where either share is undefined) and in pounds.
    pub change: Option<(Option<i64>, i64)>,
    /// The year's target, in basis points.
    pub target_bp: Option<i64>,
}

impl TierLine {
    /// Whether the target is met (`None` without a target).
    pub fn target_met(&self) -> Option<bool> {
        self.target_bp
            .map(|bp| self.cumulative_bp.unwrap_or(0) >= bp)
    }
}

/// The headline's rows, one per tier.
pub fn tiers(report: &Report) -> Vec<TierLine> {
    let f = &report.figures;
    let base = report.baseline.as_ref();
    f.tiers
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let cumulative_bp = share_bp(t.cumulative_pence, f.influenceable_pence);
            let change = base.and_then(|b| {
                let pence = b.tier_pence(i)?;
                let pp = cumulative_bp
                    .zip(b.tier_share_bp(i))
                    .map(|(now, then)| now - then);
                Some((pp, t.cumulative_pence - pence))
            });
            TierLine {
                position: i + 1,
                name: t.name.clone(),
                cumulative_pence: t.cumulative_pence,
                cumulative_bp,
                exclusive_pence: t.exclusive_pence,
                exclusive_bp: share_bp(t.exclusive_pence, f.influenceable_pence),
                suppliers: t.cumulative_suppliers,
                supplier_bp: share_bp(t.cumulative_suppliers as i64, f.suppliers as i64),
                change,
                target_bp: report
                    .targets
                    .iter()
                    .find(|(p, _)| *p as usize == i + 1)
                    .map(|(_, bp)| *bp),
            }
        })
        .collect()
}

/// `+3.20 pp` from a change in basis points.
pub fn points_text(bp: Option<i64>) -> String {
    match bp {
        Some(d) => format!(
            "{}{}.{:02} pp",
            if d < 0 { "-" } else { "+" },
            d.abs() / 100,
            d.abs() % 100
        ),
        None => "–".into(),
    }
}

/// A share as a plain number for CSV: `61.73`.
pub fn plain_share(bp: Option<i64>) -> String {
    percent_text(bp).trim_end_matches('%').to_owned()
}

/// One step of the reconciliation from total spend to influenceable spend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub label: String,
    pub pence: i64,
    pub lines: Option<i64>,
    /// For an excluded payment type: which, so the page can link its lines.
    pub excluded: Option<PaymentType>,
}

/// Total spend, less each excluded payment type, to influenceable spend,
/// and how much of that is located.
pub fn reconciliation(f: &Figures) -> Vec<Step> {
    let step = |label: &str, pence: i64, lines: Option<i64>| Step {
        label: label.to_owned(),
        pence,
        lines,
        excluded: None,
    };
    let mut steps = vec![step("Total spend", f.total_pence, Some(f.total_lines))];
    steps.extend(f.excluded.iter().map(|e| Step {
        label: format!("less {}", e.payment_type.label()),
        pence: -e.pence,
        lines: Some(e.lines),
        excluded: Some(e.payment_type),
    }));
    steps.push(step(
        "Influenceable spend",
        f.influenceable_pence,
        Some(f.influenceable_lines),
    ));
    steps.push(step("of which supplier located", f.located_pence, None));
    steps.push(step("of which location unknown", f.unknown_pence, None));
    steps
}

/// One member of a network, under its own definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberLine {
    pub name: String,
    /// Its own innermost tier.
    pub tier_name: String,
    pub influenceable_pence: i64,
    pub local_pence: i64,
    pub share_bp: Option<i64>,
}

/// A network's members side by side.
pub fn members(report: &Report) -> Vec<MemberLine> {
    report
        .per_institution
        .iter()
        .map(|(i, f)| MemberLine {
            name: i.name.clone(),
            tier_name: f.tiers.first().map_or(String::new(), |t| t.name.clone()),
            influenceable_pence: f.influenceable_pence,
            local_pence: f.tiers.first().map_or(0, |t| t.cumulative_pence),
            share_bp: f.share_bp(0),
        })
        .collect()
}

/// One financial year of the trend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YearLine {
    pub label: String,
    pub influenceable_pence: i64,
    /// Each tier's cumulative share.
    pub shares: Vec<Option<i64>>,
    pub unknown_bp: Option<i64>,
    /// Each headline measure's share, in the order of
    /// [`super::measures::Measure::ALL`].
    pub measures: Vec<Option<i64>>,
}

/// Each financial year on record, oldest first.
pub fn years(report: &Report) -> Vec<YearLine> {
    report
        .trend
        .iter()
        .map(|(y, (f, m))| YearLine {
            label: financial_year_label(*y),
            measures: super::measures::Measure::ALL
                .iter()
                .map(|x| m.share_bp(*x))
                .collect(),
            influenceable_pence: f.influenceable_pence,
            shares: f
                .tiers
                .iter()
                .map(|t| share_bp(t.cumulative_pence, f.influenceable_pence))
                .collect(),
            unknown_bp: share_bp(f.unknown_pence, f.influenceable_pence),
        })
        .collect()
}

/// Pounds as a plain number for CSV.
pub fn plain_pounds(pence: i64) -> String {
    Pence(pence).plain()
}

/// One headline measure as the dashboard's card and the `measures` CSV
/// give it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeasureLine {
    pub measure: super::measures::Measure,
    pub label: String,
    pub pence: i64,
    pub share_bp: Option<i64>,
    /// Against the baseline, in basis points (`None` without a baseline;
    /// `Some(None)` where either share is undefined).
    pub change_bp: Option<Option<i64>>,
    pub target_bp: Option<i64>,
    /// A network's: the unweighted mean of its members' shares (each under
    /// its own definition), beside the pooled share.
    pub mean_bp: Option<Option<i64>>,
}

impl MeasureLine {
    pub fn target_met(&self) -> Option<bool> {
        self.target_bp.map(|t| self.share_bp.unwrap_or(0) >= t)
    }
}

/// The headline measures: local share, local SME and VCSE shares, and the
/// shares with suppliers in the most deprived neighbourhoods.
pub fn measures(report: &Report) -> Vec<MeasureLine> {
    use super::measures::{mean_bp, Measure};
    let local = report
        .figures
        .tiers
        .first()
        .map_or("the local area", |t| t.name.as_str());
    let network = report.pooled.is_some();
    Measure::ALL
        .iter()
        .map(|m| {
            let share_bp = report.measures.share_bp(*m);
            MeasureLine {
                measure: *m,
                label: m.label(local),
                pence: report.measures.pence_of(*m),
                share_bp,
                change_bp: report
                    .baseline
                    .as_ref()
                    .map(|b| share_bp.zip(b.measure_bp(*m)).map(|(a, b)| a - b)),
                target_bp: m.target_position().and_then(|p| {
                    report
                        .targets
                        .iter()
                        .find(|(q, _)| *q == p)
                        .map(|(_, bp)| *bp)
                }),
                mean_bp: network
                    .then(|| mean_bp(report.member_measures.iter().map(|x| x.share_bp(*m)))),
            }
        })
        .collect()
}

/// The dashboard's first sentence: "60.90% of Fishwick City Council's
/// influenceable spend in 2024/25 went to suppliers in Preston (£2.04m of
/// £3.35m), up 3.20 points on 2023/24".
pub fn headline_sentence(report: &Report) -> Option<String> {
    let f = &report.figures;
    let tier = f.tiers.first()?;
    let share = f.share_bp(0)?;
    let p = &report.stamp.period;
    let period = match report.fy {
        Some(y) if p.starts_with("Financial year") => format!("in {}", financial_year_label(y)),
        _ if p.starts_with(|c: char| c.is_ascii_digit()) => format!("from {p}"),
        _ => format!("in {p}"),
    };
    let mut s = format!(
        "{} of {}'s influenceable spend {period} went to suppliers in {} ({} of {})",
        percent_text(Some(share)),
        report.stamp.scope_name,
        tier.name,
        short_pounds(tier.cumulative_pence),
        short_pounds(f.influenceable_pence),
    );
    if let Some(b) = &report.baseline {
        if let Some(then) = b.tier_share_bp(0) {
            let d = share - then;
            let direction = match d {
                0 => "unchanged".to_owned(),
                d if d > 0 => format!("up {} points", points_number(d)),
                d => format!("down {} points", points_number(-d)),
            };
            s.push_str(&format!(", {direction} on {}", b.label));
        }
    }
    s.push('.');
    if let Some(top) = report.stamp.coverage.strip_prefix("Top ") {
        let counted = top.split(';').next().unwrap_or(top);
        s.push_str(&format!(" Counted: the top {counted}."));
    }
    Some(s)
}

/// `3.20` from 320 basis points.
fn points_number(bp: i64) -> String {
    format!("{}.{:02}", bp / 100, bp % 100)
}

/// £2.04m, £350k or £950, for sentences (tables keep the pence).
pub fn short_pounds(pence: i64) -> String {
    let pounds = pence as f64 / 100.0;
    let sign = if pounds < 0.0 { "-" } else { "" };
    let a = pounds.abs();
    if a >= 1_000_000.0 {
        format!("{sign}£{:.2}m", a / 1_000_000.0)
    } else if a >= 10_000.0 {
        format!("{sign}£{:.0}k", a / 1_000.0)
    } else {
        format!("{sign}£{:.0}", a)
    }
}
