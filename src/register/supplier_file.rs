//! The supplier register as a spreadsheet: export it, let a clerk fill in
//! postcodes and types, import it back matched by supplier id. An import
//! applies nothing unless every row is valid.

use crate::db::audit::Actor;
use crate::db::suppliers::{self, Supplier};
use crate::db::{write_tx, DbConn};
use crate::domain::limits;
use crate::domain::supplier::{Source, SupplierFields};
use crate::error::AppError;
use crate::import::lines::RecordCap;

pub const COLUMNS: [&str; 26] = [
    "supplier_id",
    "name",
    "company_number",
    "charity_number",
    "vat_number",
    "postcode_registered",
    "postcode_branch",
    "postcode_invoice",
    "location_basis",
    "override_place",
    "override_justification",
    "legal_form",
    "size_band",
    "size_definition",
    "employees",
    "turnover",
    "vcse",
    "charity",
    "cic",
    "cooperative",
    "employee_owned",
    "social_enterprise",
    "public_body",
    "sic_codes",
    "living_wage",
    "version",
];

fn yes_no(on: &Option<String>) -> &'static str {
    if on.is_some() {
        "yes"
    } else {
        "no"
    }
}

/// One supplier as a CSV record, text cells made safe for spreadsheets.
pub fn record(s: &Supplier) -> Vec<String> {
    let f = s.fields();
    let text = |v: &str| v.to_string();
    vec![
        s.id.to_string(),
        text(&f.name),
        text(&f.company_number),
        text(&f.charity_number),
        text(&f.vat_number),
        f.postcode_registered,
        f.postcode_branch,
        f.postcode_invoice,
        f.location_basis,
        text(&f.override_place),
        text(&f.override_justification),
        text(&f.legal_form),
        f.size_band,
        f.size_definition,
        f.employees,
        f.turnover,
        yes_no(&f.is_vcse).into(),
        yes_no(&f.is_charity).into(),
        yes_no(&f.is_cic).into(),
        yes_no(&f.is_cooperative).into(),
        yes_no(&f.is_employee_owned).into(),
        yes_no(&f.is_social_enterprise).into(),
        yes_no(&f.is_public_body).into(),
        f.sic_codes,
        f.living_wage,
        f.version,
    ]
}

/// A cell as the export wrote it, protection undone (`'=x` is `=x`).
fn unprotect(cell: &str) -> String {
    crate::export::unprotect(cell.trim()).to_owned()
}

/// A problem with one row of an uploaded file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub row: u64,
    pub message: String,
}

/// A supplier's fields with the row's cells applied: a column left out
/// keeps the current value, and a flag reads yes/no (anything else keeps it).
fn edited_fields(current: &Supplier, get: &dyn Fn(&str) -> Option<String>) -> SupplierFields {
    let mut f = current.fields();
    let flag = |v: Option<String>, keep: Option<String>| match v.as_deref().map(str::trim) {
        Some("") => None,
        Some(cell) => match crate::domain::evidence::read_flag(cell) {
            Some(true) => Some("on".to_owned()),
            Some(false) => None,
            None => keep,
        },
        None => keep,
    };
    macro_rules! take {
        ($($field:ident),*) => { $(if let Some(v) = get(stringify!($field)) { f.$field = v; })* };
    }
    take!(
        name,
        company_number,
        charity_number,
        vat_number,
        postcode_registered,
        postcode_branch,
        postcode_invoice,
        location_basis,
        override_place,
        override_justification,
        legal_form,
        size_band,
        size_definition,
        employees,
        turnover,
        sic_codes,
        living_wage
    );
    f.is_vcse = flag(get("vcse"), f.is_vcse.clone());
    f.is_charity = flag(get("charity"), f.is_charity.clone());
    f.is_cic = flag(get("cic"), f.is_cic.clone());
    f.is_cooperative = flag(get("cooperative"), f.is_cooperative.clone());
    f.is_employee_owned = flag(get("employee_owned"), f.is_employee_owned.clone());
    f.is_social_enterprise = flag(get("social_enterprise"), f.is_social_enterprise.clone());
    f.is_public_body = flag(get("public_body"), f.is_public_body.clone());
    f
}

/// Reads an uploaded register from `path` (streamed, each row at most
/// [`limits::RECORD_BYTES`]), checks every row against the suppliers it
/// names, and applies the changed ones in one transaction, or none.
/// Returns how many suppliers changed.
pub fn import(
    conn: &mut DbConn,
    actor: &Actor,
    file_name: &str,
    path: &std::path::Path,
) -> Result<Result<usize, Vec<RowError>>, AppError> {
    let file = std::fs::File::open(path).map_err(AppError::internal)?;
    let capped = RecordCap::new(std::io::BufReader::new(file), limits::RECORD_BYTES);
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(false)
        .from_reader(capped);
    let mut records = reader.byte_records();
    let headers: Vec<String> = match records.next() {
        Some(Ok(h)) => h
            .iter()
            .map(|h| {
                String::from_utf8_lossy(h)
                    .trim_start_matches('\u{feff}')
                    .trim()
                    .to_ascii_lowercase()
            })
            .collect(),
        Some(Err(e)) => {
            return Ok(Err(vec![RowError {
                row: 1,
                message: format!("the file cannot be read as CSV: {e}"),
            }]))
        }
        None => Vec::new(),
    };
    let col = |name: &str| headers.iter().position(|h| h == name);
    let (Some(id_col), Some(_), Some(_)) = (col("supplier_id"), col("name"), col("version")) else {
        return Ok(Err(vec![RowError {
            row: 1,
            message:
                "the header row needs at least supplier_id, name and version (the version says which edit each row was made from): start from an exported file"
                    .into(),
        }]));
    };
    let mut errors = Vec::new();
    let mut changes = Vec::new();
    for (i, record) in records.enumerate() {
        let row = i as u64 + 2;
        let record = match record {
            Ok(r) => csv::StringRecord::from_byte_record_lossy(r),
            Err(e) => {
                errors.push(RowError {
                    row,
                    message: format!("cannot be read: {e}"),
                });
                // Past a damaged or oversized row the file cannot be trusted.
                break;
            }
        };
        let get = |name: &str| col(name).and_then(|c| record.get(c)).map(unprotect);
        let Ok(id) = unprotect(record.get(id_col).unwrap_or("")).parse::<i64>() else {
            errors.push(RowError {
                row,
                message: "supplier_id is not a supplier number".into(),
            });
            continue;
        };
        let Ok(current) = suppliers::get(conn, id) else {
            errors.push(RowError {
                row,
                message: format!("there is no supplier {id}"),
            });
            continue;
        };
        let f = edited_fields(&current, &get);
        if let Some(v) = get("version") {
            if v != current.version.to_string() {
                errors.push(RowError {
                    row,
                    message: format!(
                        "supplier {id} has changed since this file was exported: export it again"
                    ),
                });
                continue;
            }
        }
        match (f.parse(), current.fields().parse()) {
            (Ok(new), Ok(old)) if new == old => {}
            (Ok(new), _) => changes.push((row, id, current.version, new)),
            (Err(problems), _) => {
                errors.extend(problems.into_iter().map(|(field, message)| RowError {
                    row,
                    message: format!("{field}: {message}"),
                }))
            }
        }
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let count = changes.len();
    write_tx(conn, |conn| {
        for (row, id, version, input) in &changes {
            suppliers::update(
                conn,
                actor,
                *id,
                *version,
                input,
                Source::Import,
                &format!("{file_name}, row {row}"),
            )?;
        }
        Ok::<_, AppError>(())
    })?;
    Ok(Ok(count))
}
