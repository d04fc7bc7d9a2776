//! A report's tables as CSV: the header on line 1 (so a spreadsheet's filter
//! and any tool that reads CSV take it as it is), formula-safe text and plain
//! numbers. What the figures are (the stamp) travels in a companion file,
//! [`about`], and on the workbook's second sheet.

use super::summary::{self, plain_pounds, plain_share};
use super::{Report, Stamp};
use crate::domain::figures::share_bp;
use crate::export::{csv_chunk, UTF8_BOM};

/// A CSV body: a UTF-8 byte-order mark (for Excel), the header, the rows.
pub fn body<H: AsRef<str>>(header: &[H], rows: Vec<Vec<String>>) -> csv::Result<Vec<u8>> {
    let mut out = UTF8_BOM.to_vec();
    out.extend(csv_chunk([header.iter().map(|h| h.as_ref().to_owned())])?);
    out.extend(csv_chunk(rows)?);
    Ok(out)
}

/// The header of the stamp's companion file.
pub const ABOUT_HEADER: [&str; 2] = ["About this report", "Value"];

/// What a report's figures are (scope, period, definition, postcode
/// release, coverage, VAT basis, generated when and by whom) as a CSV of
/// its own: the companion of every table downloaded from the report.
pub fn about(stamp: &Stamp) -> csv::Result<Vec<u8>> {
    body(&ABOUT_HEADER, about_rows(stamp))
}

/// The stamp as rows of two cells.
pub fn about_rows(stamp: &Stamp) -> Vec<Vec<String>> {
    stamp.rows().into_iter().map(|(k, v)| vec![k, v]).collect()
}

/// One table of a report as CSV, by its key (see [`table_rows`]). Returns
/// the file name's stem and the body.
pub fn table(report: &Report, key: &str) -> csv::Result<(String, Vec<u8>)> {
    let (name, header, rows) = table_rows(report, key);
    Ok((name, body(&header, rows)?))
}

/// One table of a report by its key: `headline` (also any unknown key),
/// `reconciliation`, `institutions`, `trend`, `measures` or a breakdown's
/// key. Returns the file name's stem, the header and the rows, as plain
/// text and numbers.
pub fn table_rows(report: &Report, key: &str) -> Csv {
    match key {
        "reconciliation" => reconciliation(report),
        "institutions" => institutions(report),
        "trend" => trend(report),
        "measures" => measures(report),
        key => match report.tables.iter().find(|t| t.key == key) {
            Some(t) => {
                let mut header: Vec<String> = t
                    .columns
                    .iter()
                    .map(|h| match h.as_str() {
                        "Spend" => "Spend (£)".to_owned(),
                        "Share" => "Share (%)".to_owned(),
                        other if other.ends_with("(share)") => other.replace("(share)", "(%)"),
                        other if other.starts_with("In ") || other == "All areas" => {
                            if other.ends_with(')') {
                                other.to_owned()
                            } else {
                                format!("{other} (£)")
                            }
                        }
                        other => other.to_owned(),
                    })
                    .collect();
                if header.first().is_some_and(String::is_empty) {
                    header[0] = "Group".into();
                }
                (t.key.to_owned(), header, t.plain.clone())
            }
            None => headline(report),
        },
    }
}

pub type Csv = (String, Vec<String>, Vec<Vec<String>>);

fn names(header: &[&str]) -> Vec<String> {
    header.iter().map(|h| h.to_string()).collect()
}

