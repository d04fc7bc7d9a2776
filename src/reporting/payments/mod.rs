//! Payment performance, as the Procurement Act 2023 asks every contracting
//! authority to publish it: a six-monthly payments compliance report
//! (average days to pay, the share of invoices paid within 30 days, in 31
//! to 60 and in 61 or more) and the quarterly list of payments over
//! £30,000 including VAT. For community wealth building the same figures
//! are given for local suppliers, SMEs, VCSEs and local SMEs side by side:
//! are small local suppliers paid late?
//!
//! The notice is each authority's own, read from its lines. A network's
//! view pools its members' invoices and sets each member's figures side by
//! side (aggregates a network publishes together, open to its members'
//! staff); members' payments over £30,000 are individual lines and stay on
//! each institution's own report.

pub mod csv;
mod invoices;

use chrono::{Duration, NaiveDate};
use serde::Deserialize;

pub use invoices::{band, invoices, CountedFrom, HalfYear, Invoice, LeftOut, Timeliness, BANDS};

use super::{compute, Detail, ReportContext, ReportError, ReportQuery, Stamp, Viewer};
use crate::db::payments::{invoice_lines, InvoiceLine};
use crate::db::report::Facts;
use crate::db::{institutions, report, DbConn};
use crate::domain::figures::Place;

type Result<T> = std::result::Result<T, ReportError>;

/// What the payments report is asked for.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct PaymentsQuery {
    /// The "Report on" list's choice, as in [`super::ReportQuery::of`].
    pub of: String,
    pub institution: String,
    pub network: String,
    /// `2025-h1` (April–September) or `2025-h2` (October–March).
    pub period: String,
    pub table: String,
}

impl PaymentsQuery {
    /// The query with the "Report on" choice read in, as
    /// [`super::ReportQuery::normalised`].
    pub fn normalised(mut self) -> Self {
        super::read_scope_choice(&mut self.of, &mut self.institution, &mut self.network);
        self
    }
}

/// Payments over this, including VAT, are listed each quarter.
pub const LARGE_PAYMENT_PENCE: i64 = 3_000_000;

/// How far either side of the period an invoice's other lines are looked
/// for (a credit note or a second instalment): an invoice counts in the
/// half its last payment falls in.
const INVOICE_REACH_DAYS: i64 = 183;

/// One row of the compliance table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupRow {
    pub label: String,
    pub timeliness: Timeliness,
}

/// A payment over the threshold: an invoice's lines paid on one day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LargePayment {
    pub quarter: String,
    pub paid: NaiveDate,
    pub supplier_id: Option<i64>,
    pub supplier_name: String,
    pub reference: Option<String>,
    /// Including VAT: as recorded where the lines are gross, else net plus
    /// irrecoverable VAT.
    pub pence: i64,
    pub gross: bool,
    pub description: String,
}

/// A computed payments report.
pub struct PaymentsReport {
    pub stamp: Stamp,
    /// The institution reported on (0 for a network).
    pub institution_id: i64,
    /// The network reported on, pooling its members.
    pub network_id: Option<i64>,
    /// A network's members' own compliance tables, by name.
    pub members: Vec<(String, Vec<GroupRow>)>,
    pub half: HalfYear,
    /// The halves on record, newest first.
    pub halves: Vec<HalfYear>,
    pub groups: Vec<GroupRow>,
    pub left_out: LeftOut,
    pub large: Vec<LargePayment>,
    /// Payment types counted (the institution's influenceable spend).
    pub counted_types: Vec<String>,
}

/// Works out the payments report for `viewer`.
pub fn payments(
    c: &mut DbConn,
    ctx: &ReportContext<'_>,
    viewer: &Viewer,
    q: &PaymentsQuery,
) -> Result<PaymentsReport> {
    let chosen = super::ScopeChoice::of(&q.institution, &q.network)?;
    if let super::ScopeChoice::Network(network_id) = chosen {
        return network_payments(c, ctx, viewer, q, network_id);
    }
    let visible = institutions::list(c, &viewer.reach)?;
    let institution = match chosen {
        super::ScopeChoice::Institution(id) => visible
            .iter()
            .find(|i| i.id == id)
            .ok_or(ReportError::Forbidden)?,
        _ => visible.first().ok_or_else(|| {
            ReportError::Refused("There is no institution to report on yet.".into())
        })?,
    };
    let (halves, half) = half_of(c, &[institution.id], q)?;
    institution_payments(c, ctx, viewer, institution, halves, half)
}

