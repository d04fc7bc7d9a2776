//! Which dates a report covers: a financial year (the one asked for, else
//! the latest on record), a quarter or month of it, or any dates typed in.
//! Each institution counts its financial year from its own start month (a
//! university's August to July); a network whose members start in
//! different months counts each member's own year in the network's year of
//! the same name, and says so.

use chrono::NaiveDate;

use super::{ReportError, ReportQuery};
use crate::domain::dates::parse_typed_date;
use crate::domain::period::{
    financial_year_bounds_starting, financial_year_label, financial_year_starting, year_part,
};

/// The members of a report's scope and each one's first month of the
/// financial year.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Calendar {
    /// (institution id, name, first month)
    pub members: Vec<(i64, String, u32)>,
}

impl Calendar {
    /// The start month every member shares (April for a scope of none), or
    /// none when they differ.
    pub fn common(&self) -> Option<u32> {
        let mut months = self.members.iter().map(|m| m.2);
        let first = months.next().unwrap_or(4);
        months.all(|m| m == first).then_some(first)
    }

    fn months(&self) -> Vec<u32> {
        let mut months: Vec<u32> = self.members.iter().map(|m| m.2).collect();
        months.sort_unstable();
        months.dedup();
        if months.is_empty() {
            months.push(4);
        }
        months
    }

    /// The financial years from the first line to the last, newest first:
    /// under every member's start month.
    pub fn years_between(&self, first: Option<NaiveDate>, last: Option<NaiveDate>) -> Vec<i32> {
        let (Some(a), Some(b)) = (first, last) else {
            return Vec::new();
        };
        let months = self.months();
        let lo = months.iter().map(|m| financial_year_starting(a, *m)).min();
        let hi = months.iter().map(|m| financial_year_starting(b, *m)).max();
        match (lo, hi) {
            (Some(lo), Some(hi)) => (lo..=hi).rev().collect(),
            _ => Vec::new(),
        }
    }
}

/// The period a report covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    /// The financial year, when the report is for one (or part of one).
    pub fy: Option<i32>,
    /// Whether it is the whole of that year (the kept totals answer it).
    pub whole_year: bool,
    /// The first and last day of all of it.
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Each member's own first and last day: (institution id, from, to).
    pub ranges: Vec<(i64, NaiveDate, NaiveDate)>,
    /// How the stamp names it.
    pub label: String,
}

impl Span {
    /// The members' ranges grouped by their dates: (ids, from, to), for
    /// reading lines one query per distinct range.
    pub fn groups(&self) -> Vec<(Vec<i64>, NaiveDate, NaiveDate)> {
        let mut out: Vec<(Vec<i64>, NaiveDate, NaiveDate)> = Vec::new();
        for (id, a, b) in &self.ranges {
            match out.iter_mut().find(|g| (g.1, g.2) == (*a, *b)) {
                Some(g) => g.0.push(*id),
                None => out.push((vec![*id], *a, *b)),
            }
        }
        out
    }
}

/// Works out the period from the query. `years` are the financial years on
/// record, newest first; `first` and `last` the dates of the first and last
/// lines; `today` decides the year when there are none.
pub fn resolve(
    q: &ReportQuery,
    calendar: &Calendar,
    years: &[i32],
    (first, last): (Option<NaiveDate>, Option<NaiveDate>),
    today: NaiveDate,
) -> Result<Span, ReportError> {
    let explicit = !q.from.trim().is_empty() || !q.to.trim().is_empty();
    if !explicit {
        let y =
            q.fy.parse::<i32>()
                .ok()
                .or_else(|| latest_complete(years, calendar, today))
                .or(years.first().copied())
                .unwrap_or_else(|| financial_year_starting(today, calendar.common().unwrap_or(4)));
        return year_span(y, &q.part, calendar);
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
        whole_year: false,
        from: a,
        to: b,
        ranges: calendar.members.iter().map(|m| (m.0, a, b)).collect(),
        label: format!("{} to {}", a.format("%d/%m/%Y"), b.format("%d/%m/%Y")),
    })
}

/// The newest year on record that has ended for every member by `today`.
fn latest_complete(years: &[i32], calendar: &Calendar, today: NaiveDate) -> Option<i32> {
    years.iter().copied().find(|y| {
        calendar
            .months()
            .iter()
            .all(|m| financial_year_bounds_starting(*y, *m).is_some_and(|(_, end)| end < today))
    })
}

