//! Supplier identity: normalising the names finance systems type, so that
//! variants of one organisation's name meet, and recognising payees that are
//! not suppliers at all.

/// Legal-form words, in their canonical spelling, that say nothing about
/// which organisation a name means.
const LEGAL_FORMS: [&str; 9] = ["LTD", "PLC", "LLP", "CO", "INC", "LP", "CIC", "CIO", "UK"];

/// Words dropped before a trailing reference code (`ACME LTD REF 12345`).
const REFERENCE_WORDS: [&str; 6] = ["REF", "REFERENCE", "ACC", "ACCOUNT", "AC", "NO"];

fn canonical_word(word: &str) -> &str {
    match word {
        "LIMITED" => "LTD",
        "COMPANY" => "CO",
        "INCORPORATED" => "INC",
        _ => word,
    }
}

/// A token that looks like a reference code rather than part of a name: all
/// digits, or letters and at least three digits (`S113120`, `REF12345`).
fn is_reference(token: &str) -> bool {
    let digits = token.bytes().filter(u8::is_ascii_digit).count();
    digits == token.len() || digits >= 3
}

/// The normal form of a supplier name: upper case, `&` as `AND`, punctuation
/// and repeated or non-breaking spaces gone, `LIMITED` as `LTD` (and `PLC`,
/// `CO` likewise), no `THE`, and no trailing reference codes.
///
/// `The Acme Company Limited.` and `ACME CO LTD  (ref 00123)` both become
/// `ACME CO LTD`.
pub fn normalise_name(raw: &str) -> String {
    let mut cleaned = String::with_capacity(raw.len() + 8);
    for ch in raw.chars() {
        match ch {
            '&' | '+' => cleaned.push_str(" AND "),
            '\'' | '’' | '‘' | '`' => {}
            c if c.is_alphanumeric() => cleaned.extend(c.to_uppercase()),
            _ => cleaned.push(' '),
        }
    }
    // Initials written with dots or spaces (`P.L.C.`, `C.I.C.`, `A.B.C.`)
    // become one word, as they are usually written.
    let mut words: Vec<String> = Vec::new();
    let mut initials = String::new();
    for word in cleaned.split_whitespace() {
        if word.chars().count() == 1 && word.chars().all(char::is_alphabetic) {
            initials.push_str(word);
            continue;
        }
        if !initials.is_empty() {
            words.push(std::mem::take(&mut initials));
        }
        words.push(word.to_owned());
    }
    if !initials.is_empty() {
        words.push(initials);
    }
    let mut tokens: Vec<&str> = words
        .iter()
        .map(|w| canonical_word(w))
        .filter(|t| *t != "THE")
        .collect();
    // Strip trailing reference codes, and the word that introduces them, but
    // never the whole name.
    while tokens.len() > 1 {
        let last = tokens[tokens.len() - 1];
        if is_reference(last) || REFERENCE_WORDS.contains(&last) {
            tokens.pop();
        } else {
            break;
        }
    }
    tokens.join(" ")
}

/// A looser key for spotting likely duplicates: the normal form without
/// legal-form words, so `ACME LTD` and `ACME` meet. Suggestions only; never
/// used to merge on its own.
pub fn match_key(raw: &str) -> String {
    let normal = normalise_name(raw);
    let kept: Vec<&str> = normal
        .split(' ')
        .filter(|w| !LEGAL_FORMS.contains(w))
        .collect();
    if kept.is_empty() {
        normal
    } else {
        kept.join(" ")
    }
}

/// Payees published as redacted personal information: one bucket, never a
/// supplier.
pub fn is_redacted(raw: &str) -> bool {
    let n = normalise_name(raw);
    n.contains("REDACTED")
        || n == "PERSONAL INFORMATION"
        || n.contains("PERSONAL DATA")
        || n == "WITHHELD"
}

use super::classify::LocationBasis;
use super::gss::GssCode;
pub use super::identifiers::*;
use super::limits;
use super::money::Pence;
use super::postcode::Postcode;
use super::text_enum;

text_enum! {
    /// Size band by the definition recorded alongside it.
    pub enum SizeBand {
        Micro => ("micro", "Micro (fewer than 10 staff)"),
        Small => ("small", "Small (10–49 staff)"),
        Medium => ("medium", "Medium (50–249 staff)"),
        Sme => ("sme", "SME, band not stated (micro, small or medium)"),
        Large => ("large", "Large (250 or more staff)"),
    }
}

