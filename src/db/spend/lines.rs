//! One line: reading it, and by hand its entry, edit, soft delete and
//! restore, each audited with the report totals kept in step.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use crate::db::audit::{self, Actor, Change};
use crate::db::schema::spend_lines as l;
use crate::db::Error;
use crate::db::{now, totals, write_tx, DbConn};
use crate::domain::money::Pence;
use crate::domain::spend::{LineFields, LineInput};
use crate::domain::supplier::is_redacted;

/// A spend line as stored.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Serialize)]
#[diesel(table_name = l)]
pub struct Line {
    pub id: i64,
    pub institution_id: i64,
    pub payment_date: NaiveDate,
    pub invoice_date: Option<NaiveDate>,
    /// When the invoice was received, where the file gives it.
    pub received_date: Option<NaiveDate>,
    pub amount_pence: i64,
    pub irrecoverable_vat_pence: Option<i64>,
    pub vat_basis: String,
    pub supplier_id: Option<i64>,
    pub supplier_name: String,
    pub redacted: bool,
    pub transaction_ref: Option<String>,
    pub invoice_ref: Option<String>,
    pub line_ref: Option<String>,
    pub department: Option<String>,
    pub expense_type: Option<String>,
    pub expense_code: Option<String>,
    pub category: Option<String>,
    pub description: Option<String>,
    pub capital_revenue: Option<String>,
    pub purchase_card: bool,
    pub payment_type: String,
    pub import_batch_id: Option<i64>,
    pub import_row: Option<i64>,
    pub entered_by: Option<i64>,
    pub deleted_at: Option<NaiveDateTime>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// For a supplier's total for a period, the period (`2021-04-01/2022-03-31`).
    pub period: Option<String>,
}

impl Line {
    /// The form filled in with this line, for editing.
    pub fn fields(&self) -> LineFields {
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        LineFields {
            institution_id: self.institution_id.to_string(),
            payment_date: self.payment_date.format("%d/%m/%Y").to_string(),
            invoice_date: self
                .invoice_date
                .map(|d| d.format("%d/%m/%Y").to_string())
                .unwrap_or_default(),
            amount: Pence(self.amount_pence).plain(),
            irrecoverable_vat: self
                .irrecoverable_vat_pence
                .map(|p| Pence(p).plain())
                .unwrap_or_default(),
            vat_basis: self.vat_basis.clone(),
            supplier: self.supplier_name.clone(),
            create_supplier: None,
            transaction_ref: text(&self.transaction_ref),
            invoice_ref: text(&self.invoice_ref),
            department: text(&self.department),
            expense_type: text(&self.expense_type),
            expense_code: text(&self.expense_code),
            category: text(&self.category),
            description: text(&self.description),
            capital_revenue: text(&self.capital_revenue),
            purchase_card: self.purchase_card.then(|| "on".to_owned()),
            payment_type: self.payment_type.clone(),
            version: self.version.to_string(),
        }
    }
}

pub fn get(conn: &mut DbConn, id: i64) -> QueryResult<Line> {
    l::table.find(id).select(Line::as_select()).first(conn)
}

/// The columns a form save writes.
#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = l, treat_none_as_null = true)]
struct FormValues {
    institution_id: i64,
    payment_date: NaiveDate,
    invoice_date: Option<NaiveDate>,
    amount_pence: i64,
    irrecoverable_vat_pence: Option<i64>,
    vat_basis: String,
    supplier_id: Option<i64>,
    supplier_name: String,
    redacted: bool,
    transaction_ref: Option<String>,
    invoice_ref: Option<String>,
    department: Option<String>,
    expense_type: Option<String>,
    expense_code: Option<String>,
    category: Option<String>,
    description: Option<String>,
    capital_revenue: Option<String>,
    purchase_card: bool,
    payment_type: String,
}

impl FormValues {
    fn of(input: &LineInput, supplier_id: Option<i64>) -> Self {
        Self {
            institution_id: input.institution_id,
            payment_date: input.payment_date,
            invoice_date: input.invoice_date,
            amount_pence: input.amount.0,
            irrecoverable_vat_pence: input.irrecoverable_vat.map(|p| p.0),
            vat_basis: input.vat_basis.code().to_owned(),
            supplier_id,
            supplier_name: input.supplier.clone(),
            redacted: is_redacted(&input.supplier),
            transaction_ref: input.transaction_ref.clone(),
            invoice_ref: input.invoice_ref.clone(),
            department: input.department.clone(),
            expense_type: input.expense_type.clone(),
            expense_code: input.expense_code.clone(),
            category: input.category.clone(),
            description: input.description.clone(),
            capital_revenue: input.capital_revenue.map(str::to_owned),
            purchase_card: input.purchase_card,
            payment_type: input.payment_type.code().to_owned(),
        }
    }
}

