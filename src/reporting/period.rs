//! Which dates a report covers: a financial year (the one asked for, else
//! the latest on record), a quarter or month of it, or any dates typed in.

use chrono::NaiveDate;

use super::{ReportError, ReportQuery};
use crate::domain::dates::parse_typed_date;
use crate::domain::period::{
    financial_year, financial_year_bounds, financial_year_label, year_part,
};

/// The period a report covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    /// The financial year, when the report is for one (or part of one).
    pub fy: Option<i32>,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// How the stamp names it.
    pub label: String,
}

/// Works out the period from the query. `years` are the financial years on
/// record, newest first; `first` and `last` the dates of the first and last
/// lines; `today` decides the year when there are none.
pub fn resolve(
    q: &ReportQuery,
    years: &[i32],
    first: Option<NaiveDate>,
    last: Option<NaiveDate>,
    today: NaiveDate,
) -> Result<Span, ReportError> {
    let explicit = !q.from.trim().is_empty() || !q.to.trim().is_empty();
    if !explicit {
        let y =
            q.fy.parse::<i32>()
                .ok()
                .or(years.first().copied())
                .unwrap_or_else(|| financial_year(today));
        return year_span(y, &q.part);
    }
    let a = match q.from.trim() {
        "" => first.unwrap_or(NaiveDate::MIN),
        raw => parse_typed_date(raw).map_err(|_| not_a_date("From", raw))?,
    };
    let b = match q.to.trim() {
        "" => last.unwrap_or(NaiveDate::MAX),
        raw => parse_typed_date(raw).map_err(|_| not_a_date("To", raw))?,
    };
    if b < a {
        return Err(ReportError::Refused(
            "The period ends before it starts.".into(),
        ));
    }
    Ok(Span {
        fy: None,
        from: a,
        to: b,
        label: format!("{} to {}", a.format("%d/%m/%Y"), b.format("%d/%m/%Y")),
    })
}

/// Financial year `y`, or the quarter or month of it that `part` names.
fn year_span(y: i32, part: &str) -> Result<Span, ReportError> {
    let (a, b) = financial_year_bounds(y)
        .ok_or_else(|| ReportError::Refused("No such financial year.".into()))?;
    let (from, to, label) = match year_part(a, part) {
        Some((pa, pb, name)) => (
            pa,
            pb,
            format!(
                "{name} of financial year {} ({} to {})",
                financial_year_label(y),
                pa.format("%d/%m/%Y"),
                pb.format("%d/%m/%Y")
            ),
        ),
        None => (
            a,
            b,
            format!(
                "Financial year {} ({} to {})",
                financial_year_label(y),
                a.format("%d/%m/%Y"),
                b.format("%d/%m/%Y")
            ),
        ),
    };
    Ok(Span {
        fy: Some(y),
        from,
        to,
        label,
    })
}

fn not_a_date(what: &str, raw: &str) -> ReportError {
    ReportError::Refused(format!("{what} `{raw}` is not a date: use day/month/year"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn query(fy: &str, part: &str, from: &str, to: &str) -> ReportQuery {
        ReportQuery {
            fy: fy.into(),
            part: part.into(),
            from: from.into(),
            to: to.into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_year_defaults_to_the_latest_on_record_then_to_today() {
        let today = d(2026, 12, 2);
        let s = resolve(&query("", "", "", ""), &[2024, 2023], None, None, today).unwrap();
        assert_eq!(
            (s.fy, s.from, s.to),
            (Some(2024), d(2024, 4, 1), d(2025, 3, 31))
        );
        let s = resolve(&query("", "", "", ""), &[], None, None, today).unwrap();
        assert_eq!(s.fy, Some(2026));
        let s = resolve(&query("2021", "q3", "", ""), &[2024], None, None, today).unwrap();
        assert_eq!((s.from, s.to), (d(2021, 10, 1), d(2021, 12, 31)));
        assert!(
            s.label.starts_with("Quarter 3 of financial year 2021/22"),
            "{}",
            s.label
        );
    }

    #[test]
    fn typed_dates_are_checked_and_open_ends_take_the_lines_range() {
        let today = d(2026, 12, 2);
        let s = resolve(
            &query("", "", "1/5/2022", ""),
            &[],
            Some(d(2020, 1, 1)),
            Some(d(2023, 2, 3)),
            today,
        )
        .unwrap();
        assert_eq!((s.fy, s.from, s.to), (None, d(2022, 5, 1), d(2023, 2, 3)));
        let err = resolve(
            &query("", "", "2/5/2022", "1/5/2022"),
            &[],
            None,
            None,
            today,
        );
        assert!(matches!(err, Err(ReportError::Refused(m)) if m.contains("ends before")));
        let err = resolve(&query("", "", "soon", ""), &[], None, None, today);
        assert!(matches!(err, Err(ReportError::Refused(m)) if m.contains("`soon` is not a date")));
    }
}
