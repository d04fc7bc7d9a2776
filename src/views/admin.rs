//! Admin and audit pages.

use askama::Template;

use super::{FormErrors, Layout};
use crate::db::institutions::Institution;
use crate::db::networks::Network;
use crate::db::users::User;
use crate::domain::institution::InstitutionKind;
use crate::domain::{Role, MONTHS};

#[derive(Template)]
#[template(path = "admin/institutions.html")]
pub struct InstitutionsPage {
    pub layout: Layout,
    pub institutions: Vec<Institution>,
    pub can_create: bool,
}

/// The institution form's values as typed, so a failed save shows them again.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct InstitutionFields {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub home_lad: String,
    #[serde(default)]
    pub fy_start_month: String,
    #[serde(default)]
    pub version: String,
}

#[derive(Template)]
#[template(path = "admin/institution_form.html")]
pub struct InstitutionFormPage {
    pub layout: Layout,
    /// `None` when creating.
    pub id: Option<i64>,
    pub fields: InstitutionFields,
    pub errors: FormErrors,
    /// The saved record, shown when an edit conflicted with someone else's.
    pub current: Option<Institution>,
    pub kinds: &'static [InstitutionKind],
    pub months: &'static [&'static str; 12],
}

impl InstitutionFormPage {
    pub fn new(layout: Layout, id: Option<i64>, fields: InstitutionFields) -> Self {
        Self {
            layout,
            id,
            fields,
            errors: FormErrors::default(),
            current: None,
            kinds: InstitutionKind::ALL,
            months: &MONTHS,
        }
    }

    pub fn month_selected(&self, index: &usize) -> bool {
        self.fields.fy_start_month == (index + 1).to_string()
    }
}

#[derive(Template)]
#[template(path = "admin/networks.html")]
pub struct NetworksPage {
    pub layout: Layout,
    pub networks: Vec<(Network, Vec<String>)>,
}

/// One institution checkbox on the network form.
#[derive(Debug, Clone)]
pub struct MemberChoice {
    pub id: i64,
    pub name: String,
    pub checked: bool,
}

#[derive(Template)]
#[template(path = "admin/network_form.html")]
pub struct NetworkFormPage {
    pub layout: Layout,
    pub id: Option<i64>,
    pub version: i64,
    pub name: String,
    pub description: String,
    pub members: Vec<MemberChoice>,
    pub errors: FormErrors,
}

#[derive(Template)]
#[template(path = "admin/users.html")]
pub struct UsersPage {
    pub layout: Layout,
    pub users: Vec<(User, Option<String>)>,
}

/// The user form's values as typed.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct UserFields {
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub role: String,
    /// Whom the user works for: an institution id, `network-N`, or empty
    /// for the whole installation.
    #[serde(default)]
    pub institution_id: String,
    #[serde(default)]
    pub disabled: Option<String>,
    #[serde(default)]
    pub version: String,
}

#[derive(Template)]
#[template(path = "admin/user_form.html")]
pub struct UserFormPage {
    pub layout: Layout,
    pub id: Option<i64>,
    pub fields: UserFields,
    pub errors: FormErrors,
    pub roles: &'static [Role],
    pub institutions: Vec<(i64, String)>,
    /// Networks a manager or auditor can work across.
    pub networks: Vec<(i64, String)>,
    pub allow_network_wide: bool,
    pub password_errors: FormErrors,
}

impl UserFormPage {
    pub fn institution_selected(&self, id: &i64) -> bool {
        self.fields.institution_id == id.to_string()
    }

    pub fn network_selected(&self, id: &i64) -> bool {
        self.fields.institution_id == format!("network-{id}")
    }
}

#[derive(Template)]
#[template(path = "admin/audit.html")]
pub struct AuditPage {
    pub layout: Layout,
    pub rows: Vec<super::audit::EntryView>,
    pub total: i64,
    pub page: i64,
    pub pages: i64,
    pub entity_type: String,
    pub action: String,
    pub actor: String,
    pub from: String,
    pub to: String,
    /// Sign-ins, sign-outs and failed sign-ins left out.
    pub hide_sign_ins: bool,
    /// (code, words) of each record type and action on record.
    pub entity_types: Vec<(String, String)>,
    pub actions: Vec<(String, String)>,
    /// The filter as a query string, for the export link and paging.
    pub query: String,
    pub errors: FormErrors,
}

/// A tier as shown: its name, the areas chosen and how many districts it covers.
#[derive(Debug, Clone)]
pub struct TierView {
    pub position: i32,
    pub name: String,
    pub areas: Vec<String>,
    pub district_count: usize,
}

/// A tier as edited: its name and the codes ticked.
#[derive(Debug, Clone, Default)]
pub struct TierEdit {
    pub name: String,
    pub codes: std::collections::BTreeSet<String>,
}

#[derive(Debug, Clone)]
pub struct AreaOption {
    pub code: String,
    pub label: String,
}

#[derive(Debug, Clone)]
pub struct AreaGroup {
    pub label: &'static str,
    pub options: Vec<AreaOption>,
}

#[derive(Template)]
#[template(path = "admin/area_definition.html")]
pub struct AreaDefinitionPage {
    pub layout: Layout,
    pub owner_name: String,
    /// Where the edit form posts, and the page's own address.
    pub action: String,
    /// The version shown (the latest, unless viewing an old one).
    pub version: i64,
    pub current: Vec<TierView>,
    pub tiers: Vec<TierEdit>,
    pub groups: Vec<AreaGroup>,
    pub history: Vec<crate::db::areas::VersionSummary>,
    pub note: String,
    pub errors: FormErrors,
    /// Viewing an old version: no edit form.
    pub read_only: bool,
}

impl AreaDefinitionPage {
    pub fn tier_error(&self, position: &usize) -> Option<&str> {
        self.errors
            .iter()
            .find(|(f, _)| f.strip_prefix("tier_") == Some(&position.to_string()))
            .map(|(_, m)| m.as_str())
    }
}

/// One district on the reference geography page.
#[derive(Debug, Clone)]
pub struct DistrictRow {
    pub code: String,
    pub name: String,
    pub name_welsh: String,
    pub county: String,
    pub combined_authority: String,
    pub region: String,
    pub ended_on: Option<String>,
    pub successor: Option<String>,
}

#[derive(Template)]
#[template(path = "admin/geography.html")]
pub struct GeographyPage {
    pub layout: Layout,
    pub districts: Vec<DistrictRow>,
}

/// The answer of the postcode check tool.
#[derive(Debug, Clone)]
pub struct PostcodeCheck {
    pub postcode: String,
    pub institution_id: i64,
    pub institution: String,
    pub definition_version: i64,
    pub release: Option<String>,
    pub explanation: String,
    pub tier: String,
    pub ward: Option<String>,
    pub lsoa: Option<String>,
    pub imd_decile: Option<u8>,
}

#[derive(Template)]
#[template(path = "admin/postcodes.html")]
pub struct PostcodesPage {
    pub layout: Layout,
    pub active: Option<crate::db::postcodes::Release>,
    pub releases: Vec<crate::db::postcodes::Release>,
    pub jobs: Vec<crate::db::jobs::Job>,
    pub institutions: Vec<(i64, String)>,
    pub check: Option<PostcodeCheck>,
    pub errors: FormErrors,
}

impl PostcodesPage {
    pub fn checked_institution(&self, id: &i64) -> bool {
        self.check.as_ref().is_some_and(|c| c.institution_id == *id)
    }
}

#[derive(Template)]
#[template(path = "admin/job.html")]
pub struct JobPage {
    pub layout: Layout,
    pub job: crate::db::jobs::Job,
    pub stalled: bool,
}
