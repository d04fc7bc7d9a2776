//! A report's table as an Excel workbook: the table on the first sheet
//! (header in bold, frozen, with a filter), what the figures are on the
//! second. Text cells are written as text, so nothing in them can run as a
//! formula; plain numbers are written as numbers.

use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

use super::Stamp;
use crate::export::is_plain_number;

/// The workbook of one table: `sheet` names the first sheet (Excel allows
/// 31 characters), `header` and `rows` are the table as the CSV has it.
pub fn workbook(
    sheet: &str,
    header: &[String],
    rows: &[Vec<String>],
    stamp: &Stamp,
) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let table = book.add_worksheet();
    table.set_name(sheet_name(sheet))?;
    write_table(table, header, rows, &bold)?;
    let about = book.add_worksheet();
    about.set_name("About this report")?;
    let about_header = super::csv::ABOUT_HEADER.map(str::to_owned);
    write_table(about, &about_header, &super::csv::about_rows(stamp), &bold)?;
    about.set_column_width(0, 28)?;
    about.set_column_width(1, 90)?;
    book.save_to_buffer()
}

fn write_table(
    sheet: &mut Worksheet,
    header: &[String],
    rows: &[Vec<String>],
    bold: &Format,
) -> Result<(), XlsxError> {
    for (c, h) in header.iter().enumerate() {
        sheet.write_string_with_format(0, col(c), h, bold)?;
        let widest = rows
            .iter()
            .filter_map(|r| r.get(c))
            .chain(std::iter::once(h))
            .map(|t| t.chars().count())
            .max()
            .unwrap_or(8);
        sheet.set_column_width(col(c), (widest.clamp(8, 60) + 2) as f64)?;
    }
    for (r, row) in rows.iter().enumerate() {
        let at = u32::try_from(r + 1).map_err(|_| XlsxError::RowColumnLimitError)?;
        for (c, cell) in row.iter().enumerate() {
            match number(cell) {
                Some(n) => sheet.write_number(at, col(c), n)?,
                None => sheet.write_string(at, col(c), cell)?,
            };
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    if !header.is_empty() {
        let last = u32::try_from(rows.len()).map_err(|_| XlsxError::RowColumnLimitError)?;
        sheet.autofilter(0, 0, last, col(header.len() - 1))?;
    }
    Ok(())
}

/// A cell's number, when it is one: plain numbers only, and not codes that
/// keep a leading zero (company numbers such as `01234567`).
fn number(cell: &str) -> Option<f64> {
    let digits = cell.strip_prefix('-').unwrap_or(cell);
    let leading_zero = digits.len() > 1 && digits.starts_with('0') && !digits.starts_with("0.");
    if !is_plain_number(cell) || leading_zero {
        return None;
    }
    cell.parse().ok()
}

fn col(c: usize) -> u16 {
    u16::try_from(c).unwrap_or(u16::MAX)
}

/// A sheet name Excel accepts: at most 31 characters, none of `[]:*?/\`.
fn sheet_name(name: &str) -> String {
    let clean: String = name
        .chars()
        .map(|c| if "[]:*?/\\".contains(c) { ' ' } else { c })
        .take(31)
        .collect();
    if clean.trim().is_empty() {
        "Table".into()
    } else {
        clean
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_numbers_and_codes_stay_text() {
        assert_eq!(number("1234.56"), Some(1234.56));
        assert_eq!(number("-12.50"), Some(-12.5));
        assert_eq!(number("0.25"), Some(0.25));
        assert_eq!(number("0"), Some(0.0));
        assert_eq!(number("01234567"), None, "a company number keeps its zero");
        assert_eq!(number("E07000123"), None);
        assert_eq!(number("=1+1"), None);
        assert_eq!(number(""), None);
    }

    #[test]
    fn sheet_names_fit_excel() {
        assert_eq!(sheet_name("category_by_area"), "category_by_area");
        assert_eq!(sheet_name("a/b"), "a b");
        assert_eq!(sheet_name(&"x".repeat(40)).len(), 31);
        assert_eq!(sheet_name(""), "Table");
    }
}
