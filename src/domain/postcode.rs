//! UK postcodes: parsing, normalising and validating against the published
//! format rules, and recognising the codes that do not locate a place.
//!
//! A postcode is an outward code (area letters and district, `PR1`) and an
//! inward code (sector digit and unit letters, `2HE`). The outward code takes
//! one of six shapes (`A9`, `A99`, `AA9`, `AA99`, `A9A`, `AA9A`); letters are
//! barred from some positions; `GIR 0AA` is a historic special case.

use std::fmt;

/// A valid, normalised postcode such as `PR1 2HE`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Postcode(String);

/// What a postcode says about location.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PostcodeKind {
    /// An ordinary postcode with a place on the map.
    Geographic,
    /// Issued for mail handling, not a place: PO box areas (`BX`), British
    /// Forces (`BF1`), Girobank (`GIR 0AA`) and similar.
    NonGeographic,
    /// A British Overseas Territory code (`ASCN 1ZZ`, `STHL 1ZZ`, `GX11 1AA` …):
    /// outside the UK.
    OverseasTerritory,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PostcodeError {
    #[error("no postcode given")]
    Empty,
    #[error("“{0}” is not a UK postcode: it should look like PR1 2HE")]
    Malformed(String),
}

/// Overseas territory postcodes, which use their own fixed codes.
const OVERSEAS: [&str; 10] = [
    "ASCN 1ZZ", // Ascension Island
    "BBND 1ZZ", // British Indian Ocean Territory
    "BIQQ 1ZZ", // British Antarctic Territory
    "FIQQ 1ZZ", // Falkland Islands
    "GX11 1AA", // Gibraltar
    "PCRN 1ZZ", // Pitcairn Islands
    "SIQQ 1ZZ", // South Georgia and the South Sandwich Islands
    "STHL 1ZZ", // Saint Helena
    "TDCU 1ZZ", // Tristan da Cunha
    "TKCA 1ZZ", // Turks and Caicos Islands
];

/// Letters never used first in an outward code.
const NOT_FIRST: &[u8] = b"QVX";
/// Letters never used second in a two-letter area.
const NOT_SECOND: &[u8] = b"IJZ";
/// Letters allowed third in an `A9A` outward code.
const THIRD_A9A: &[u8] = b"ABCDEFGHJKPSTUW";
/// Letters allowed fourth in an `AA9A` outward code.
const FOURTH_AA9A: &[u8] = b"ABEHMNPRVWXY";
/// Letters never used in the inward code's unit.
const NOT_INWARD: &[u8] = b"CIKMOV";

fn valid_outward(o: &[u8]) -> bool {
    let shape: String = o
        .iter()
        .map(|c| match c {
            b'0'..=b'9' => '9',
            b'A'..=b'Z' => 'A',
            _ => '?',
        })
        .collect();
    let first_ok = !NOT_FIRST.contains(&o[0]);
    let second_ok = || !NOT_SECOND.contains(&o[1]);
    match shape.as_str() {
        "A9" | "A99" => first_ok,
        "A9A" => first_ok && THIRD_A9A.contains(&o[2]),
        "AA9" | "AA99" => first_ok && second_ok(),
        "AA9A" => first_ok && second_ok() && FOURTH_AA9A.contains(&o[3]),
        _ => false,
    }
}

fn valid_inward(i: &[u8]) -> bool {
    match *i {
        [d, u1, u2] => {
            d.is_ascii_digit()
                && [u1, u2]
                    .iter()
                    .all(|c| c.is_ascii_uppercase() && !NOT_INWARD.contains(c))
        }
        _ => false,
    }
}

