//! Reading a spend file as published: detect its layout (encoding, line
//! endings, delimiter, the header row below any preamble, or no header),
//! propose a column mapping, and read its rows into lines, rejections,
//! blanks and footers with row numbers. Pure reading: nothing here touches
//! the database.

use std::io::Read;

use csv::{ByteRecord, ReaderBuilder};

use super::text::{self, Encoding, UTF8_BOM};
use crate::domain::dates::{parse_date, DateError, DateOrder, OrderEvidence};
use crate::domain::money::Pence;
use crate::domain::spend::line_text_limits;
use crate::domain::spend_file::{
    field_for_header, is_total_or_footer, normalise_header, propose_mapping, vat_basis_of_header,
    Field, Layout, ParsedLine, Settings,
};
use crate::domain::supplier::{is_redacted, CheckedIdentifiers};
use crate::import::lines::{Lines, RecordCap};

/// How much of a file detection looks at.
pub const SAMPLE_BYTES: usize = 256 * 1024;
const HEADER_SEARCH_ROWS: usize = 30;
const SAMPLE_ROWS: usize = 6;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LayoutError {
    #[error("the file is empty")]
    Empty,
    #[error("the file does not look like a table of payments (no column of dates and amounts was found)")]
    NotATable,
}

/// Detects the layout from the start of a file. `complete` says whether the
/// sample is the whole file (otherwise its last, possibly cut, line is
/// ignored).
pub fn detect(sample: &[u8], complete: bool) -> Result<Layout, LayoutError> {
    let has_bom = sample.starts_with(UTF8_BOM);
    let body = if has_bom { &sample[3..] } else { sample };
    let body = if complete {
        body
    } else {
        match body.iter().rposition(|&b| b == b'\n' || b == b'\r') {
            Some(end) => &body[..=end],
            None => body,
        }
    };
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(LayoutError::Empty);
    }
    let encoding = text::detect(sample);
    let line_ending = line_ending_of(body).to_owned();
    let delimiter = [b',', b';', b'\t', b'|']
        .into_iter()
        .max_by_key(|d| delimiter_score(body, *d))
        .unwrap_or(b',');
    let numbered = sample_records(body, delimiter, encoding, 60);
    let records: Vec<Vec<String>> = numbered.iter().map(|(_, r)| r.clone()).collect();
    let width = records.iter().map(Vec::len).max().unwrap_or(0);
    if width < 2 {
        return Err(LayoutError::NotATable);
    }
    let header_at = records
        .iter()
        .take(HEADER_SEARCH_ROWS)
        .enumerate()
        .map(|(i, r)| {
            let mut fields: Vec<Field> = r.iter().filter_map(|c| field_for_header(c)).collect();
            fields.sort_by_key(|f| f.code());
            fields.dedup();
            (i, fields.len())
        })
        .filter(|(_, n)| *n >= 2)
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
        .map(|(i, _)| i);
    let (headers, data_from) = match header_at {
        Some(i) => {
            let mut h = records[i].clone();
            h.resize(width, String::new());
            let h = h
                .into_iter()
                .enumerate()
                .map(|(n, t)| {
                    let t = t.trim().to_owned();
                    if t.is_empty() {
                        format!("(blank column {})", n + 1)
                    } else {
                        t
                    }
                })
                .collect();
            (h, i + 1)
        }
        None => ((1..=width).map(|n| format!("Column {n}")).collect(), 0),
    };
    let samples: Vec<Vec<String>> = records[data_from..]
        .iter()
        .filter(|r| r.iter().any(|c| !c.trim().is_empty()))
        .take(SAMPLE_ROWS)
        .map(|r| {
            let mut r = r.clone();
            r.resize(width, String::new());
            r
        })
        .collect();
    let layout = Layout {
        encoding,
        has_bom,
        line_ending,
        delimiter,
        header_row: header_at.map(|i| numbered[i].0),
        headers,
        samples,
    };
    if layout.header_row.is_none() {
        let missing = infer_headerless(&layout.samples, width).missing();
        if missing.contains(&Field::PaymentDate) || missing.contains(&Field::Amount) {
            return Err(LayoutError::NotATable);
        }
    }
    Ok(layout)
}

fn line_ending_of(body: &[u8]) -> &'static str {
    let crlf = body.windows(2).filter(|w| w == b"\r\n").count();
    let cr = body.iter().filter(|&&b| b == b'\r').count() - crlf;
    let lf = body.iter().filter(|&&b| b == b'\n').count() - crlf;
    if crlf >= cr.max(lf) && crlf > 0 {
        "CRLF"
    } else if cr > lf {
        "CR"
    } else {
        "LF"
    }
}

/// How well a delimiter splits the sample: the number of rows sharing the
/// most common field count, if that count is above one.
fn delimiter_score(body: &[u8], delimiter: u8) -> usize {
    let mut counts = std::collections::HashMap::<usize, usize>::new();
    let mut csv = ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(body);
    let mut record = ByteRecord::new();
    let mut n = 0;
    while n < 60 && csv.read_byte_record(&mut record).unwrap_or(false) {
        if record.iter().any(|f| !f.is_empty()) {
            *counts.entry(record.len()).or_default() += 1;
        }
        n += 1;
    }
    counts
        .into_iter()
        .filter(|(width, _)| *width > 1)
        .map(|(width, rows)| rows * 1000 + width)
        .max()
        .unwrap_or(0)
}

