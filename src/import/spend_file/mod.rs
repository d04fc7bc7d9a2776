//! Reading a spend file as published: detect its layout (encoding, line
//! endings, delimiter, the header row below any preamble, or no header,
//! what each column's values look like), propose a column mapping, and read
//! its rows ([`rows`]) into lines, rejections, skipped rows and blanks with
//! row numbers. Pure reading: nothing here touches the database.

use super::text::{self, UTF8_BOM};
use crate::domain::columns::{complete_by_values, ColumnProfile};
use crate::domain::dates::{parse_date, DateOrder, OrderEvidence};
use crate::domain::encoding::Encoding;
use crate::domain::spend_file::{
    field_for_header, normalise_header, propose_mapping, vat_basis_of_header, Field, Layout,
    Settings,
};
use crate::import::lines::Lines;
use csv::{ByteRecord, ReaderBuilder};

mod rows;

use rows::evidence_of;
pub use rows::*;

/// How much of a file detection looks at.
pub const SAMPLE_BYTES: usize = 256 * 1024;
const HEADER_SEARCH_ROWS: usize = 30;
const SAMPLE_ROWS: usize = 6;
/// Rows of the sample whose values are profiled.
const PROFILE_ROWS: usize = 5_000;

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
    let numbered = sample_records(body, delimiter, encoding, PROFILE_ROWS);
    let records: Vec<Vec<String>> = numbered.iter().map(|(_, r)| r.clone()).collect();
    let width = records.iter().map(Vec::len).max().unwrap_or(0);
    if width < 2 {
        return Err(LayoutError::NotATable);
    }
    let header_at = records
        .iter()
        .take(HEADER_SEARCH_ROWS)
        .enumerate()
        .map(|(i, r)| (i, known_fields(r)))
        .filter(|(_, n)| *n >= 2)
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
        .map(|(i, _)| i)
        .or_else(|| header_by_shape(&records, width));
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
    let data: Vec<Vec<String>> = records[data_from..]
        .iter()
        .filter(|r| r.iter().any(|c| !c.trim().is_empty()))
        .filter(|r| known_fields(r) < 2)
        .cloned()
        .collect();
    let profiles = ColumnProfile::of_rows(&data, width);
    let samples: Vec<Vec<String>> = data
        .iter()
        .take(SAMPLE_ROWS)
        .map(|r| {
            let mut r = r.clone();
            r.resize(width, String::new());
            r
        })
        .collect();
    // Payments above the header (a file whose header row is part-way
    // down): they are read too, and the header row is skipped where it is.
    let data_above_header = header_at.is_some_and(|i| {
        let above: Vec<Vec<String>> = records[..i].to_vec();
        let p = ColumnProfile::of_rows(&above, width);
        p.iter().any(|c| c.dates > 0)
            && p.iter().any(|c| c.money_shaped > 0)
            && above.len() > 1
            && above
                .iter()
                .filter(|r| r.iter().filter(|c| !c.trim().is_empty()).count() >= 3)
                .count()
                * 2
                > above.len()
    });
    let layout = Layout {
        encoding,
        has_bom,
        line_ending,
        delimiter,
        header_row: header_at.map(|i| numbered[i].0),
        headers,
        samples,
        profiles,
        data_above_header,
    };
    let proposed = propose_fresh(&layout);
    if proposed.column_of(Field::PaymentDate).is_none()
        && proposed.column_of(Field::Amount).is_none()
        && !layout.profiles.iter().any(|p| p.is_dates() || p.is_money())
    {
        return Err(LayoutError::NotATable);
    }
    Ok(layout)
}

/// How many different fields a row's cells name (a header row names two
/// or more).
fn known_fields(row: &[String]) -> usize {
    let mut fields: Vec<Field> = row.iter().filter_map(|c| field_for_header(c)).collect();
    fields.sort_by_key(|f| f.code());
    fields.dedup();
    fields.len()
}

/// A header whose names the synonym table does not know, found by its
/// shape: a row of two or more words and no dates or amounts, above rows
/// that hold amounts, and dates or names, in its named columns.
fn header_by_shape(records: &[Vec<String>], width: usize) -> Option<usize> {
    (0..records.len().min(HEADER_SEARCH_ROWS)).find(|&i| {
        let row = &records[i];
        let named: Vec<usize> = (0..row.len())
            .filter(|&c| !row[c].trim().is_empty())
            .collect();
        if named.len() < 2 || named.len() * 2 < width {
            return false;
        }
        let own = ColumnProfile::of_rows(std::slice::from_ref(row), width);
        if own
            .iter()
            .any(|p| p.dates > 0 || p.money > 0 || p.serials > 0)
        {
            return false;
        }
        let below: Vec<Vec<String>> = records[i + 1..]
            .iter()
            .filter(|r| r.iter().any(|c| !c.trim().is_empty()))
            .take(20)
            .cloned()
            .collect();
        if below.is_empty() {
            return false;
        }
        let p = ColumnProfile::of_rows(&below, width);
        // Dates and amounts below it; or names and amounts (a file of
        // totals per supplier).
        named.iter().any(|&c| p[c].is_money())
            && named
                .iter()
                .any(|&c| p[c].is_dates() || (p[c].is_text() && p[c].distinct > 1))
    })
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

/// The mapping proposed for a layout by its header names, completed from
/// its columns' values ([`complete_by_values`]); no saved profile.
fn propose_fresh(layout: &Layout) -> Settings {
    let by_names = if layout.header_row.is_some() {
        propose_mapping(&layout.headers)
    } else {
        vec![None; layout.headers.len()]
    };
    let columns = complete_by_values(&layout.headers, &layout.profiles, by_names);
    let amount_header = columns
        .iter()
        .position(|c| *c == Some(Field::Amount))
        .filter(|_| layout.header_row.is_some())
        .map_or("", |i| layout.headers[i].as_str());
    let purchase_card = layout.header_row.is_some()
        && layout
            .headers
            .iter()
            .any(|h| normalise_header(h).contains("merchant"));
    Settings {
        columns,
        date_order: None,
        purchase_card,
        vat_basis: vat_basis_of_header(amount_header).to_owned(),
        period: None,
        skip_unreadable: false,
        keep_rows: Vec::new(),
        totals_period: None,
    }
}

/// The mapping the app proposes for a layout: by header synonyms, then by
/// the columns' values for what the names leave unmapped (the whole mapping
/// for a file with no header); the date order if the sample proves it.
pub fn propose(layout: &Layout) -> Settings {
    let mut settings = propose_fresh(layout);
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
