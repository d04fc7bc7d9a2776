//! A spend file's rows, one at a time: each a payment, a row that cannot be
//! read (with why, and its cells as read), a row that is not a payment (the
//! header again, a note, a total) or a blank; numbered as a spreadsheet
//! numbers them.

use std::io::Read;

use csv::{ByteRecord, ReaderBuilder};
use serde::{Deserialize, Serialize};

use super::UTF8_BOM;
use crate::domain::dates::{parse_date, DateError, DateOrder, OrderEvidence};
use crate::domain::evidence;
use crate::domain::money::Pence;
use crate::domain::spend::line_text_limits;
use crate::domain::spend_file::{
    field_for_header, is_note, is_placeholder_ref, is_total_or_footer, normalise_header,
    says_grand_total, says_total, Field, Layout, ParsedLine, Settings,
};
use crate::domain::supplier::{is_redacted, CheckedIdentifiers};
use crate::import::lines::{Lines, RecordCap};

/// Where a row is: its number as a spreadsheet shows it (the record's
/// number, the header being row 1), and the text line it starts on, which
/// differs after a quoted field spanning lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct At {
    pub row: u64,
    pub line: u64,
}

impl At {
    /// A row whose record and text line agree.
    pub fn row(row: u64) -> Self {
        Self { row, line: row }
    }
}

/// Why a row that is not a payment was skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Skip {
    /// The header row again (files joined together, or a report's page
    /// headings).
    Header,
    /// A title, copyright, "report produced by" or other note line.
    Note,
    /// A total or subtotal, with the amount it states if it states one.
    Total { pence: Option<i64>, grand: bool },
}

impl Skip {
    pub fn reason(&self) -> String {
        match self {
            Skip::Header => "the header row again".into(),
            Skip::Note => "a title or note line, not a payment".into(),
            Skip::Total { pence: Some(p), .. } => {
                format!("a total row ({}), not a payment", Pence(*p))
            }
            Skip::Total { pence: None, .. } => "a total or footer row, not a payment".into(),
        }
    }
}

/// A row that holds a payment that cannot be read: why, its cells as they
/// are in the file, and the amount if that much could be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub reason: String,
    pub cells: Vec<String>,
    pub pence: Option<i64>,
}

/// What one row of a file turned out to be. Rows pass through one at a
/// time and are never stored together, so the line is not boxed.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Row {
    Line(ParsedLine),
    Rejected(Rejection),
    /// A row that is not a payment (a header again, a note, a total).
    Skipped(Skip),
    Blank,
}

impl Row {
    fn rejected(reason: String, cells: &[String], pence: Option<i64>) -> Self {
        Row::Rejected(Rejection {
            reason,
            cells: cells.to_vec(),
            pence,
        })
    }
}

/// What a row that is not a payment is, if it is one of the kinds a
/// published file carries: the header again, a note, a total.
fn not_a_payment(cells: &[String], header_keys: &[String], settings: &Settings) -> Option<Skip> {
    let filled: Vec<&str> = cells
        .iter()
        .map(|c| c.trim())
        .filter(|c| !c.is_empty())
        .collect();
    if !header_keys.is_empty() {
        let same = cells
            .iter()
            .zip(header_keys)
            .filter(|(c, h)| !h.is_empty() && normalise_header(c) == **h)
            .count();
        if same * 2 > header_keys.iter().filter(|h| !h.is_empty()).count() {
            return Some(Skip::Header);
        }
    }
    let mut fields: Vec<Field> = filled.iter().filter_map(|c| field_for_header(c)).collect();
    fields.sort_by_key(|f| f.code());
    fields.dedup();
    if fields.len() >= 2 && filled.iter().all(|c| Pence::parse(c).is_err()) {
        return Some(Skip::Header);
    }
    if filled.iter().any(|c| says_total(c)) {
        let pence = settings
            .column_of(Field::Amount)
            .and_then(|i| cells.get(i))
            .and_then(|c| Pence::parse(crate::export::unprotect(c.trim())).ok())
            .map(|p| p.0);
        let grand = filled.iter().any(|c| says_grand_total(c));
        return Some(Skip::Total { pence, grand });
    }
    if filled.iter().any(|c| is_note(c)) || filled.len() == 1 {
        return Some(Skip::Note);
    }
    None
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    #[error("the file could not be read: {0}")]
    Io(String),
    #[error("row {row} has {found} fields where the header has {expected}, and the file does not end with a line break: it looks cut off. Download or export it again; nothing was imported")]
    CutOff {
        row: u64,
        found: usize,
        expected: usize,
    },
    #[error("row {row} could not be read: {message}")]
    Damaged { row: u64, message: String },
}