impl SizeBand {
    /// Micro, small, medium, or an SME whose band its source did not state.
    pub fn is_sme(self) -> bool {
        !matches!(self, Self::Large)
    }
}

text_enum! {
    /// Which definition of size a band was set under.
    pub enum SizeDefinition {
        Employees => ("employees", "Employee count only"),
        Eu2003 => ("eu_2003_361", "EU Recommendation 2003/361 (staff and turnover or balance sheet)"),
        ProcurementAct2023 => ("procurement_act_2023", "Procurement Act 2023 (under 250 staff, turnover ≤ £44m or balance sheet ≤ £38m)"),
        CompaniesHouseAccounts => ("ch_accounts", "Companies House accounts category (filing thresholds)"),
        SmeFlag => ("sme_flag", "SME flag in the institution's own records (definition not stated)"),
    }
}

text_enum! {
    /// Where a piece of classification came from.
    pub enum Source {
        CompaniesHouse => ("companies_house", "Companies House"),
        CharityRegister => ("charity_register", "Charity register"),
        SelfDeclaration => ("self_declaration", "Supplier's own declaration"),
        Clerk => ("clerk", "Clerk's judgement"),
        Import => ("import", "Supplier file import"),
        Rule => ("rule", "Recognition rule, confirmed by a clerk"),
    }
}

text_enum! {
    pub enum LivingWage {
        Yes => ("yes", "Yes"),
        No => ("no", "No"),
        Unknown => ("unknown", "Unknown"),
    }
}

/// The band an employee count falls in.
pub fn band_for_employees(employees: i64) -> SizeBand {
    match employees {
        ..=9 => SizeBand::Micro,
        10..=49 => SizeBand::Small,
        50..=249 => SizeBand::Medium,
        _ => SizeBand::Large,
    }
}

/// Ownership and type flags.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct TypeFlags {
    pub vcse: bool,
    pub charity: bool,
    pub cic: bool,
    pub cooperative: bool,
    pub employee_owned: bool,
    pub social_enterprise: bool,
    pub public_body: bool,
}

/// Where a person has placed a supplier, overriding its postcode.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub enum Override {
    District(GssCode),
    OutsideUk,
}

impl Override {
    pub fn code(&self) -> String {
        match self {
            Override::District(c) => c.as_str().to_owned(),
            Override::OutsideUk => "outside_uk".to_owned(),
        }
    }
}

/// A supplier as entered on the form, every field parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SupplierInput {
    pub name: String,
    pub company_number: Option<String>,
    pub charity_number: Option<String>,
    pub vat_number: Option<String>,
    pub postcode_registered: Option<Postcode>,
    pub postcode_branch: Option<Postcode>,
    pub postcode_invoice: Option<Postcode>,
    pub basis: LocationBasis,
    pub manual: Option<(Override, String)>,
    pub legal_form: Option<String>,
    pub size: Option<(SizeBand, SizeDefinition)>,
    pub employees: Option<i64>,
    pub turnover: Option<Pence>,
    pub flags: TypeFlags,
    pub sic_codes: Vec<String>,
    pub living_wage: LivingWage,
}

/// The supplier form as typed: every field text, so a failed save shows it
/// again exactly.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct SupplierFields {
    pub name: String,
    pub company_number: String,
    pub charity_number: String,
    pub vat_number: String,
    pub postcode_registered: String,
    pub postcode_branch: String,
    pub postcode_invoice: String,
    pub location_basis: String,
    pub override_place: String,
    pub override_justification: String,
    pub legal_form: String,
    pub size_band: String,
    pub size_definition: String,
    pub employees: String,
    pub turnover: String,
    pub is_vcse: Option<String>,
    pub is_charity: Option<String>,
    pub is_cic: Option<String>,
    pub is_cooperative: Option<String>,
    pub is_employee_owned: Option<String>,
    pub is_social_enterprise: Option<String>,
    pub is_public_body: Option<String>,
    pub sic_codes: String,
    pub living_wage: String,
    /// Where the classification being recorded came from.
    pub source: String,
    pub evidence: String,
    pub version: String,
}

