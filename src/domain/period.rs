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

/// The financial year a date falls in for a year starting on the first of
/// `start_month` (4 for April, 8 for a university's August), named by the
/// calendar year it starts in.
pub fn financial_year_starting(date: NaiveDate, start_month: u32) -> i32 {
    if date.month() >= start_month.clamp(1, 12) {
        date.year()
    } else {
        date.year() - 1
    }
}

/// First and last day of financial year `year` starting in `start_month`.
pub fn financial_year_bounds_starting(
    year: i32,
    start_month: u32,
) -> Option<(NaiveDate, NaiveDate)> {
    let first = NaiveDate::from_ymd_opt(year, start_month.clamp(1, 12), 1)?;
    let last = first
        .checked_add_months(chrono::Months::new(12))?
        .pred_opt()?;
    Some((first, last))
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

/// The period a file of totals covers, as a clerk states it: a month
/// (`2011-03`), a run of months (`2021-04..2022-03`) or a financial year
/// (`2021/22`); first and last day. A period lies within one financial
/// year, so its totals count in one year's figures.
pub fn parse_totals_period(raw: &str) -> Result<(NaiveDate, NaiveDate), String> {
    let t = raw.trim();
    let month = |m: &str| -> Result<NaiveDate, String> {
        let (y, mo) = m
            .trim()
            .split_once('-')
            .ok_or_else(|| format!("“{m}” is not a month such as 2021-04"))?;
        let (y, mo) = (y.parse::<i32>(), mo.parse::<u32>());
        match (y, mo) {
            (Ok(y), Ok(mo)) => NaiveDate::from_ymd_opt(y, mo, 1)
                .ok_or_else(|| format!("“{m}” is not a month such as 2021-04")),
            _ => Err(format!("“{m}” is not a month such as 2021-04")),
        }
    };
    let end_of = |first: NaiveDate| {
        first
            .checked_add_months(chrono::Months::new(1))
            .and_then(|d| d.pred_opt())
            .ok_or_else(|| "the period is out of range".to_owned())
    };
    let (from, to) = if let Some((y, next)) = t.split_once('/') {
        let y: i32 = y
            .parse()
            .map_err(|_| format!("“{t}” is not a financial year such as 2021/22"))?;
        if next != format!("{:02}", (y + 1) % 100) {
            return Err(format!("“{t}” is not a financial year such as 2021/22"));
        }
        financial_year_bounds(y).ok_or_else(|| "the period is out of range".to_owned())?
    } else if let Some((a, b)) = t.split_once("..") {
        (month(a)?, end_of(month(b)?)?)
    } else {
        let m = month(t)?;
        (m, end_of(m)?)
    };
    if from > to {
        return Err(format!("the period {t} ends before it starts"));
    }
    if financial_year(from) != financial_year(to) {
        return Err(format!(
            "the period {t} runs over two financial years: import each year's totals as its own period"
        ));
    }
    Ok((from, to))
}

/// A period as an ISO 8601 interval: `2021-04-01/2022-03-31`.
pub fn interval(period: (NaiveDate, NaiveDate)) -> String {
    format!("{}/{}", period.0, period.1)
}

/// A period as people read it: `April 2021`, `April 2021 to March 2022`.
pub fn period_label(period: (NaiveDate, NaiveDate)) -> String {
    let (from, to) = period;
    if from.year() == to.year() && from.month() == to.month() {
        from.format("%B %Y").to_string()
    } else {
        format!("{} to {}", from.format("%B %Y"), to.format("%B %Y"))
    }
}

/// Reads back an interval written by [`interval`].
pub fn parse_interval(raw: &str) -> Option<(NaiveDate, NaiveDate)> {
    let (a, b) = raw.split_once('/')?;
    Some((a.parse().ok()?, b.parse().ok()?))
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_university_year_runs_august_to_july() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert_eq!(financial_year_starting(d(2024, 7, 31), 8), 2023);
        assert_eq!(financial_year_starting(d(2024, 8, 1), 8), 2024);
        assert_eq!(financial_year_starting(d(2025, 3, 31), 4), 2024);
        assert_eq!(financial_year_starting(d(2025, 1, 1), 1), 2025);
        assert_eq!(
            financial_year_bounds_starting(2024, 8),
            Some((d(2024, 8, 1), d(2025, 7, 31)))
        );
        assert_eq!(
            financial_year_bounds_starting(2024, 1),
            Some((d(2024, 1, 1), d(2024, 12, 31)))
        );
        assert_eq!(
            financial_year_bounds_starting(2024, 4),
            financial_year_bounds(2024)
        );
    }

    use super::*;

    #[test]
    fn a_totals_period_is_a_month_a_run_of_months_or_a_year() {
        assert_eq!(
            parse_totals_period("2011-03"),
            Ok((d(2011, 3, 1), d(2011, 3, 31)))
        );
        assert_eq!(
            parse_totals_period("2021-04..2022-03"),
            Ok((d(2021, 4, 1), d(2022, 3, 31)))
        );
        assert_eq!(
            parse_totals_period("2024/25"),
            Ok((d(2024, 4, 1), d(2025, 3, 31)))
        );
        assert!(parse_totals_period("2021-01..2021-06")
            .unwrap_err()
            .contains("two financial years"));
        assert!(parse_totals_period("2021-13").is_err());
        assert!(parse_totals_period("2021/23").is_err());
        assert!(parse_totals_period("2021-05..2021-04").is_err());
        let p = (d(2021, 4, 1), d(2022, 3, 31));
        assert_eq!(interval(p), "2021-04-01/2022-03-31");
        assert_eq!(parse_interval(&interval(p)), Some(p));
        assert_eq!(period_label(p), "April 2021 to March 2022");
        assert_eq!(period_label((d(2011, 3, 1), d(2011, 3, 31))), "March 2011");
    }

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