fn date_reason(field: &str, e: &DateError, order: DateOrder) -> String {
    match e {
        DateError::Impossible(_) => format!(
            "{field}: {e} when read {}",
            match order {
                DateOrder::DayFirst => "day first",
                DateOrder::MonthFirst => "month first",
            }
        ),
        _ => format!("{field}: {e}"),
    }
}

fn optional_money(raw: &str) -> Result<Option<i64>, String> {
    let t = raw.trim();
    let lower = t.to_ascii_lowercase();
    if t.is_empty() || matches!(lower.as_str(), "n/a" | "na" | "-" | "nil" | "none") {
        return Ok(None);
    }
    Pence::parse(t)
        .map(|p| Some(p.0))
        .map_err(|e| e.to_string())
}

fn capital_revenue(raw: &str) -> Option<&'static str> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "capital" | "cap" | "c" => Some("capital"),
        "revenue" | "rev" | "r" => Some("revenue"),
        _ => None,
    }
}

/// What a date that failed in one order says when read in the other.
pub(super) fn evidence_of(raw: &str, failed: DateOrder) -> OrderEvidence {
    let other = match failed {
        DateOrder::DayFirst => DateOrder::MonthFirst,
        DateOrder::MonthFirst => DateOrder::DayFirst,
    };
    parse_date(raw, other).map(|(_, e)| e).unwrap_or_default()
}

/// What a row whose payment date cannot be read is, when that settles it:
/// a row that is not a payment, or one with no date at all.
fn without_date(
    cells: &[String],
    header_keys: &[String],
    settings: &Settings,
    supplier: &str,
    date_raw: &str,
) -> Option<Row> {
    if let Some(skip) = not_a_payment(cells, header_keys, settings) {
        return Some(Row::Skipped(skip));
    }
    if !date_raw.is_empty() {
        return None;
    }
    let pence = settings
        .column_of(Field::Amount)
        .and_then(|i| cells.get(i))
        .and_then(|c| Pence::parse(crate::export::unprotect(c.trim())).ok())
        .map(|p| p.0);
    let refs: Vec<&str> = cells.iter().map(String::as_str).collect();
    Some(if is_total_or_footer(&refs, supplier) {
        Row::Skipped(Skip::Total {
            pence,
            grand: false,
        })
    } else {
        Row::rejected("no payment date".into(), cells, pence)
    })
}

/// In a file of totals for a period, what a row that holds no total is:
/// the header again, a note, or (no supplier named) an unlabelled total.
fn totals_row_skipped(
    cells: &[String],
    header_keys: &[String],
    settings: &Settings,
    supplier: &str,
    amount: &str,
) -> Option<Row> {
    settings.totals_period?;
    if Pence::parse(amount).is_ok() && !supplier.is_empty() {
        return None;
    }
    if let Some(skip) = not_a_payment(cells, header_keys, settings) {
        return Some(Row::Skipped(skip));
    }
    let pence = Pence::parse(amount).ok().map(|p| p.0);
    supplier.is_empty().then_some(Row::Skipped(Skip::Total {
        pence,
        grand: false,
    }))
}

/// A date a row may leave blank; a reason if it is given and unreadable.
fn optional_date(
    raw: &str,
    field: &str,
    order: DateOrder,
    evidence: &mut OrderEvidence,
    reasons: &mut Vec<String>,
) -> Option<chrono::NaiveDate> {
    if raw.is_empty() {
        return None;
    }
    match parse_date(raw, order) {
        Ok((d, e)) => {
            evidence.add(e);
            Some(d)
        }
        Err(e) => {
            reasons.push(date_reason(field, &e, order));
            None
        }
    }
}

