//! The ledger as filtered, downloaded in the Local Government Transparency
//! Code layout.

use actix_web::{web, HttpResponse};

use super::{filter_of, LedgerQuery};
use crate::auth::CurrentUser;
use crate::db::spend::{self, Line};
use crate::db::suppliers::{self, Supplier};
use crate::domain::money::Pence;
use crate::error::AppResult;
use crate::handlers::Page;
use crate::state::AppState;

const EXPORT_BATCH: i64 = 5_000;

const TRANSPARENCY_HEADER: [&str; 20] = [
    "Body Name",
    "Date",
    "Transaction Number",
    "Invoice Number",
    "Amount",
    "Irrecoverable VAT",
    "VAT Basis",
    "Supplier Name",
    "Supplier ID",
    "Supplier Registered Company Number",
    "Supplier Registered Charity Number",
    "VAT Registration Number",
    "Expense Area",
    "Expense Type",
    "Expense Code",
    "Capital or Revenue",
    "Merchant Category",
    "Purpose of Spend",
    "Purchase Card",
    "Payment Type",
];

/// The ledger as filtered, in the Local Government Transparency Code
/// layout, streamed. Text cells are neutralised against spreadsheet
/// formulas; amounts stay plain numbers.
pub async fn export_csv(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: web::Query<LedgerQuery>,
) -> AppResult<HttpResponse> {
    let q = query.into_inner();
    let what = format!(
        "spend lines ({})",
        serde_urlencoded::to_string(&q).unwrap_or_default()
    );
    let u = user.clone();
    let (filter, names) = state
        .db(move |c| {
            let (filter, _, all) = filter_of(c, &u, &q)?;
            Ok((
                filter,
                all.into_iter().map(|i| (i.id, i.name)).collect::<Vec<_>>(),
            ))
        })
        .await?;
    let export = crate::handlers::csv::Export {
        stem: "spend",
        what,
        institution: user.institution_id,
    };
    crate::handlers::keyset_csv(
        state,
        &user,
        export,
        &TRANSPARENCY_HEADER,
        move |c, after| {
            let lines = spend::ledger_batch_after(c, &filter, after, EXPORT_BATCH)?;
            let mut ids: Vec<i64> = lines.iter().filter_map(|l| l.supplier_id).collect();
            ids.sort_unstable();
            ids.dedup();
            let suppliers = suppliers::get_many(c, &ids)?;
            let record = |l: &Line| {
                let s = l
                    .supplier_id
                    .and_then(|id| suppliers.iter().find(|s| s.id == id));
                let body = names
                    .iter()
                    .find(|(id, _)| *id == l.institution_id)
                    .map_or("", |(_, n)| n.as_str());
                transparency_record(l, body, s)
            };
            Ok(Page::of(&lines, EXPORT_BATCH, |l| l.id, record))
        },
    )
    .await
}

/// One line in the Transparency Code layout.
fn transparency_record(l: &Line, body: &str, s: Option<&Supplier>) -> [String; 20] {
    let text = |v: &Option<String>| v.as_deref().unwrap_or("").to_string();
    [
        body.to_string(),
        l.payment_date.format("%d/%m/%Y").to_string(),
        text(&l.transaction_ref),
        text(&l.invoice_ref),
        Pence(l.amount_pence).plain(),
        l.irrecoverable_vat_pence
            .map(|p| Pence(p).plain())
            .unwrap_or_default(),
        l.vat_basis.clone(),
        if crate::domain::spend::is_personal(&l.payment_type, l.redacted) {
            crate::domain::spend::REDACTED_NAME.to_owned()
        } else {
            l.supplier_name.to_string()
        },
        l.supplier_id.map(|id| id.to_string()).unwrap_or_default(),
        s.and_then(|s| s.company_number.clone()).unwrap_or_default(),
        s.and_then(|s| s.charity_number.clone()).unwrap_or_default(),
        s.and_then(|s| s.vat_number.clone())
            .map(|v| v.to_string())
            .unwrap_or_default(),
        text(&l.department),
        text(&l.expense_type),
        text(&l.expense_code),
        l.capital_revenue
            .as_deref()
            .map(|c| if c == "capital" { "Capital" } else { "Revenue" }.to_owned())
            .unwrap_or_default(),
        text(&l.category),
        text(&l.description),
        if l.purchase_card { "Yes" } else { "No" }.to_owned(),
        crate::views::spend::payment_type_label(&l.payment_type).to_owned(),
    ]
}
