//! The local-spend figures, computed from spend aggregated per supplier and
//! payment type and from where each supplier is. Pure: the same inputs give
//! the same figures, which the audit export reproduces line by line.
//!
//! - Influenceable spend: total spend less the payment types an institution's
//!   rules exclude (the reconciliation lists each step).
//! - Local share of tier k (cumulative): influenceable spend with suppliers in
//!   tier k or any inner tier ÷ influenceable spend. Exclusive: in tier k but
//!   no inner tier. Rest of UK, outside UK and unknown complete the picture;
//!   unknown is always shown.
//! - Across institutions, the pooled share (Σ local ÷ Σ influenceable) and the
//!   unweighted mean of the institutions' shares are different numbers.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;

use crate::domain::spend::PaymentType;

/// Hashes integer ids with one multiplication (Fibonacci hashing) rather
/// than SipHash: reports look up tens of thousands of supplier ids, and ids
/// come from the database, not from anyone who could choose them to collide.
#[derive(Debug, Default, Clone, Copy)]
pub struct IdHasher(u64);

impl std::hash::Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.write_u64(u64::from(*b));
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }

    fn write_i64(&mut self, n: i64) {
        self.write_u64(n as u64);
    }

    fn write_isize(&mut self, n: isize) {
        self.write_u64(n as u64);
    }
}

/// A map keyed by ids, hashed with [`IdHasher`].
pub type IdMap<K, V> = HashMap<K, V, std::hash::BuildHasherDefault<IdHasher>>;

/// Spend of one institution with one supplier (or a withheld payee) of one
/// payment type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpendCell {
    pub institution_id: i64,
    pub supplier_id: Option<i64>,
    pub payment_type: PaymentType,
    pub department: Option<String>,
    pub expense_type: Option<String>,
    /// The procurement or merchant category, where the lines are read.
    pub category: Option<String>,
    pub pence: i64,
    pub lines: i64,
}

/// Where a supplier counts under a definition. Cheap to copy: reports ask
/// for every supplier's place several times over.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Place {
    /// The innermost tier (0-based) containing the supplier's district.
    Tier(usize),
    RestOfUk,
    OutsideUk,
    /// With the reason (no postcode, not in the lookup, withheld name …).
    Unknown(std::sync::Arc<str>),
}

impl Place {
    pub fn label(&self, tier_names: &[String]) -> String {
        match self {
            Place::Tier(k) => tier_names
                .get(*k)
                .cloned()
                .unwrap_or_else(|| format!("tier {}", k + 1)),
            Place::RestOfUk => "Rest of UK".into(),
            Place::OutsideUk => "Outside UK".into(),
            Place::Unknown(reason) => format!("Unknown ({reason})"),
        }
    }
}

/// One tier's figures.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TierFigure {
    pub name: String,
    pub cumulative_pence: i64,
    pub exclusive_pence: i64,
    pub cumulative_suppliers: usize,
    pub exclusive_suppliers: usize,
}

/// A step of the reconciliation from total to influenceable spend.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Exclusion {
    pub payment_type: PaymentType,
    pub pence: i64,
    pub lines: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Figures {
    pub total_pence: i64,
    pub total_lines: i64,
    pub excluded: Vec<Exclusion>,
    pub influenceable_pence: i64,
    pub influenceable_lines: i64,
    /// Influenceable spend whose supplier's place is known.
    pub located_pence: i64,
    pub tiers: Vec<TierFigure>,
    pub rest_of_uk_pence: i64,
    pub outside_uk_pence: i64,
    pub unknown_pence: i64,
    pub unknown_suppliers: usize,
    /// Unknown spend by reason.
    pub unknown_reasons: Vec<(String, i64)>,
    /// Suppliers (or withheld payees, counted once) with influenceable spend.
    pub suppliers: usize,
}

/// A share in basis points (1/100 of a percent), rounded half away from
/// zero; `None` when there is nothing to divide by.
pub fn share_bp(part: i64, whole: i64) -> Option<i64> {
    if whole == 0 {
        return None;
    }
    let num = i128::from(part) * 10_000;
    let den = i128::from(whole);
    let q = num / den;
    let r = num % den;
    let rounded = if 2 * r.abs() >= den.abs() {
        q + if (num < 0) ^ (den < 0) { -1 } else { 1 }
    } else {
        q
    };
    Some(rounded as i64)
}