fn dates(a: NaiveDate, b: NaiveDate) -> String {
    format!("{} to {}", a.format("%d/%m/%Y"), b.format("%d/%m/%Y"))
}

/// Financial year `y`, or the quarter or month of it that `part` names.
fn year_span(y: i32, part: &str, calendar: &Calendar) -> Result<Span, ReportError> {
    let no_year = || ReportError::Refused("No such financial year.".into());
    let Some(month) = calendar.common() else {
        return mixed_year_span(y, part, calendar);
    };
    let (a, b) = financial_year_bounds_starting(y, month).ok_or_else(no_year)?;
    let (from, to, label, whole_year) = match year_part(a, part) {
        Some((pa, pb, name)) => (
            pa,
            pb,
            format!(
                "{name} of financial year {} ({})",
                financial_year_label(y),
                dates(pa, pb)
            ),
            false,
        ),
        None => (
            a,
            b,
            format!(
                "Financial year {} ({})",
                financial_year_label(y),
                dates(a, b)
            ),
            true,
        ),
    };
    Ok(Span {
        fy: Some(y),
        whole_year,
        from,
        to,
        ranges: calendar.members.iter().map(|m| (m.0, from, to)).collect(),
        label,
    })
}

/// A network's year `y` when its members' years start in different months:
/// each member's own year `y`. Parts of it would cut each member's year at
/// different dates, so they are refused.
fn mixed_year_span(y: i32, part: &str, calendar: &Calendar) -> Result<Span, ReportError> {
    let no_year = || ReportError::Refused("No such financial year.".into());
    let probe = NaiveDate::from_ymd_opt(y, 4, 1).ok_or_else(no_year)?;
    if year_part(probe, part).is_some() {
        return Err(ReportError::Refused(
            "The members' financial years start in different months, so a quarter or month \
             would mean different dates for each: choose the whole year, or type the dates."
                .into(),
        ));
    }
    let mut ranges = Vec::new();
    let mut groups: Vec<(u32, NaiveDate, NaiveDate, Vec<&str>)> = Vec::new();
    for (id, name, month) in &calendar.members {
        let (a, b) = financial_year_bounds_starting(y, *month).ok_or_else(no_year)?;
        ranges.push((*id, a, b));
        match groups.iter_mut().find(|g| g.0 == *month) {
            Some(g) => g.3.push(name),
            None => groups.push((*month, a, b, vec![name])),
        }
    }
    groups.sort_by_key(|g| g.1);
    let from = ranges.iter().map(|r| r.1).min().ok_or_else(no_year)?;
    let to = ranges.iter().map(|r| r.2).max().ok_or_else(no_year)?;
    let each: Vec<String> = groups
        .iter()
        .map(|(_, a, b, names)| {
            let who = if names.len() > 3 {
                format!("{} members", names.len())
            } else {
                names.join(", ")
            };
            format!("{who} {}", dates(*a, *b))
        })
        .collect();
    Ok(Span {
        fy: Some(y),
        whole_year: true,
        from,
        to,
        ranges,
        label: format!(
            "Financial year {}, each member's own year of that name, as their years start in different months: {}",
            financial_year_label(y),
            each.join("; ")
        ),
    })
}

