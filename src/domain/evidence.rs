//! Evidence from an institution's own files about suppliers on the shared
//! register: the fields a file may propose, reading their values, and the
//! supplier master file's columns (the finance system's vendor export).

use super::postcode::Postcode;
use super::spend_file::normalise_header;
use super::supplier::{
    normalise_charity_number, normalise_company_number, normalise_vat_number, SizeBand,
    SizeDefinition, SupplierFields,
};
use super::text_enum;

text_enum! {
    /// A register field a file can propose a value for.
    pub enum ProposedField {
        InvoicePostcode => ("postcode_invoice", "Invoice address postcode"),
        CompanyNumber => ("company_number", "Companies House number"),
        CharityNumber => ("charity_number", "Charity number"),
        VatNumber => ("vat_number", "VAT number"),
        Vcse => ("vcse", "VCSE organisation"),
        Sme => ("sme", "SME (small or medium-sized enterprise)"),
    }
}

const YES: &str = "yes";
const NO: &str = "no";

impl ProposedField {
    /// The register's value now, as a proposal would spell it ("" for none;
    /// a flag is "yes" or "").
    pub fn current(self, f: &SupplierFields) -> String {
        match self {
            Self::InvoicePostcode => f.postcode_invoice.clone(),
            Self::CompanyNumber => f.company_number.clone(),
            Self::CharityNumber => f.charity_number.clone(),
            Self::VatNumber => f.vat_number.clone(),
            Self::Vcse => if f.is_vcse.is_some() { YES } else { "" }.to_owned(),
            // Any band answers the question: micro, small and medium are SMEs.
            Self::Sme => match SizeBand::from_code(&f.size_band) {
                Some(band) if band.is_sme() => YES,
                Some(_) => NO,
                None => "",
            }
            .to_owned(),
        }
    }

    /// Whether `value` disagrees with the register's value: the register
    /// holds another value ("no" for a flag the register has not set agrees).
    pub fn conflicts(self, f: &SupplierFields, value: &str) -> bool {
        let now = self.current(f);
        !now.is_empty() && now != value
    }

    /// Whether `value` would change nothing.
    pub fn agrees(self, f: &SupplierFields, value: &str) -> bool {
        let now = self.current(f);
        now == value || (self == Self::Vcse && value == NO && now.is_empty())
    }

    /// Writes `value` into the fields. An invoice postcode becomes the basis
    /// of the location when the basis in use has no postcode.
    pub fn apply(self, f: &mut SupplierFields, value: &str) {
        match self {
            Self::InvoicePostcode => {
                f.postcode_invoice = value.to_owned();
                let basis_postcode = match f.location_basis.as_str() {
                    "branch" => &f.postcode_branch,
                    "invoice" => &f.postcode_invoice,
                    _ => &f.postcode_registered,
                };
                if basis_postcode.is_empty() {
                    f.location_basis = "invoice".into();
                }
            }
            Self::CompanyNumber => f.company_number = value.to_owned(),
            Self::CharityNumber => f.charity_number = value.to_owned(),
            Self::VatNumber => f.vat_number = value.to_owned(),
            Self::Vcse => f.is_vcse = (value == YES).then(|| "on".to_owned()),
            // "Not an SME" is large; an SME's band stays unstated until a
            // source that knows it (accounts, the supplier) gives it.
            Self::Sme => {
                let band = if value == YES {
                    SizeBand::Sme
                } else {
                    SizeBand::Large
                };
                f.size_band = band.code().to_owned();
                f.size_definition = SizeDefinition::SmeFlag.code().to_owned();
            }
        }
    }