/// The halves on record for these institutions, and the one asked for
/// (else the latest ended).
fn half_of(c: &mut DbConn, ids: &[i64], q: &PaymentsQuery) -> Result<(Vec<HalfYear>, HalfYear)> {
    let (first, last) = report::date_range(c, ids)?;
    let halves = halves_between(first, last);
    let half = match q.period.trim() {
        "" => default_half(&halves, crate::db::now().date()),
        raw => HalfYear::parse(raw).ok_or_else(|| {
            ReportError::Refused(format!(
                "“{raw}” is not a half year: choose one from the list (for example 2025-h1, April to September 2025)."
            ))
        })?,
    };
    Ok((halves, half))
}

/// A network's report: its members' invoices pooled, each member's table
/// beside, each under its own definition of local. Open to the network's
/// members' staff (aggregates only: no member's payments are listed).
fn network_payments(
    c: &mut DbConn,
    ctx: &ReportContext<'_>,
    viewer: &Viewer,
    q: &PaymentsQuery,
    network_id: i64,
) -> Result<PaymentsReport> {
    let net = crate::db::networks::get(c, network_id)?;
    let access = crate::domain::account::NetworkAccess::of(&viewer.reach, &net.member_ids);
    if access == crate::domain::account::NetworkAccess::None {
        return Err(ReportError::Forbidden);
    }
    let members: Vec<_> = institutions::list(c, &crate::domain::account::Reach::All)?
        .into_iter()
        .filter(|i| net.member_ids.contains(&i.id))
        .collect();
    let (halves, half) = half_of(c, &net.member_ids, q)?;
    let (from, to) = half.bounds();
    let stamp = compute(
        c,
        ctx,
        viewer,
        &ReportQuery {
            network: network_id.to_string(),
            from: from.format("%d/%m/%Y").to_string(),
            to: to.format("%d/%m/%Y").to_string(),
            ..ReportQuery::default()
        },
        Detail::Headline,
    )?
    .stamp;
    // Each member's own figures, worked out as the network's aggregates:
    // only the tables below leave this function, never a member's lines.
    let aggregate = Viewer {
        reach: crate::domain::account::Reach::All,
        network: None,
        name: viewer.name.clone(),
    };
    let mut pooled: Vec<GroupRow> = Vec::new();
    let (mut left_out, mut tables, mut counted) = (LeftOut::default(), Vec::new(), Vec::new());
    for m in &members {
        let own = institution_payments(c, ctx, &aggregate, m, Vec::new(), half)?;
        if pooled.is_empty() {
            pooled = own
                .groups
                .iter()
                .map(|g| GroupRow {
                    label: g.label.clone(),
                    timeliness: Timeliness::default(),
                })
                .collect();
        }
        for (p, g) in pooled.iter_mut().zip(&own.groups) {
            p.timeliness.absorb(&g.timeliness);
        }
        left_out.absorb(&own.left_out);
        counted.extend(own.counted_types);
        tables.push((m.name.clone(), own.groups));
    }
    counted.sort();
    counted.dedup();
    // Pooled, "local" is each member's own area.
    for (p, label) in pooled.iter_mut().zip(NETWORK_LABELS) {
        p.label = label.to_owned();
    }
    Ok(PaymentsReport {
        stamp,
        institution_id: 0,
        network_id: Some(network_id),
        members: tables,
        half,
        halves,
        groups: pooled,
        left_out,
        large: Vec::new(),
        counted_types: counted,
    })
}

