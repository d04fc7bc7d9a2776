//! CSV export helpers shared by every download.

use std::borrow::Cow;

/// Byte-order mark that makes Excel read the file as UTF-8.
pub const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// The characters that make a spreadsheet run a cell as a formula.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// Neutralises spreadsheet formula injection in one cell: text that a
/// spreadsheet would run as a formula (starting `=`, `+`, `-`, `@`, tab or
/// carriage return) gets a leading apostrophe, which spreadsheets show as
/// text. A plain negative number (`-12.50`) is left as it is, so amounts
/// stay numbers.
/// Every cell and header of every CSV the app writes goes through this, by
/// way of [`SafeCsv`]; nothing else writes CSV.
pub fn safe_text(value: &str) -> Cow<'_, str> {
    match value.chars().next() {
        Some(c) if FORMULA_STARTS.contains(&c) && !is_plain_number(value) => {
            Cow::Owned(format!("'{value}"))
        }
        _ => Cow::Borrowed(value),
    }
}

/// Whether a cell is a plain number as the app writes them (`1234.56`,
/// `-12.50`, `7`): digits, an optional leading minus and decimal point.
pub fn is_plain_number(value: &str) -> bool {
    let digits = value.strip_prefix('-').unwrap_or(value);
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    !whole.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && fraction.bytes().all(|b| b.is_ascii_digit())
}

/// Undoes [`safe_text`] when a file the app wrote comes back: `'=x` read
/// back is `=x`. Every importer reads cells through this.
pub fn unprotect(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(FORMULA_STARTS) => rest,
        _ => cell,
    }
}

/// A CSV writer whose every field goes through [`safe_text`].
pub struct SafeCsv<W: std::io::Write> {
    inner: csv::Writer<W>,
}

impl<W: std::io::Write> SafeCsv<W> {
    pub fn new(out: W) -> Self {
        Self {
            inner: csv::Writer::from_writer(out),
        }
    }

    pub fn field(&mut self, value: impl AsRef<str>) -> Result<(), csv::Error> {
        self.inner.write_field(safe_text(value.as_ref()).as_bytes())
    }

    /// Ends the current record.
    pub fn end_record(&mut self) -> Result<(), csv::Error> {
        self.inner.write_record(None::<&[u8]>)
    }

    pub fn record<I>(&mut self, record: I) -> Result<(), csv::Error>
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        for cell in record {
            self.field(cell.as_ref())?;
        }
        self.end_record()
    }

    pub fn into_inner(self) -> Result<W, csv::Error> {
        self.inner
            .into_inner()
            .map_err(|e| csv::Error::from(e.into_error()))
    }
}

/// Writes records to an in-memory CSV chunk, ready to send, every cell
/// formula-safe.
pub fn csv_chunk<I, R>(records: I) -> Result<Vec<u8>, csv::Error>
where
    I: IntoIterator<Item = R>,
    R: IntoIterator,
    R::Item: AsRef<str>,
{
    let mut writer = SafeCsv::new(Vec::new());
    for record in records {
        writer.record(record)?;
    }
    writer.into_inner()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_starts_are_neutralised() {
        for bad in [
            "=SUM(A1)",
            "+1",
            "-2+3",
            "@cmd",
            "\tx",
            "\rx",
            "=HYPERLINK(\"http://x\")",
        ] {
            assert!(safe_text(bad).starts_with('\''), "{bad:?}");
        }
        for fine in [
            "Preston",
            "1,234.56",
            "",
            " =not first",
            "O'Brien",
            "-12.50",
            "-7",
        ] {
            assert_eq!(safe_text(fine), fine);
        }
        for bad in ["-", "-1+2", "-.5", "+44 1772 000000", "-1.2.3"] {
            assert!(safe_text(bad).starts_with('\''), "{bad:?}");
        }
    }

    #[test]
    fn protection_comes_off_again_on_import() {
        for value in ["=SUM(A1)", "-2+3", "@cmd", "Preston", "'quoted", "-12.50"] {
            assert_eq!(unprotect(&safe_text(value)), value);
        }
    }

    #[test]
    fn chunks_quote_as_csv_requires() {
        let out = csv_chunk([["a,b", "say \"hi\"", "plain"]]).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "\"a,b\",\"say \"\"hi\"\"\",plain\n"
        );
    }
}