    /// Reads a cell as this field's value: `Ok(None)` for an empty cell,
    /// `Err` with the reason for one that is not a valid value.
    pub fn read(self, raw: &str) -> Result<Option<String>, String> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Ok(None);
        }
        let invalid = |what: &str| format!("“{raw}” is not a valid {what}");
        match self {
            Self::InvoicePostcode => Postcode::parse(raw)
                .map(|p| Some(p.as_str().to_owned()))
                .map_err(|_| invalid("postcode")),
            Self::CompanyNumber => normalise_company_number(raw)
                .map(Some)
                .ok_or_else(|| invalid("Companies House number")),
            Self::CharityNumber => normalise_charity_number(raw)
                .map(Some)
                .ok_or_else(|| invalid("charity number")),
            Self::VatNumber => normalise_vat_number(raw)
                .map(Some)
                .ok_or_else(|| invalid("VAT number")),
            Self::Vcse => read_flag(raw)
                .map(|on| Some(if on { YES } else { NO }.to_owned()))
                .ok_or_else(|| format!("“{raw}” is neither yes nor no")),
            Self::Sme => read_sme_flag(raw)
                .map(|on| Some(if on { YES } else { NO }.to_owned()))
                .ok_or_else(|| format!("“{raw}” is neither yes nor no")),
        }
    }
}

/// A yes/no cell as finance systems write it.
pub fn read_flag(raw: &str) -> Option<bool> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "y" | "yes" | "true" | "1" | "x" => Some(true),
        "n" | "no" | "false" | "0" => Some(false),
        _ => None,
    }
}

/// An SME column's cell: yes/no as [`read_flag`] reads it, or the words
/// files use instead ("SME", "Non-SME", "Large").
pub fn read_sme_flag(raw: &str) -> Option<bool> {
    read_flag(raw).or_else(|| {
        let words: String = raw
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_lowercase())
            .collect();
        match words.as_str() {
            "sme" | "small" | "medium" | "micro" | "smallormedium" => Some(true),
            "nonsme" | "notsme" | "notansme" | "large" => Some(false),
            _ => None,
        }
    })
}

/// The first UK postcode inside free text (an address line), as written
/// with or without its space.
pub fn postcode_in(text: &str) -> Option<Postcode> {
    let words: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || c == ',' || c == ';' || c == '.')
        .filter(|w| !w.is_empty())
        .collect();
    for (i, word) in words.iter().enumerate() {
        if let Some(next) = words.get(i + 1) {
            if let Ok(p) = Postcode::parse(&format!("{word} {next}")) {
                return Some(p);
            }
        }
        let compact = word.len() >= 5 && word.chars().any(|c| c.is_ascii_digit());
        if compact {
            if let Ok(p) = Postcode::parse(word) {
                return Some(p);
            }
        }
    }
    None
}

/// What a column of a supplier master file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MasterColumn {
    SupplierId,
    Name,
    AddressLine,
    Postcode,
    Field(ProposedField),
}

