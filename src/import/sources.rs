//! Input files as a sequence of named byte streams: plain files, or the CSV
//! entries of a zip archive as ONS distributes them.

use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("cannot read {path}: {source}")]
    Io { path: String, source: io::Error },
    #[error("{path} is not a readable zip file: {source}")]
    Zip {
        path: String,
        source: zip::result::ZipError,
    },
    #[error("{path} holds no CSV data files")]
    EmptyZip { path: String },
    #[error("{path}: {reason}")]
    ZipTooLarge { path: String, reason: String },
}

/// The most a zip's data files may unpack to, in all: the national postcode
/// and company files unpack to about 2.5 GB each.
pub const MAX_UNZIPPED_BYTES: u64 = 16 * 1024 * 1024 * 1024;
/// The most one entry may unpack to per byte stored: CSV compresses about
/// five to ten times; a zip bomb, thousands.
pub const MAX_COMPRESSION_RATIO: u64 = 100;

/// Refuses an archive entry that is too large for its stored size, or that
/// would take the archive past [`MAX_UNZIPPED_BYTES`].
pub(super) fn check_entry(
    shown: &str,
    name: &str,
    size: u64,
    compressed: u64,
    unpacked_so_far: u64,
) -> Result<(), SourceError> {
    let reason = if size / compressed.max(1) > MAX_COMPRESSION_RATIO {
        Some(format!(
            "{name} unpacks to {size} bytes from {compressed}: more than {MAX_COMPRESSION_RATIO} times, which no data file does"
        ))
    } else if unpacked_so_far + size > MAX_UNZIPPED_BYTES {
        Some(format!(
            "the data files unpack to more than {} GB",
            MAX_UNZIPPED_BYTES >> 30
        ))
    } else {
        None
    };
    match reason {
        Some(reason) => Err(SourceError::ZipTooLarge {
            path: shown.to_owned(),
            reason,
        }),
        None => Ok(()),
    }
}

/// Reads at most the size an entry declared, so an entry that lies about its
/// size cannot unpack further than it was checked for.
pub(super) struct Declared<R> {
    pub(super) inner: R,
    pub(super) left: u64,
}

impl<R: Read> Read for Declared<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n as u64 > self.left {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "an archive entry unpacks to more than it declares",
            ));
        }
        self.left -= n as u64;
        Ok(n)
    }
}

/// One stream to read: its display name and its size in bytes (uncompressed),
/// for progress.
pub struct Source<'a> {
    pub name: String,
    pub size: u64,
    pub reader: &'a mut dyn Read,
}

fn is_zip(path: &Path) -> Result<bool, io::Error> {
    let mut magic = [0u8; 4];
    let n = File::open(path)?.read(&mut magic)?;
    Ok(n == 4 && magic == *b"PK\x03\x04")
}

/// Which entries of an archive hold the data. Documentation folders are
/// skipped; where a release ships one whole-country file and the same data
/// split by area (`multi_csv`), the whole file is read, never both.
pub fn data_entries(names: &[String]) -> Vec<String> {
    let is_doc = |n: &str| {
        let first = n.split('/').next().unwrap_or("").to_ascii_lowercase();
        matches!(
            first.as_str(),
            "doc" | "docs" | "documents" | "user guide" | "userguide" | "__macosx"
        )
    };
    let csvs: Vec<&String> = names
        .iter()
        .filter(|n| {
            let lower = n.to_ascii_lowercase();
            let file = lower.rsplit('/').next().unwrap_or("");
            // The Charity Commission's extract is tab-separated text.
            (lower.ends_with(".csv")
                || (file.starts_with("publicextract") && file.ends_with(".txt")))
                && !is_doc(n)
        })
        .collect();
    let whole: Vec<&String> = csvs
        .iter()
        .copied()
        .filter(|n| !n.to_ascii_lowercase().contains("multi_csv"))
        .collect();
    let chosen = if whole.is_empty() { csvs } else { whole };
    let mut out: Vec<String> = chosen.into_iter().cloned().collect();
    out.sort();
    out
}

type Archive = zip::ZipArchive<BufReader<File>>;

