//! Spend files published as spreadsheets: an Excel workbook (`.xlsx`, or
//! the older `.xls`) or an OpenDocument one (`.ods`). The sheet chosen (or
//! the first that looks like a table of payments) is written out as CSV, so
//! it goes through the same detection, mapping, preview and commit as a CSV
//! file; date cells become ISO dates, and row numbers stay those the
//! spreadsheet shows.

use std::fs::File;
use std::io::{BufReader, Read, Seek, Write};
use std::path::Path;

use calamine::{Data, Ods, Range, Reader, Xls, Xlsx};

use super::spend_file::{detect, SAMPLE_BYTES};
use crate::spool::TempFile;

/// What kind of file an upload is, by its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// Text: CSV or another delimited layout.
    Text,
    Xlsx,
    Ods,
    Xls,
    /// A zip archive of files (a year of monthly files).
    Archive,
}

impl FileKind {
    pub fn of(path: &Path) -> Result<Self, String> {
        let mut head = [0_u8; 8];
        let n = File::open(path)
            .and_then(|mut f| f.read(&mut head))
            .map_err(|e| format!("the file could not be read: {e}"))?;
        let head = &head[..n];
        if head.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
            return Ok(FileKind::Xls);
        }
        if !head.starts_with(b"PK\x03\x04") {
            return Ok(FileKind::Text);
        }
        let file = File::open(path).map_err(|e| e.to_string())?;
        let zip = zip::ZipArchive::new(BufReader::new(file))
            .map_err(|e| format!("the file looks like a zip archive but cannot be opened: {e}"))?;
        let names: Vec<String> = zip
            .file_names()
            .filter_map(Result::ok)
            .map(|n| n.into_owned())
            .collect();
        let has = |n: &str| names.iter().any(|m| m == n);
        Ok(if has("xl/workbook.xml") {
            FileKind::Xlsx
        } else if has("content.xml") && has("mimetype") {
            FileKind::Ods
        } else {
            FileKind::Archive
        })
    }

    pub fn is_spreadsheet(self) -> bool {
        matches!(self, FileKind::Xlsx | FileKind::Ods | FileKind::Xls)
    }
}

/// A file to import, made ready to read as text: a CSV file as it is, a
/// spreadsheet's sheet written out as CSV, each file of a zip archive
/// unpacked. `name` is what its batch is called.
pub struct Readable {
    pub name: String,
    pub path: std::path::PathBuf,
    /// The file the clerk gave (beside which rows left out are written).
    pub source: std::path::PathBuf,
    /// Keeps a converted or unpacked copy until it has been read.
    pub copy: Option<TempFile>,
}

/// Makes the files the clerk gave ready to read: each a [`Readable`], or
/// (named) why it cannot be.
pub fn readable(path: &Path, sheet: Option<&str>) -> Vec<Result<Readable, (String, String)>> {
    let name = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let kind = match FileKind::of(path) {
        Ok(k) => k,
        Err(e) => return vec![Err((name, e))],
    };
    match kind {
        FileKind::Text => vec![Ok(Readable {
            name,
            path: path.to_owned(),
            source: path.to_owned(),
            copy: None,
        })],
        FileKind::Archive => match unpack(path) {
            Ok(entries) => entries
                .into_iter()
                .flat_map(|(entry, copy)| {
                    let shown = format!("{name}: {entry}");
                    let mut copy = Some(copy);
                    let mut inner = readable(copy.as_ref().map_or(path, |c| c.path()), sheet);
                    for r in inner.iter_mut() {
                        match r {
                            Ok(r) => {
                                // "april.xlsx (sheet Payments)" → "year.zip: april.xlsx (sheet Payments)".
                                r.name = match r.name.find(" (sheet ") {
                                    Some(at) => format!("{shown}{}", &r.name[at..]),
                                    None => shown.clone(),
                                };
                                r.source = path.to_owned();
                                // A text entry is read from the unpacked copy itself.
                                if r.copy.is_none() {
                                    r.copy = copy.take();
                                }
                            }
                            Err((n, _)) => *n = shown.clone(),
                        }
                    }
                    inner
                })
                .collect(),
            Err(e) => vec![Err((name, e))],
        },
        _ => match sheet_as_csv(path, kind, sheet) {
            Ok(csv) => {
                let many = csv.sheets.len() > 1;
                vec![Ok(Readable {
                    name: if many {
                        format!("{name} (sheet {})", csv.sheet)
                    } else {
                        name
                    },
                    path: csv.file.path().to_owned(),
                    source: path.to_owned(),
                    copy: Some(csv.file),
                })]
            }
            Err(e) => vec![Err((name, e))],
        },
    }
}

/// Unpacks every file of a zip archive (refusing a zip bomb as the
/// reference imports do; folders and macOS resource forks skipped): each
/// entry's name and its copy.
fn unpack(path: &Path) -> Result<Vec<(String, TempFile)>, String> {
    let shown = path.display().to_string();
    let file = File::open(path).map_err(|e| e.to_string())?;
    let mut zip = zip::ZipArchive::new(BufReader::new(file)).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    let mut unpacked = 0;
    for i in 0..zip.len() {
        let entry = zip.by_index(i).map_err(|e| e.to_string())?;
        let full = entry.name().map_err(|e| e.to_string())?.into_owned();
        if entry.is_dir() || full.starts_with("__MACOSX") {
            continue;
        }
        let name = full.rsplit('/').next().unwrap_or(&full).to_owned();
        if name.starts_with('.') {
            continue;
        }
        let size = entry.size();
        super::sources::check_entry(&shown, &full, size, entry.compressed_size(), unpacked)
            .map_err(|e| e.to_string())?;
        unpacked += size;
        let ext = name
            .rsplit('.')
            .next()
            .unwrap_or("csv")
            .to_ascii_lowercase();
        let copy = TempFile::new(if ext.len() <= 4 && ext != name {
            &ext
        } else {
            "csv"
        });
        let mut to = File::create(copy.path()).map_err(|e| e.to_string())?;
        let mut from = super::sources::Declared {
            inner: entry,
            left: size,
        };
        std::io::copy(&mut from, &mut to).map_err(|e| format!("{full}: {e}"))?;
        out.push((name, copy));
    }
    Ok(out)
}