/// Recognises a master file's header. The finance systems' exports name
/// their columns many ways: "Supplier No", "Vendor ID", "Creditor Code";
/// "Address Line 1" … "Town"; "Post Code"; "Company Reg No"; "VAT Reg".
pub fn master_column(header: &str) -> Option<MasterColumn> {
    let h = normalise_header(header);
    let has = |words: &[&str]| words.iter().any(|w| h.contains(w));
    if has(&["vcse", "voluntary", "thirdsector", "socialenterprise"]) {
        return Some(MasterColumn::Field(ProposedField::Vcse));
    }
    // "sme" inside a longer word ("assessment") is not the flag.
    let sme = h.starts_with("sme") || h.ends_with("sme") || h.contains("smallormedium");
    if sme || h.contains("smallandmedium") {
        return Some(MasterColumn::Field(ProposedField::Sme));
    }
    if has(&["vat"]) {
        return Some(MasterColumn::Field(ProposedField::VatNumber));
    }
    if has(&["charity"]) {
        return Some(MasterColumn::Field(ProposedField::CharityNumber));
    }
    if has(&["company", "companies", "crn"]) && !has(&["name"]) {
        return Some(MasterColumn::Field(ProposedField::CompanyNumber));
    }
    if has(&["postcode", "postalcode", "zip"]) {
        return Some(MasterColumn::Postcode);
    }
    if has(&["address", "street", "town", "city", "county", "locality"]) {
        return Some(MasterColumn::AddressLine);
    }
    let party = has(&["supplier", "vendor", "creditor", "payee", "account"]);
    if party && has(&["name"]) || h == "name" {
        return Some(MasterColumn::Name);
    }
    if party && has(&["id", "no", "number", "code", "ref"]) || h == "id" {
        return Some(MasterColumn::SupplierId);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_postcode_is_found_inside_an_address_line() {
        let found = |t: &str| postcode_in(t).map(|p| p.as_str().to_owned());
        assert_eq!(
            found("Unit 4, Riverside Park, Preston PR1 8XY").as_deref(),
            Some("PR1 8XY")
        );
        assert_eq!(
            found("12 High St, Leeds, LS11AB").as_deref(),
            Some("LS1 1AB")
        );
        assert_eq!(
            found("Town Hall, Halifax HX1 1UJ.").as_deref(),
            Some("HX1 1UJ")
        );
        assert_eq!(found("123 London Road"), None);
        assert_eq!(found(""), None);
    }

    #[test]
    fn master_file_headers_are_recognised() {
        use MasterColumn::*;
        let cols: Vec<Option<MasterColumn>> = [
            "Supplier No",
            "Vendor Name",
            "Address Line 1",
            "Town",
            "Post Code",
            "Company Reg No",
            "Charity Number",
            "VAT Reg",
            "VCSE?",
            "Is SME",
            "Payment Assessment",
            "Phone",
        ]
        .iter()
        .map(|h| master_column(h))
        .collect();
        assert_eq!(
            cols,
            [
                Some(SupplierId),
                Some(Name),
                Some(AddressLine),
                Some(AddressLine),
                Some(Postcode),
                Some(Field(ProposedField::CompanyNumber)),
                Some(Field(ProposedField::CharityNumber)),
                Some(Field(ProposedField::VatNumber)),
                Some(Field(ProposedField::Vcse)),
                Some(Field(ProposedField::Sme)),
                None,
                None
            ]
        );
    }

    #[test]
    fn values_are_read_or_refused_with_a_reason() {
        assert_eq!(
            ProposedField::CompanyNumber.read(" 1234567 "),
            Ok(Some("01234567".into()))
        );
        assert!(ProposedField::CompanyNumber.read("N/A!").is_err());
        assert_eq!(ProposedField::Vcse.read("Y"), Ok(Some("yes".into())));
        assert_eq!(ProposedField::Vcse.read(""), Ok(None));
        assert!(ProposedField::Vcse.read("maybe").is_err());
        let mut f = SupplierFields::default();
        assert!(ProposedField::Vcse.agrees(&f, "no"));
        ProposedField::InvoicePostcode.apply(&mut f, "PR1 2HE");
        assert_eq!(
            (f.postcode_invoice.as_str(), f.location_basis.as_str()),
            ("PR1 2HE", "invoice")
        );
        assert!(ProposedField::InvoicePostcode.conflicts(&f, "PR1 1AA"));
        assert!(!ProposedField::CompanyNumber.conflicts(&f, "01234567"));
    }

    #[test]
    fn an_sme_flag_is_a_size_fact_that_any_band_can_answer() {
        for (raw, read) in [
            ("SME", "yes"),
            ("Non-SME", "no"),
            ("Y", "yes"),
            ("large", "no"),
        ] {
            assert_eq!(ProposedField::Sme.read(raw), Ok(Some(read.into())), "{raw}");
        }
        assert!(ProposedField::Sme.read("perhaps").is_err());
        let mut f = SupplierFields::default();
        assert!(!ProposedField::Sme.agrees(&f, "no"), "“not an SME” is news");
        f.size_band = "medium".into();
        assert!(ProposedField::Sme.agrees(&f, "yes"));
        assert!(ProposedField::Sme.conflicts(&f, "no"));
        let mut unsized_ = SupplierFields {
            name: "Green Futures CIC".into(),
            ..Default::default()
        };
        ProposedField::Sme.apply(&mut unsized_, "yes");
        assert_eq!(
            (
                unsized_.size_band.as_str(),
                unsized_.size_definition.as_str()
            ),
            ("sme", "sme_flag")
        );
        assert!(
            unsized_.parse().is_ok(),
            "the register takes the unstated band"
        );
    }
}
