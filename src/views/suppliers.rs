//! Supplier register pages.

use askama::Template;

use super::{FormErrors, Layout};
use crate::db::audit::AuditRow;
use crate::db::suppliers::{Alias, MergeRecord, Provenance, Supplier};
use crate::domain::classify::{Classification, LocationBasis};
use crate::domain::supplier::{LivingWage, SizeBand, SizeDefinition, Source, SupplierFields};

#[derive(Template)]
#[template(path = "suppliers/list.html")]
pub struct SupplierListPage {
    pub layout: Layout,
    pub rows: Vec<Supplier>,
    pub total: i64,
    pub page: i64,
    pub pages: i64,
    pub q: String,
    pub status: String,
    pub kind: String,
    /// The tier filter chosen, and the tier names of the viewer's definition.
    pub tier: String,
    pub tiers: Vec<String>,
    pub query: String,
    pub duplicates: Vec<Vec<(i64, String)>>,
    pub can_edit: bool,
    /// The viewer has an institution whose files propose values.
    pub can_propose: bool,
}

/// The kinds a list can be filtered to.
pub const KINDS: [(&str, &str); 9] = [
    ("sme", "SME (micro, small or medium)"),
    ("large", "Large"),
    ("vcse", "VCSE"),
    ("charity", "Charity"),
    ("cic", "Community interest company"),
    ("cooperative", "Co-operative or community benefit society"),
    ("employee_owned", "Employee-owned"),
    ("social_enterprise", "Social enterprise"),
    ("public_body", "Public body"),
];

impl SupplierListPage {
    pub fn tier_selected(&self, position: &usize) -> bool {
        self.tier == position.to_string()
    }

    pub fn kinds(&self) -> &'static [(&'static str, &'static str)] {
        &KINDS
    }
}

#[derive(Template)]
#[template(path = "suppliers/form.html")]
pub struct SupplierFormPage {
    pub layout: Layout,
    pub id: Option<i64>,
    pub fields: SupplierFields,
    pub errors: FormErrors,
    pub bands: &'static [SizeBand],
    pub definitions: &'static [SizeDefinition],
    pub living_wage: &'static [LivingWage],
    pub sources: &'static [Source],
    pub bases: &'static [LocationBasis],
}

#[derive(Template)]
#[template(path = "suppliers/show.html")]
pub struct SupplierPage {
    pub layout: Layout,
    pub supplier: Supplier,
    /// Every name its lines (those the viewer may see) are published
    /// under, and every name the register knows it by.
    pub names: Vec<NameSeen>,
    /// The names count only the viewer's institution's lines.
    pub own_ledger_only: bool,
    /// (institution name, its id for the supplier)
    pub external_ids: Vec<(String, String)>,
    pub provenance: Vec<Provenance>,
    /// (institution, definition version, result)
    pub located: Option<(String, i64, Classification)>,
    pub merges: Vec<MergeRecord>,
    pub history: Vec<AuditRow>,
    /// (institution, spend in pence, lines)
    pub spend: Vec<(String, i64, i64)>,
    /// Suppliers likely to be the same organisation: (id, name, score).
    pub similar_suppliers: Vec<(i64, String, f64)>,
    /// Companies near its name, when it has no company number.
    pub similar_companies: Vec<crate::register::near::CompanyNearMiss>,
    pub can_edit: bool,
    pub can_undo: bool,
}

/// A name a supplier is seen under: in lines, on the register, or both.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameSeen {
    pub name: String,
    pub lines: i64,
    pub pence: i64,
    /// A name the register knows the supplier by (an alias).
    pub known: bool,
    /// The supplier's own name, which cannot be split off.
    pub own: bool,
}

