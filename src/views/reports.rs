//! Report pages.

use askama::Template;

use super::Layout;

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
    pub institution: String,
    pub network: String,
    pub choices: Vec<(i64, String)>,
    pub networks: Vec<(i64, String)>,
    pub query: String,
    pub is_network: bool,
    pub baseline: Option<String>,
    pub baseline_year: String,
    pub tier_names: Vec<String>,
    pub tables: Vec<crate::handlers::reports::Table>,
    pub can_set_targets: bool,
    /// (basis, cumulative share per tier)
    pub sensitivity: Vec<(String, Vec<String>)>,
    pub owner_kind: String,
    pub owner_id: i64,
}

impl ReportPage {
    pub fn is_year(&self, year: &i32) -> bool {
        self.fy == Some(*year)
    }

    pub fn is_institution(&self, id: &i64) -> bool {
        self.network.is_empty() && self.institution == id.to_string()
    }

    /// The parts of a year the period picker offers.
    pub fn parts(&self) -> Vec<(String, String)> {
        let quarters = [
            "Q1 (April–June)",
            "Q2 (July–September)",
            "Q3 (October–December)",
            "Q4 (January–March)",
        ];
        let mut out = vec![(String::new(), "Whole year".to_owned())];
        out.extend(
            quarters
                .iter()
                .enumerate()
                .map(|(i, l)| (format!("q{}", i + 1), (*l).to_owned())),
        );
        // The financial year's months, April first.
        out.extend((0..12).map(|i| {
            (
                format!("m{}", i + 1),
                crate::domain::MONTHS[(i + 3) % 12].to_owned(),
            )
        }));
        out
    }

    pub fn is_baseline(&self, year: &i32) -> bool {
        self.baseline_year == year.to_string()
    }

    pub fn is_network_choice(&self, id: &i64) -> bool {
        self.network == id.to_string()
    }
}

#[derive(Template)]
#[template(path = "reports/categories.html")]
pub struct CategoriesPage {
    pub layout: Layout,
    pub stamp: Vec<(String, String)>,
    pub tables: Vec<crate::handlers::reports::Table>,
    pub query: String,
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
    pub query: String,
}
