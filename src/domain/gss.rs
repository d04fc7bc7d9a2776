//! ONS Government Statistical Service (GSS) codes: a letter for the nation
//! and eight digits, e.g. `E07000123` (Preston).

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct GssCode(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GssError {
    #[error("Enter a GSS code")]
    Empty,
    #[error("Enter a GSS code as a letter and eight digits, like E07000123")]
    Malformed,
    #[error("Enter a local authority district code (E06, E07, E08, E09, W06, S12 or N09), like E07000123")]
    NotADistrict,
}

/// Entity prefixes of local authority districts: unitary, non-metropolitan,
/// metropolitan, London borough, Welsh, Scottish and Northern Irish councils.
const DISTRICT_PREFIXES: [&str; 7] = ["E06", "E07", "E08", "E09", "W06", "S12", "N09"];

impl GssCode {
    /// Parses any GSS code, upper-casing and trimming it.
    pub fn parse(raw: &str) -> Result<Self, GssError> {
        let code = raw.trim().to_ascii_uppercase();
        if code.is_empty() {
            return Err(GssError::Empty);
        }
        let mut chars = code.chars();
        let first = chars.next().unwrap_or(' ');
        let well_formed = code.len() == 9
            && matches!(first, 'E' | 'W' | 'S' | 'N' | 'K' | 'L' | 'M')
            && chars.all(|c| c.is_ascii_digit());
        if well_formed {
            Ok(Self(code))
        } else {
            Err(GssError::Malformed)
        }
    }

    /// Parses a code that must name a local authority district.
    pub fn parse_district(raw: &str) -> Result<Self, GssError> {
        let code = Self::parse(raw)?;
        if DISTRICT_PREFIXES.contains(&code.entity()) {
            Ok(code)
        } else {
            Err(GssError::NotADistrict)
        }
    }

    /// The three-character entity code, e.g. `E07`.
    pub fn entity(&self) -> &str {
        &self.0[..3]
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for GssCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_normalises() {
        assert_eq!(GssCode::parse(" e07000123 ").unwrap().as_str(), "E07000123");
        assert_eq!(GssCode::parse("E12000002").unwrap().entity(), "E12");
    }

    #[test]
    fn rejects_malformed_codes() {
        assert_eq!(GssCode::parse(""), Err(GssError::Empty));
        for bad in [
            "E0700012",
            "E070001234",
            "X07000123",
            "E07A00123",
            "Preston",
        ] {
            assert_eq!(GssCode::parse(bad), Err(GssError::Malformed), "{bad}");
        }
    }

    #[test]
    fn districts_only_where_a_district_is_needed() {
        assert!(GssCode::parse_district("E08000003").is_ok());
        assert!(GssCode::parse_district("W06000015").is_ok());
        assert_eq!(
            GssCode::parse_district("E12000002"),
            Err(GssError::NotADistrict)
        );
        assert_eq!(
            GssCode::parse_district("E10000017"),
            Err(GssError::NotADistrict)
        );
    }
}