/// `61.73%` from basis points.
pub fn percent_text(bp: Option<i64>) -> String {
    match bp {
        None => "–".into(),
        Some(bp) => format!(
            "{}{}.{:02}%",
            if bp < 0 { "-" } else { "" },
            bp.abs() / 100,
            bp.abs() % 100
        ),
    }
}

impl Figures {
    /// Computes the figures. `influenceable(institution, payment type)` is the
    /// rule; `place(supplier)` where a supplier counts (`None` for a withheld
    /// payee).
    pub fn compute(
        cells: &[SpendCell],
        tier_names: &[String],
        influenceable: impl Fn(i64, PaymentType) -> bool,
        place: impl Fn(Option<i64>) -> Place,
    ) -> Self {
        let mut f = Figures {
            tiers: tier_names
                .iter()
                .map(|n| TierFigure {
                    name: n.clone(),
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        };
        // Exclusions in the order of their codes.
        let mut excluded: BTreeMap<&'static str, (PaymentType, i64, i64)> = BTreeMap::new();
        let mut by_supplier: IdMap<Option<i64>, i64> = IdMap::default();
        for c in cells {
            f.total_pence += c.pence;
            f.total_lines += c.lines;
            if influenceable(c.institution_id, c.payment_type) {
                f.influenceable_pence += c.pence;
                f.influenceable_lines += c.lines;
                *by_supplier.entry(c.supplier_id).or_default() += c.pence;
            } else {
                let e = excluded
                    .entry(c.payment_type.code())
                    .or_insert((c.payment_type, 0, 0));
                e.1 += c.pence;
                e.2 += c.lines;
            }
        }
        f.excluded = excluded
            .into_values()
            .map(|(payment_type, pence, lines)| Exclusion {
                payment_type,
                pence,
                lines,
            })
            .collect();
        let mut reasons: BTreeMap<std::sync::Arc<str>, i64> = BTreeMap::new();
        let mut unknown_suppliers: HashSet<Option<i64>, std::hash::BuildHasherDefault<IdHasher>> =
            HashSet::default();
        for (supplier, pence) in &by_supplier {
            f.suppliers += 1;
            match place(*supplier) {
                Place::Tier(k) if k < f.tiers.len() => {
                    f.located_pence += pence;
                    f.tiers[k].exclusive_pence += pence;
                    f.tiers[k].exclusive_suppliers += 1;
                    for t in &mut f.tiers[k..] {
                        t.cumulative_pence += pence;
                        t.cumulative_suppliers += 1;
                    }
                }
                Place::Tier(_) | Place::RestOfUk => {
                    f.located_pence += pence;
                    f.rest_of_uk_pence += pence;
                }
                Place::OutsideUk => {
                    f.located_pence += pence;
                    f.outside_uk_pence += pence;
                }
                Place::Unknown(reason) => {
                    f.unknown_pence += pence;
                    unknown_suppliers.insert(*supplier);
                    *reasons.entry(reason).or_default() += pence;
                }
            }
        }
        f.unknown_suppliers = unknown_suppliers.len();
        f.unknown_reasons = reasons
            .into_iter()
            .map(|(r, p)| (r.to_string(), p))
            .collect();
        f
    }

    /// Cumulative share of tier k, in basis points of influenceable spend.
    pub fn share_bp(&self, tier: usize) -> Option<i64> {
        share_bp(
            self.tiers.get(tier)?.cumulative_pence,
            self.influenceable_pence,
        )
    }
}

/// Institutions side by side: the pooled share weights each by its spend;
/// the mean of the shares weights them equally.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Pooled {
    pub local_pence: i64,
    pub influenceable_pence: i64,
    pub pooled_bp: Option<i64>,
    pub mean_bp: Option<i64>,
}

/// Pools (local, influenceable) pairs, one per institution.
pub fn pool(pairs: &[(i64, i64)]) -> Pooled {
    let local: i64 = pairs.iter().map(|p| p.0).sum();
    let total: i64 = pairs.iter().map(|p| p.1).sum();
    let shares: Vec<i64> = pairs.iter().filter_map(|(l, t)| share_bp(*l, *t)).collect();
    let mean_bp = (!shares.is_empty()).then(|| {
        let sum: i64 = shares.iter().sum();
        share_bp(sum, shares.len() as i64 * 10_000).unwrap_or(0)
    });
    Pooled {
        local_pence: local,
        influenceable_pence: total,
        pooled_bp: share_bp(local, total),
        mean_bp,
    }
}

/// One row of a breakdown of influenceable spend.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BreakdownRow {
    pub label: String,
    pub pence: i64,
    pub suppliers: usize,
}