/// The pooled groups' names: a network's members each count local by their
/// own definition.
const NETWORK_LABELS: [&str; 5] = [
    "All invoices",
    "Local suppliers (each member's own area)",
    "SMEs",
    "VCSEs",
    "Local SMEs (each member's own area)",
];

/// One institution's report for a half year.
fn institution_payments(
    c: &mut DbConn,
    ctx: &ReportContext<'_>,
    viewer: &Viewer,
    institution: &crate::db::institutions::Institution,
    halves: Vec<HalfYear>,
    half: HalfYear,
) -> Result<PaymentsReport> {
    let (from, to) = half.bounds();
    let report = compute(
        c,
        ctx,
        viewer,
        &ReportQuery {
            institution: institution.id.to_string(),
            from: from.format("%d/%m/%Y").to_string(),
            to: to.format("%d/%m/%Y").to_string(),
            ..ReportQuery::default()
        },
        Detail::Headline,
    )?;
    let counted_types = report
        .rules
        .iter()
        .find(|(i, _)| *i == institution.id)
        .map(|(_, t)| t.clone())
        .unwrap_or_default();
    let snapshot = ctx.facts.current(c)?;
    let def = report.stamp.definition.to_definition();
    let places = snapshot.places(&def);
    let local = |s: Option<i64>| matches!(snapshot.place(&places, &def, s), Place::Tier(0));
    let reach = Duration::days(INVOICE_REACH_DAYS);
    let lines: Vec<InvoiceLine> = invoice_lines(c, institution.id, from - reach, to + reach)?
        .into_iter()
        .filter(|l| counted_types.contains(&l.payment_type))
        .collect();
    let local_name = report
        .stamp
        .definition
        .tiers
        .first()
        .map_or_else(|| "the local area".to_owned(), |t| t.name.clone());
    let (groups, left_out) = compliance(&lines, (from, to), &local_name, |s| Kinds {
        local: local(s),
        facts: s.and_then(|id| snapshot.facts.get(&id)),
    });
    let in_period = lines
        .iter()
        .filter(|l| (from..=to).contains(&l.payment_date));
    let large = large_payments(in_period, half);
    Ok(PaymentsReport {
        stamp: report.stamp,
        institution_id: institution.id,
        network_id: None,
        members: Vec::new(),
        half,
        halves,
        groups,
        left_out,
        large,
        counted_types,
    })
}

/// How a large payment's amount includes VAT.
pub fn basis_label(gross: bool) -> &'static str {
    if gross {
        "gross, as recorded"
    } else {
        "net plus irrecoverable VAT (recoverable VAT is not in the data)"
    }
}

/// The halves from the first line to the last, newest first.
fn halves_between(first: Option<NaiveDate>, last: Option<NaiveDate>) -> Vec<HalfYear> {
    let (Some(a), Some(b)) = (first, last) else {
        return Vec::new();
    };
    let (oldest, mut h) = (HalfYear::of(a), HalfYear::of(b));
    let mut out = vec![h];
    while h > oldest && out.len() < 400 {
        h = h.previous();
        out.push(h);
    }
    out
}

/// The latest half that has ended with lines in it; else the latest on
/// record; else the one today is in.
fn default_half(halves: &[HalfYear], today: NaiveDate) -> HalfYear {
    halves
        .iter()
        .find(|h| h.bounds().1 < today)
        .or(halves.first())
        .copied()
        .unwrap_or_else(|| HalfYear::of(today))
}

/// What the register knows of an invoice's supplier.
pub struct Kinds<'a> {
    pub local: bool,
    pub facts: Option<&'a Facts>,
}

impl Kinds<'_> {
    fn sme(&self) -> bool {
        self.facts
            .and_then(|f| f.size_band.as_deref())
            .and_then(crate::domain::supplier::SizeBand::from_code)
            .is_some_and(|b| b.is_sme())
    }

    fn vcse(&self) -> bool {
        self.facts.is_some_and(|f| f.kinds[0])
    }
}

