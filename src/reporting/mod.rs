//! The report engine, the heart of the product: from an institution's or a
//! network's spend, its local-area definition and what is known of every
//! supplier, the local share of influenceable spend and every table behind
//! it. Nothing here knows about HTTP: handlers extract and authorise, call
//! [`compute`], and render the [`Report`] as a page or a CSV.
//!
//! - [`compute`] works a report out (`compute.rs`), for a period chosen by
//!   the rules in `period.rs`;
//! - each table is one value that serves both the page and its CSV
//!   (`summary.rs` for the headline, reconciliation, institutions and trend;
//!   `tables.rs` for the breakdowns);
//! - `csv.rs` writes a table as a stamped CSV, and `audit.rs` the audit
//!   export's rows.

pub mod audit;
mod compute;
mod crossed;
pub mod csv;
pub mod leakage;
pub mod measures;
mod member_means;
pub mod payments;
mod period;
pub mod summary;
mod tables;
pub mod xlsx;

use chrono::NaiveDate;
use serde::Deserialize;

use crate::db::areas::{DefinitionVersion, Owner};
use crate::db::institutions::Institution;
use crate::db::report::{FactsCache, TotalsCache};
use crate::db::DbPool;
use crate::domain::figures::{Figures, Pooled};
use crate::domain::geography::Gazetteer;

pub use compute::compute;

/// What a report is asked for, as the query string says it. Every field is
/// the text as given; [`compute`] reads and checks it.
#[derive(Debug, Default, Clone, Deserialize, serde::Serialize)]
#[serde(default)]
pub struct ReportQuery {
    /// The scope from the one "Report on" list: `institution-3` or
    /// `network-2`; read into `institution` or `network` by [`Self::normalised`].
    #[serde(skip_serializing)]
    pub of: String,
    pub institution: String,
    pub network: String,
    pub fy: String,
    pub from: String,
    pub to: String,
    /// A version of the definition to report under (default: the current).
    pub definition: String,
    /// Part of the financial year: `q1`…`q4` or `m1`…`m12` (m1 is April).
    pub part: String,
    /// A financial year to compare with.
    pub baseline: String,
    /// How many suppliers the top-N table covers (default 300).
    pub top: String,
    /// `top`: the headline counts only the top N suppliers by influenceable
    /// spend (the CLES method), each year its own top N.
    pub scope: String,
    pub table: String,
}

impl ReportQuery {
    /// The query with the "Report on" choice read into `institution` or
    /// `network` (the other one cleared), as every page reads it.
    pub fn normalised(mut self) -> Self {
        read_scope_choice(&mut self.of, &mut self.institution, &mut self.network);
        self
    }

    /// The fields that choose a report, as (name, value) pairs, for links
    /// back to the same report.
    pub fn pairs(&self) -> [(&'static str, &str); 10] {
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
            ("scope", &self.scope),
        ]
    }
}

/// Reads the one "Report on" list's value (`institution-3`, `network-2`)
/// into the institution or network field, clearing the other, so that a
/// form can never ask for both. Anything else in `of` is left for
/// [`ScopeChoice::of`] to refuse.
pub(crate) fn read_scope_choice(of: &mut String, institution: &mut String, network: &mut String) {
    let choice = std::mem::take(of);
    let choice = choice.trim();
    if let Some(id) = choice.strip_prefix("institution-") {
        (*institution, *network) = (id.to_owned(), String::new());
    } else if let Some(id) = choice.strip_prefix("network-") {
        (*institution, *network) = (String::new(), id.to_owned());
    } else if !choice.is_empty() {
        // Neither: refused below as an unknown scope.
        (*institution, *network) = (choice.to_owned(), String::new());
    }
}

/// The scope a query asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeChoice {
    /// None named: the network a network-wide user works across, else the
    /// first institution the viewer may report on.
    First,
    Institution(i64),
    Network(i64),
}

impl ScopeChoice {
    /// Reads the institution and network fields: at most one may be given.
    pub fn of(institution: &str, network: &str) -> Result<Self, ReportError> {
        let id = |raw: &str, what: &str| {
            raw.parse::<i64>().map_err(|_| {
                ReportError::Refused(format!(
                    "“{raw}” is not {what}: choose one from the “Report on” list."
                ))
            })
        };
        match (institution.trim(), network.trim()) {
            ("", "") => Ok(Self::First),
            (i, "") => Ok(Self::Institution(id(i, "an institution")?)),
            ("", n) => Ok(Self::Network(id(n, "a network")?)),
            _ => Err(ReportError::Refused(
                "Choose an institution or a network to report on, not both.".into(),
            )),
        }
    }
}

/// What the engine reads besides the database: the reference geography and
/// the caches of supplier facts and year totals, with the pool a network's
/// year may be read on in parallel.
#[derive(Clone, Copy)]
pub struct ReportContext<'a> {
    pub gazetteer: &'a Gazetteer,
    pub facts: &'a FactsCache,
    pub totals: &'a TotalsCache,
    pub pool: Option<&'a DbPool>,
}