fn opt(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_owned())
}

/// Problems with a form's fields: (field name, what is wrong), in order.
pub type FieldErrors = Vec<(&'static str, String)>;

impl SupplierFields {
    fn check_lengths(&self, errors: &mut FieldErrors) {
        for (field, label, value, max) in [
            ("name", "The name", self.name.as_str(), limits::NAME),
            (
                "legal_form",
                "The legal form",
                &self.legal_form,
                limits::SHORT_TEXT,
            ),
            (
                "evidence",
                "The evidence note",
                &self.evidence,
                limits::LONG_TEXT,
            ),
        ] {
            if let Err(e) = limits::check(label, value.trim(), max) {
                errors.push((field, e));
            }
        }
    }

    /// Parses the form, or lists each field's problem in form order.
    pub fn parse(&self) -> Result<SupplierInput, FieldErrors> {
        let mut errors = FieldErrors::new();
        let name = self.name.trim().to_owned();
        self.check_lengths(&mut errors);
        if name.is_empty() {
            errors.push(("name", "Enter the supplier's name".into()));
        } else if is_redacted(&name) {
            errors.push((
                "name",
                "Redacted payees are not suppliers: they are reported as one redacted bucket"
                    .into(),
            ));
        }
        let company_number = match opt(&self.company_number) {
            None => None,
            Some(raw) => normalise_company_number(&raw).or_else(|| {
                errors.push(("company_number", format!("“{}” is not a Companies House number (8 characters, like 01234567 or SC123456)", shorten(&raw))));
                None
            }),
        };
        let charity_number = match opt(&self.charity_number) {
            None => None,
            Some(raw) => normalise_charity_number(&raw).or_else(|| {
                errors.push(("charity_number", format!("“{}” is not a registered charity number (like 1123456, SC012345 or NIC100002)", shorten(&raw))));
                None
            }),
        };
        let vat_number = match opt(&self.vat_number) {
            None => None,
            Some(raw) => normalise_vat_number(&raw).or_else(|| {
                errors.push((
                    "vat_number",
                    format!(
                        "“{}” is not a UK VAT number (like GB123456789)",
                        shorten(&raw)
                    ),
                ));
                None
            }),
        };
        let mut postcode = |field: &'static str, raw: &str| match opt(raw) {
            None => None,
            Some(raw) => Postcode::parse(&raw)
                .map_err(|e| errors.push((field, e.to_string())))
                .ok(),
        };
        let postcode_registered = postcode("postcode_registered", &self.postcode_registered);
        let postcode_branch = postcode("postcode_branch", &self.postcode_branch);
        let postcode_invoice = postcode("postcode_invoice", &self.postcode_invoice);
        let basis = LocationBasis::from_code(self.location_basis.trim())
            .unwrap_or(LocationBasis::RegisteredOffice);
        let manual = self.manual(&mut errors);
        let employees = match opt(&self.employees) {
            None => None,
            Some(raw) => raw
                .replace(',', "")
                .parse::<i64>()
                .ok()
                .filter(|n| *n >= 0)
                .or_else(|| {
                    errors.push(("employees", format!("“{raw}” is not a number of employees")));
                    None
                }),
        };
        let turnover = match opt(&self.turnover) {
            None => None,
            Some(raw) => Pence::parse(&raw)
                .map_err(|e| errors.push(("turnover", e.to_string())))
                .ok(),
        };
        let size = self.size(&mut errors);
        let sic_codes = self.sic_codes(&mut errors);
        let living_wage =
            LivingWage::from_code(self.living_wage.trim()).unwrap_or(LivingWage::Unknown);
        let on = |v: &Option<String>| v.is_some();
        let flags = TypeFlags {
            vcse: on(&self.is_vcse),
            charity: on(&self.is_charity),
            cic: on(&self.is_cic),
            cooperative: on(&self.is_cooperative),
            employee_owned: on(&self.is_employee_owned),
            social_enterprise: on(&self.is_social_enterprise),
            public_body: on(&self.is_public_body),
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(SupplierInput {
            name,
            company_number,
            charity_number,
            vat_number,
            postcode_registered,
            postcode_branch,
            postcode_invoice,
            basis,
            manual,
            legal_form: opt(&self.legal_form),
            size,
            employees,
            turnover,
            flags,
            sic_codes,
            living_wage,
        })
    }

    /// The manual location and its justification, if one is given.
    fn manual(&self, errors: &mut FieldErrors) -> Option<(Override, String)> {
        match opt(&self.override_place) {
            None => None,
            Some(place) => {
                let place = if place.eq_ignore_ascii_case("outside_uk") {
                    Some(Override::OutsideUk)
                } else {
                    GssCode::parse_district(&place)
                        .map(Override::District)
                        .map_err(|e| errors.push(("override_place", e.to_string())))
                        .ok()
                };
                match (place, opt(&self.override_justification)) {
                    (Some(p), Some(j)) => Some((p, j)),
                    (Some(_), None) => {
                        errors.push(("override_justification", "Say why this supplier counts there: a manual location needs a justification".into()));
                        None
                    }
                    (None, _) => None,
                }
            }
        }
    }

    /// The size band and the definition it follows, if one is given.
    fn size(&self, errors: &mut FieldErrors) -> Option<(SizeBand, SizeDefinition)> {
        match (opt(&self.size_band), opt(&self.size_definition)) {
            (None, _) => None,
            (Some(band), definition) => {
                let band = SizeBand::from_code(&band);
                let definition = definition.as_deref().and_then(SizeDefinition::from_code);
                match (band, definition) {
                    (Some(b), Some(d)) => Some((b, d)),
                    (None, _) => {
                        errors.push(("size_band", "Choose a size band".into()));
                        None
                    }
                    (Some(_), None) => {
                        errors.push((
                            "size_definition",
                            "Say which definition of size the band follows".into(),
                        ));
                        None
                    }
                }
            }
        }
    }

    /// The five-digit SIC 2007 codes, as typed (commas, spaces or semicolons
    /// between them).
    fn sic_codes(&self, errors: &mut FieldErrors) -> Vec<String> {
        let mut sic_codes = Vec::new();
        for code in self
            .sic_codes
            .split([',', ' ', ';'])
            .map(str::trim)
            .filter(|c| !c.is_empty())
        {
            if code.len() == 5 && code.bytes().all(|b| b.is_ascii_digit()) {
                sic_codes.push(code.to_owned());
            } else {
                errors.push((
                    "sic_codes",
                    format!("“{code}” is not a five-digit SIC 2007 code"),
                ));
                break;
            }
        }
        sic_codes
    }
}

/// What the Companies House register says about a company, as hints for a
/// supplier's classification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompanyFacts {
    pub company_number: String,
    pub name: String,
    pub postcode: Option<String>,
    pub category: String,
    pub status: String,
    pub account_category: String,
    pub sic_codes: String,
}