/// The compliance table: every invoice paid in the period, then local
/// suppliers, SMEs, VCSEs and local SMEs; and what was left out.
pub fn compliance<'a>(
    lines: &[InvoiceLine],
    (from, to): (NaiveDate, NaiveDate),
    local_name: &str,
    kinds: impl Fn(Option<i64>) -> Kinds<'a>,
) -> (Vec<GroupRow>, LeftOut) {
    let labels = [
        "All invoices".to_owned(),
        format!("Local suppliers (in {local_name})"),
        "SMEs".to_owned(),
        "VCSEs".to_owned(),
        format!("Local SMEs (in {local_name})"),
    ];
    let mut groups: Vec<GroupRow> = labels
        .into_iter()
        .map(|label| GroupRow {
            label,
            timeliness: Timeliness::default(),
        })
        .collect();
    let mut left_out = LeftOut::default();
    for inv in invoices(lines) {
        if !(from..=to).contains(&inv.paid) {
            continue;
        }
        if inv.net_pence <= 0 {
            left_out.credited += 1;
            continue;
        }
        let Some(days) = inv.days() else {
            left_out.undated += 1;
            continue;
        };
        if days < 0 {
            left_out.paid_before_received += 1;
            continue;
        }
        let k = kinds(inv.supplier_id);
        let (sme, local) = (k.sme(), k.local);
        let member = [true, local, sme, k.vcse(), local && sme];
        for (g, is) in groups.iter_mut().zip(member) {
            if is {
                g.timeliness.add(&inv, days);
            }
        }
    }
    (groups, left_out)
}