/// Who the report is for: which institutions they may report on, and how
/// the stamp names them.
#[derive(Debug, Clone)]
pub struct Viewer {
    /// The institutions whose lines the viewer may read.
    pub reach: crate::domain::account::Reach,
    /// The network a network-wide manager or auditor works across: their
    /// reports open on it.
    pub network: Option<i64>,
    /// `Display Name (username)`.
    pub name: String,
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

/// Why a report could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The viewer may not report on the institution or network asked for.
    #[error("not allowed")]
    Forbidden,
    /// The definition version asked for is not the scope's.
    #[error("not found")]
    NotFound,
    /// The query cannot be answered as asked; the reason is for the user.
    #[error("{0}")]
    Refused(String),
    #[error(transparent)]
    Db(#[from] crate::db::Error),
}

impl From<diesel::result::Error> for ReportError {
    fn from(e: diesel::result::Error) -> Self {
        Self::Db(e.into())
    }
}

/// Everything a report states about itself.
#[derive(Debug, Clone)]
pub struct Stamp {
    pub scope_name: String,
    pub institutions: Vec<Institution>,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Each institution's own first and last day (a network of different
    /// financial years has several).
    pub ranges: Vec<(i64, NaiveDate, NaiveDate)>,
    pub period: String,
    pub definition: DefinitionVersion,
    pub definition_owner: String,
    pub lookup_release: String,
    /// Suppliers whose locations are still being worked out again after a
    /// postcode release switch (0 once caught up).
    pub locations_pending: i64,
    pub coverage: String,
    pub vat_basis: String,
    /// Suppliers' totals for longer periods dated inside this one: (lines,
    /// pence). Counted whole on the day their period ends.
    pub period_totals: (i64, i64),
    pub generated_at: String,
    pub generated_by: String,
}

impl Stamp {
    pub fn rows(&self) -> Vec<(String, String)> {
        let mut rows = vec![
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
        ];
        if self.locations_pending > 0 {
            rows.push((
                "Supplier locations".into(),
                format!(
                    "being worked out again through the postcode lookup now in use \
                     ({} suppliers to go): figures may change until this is done",
                    self.locations_pending
                ),
            ));
        }
        if self.period_totals.0 > 0 {
            rows.push((
                "Totals for longer periods".into(),
                format!(
                    "{} line{} ({}) {} a supplier's total for a period longer than this one, \
                     counted whole on the last day of its period: a month or quarter view \
                     shows them all in the month their period ends",
                    self.period_totals.0,
                    if self.period_totals.0 == 1 { "" } else { "s" },
                    crate::domain::money::Pence(self.period_totals.1),
                    if self.period_totals.0 == 1 {
                        "is"
                    } else {
                        "are each"
                    }
                ),
            ));
        }
        rows.extend([
            ("Scope".into(), self.coverage.clone()),
            ("VAT basis".into(), self.vat_basis.clone()),
            (
                "Generated".into(),
                format!("{} UTC by {}", self.generated_at, self.generated_by),
            ),
        ]);
        rows
    }
}

/// A computed report.
pub struct Report {
    pub stamp: Stamp,
    pub figures: Figures,
    /// Each institution under its own definition (network reports).
    pub per_institution: Vec<(Institution, Figures)>,
    /// Each of those institutions' headline measures, in the same order.
    pub member_measures: Vec<measures::Measures>,
    pub pooled: Option<Pooled>,
    pub years: Vec<i32>,
    pub fy: Option<i32>,
    /// Institutions' influenceable payment types, for the audit export.
    pub rules: Vec<(i64, Vec<String>)>,
    pub owner: Owner,
    /// What the viewer may see of the scope: a network's members' staff see
    /// its aggregate tables, never its lines.
    pub access: crate::domain::account::NetworkAccess,
    /// Each financial year on record under the same definition, oldest
    /// first, with its headline measures.
    pub trend: Vec<(i32, (Figures, measures::Measures))>,
    pub baseline: Option<Baseline>,
    /// The headline measures beyond the tiers (local SME share …).
    pub measures: measures::Measures,
    /// (tier position from 1, target in basis points) for the year shown.
    pub targets: Vec<(i32, i64)>,
    /// The version of those targets, for the form that edits them.
    pub targets_version: i64,
    pub tables: Vec<Table>,
    /// The headline (cumulative share of each tier) under each location
    /// basis: (basis label, shares in basis points).
    pub sensitivity: Vec<(String, Vec<Option<i64>>)>,
}

/// What a report is compared with: one financial year, or the mean of
/// several (each year's share, then their mean).
pub struct Baseline {
    pub years: Vec<i32>,
    /// `2021/22` or `mean of 2020/21 to 2022/23 (3 years)`.
    pub label: String,
    /// Each year's figures and measures, in the order of `years`.
    pub figures: Vec<Figures>,
    pub measures: Vec<measures::Measures>,
}

impl Baseline {
    /// Tier `i`'s cumulative share: the mean of the years' shares.
    pub fn tier_share_bp(&self, i: usize) -> Option<i64> {
        measures::mean_bp(self.figures.iter().map(|f| f.share_bp(i)))
    }

    /// Tier `i`'s cumulative pence: the mean of the years', to the penny.
    pub fn tier_pence(&self, i: usize) -> Option<i64> {
        let pence: Vec<i64> = self
            .figures
            .iter()
            .filter_map(|f| f.tiers.get(i).map(|t| t.cumulative_pence))
            .collect();
        let n = i64::try_from(pence.len()).ok().filter(|n| *n > 0)?;
        let sum: i64 = pence.iter().sum();
        Some((2 * sum + n * sum.signum()) / (2 * n))
    }

    pub fn measure_bp(&self, m: measures::Measure) -> Option<i64> {
        measures::mean_bp(self.measures.iter().map(|x| x.share_bp(m)))
    }
}

/// The tables that show an institution's own structure (its departments
/// and expense types): a network's member staff never see them.
pub const OWN_STRUCTURE: [&str; 5] = [
    "department",
    "expense_type",
    "leakage_by_expense_type",
    "department_by_area",
    "expense_type_by_area",
];

/// A breakdown table: shown on the page and downloadable as CSV.
pub struct Table {
    pub key: &'static str,
    pub title: String,
    pub note: String,
    pub columns: Vec<String>,
    /// Cells as shown.
    pub rows: Vec<Vec<String>>,
    /// The same rows with plain numbers, for CSV.
    pub plain: Vec<Vec<String>>,
}
