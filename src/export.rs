//! CSV export helpers shared by every download.

use std::borrow::Cow;

/// Byte-order mark that makes Excel read the file as UTF-8.
pub const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Neutralises spreadsheet formula injection in a text cell: text that a
/// spreadsheet would run as a formula (starting `=`, `+`, `-`, `@`, tab or
/// carriage return) gets a leading apostrophe, which spreadsheets show as text.
/// Use only on text from people or imported files; amounts stay plain numbers.
pub fn safe_text(value: &str) -> Cow<'_, str> {
    match value.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => Cow::Owned(format!("'{value}")),
        _ => Cow::Borrowed(value),
    }
}

/// Writes records to an in-memory CSV chunk, ready to send.
pub fn csv_chunk<I, R>(records: I) -> Result<Vec<u8>, csv::Error>
where
    I: IntoIterator<Item = R>,
    R: IntoIterator,
    R::Item: AsRef<[u8]>,
{
    let mut writer = csv::Writer::from_writer(Vec::new());
    for record in records {
        writer.write_record(record)?;
    }
    writer
        .into_inner()
        .map_err(|e| csv::Error::from(e.into_error()))
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
        for fine in ["Preston", "1,234.56", "", " =not first", "O'Brien"] {
            assert_eq!(safe_text(fine), fine);
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
