//! Dates as councils publish them: every form seen in the wild, the evidence
//! a numeric date gives about a file's day/month order, and dates typed into
//! forms.

use chrono::{Duration, NaiveDate};

use super::text_enum;

text_enum! {
    /// How to read a numeric date such as `04/05/2021`.
    pub enum DateOrder {
        DayFirst => ("day_first", "Day first (04/05/2021 is 4 May 2021)"),
        MonthFirst => ("month_first", "Month first (04/05/2021 is 5 April 2021)"),
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    #[error("no date given")]
    Empty,
    #[error(
        "“{0}” is a time with no date (the dates were probably lost when the file was exported)"
    )]
    TimeOnly(String),
    #[error("“{0}” is not a date")]
    Invalid(String),
    #[error("“{0}” is not a real date")]
    Impossible(String),
}

/// What a numeric date says about the file's day/month order.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct OrderEvidence {
    /// Dates whose first number is over 12, so must be day first.
    pub day_first: u64,
    /// Dates whose second number is over 12, so must be month first.
    pub month_first: u64,
    /// Numeric dates that read either way.
    pub either: u64,
}

impl OrderEvidence {
    pub fn add(&mut self, other: OrderEvidence) {
        self.day_first += other.day_first;
        self.month_first += other.month_first;
        self.either += other.either;
    }

    /// The order the file's dates prove, if they prove one.
    pub fn proven(&self) -> Option<DateOrder> {
        match (self.day_first > 0, self.month_first > 0) {
            (true, false) => Some(DateOrder::DayFirst),
            (false, true) => Some(DateOrder::MonthFirst),
            _ => None,
        }
    }

    /// Numeric dates appear and none of them settles the order.
    pub fn is_ambiguous(&self) -> bool {
        self.either > 0 && self.day_first == 0 && self.month_first == 0
    }
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

fn month_named(word: &str) -> Option<u32> {
    let w = word.to_ascii_lowercase();
    if w.len() < 3 {
        return None;
    }
    let w = if w == "sept" { "sep".to_owned() } else { w };
    MONTHS
        .iter()
        .position(|m| w.starts_with(m) && (w.len() == 3 || full_month(m).starts_with(&w)))
        .map(|i| i as u32 + 1)
}

fn full_month(short: &str) -> &'static str {
    match short {
        "jan" => "january",
        "feb" => "february",
        "mar" => "march",
        "apr" => "april",
        "may" => "may",
        "jun" => "june",
        "jul" => "july",
        "aug" => "august",
        "sep" => "september",
        "oct" => "october",
        "nov" => "november",
        _ => "december",
    }
}

fn year_of(raw: &str) -> Option<i32> {
    let y: i32 = raw.parse().ok()?;
    match raw.len() {
        2 => Some(if y <= 69 { 2000 + y } else { 1900 + y }),
        4 => Some(y),
        _ => None,
    }
}

fn is_time(s: &str) -> bool {
    let parts: Vec<&str> = s.split(':').collect();
    (2..=3).contains(&parts.len())
        && parts.iter().all(|p| {
            let p = p.split('.').next().unwrap_or("");
            !p.is_empty() && p.len() <= 2 && p.bytes().all(|b| b.is_ascii_digit())
        })
}

const WEEKDAYS: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

/// A leading weekday (`Tuesday, `, `Tue `) dropped, commas made spaces and
/// ordinal suffixes (`26th`) dropped: `Tuesday, April 26th, 2022` →
/// `April 26 2022`.
fn without_weekday_and_ordinals(s: &str) -> String {
    let s = s.replace(',', " ");
    let mut words = s.split_whitespace().peekable();
    if let Some(first) = words.peek() {
        let w = first.trim_end_matches('.').to_ascii_lowercase();
        if w.len() >= 3 && WEEKDAYS.iter().any(|d| d.starts_with(&w)) {
            words.next();
        }
    }
    let mut words: Vec<&str> = words
        .map(|w| {
            let lower = w.to_ascii_lowercase();
            let split = lower
                .len()
                .checked_sub(2)
                .filter(|i| lower.is_char_boundary(*i))
                .map(|i| lower.split_at(i));
            match split {
                Some((digits, "st" | "nd" | "rd" | "th"))
                    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) =>
                {
                    &w[..digits.len()]
                }
                _ => w,
            }
        })
        .collect::<Vec<_>>();
    // A time after a date written in words: `1 September 2022 00:00`.
    if words.len() >= 3
        && words
            .last()
            .is_some_and(|w| w.eq_ignore_ascii_case("am") || w.eq_ignore_ascii_case("pm"))
    {
        words.pop();
    }
    if words.len() >= 2 && words.last().is_some_and(|w| is_time(w)) {
        words.pop();
    }
    words.join(" ")
}