fn not_a_date(what: &str, raw: &str) -> ReportError {
    ReportError::Refused(format!("{what} “{raw}” is not a date: use day/month/year"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn april() -> Calendar {
        Calendar {
            members: vec![(1, "Council".into(), 4)],
        }
    }

    fn calendar(months: &[(i64, &str, u32)]) -> Calendar {
        Calendar {
            members: months
                .iter()
                .map(|(i, n, m)| (*i, n.to_string(), *m))
                .collect(),
        }
    }

    #[test]
    fn an_august_to_july_institution_counts_its_own_year_and_its_quarters() {
        let today = d(2026, 12, 2);
        let uni = calendar(&[(7, "Fishwick University", 8)]);
        let s = resolve(&query("2024", "", "", ""), &uni, &[], (None, None), today).unwrap();
        assert!(s.whole_year);
        assert_eq!((s.from, s.to), (d(2024, 8, 1), d(2025, 7, 31)));
        assert_eq!(s.label, "Financial year 2024/25 (01/08/2024 to 31/07/2025)");
        let q1 = resolve(&query("2024", "q1", "", ""), &uni, &[], (None, None), today).unwrap();
        assert!(!q1.whole_year);
        assert_eq!((q1.from, q1.to), (d(2024, 8, 1), d(2024, 10, 31)));
        // With no year asked for or on record: the one today falls in.
        let now = resolve(&query("", "", "", ""), &uni, &[], (None, None), today).unwrap();
        assert_eq!(now.fy, Some(2026));
        // Its years on record run from August.
        assert_eq!(
            uni.years_between(Some(d(2023, 7, 31)), Some(d(2024, 8, 1))),
            [2024, 2023, 2022]
        );
    }

    #[test]
    fn a_network_of_different_years_counts_each_members_own_and_refuses_quarters() {
        let today = d(2026, 12, 2);
        let net = calendar(&[
            (1, "Fishwick City Council", 4),
            (7, "Fishwick University", 8),
        ]);
        assert_eq!(net.common(), None);
        let s = resolve(&query("2024", "", "", ""), &net, &[], (None, None), today).unwrap();
        assert!(s.whole_year);
        assert_eq!(
            s.ranges,
            [
                (1, d(2024, 4, 1), d(2025, 3, 31)),
                (7, d(2024, 8, 1), d(2025, 7, 31))
            ]
        );
        assert_eq!((s.from, s.to), (d(2024, 4, 1), d(2025, 7, 31)));
        assert!(
            s.label.contains("Fishwick City Council 01/04/2024 to 31/03/2025; Fishwick University 01/08/2024 to 31/07/2025"),
            "{}",
            s.label
        );
        assert_eq!(s.groups().len(), 2);
        let err = resolve(&query("2024", "q2", "", ""), &net, &[], (None, None), today);
        assert!(matches!(err, Err(ReportError::Refused(m)) if m.contains("different months")));
        // Typed dates are the same dates for every member.
        let typed = resolve(
            &query("", "", "1/1/2025", "31/1/2025"),
            &net,
            &[],
            (None, None),
            today,
        )
        .unwrap();
        assert_eq!(typed.groups().len(), 1);
        assert!(!typed.whole_year);
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
        let s = resolve(
            &query("", "", "", ""),
            &april(),
            &[2024, 2023],
            (None, None),
            today,
        )
        .unwrap();
        assert_eq!(
            (s.fy, s.from, s.to),
            (Some(2024), d(2024, 4, 1), d(2025, 3, 31))
        );
        let s = resolve(&query("", "", "", ""), &april(), &[], (None, None), today).unwrap();
        assert_eq!(s.fy, Some(2026));
        let s = resolve(
            &query("2021", "q3", "", ""),
            &april(),
            &[2024],
            (None, None),
            today,
        )
        .unwrap();
        assert_eq!((s.from, s.to), (d(2021, 10, 1), d(2021, 12, 31)));
        assert!(
            s.label.starts_with("Quarter 3 of financial year 2021/22"),
            "{}",
            s.label
        );
    }

    #[test]
    fn with_no_year_asked_for_it_opens_on_the_latest_complete_one() {
        let today = d(2026, 12, 2);
        // 2026/27 has begun but not ended: the report opens on 2025/26.
        let s = resolve(
            &query("", "", "", ""),
            &april(),
            &[2026, 2025, 2024],
            (None, None),
            today,
        )
        .unwrap();
        assert_eq!(s.fy, Some(2025));
        // Only the running year on record: that one.
        let s = resolve(
            &query("", "", "", ""),
            &april(),
            &[2026],
            (None, None),
            today,
        )
        .unwrap();
        assert_eq!(s.fy, Some(2026));
    }

    #[test]
    fn typed_dates_are_checked_and_open_ends_take_the_lines_range() {
        let today = d(2026, 12, 2);
        let s = resolve(
            &query("", "", "1/5/2022", ""),
            &april(),
            &[],
            (Some(d(2020, 1, 1)), Some(d(2023, 2, 3))),
            today,
        )
        .unwrap();
        assert_eq!((s.fy, s.from, s.to), (None, d(2022, 5, 1), d(2023, 2, 3)));
        let err = resolve(
            &query("", "", "2/5/2022", "1/5/2022"),
            &april(),
            &[],
            (None, None),
            today,
        );
        assert!(matches!(err, Err(ReportError::Refused(m)) if m.contains("ends before")));
        let err = resolve(
            &query("", "", "soon", ""),
            &april(),
            &[],
            (None, None),
            today,
        );
        assert!(matches!(err, Err(ReportError::Refused(m)) if m.contains("“soon” is not a date")));
    }
}
