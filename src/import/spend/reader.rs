//! Reading a file's rows on a thread of their own, handed over in file
//! order with their fingerprints, so parsing overlaps the database work.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use super::fingerprint::Fingerprints;
use crate::domain::dates::{DateOrder, OrderEvidence};
use crate::domain::spend_file::{Layout, Settings};
use crate::import::spend_file::{read_rows, At, ReadError, Row};

pub(super) fn open(path: &Path) -> Result<BufReader<File>, ReadError> {
    File::open(path)
        .map(|f| BufReader::with_capacity(1 << 20, f))
        .map_err(|e| ReadError::Io(e.to_string()))
}

/// Rows handed from the reading thread to the writing one at a time.
pub(super) const HAND_OVER: usize = 1_000;

pub(super) type Handed = Result<(Vec<(At, Row, OrderEvidence, i64)>, u64), ReadError>;

/// Reads and parses a file's rows on a thread of its own and hands them to
/// `on_row` in file order, each line with its fingerprint (0 for other
/// rows), so that parsing overlaps the database work. The
/// channel is bounded: memory stays flat however far ahead the reader is.
/// If `on_row` stops with an error, the reader stops too.
pub(super) fn read_rows_alongside<E: From<ReadError>>(
    path: &Path,
    layout: &Layout,
    settings: &Settings,
    order: DateOrder,
    on_row: &mut dyn FnMut(At, Row, OrderEvidence, i64) -> Result<(), E>,
    progress: &mut dyn FnMut(u64),
) -> Result<(), E> {
    let (tx, rx) = std::sync::mpsc::sync_channel::<Handed>(8);
    std::thread::scope(|scope| {
        scope.spawn(move || {
            let bytes = std::cell::Cell::new(0_u64);
            let mut rows = Vec::with_capacity(HAND_OVER);
            let mut fingerprints = Fingerprints::default();
            let read = open(path).and_then(|mut reader| {
                read_rows::<ReadError>(
                    &mut reader,
                    layout,
                    settings,
                    order,
                    &mut |row, parsed, evidence| {
                        let fingerprint = fingerprints.of(&parsed);
                        rows.push((row, parsed, evidence, fingerprint));
                        if rows.len() == HAND_OVER {
                            let full = std::mem::replace(&mut rows, Vec::with_capacity(HAND_OVER));
                            // The writer has stopped: so does the reader.
                            tx.send(Ok((full, bytes.get())))
                                .map_err(|_| ReadError::Io("stopped".into()))?;
                        }
                        Ok(())
                    },
                    &mut |b| bytes.set(b),
                )
            });
            // A send fails only when the writer has stopped, when nobody
            // is left to tell.
            let _ = match read {
                Ok(()) => tx.send(Ok((rows, bytes.get()))),
                Err(e) => tx.send(Err(e)),
            };
        });
        for handed in rx {
            let (rows, bytes) = handed?;
            for (row, parsed, evidence, fingerprint) in rows {
                on_row(row, parsed, evidence, fingerprint)?;
            }
            progress(bytes);
        }
        Ok(())
    })
}

pub(super) fn file_size(path: &Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}
