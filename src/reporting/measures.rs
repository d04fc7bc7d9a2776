//! The headline measures beyond the local share, as practitioners publish
//! them: the share of influenceable spend with local SMEs, with local VCSEs,
//! and with suppliers in the most deprived 10% and 20% of neighbourhoods;
//! each against a baseline of one year or the mean of several, and against
//! its target.

use crate::db::report::Facts;
use crate::domain::figures::{share_bp, Place, SpendCell};
use crate::domain::period::financial_year_label;
use crate::domain::spend::PaymentType;
use crate::domain::supplier::SizeBand;

/// A headline measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    /// Spend with suppliers in the innermost tier.
    Local,
    LocalSme,
    LocalVcse,
    /// Suppliers in IMD decile 1 (anywhere).
    Deprived10,
    /// Suppliers in IMD deciles 1–2 (anywhere).
    Deprived20,
}

impl Measure {
    pub const ALL: [Measure; 5] = [
        Measure::Local,
        Measure::LocalSme,
        Measure::LocalVcse,
        Measure::Deprived10,
        Measure::Deprived20,
    ];

    /// How a page names it, `local` being the innermost tier's name.
    pub fn label(self, local: &str) -> String {
        match self {
            Measure::Local => format!("Local share (suppliers in {local})"),
            Measure::LocalSme => format!("Local SME share (SMEs in {local})"),
            Measure::LocalVcse => format!("Local VCSE share (VCSEs in {local})"),
            Measure::Deprived10 => {
                "Suppliers in the most deprived 10% of neighbourhoods (IMD decile 1)".into()
            }
            Measure::Deprived20 => {
                "Suppliers in the most deprived 20% of neighbourhoods (IMD deciles 1–2)".into()
            }
        }
    }

    /// A short code for CSV columns and form fields.
    pub fn code(self) -> &'static str {
        match self {
            Measure::Local => "local",
            Measure::LocalSme => "local_sme",
            Measure::LocalVcse => "local_vcse",
            Measure::Deprived10 => "imd_decile_1",
            Measure::Deprived20 => "imd_deciles_1_2",
        }
    }

    /// Where its target is kept among a year's targets: the local share is
    /// tier 1's; the local SME and VCSE shares have positions of their own,
    /// beyond any tier. Deprivation shares take no target.
    pub fn target_position(self) -> Option<i32> {
        match self {
            Measure::Local => Some(1),
            Measure::LocalSme => Some(LOCAL_SME_TARGET),
            Measure::LocalVcse => Some(LOCAL_VCSE_TARGET),
            Measure::Deprived10 | Measure::Deprived20 => None,
        }
    }
}

/// The target positions of the local SME and VCSE shares (tiers count
/// from 1 and a definition has a handful).
pub const LOCAL_SME_TARGET: i32 = 1001;
pub const LOCAL_VCSE_TARGET: i32 = 1002;

/// Influenceable spend and the pence of it in each measure.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Measures {
    pub influenceable: i64,
    /// In the order of [`Measure::ALL`].
    pub pence: [i64; 5],
    /// With SMEs anywhere (the published SME share, not a card of its own).
    pub sme: i64,
}

impl Measures {
    /// Works the measures out from spend cells: `place` says where a
    /// supplier counts, `facts` what the register knows of it.
    pub fn compute<'a>(
        cells: &[SpendCell],
        influenceable: impl Fn(i64, PaymentType) -> bool,
        place: impl Fn(Option<i64>) -> Place,
        facts: impl Fn(i64) -> Option<&'a Facts>,
    ) -> Self {
        let mut m = Measures::default();
        for c in cells {
            if !influenceable(c.institution_id, c.payment_type) {
                continue;
            }
            m.influenceable += c.pence;
            let local = matches!(place(c.supplier_id), Place::Tier(0));
            let f = c.supplier_id.and_then(&facts);
            let sme = f
                .and_then(|f| f.size_band.as_deref())
                .and_then(SizeBand::from_code)
                .is_some_and(SizeBand::is_sme);
            let vcse = f.is_some_and(|f| f.kinds[0]);
            let decile = f
                .and_then(|f| f.located.as_ref())
                .and_then(|l| l.imd_decile);
            if sme {
                m.sme += c.pence;
            }
            let counts = [
                local,
                local && sme,
                local && vcse,
                decile == Some(1),
                matches!(decile, Some(1 | 2)),
            ];
            for (p, yes) in m.pence.iter_mut().zip(counts) {
                if yes {
                    *p += c.pence;
                }
            }
        }
        m
    }

    pub fn pence_of(&self, m: Measure) -> i64 {
        self.pence[index(m)]
    }

    pub fn share_bp(&self, m: Measure) -> Option<i64> {
        share_bp(self.pence_of(m), self.influenceable)
    }
}

fn index(m: Measure) -> usize {
    Measure::ALL.iter().position(|x| *x == m).unwrap_or(0)
}

/// The mean of shares that are defined (a year without influenceable spend
/// has none), rounded half away from zero.
pub fn mean_bp(shares: impl IntoIterator<Item = Option<i64>>) -> Option<i64> {
    let known: Vec<i64> = shares.into_iter().flatten().collect();
    let n = i64::try_from(known.len()).ok().filter(|n| *n > 0)?;
    share_bp(known.iter().sum::<i64>(), n * 10_000)
}