/// Every text a row gives, checked against the length the ledger keeps.
fn check_lengths<'a>(get: &impl Fn(Field) -> &'a str, reasons: &mut Vec<String>) {
    use crate::domain::limits::{check, REFERENCE};
    let fields = [
        Field::SupplierName,
        Field::TransactionRef,
        Field::InvoiceRef,
        Field::Department,
        Field::ExpenseType,
        Field::ExpenseCode,
        Field::Category,
        Field::Description,
    ];
    let limits = fields
        .into_iter()
        .zip(line_text_limits())
        .map(|(field, (_, label, max))| (field, label, max))
        .chain([
            (Field::LineRef, "The line number", REFERENCE),
            (
                Field::StatementRef,
                "The card statement reference",
                REFERENCE,
            ),
        ]);
    for (field, label, max) in limits {
        if let Err(e) = check(label, get(field), max) {
            reasons.push(e);
        }
    }
}

/// Reads one record with the clerk's settings. `header_keys` are the
/// file's header names, normalised (empty for a file without a header), to
/// recognise the header row repeated.
/// Reads a yes/no cell: `None` for one that is neither.
type FlagReader = fn(&str) -> Option<bool>;

/// A yes/no column's cell; one that is neither is listed as left out.
fn read_flag_cell(
    raw: Option<String>,
    what: &str,
    read: FlagReader,
    dropped: &mut Vec<String>,
) -> Option<bool> {
    let raw = raw?;
    let flag = read(&raw);
    if flag.is_none() {
        dropped.push(format!(
            "{what} flag “{raw}” is neither yes nor no: left out"
        ));
    }
    flag
}

pub fn parse_row(
    cells: &[String],
    header_keys: &[String],
    settings: &Settings,
    order: DateOrder,
) -> (Row, OrderEvidence) {
    let mut evidence = OrderEvidence::default();
    if cells.iter().all(|c| c.trim().is_empty()) {
        return (Row::Blank, evidence);
    }
    let get = |field: Field| -> &str {
        settings
            .column_of(field)
            .and_then(|i| cells.get(i))
            .map_or("", |c| crate::export::unprotect(c.trim()))
    };
    let text = |field: Field| -> Option<String> {
        let v = get(field);
        (!v.is_empty()).then(|| v.to_owned())
    };
    let supplier = get(Field::SupplierName);
    let date_raw = get(Field::PaymentDate);
    if says_total(supplier) {
        let pence = Pence::parse(get(Field::Amount)).ok().map(|p| p.0);
        let grand = says_grand_total(supplier);
        return (Row::Skipped(Skip::Total { pence, grand }), evidence);
    }
    let mut reasons = Vec::new();
    if let Some(row) =
        totals_row_skipped(cells, header_keys, settings, supplier, get(Field::Amount))
    {
        return (row, evidence);
    }
    let payment_date = match settings.totals_period {
        // A total for a period is dated at the period's end.
        Some((_, end)) => Some(end),
        None => match parse_date(date_raw, order) {
            Ok((d, e)) => {
                evidence.add(e);
                Some(d)
            }
            Err(e) => {
                if let Some(row) = without_date(cells, header_keys, settings, supplier, date_raw) {
                    return (row, evidence);
                }
                evidence.add(evidence_of(date_raw, order));
                reasons.push(date_reason("payment date", &e, order));
                None
            }
        },
    };
    let [invoice_date, received_date] = [
        (Field::InvoiceDate, "invoice date"),
        (Field::ReceivedDate, "date received"),
    ]
    .map(|(f, label)| optional_date(get(f), label, order, &mut evidence, &mut reasons));
    let amount = match Pence::parse(get(Field::Amount)) {
        Ok(p) => Some(p.0),
        Err(e) => {
            reasons.push(format!("amount: {e}"));
            None
        }
    };
    let vat = optional_money(get(Field::IrrecoverableVat)).unwrap_or_else(|e| {
        reasons.push(format!("irrecoverable VAT: {e}"));
        None
    });
    check_lengths(&get, &mut reasons);
    let (Some(payment_date), Some(amount), true) = (payment_date, amount, reasons.is_empty())
    else {
        return (Row::rejected(reasons.join("; "), cells, amount), evidence);
    };
    let mut ids = CheckedIdentifiers::of(
        text(Field::CompanyNumber),
        text(Field::CharityNumber),
        text(Field::VatNumber),
    );
    let flags: [(Field, &str, FlagReader); 2] = [
        (Field::VcseFlag, "VCSE", evidence::read_flag),
        (Field::SmeFlag, "SME", evidence::read_sme_flag),
    ];
    let [vcse, sme] =
        flags.map(|(f, what, read)| read_flag_cell(text(f), what, read, &mut ids.dropped));
    (
        Row::Line(ParsedLine {
            payment_date,
            invoice_date,
            received_date,
            amount,
            irrecoverable_vat: vat,
            supplier_name: supplier.to_owned(),
            // Councils leave the name blank when they withhold it.
            redacted: supplier.is_empty() || is_redacted(supplier),
            // A placeholder id (all zeros, all nines, "n/a") names nobody.
            supplier_ref: text(Field::SupplierRef).filter(|r| !is_placeholder_ref(r)),
            company_number: ids.company_number,
            charity_number: ids.charity_number,
            vat_number: ids.vat_number,
            transaction_ref: text(Field::TransactionRef),
            invoice_ref: text(Field::InvoiceRef),
            line_ref: text(Field::LineRef),
            statement_ref: text(Field::StatementRef),
            department: text(Field::Department),
            expense_type: text(Field::ExpenseType),
            expense_code: text(Field::ExpenseCode),
            category: text(Field::Category),
            description: text(Field::Description),
            capital_revenue: capital_revenue(get(Field::CapitalRevenue)),
            vcse,
            sme,
            dropped: ids.dropped,
            payee_class: None,
            card: false,
        }),
        evidence,
    )
}

