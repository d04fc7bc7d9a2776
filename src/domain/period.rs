//! The periods reports are made for: financial years (April to March), named
//! by their first calendar year, and their quarters and months.

use chrono::{Datelike, NaiveDate};

/// The financial year (April to March) a date falls in, named by its first
/// calendar year: 2023 for 1 April 2023 to 31 March 2024.
pub fn financial_year(date: NaiveDate) -> i32 {
    if date.month() >= 4 {
        date.year()
    } else {
        date.year() - 1
    }
}

/// First and last day of a financial year.
pub fn financial_year_bounds(year: i32) -> Option<(NaiveDate, NaiveDate)> {
    Some((
        NaiveDate::from_ymd_opt(year, 4, 1)?,
        NaiveDate::from_ymd_opt(year + 1, 3, 31)?,
    ))
}

/// `2023/24`.
pub fn financial_year_label(year: i32) -> String {
    format!("{year}/{:02}", (year + 1) % 100)
}

/// A quarter (`q1`…`q4`) or month (`m1`…`m12`, m1 being the year's first
/// month) of the financial year starting on `start`.
pub fn year_part(start: NaiveDate, part: &str) -> Option<(NaiveDate, NaiveDate, String)> {
    use chrono::Months;
    let number = |prefix: char, max: u32| {
        part.strip_prefix(prefix)
            .and_then(|n| n.parse::<u32>().ok())
            .filter(|n| (1..=max).contains(n))
    };
    let (first, months, name) = if let Some(n) = number('q', 4) {
        ((n - 1) * 3, 3, format!("Quarter {n}"))
    } else if let Some(n) = number('m', 12) {
        let month = start.checked_add_months(Months::new(n - 1))?;
        (n - 1, 1, month.format("%B %Y").to_string())
    } else {
        return None;
    };
    let a = start.checked_add_months(Months::new(first))?;
    let b = a.checked_add_months(Months::new(months))?.pred_opt()?;
    Some((a, b, name))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn financial_years_run_april_to_march() {
        assert_eq!(financial_year(d(2024, 3, 31)), 2023);
        assert_eq!(financial_year(d(2024, 4, 1)), 2024);
        assert_eq!(financial_year_label(2023), "2023/24");
        assert_eq!(financial_year_label(1999), "1999/00");
        assert_eq!(
            financial_year_bounds(2023),
            Some((d(2023, 4, 1), d(2024, 3, 31)))
        );
    }
}
