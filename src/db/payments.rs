//! What the payment-performance report reads: an institution's invoice
//! lines (dated payments, not card transactions or totals for a period)
//! with the dates and references that make invoices of them.

use chrono::NaiveDate;
use diesel::prelude::*;

use super::schema::spend_lines as l;
use super::DbConn;

/// One live spend line as an invoice line.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct InvoiceLine {
    pub supplier_id: Option<i64>,
    pub supplier_name: String,
    pub payment_type: String,
    pub payment_date: NaiveDate,
    pub received_date: Option<NaiveDate>,
    pub invoice_date: Option<NaiveDate>,
    pub invoice_ref: Option<String>,
    pub transaction_ref: Option<String>,
    pub amount_pence: i64,
    pub irrecoverable_vat_pence: Option<i64>,
    pub vat_basis: String,
    pub description: Option<String>,
}

/// The institution's invoice lines paid between two dates (inclusive), in
/// payment-date order. Purchase-card lines are card transactions, not
/// invoices, and a supplier's total for a period is no payment: both left
/// out.
pub fn invoice_lines(
    conn: &mut DbConn,
    institution_id: i64,
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<InvoiceLine>> {
    l::table
        .filter(l::institution_id.eq(institution_id))
        .filter(l::deleted_at.is_null())
        .filter(l::purchase_card.eq(false))
        .filter(l::period.is_null())
        .filter(l::payment_date.between(from, to))
        .order((l::payment_date, l::id))
        .select((
            l::supplier_id,
            l::supplier_name,
            l::payment_type,
            l::payment_date,
            l::received_date,
            l::invoice_date,
            l::invoice_ref,
            l::transaction_ref,
            l::amount_pence,
            l::irrecoverable_vat_pence,
            l::vat_basis,
            l::description,
        ))
        .load(conn)
}