/// Opens `path` as a zip archive if it is one, with its data entries.
fn open_zip(path: &Path) -> Result<Option<(Archive, Vec<String>)>, SourceError> {
    let shown = || path.display().to_string();
    let io_err = |source| SourceError::Io {
        path: shown(),
        source,
    };
    let zip_err = |source| SourceError::Zip {
        path: shown(),
        source,
    };
    if !is_zip(path).map_err(io_err)? {
        return Ok(None);
    }
    let archive =
        zip::ZipArchive::new(BufReader::new(File::open(path).map_err(io_err)?)).map_err(zip_err)?;
    let names = archive
        .file_names()
        .map(|n| n.map(|n| n.into_owned()))
        .collect::<Result<Vec<String>, _>>()
        .map_err(zip_err)?;
    let entries = data_entries(&names);
    if entries.is_empty() {
        return Err(SourceError::EmptyZip { path: shown() });
    }
    Ok(Some((archive, entries)))
}

/// Total bytes to read across the inputs, for a progress bar.
pub fn total_size(paths: &[impl AsRef<Path>]) -> Result<u64, SourceError> {
    let mut total = 0;
    for_each_entry(paths, |source| {
        total += source.size;
        Ok::<_, SourceError>(())
    })?;
    Ok(total)
}

/// Calls `each` with every data stream of the inputs in turn.
pub fn for_each_source<E: From<SourceError>>(
    paths: &[impl AsRef<Path>],
    each: impl FnMut(Source<'_>) -> Result<(), E>,
) -> Result<(), E> {
    for_each_entry(paths, each)
}

fn for_each_entry<E: From<SourceError>>(
    paths: &[impl AsRef<Path>],
    mut each: impl FnMut(Source<'_>) -> Result<(), E>,
) -> Result<(), E> {
    for path in paths {
        let path = path.as_ref();
        let shown = path.display().to_string();
        match open_zip(path)? {
            Some((mut archive, entries)) => {
                let mut unpacked = 0;
                for name in entries {
                    let entry = archive.by_name(&name).map_err(|source| SourceError::Zip {
                        path: shown.clone(),
                        source,
                    })?;
                    let size = entry.size();
                    check_entry(&shown, &name, size, entry.compressed_size(), unpacked)?;
                    unpacked += size;
                    let mut reader = Declared {
                        inner: entry,
                        left: size,
                    };
                    each(Source {
                        name: format!("{shown}: {name}"),
                        size,
                        reader: &mut reader,
                    })?;
                }
            }
            None => {
                let io_err = |source| SourceError::Io {
                    path: shown.clone(),
                    source,
                };
                let size = std::fs::metadata(path).map_err(io_err)?.len();
                let mut file = BufReader::with_capacity(1 << 20, File::open(path).map_err(io_err)?);
                each(Source {
                    name: shown.clone(),
                    size,
                    reader: &mut file,
                })?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_zip_bomb_is_refused_before_it_is_unpacked() {
        assert!(check_entry("a.zip", "pr.csv", 50_000_000, 8_000_000, 0).is_ok());
        let bomb = check_entry("a.zip", "x.csv", 10_000_000_000, 10_000_000, 0).unwrap_err();
        assert!(bomb.to_string().contains("more than 100 times"), "{bomb}");
        let huge = check_entry(
            "a.zip",
            "y.csv",
            2 << 30,
            1 << 30,
            MAX_UNZIPPED_BYTES - (1 << 30),
        )
        .unwrap_err();
        assert!(huge.to_string().contains("more than 16 GB"), "{huge}");
    }

    #[test]
    fn picks_the_whole_file_over_the_split_copy_and_skips_documents() {
        let names: Vec<String> = [
            "Data/ONSPD_MAY_2025_UK.csv",
            "Data/multi_csv/ONSPD_MAY_2025_UK_AB.csv",
            "Data/multi_csv/ONSPD_MAY_2025_UK_AL.csv",
            "Documents/LA_UA names and codes UK as at 04_23.csv",
            "User Guide/readme.txt",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(data_entries(&names), ["Data/ONSPD_MAY_2025_UK.csv"]);
        let split_only: Vec<String> = [
            "Data/CSV/pr.csv",
            "Data/CSV/ab.csv",
            "Doc/Code-Point_Open_Column_Headers.csv",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(
            data_entries(&split_only),
            ["Data/CSV/ab.csv", "Data/CSV/pr.csv"]
        );
    }
}