/// Payments over £30,000 including VAT in the half, quarter by quarter:
/// an invoice's (else a line's) payments on one day, netted.
pub fn large_payments<'a>(
    lines: impl IntoIterator<Item = &'a InvoiceLine>,
    half: HalfYear,
) -> Vec<LargePayment> {
    let mut by_day: Vec<LargePayment> = Vec::new();
    let mut at: std::collections::HashMap<(Option<i64>, String, String, NaiveDate), usize> =
        std::collections::HashMap::new();
    for (n, l) in lines.into_iter().enumerate() {
        let reference = l.invoice_ref.clone().or_else(|| l.transaction_ref.clone());
        let gross = l.vat_basis == "gross";
        let pence = if gross {
            l.amount_pence
        } else {
            l.amount_pence + l.irrecoverable_vat_pence.unwrap_or(0)
        };
        let key = (
            l.supplier_id,
            crate::domain::supplier::normalise_name(&l.supplier_name),
            reference.clone().unwrap_or_else(|| format!("line {n}")),
            l.payment_date,
        );
        let k = *at.entry(key).or_insert_with(|| {
            by_day.push(LargePayment {
                quarter: String::new(),
                paid: l.payment_date,
                supplier_id: l.supplier_id,
                supplier_name: l.supplier_name.clone(),
                reference,
                pence: 0,
                gross,
                description: l.description.clone().unwrap_or_default(),
            });
            by_day.len() - 1
        });
        by_day[k].pence += pence;
        by_day[k].gross &= gross;
    }
    let quarters = half.quarters();
    let mut large: Vec<LargePayment> = by_day
        .into_iter()
        .filter(|p| p.pence > LARGE_PAYMENT_PENCE)
        .map(|mut p| {
            p.quarter = quarters
                .iter()
                .find(|(_, a, b)| (*a..=*b).contains(&p.paid))
                .map(|(l, _, _)| l.clone())
                .unwrap_or_default();
            p
        })
        .collect();
    large.sort_by(|a, b| a.paid.cmp(&b.paid).then(b.pence.cmp(&a.pence)));
    large
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn line(supplier: i64, reference: &str, paid: NaiveDate, days: i64, pence: i64) -> InvoiceLine {
        InvoiceLine {
            supplier_id: Some(supplier),
            supplier_name: format!("Supplier {supplier}"),
            payment_type: "procurement".into(),
            payment_date: paid,
            received_date: Some(paid - Duration::days(days)),
            invoice_date: None,
            invoice_ref: Some(reference.to_owned()),
            transaction_ref: None,
            amount_pence: pence,
            irrecoverable_vat_pence: None,
            vat_basis: "net".into(),
            description: None,
        }
    }

    fn facts(size: &str, vcse: bool) -> Facts {
        Facts {
            name: String::new(),
            located: None,
            size_band: Some(size.to_owned()),
            kinds: [vcse, false, false, false, false, false, false],
            sic_codes: String::new(),
            has_alternatives: false,
            living_wage: false,
        }
    }

    #[test]
    fn local_smes_are_counted_beside_every_invoice() {
        let half = HalfYear::parse("2025-h1").unwrap();
        // Supplier 1: local small firm paid in 45 and 70 days; 2: local
        // large firm, 10 days; 3: a VCSE elsewhere, 20 days; 4: unknown, 31.
        let lines = [
            line(1, "A1", d(2025, 5, 1), 45, 100_000),
            line(1, "A2", d(2025, 6, 1), 70, 50_000),
            line(2, "B1", d(2025, 6, 2), 10, 900_000),
            line(3, "C1", d(2025, 7, 1), 20, 30_000),
            line(4, "D1", d(2025, 8, 1), 31, 20_000),
            // Paid after the half: counted in the next one.
            line(4, "D2", d(2025, 10, 1), 5, 20_000),
            // A credit note alone.
            line(2, "B9", d(2025, 6, 3), 1, -5000),
        ];
        let small = facts("small", false);
        let large = facts("large", false);
        let vcse = facts("micro", true);
        let (groups, left) = compliance(&lines, half.bounds(), "Preston", |s| Kinds {
            local: matches!(s, Some(1 | 2)),
            facts: match s {
                Some(1) => Some(&small),
                Some(2) => Some(&large),
                Some(3) => Some(&vcse),
                _ => None,
            },
        });
        let row = |k: usize| (&groups[k].label, groups[k].timeliness.clone());
        assert_eq!(row(0).0, "All invoices");
        let all = row(0).1;
        assert_eq!((all.invoices, all.pence), (5, 1_100_000));
        // (45 + 70 + 10 + 20 + 31) / 5 = 35.2
        assert_eq!(all.average_text(), "35.2");
        assert_eq!(all.bands, [(2, 930_000), (2, 120_000), (1, 50_000)]);
        let local = row(1).1;
        assert_eq!((local.invoices, local.average_text()), (3, "41.7".into()));
        let smes = row(2).1;
        assert_eq!((smes.invoices, smes.pence), (3, 180_000));
        assert_eq!(row(3).1.invoices, 1);
        let local_smes = row(4);
        assert_eq!(local_smes.0, "Local SMEs (in Preston)");
        assert_eq!(
            (
                local_smes.1.invoices,
                local_smes.1.average_text(),
                local_smes.1.band_bp(0)
            ),
            (2, "57.5".into(), Some(0)),
            "the local small firm is paid late every time"
        );
        assert_eq!(left.credited, 1);
    }

    #[test]
    fn payments_over_30000_including_vat_are_listed_by_quarter() {
        let half = HalfYear::parse("2025-h1").unwrap();
        let mut net = line(1, "X", d(2025, 7, 4), 5, 2_900_000);
        net.irrecoverable_vat_pence = Some(150_000);
        let mut gross = line(2, "Y", d(2025, 5, 1), 5, 3_000_000);
        gross.vat_basis = "gross".into();
        let split = [
            line(3, "Z", d(2025, 6, 9), 5, 2_000_000),
            line(3, "Z", d(2025, 6, 9), 5, 1_000_001),
        ];
        let listed = large_payments([&net, &gross].into_iter().chain(split.iter()), half);
        let summary: Vec<(String, i64, bool)> = listed
            .iter()
            .map(|p| (p.quarter.clone(), p.pence, p.gross))
            .collect();
        assert_eq!(
            summary,
            [
                ("Quarter 1 of 2025/26".to_owned(), 3_000_001, false),
                ("Quarter 2 of 2025/26".to_owned(), 3_050_000, false),
            ],
            "exactly £30,000 is not over it; an invoice's lines paid on one day are one payment"
        );
    }
}
