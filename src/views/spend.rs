//! Spend ledger and import pages.

use askama::Template;

use super::{FormErrors, Layout};
use crate::db::imports::Batch;
use crate::db::jobs::Job;
use crate::db::spend::Line;
use crate::domain::dates::DateOrder;
use crate::domain::money::Pence;
use crate::domain::spend::{LineFields, PaymentType, VatBasis};
use crate::domain::spend_file::Field;
use crate::domain::spend_file::Layout as FileLayout;
use crate::domain::spend_file::Settings;
use crate::import::spend::Preview;

pub fn money(pence: &i64) -> String {
    Pence(*pence).to_string()
}

pub fn payment_type_label(code: &str) -> &'static str {
    PaymentType::from_code(code).map_or("Unknown", PaymentType::label)
}

/// A ledger row with what the page shows beside the line.
pub struct LedgerRow {
    pub line: Line,
    pub institution: String,
    pub influenceable: bool,
}

#[derive(Template)]
#[template(path = "spend/ledger.html")]
pub struct LedgerPage {
    pub layout: Layout,
    pub rows: Vec<LedgerRow>,
    pub count: i64,
    pub total_pence: i64,
    pub page: i64,
    pub pages: i64,
    pub institution: String,
    pub institutions: Vec<(i64, String)>,
    pub fy: String,
    pub years: Vec<(i32, String)>,
    pub from: String,
    pub to: String,
    pub supplier: String,
    pub department: String,
    pub departments: Vec<String>,
    pub payment_type: String,
    pub tier: String,
    pub tiers: Vec<String>,
    pub sort: String,
    pub deleted: bool,
    pub batch: String,
    /// The filters as a query string, for paging, sorting and the export.
    pub query: String,
    pub can_edit: bool,
    pub can_restore: bool,
}

impl LedgerPage {
    pub fn payment_types(&self) -> &'static [PaymentType] {
        PaymentType::ALL
    }

    pub fn is_institution(&self, id: &i64) -> bool {
        self.institution == id.to_string()
    }

    pub fn is_year(&self, year: &i32) -> bool {
        self.fy == year.to_string()
    }

    pub fn tier_selected(&self, position: &usize) -> bool {
        self.tier == position.to_string()
    }

    /// The query string without `sort`, to build the sort links.
    pub fn sort_link(&self, sort: &str) -> String {
        format!("/spend?{}&sort={sort}", self.query)
    }
}

#[derive(Template)]
#[template(path = "spend/form.html")]
pub struct LineFormPage {
    pub layout: Layout,
    pub id: Option<i64>,
    pub fields: LineFields,
    pub errors: FormErrors,
    pub institutions: Vec<(i64, String)>,
    /// The supplier typed is not on the register: offer to add it.
    pub offer_create: bool,
    /// The line as saved (when editing), for its provenance.
    pub line: Option<Line>,
    pub provenance: String,
}

impl LineFormPage {
    pub fn payment_types(&self) -> &'static [PaymentType] {
        PaymentType::ALL
    }

    pub fn vat_bases(&self) -> &'static [VatBasis] {
        VatBasis::ALL
    }

    pub fn is_institution(&self, id: &i64) -> bool {
        self.fields.institution_id == id.to_string()
    }
}

/// A batch in the imports list.
pub struct BatchRow {
    pub batch: Batch,
    pub institution: String,
    pub interrupted: bool,
}

#[derive(Template)]
#[template(path = "spend/imports.html")]
pub struct ImportsPage {
    pub layout: Layout,
    pub batches: Vec<BatchRow>,
    pub institutions: Vec<(i64, String)>,
    pub errors: FormErrors,
    /// The files of one upload (a zip), oldest first, with what became of
    /// each: the summary of what went in and what did not.
    pub set: Vec<SetRow>,
    /// The set's ids, for the form that imports them all.
    pub set_ids: String,
    /// The sheet typed on a failed upload.
    pub sheet: String,
}

/// One file of an uploaded set and what became of it.
pub struct SetRow {
    pub batch: Batch,
    /// "went in", "being imported", "not imported: …", "to map".
    pub outcome: String,
    /// Its mapping is complete and it is waiting: "import all" takes it.
    pub ready: bool,
}

impl ImportsPage {
    pub fn set_ready(&self) -> usize {
        self.set.iter().filter(|r| r.ready).count()
    }

    pub fn set_running(&self) -> bool {
        self.set.iter().any(|r| r.batch.status == "committing")
    }
}

/// One column of the mapping form.
pub struct ColumnRow {
    pub index: usize,
    pub header: String,
    pub samples: Vec<String>,
    pub field: Option<Field>,
    /// What the column's values look like ("all 2,074 values are dates").
    pub evidence: String,
    /// The field was proposed from the values, not the header's name.
    pub by_values: bool,
}