impl CompanyFacts {
    /// The legal form, in plain words, from `CompanyCategory`.
    pub fn legal_form(&self) -> Option<String> {
        let c = self.category.trim();
        if c.is_empty() {
            return None;
        }
        let plain = if c.starts_with("PRI/LBG") || c.starts_with("PRI/LTD BY GUAR") {
            "Private company limited by guarantee".to_owned()
        } else {
            c.to_owned()
        };
        Some(plain)
    }

    /// A size hint from the accounts the company files. Micro-entity and
    /// small accounts are dependable; "full" accounts only suggest a larger
    /// company, so they give no hint.
    pub fn size_hint(&self) -> Option<SizeBand> {
        match self.account_category.trim().to_ascii_uppercase().as_str() {
            "MICRO ENTITY" => Some(SizeBand::Micro),
            "SMALL"
            | "TOTAL EXEMPTION SMALL"
            | "TOTAL EXEMPTION FULL"
            | "AUDIT EXEMPTION SUBSIDIARY" => Some(SizeBand::Small),
            "MEDIUM" => Some(SizeBand::Medium),
            "GROUP" => Some(SizeBand::Large),
            _ => None,
        }
    }

    /// Type flags the category implies.
    pub fn type_hints(&self) -> TypeFlags {
        let c = self.category.to_ascii_lowercase();
        let cic = c.contains("community interest");
        let society = c.contains("registered society") || c.contains("industrial and provident");
        let cio = c.contains("charitable incorporated");
        TypeFlags {
            vcse: cic || society || cio,
            charity: cio,
            cic,
            cooperative: society,
            ..TypeFlags::default()
        }
    }

