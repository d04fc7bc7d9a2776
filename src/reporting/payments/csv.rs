//! The payments report's CSVs, each with its header on line 1 (a layout a
//! spreadsheet filter and the notice's form both take): the compliance
//! table, one row per group, and the payments over £30,000.

use super::{PaymentsReport, BANDS};
use crate::domain::figures::percent_text;
use crate::domain::money::Pence;

/// The compliance table (`table=compliance`, the default) or the payments
/// over £30,000 (`table=over_30000`): the file name's stem and the body.
pub fn table(r: &PaymentsReport, key: &str) -> csv::Result<(String, Vec<u8>)> {
    let institution = r.stamp.scope_name.clone();
    let (stem, header, rows) = if key == "over_30000" {
        over_30000(r, &institution)
    } else {
        compliance(r, &institution)
    };
    let out = crate::reporting::csv::body(&header, rows)?;
    Ok((format!("{stem}-{}", r.half.code()), out))
}

type Table = (&'static str, Vec<String>, Vec<Vec<String>>);

fn compliance(r: &PaymentsReport, institution: &str) -> Table {
    let (from, to) = r.half.bounds();
    let mut header: Vec<String> = [
        "Institution",
        "Period start",
        "Period end",
        "Group",
        "Invoices",
        "Amount (£)",
        "Average days to pay",
    ]
    .map(str::to_owned)
    .to_vec();
    header.extend(BANDS.iter().map(|b| format!("Paid {b} (%)")));
    header.extend(BANDS.iter().map(|b| format!("Paid {b} (invoices)")));
    header.extend(BANDS.iter().map(|b| format!("Paid {b} (£)")));
    header.push("Days counted from".into());
    // A network's pooled rows, then each member's own.
    let named = r.groups.iter().map(|g| (institution, g)).chain(
        r.members
            .iter()
            .flat_map(|(name, groups)| groups.iter().map(move |g| (name.as_str(), g))),
    );
    let rows = named
        .map(|(institution, g)| {
            let t = &g.timeliness;
            let mut row = vec![
                institution.to_owned(),
                from.format("%Y-%m-%d").to_string(),
                to.format("%Y-%m-%d").to_string(),
                g.label.clone(),
                t.invoices.to_string(),
                Pence(t.pence).plain(),
                t.average_tenths()
                    .map_or_else(String::new, |x| format!("{}.{}", x / 10, x % 10)),
            ];
            row.extend((0..3).map(|k| {
                t.band_bp(k).map_or_else(String::new, |bp| {
                    percent_text(Some(bp)).trim_end_matches('%').to_owned()
                })
            }));
            row.extend(t.bands.iter().map(|b| b.0.to_string()));
            row.extend(t.bands.iter().map(|b| Pence(b.1).plain()));
            row.push(t.counted_from());
            row
        })
        .collect();
    ("payments-compliance", header, rows)
}

fn over_30000(r: &PaymentsReport, institution: &str) -> Table {
    let header = [
        "Institution",
        "Quarter",
        "Payment date",
        "Supplier",
        "Invoice or transaction reference",
        "Amount including VAT (£)",
        "Amount basis",
        "Description",
    ]
    .map(str::to_owned)
    .to_vec();
    let rows = r
        .large
        .iter()
        .map(|p| {
            vec![
                institution.to_owned(),
                p.quarter.clone(),
                p.paid.format("%Y-%m-%d").to_string(),
                p.supplier_name.clone(),
                p.reference.clone().unwrap_or_default(),
                Pence(p.pence).plain(),
                super::basis_label(p.gross).to_owned(),
                p.description.clone(),
            ]
        })
        .collect();
    ("payments-over-30000", header, rows)
}
