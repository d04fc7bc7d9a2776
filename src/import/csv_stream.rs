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
pub fn stream_tab_separated<E: From<ReadError>>(
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