/// A compact ISO date, `20220426`, if it is a real one this century or last.
fn compact(s: &str) -> Option<NaiveDate> {
    if s.len() != 8 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let y: i32 = s[..4].parse().ok()?;
    if !(1900..=2199).contains(&y) {
        return None;
    }
    NaiveDate::from_ymd_opt(y, s[4..6].parse().ok()?, s[6..].parse().ok()?)
}

/// Reads a date as published: ISO `2021-04-01`, `01/04/2021`, `1/4/21`,
/// `01-04-2021`, `01.04.2021`, `04-Jan-17`, `3 Apr 2023`, `3 April 2023`,
/// `26th April 2022`, with a weekday (`Tuesday, April 26, 2022`, `Tue
/// 26/04/2022`), compact `20220426`, an Excel serial number such as `44287`,
/// any of them followed by a time.
/// Numeric day/month dates are read in `order`; the evidence they give about
/// the order is returned alongside.
pub fn parse_date(raw: &str, order: DateOrder) -> Result<(NaiveDate, OrderEvidence), DateError> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(DateError::Empty);
    }
    if is_time(s) {
        return Err(DateError::TimeOnly(s.to_owned()));
    }
    let invalid = || DateError::Invalid(s.to_owned());
    let impossible = || DateError::Impossible(s.to_owned());
    // Drop a trailing time: `2021-04-01T00:00:00`, `01/04/2021 00:00`.
    let date_part = s
        .split(['T', ' '])
        .next()
        .filter(|d| {
            let rest = &s[d.len()..].trim_start_matches(['T', ' ']);
            is_time(rest) || rest.is_empty()
        })
        .unwrap_or(s);
    let none = OrderEvidence::default();
    // Words (a weekday, an ordinal, a comma) are rare: only they pay for a
    // copy.
    let cleaned;
    let date_part = if date_part
        .bytes()
        .any(|b| b.is_ascii_alphabetic() || b == b',')
    {
        cleaned = without_weekday_and_ordinals(date_part);
        cleaned.as_str()
    } else {
        date_part
    };

    if let Some(d) = compact(date_part) {
        return Ok((d, none));
    }
    if date_part.bytes().all(|b| b.is_ascii_digit() || b == b'.') && !date_part.contains("..") {
        // An Excel serial day number (1900 date system), possibly with a
        // fraction of a day.
        let whole = date_part.split('.').next().unwrap_or("");
        if let Ok(n) = whole.parse::<i64>() {
            if (20_000..=80_000).contains(&n) && date_part.matches('.').count() <= 1 {
                let base = NaiveDate::from_ymd_opt(1899, 12, 30).ok_or_else(invalid)?;
                return Ok((base + Duration::days(n), none));
            }
        }
    }

    let parts: Vec<&str> = date_part
        .split(['/', '-', '.', ' '])
        .filter(|p| !p.is_empty())
        .collect();
    if parts.len() != 3 {
        return Err(invalid());
    }
    let numeric = |p: &str| !p.is_empty() && p.len() <= 4 && p.bytes().all(|b| b.is_ascii_digit());

    if parts[0].len() == 4 && parts.iter().all(|p| numeric(p)) {
        let (y, m, d) = (
            parts[0].parse().map_err(|_| invalid())?,
            parts[1].parse().map_err(|_| invalid())?,
            parts[2].parse().map_err(|_| invalid())?,
        );
        return NaiveDate::from_ymd_opt(y, m, d)
            .map(|d| (d, none))
            .ok_or_else(impossible);
    }
    if let Some(month) = month_named(parts[1]) {
        // 04-Jan-17, 3 Apr 2023
        let day: u32 = parts[0].parse().map_err(|_| invalid())?;
        let year = year_of(parts[2]).ok_or_else(invalid)?;
        return NaiveDate::from_ymd_opt(year, month, day)
            .map(|d| (d, none))
            .ok_or_else(impossible);
    }
    if let Some(month) = month_named(parts[0]) {
        // Jan 4 2017
        let day: u32 = parts[1]
            .trim_end_matches(',')
            .parse()
            .map_err(|_| invalid())?;
        let year = year_of(parts[2]).ok_or_else(invalid)?;
        return NaiveDate::from_ymd_opt(year, month, day)
            .map(|d| (d, none))
            .ok_or_else(impossible);
    }
    if !(parts.iter().all(|p| numeric(p)) && parts[0].len() <= 2 && parts[1].len() <= 2) {
        return Err(invalid());
    }
    let a: u32 = parts[0].parse().map_err(|_| invalid())?;
    let b: u32 = parts[1].parse().map_err(|_| invalid())?;
    let year = year_of(parts[2]).ok_or_else(invalid)?;
    let evidence = OrderEvidence {
        day_first: u64::from(a > 12 && b <= 12),
        month_first: u64::from(b > 12 && a <= 12),
        either: u64::from(a <= 12 && b <= 12),
    };
    let (day, month) = match order {
        DateOrder::DayFirst => (a, b),
        DateOrder::MonthFirst => (b, a),
    };
    NaiveDate::from_ymd_opt(year, month, day)
        .map(|d| (d, evidence))
        .ok_or_else(impossible)
}

