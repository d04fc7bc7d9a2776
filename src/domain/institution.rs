//! Anchor institutions and the fields that describe them.

use super::gss::{GssCode, GssError};
use super::text_enum;

text_enum! {
    /// The kind of anchor institution.
    pub enum InstitutionKind {
        Council => ("council", "Council"),
        NhsTrust => ("nhs_trust", "NHS trust"),
        University => ("university", "University"),
        College => ("college", "College"),
        HousingAssociation => ("housing_association", "Housing association"),
        Police => ("police", "Police"),
        Fire => ("fire", "Fire and rescue"),
        Other => ("other", "Other"),
    }
}

/// A validated institution as entered on the form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstitutionInput {
    pub name: String,
    pub kind: InstitutionKind,
    pub home_lad: GssCode,
    pub fy_start_month: i32,
}

/// Field-level problems with an institution form.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct InstitutionErrors {
    pub name: Option<String>,
    pub kind: Option<String>,
    pub home_lad: Option<String>,
    pub fy_start_month: Option<String>,
}

impl InstitutionInput {
    /// Parses raw form text into an institution, or says what is wrong with
    /// each field.
    pub fn parse(
        name: &str,
        kind: &str,
        home_lad: &str,
        fy_start_month: &str,
    ) -> Result<Self, InstitutionErrors> {
        let mut errors = InstitutionErrors::default();
        let name = name.trim();
        if name.is_empty() {
            errors.name = Some("Enter the institution's name".into());
        } else if name.chars().count() > 200 {
            errors.name = Some("Name must be 200 characters or fewer".into());
        }
        let kind = InstitutionKind::from_code(kind.trim());
        if kind.is_none() {
            errors.kind = Some("Choose the kind of institution".into());
        }
        let home_lad = GssCode::parse_district(home_lad).map_err(|e: GssError| e.to_string());
        if let Err(e) = &home_lad {
            errors.home_lad = Some(e.clone());
        }
        let month = fy_start_month
            .trim()
            .parse::<i32>()
            .ok()
            .filter(|m| (1..=12).contains(m));
        if month.is_none() {
            errors.fy_start_month = Some("Choose the month the financial year starts".into());
        }
        match (kind, home_lad, month) {
            (Some(kind), Ok(home_lad), Some(fy_start_month))
                if errors == InstitutionErrors::default() =>
            {
                Ok(Self {
                    name: name.to_owned(),
                    kind,
                    home_lad,
                    fy_start_month,
                })
            }
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_good_institution() {
        let i =
            InstitutionInput::parse(" Preston City Council ", "council", "e07000123", "4").unwrap();
        assert_eq!(i.name, "Preston City Council");
        assert_eq!(i.kind, InstitutionKind::Council);
        assert_eq!(i.home_lad.as_str(), "E07000123");
        assert_eq!(i.fy_start_month, 4);
    }

    #[test]
    fn reports_every_bad_field() {
        let e = InstitutionInput::parse("", "castle", "E12000002", "13").unwrap_err();
        assert!(e.name.is_some());
        assert!(e.kind.is_some());
        assert!(e.home_lad.unwrap().contains("district"));
        assert!(e.fy_start_month.is_some());
    }
}
