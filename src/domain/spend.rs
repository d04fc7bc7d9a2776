//! Spend lines and the rule that decides which spend an institution can
//! influence.

use chrono::NaiveDate;

use super::dates::parse_typed_date;
use super::money::Pence;
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

/// What exports show in place of a person's name.
pub const REDACTED_NAME: &str = "REDACTED PERSONAL DATA";

/// Whether a line names a person: the payee was redacted or withheld, or
/// the payment is a benefit or payment to an individual. Exports show
/// [`REDACTED_NAME`] instead of such a name, to every user.
pub fn is_personal(payment_type: &str, redacted: bool) -> bool {
    redacted || payment_type == PaymentType::Individual.code()
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

text_enum! {
    /// Whether a line's amount includes VAT.
    pub enum VatBasis {
        Net => ("net", "Net of recoverable VAT"),
        Gross => ("gross", "Gross (VAT included)"),
        Unknown => ("unknown", "Not stated"),
    }
}

/// The spend line form as typed, every field text so a failed save shows it
/// again exactly.
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct LineFields {
    pub institution_id: String,
    pub payment_date: String,
    pub invoice_date: String,
    pub amount: String,
    pub irrecoverable_vat: String,
    pub vat_basis: String,
    pub supplier: String,
    pub create_supplier: Option<String>,
    pub transaction_ref: String,
    pub invoice_ref: String,
    pub department: String,
    pub expense_type: String,
    pub expense_code: String,
    pub category: String,
    pub description: String,
    pub capital_revenue: String,
    pub purchase_card: Option<String>,
    pub payment_type: String,
    pub version: String,
}

/// A valid spend line, before its supplier is looked up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineInput {
    pub institution_id: i64,
    pub payment_date: NaiveDate,
    pub invoice_date: Option<NaiveDate>,
    pub amount: Pence,
    pub irrecoverable_vat: Option<Pence>,
    pub vat_basis: VatBasis,
    pub supplier: String,
    pub create_supplier: bool,
    pub transaction_ref: Option<String>,
    pub invoice_ref: Option<String>,
    pub department: Option<String>,
    pub expense_type: Option<String>,
    pub expense_code: Option<String>,
    pub category: Option<String>,
    pub description: Option<String>,
    pub capital_revenue: Option<&'static str>,
    pub purchase_card: bool,
    pub payment_type: PaymentType,
}