/// Records a line entered by hand.
pub fn create(
    conn: &mut DbConn,
    actor: &Actor,
    input: &LineInput,
    supplier_id: Option<i64>,
) -> Result<Line, Error> {
    write_tx(conn, |conn| {
        crate::db::closed_years::Guard::load(conn, input.institution_id)?
            .check(input.payment_date)?;
        let at = now();
        let v = FormValues::of(input, supplier_id);
        let id: i64 = diesel::insert_into(l::table)
            .values((
                l::institution_id.eq(v.institution_id),
                l::payment_date.eq(v.payment_date),
                l::amount_pence.eq(v.amount_pence),
                l::supplier_name.eq(&v.supplier_name),
                l::entered_by.eq(actor.user_id),
                l::created_at.eq(at),
                l::updated_at.eq(at),
            ))
            .returning(l::id)
            .get_result(conn)?;
        diesel::update(l::table.find(id)).set(&v).execute(conn)?;
        totals::add(conn, totals::Lines::Ids(&[id]))?;
        let line = get(conn, id)?;
        audit::record(
            conn,
            actor,
            Change::new("create", "spend_line", id)
                .institution(Some(line.institution_id))
                .summary(format!(
                    "Spend line {} to {} on {}",
                    Pence(line.amount_pence),
                    line.supplier_name,
                    line.payment_date.format("%d/%m/%Y")
                ))
                .after(&line),
        )?;
        Ok(line)
    })
}

/// Moves a line on from `expected` to the next version, in the `UPDATE`'s
/// own `WHERE`: false when someone saved in between. On PostgreSQL the row
/// stays locked until the transaction ends, so of two concurrent edits one
/// claims the line and the other finds the version gone.
fn claim(conn: &mut DbConn, id: i64, expected: i64) -> QueryResult<bool> {
    let claimed = diesel::update(l::table.find(id).filter(l::version.eq(expected)))
        .set(l::version.eq(l::version + 1))
        .execute(conn)?;
    Ok(claimed == 1)
}

/// Saves an edit made from `expected_version`; refuses if someone saved in
/// between.
pub fn update(
    conn: &mut DbConn,
    actor: &Actor,
    id: i64,
    expected_version: i64,
    input: &LineInput,
    supplier_id: Option<i64>,
) -> Result<Line, Error> {
    write_tx(conn, |conn| {
        let before = get(conn, id)?;
        // Neither the year it leaves nor the one it moves to may be closed.
        let guard = crate::db::closed_years::Guard::load(conn, before.institution_id)?;
        guard.check(before.payment_date)?;
        if input.institution_id == before.institution_id {
            guard.check(input.payment_date)?;
        } else {
            crate::db::closed_years::Guard::load(conn, input.institution_id)?
                .check(input.payment_date)?;
        }
        if before.deleted_at.is_some() || !claim(conn, id, expected_version)? {
            return Err(crate::db::stale_edit(
                conn,
                "spend line",
                "spend_line",
                id,
                before.updated_at,
            ));
        }
        totals::remove(conn, totals::Lines::Ids(&[id]))?;
        diesel::update(l::table.find(id))
            .set((FormValues::of(input, supplier_id), l::updated_at.eq(now())))
            .execute(conn)?;
        totals::add(conn, totals::Lines::Ids(&[id]))?;
        let after = get(conn, id)?;
        audit::record(
            conn,
            actor,
            Change::new("update", "spend_line", id)
                .institution(Some(after.institution_id))
                .summary(format!("Spend line {id} edited"))
                .before(&before)
                .after(&after),
        )?;
        Ok(after)
    })
}

/// Deletes (softly) or restores a line.
pub fn set_deleted(
    conn: &mut DbConn,
    actor: &Actor,
    id: i64,
    expected_version: Option<i64>,
    deleted: bool,
) -> Result<Line, Error> {
    write_tx(conn, |conn| {
        let before = get(conn, id)?;
        crate::db::closed_years::Guard::load(conn, before.institution_id)?
            .check(before.payment_date)?;
        let expected = expected_version.unwrap_or(before.version);
        if before.deleted_at.is_some() == deleted {
            return Err(Error::Conflict(if deleted {
                "This line is already deleted.".into()
            } else {
                "This line is not deleted.".into()
            }));
        }
        if !claim(conn, id, expected)? {
            return Err(crate::db::stale_edit(
                conn,
                "spend line",
                "spend_line",
                id,
                before.updated_at,
            ));
        }
        let at = now();
        totals::remove(conn, totals::Lines::Ids(&[id]))?;
        diesel::update(l::table.find(id))
            .set((l::deleted_at.eq(deleted.then_some(at)), l::updated_at.eq(at)))
            .execute(conn)
            .map_err(|e| {
                if crate::db::is_unique_violation(&e) {
                    Error::Conflict(
                        "The same line has been imported again since it was deleted, so restoring it would count it twice.".into(),
                    )
                } else {
                    e.into()
                }
            })?;
        totals::add(conn, totals::Lines::Ids(&[id]))?;
        let after = get(conn, id)?;
        audit::record(
            conn,
            actor,
            Change::new(if deleted { "delete" } else { "restore" }, "spend_line", id)
                .institution(Some(after.institution_id))
                .summary(format!(
                    "Spend line {} to {} {}",
                    Pence(after.amount_pence),
                    after.supplier_name,
                    if deleted { "deleted" } else { "restored" }
                ))
                .before(&before)
                .after(&after),
        )?;
        Ok(after)
    })
}