    pub fn is_dissolved(&self) -> bool {
        let s = self.status.to_ascii_lowercase();
        s.contains("dissolved") || s.contains("liquidation") || s.contains("removed")
    }
}
#[cfg(test)]
mod tests {
    fn facts(category: &str, accounts: &str, status: &str) -> CompanyFacts {
        CompanyFacts {
            company_number: "01234567".into(),
            name: "X".into(),
            postcode: None,
            category: category.into(),
            status: status.into(),
            account_category: accounts.into(),
            sic_codes: String::new(),
        }
    }

    #[test]
    fn companies_house_categories_and_accounts_give_hints() {
        let cic = facts("Community Interest Company", "MICRO ENTITY", "Active");
        assert!(cic.type_hints().cic && cic.type_hints().vcse);
        assert_eq!(cic.size_hint(), Some(SizeBand::Micro));
        let society = facts("Registered Society", "SMALL", "Active");
        assert!(society.type_hints().cooperative);
        assert_eq!(society.size_hint(), Some(SizeBand::Small));
        let guarantee = facts("PRI/LBG/NSC (Private, Limited by guarantee, no share capital, use of 'Limited' exemption)", "FULL", "Active");
        assert_eq!(
            guarantee.legal_form().as_deref(),
            Some("Private company limited by guarantee")
        );
        assert_eq!(
            guarantee.size_hint(),
            None,
            "full accounts prove nothing about size"
        );
        assert!(facts(
            "Private Limited Company",
            "DORMANT",
            "Active - Proposal to Strike off"
        )
        .size_hint()
        .is_none());
        assert!(facts("Private Limited Company", "", "Liquidation").is_dissolved());
        assert!(!facts("Private Limited Company", "", "Active").is_dissolved());
    }

    #[test]
    fn a_supplier_form_parses_into_typed_fields() {
        let f = SupplierFields {
            name: " Lancashire Cleaning Co-operative ".into(),
            company_number: "ip12345".into(),
            postcode_registered: "pr12he".into(),
            location_basis: "branch".into(),
            size_band: "small".into(),
            size_definition: "employees".into(),
            employees: "1,2".into(),
            turnover: "£1,250,000".into(),
            is_cooperative: Some("on".into()),
            sic_codes: "81210, 81220".into(),
            living_wage: "yes".into(),
            ..Default::default()
        };
        let i = f.parse().unwrap();
        assert_eq!(i.name, "Lancashire Cleaning Co-operative");
        assert_eq!(i.company_number.as_deref(), Some("IP012345"));
        assert_eq!(i.postcode_registered.unwrap().as_str(), "PR1 2HE");
        assert_eq!(i.basis, LocationBasis::Branch);
        assert_eq!(i.size, Some((SizeBand::Small, SizeDefinition::Employees)));
        assert_eq!(i.employees, Some(12));
        assert_eq!(i.turnover, Some(Pence(125_000_000)));
        assert!(i.flags.cooperative && !i.flags.vcse);
        assert_eq!(i.sic_codes, ["81210", "81220"]);
        assert_eq!(i.living_wage, LivingWage::Yes);
    }

    #[test]
    fn a_bad_supplier_form_names_every_problem() {
        let f = SupplierFields {
            name: "Redacted Personal Information".into(),
            company_number: "N/A".into(),
            postcode_branch: "PR1 2CE".into(),
            override_place: "E07000126".into(),
            size_band: "small".into(),
            employees: "lots".into(),
            sic_codes: "8121".into(),
            ..Default::default()
        };
        let fields: Vec<&str> = f.parse().unwrap_err().into_iter().map(|(f, _)| f).collect();
        assert_eq!(
            fields,
            [
                "name",
                "company_number",
                "postcode_branch",
                "override_justification",
                "employees",
                "size_definition",
                "sic_codes"
            ]
        );
    }

    #[test]
    fn bands_follow_employee_counts() {
        assert_eq!(band_for_employees(0), SizeBand::Micro);
        assert_eq!(band_for_employees(9), SizeBand::Micro);
        assert_eq!(band_for_employees(10), SizeBand::Small);
        assert_eq!(band_for_employees(249), SizeBand::Medium);
        assert_eq!(band_for_employees(250), SizeBand::Large);
    }