fn headline(report: &Report) -> Csv {
    let f = &report.figures;
    let share = |p: i64| plain_share(share_bp(p, f.influenceable_pence));
    let mut rows: Vec<Vec<String>> = summary::tiers(report)
        .into_iter()
        .map(|t| {
            vec![
                t.name.to_string(),
                plain_pounds(t.cumulative_pence),
                plain_share(t.cumulative_bp),
                plain_pounds(t.exclusive_pence),
                plain_share(t.exclusive_bp),
                t.suppliers.to_string(),
            ]
        })
        .collect();
    for (label, pence, suppliers) in [
        ("Rest of UK", f.rest_of_uk_pence, String::new()),
        ("Outside UK", f.outside_uk_pence, String::new()),
        ("Unknown", f.unknown_pence, f.unknown_suppliers.to_string()),
    ] {
        rows.push(vec![
            label.into(),
            String::new(),
            String::new(),
            plain_pounds(pence),
            share(pence),
            suppliers,
        ]);
    }
    rows.push(vec![
        "Influenceable spend".into(),
        plain_pounds(f.influenceable_pence),
        "100.00".into(),
        String::new(),
        String::new(),
        f.suppliers.to_string(),
    ]);
    let header = names(&[
        "Area",
        "Cumulative spend (£)",
        "Cumulative share (%)",
        "Exclusive spend (£)",
        "Exclusive share (%)",
        "Suppliers (cumulative)",
    ]);
    ("headline".into(), header, rows)
}

fn reconciliation(report: &Report) -> Csv {
    let rows = summary::reconciliation(&report.figures)
        .into_iter()
        .map(|s| {
            vec![
                s.label,
                plain_pounds(s.pence),
                s.lines.map(|n| n.to_string()).unwrap_or_default(),
            ]
        })
        .collect();
    let header = names(&["Step", "Amount (£)", "Lines"]);
    ("reconciliation".into(), header, rows)
}

fn institutions(report: &Report) -> Csv {
    let mut rows: Vec<Vec<String>> = summary::members(report)
        .into_iter()
        .map(|m| {
            vec![
                m.name.to_string(),
                plain_pounds(m.influenceable_pence),
                plain_pounds(m.local_pence),
                plain_share(m.share_bp),
            ]
        })
        .collect();
    if let Some(p) = &report.pooled {
        rows.push(vec![
            "Pooled (weighted by spend)".into(),
            plain_pounds(p.influenceable_pence),
            plain_pounds(p.local_pence),
            plain_share(p.pooled_bp),
        ]);
        rows.push(vec![
            "Unweighted mean of the institutions' shares".into(),
            String::new(),
            String::new(),
            plain_share(p.mean_bp),
        ]);
    }
    let header = names(&[
        "Institution",
        "Influenceable spend (£)",
        "Local spend, own tier 1 (£)",
        "Local share (%)",
    ]);
    ("institutions".into(), header, rows)
}

fn trend(report: &Report) -> Csv {
    let mut header = names(&["Financial year", "Influenceable spend (£)"]);
    header.extend(
        report
            .figures
            .tiers
            .iter()
            .map(|t| format!("{} cumulative share (%)", t.name)),
    );
    header.push("Unknown (%)".into());
    let local = report.figures.tiers.first().map_or("", |t| t.name.as_str());
    header.extend(
        super::measures::Measure::ALL
            .iter()
            .skip(1)
            .map(|m| format!("{} (%)", m.label(local))),
    );
    let rows = summary::years(report)
        .into_iter()
        .map(|y| {
            let mut r = vec![y.label, plain_pounds(y.influenceable_pence)];
            r.extend(y.shares.into_iter().map(plain_share));
            r.push(plain_share(y.unknown_bp));
            r.extend(y.measures.into_iter().skip(1).map(plain_share));
            r
        })
        .collect();
    ("trend".into(), header, rows)
}

fn measures(report: &Report) -> Csv {
    let baseline = report.baseline.as_ref().map(|b| b.label.clone());
    let network = report.pooled.is_some();
    let mut header = names(&["Measure", "Spend (£)", "Share of influenceable spend (%)"]);
    if network {
        header.push("Unweighted mean of the members' shares (%)".into());
    }
    if let Some(b) = &baseline {
        header.push(format!("Change on {b} (percentage points)"));
    }
    header.push("Target (%)".into());
    let rows = summary::measures(report)
        .into_iter()
        .map(|m| {
            let mut r = vec![m.label, plain_pounds(m.pence), plain_share(m.share_bp)];
            if network {
                r.push(plain_share(m.mean_bp.flatten()));
            }
            if baseline.is_some() {
                r.push(plain_share(m.change_bp.flatten()));
            }
            r.push(plain_share(m.target_bp).replace('–', ""));
            r
        })
        .collect();
    ("measures".into(), header, rows)
}
