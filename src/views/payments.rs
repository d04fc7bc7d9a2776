//! The payments report's page: the compliance table of an institution or
//! of a network pooled with its members side by side, and an institution's
//! payments over £30,000.

use askama::Template;

use super::Layout;
use crate::domain::figures::percent_text;
use crate::domain::money::Pence;
use crate::reporting::payments::GroupRow;

/// The payments report: the compliance table and the payments over
/// £30,000, for one institution (or a network, pooled) and half year.
#[derive(Template)]
#[template(path = "reports/payments.html")]
pub struct PaymentsPage {
    pub layout: Layout,
    pub stamp: Vec<(String, String)>,
    pub scope: super::reports::ScopeOptions,
    pub institution_id: i64,
    pub network_id: Option<i64>,
    /// A network's members' own tables.
    pub members: Vec<(String, Vec<PaymentsRow>)>,
    /// (code, label) of each half on record, newest first.
    pub halves: Vec<(String, String)>,
    pub half: String,
    pub half_label: String,
    pub bands: [&'static str; 3],
    /// (group, invoices, £, average days, per band "%" and "(n, £)",
    /// counted from)
    pub rows: Vec<PaymentsRow>,
    pub left_out: Vec<String>,
    pub counted: String,
    /// (quarter, date, supplier link, supplier, reference, £, basis)
    pub large: Vec<[String; 7]>,
    pub query: String,
}

impl PaymentsRow {
    fn of(g: &GroupRow) -> Self {
        let t = &g.timeliness;
        PaymentsRow {
            group: g.label.clone(),
            invoices: t.invoices.to_string(),
            pounds: Pence(t.pence).to_string(),
            average: t.average_text(),
            bands: (0..3)
                .map(|k| {
                    (
                        percent_text(t.band_bp(k)),
                        format!("{} · {}", t.bands[k].0, Pence(t.bands[k].1)),
                    )
                })
                .collect(),
            counted_from: t.counted_from(),
        }
    }
}

pub struct PaymentsRow {
    pub group: String,
    pub invoices: String,
    pub pounds: String,
    pub average: String,
    pub bands: Vec<(String, String)>,
    pub counted_from: String,
}

impl PaymentsPage {
    pub fn new(
        layout: Layout,
        r: crate::reporting::payments::PaymentsReport,
        choices: super::reports::DashboardChoices,
    ) -> Self {
        use crate::reporting::payments::{basis_label, BANDS};
        let rows = r.groups.iter().map(PaymentsRow::of).collect();
        let members = r
            .members
            .iter()
            .map(|(name, groups)| (name.clone(), groups.iter().map(PaymentsRow::of).collect()))
            .collect();
        let l = &r.left_out;
        let mut left_out = Vec::new();
        for (n, what) in [
            (
                l.credited,
                "netted to nothing or less (credit notes, refunds)",
            ),
            (
                l.undated,
                "with neither a date received nor an invoice date",
            ),
            (
                l.paid_before_received,
                "paid before the date they were received (check the dates)",
            ),
        ] {
            if n > 0 {
                left_out.push(format!(
                    "{n} invoice{} {what}",
                    if n == 1 { "" } else { "s" }
                ));
            }
        }
        let large = r
            .large
            .iter()
            .map(|p| {
                [
                    p.quarter.clone(),
                    p.paid.format("%d/%m/%Y").to_string(),
                    p.supplier_id
                        .map_or_else(String::new, |id| format!("/suppliers/{id}")),
                    p.supplier_name.clone(),
                    p.reference.clone().unwrap_or_default(),
                    Pence(p.pence).to_string(),
                    basis_label(p.gross).to_owned(),
                ]
            })
            .collect();
        let query = match r.network_id {
            Some(n) => format!("network={n}&period={}", r.half.code()),
            None => format!("institution={}&period={}", r.institution_id, r.half.code()),
        };
        Self {
            layout,
            stamp: r.stamp.rows(),
            scope: choices.options(match r.network_id {
                Some(n) => crate::db::areas::Owner::Network(n),
                None => crate::db::areas::Owner::Institution(r.institution_id),
            }),
            institution_id: r.institution_id,
            network_id: r.network_id,
            members,
            halves: r.halves.iter().map(|h| (h.code(), h.label())).collect(),
            half: r.half.code(),
            half_label: r.half.label(),
            bands: BANDS,
            rows,
            left_out,
            counted: r.counted_types.join(", "),
            large,
            query,
        }
    }
}