/// Line breaks inside a record's fields (quoted fields spanning lines), a
/// CRLF counting once.
fn breaks_within(record: &ByteRecord) -> u64 {
    record
        .iter()
        .filter(|f| f.contains(&b'\n') || f.contains(&b'\r'))
        .map(|f| {
            let crlf = f.windows(2).filter(|w| w == b"\r\n").count();
            let breaks = f.iter().filter(|&&b| b == b'\n' || b == b'\r').count();
            (breaks - crlf) as u64
        })
        .sum()
}

/// Streams a file's data rows (after the header) through `on_row` with
/// where each is, reporting bytes read to `progress`. Memory stays flat.
pub fn read_rows<E: From<ReadError>>(
    reader: &mut dyn Read,
    layout: &Layout,
    settings: &Settings,
    order: DateOrder,
    on_row: &mut dyn FnMut(At, Row, OrderEvidence) -> Result<(), E>,
    progress: &mut dyn FnMut(u64),
) -> Result<(), E> {
    let mut csv = ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(layout.delimiter)
        .buffer_capacity(1 << 20)
        .from_reader(Lines::new(RecordCap::new(
            reader,
            crate::domain::limits::RECORD_BYTES,
        )));
    let expected = layout.headers.len();
    let skip = layout.skipped_above();
    let header_keys: Vec<String> = if layout.header_row.is_some() {
        layout.headers.iter().map(|h| normalise_header(h)).collect()
    } else {
        Vec::new()
    };
    let mut record = ByteRecord::new();
    let mut cells: Vec<String> = Vec::with_capacity(expected);
    let mut at = At::default();
    // Text lines taken by line breaks inside earlier records' fields.
    let mut extra_lines: u64 = 0;
    let mut read: u64 = 0;
    // The last row is held back until the next is read, to tell whether a
    // short final row was cut off.
    let mut pending: Option<(At, usize, Row, OrderEvidence)> = None;
    loop {
        let more = csv
            .read_byte_record(&mut record)
            .map_err(|e| ReadError::Damaged {
                row: at.row + 1,
                message: e.to_string(),
            })?;
        if !more {
            break;
        }
        let start = record.position().map_or(0, csv::Position::byte);
        let line = csv.get_mut().line_at(start);
        at = At {
            row: line - extra_lines,
            line,
        };
        extra_lines += breaks_within(&record);
        if line <= skip {
            continue;
        }
        if line == 1 && layout.has_bom {
            // The reader skips nothing itself; the BOM is in the first field.
            if let Some(first) = record.get(0) {
                if first.starts_with(UTF8_BOM) {
                    let mut fixed = ByteRecord::new();
                    fixed.push_field(&first[3..]);
                    for f in record.iter().skip(1) {
                        fixed.push_field(f);
                    }
                    record = fixed;
                }
            }
        }
        // The cells' buffers are reused from row to row.
        cells.resize_with(record.len(), String::new);
        for (cell, field) in cells.iter_mut().zip(record.iter()) {
            cell.clear();
            cell.push_str(&layout.encoding.decode(field));
        }
        let (parsed, evidence) = if Some(line) == layout.header_row {
            (Row::Skipped(Skip::Header), OrderEvidence::default())
        } else {
            parse_row(&cells, &header_keys, settings, order)
        };
        if let Some((r, _, p, e)) = pending.take() {
            on_row(r, p, e)?;
        }
        pending = Some((at, record.len(), parsed, evidence));
        read += 1;
        if read.is_multiple_of(4096) {
            progress(csv.position().byte());
        }
    }
    if let Some((r, found, p, e)) = pending {
        let ends_with_break = matches!(csv.get_ref().last, Some(b'\n' | b'\r'));
        if found < expected && !ends_with_break && p != Row::Blank {
            return Err(ReadError::CutOff {
                row: r.row,
                found,
                expected,
            }
            .into());
        }
        on_row(r, p, e)?;
    }
    progress(csv.position().byte());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::{detect, propose};
    use super::*;
    use crate::domain::encoding::Encoding;

    fn read_all(bytes: &[u8]) -> (Layout, Settings, Vec<(u64, Row)>) {
        let layout = detect(bytes, true).unwrap();
        let mut settings = propose(&layout);
        settings.date_order.get_or_insert(DateOrder::DayFirst);
        let mut rows = Vec::new();
        read_rows::<ReadError>(
            &mut &bytes[..],
            &layout,
            &settings,
            settings.date_order.unwrap(),
            &mut |at: At, r, _| {
                rows.push((at.row, r));
                Ok(())
            },
            &mut |_| {},
        )
        .unwrap();
        (layout, settings, rows)
    }

    fn amounts(rows: &[(u64, Row)]) -> Vec<i64> {
        rows.iter()
            .filter_map(|(_, r)| match r {
                Row::Line(l) => Some(l.amount),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn finds_the_header_below_a_preamble_and_skips_spacers_and_footers() {
        let file = b"Spend report\r\nGenerated 01/05/2021 by FinanceSys\r\n\r\n\
Payment Date,,Supplier Name,Net Amount(\xA3),Service Area\r\n\
01/04/2021,,ACME LTD,\"\xA31,234.00\",Highways\r\n\
13/04/2021,,Bob's Bakery,(10.50),Schools\r\n\
,,,,\r\n\
,,Total,\"\xA31,223.50\",\r\n";
        let (layout, settings, rows) = read_all(file);
        assert_eq!(layout.encoding, Encoding::Windows1252);
        assert_eq!(layout.line_ending, "CRLF");
        assert_eq!(layout.header_row, Some(4));
        assert_eq!(layout.preamble_rows(), 3);
        assert_eq!(layout.headers[1], "(blank column 2)");
        assert_eq!(settings.columns[1], None);
        assert_eq!(settings.column_of(Field::Amount), Some(3));
        assert_eq!(settings.vat_basis, "net");
        assert_eq!(
            settings.date_order,
            Some(DateOrder::DayFirst),
            "13/04 proves it"
        );
        assert_eq!(amounts(&rows), [123_400, -1_050]);
        assert_eq!(rows[2], (7, Row::Blank));
        assert_eq!(
            rows[3],
            (
                8,
                Row::Skipped(Skip::Total {
                    pence: Some(122_350),
                    grand: false
                })
            )
        );
    }

    #[test]
    fn reads_each_encoding_line_ending_and_delimiter() {
        for (file, encoding, ending, delimiter) in [
            (
                &b"Date;Supplier;Amount\n01/04/2021;Caf\x82 Ltd;\x9C5.00\n"[..],
                Encoding::Cp437,
                "LF",
                b';',
            ),
            (
                b"Date\tSupplier\tAmount\r01/04/2021\tCaf\xE9 Ltd\t\xA35.00\r",
                Encoding::Windows1252,
                "CR",
                b'\t',
            ),
            (
                "\u{feff}Date|Supplier|Amount\r\n01/04/2021|Café Ltd|£5.00\r\n".as_bytes(),
                Encoding::Utf8,
                "CRLF",
                b'|',
            ),
        ] {
            let (layout, _, rows) = read_all(file);
            assert_eq!(
                (
                    layout.encoding,
                    layout.line_ending.as_str(),
                    layout.delimiter
                ),
                (encoding, ending, delimiter)
            );
            let Row::Line(line) = &rows[0].1 else {
                panic!("{rows:?}")
            };
            assert_eq!(
                (line.supplier_name.as_str(), line.amount),
                ("Café Ltd", 500)
            );
        }
    }

    #[test]
    fn maps_a_file_with_no_header_by_its_values() {
        let file = b"01/04/2021,ACME LIMITED,1234.56,HW01\n02/04/2021,Bob's Bakery,99.00,SC02\n";
        let (layout, settings, rows) = read_all(file);
        assert_eq!(layout.header_row, None);
        assert_eq!(
            settings.columns,
            [
                Some(Field::PaymentDate),
                Some(Field::SupplierName),
                Some(Field::Amount),
                None
            ]
        );
        assert_eq!(amounts(&rows), [123_456, 9_900]);
        assert_eq!(rows[0].0, 1, "row 1 is data");
    }

    #[test]
    fn rejects_rows_naming_each_problem_and_a_cut_off_file() {
        let file = b"Date,Supplier,Amount\n00:00:00,A,1.00\n31/02/2021,B,x\n01/04/2021,,5\n";
        let (_, _, rows) = read_all(file);
        let Row::Line(withheld) = &rows[2].1 else {
            panic!("a blank payee is a withheld name, not a bad row: {rows:?}")
        };
        assert!(withheld.redacted && withheld.supplier_name.is_empty());
        let reasons: Vec<(u64, &str, Option<i64>)> = rows[..2]
            .iter()
            .map(|(n, r)| match r {
                Row::Rejected(r) => (*n, r.reason.as_str(), r.pence),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(
            reasons,
            [
                (2, "payment date: “00:00:00” is a time with no date (the dates were probably lost when the file was exported)", Some(100)),
                (3, "payment date: “31/02/2021” is not a real date when read day first; amount: “x” is not an amount of money", None),
            ]
        );
        let Row::Rejected(kept) = &rows[0].1 else {
            unreachable!()
        };
        assert_eq!(kept.cells, ["00:00:00", "A", "1.00"], "the row as read");
        let cut = b"Date,Supplier,Amount,Dept\n01/04/2021,A,1.00,X\n02/04/2021,B";
        let layout = detect(cut, true).unwrap();
        let settings = propose(&layout);
        let err = read_rows::<ReadError>(
            &mut &cut[..],
            &layout,
            &settings,
            DateOrder::DayFirst,
            &mut |_, _, _| Ok(()),
            &mut |_| {},
        )
        .unwrap_err();
        assert_eq!(
            err,
            ReadError::CutOff {
                row: 3,
                found: 2,
                expected: 4
            }
        );
        // A complete last row without a final line break is fine (real files end so).
        let (_, _, rows) = read_all(b"Date,Supplier,Amount\n01/04/2021,A,1.00");
        assert_eq!(amounts(&rows), [100]);
    }

    #[test]
    fn reads_every_amount_form() {
        let file = "Date,Supplier,Amount\n01/04/2021,A,\"£1,234.00\"\n01/04/2021,A,\"2,100.00\"\n01/04/2021,A,487\n\
01/04/2021,A,\"-1,234.00\"\n01/04/2021,A,\"(1,234.00)\"\n01/04/2021,A,\"1,234.00-\"\n";
        let (_, _, rows) = read_all(file.as_bytes());
        assert_eq!(
            amounts(&rows),
            [123_400, 210_000, 48_700, -123_400, -123_400, -123_400]
        );
    }

    #[test]
    fn ambiguous_dates_are_not_decided_for_the_clerk() {
        let layout = detect(
            b"Date,Supplier,Amount\n01/04/2021,A,1\n02/04/2021,B,2\n",
            true,
        )
        .unwrap();
        assert_eq!(propose(&layout).date_order, None);
        let layout = detect(b"Date,Supplier,Amount\n04/13/2021,A,1\n", true).unwrap();
        assert_eq!(propose(&layout).date_order, Some(DateOrder::MonthFirst));
    }

    #[test]
    fn the_signature_ignores_spelling_noise() {
        let a = detect(
            b"Net Amount(\xA3),Supplier Name,Date\n1,A,01/04/2021\n",
            true,
        )
        .unwrap();
        let b = detect(b"net amount,SUPPLIER NAME,date\n1,A,01/04/2021\n", true).unwrap();
        assert_eq!(a.signature(), b.signature());
    }
}
