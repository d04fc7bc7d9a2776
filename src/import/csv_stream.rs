//! The loop every importer shares: stream a CSV file's records with a row
//! number, report progress in bytes, and turn damage into an error naming the
//! file and row.

use std::io::Read;

use csv::{ByteRecord, ReaderBuilder};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    #[error("{file}: {message}")]
    Format { file: String, message: String },
    #[error("{file}, row {row}: {message}")]
    Row {
        file: String,
        row: u64,
        message: String,
    },
}

/// Remembers the last byte read, to tell whether a file ends with a line
/// break.
struct LastByte<R> {
    inner: R,
    last: Option<u8>,
}

impl<R: Read> Read for LastByte<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n > 0 {
            self.last = Some(buf[n - 1]);
        }
        Ok(n)
    }
}

/// Calls `on_record` with every record (header included) and its 1-based row
/// number. Every row must have as many fields as the first; published
/// reference files end with a line break, so a missing one means the last
/// row may have been cut at a field boundary.
pub fn stream_csv<E: From<ReadError>>(
    file: &str,
    reader: &mut dyn Read,
    on_record: &mut dyn FnMut(&ByteRecord, u64) -> Result<(), E>,
    progress: &mut dyn FnMut(u64),
) -> Result<(), E> {
    stream_records(file, reader, ReaderBuilder::new(), on_record, progress)
}

/// As [`stream_csv`], for tab-separated text without quoting (the Charity
/// Commission's extract, whose names may hold a `"`).
fn stream_tab_separated<E: From<ReadError>>(
    file: &str,
    reader: &mut dyn Read,
    on_record: &mut dyn FnMut(&ByteRecord, u64) -> Result<(), E>,
    progress: &mut dyn FnMut(u64),
) -> Result<(), E> {
    let mut builder = ReaderBuilder::new();
    builder.delimiter(b'\t').quoting(false);
    stream_records(file, reader, builder, on_record, progress)
}

fn stream_records<E: From<ReadError>>(
    file: &str,
    reader: &mut dyn Read,
    mut builder: ReaderBuilder,
    on_record: &mut dyn FnMut(&ByteRecord, u64) -> Result<(), E>,
    progress: &mut dyn FnMut(u64),
) -> Result<(), E> {
    let mut csv = builder
        .has_headers(false)
        .flexible(false)
        .buffer_capacity(1 << 20)
        .from_reader(LastByte {
            inner: crate::import::lines::RecordCap::new(
                reader,
                crate::domain::limits::RECORD_BYTES,
            ),
            last: None,
        });
    let mut record = ByteRecord::new();
    let mut row: u64 = 0;
    loop {
        row += 1;
        match csv.read_byte_record(&mut record) {
            Ok(true) => on_record(&record, row)?,
            Ok(false) if row == 1 => {
                return Err(ReadError::Format {
                    file: file.to_owned(),
                    message: "is empty".into(),
                }
                .into());
            }
            Ok(false) => {
                if !matches!(csv.get_ref().last, Some(b'\n' | b'\r')) {
                    return Err(ReadError::Row {
                        file: file.to_owned(),
                        row: row - 1,
                        message: "is the last row and the file does not end with a line break, so it may be cut short; \
                                  download the file again"
                            .into(),
                    }
                    .into());
                }
                break;
            }
            Err(e) => {
                let message = match e.kind() {
                    csv::ErrorKind::UnequalLengths { expected_len, len, .. } => format!(
                        "has {len} fields where every row before it has {expected_len}; the file may be cut short or damaged"
                    ),
                    _ => format!("cannot be read: {e}"),
                };
                return Err(ReadError::Row {
                    file: file.to_owned(),
                    row,
                    message,
                }
                .into());
            }
        }
        if row.is_multiple_of(8192) {
            progress(csv.position().byte());
        }
    }
    progress(csv.position().byte());
    Ok(())
}

/// A header row's names, trimmed, without a byte-order mark, lower case.
pub fn header_names(record: &ByteRecord) -> Vec<String> {
    record
        .iter()
        .map(|f| {
            String::from_utf8_lossy(f)
                .trim()
                .trim_start_matches('\u{feff}')
                .to_ascii_lowercase()
        })
        .collect()
}

/// One cell as trimmed text ("" for a column the file does not have).
pub fn cell_text(record: &ByteRecord, i: Option<usize>) -> String {
    i.and_then(|i| record.get(i))
        .map(|b| String::from_utf8_lossy(b).trim().to_owned())
        .unwrap_or_default()
}

/// How a reference file separates its fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Separator {
    Comma,
    /// Tab-separated text without quoting.
    Tab,
}

/// Reads a reference file as a header row then data rows: `header` maps
/// the columns (or says why this is not the file expected), `row` reads one
/// data row (`Ok(None)` leaves it out; `Err` gives the reason it cannot be
/// read), and each row read goes to `sink`. Returns how many rows it took.
pub fn read_table<C, R, E: From<ReadError>>(
    file: &str,
    reader: &mut dyn Read,
    separator: Separator,
    header: impl Fn(&ByteRecord) -> Result<C, String>,
    row: impl Fn(&ByteRecord, &C) -> Result<Option<R>, String>,
    sink: &mut dyn FnMut(R) -> Result<(), E>,
    progress: &mut dyn FnMut(u64),
) -> Result<u64, E> {
    let mut columns: Option<C> = None;
    let mut taken = 0;
    let mut on_record = |record: &ByteRecord, at: u64| -> Result<(), E> {
        let Some(c) = &columns else {
            columns = Some(header(record).map_err(|message| ReadError::Format {
                file: file.to_owned(),
                message,
            })?);
            return Ok(());
        };
        match row(record, c) {
            Ok(Some(r)) => {
                taken += 1;
                sink(r)
            }
            Ok(None) => Ok(()),
            Err(message) => Err(ReadError::Row {
                file: file.to_owned(),
                row: at,
                message,
            }
            .into()),
        }
    };
    match separator {
        Separator::Comma => stream_csv(file, reader, &mut on_record, progress)?,
        Separator::Tab => stream_tab_separated(file, reader, &mut on_record, progress)?,
    }
    Ok(taken)
}