    use super::*;
    use proptest::prelude::*;

    #[test]
    fn variants_of_one_name_meet() {
        let variants = [
            "ACME Co Ltd",
            "The Acme Company Limited",
            "ACME CO. LTD.",
            "acme co ltd  ",
            "ACME\u{a0}CO\u{a0}LIMITED",
            "ACME CO LTD (Ref 00123)",
            "Acme Co Ltd - 12345678",
        ];
        for v in variants {
            assert_eq!(normalise_name(v), "ACME CO LTD", "{v:?}");
        }
    }

    #[test]
    fn ampersands_plc_and_apostrophes() {
        assert_eq!(
            normalise_name("Marks & Spencer plc"),
            "MARKS AND SPENCER PLC"
        );
        assert_eq!(
            normalise_name("MARKS AND SPENCER P.L.C."),
            "MARKS AND SPENCER PLC"
        );
        assert_eq!(normalise_name("O'Brien's Bakery"), "OBRIENS BAKERY");
        assert_eq!(normalise_name("Npower"), "NPOWER");
        assert_eq!(
            normalise_name("2 Works TM Ltd"),
            "2 WORKS TM LTD",
            "a leading number is part of the name"
        );
        assert_eq!(
            normalise_name("3M"),
            "3M",
            "a name is never reduced to nothing"
        );
    }

    #[test]
    fn match_keys_ignore_legal_forms() {
        assert_eq!(match_key("Acme Limited"), match_key("ACME"));
        assert_eq!(match_key("Acme UK Ltd"), "ACME");
        assert_ne!(match_key("Acme Builders Ltd"), match_key("Acme Ltd"));
        assert_eq!(match_key("Ltd"), "LTD");
    }

    #[test]
    fn redacted_payees_are_recognised() {
        assert!(is_redacted("Redacted Personal Information"));
        assert!(is_redacted("REDACTED"));
        assert!(is_redacted("Personal Information"));
        assert!(!is_redacted("Redcar Plumbing Ltd"));
    }

    #[test]
    fn charity_and_vat_numbers_follow_their_published_patterns() {
        for ok in ["1123456", "224567", "1123456-1", "sc012345", "NIC100002"] {
            assert!(normalise_charity_number(ok).is_some(), "{ok}");
        }
        for bad in [
            "=HYPERLINK(\"x\")",
            "12345",
            "SC12345",
            "123456789",
            "1123456-123",
            "N/A",
        ] {
            assert_eq!(normalise_charity_number(bad), None, "{bad}");
        }
        assert_eq!(
            normalise_vat_number("gb 123 4567 89").as_deref(),
            Some("GB123456789")
        );
        for ok in [
            "123456789",
            "GB123456789012",
            "GBGD001",
            "XI123456789",
            "GBHA500",
        ] {
            assert!(normalise_vat_number(ok).is_some(), "{ok}");
        }
        for bad in ["=1+1", "GB12345678", "FR12345678901", "GBGD0001", "-"] {
            assert_eq!(normalise_vat_number(bad), None, "{bad}");
        }
    }

    #[test]
    fn company_numbers_are_padded_and_checked() {
        assert_eq!(
            normalise_company_number("1234567").as_deref(),
            Some("01234567")
        );
        assert_eq!(
            normalise_company_number(" sc123456 ").as_deref(),
            Some("SC123456")
        );
        assert_eq!(
            normalise_company_number("SC12345").as_deref(),
            Some("SC012345")
        );
        assert_eq!(normalise_company_number("N/A"), None);
        assert_eq!(normalise_company_number("123456789"), None);
        assert_eq!(normalise_company_number(""), None);
    }

    proptest! {
        #[test]
        fn normalising_is_idempotent(raw in "[ -~\u{a0}’]{0,40}") {
            let once = normalise_name(&raw);
            prop_assert_eq!(normalise_name(&once), once.clone());
            prop_assert!(!once.contains("  ") && once.trim() == once);
        }

        #[test]
        fn case_and_spacing_never_matter(words in proptest::collection::vec("[a-zA-Z]{1,8}", 1..5)) {
            let spaced = words.join("   ");
            let upper = words.join(" ").to_uppercase();
            prop_assert_eq!(normalise_name(&spaced), normalise_name(&upper));
        }
    }
}