impl NameSeen {
    /// The names in lines (most lines first), then known names no line
    /// the viewer sees carries.
    pub fn gather(
        supplier: &Supplier,
        in_lines: Vec<(String, i64, i64)>,
        aliases: &[Alias],
    ) -> Vec<Self> {
        let own = |n: &str| crate::domain::supplier::normalise_name(n) == supplier.normalised_name;
        let mut out: Vec<Self> = in_lines
            .into_iter()
            .map(|(name, lines, pence)| Self {
                known: aliases.iter().any(|a| a.name == name),
                own: own(&name),
                name,
                lines,
                pence,
            })
            .collect();
        for a in aliases {
            if !out.iter().any(|n| n.name == a.name) {
                out.push(Self {
                    name: a.name.clone(),
                    lines: 0,
                    pence: 0,
                    known: true,
                    own: a.normalised_name == supplier.normalised_name,
                });
            }
        }
        out
    }
}

/// One line of the classification table: a value and where it came from.
#[derive(Debug, Clone)]
pub struct ClassRow {
    pub what: &'static str,
    pub value: String,
    pub source: &'static str,
    pub evidence: String,
    pub set_by: String,
    pub set_at: String,
}

impl SupplierPage {
    pub fn classification_rows(&self) -> Vec<ClassRow> {
        let s = &self.supplier;
        let ids = [
            s.company_number.as_ref().map(|n| format!("Company {n}")),
            s.charity_number.as_ref().map(|n| format!("Charity {n}")),
            s.vat_number.as_ref().map(|n| format!("VAT {n}")),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" · ");
        let mut size = self.band_label().to_owned();
        if !self.definition_label().is_empty() {
            size.push_str(&format!(" · {}", self.definition_label()));
        }
        if let Some(e) = s.employees {
            size.push_str(&format!(" · {e} employees"));
        }
        if let Some(t) = self.turnover() {
            size.push_str(&format!(" · turnover {t}"));
        }
        let types = if s.types().is_empty() {
            "private / not recorded".to_owned()
        } else {
            s.types().join(", ")
        };
        let kind = match &s.legal_form {
            Some(f) => format!("{f} · {types}"),
            None => types,
        };
        [
            (
                "Identity",
                "identity",
                if ids.is_empty() {
                    "no identifiers".into()
                } else {
                    ids
                },
            ),
            ("Location", "location", self.basis_label().to_owned()),
            ("Size", "size", size),
            ("Type", "type", kind),
            (
                "Sector (SIC 2007)",
                "sector",
                s.sic_codes.replace(',', ", "),
            ),
            (
                "Real Living Wage employer",
                "living_wage",
                s.living_wage.clone(),
            ),
        ]
        .into_iter()
        .map(|(what, field, value)| {
            let p = self.source_of(field);
            ClassRow {
                what,
                value,
                source: p.map_or("—", |p| self.source_label(&p.source)),
                evidence: p.map(|p| p.evidence.clone()).unwrap_or_default(),
                set_by: p.map(|p| p.set_by.clone()).unwrap_or_default(),
                set_at: p
                    .map(|p| p.set_at.format("%d/%m/%Y %H:%M").to_string())
                    .unwrap_or_default(),
            }
        })
        .collect()
    }

    /// The current provenance of a group of fields.
    pub fn source_of(&self, field: &str) -> Option<&Provenance> {
        self.provenance.iter().find(|p| p.field == field)
    }

    pub fn source_label(&self, code: &str) -> &'static str {
        Source::from_code(code).map_or("unknown", Source::label)
    }

    pub fn band_label(&self) -> &'static str {
        self.supplier
            .size_band
            .as_deref()
            .and_then(SizeBand::from_code)
            .map_or("Not classified", SizeBand::label)
    }

    pub fn definition_label(&self) -> &'static str {
        self.supplier
            .size_definition
            .as_deref()
            .and_then(SizeDefinition::from_code)
            .map_or("", SizeDefinition::label)
    }

    pub fn basis_label(&self) -> &'static str {
        LocationBasis::from_code(&self.supplier.location_basis).map_or("", LocationBasis::label)
    }

    pub fn money(&self, pence: &i64) -> String {
        crate::domain::money::Pence(*pence).to_string()
    }

    /// A near miss's score as a whole percentage.
    pub fn percent(&self, score: f64) -> u8 {
        crate::domain::similar::percent(score)
    }

    pub fn turnover(&self) -> Option<String> {
        self.supplier
            .turnover_pence
            .map(|t| crate::domain::money::Pence(t).to_string())
    }
}