/// Influenceable spend grouped by `key`, largest first.
pub fn breakdown<'a>(
    cells: &'a [SpendCell],
    influenceable: impl Fn(i64, PaymentType) -> bool,
    key: impl Fn(&'a SpendCell) -> std::borrow::Cow<'a, str>,
) -> Vec<BreakdownRow> {
    type Suppliers = HashSet<Option<i64>, std::hash::BuildHasherDefault<IdHasher>>;
    let mut groups: HashMap<std::borrow::Cow<'a, str>, (i64, Suppliers)> = HashMap::new();
    for c in cells
        .iter()
        .filter(|c| influenceable(c.institution_id, c.payment_type))
    {
        let g = groups.entry(key(c)).or_default();
        g.0 += c.pence;
        g.1.insert(c.supplier_id);
    }
    let mut rows: Vec<BreakdownRow> = groups
        .into_iter()
        .map(|(label, (pence, suppliers))| BreakdownRow {
            label: label.into_owned(),
            pence,
            suppliers: suppliers.len(),
        })
        .collect();
    rows.sort_by(|a, b| b.pence.cmp(&a.pence).then_with(|| a.label.cmp(&b.label)));
    rows
}

/// Influenceable spend per supplier (withheld payees together under
/// `None`), in supplier order: each supplier once, whichever institutions
/// and payment types its spend came through.
pub fn by_supplier(
    cells: &[SpendCell],
    influenceable: impl Fn(i64, PaymentType) -> bool,
) -> Vec<(Option<i64>, i64)> {
    let mut by: IdMap<Option<i64>, i64> = IdMap::default();
    for c in cells
        .iter()
        .filter(|c| influenceable(c.institution_id, c.payment_type))
    {
        *by.entry(c.supplier_id).or_default() += c.pence;
    }
    let mut out: Vec<(Option<i64>, i64)> = by.into_iter().collect();
    out.sort_unstable();
    out
}

/// Suppliers' spend, one `(group, pence)` pair per supplier (as from
/// [`by_supplier`]), grouped and named by `label`, largest first; a supplier
/// is in one group, so the supplier counts add up.
pub fn breakdown_suppliers<K: Ord>(
    per_supplier: impl IntoIterator<Item = (K, i64)>,
    label: impl Fn(&K) -> String,
) -> Vec<BreakdownRow> {
    let mut groups: BTreeMap<K, (i64, usize)> = BTreeMap::new();
    for (key, pence) in per_supplier {
        let g = groups.entry(key).or_default();
        g.0 += pence;
        g.1 += 1;
    }
    let mut rows: Vec<BreakdownRow> = groups
        .into_iter()
        .map(|(k, (pence, suppliers))| BreakdownRow {
            label: label(&k),
            pence,
            suppliers,
        })
        .collect();
    rows.sort_by(|a, b| b.pence.cmp(&a.pence).then_with(|| a.label.cmp(&b.label)));
    rows
}

/// The suppliers with the most influenceable spend, and how much of it the
/// top N cover.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopSuppliers {
    pub rows: Vec<(Option<i64>, i64)>,
    pub covered_pence: i64,
    pub total_pence: i64,
    pub suppliers: usize,
}

/// The top `n` of spend per supplier (from [`by_supplier`]).
pub fn top_suppliers(per_supplier: &[(Option<i64>, i64)], n: usize) -> TopSuppliers {
    let mut all = per_supplier.to_vec();
    all.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let total_pence = all.iter().map(|r| r.1).sum();
    let suppliers = all.len();
    all.truncate(n);
    TopSuppliers {
        covered_pence: all.iter().map(|r| r.1).sum(),
        rows: all,
        total_pence,
        suppliers,
    }
}