/// Parses a date typed into a form: UK order, or ISO from a date picker.
pub fn parse_typed_date(raw: &str) -> Result<NaiveDate, DateError> {
    parse_date(raw, DateOrder::DayFirst).map(|(d, _)| d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn day_first(s: &str) -> NaiveDate {
        parse_date(s, DateOrder::DayFirst).unwrap().0
    }

    #[test]
    fn reads_every_published_date_form() {
        assert_eq!(day_first("2021-04-01"), d(2021, 4, 1));
        assert_eq!(day_first("2021-04-01T00:00:00"), d(2021, 4, 1));
        assert_eq!(day_first("21/01/2014"), d(2014, 1, 21));
        assert_eq!(day_first("21/01/2014 00:00:00"), d(2014, 1, 21));
        assert_eq!(day_first("1/4/21"), d(2021, 4, 1));
        assert_eq!(day_first("01-04-2021"), d(2021, 4, 1));
        assert_eq!(day_first("01.04.2021"), d(2021, 4, 1));
        assert_eq!(day_first("04-Jan-17"), d(2017, 1, 4));
        assert_eq!(day_first("3 Apr 2023"), d(2023, 4, 3));
        assert_eq!(day_first("3 April 2023"), d(2023, 4, 3));
        assert_eq!(day_first("30 Sept 2023"), d(2023, 9, 30));
        assert_eq!(day_first("Jan 4 2017"), d(2017, 1, 4));
        assert_eq!(day_first("44287"), d(2021, 4, 1));
        assert_eq!(day_first("44287.5"), d(2021, 4, 1));
        assert_eq!(day_first("Tuesday, April 26, 2022"), d(2022, 4, 26));
        assert_eq!(day_first("Tue 26/04/2022"), d(2022, 4, 26));
        assert_eq!(day_first("Tues. 26 April 2022"), d(2022, 4, 26));
        assert_eq!(day_first("Tuesday 26th April 2022"), d(2022, 4, 26));
        assert_eq!(
            day_first("Thursday, 1st September 2022 00:00"),
            d(2022, 9, 1)
        );
        assert_eq!(day_first("20220426"), d(2022, 4, 26));
        assert!(parse_date("£1", DateOrder::DayFirst).is_err());
        assert_eq!(day_first("Tue 26/04/2022 10:30"), d(2022, 4, 26));
        assert_eq!(day_first("26/04/2022 10:30 AM"), d(2022, 4, 26));
        assert!(
            parse_date("20221326", DateOrder::DayFirst).is_err(),
            "month 13"
        );
        assert!(
            parse_date("12345678", DateOrder::DayFirst).is_err(),
            "not a year"
        );
        assert_eq!(
            parse_date("04/05/2021", DateOrder::MonthFirst).unwrap().0,
            d(2021, 4, 5)
        );
    }

    #[test]
    fn rejects_what_is_not_a_date_with_the_reason() {
        assert_eq!(
            parse_date("00:00:00", DateOrder::DayFirst),
            Err(DateError::TimeOnly("00:00:00".into()))
        );
        assert_eq!(parse_date(" ", DateOrder::DayFirst), Err(DateError::Empty));
        assert!(matches!(
            parse_date("31/02/2021", DateOrder::DayFirst),
            Err(DateError::Impossible(_))
        ));
        assert!(matches!(
            parse_date("yesterday", DateOrder::DayFirst),
            Err(DateError::Invalid(_))
        ));
        assert!(matches!(
            parse_date("12", DateOrder::DayFirst),
            Err(DateError::Invalid(_))
        ));
        assert!(matches!(
            parse_date("3 Foo 2023", DateOrder::DayFirst),
            Err(DateError::Invalid(_))
        ));
    }

    #[test]
    fn numeric_dates_report_what_they_prove_about_the_order() {
        let ev = |s| parse_date(s, DateOrder::DayFirst).map(|(_, e)| e);
        assert_eq!(
            ev("25/04/2021").unwrap().proven(),
            Some(DateOrder::DayFirst)
        );
        assert!(ev("04/25/2021").is_err(), "day 04 month 25 is impossible");
        assert_eq!(
            parse_date("04/25/2021", DateOrder::MonthFirst)
                .unwrap()
                .1
                .proven(),
            Some(DateOrder::MonthFirst)
        );
        let mut all = ev("04/05/2021").unwrap();
        assert!(all.is_ambiguous());
        all.add(ev("2021-04-05").unwrap());
        assert!(all.is_ambiguous(), "ISO dates say nothing about the order");
        all.add(ev("13/05/2021").unwrap());
        assert!(!all.is_ambiguous());
        assert_eq!(all.proven(), Some(DateOrder::DayFirst));
        all.add(OrderEvidence {
            month_first: 1,
            ..Default::default()
        });
        assert_eq!(all.proven(), None, "contradictory evidence proves nothing");
    }
}