/// The years a baseline asks for: `2021` (one year) or `2021-2023` (the
/// mean of those years), only years on record and before `shown`.
pub fn baseline_years(raw: &str, on_record: &[i32], shown: Option<i32>) -> Vec<i32> {
    let raw = raw.trim();
    let (a, b) = match raw.split_once('-') {
        Some((a, b)) => (a.trim().parse::<i32>(), b.trim().parse::<i32>()),
        None => (raw.parse::<i32>(), raw.parse::<i32>()),
    };
    let (Ok(a), Ok(b)) = (a, b) else {
        return Vec::new();
    };
    let (a, b) = (a.min(b), a.max(b));
    let mut years: Vec<i32> = on_record
        .iter()
        .copied()
        .filter(|y| (a..=b).contains(y) && Some(*y) != shown)
        .collect();
    years.sort_unstable();
    years
}

/// How a baseline of these years is named: `2021/22`, or `mean of 2020/21
/// to 2022/23 (3 years)`.
pub fn baseline_label(years: &[i32]) -> String {
    match years {
        [] => String::new(),
        [y] => financial_year_label(*y),
        [first, .., last] => format!(
            "mean of {} to {} ({} years)",
            financial_year_label(*first),
            financial_year_label(*last),
            years.len()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::report::Located;

    fn cell(institution: i64, supplier: i64, pence: i64) -> SpendCell {
        SpendCell {
            institution_id: institution,
            supplier_id: Some(supplier),
            payment_type: PaymentType::Procurement,
            department: None,
            expense_type: None,
            category: None,
            pence,
            lines: 1,
        }
    }

    fn facts(size: &str, vcse: bool, decile: Option<i32>) -> Facts {
        Facts {
            name: String::new(),
            located: Some(Located {
                supplier_id: 0,
                postcode: None,
                district_code: None,
                outside_uk: false,
                unknown_reason: None,
                imd_decile: decile,
                terminated: None,
            }),
            size_band: (!size.is_empty()).then(|| size.to_owned()),
            kinds: [vcse, false, false, false, false, false, false],
            sic_codes: String::new(),
            has_alternatives: false,
            living_wage: false,
        }
    }

    /// Two institutions pooled: the local SME share is the SME spend in the
    /// innermost tier over both institutions' influenceable spend.
    #[test]
    fn a_local_sme_share_pooled_across_two_institutions() {
        // Supplier 1: local small VCSE in decile 1; 2: local large firm in
        // decile 2; 3: an SME elsewhere; 4: an SME with its band unstated,
        // local.
        let f = [
            facts("small", true, Some(1)),
            facts("large", false, Some(2)),
            facts("micro", false, None),
            facts("sme", false, Some(5)),
        ];
        let cells = [
            cell(1, 1, 20_000),
            cell(1, 2, 50_000),
            cell(1, 3, 30_000),
            cell(2, 1, 10_000),
            cell(2, 4, 15_000),
            cell(2, 3, 75_000),
        ];
        let m = Measures::compute(
            &cells,
            |_, _| true,
            |s| match s {
                Some(1 | 2 | 4) => Place::Tier(0),
                _ => Place::RestOfUk,
            },
            |id| f.get(usize::try_from(id).ok()? - 1),
        );
        assert_eq!(m.influenceable, 200_000);
        // Local: 200 + 500 + 100 + 150 of 2,000.
        assert_eq!(m.share_bp(Measure::Local), Some(4750));
        // Local SMEs: supplier 1 (300) and supplier 4 (150): 450 of 2,000.
        assert_eq!(m.pence_of(Measure::LocalSme), 45_000);
        assert_eq!(m.share_bp(Measure::LocalSme), Some(2250));
        assert_eq!(m.share_bp(Measure::LocalVcse), Some(1500));
        assert_eq!(m.share_bp(Measure::Deprived10), Some(1500));
        assert_eq!(m.share_bp(Measure::Deprived20), Some(4000));
        // Each institution on its own: 200/1,000 and 250/1,000 of local
        // SME spend; the mean of their shares is 22.5%, the pooled 22.5%
        // too only because their spend is equal.
        assert_eq!(mean_bp([Some(2000), Some(2500)]), Some(2250));
    }

    #[test]
    fn a_baseline_is_one_year_or_the_mean_of_several() {
        let years = [2024, 2023, 2022, 2021, 2020];
        assert_eq!(baseline_years("2021", &years, Some(2024)), [2021]);
        assert_eq!(
            baseline_years("2020-2022", &years, Some(2024)),
            [2020, 2021, 2022]
        );
        assert_eq!(
            baseline_years("2022-2024", &years, Some(2024)),
            [2022, 2023],
            "the year shown is never its own baseline"
        );
        assert!(baseline_years("2010", &years, Some(2024)).is_empty());
        assert!(baseline_years("soon", &years, Some(2024)).is_empty());
        assert_eq!(
            baseline_label(&[2020, 2021, 2022]),
            "mean of 2020/21 to 2022/23 (3 years)"
        );
        assert_eq!(baseline_label(&[2021]), "2021/22");
        // A mean of 31.10% and 33.35% and a year with no spend.
        assert_eq!(mean_bp([Some(3110), Some(3335), None]), Some(3223));
    }
}