impl ColumnRow {
    pub fn is(&self, field: &Field) -> bool {
        self.field == Some(*field)
    }
}

#[derive(Template)]
#[template(path = "spend/batch.html")]
pub struct BatchPage {
    pub layout: Layout,
    pub batch: Batch,
    pub institution: String,
    pub file: FileLayout,
    pub settings: Settings,
    pub columns: Vec<ColumnRow>,
    pub from_profile: bool,
    pub preview: Option<Preview>,
    pub job: Option<Job>,
    pub percent: i64,
    pub running: bool,
    pub stalled: bool,
    pub can_undo: bool,
    pub errors: FormErrors,
    pub period_from: String,
    pub period_to: String,
    /// Needed fields no column is mapped to: one question each.
    pub missing: Vec<Field>,
    /// Rows left out of a committed import (the first few), and how many.
    pub left_out: Vec<crate::db::imports::RowLeftOut>,
    pub left_out_count: usize,
    /// The totals period as typed (YYYY-MM), for a file of totals.
    pub totals_from: String,
    pub totals_to: String,
    /// No column of the file holds dates: perhaps a file of totals.
    pub no_dates: bool,
}

impl BatchPage {
    pub fn fields(&self) -> &'static [Field] {
        Field::ALL
    }

    pub fn orders(&self) -> &'static [DateOrder] {
        DateOrder::ALL
    }

    pub fn order_is(&self, order: &DateOrder) -> bool {
        self.settings.date_order == Some(*order)
    }

    pub fn vat_bases(&self) -> &'static [VatBasis] {
        VatBasis::ALL
    }

    pub fn when(&self, at: &Option<chrono::NaiveDateTime>) -> String {
        at.map(|d| d.format("%d/%m/%Y %H:%M").to_string())
            .unwrap_or_default()
    }

    pub fn is_mapping(&self) -> bool {
        matches!(
            self.batch.status.as_str(),
            "uploaded" | "previewed" | "failed"
        )
    }
}

#[derive(Template)]
#[template(path = "spend/rules.html")]
pub struct PaymentRulesPage {
    pub layout: Layout,
    pub institution_id: i64,
    pub institution: String,
    /// The rules' version when the form was shown.
    pub version: i64,
    /// (type, influenceable by default, influenceable here)
    pub rows: Vec<(PaymentType, bool, bool)>,
}

/// A stored period (`2021-04-01/2022-03-31`) as people read it.
pub fn period_text(interval: &str) -> String {
    crate::domain::period::parse_interval(interval)
        .map_or_else(|| interval.to_owned(), crate::domain::period::period_label)
}

/// For a file of totals for a period: what its lines are, for the preview.
pub fn totals_text(settings: &Settings) -> Option<String> {
    settings.totals_period.map(|p| {
        format!(
            "Totals for {}, each dated at its last day ({})",
            crate::domain::period::period_label(p),
            p.1.format("%d/%m/%Y")
        )
    })
}

/// The id (and form name) of the question "Which column holds the …?" for
/// a needed field, where its error lands.
pub fn question_id(f: &Field) -> &'static str {
    match f {
        Field::PaymentDate => "q_payment_date",
        Field::Amount => "q_amount",
        _ => "q_supplier_name",
    }
}

/// An institution's financial years, open or closed.
#[derive(Template)]
#[template(path = "spend/years.html")]
pub struct YearsPage {
    pub layout: Layout,
    pub institution_id: i64,
    /// The institutions the viewer may choose, (id, name).
    pub choices: Vec<(i64, String)>,
    pub rows: Vec<YearRow>,
    pub can_close: bool,
    pub can_reopen: bool,
}

/// One financial year of the list.
pub struct YearRow {
    pub fy: i32,
    pub label: String,
    pub closed: Option<crate::db::closed_years::ClosedYear>,
}

/// Which step a year confirmation page is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum YearChange {
    Close,
    Reopen,
}

/// The page that confirms closing or reopening a year.
#[derive(Template)]
#[template(path = "spend/year_step.html")]
pub struct YearStepPage {
    pub layout: Layout,
    pub heading: String,
    pub change: YearChange,
    pub institution_id: i64,
    pub institution: String,
    pub fy: i32,
    pub label: String,
    /// The year's closure, when it is closed.
    pub closed: Option<crate::db::closed_years::ClosedYear>,
    /// What was typed: the sign-off box and the note.
    pub signed_off: bool,
    pub note: String,
    pub errors: crate::views::FormErrors,
}

impl YearStepPage {
    pub fn closing(&self) -> bool {
        self.change == YearChange::Close
    }
}