impl Postcode {
    /// Parses a postcode written any common way (`pr12he`, ` PR1  2HE `,
    /// `Pr1 2he`) into its normal form `PR1 2HE`.
    pub fn parse(raw: &str) -> Result<Self, PostcodeError> {
        let compact: String = raw
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| c.to_ascii_uppercase())
            .collect();
        if compact.is_empty() {
            return Err(PostcodeError::Empty);
        }
        if compact.len() < 5 || compact.len() > 8 || !compact.is_ascii() {
            return Err(PostcodeError::Malformed(raw.trim().to_owned()));
        }
        let (outward, inward) = compact.split_at(compact.len() - 3);
        let normal = format!("{outward} {inward}");
        if normal == "GIR 0AA" || OVERSEAS.contains(&normal.as_str()) {
            return Ok(Self(normal));
        }
        if valid_outward(outward.as_bytes()) && valid_inward(inward.as_bytes()) {
            Ok(Self(normal))
        } else {
            Err(PostcodeError::Malformed(raw.trim().to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The outward code, e.g. `PR1`.
    pub fn outward(&self) -> &str {
        &self.0[..self.0.len() - 4]
    }

    /// The inward code, e.g. `2HE`.
    pub fn inward(&self) -> &str {
        &self.0[self.0.len() - 3..]
    }

    /// The postcode area: the leading letters, e.g. `PR`.
    pub fn area(&self) -> &str {
        let outward = self.outward();
        let letters = outward.bytes().take_while(u8::is_ascii_uppercase).count();
        &outward[..letters]
    }

    pub fn kind(&self) -> PostcodeKind {
        let outward = self.outward();
        if OVERSEAS.contains(&self.0.as_str()) {
            PostcodeKind::OverseasTerritory
        } else if self.0 == "GIR 0AA"
            || self.area() == "BX"
            || outward == "BF1"
            || self.area() == "XM"
        {
            PostcodeKind::NonGeographic
        } else {
            PostcodeKind::Geographic
        }
    }

    /// Jersey, Guernsey and the Isle of Man: Crown dependencies, not part of
    /// the UK, though they share the postcode system.
    pub fn is_crown_dependency(&self) -> bool {
        matches!(self.area(), "JE" | "GY" | "IM")
    }
}

impl fmt::Display for Postcode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn normalises_common_spellings() {
        for raw in ["pr12he", "PR1 2HE", " pr1  2he ", "Pr1\t2hE", "PR12HE"] {
            assert_eq!(Postcode::parse(raw).unwrap().as_str(), "PR1 2HE", "{raw:?}");
        }
        assert_eq!(Postcode::parse("m11ae").unwrap().as_str(), "M1 1AE");
        assert_eq!(Postcode::parse("ec1a1bb").unwrap().as_str(), "EC1A 1BB");
        assert_eq!(Postcode::parse("w1a0ax").unwrap().as_str(), "W1A 0AX");
        assert_eq!(Postcode::parse("b338th").unwrap().as_str(), "B33 8TH");
        assert_eq!(Postcode::parse("cr26xh").unwrap().as_str(), "CR2 6XH");
        assert_eq!(Postcode::parse("dn551pt").unwrap().as_str(), "DN55 1PT");
    }

    #[test]
    fn parts_of_a_postcode() {
        let p = Postcode::parse("EC1A 1BB").unwrap();
        assert_eq!((p.outward(), p.inward(), p.area()), ("EC1A", "1BB", "EC"));
        let p = Postcode::parse("M1 1AE").unwrap();
        assert_eq!((p.outward(), p.inward(), p.area()), ("M1", "1AE", "M"));
    }

    #[test]
    fn rejects_what_the_format_rules_forbid() {
        assert_eq!(Postcode::parse("  "), Err(PostcodeError::Empty));
        for bad in [
            "QA1 1AA",  // Q never first
            "VA1 1AA",  // V never first
            "XA1 1AA",  // X never first
            "AI1 1AA",  // I never second
            "AZ1 1AA",  // Z never second
            "A1I 1AA",  // I not allowed third in A9A
            "AA1C 1AA", // C not allowed fourth in AA9A
            "PR1 2CE",  // C never in the unit
            "PR1 2HI",  // I never in the unit
            "PR1 AHE",  // sector must be a digit
            "PR1",      // outward only
            "PR1 2HEX", // too long inward
            "123 456", "PRESTON", "PR1 2HÉ",
        ] {
            assert!(Postcode::parse(bad).is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn recognises_special_codes() {
        assert_eq!(
            Postcode::parse("gir0aa").unwrap().kind(),
            PostcodeKind::NonGeographic
        );
        assert_eq!(
            Postcode::parse("BX1 1LT").unwrap().kind(),
            PostcodeKind::NonGeographic
        );
        assert_eq!(
            Postcode::parse("BF1 4FB").unwrap().kind(),
            PostcodeKind::NonGeographic
        );
        assert_eq!(
            Postcode::parse("STHL1ZZ").unwrap().kind(),
            PostcodeKind::OverseasTerritory
        );
        assert_eq!(
            Postcode::parse("GX11 1AA").unwrap().kind(),
            PostcodeKind::OverseasTerritory
        );
        assert_eq!(
            Postcode::parse("PR1 2HE").unwrap().kind(),
            PostcodeKind::Geographic
        );
        assert!(Postcode::parse("JE2 3AB").unwrap().is_crown_dependency());
        assert!(!Postcode::parse("PR1 2HE").unwrap().is_crown_dependency());
    }

    /// Any valid outward and inward code, built from the format rules.
    fn valid_postcode() -> impl Strategy<Value = String> {
        let first = "[A-PR-UWYZ]";
        let second = "[A-HK-Y]";
        let shapes = [
            format!("{first}[0-9]"),
            format!("{first}[0-9][0-9]"),
            format!("{first}[0-9][ABCDEFGHJKPSTUW]"),
            format!("{first}{second}[0-9]"),
            format!("{first}{second}[0-9][0-9]"),
            format!("{first}{second}[0-9][ABEHMNPRVWXY]"),
        ];
        let outward = proptest::strategy::Union::new(
            shapes.map(|re| proptest::string::string_regex(&re).unwrap()),
        );
        let inward = proptest::string::string_regex("[0-9][ABD-HJLNP-UW-Z]{2}").unwrap();
        (outward, inward).prop_map(|(o, i)| format!("{o} {i}"))
    }

    proptest! {
        #[test]
        fn every_valid_postcode_parses_to_itself(pc in valid_postcode()) {
            let parsed = Postcode::parse(&pc).unwrap();
            prop_assert_eq!(parsed.as_str(), pc.as_str());
        }

        #[test]
        fn spacing_and_case_never_matter(pc in valid_postcode(), spaces in "[ \t]{0,3}") {
            let messy = format!("{spaces}{}{spaces}", pc.to_lowercase().replace(' ', &spaces));
            let parsed = Postcode::parse(&messy).unwrap();
            prop_assert_eq!(parsed.as_str(), pc.as_str());
        }

        #[test]
        fn normalising_is_idempotent(raw in "[A-Za-z0-9 ]{0,10}") {
            if let Ok(p) = Postcode::parse(&raw) {
                prop_assert_eq!(Postcode::parse(p.as_str()).unwrap(), p.clone());
                prop_assert_eq!(p.as_str().matches(' ').count(), 1);
                prop_assert_eq!(p.inward().len(), 3);
            }
        }

        #[test]
        fn the_unit_never_holds_barred_letters(pc in valid_postcode(), bad in "[CIKMOV]") {
            let broken = format!("{}{}", &pc[..pc.len() - 1], bad);
            prop_assert!(Postcode::parse(&broken).is_err());
        }
    }
}
