//! Money as integer pence. Amounts are parsed straight from text to pence,
//! never through a float.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, serde::Serialize)]
pub struct Pence(pub i64);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("no amount given")]
    Empty,
    #[error("“{0}” is not an amount of money")]
    Invalid(String),
    #[error("“{0}” has more than two decimal places")]
    TooPrecise(String),
    #[error("“{0}” is too large")]
    TooLarge(String),
}

impl Pence {
    /// Parses amounts as people and finance systems write them: `1234.5`,
    /// `£1,234.56`, `-1,234.00`, `(1,234.00)` and `1,234.00-` (negative).
    pub fn parse(raw: &str) -> Result<Self, MoneyError> {
        let original = raw.trim();
        if original.is_empty() {
            return Err(MoneyError::Empty);
        }
        let invalid = || MoneyError::Invalid(original.to_owned());
        let mut s = original.replace([',', ' ', '\u{a0}'], "");
        let mut negative = false;
        if s.starts_with('(') && s.ends_with(')') {
            negative = true;
            s = s[1..s.len() - 1].to_owned();
        }
        if let Some(rest) = s.strip_suffix('-') {
            negative = !negative;
            s = rest.to_owned();
        }
        if let Some(rest) = s.strip_prefix('-') {
            negative = !negative;
            s = rest.to_owned();
        } else if let Some(rest) = s.strip_prefix('+') {
            s = rest.to_owned();
        }
        let s = s
            .strip_prefix('£')
            .or_else(|| s.strip_prefix("GBP"))
            .unwrap_or(&s);
        let s = s.strip_prefix('-').map_or(s, |rest| {
            negative = !negative;
            rest
        });
        let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
        if whole.is_empty() && frac.is_empty() {
            return Err(invalid());
        }
        if !whole.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid());
        }
        if frac.len() > 2 {
            return Err(MoneyError::TooPrecise(original.to_owned()));
        }
        let pounds: i64 = if whole.is_empty() {
            0
        } else {
            whole
                .parse()
                .map_err(|_| MoneyError::TooLarge(original.to_owned()))?
        };
        let pence: i64 = format!("{frac:0<2}").parse().map_err(|_| invalid())?;
        let total = pounds
            .checked_mul(100)
            .and_then(|p| p.checked_add(pence))
            .ok_or_else(|| MoneyError::TooLarge(original.to_owned()))?;
        Ok(Self(if negative { -total } else { total }))
    }

    /// Plain `1234.56`, for CSV cells a spreadsheet sums.
    pub fn plain(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        format!("{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

/// `£1,234.56` (and `-£1,234.56`) for people.
impl fmt::Display for Pence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let pounds = (abs / 100).to_string();
        let mut grouped = String::new();
        for (i, ch) in pounds.chars().enumerate() {
            if i > 0 && (pounds.len() - i).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(ch);
        }
        write!(f, "{sign}£{grouped}.{:02}", abs % 100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_the_forms_councils_publish() {
        let cases = [
            ("487", 48_700),
            ("1234.5", 123_450),
            ("£1,234.00", 123_400),
            ("\"2,100.00\"".trim_matches('"'), 210_000),
            ("-1,234.00", -123_400),
            ("(1,234.00)", -123_400),
            ("1,234.00-", -123_400),
            ("£1234.5", 123_450),
            ("-£12.34", -1_234),
            (".5", 50),
            ("0.01", 1),
        ];
        for (raw, pence) in cases {
            assert_eq!(Pence::parse(raw), Ok(Pence(pence)), "{raw}");
        }
    }

    #[test]
    fn refuses_what_is_not_money() {
        assert_eq!(Pence::parse(" "), Err(MoneyError::Empty));
        assert!(matches!(
            Pence::parse("12.345"),
            Err(MoneyError::TooPrecise(_))
        ));
        for bad in ["abc", "1.2.3", "£", "12a", "--", "1e5"] {
            assert!(
                matches!(Pence::parse(bad), Err(MoneyError::Invalid(_))),
                "{bad}"
            );
        }
        assert!(matches!(
            Pence::parse("99999999999999999999"),
            Err(MoneyError::TooLarge(_))
        ));
    }

    #[test]
    fn shows_pounds_for_people_and_plain_numbers_for_spreadsheets() {
        assert_eq!(Pence(123_456_789).to_string(), "£1,234,567.89");
        assert_eq!(Pence(-5).to_string(), "-£0.05");
        assert_eq!(Pence(100_000).to_string(), "£1,000.00");
        assert_eq!(Pence(-123_400).plain(), "-1234.00");
    }

    proptest! {
        #[test]
        fn display_and_plain_parse_back(p in -10_000_000_000_i64..10_000_000_000) {
            prop_assert_eq!(Pence::parse(&Pence(p).to_string()).unwrap(), Pence(p));
            prop_assert_eq!(Pence::parse(&Pence(p).plain()).unwrap(), Pence(p));
        }
    }
}