/// The first records with the line each starts on.
fn sample_records(
    body: &[u8],
    delimiter: u8,
    encoding: Encoding,
    limit: usize,
) -> Vec<(u64, Vec<String>)> {
    let mut csv = ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(Lines::new(body));
    let mut out = Vec::new();
    let mut record = ByteRecord::new();
    while out.len() < limit && csv.read_byte_record(&mut record).unwrap_or(false) {
        let start = record.position().map_or(0, csv::Position::byte);
        let line = csv.get_mut().line_at(start);
        out.push((
            line,
            record
                .iter()
                .map(|f| encoding.decode(f).into_owned())
                .collect(),
        ));
    }
    out
}

/// A mapping for a file with no header, from what its values look like: the
/// column that reads as dates, the one that reads as money with pence, and
/// the one with the most words.
fn infer_headerless(samples: &[Vec<String>], width: usize) -> Settings {
    let mut columns: Vec<Option<Field>> = vec![None; width];
    let share = |col: usize, test: &dyn Fn(&str) -> bool| {
        samples
            .iter()
            .filter(|r| r.get(col).is_some_and(|c| test(c.trim())))
            .count()
    };
    let enough = samples.len().div_ceil(2).max(1);
    let is_date = |c: &str| {
        !c.bytes().all(|b| b.is_ascii_digit() || b == b'.')
            && parse_date(c, DateOrder::DayFirst).is_ok()
    };
    let is_money =
        |c: &str| (c.contains('.') || c.contains('£')) && Pence::parse(c).is_ok() && !is_date(c);
    let letters = |c: &str| c.chars().filter(|ch| ch.is_alphabetic()).count();
    let best = |columns: &[Option<Field>], test: &dyn Fn(&str) -> bool| {
        (0..width)
            .filter(|c| columns[*c].is_none())
            .map(|c| (c, share(c, test)))
            .filter(|(_, n)| *n >= enough)
            .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
            .map(|(c, _)| c)
    };
    if let Some(c) = best(&columns, &is_date) {
        columns[c] = Some(Field::PaymentDate);
    }
    if let Some(c) = best(&columns, &is_money) {
        columns[c] = Some(Field::Amount);
    }
    if let Some(c) = (0..width)
        .filter(|c| columns[*c].is_none())
        .map(|c| {
            (
                c,
                samples
                    .iter()
                    .map(|r| r.get(c).map_or(0, |v| letters(v)))
                    .sum::<usize>(),
            )
        })
        .filter(|(_, n)| *n > 0)
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
        .map(|(c, _)| c)
    {
        columns[c] = Some(Field::SupplierName);
    }
    Settings {
        columns,
        date_order: None,
        purchase_card: false,
        vat_basis: "unknown".into(),
        period: None,
    }
}

/// The mapping the app proposes for a layout: by header synonyms, or by
/// content for a file with no header; the date order if the sample proves it.
pub fn propose(layout: &Layout) -> Settings {
    let mut settings = if layout.header_row.is_some() {
        let columns = propose_mapping(&layout.headers);
        let amount_header = columns
            .iter()
            .position(|c| *c == Some(Field::Amount))
            .map_or("", |i| layout.headers[i].as_str());
        let purchase_card = layout
            .headers
            .iter()
            .any(|h| normalise_header(h).contains("merchant"));
        Settings {
            columns,
            date_order: None,
            purchase_card,
            vat_basis: vat_basis_of_header(amount_header).to_owned(),
            period: None,
        }
    } else {
        infer_headerless(&layout.samples, layout.headers.len())
    };
    settings.date_order = sample_evidence(layout, &settings).proven();
    settings
}

/// What the sample's dates say about day/month order.
pub fn sample_evidence(layout: &Layout, settings: &Settings) -> OrderEvidence {
    let mut evidence = OrderEvidence::default();
    for field in [Field::PaymentDate, Field::InvoiceDate] {
        if let Some(col) = settings.column_of(field) {
            for row in &layout.samples {
                if let Some(c) = row.get(col) {
                    evidence.add(match parse_date(c, DateOrder::DayFirst) {
                        Ok((_, e)) => e,
                        Err(_) => evidence_of(c, DateOrder::DayFirst),
                    });
                }
            }
        }
    }
    evidence
}

/// What one row of a file turned out to be. Rows pass through one at a
/// time and are never stored together, so the line is not boxed.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Row {
    Line(ParsedLine),
    Rejected(String),
    /// A total, subtotal or footer line (no date and no supplier, or saying
    /// it is a total).
    Footer,
    Blank,
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
fn evidence_of(raw: &str, failed: DateOrder) -> OrderEvidence {
    let other = match failed {
        DateOrder::DayFirst => DateOrder::MonthFirst,
        DateOrder::MonthFirst => DateOrder::DayFirst,
    };
    parse_date(raw, other).map(|(_, e)| e).unwrap_or_default()
}

