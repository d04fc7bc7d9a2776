//! Spend lines and the rule that decides which spend an institution can
//! influence.

use super::text_enum;

text_enum! {
    /// What a payment was for. Influenceable spend follows from it by rule.
    pub enum PaymentType {
        Procurement => ("procurement", "Procurement of goods, works or services"),
        Grant => ("grant", "Grant"),
        PublicBody => ("public_body", "Payment to another public body"),
        TaxPayroll => ("tax_payroll", "Tax, pension or payroll"),
        Individual => ("individual", "Benefit or payment to an individual"),
        Refund => ("refund", "Refund"),
        Financing => ("financing", "Financing or investment"),
        Other => ("other", "Other"),
    }
}

impl PaymentType {
    /// The CLES default: payments to other public bodies, tax and payroll,
    /// individuals, refunds and financing are not spend the institution could
    /// place elsewhere.
    pub fn influenceable_by_default(self) -> bool {
        matches!(
            self,
            PaymentType::Procurement | PaymentType::Grant | PaymentType::Other
        )
    }
}

/// Coverage of a ranked supplier list: how much of the top N is classified
/// and how much influenceable spend the classified suppliers account for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Coverage {
    pub top_n: usize,
    pub ranked: usize,
    pub classified_in_top: usize,
    pub total_pence: i64,
    pub classified_pence: i64,
}

impl Coverage {
    /// From suppliers ranked by spend, each with (spend, classified).
    pub fn of(ranked: &[(i64, bool)], top_n: usize) -> Self {
        Self {
            top_n,
            ranked: ranked.len(),
            classified_in_top: ranked.iter().take(top_n).filter(|(_, c)| *c).count(),
            total_pence: ranked.iter().map(|(p, _)| p).sum(),
            classified_pence: ranked.iter().filter(|(_, c)| *c).map(|(p, _)| p).sum(),
        }
    }

    /// Share of influenceable spend with classified suppliers, in whole
    /// percent rounded down (never overstating).
    pub fn percent(&self) -> i64 {
        if self.total_pence <= 0 {
            0
        } else {
            (i128::from(self.classified_pence) * 100 / i128::from(self.total_pence)) as i64
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_bodies_tax_and_individuals_are_not_influenceable_by_default() {
        let influenceable: Vec<_> = PaymentType::ALL
            .iter()
            .filter(|t| t.influenceable_by_default())
            .map(|t| t.code())
            .collect();
        assert_eq!(influenceable, ["procurement", "grant", "other"]);
    }

    #[test]
    fn coverage_counts_the_top_n_and_weighs_by_spend() {
        let ranked = [
            (50_000, true),
            (30_000, false),
            (15_000, true),
            (5_000, false),
        ];
        let c = Coverage::of(&ranked, 3);
        assert_eq!((c.top_n, c.ranked, c.classified_in_top), (3, 4, 2));
        assert_eq!((c.total_pence, c.classified_pence), (100_000, 65_000));
        assert_eq!(c.percent(), 65);
        assert_eq!(
            Coverage::of(&[(1, true), (2, false)], 300).percent(),
            33,
            "rounded down"
        );
        assert_eq!(Coverage::of(&[], 300).percent(), 0);
    }
}
