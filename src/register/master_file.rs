//! The institution's supplier master file (the finance system's vendor
//! export: supplier id, name, address lines, postcode, company, charity and
//! VAT numbers, sometimes a VCSE flag). Each row is matched to the register
//! by the institution's own supplier id, else by exact normalised name; its
//! postcode (or one found inside an address line, as the invoice address)
//! and identifiers become proposals a clerk accepts, with provenance
//! "supplier master file, <file>, <date>". Nothing on the register changes
//! by reading the file.

use std::io::Read;

use diesel::prelude::*;

use crate::db::audit::Actor;
use crate::db::schema::{supplier_external_ids as x, suppliers as s};
use crate::db::suppliers::NewProposal;
use crate::db::DbConn;
use crate::domain::evidence::{master_column, postcode_in, MasterColumn, ProposedField};
use crate::domain::limits;
use crate::domain::supplier::normalise_name;
use crate::error::AppError;
use crate::import::lines::RecordCap;
use crate::register::supplier_file::RowError;

/// What reading a master file found.
#[derive(Debug, Default)]
pub struct MasterSummary {
    pub file_name: String,
    pub rows: usize,
    pub by_id: usize,
    pub by_name: usize,
    /// Rows matching no supplier: (row, name).
    pub unmatched: Vec<(u64, String)>,
    /// Cells that are not valid values, and rows that cannot be read.
    pub warnings: Vec<RowError>,
    /// Values that would change the register, and how many of them were
    /// not already proposed.
    pub proposed: usize,
    pub new: usize,
}

struct Columns {
    id: Option<usize>,
    name: Option<usize>,
    postcode: Option<usize>,
    address: Vec<usize>,
    fields: Vec<(usize, ProposedField)>,
}

impl Columns {
    fn of(headers: &[String]) -> Self {
        let mut c = Columns {
            id: None,
            name: None,
            postcode: None,
            address: Vec::new(),
            fields: Vec::new(),
        };
        for (i, h) in headers.iter().enumerate() {
            match master_column(h) {
                Some(MasterColumn::SupplierId) if c.id.is_none() => c.id = Some(i),
                Some(MasterColumn::Name) if c.name.is_none() => c.name = Some(i),
                Some(MasterColumn::Postcode) if c.postcode.is_none() => c.postcode = Some(i),
                Some(MasterColumn::AddressLine) => c.address.push(i),
                Some(MasterColumn::Field(f)) if !c.fields.iter().any(|(_, g)| *g == f) => {
                    c.fields.push((i, f))
                }
                _ => {}
            }
        }
        c
    }
}

/// The live supplier an institution's own id or a name stands for.
fn find(
    conn: &mut DbConn,
    institution_id: i64,
    id: &str,
    name: &str,
) -> Result<Option<(i64, bool)>, AppError> {
    if !id.is_empty() {
        let by_id: Option<i64> = x::table
            .inner_join(s::table)
            .filter(x::institution_id.eq(institution_id))
            .filter(x::external_id.eq(id))
            .filter(s::merged_into.is_null())
            .select(x::supplier_id)
            .first(conn)
            .optional()?;
        if let Some(found) = by_id {
            return Ok(Some((found, true)));
        }
    }
    if name.is_empty() {
        return Ok(None);
    }
    let by_name: Vec<i64> = s::table
        .filter(s::normalised_name.eq(normalise_name(name)))
        .filter(s::merged_into.is_null())
        .select(s::id)
        .limit(2)
        .load(conn)?;
    // Two suppliers with one name: no guess.
    Ok((by_name.len() == 1).then(|| (by_name[0], false)))
}

/// Reads a master file and stores its proposals for the institution.
/// Refuses a file whose header names neither a supplier id nor a name.
pub fn import(
    conn: &mut DbConn,
    actor: &Actor,
    institution_id: i64,
    file_name: &str,
    path: &std::path::Path,
) -> Result<Result<MasterSummary, Vec<RowError>>, AppError> {
    let mut sample = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(64 * 1024).read_to_end(&mut sample))
        .map_err(AppError::internal)?;
    let encoding = crate::import::text::detect(&sample);
    let file = std::fs::File::open(path).map_err(AppError::internal)?;
    let capped = RecordCap::new(std::io::BufReader::new(file), limits::RECORD_BYTES);
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(false)
        .from_reader(capped);
    let mut records = reader.byte_records();
    let text = |r: &csv::ByteRecord, i: usize| {
        r.get(i)
            .map(|b| {
                encoding
                    .decode(b)
                    .trim()
                    .trim_start_matches('\u{feff}')
                    .to_owned()
            })
            .unwrap_or_default()
    };
    let headers: Vec<String> = match records.next() {
        Some(Ok(h)) => (0..h.len()).map(|i| text(&h, i)).collect(),
        _ => Vec::new(),
    };
    let cols = Columns::of(&headers);
    if cols.id.is_none() && cols.name.is_none() {
        return Ok(Err(vec![RowError {
            row: 1,
            message: "The header row names neither a supplier id nor a supplier name: is this the finance system's supplier (vendor) export?".into(),
        }]));
    }
    let date = crate::db::now().format("%d/%m/%Y");
    let provenance = |row: u64| format!("supplier master file, {file_name}, {date}, row {row}");
    let mut summary = MasterSummary {
        file_name: file_name.to_owned(),
        ..Default::default()
    };
    let mut proposals: Vec<NewProposal> = Vec::new();
    for (i, record) in records.enumerate() {
        let row = i as u64 + 2;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                summary.warnings.push(RowError {
                    row,
                    message: format!("cannot be read, and the rest of the file was not read: {e}"),
                });
                break;
            }
        };
        let get = |c: Option<usize>| c.map(|c| text(&record, c)).unwrap_or_default();
        let (id, name) = (get(cols.id), get(cols.name));
        if id.is_empty() && name.is_empty() {
            continue;
        }
        summary.rows += 1;
        let Some((supplier_id, by_id)) = find(conn, institution_id, &id, &name)? else {
            summary
                .unmatched
                .push((row, if name.is_empty() { id } else { name }));
            continue;
        };
        if by_id {
            summary.by_id += 1;
        } else {
            summary.by_name += 1;
        }
        // The postcode column, else the first postcode inside an address line.
        let postcode = match get(cols.postcode) {
            p if !p.is_empty() => Some(p),
            _ => cols
                .address
                .iter()
                .find_map(|&c| postcode_in(&text(&record, c)))
                .map(|p| p.as_str().to_owned()),
        };
        // Values the register already holds are no proposal.
        let register = crate::db::suppliers::get(conn, supplier_id)?.fields();
        let cells = postcode
            .map(|p| (ProposedField::InvoicePostcode, p))
            .into_iter()
            .chain(cols.fields.iter().map(|&(c, f)| (f, text(&record, c))));
        for (field, raw) in cells {
            match field.read(&raw) {
                Ok(Some(value)) if !field.agrees(&register, &value) => {
                    proposals.push((supplier_id, field.code(), value, provenance(row)))
                }
                Ok(_) => {}
                Err(reason) => summary.warnings.push(RowError {
                    row,
                    message: format!("{}: {reason}; left out", field.label()),
                }),
            }
        }
    }
    summary.proposed = proposals.len();
    let what = format!("Supplier master file {file_name}");
    summary.new = crate::db::write_tx(conn, |conn| {
        crate::db::suppliers::add_proposals(conn, actor, institution_id, &what, &proposals)
    })?;
    Ok(Ok(summary))
}