/// Reads one record with the clerk's settings.
pub fn parse_row(cells: &[String], settings: &Settings, order: DateOrder) -> (Row, OrderEvidence) {
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
    if date_raw.is_empty() {
        let refs: Vec<&str> = cells.iter().map(String::as_str).collect();
        if is_total_or_footer(&refs, supplier) {
            return (Row::Footer, evidence);
        }
        return (Row::Rejected("no payment date".into()), evidence);
    }
    let mut reasons = Vec::new();
    let payment_date = match parse_date(date_raw, order) {
        Ok((d, e)) => {
            evidence.add(e);
            Some(d)
        }
        Err(e) => {
            evidence.add(evidence_of(date_raw, order));
            reasons.push(date_reason("payment date", &e, order));
            None
        }
    };
    let invoice_date = match get(Field::InvoiceDate) {
        "" => None,
        raw => match parse_date(raw, order) {
            Ok((d, e)) => {
                evidence.add(e);
                Some(d)
            }
            Err(e) => {
                reasons.push(date_reason("invoice date", &e, order));
                None
            }
        },
    };
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
    for (field, (_, label, max)) in fields.into_iter().zip(line_text_limits()) {
        if let Err(e) = crate::domain::limits::check(label, get(field), max) {
            reasons.push(e);
        }
    }
    let (Some(payment_date), Some(amount), true) = (payment_date, amount, reasons.is_empty())
    else {
        return (Row::Rejected(reasons.join("; ")), evidence);
    };
    let ids = CheckedIdentifiers::of(
        text(Field::CompanyNumber),
        text(Field::CharityNumber),
        text(Field::VatNumber),
    );
    (
        Row::Line(ParsedLine {
            payment_date,
            invoice_date,
            amount,
            irrecoverable_vat: vat,
            supplier_name: supplier.to_owned(),
            // Councils leave the name blank when they withhold it.
            redacted: supplier.is_empty() || is_redacted(supplier),
            supplier_ref: text(Field::SupplierRef),
            company_number: ids.company_number,
            charity_number: ids.charity_number,
            vat_number: ids.vat_number,
            transaction_ref: text(Field::TransactionRef),
            invoice_ref: text(Field::InvoiceRef),
            department: text(Field::Department),
            expense_type: text(Field::ExpenseType),
            expense_code: text(Field::ExpenseCode),
            category: text(Field::Category),
            description: text(Field::Description),
            capital_revenue: capital_revenue(get(Field::CapitalRevenue)),
            dropped: ids.dropped,
        }),
        evidence,
    )
}

/// Streams a file's data rows (after the header) through `on_row` with their
/// row numbers, reporting bytes read to `progress`. Memory stays flat.
pub fn read_rows<E: From<ReadError>>(
    reader: &mut dyn Read,
    layout: &Layout,
    settings: &Settings,
    order: DateOrder,
    on_row: &mut dyn FnMut(u64, Row, OrderEvidence) -> Result<(), E>,
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
    let skip = layout.header_row.unwrap_or(0);
    let mut record = ByteRecord::new();
    let mut cells: Vec<String> = Vec::with_capacity(expected);
    let mut row: u64 = 0;
    let mut read: u64 = 0;
    // The last row is held back until the next is read, to tell whether a
    // short final row was cut off.
    let mut pending: Option<(u64, usize, Row, OrderEvidence)> = None;
    loop {
        let more = csv
            .read_byte_record(&mut record)
            .map_err(|e| ReadError::Damaged {
                row: row + 1,
                message: e.to_string(),
            })?;
        if !more {
            break;
        }
        let start = record.position().map_or(0, csv::Position::byte);
        row = csv.get_mut().line_at(start);
        if row <= skip {
            continue;
        }
        if row == 1 && layout.has_bom {
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
        cells.extend(
            record
                .iter()
                .map(|f| layout.encoding.decode(f).into_owned()),
        );
        let (parsed, evidence) = parse_row(&cells, settings, order);
        if let Some((r, _, p, e)) = pending.take() {
            on_row(r, p, e)?;
        }
        pending = Some((row, record.len(), parsed, evidence));
        read += 1;
        if read.is_multiple_of(4096) {
            progress(csv.position().byte());
        }
    }
    if let Some((r, found, p, e)) = pending {
        let ends_with_break = matches!(csv.get_ref().last, Some(b'\n' | b'\r'));
        if found < expected && !ends_with_break && p != Row::Blank {
            return Err(ReadError::CutOff {
                row: r,
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
    use super::*;

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
            &mut |n, r, _| {
                rows.push((n, r));
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
        assert_eq!(rows[3], (8, Row::Footer));
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
        assert_eq!(
            rows[..2],
            [
                (2, Row::Rejected("payment date: `00:00:00` is a time with no date (the dates were probably lost when the file was exported)".into())),
                (3, Row::Rejected("payment date: `31/02/2021` is not a real date when read day first; amount: `x` is not an amount of money".into())),
            ]
        );
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