fn optional(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

/// A line's text fields with their labels and limits, in form order: the
/// same limits hold for a typed line and an imported one.
pub fn line_text_limits() -> [(&'static str, &'static str, usize); 8] {
    use super::limits::{LONG_TEXT, NAME, REFERENCE, SHORT_TEXT};
    [
        ("supplier", "The supplier's name", NAME),
        ("transaction_ref", "The transaction number", REFERENCE),
        ("invoice_ref", "The invoice number", REFERENCE),
        ("department", "The department", SHORT_TEXT),
        ("expense_type", "The expense type", SHORT_TEXT),
        ("expense_code", "The expense code", REFERENCE),
        ("category", "The category", SHORT_TEXT),
        ("description", "The description", LONG_TEXT),
    ]
}

impl LineFields {
    fn text_fields(&self) -> impl Iterator<Item = ((&'static str, &str), &'static str, usize)> {
        let values = [
            &self.supplier,
            &self.transaction_ref,
            &self.invoice_ref,
            &self.department,
            &self.expense_type,
            &self.expense_code,
            &self.category,
            &self.description,
        ];
        line_text_limits()
            .into_iter()
            .zip(values)
            .map(|((field, label, max), value)| ((field, value.as_str()), label, max))
    }

    /// Parses the form, or names each field's problem in form order.
    pub fn parse(&self) -> Result<LineInput, Vec<(&'static str, String)>> {
        let mut errors: Vec<(&'static str, String)> = Vec::new();
        let institution_id = self.institution_id.trim().parse::<i64>().ok();
        if institution_id.is_none() {
            errors.push(("institution_id", "Choose the institution that paid".into()));
        }
        let payment_date = match self.payment_date.trim() {
            "" => {
                errors.push((
                    "payment_date",
                    "Enter the payment date, for example 31/03/2024".into(),
                ));
                None
            }
            raw => parse_typed_date(raw)
                .map_err(|e| {
                    errors.push((
                        "payment_date",
                        format!("Payment date: {e}; use day/month/year, for example 31/03/2024"),
                    ))
                })
                .ok(),
        };
        let invoice_date = match self.invoice_date.trim() {
            "" => None,
            raw => parse_typed_date(raw)
                .map_err(|e| {
                    errors.push((
                        "invoice_date",
                        format!("Invoice date: {e}; use day/month/year"),
                    ))
                })
                .ok(),
        };
        let amount = match Pence::parse(&self.amount) {
            Ok(p) => Some(p),
            Err(e) => {
                errors.push((
                    "amount",
                    format!("Amount: {e}; for example 1,234.56 or -50 for a credit note"),
                ));
                None
            }
        };
        let irrecoverable_vat = match self.irrecoverable_vat.trim() {
            "" => None,
            raw => Pence::parse(raw)
                .map_err(|e| errors.push(("irrecoverable_vat", format!("Irrecoverable VAT: {e}"))))
                .ok(),
        };
        for (field, label, max) in self.text_fields() {
            if let Err(e) = super::limits::check(label, field.1.trim(), max) {
                errors.push((field.0, e));
            }
        }
        let vat_basis = VatBasis::from_code(self.vat_basis.trim()).unwrap_or(VatBasis::Net);
        let supplier = self.supplier.trim().to_owned();
        if supplier.is_empty() {
            errors.push((
                "supplier",
                "Enter the supplier's name as it appears on the invoice".into(),
            ));
        }
        let capital_revenue = match self.capital_revenue.trim() {
            "" => None,
            "capital" => Some("capital"),
            "revenue" => Some("revenue"),
            _ => {
                errors.push(("capital_revenue", "Choose capital or revenue".into()));
                None
            }
        };
        let payment_type = PaymentType::from_code(self.payment_type.trim());
        if payment_type.is_none() {
            errors.push(("payment_type", "Choose what the payment was for".into()));
        }
        match (
            institution_id,
            payment_date,
            amount,
            payment_type,
            errors.is_empty(),
        ) {
            (Some(institution_id), Some(payment_date), Some(amount), Some(payment_type), true) => {
                Ok(LineInput {
                    institution_id,
                    payment_date,
                    invoice_date,
                    amount,
                    irrecoverable_vat,
                    vat_basis,
                    supplier,
                    create_supplier: self.create_supplier.is_some(),
                    transaction_ref: optional(&self.transaction_ref),
                    invoice_ref: optional(&self.invoice_ref),
                    department: optional(&self.department),
                    expense_type: optional(&self.expense_type),
                    expense_code: optional(&self.expense_code),
                    category: optional(&self.category),
                    description: optional(&self.description),
                    capital_revenue,
                    purchase_card: self.purchase_card.is_some(),
                    payment_type,
                })
            }
            _ => Err(errors),
        }
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
    fn the_line_form_takes_amounts_and_dates_as_people_type_them() {
        let fields = LineFields {
            institution_id: "3".into(),
            payment_date: "31/3/2024".into(),
            amount: "£1234.5".into(),
            supplier: " Acme Ltd ".into(),
            payment_type: "procurement".into(),
            ..Default::default()
        };
        let line = fields.parse().unwrap();
        assert_eq!(line.amount, Pence(123_450));
        assert_eq!(
            line.payment_date,
            NaiveDate::from_ymd_opt(2024, 3, 31).unwrap()
        );
        assert_eq!(line.supplier, "Acme Ltd");
        assert_eq!(
            LineFields {
                amount: "1,234.56".into(),
                ..fields.clone()
            }
            .parse()
            .unwrap()
            .amount,
            Pence(123_456)
        );
    }

    #[test]
    fn the_line_form_names_every_problem() {
        let errors = LineFields {
            institution_id: "".into(),
            payment_date: "31/02/2024".into(),
            amount: "12.345".into(),
            supplier: "".into(),
            payment_type: "bribe".into(),
            ..Default::default()
        }
        .parse()
        .unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|(f, _)| *f).collect();
        assert_eq!(
            fields,
            [
                "institution_id",
                "payment_date",
                "amount",
                "supplier",
                "payment_type"
            ]
        );
        assert!(errors[1].1.contains("not a real date"), "{errors:?}");
        assert!(
            errors[2].1.contains("more than two decimal places"),
            "{errors:?}"
        );
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