/// The SIC 2007 section of a five-digit code, from its division.
pub fn sic_section(code: &str) -> Option<(char, &'static str)> {
    let division: u32 = code.get(..2)?.parse().ok()?;
    Some(match division {
        1..=3 => ('A', "Agriculture, forestry and fishing"),
        5..=9 => ('B', "Mining and quarrying"),
        10..=33 => ('C', "Manufacturing"),
        35 => ('D', "Electricity, gas, steam and air conditioning"),
        36..=39 => ('E', "Water supply, sewerage and waste"),
        41..=43 => ('F', "Construction"),
        45..=47 => ('G', "Wholesale and retail trade"),
        49..=53 => ('H', "Transportation and storage"),
        55..=56 => ('I', "Accommodation and food"),
        58..=63 => ('J', "Information and communication"),
        64..=66 => ('K', "Financial and insurance"),
        68 => ('L', "Real estate"),
        69..=75 => ('M', "Professional, scientific and technical"),
        77..=82 => ('N', "Administrative and support services"),
        84 => ('O', "Public administration and defence"),
        85 => ('P', "Education"),
        86..=88 => ('Q', "Health and social work"),
        90..=93 => ('R', "Arts, entertainment and recreation"),
        94..=96 => ('S', "Other service activities"),
        97..=98 => ('T', "Households as employers"),
        99 => ('U', "Extraterritorial organisations"),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(inst: i64, supplier: Option<i64>, kind: &str, pence: i64) -> SpendCell {
        SpendCell {
            institution_id: inst,
            supplier_id: supplier,
            payment_type: PaymentType::from_code(kind).expect("a payment type"),
            department: None,
            expense_type: None,
            category: None,
            pence,
            lines: 1,
        }
    }

    #[test]
    fn breakdowns_rank_by_spend_and_count_suppliers_once() {
        let cells = [
            cell(1, Some(1), "procurement", 300),
            cell(1, Some(1), "procurement", 200),
            cell(1, Some(2), "procurement", 400),
            cell(1, Some(3), "public_body", 900),
        ];
        let rows = breakdown(
            &cells,
            |_, t| t == PaymentType::Procurement,
            |c| {
                if c.supplier_id == Some(2) {
                    "Small".into()
                } else {
                    "Large".into()
                }
            },
        );
        assert_eq!(
            rows,
            [
                BreakdownRow {
                    label: "Large".into(),
                    pence: 500,
                    suppliers: 1
                },
                BreakdownRow {
                    label: "Small".into(),
                    pence: 400,
                    suppliers: 1
                },
            ]
        );
        let per = by_supplier(&cells, |_, t| t == PaymentType::Procurement);
        assert_eq!(per, [(Some(1), 500), (Some(2), 400)]);
        let grouped = breakdown_suppliers(per.iter().map(|(s, p)| (*s == Some(2), *p)), |k| {
            k.to_string()
        });
        assert_eq!(
            grouped
                .iter()
                .map(|r| (r.label.as_str(), r.pence, r.suppliers))
                .collect::<Vec<_>>(),
            [("false", 500, 1), ("true", 400, 1)]
        );
        let top = top_suppliers(&per, 1);
        assert_eq!(top.rows, [(Some(1), 500)]);
        assert_eq!(
            (top.covered_pence, top.total_pence, top.suppliers),
            (500, 900, 2)
        );
    }

    #[test]
    fn greater_manchester_pooled_and_unweighted_shares() {
        // CLES's benchmark of the ten councils' top-300 suppliers (£).
        let councils: [(&str, &str); 10] = [
            ("68330289.71", "31179554.05"),
            ("38026372.58", "10810750.81"),
            ("235031744.89", "186687585.67"),
            ("133590437.30", "91644381.53"),
            ("70793775.84", "30995001.50"),
            ("143909248.95", "90276813.00"),
            ("126771768.29", "82563092.39"),
            ("45117493.41", "22863548.01"),
            ("41171484.94", "15062797.86"),
            ("101115819.30", "57568701.76"),
        ];
        let pence = |s: &str| crate::domain::money::Pence::parse(s).unwrap().0;
        let mut pairs = Vec::new();
        for (i, (total, local)) in councils.iter().enumerate() {
            let inst = i as i64;
            // Each council's own boundary is its tier 1.
            let cells = [
                cell(inst, Some(1), "procurement", pence(local)),
                cell(inst, Some(2), "procurement", pence(total) - pence(local)),
            ];
            let f = Figures::compute(
                &cells,
                &["Own borough".into()],
                |_, _| true,
                |s| {
                    if s == Some(1) {
                        Place::Tier(0)
                    } else {
                        Place::RestOfUk
                    }
                },
            );
            pairs.push((f.tiers[0].cumulative_pence, f.influenceable_pence));
        }
        let p = pool(&pairs);
        assert_eq!(p.local_pence, 61_965_222_658);
        assert_eq!(p.influenceable_pence, 100_385_843_521);
        assert_eq!(percent_text(p.pooled_bp), "61.73%");
        // Published as "53.8%": the mean of the ten councils' own shares.
        assert_eq!(percent_text(p.mean_bp), "53.79%");
    }

    #[test]
    fn credit_notes_net_off_exclusions_reconcile_and_unknown_is_shown() {
        let cells = [
            cell(1, Some(1), "procurement", 100_000),
            cell(1, Some(1), "procurement", -20_000), // a credit note
            cell(1, Some(2), "procurement", 50_000),
            cell(1, Some(3), "procurement", 30_000),
            cell(1, Some(4), "public_body", 500_000),
            cell(1, None, "individual", 7_000),
            cell(1, Some(5), "grant", 10_000),
        ];
        let tiers = vec!["Preston".to_owned(), "Lancashire".to_owned()];
        let f = Figures::compute(
            &cells,
            &tiers,
            |_, t| t.influenceable_by_default(),
            |s| match s {
                Some(1) => Place::Tier(0),
                Some(2) => Place::Tier(1),
                Some(3) => Place::OutsideUk,
                _ => Place::Unknown("no postcode".into()),
            },
        );
        assert_eq!(f.total_pence, 677_000);
        assert_eq!(
            f.excluded,
            [
                Exclusion {
                    payment_type: PaymentType::Individual,
                    pence: 7_000,
                    lines: 1
                },
                Exclusion {
                    payment_type: PaymentType::PublicBody,
                    pence: 500_000,
                    lines: 1
                },
            ]
        );
        assert_eq!(f.influenceable_pence, 170_000);
        assert_eq!(
            f.total_pence - f.excluded.iter().map(|e| e.pence).sum::<i64>(),
            f.influenceable_pence
        );
        assert_eq!(
            (f.tiers[0].cumulative_pence, f.tiers[0].exclusive_pence),
            (80_000, 80_000)
        );
        assert_eq!(
            (f.tiers[1].cumulative_pence, f.tiers[1].exclusive_pence),
            (130_000, 50_000)
        );
        assert_eq!(
            (
                f.tiers[1].cumulative_suppliers,
                f.tiers[1].exclusive_suppliers
            ),
            (2, 1)
        );
        assert_eq!(f.outside_uk_pence, 30_000);
        assert_eq!(f.unknown_pence, 10_000);
        assert_eq!(f.unknown_reasons, [("no postcode".to_owned(), 10_000)]);
        assert_eq!(
            f.tiers[1].cumulative_pence + f.rest_of_uk_pence + f.outside_uk_pence + f.unknown_pence,
            f.influenceable_pence,
            "every influenceable penny is somewhere"
        );
        assert_eq!(percent_text(f.share_bp(0)), "47.06%");
    }

    #[test]
    fn sic_codes_fall_in_their_sections() {
        assert_eq!(sic_section("81210").map(|s| s.0), Some('N'));
        assert_eq!(sic_section("43210").map(|s| s.0), Some('F'));
        assert_eq!(sic_section("86101").map(|s| s.0), Some('Q'));
        assert_eq!(sic_section("04000"), None);
        assert_eq!(sic_section("x"), None);
    }

    #[test]
    fn shares_round_half_away_from_zero_and_never_divide_by_zero() {
        assert_eq!(share_bp(1, 3), Some(3333));
        assert_eq!(share_bp(2, 3), Some(6667));
        assert_eq!(share_bp(1, 8), Some(1250));
        assert_eq!(share_bp(-1, 8), Some(-1250));
        assert_eq!(share_bp(5, 0), None);
        assert_eq!(percent_text(None), "–");
        assert_eq!(percent_text(Some(-50)), "-0.50%");
    }
}