#[derive(Template)]
#[template(path = "suppliers/companies.html")]
pub struct CompaniesPage {
    pub layout: Layout,
    pub release: Option<crate::db::companies::CompanyRelease>,
    pub proposals: Vec<crate::register::enrich::Proposal>,
    /// Proposals in all, of which the first are shown.
    pub total: usize,
    pub jobs: Vec<crate::db::jobs::Job>,
    pub can_upload: bool,
    pub errors: FormErrors,
    /// Companies near suppliers' names, in this look through the register.
    pub similar: Vec<crate::register::near::CompanyNearMiss>,
    /// Where this look started, and where the next one starts.
    pub similar_after: i64,
    pub similar_next: Option<i64>,
}

#[derive(Template)]
#[template(path = "suppliers/charities.html")]
pub struct CharitiesPage {
    pub layout: Layout,
    pub release: Option<crate::db::charities::CharityRelease>,
    pub proposals: Vec<crate::register::charity::CharityProposal>,
    /// Proposals in all, of which the first are shown.
    pub total: usize,
    pub jobs: Vec<crate::db::jobs::Job>,
    pub can_upload: bool,
    pub errors: FormErrors,
}

#[derive(Template)]
#[template(path = "suppliers/proposals.html")]
pub struct ProposalsPage {
    pub layout: Layout,
    /// Open proposals that would fill in or agree with the register.
    pub reviews: Vec<crate::register::proposals::Review>,
    /// Open proposals that disagree with a value the register holds.
    pub conflicts: Vec<crate::register::proposals::Review>,
    /// What the master file just read found.
    pub summary: Option<crate::register::master_file::MasterSummary>,
    /// Why the file just uploaded was refused.
    pub errors: Vec<crate::register::supplier_file::RowError>,
}

#[derive(Template)]
#[template(path = "suppliers/similar.html")]
pub struct SimilarSuppliersPage {
    pub layout: Layout,
    pub pairs: Vec<crate::register::near::SupplierPair>,
    /// Pairs in all, of which the first are shown.
    pub total: usize,
}

#[derive(Template)]
#[template(path = "suppliers/suggestions.html")]
pub struct SuggestionsPage {
    pub layout: Layout,
    /// (supplier id, name, suggestion, redacted)
    pub rows: Vec<(i64, String, String, bool)>,
    pub total: usize,
    /// Where the next look starts, when this one stopped early.
    pub next: Option<i64>,
}

#[derive(Template)]
#[template(path = "suppliers/import.html")]
pub struct SupplierImportPage {
    pub layout: Layout,
    pub errors: Vec<crate::register::supplier_file::RowError>,
}

#[derive(Template)]
#[template(path = "suppliers/queue.html")]
pub struct QueuePage {
    pub layout: Layout,
    pub institutions: Vec<(i64, String)>,
    pub institution_id: Option<i64>,
    pub coverage: crate::domain::spend::Coverage,
    /// (rank, supplier, influenceable spend in pence)
    pub rows: Vec<(usize, Supplier, i64)>,
    pub bands: &'static [SizeBand],
    pub bases: &'static [LocationBasis],
    pub errors: FormErrors,
}

impl QueuePage {
    pub fn money(&self, pence: &i64) -> String {
        crate::domain::money::Pence(*pence).to_string()
    }

    pub fn chosen(&self, id: &i64) -> bool {
        self.institution_id == Some(*id)
    }

    pub fn top(&self) -> usize {
        self.coverage.top_n.min(self.coverage.ranked)
    }
}