/// One sheet of a workbook, written out as CSV.
pub struct SheetCsv {
    pub file: TempFile,
    pub sheet: String,
    /// Every sheet of the workbook, in order.
    pub sheets: Vec<String>,
}

/// Writes the sheet named `wanted` (or the first that looks like a table of
/// payments) of a workbook as CSV.
pub fn sheet_as_csv(path: &Path, kind: FileKind, wanted: Option<&str>) -> Result<SheetCsv, String> {
    let open = || {
        File::open(path)
            .map(BufReader::new)
            .map_err(|e| format!("the file could not be read: {e}"))
    };
    match kind {
        FileKind::Xlsx => choose(Xlsx::new(open()?).map_err(|e| e.to_string())?, wanted),
        FileKind::Ods => choose(Ods::new(open()?).map_err(|e| e.to_string())?, wanted),
        FileKind::Xls => choose(Xls::new(open()?).map_err(|e| e.to_string())?, wanted),
        FileKind::Text | FileKind::Archive => Err("not a spreadsheet".into()),
    }
}

fn choose<RS, R>(mut book: R, wanted: Option<&str>) -> Result<SheetCsv, String>
where
    RS: Read + Seek,
    R: Reader<RS>,
    R::Error: std::fmt::Display,
{
    let sheets = book.sheet_names();
    let listed = || sheets.join(", ");
    if let Some(name) = wanted {
        let found = sheets
            .iter()
            .find(|s| s.eq_ignore_ascii_case(name.trim()))
            .cloned()
            .ok_or_else(|| {
                format!(
                    "the workbook has no sheet called “{name}” (its sheets: {})",
                    listed()
                )
            })?;
        let range = book.worksheet_range(&found).map_err(|e| e.to_string())?;
        return write_sheet(&range, found, sheets.clone());
    }
    for name in &sheets {
        let range = book.worksheet_range(name).map_err(|e| e.to_string())?;
        let mut sample = Vec::new();
        write_rows(&range, &mut sample, Some(SAMPLE_BYTES)).map_err(|e| e.to_string())?;
        if detect(&sample, sample.len() < SAMPLE_BYTES).is_ok() {
            return write_sheet(&range, name.clone(), sheets.clone());
        }
    }
    Err(format!(
        "no sheet of this workbook looks like a table of payments (its sheets: {}); choose one",
        listed()
    ))
}

fn write_sheet(
    range: &Range<Data>,
    sheet: String,
    sheets: Vec<String>,
) -> Result<SheetCsv, String> {
    let file = TempFile::new("csv");
    let out = File::create(file.path()).map_err(|e| e.to_string())?;
    let mut out = std::io::BufWriter::new(out);
    write_rows(range, &mut out, None).map_err(|e| e.to_string())?;
    out.flush().map_err(|e| e.to_string())?;
    drop(out);
    Ok(SheetCsv {
        file,
        sheet,
        sheets,
    })
}

/// Writes a sheet's rows as CSV, from row 1 and column A (blank rows and
/// columns before the first cell kept, so row numbers are the sheet's), up
/// to `limit` bytes.
fn write_rows(range: &Range<Data>, out: &mut dyn Write, limit: Option<usize>) -> csv::Result<()> {
    let (top, left) = range.start().unwrap_or((0, 0));
    let width = left as usize + range.width();
    let mut csv = csv::WriterBuilder::new().flexible(true).from_writer(out);
    let blank: Vec<&str> = vec![""; width.max(1)];
    for _ in 0..top {
        csv.write_record(&blank)?;
    }
    let mut written = 0;
    let mut record: Vec<String> = Vec::with_capacity(width);
    for row in range.rows() {
        record.clear();
        record.extend((0..left).map(|_| String::new()));
        record.extend(row.iter().map(cell_text));
        written += record.iter().map(|c| c.len() + 1).sum::<usize>();
        csv.write_record(&record)?;
        if limit.is_some_and(|l| written >= l) {
            break;
        }
    }
    csv.flush()?;
    Ok(())
}

/// A cell as text the spend-file reader reads: dates as ISO dates, numbers
/// without float noise (a sum's 0.30000000000000004 is 0.3).
pub fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => number_text(*f),
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_owned(),
        Data::DateTime(d) if d.is_datetime() => {
            let serial = d.as_f64();
            chrono::NaiveDate::from_ymd_opt(1899, 12, 30)
                .and_then(|base| {
                    base.checked_add_signed(chrono::Duration::days(serial.floor() as i64))
                })
                .map_or_else(|| number_text(serial), |day| day.to_string())
        }
        Data::DateTime(d) => number_text(d.as_f64()),
        Data::Error(e) => format!("#{e:?}"),
    }
}

fn number_text(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        return format!("{}", f as i64);
    }
    let fixed = format!("{f:.10}");
    fixed.trim_end_matches('0').trim_end_matches('.').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_lose_their_float_noise_and_keep_their_pence() {
        assert_eq!(number_text(0.1 + 0.2), "0.3");
        assert_eq!(number_text(1234.5), "1234.5");
        assert_eq!(number_text(-12.75), "-12.75");
        assert_eq!(number_text(44287.0), "44287");
        assert_eq!(cell_text(&Data::Int(7)), "7");
        assert_eq!(cell_text(&Data::Empty), "");
    }
}
