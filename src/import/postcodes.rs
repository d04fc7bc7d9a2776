//! Postcode lookup files as published: the ONS Postcode Directory (ONSPD) and
//! National Statistics Postcode Lookup (NSPL), whose header names change with
//! each release and are matched by pattern, and OS Code-Point Open, which has
//! no header row.

use std::io::Read;

use csv::ByteRecord;

use super::csv_stream::stream_csv;
pub use super::csv_stream::ReadError;
use crate::domain::reference::PostcodeRow;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// ONSPD or NSPL: a header row naming each column.
    Directory,
    /// Code-Point Open: ten columns, no header.
    CodePointOpen,
}

impl Layout {
    pub fn label(self) -> &'static str {
        match self {
            Layout::Directory => "ONSPD/NSPL",
            Layout::CodePointOpen => "Code-Point Open",
        }
    }
}

/// Where each field sits in a row.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Columns {
    pub postcode: usize,
    pub district: Option<usize>,
    pub ward: Option<usize>,
    pub lsoa: Option<usize>,
    pub county: Option<usize>,
    pub region: Option<usize>,
    pub country: Option<usize>,
    pub imd: Option<usize>,
    pub terminated: Option<usize>,
    pub latitude: Option<usize>,
    pub longitude: Option<usize>,
}

/// True if `name` is `base` optionally followed by a two-digit year and
/// optionally `cd`: `laua`, `lad25cd`, `lsoa21`, `rgn20cd`.
fn named(name: &str, base: &str) -> Option<u32> {
    let rest = name.strip_prefix(base)?;
    let rest = rest.strip_suffix("cd").unwrap_or(rest);
    match rest.len() {
        0 => Some(0),
        2 if rest.bytes().all(|b| b.is_ascii_digit()) => rest.parse().ok().map(|y: u32| y + 1),
        _ => None,
    }
}

/// The column whose name matches one of `bases`, preferring earlier bases
/// and, among one base, the latest year (so `lsoa21` beats `lsoa11`).
fn find(headers: &[String], bases: &[&str]) -> Option<usize> {
    for base in bases {
        let best = headers
            .iter()
            .enumerate()
            .filter_map(|(i, h)| named(h, base).map(|year| (year, i)))
            .max();
        if let Some((_, i)) = best {
            return Some(i);
        }
    }
    None
}

/// Matches a directory header row by pattern; every release renames columns.
pub fn map_directory_header(headers: &[String]) -> Result<Columns, String> {
    let h: Vec<String> = headers
        .iter()
        .map(|s| {
            s.trim()
                .trim_start_matches('\u{feff}')
                .trim_matches('"')
                .to_ascii_lowercase()
        })
        .collect();
    let postcode = find(&h, &["pcds", "pcd", "pcd7", "pcd8", "pcd2", "postcode"])
        .ok_or("no postcode column (pcds, pcd, pcd7 or pcd8) in the header row")?;
    let district = find(&h, &["laua", "oslaua", "lad", "ladcd"]);
    if district.is_none() {
        return Err(
            "no local authority district column (laua, oslaua or ladNNcd) in the header row".into(),
        );
    }
    Ok(Columns {
        postcode,
        district,
        ward: find(&h, &["osward", "ward", "wd"]),
        lsoa: find(&h, &["lsoa"]),
        county: find(&h, &["oscty", "cty"]),
        region: find(&h, &["rgn", "gor"]),
        country: find(&h, &["ctry"]),
        imd: find(&h, &["imd"]),
        terminated: find(&h, &["doterm"]),
        latitude: find(&h, &["lat"]),
        longitude: find(&h, &["long", "lon"]),
    })
}

/// Code-Point Open's fixed columns: postcode, quality, eastings, northings,
/// country, NHS region, NHS authority, county, district, ward.
pub fn code_point_columns() -> Columns {
    Columns {
        postcode: 0,
        district: Some(8),
        ward: Some(9),
        lsoa: None,
        county: Some(7),
        region: None,
        country: Some(4),
        imd: None,
        terminated: None,
        latitude: None,
        longitude: None,
    }
}

/// Upper case with one space before the inward code; `None` if it cannot be
/// a postcode. Deliberately lenient: the lookup holds every code ONS
/// publishes, including special ones the strict parser refuses.
pub fn normalise_postcode(raw: &[u8]) -> Option<String> {
    let mut compact = String::with_capacity(8);
    for &b in raw {
        match b {
            b'a'..=b'z' => compact.push((b - 32) as char),
            b'A'..=b'Z' | b'0'..=b'9' => compact.push(b as char),
            b' ' | b'\t' | b'"' => {}
            _ => return None,
        }
    }
    if !(5..=8).contains(&compact.len()) {
        return None;
    }
    compact.insert(compact.len() - 3, ' ');
    Some(compact)
}

/// A GSS code, or `None` for blanks and the `…99999999` pseudo-codes ONS uses
/// for "not applicable".
fn code(raw: &[u8]) -> Option<String> {
    let s = std::str::from_utf8(raw).ok()?.trim();
    if s.is_empty() || s.ends_with("99999999") {
        None
    } else {
        Some(s.to_owned())
    }
}

/// A coordinate, or `None` for blanks and the `99.999999` latitude ONS gives
/// postcodes with no grid reference.
fn coordinate(raw: &[u8], field: &str) -> Result<Option<f64>, String> {
    match std::str::from_utf8(raw).map(str::trim) {
        Ok("") | Err(_) => Ok(None),
        Ok(v) => match v.parse::<f64>() {
            Ok(x) if x.abs() >= 99.0 => Ok(None),
            Ok(x) => Ok(Some(x)),
            Err(_) => Err(format!("{field} “{v}” is not a number")),
        },
    }
}

fn field(record: &ByteRecord, i: Option<usize>) -> &[u8] {
    i.and_then(|i| record.get(i)).unwrap_or(b"")
}

fn parse_row(record: &ByteRecord, c: &Columns) -> Result<Option<PostcodeRow>, String> {
    let raw = field(record, Some(c.postcode));
    if raw.iter().all(|b| b.is_ascii_whitespace()) {
        return Ok(None);
    }
    let postcode = normalise_postcode(raw).ok_or_else(|| {
        format!(
            "“{}” is not a postcode",
            String::from_utf8_lossy(raw).trim()
        )
    })?;
    let imd_rank = match std::str::from_utf8(field(record, c.imd)).map(str::trim) {
        Ok("") | Err(_) => None,
        Ok(v) => Some(
            v.parse::<i32>()
                .map_err(|_| format!("IMD rank “{v}” is not a whole number"))?,
        )
        .filter(|r| *r > 0),
    };
    let terminated = match std::str::from_utf8(field(record, c.terminated)).map(str::trim) {
        Ok(v) if v.len() == 6 && v.bytes().all(|b| b.is_ascii_digit()) => {
            Some(format!("{}-{}", &v[..4], &v[4..]))
        }
        Ok("") | Err(_) => None,
        Ok(v) => return Err(format!("termination date “{v}” is not in yyyymm form")),
    };
    Ok(Some(PostcodeRow {
        postcode,
        district: code(field(record, c.district)),
        ward: code(field(record, c.ward)),
        lsoa: code(field(record, c.lsoa)),
        county: code(field(record, c.county)),
        region: code(field(record, c.region)),
        country: code(field(record, c.country)),
        imd_rank,
        terminated,
        latitude: coordinate(field(record, c.latitude), "latitude")?,
        longitude: coordinate(field(record, c.longitude), "longitude")?,
    }))
}

/// Counts from reading one file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FileStats {
    pub rows: u64,
    pub blank: u64,
}

/// Streams one file's rows to `sink`, calling `progress` with the bytes read
/// so far every few thousand rows. Stops at the first bad row, naming it.
pub fn read_file<E>(
    file: &str,
    reader: &mut dyn Read,
    sink: &mut dyn FnMut(PostcodeRow) -> Result<(), E>,
    progress: &mut dyn FnMut(u64),
) -> Result<(Layout, FileStats), E>
where
    E: From<ReadError>,
{
    let format_err = |message: String| ReadError::Format {
        file: file.to_owned(),
        message,
    };
    let mut shape: Option<(Layout, Columns)> = None;
    let mut stats = FileStats::default();
    stream_csv::<E>(
        file,
        reader,
        &mut |record, row| {
            let (_, columns) = match &shape {
                Some(s) => s,
                None => {
                    let first_cell = String::from_utf8_lossy(record.get(0).unwrap_or(b""))
                        .trim_start_matches('\u{feff}')
                        .to_owned();
                    if normalise_postcode(first_cell.as_bytes()).is_some() && record.len() == 10 {
                        shape.insert((Layout::CodePointOpen, code_point_columns()))
                    } else {
                        let headers: Vec<String> = record
                            .iter()
                            .map(|f| String::from_utf8_lossy(f).into_owned())
                            .collect();
                        let columns = map_directory_header(&headers).map_err(|m| {
                            format_err(format!(
                                "{m}. Expected an ONSPD or NSPL file with its header row, or Code-Point Open (ten columns, no header)"
                            ))
                        })?;
                        shape = Some((Layout::Directory, columns));
                        return Ok(());
                    }
                }
            };
            match parse_row(record, columns) {
                Ok(Some(r)) => {
                    stats.rows += 1;
                    sink(r)
                }
                Ok(None) => {
                    stats.blank += 1;
                    Ok(())
                }
                Err(message) => Err(ReadError::Row {
                    file: file.to_owned(),
                    row,
                    message,
                }
                .into()),
            }
        },
        progress,
    )?;
    let (layout, _) = shape.ok_or_else(|| format_err("is empty".into()))?;
    Ok((layout, stats))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(names: &str) -> Vec<String> {
        names.split(',').map(str::to_owned).collect()
    }

    #[test]
    fn matches_columns_across_releases() {
        let onspd_2023 = map_directory_header(&headers(
            "pcd7,pcd8,pcds,dointr,doterm,oscty,ced,oslaua,osward,rgn,ctry,lsoa11,imd,lsoa21",
        ))
        .unwrap();
        assert_eq!(onspd_2023.postcode, 2);
        assert_eq!(onspd_2023.district, Some(7));
        assert_eq!(onspd_2023.ward, Some(8));
        assert_eq!(onspd_2023.lsoa, Some(13), "the newer LSOA column wins");
        assert_eq!(onspd_2023.terminated, Some(4));
        let onspd_2025 = map_directory_header(&headers("PCD7,PCD8,PCDS,DOINTR,DOTERM,CTY25CD,LAD25CD,WD25CD,RGN25CD,CTRY25CD,LSOA21CD,IMD20IND")).unwrap();
        assert_eq!(onspd_2025.district, Some(6));
        assert_eq!(onspd_2025.ward, Some(7));
        assert_eq!(onspd_2025.region, Some(8));
        assert_eq!(onspd_2025.county, Some(5));
        let nspl = map_directory_header(&headers(
            "\u{feff}pcd,pcd2,pcds,dointr,doterm,usertype,oseast1m,laua,ward,rgn,ctry,lsoa11,imd",
        ))
        .unwrap();
        assert_eq!(
            (nspl.postcode, nspl.district, nspl.ward),
            (2, Some(7), Some(8))
        );
        let err = map_directory_header(&headers("name,address")).unwrap_err();
        assert!(err.contains("postcode column"));
    }

    #[test]
    fn normalises_postcodes_leniently() {
        assert_eq!(normalise_postcode(b"AB1 0AA").as_deref(), Some("AB1 0AA"));
        assert_eq!(normalise_postcode(b"AB1  0AA").as_deref(), Some("AB1 0AA"));
        assert_eq!(normalise_postcode(b"pr12he").as_deref(), Some("PR1 2HE"));
        assert_eq!(normalise_postcode(b"PR1"), None);
        assert_eq!(normalise_postcode(b"PR1-2HE"), None);
    }

    fn read(text: &str) -> Result<(Layout, Vec<PostcodeRow>), ReadError> {
        let mut rows = Vec::new();
        let (layout, _) = read_file::<ReadError>(
            "test.csv",
            &mut text.as_bytes(),
            &mut |r| {
                rows.push(r);
                Ok(())
            },
            &mut |_| {},
        )?;
        Ok((layout, rows))
    }

    #[test]
    fn reads_directory_rows_with_pseudo_codes_as_blank() {
        let (layout, rows) = read("pcds,doterm,oslaua,osward,rgn,ctry,lsoa11,imd,lat,long\r\nPR1 2HE,,E07000123,E05012345,E12000002,E92000001,E01025000,12345,53.76,-2.7\r\nJE2 3AB,200512,L99999999,L99999999,L99999999,L93000001,,0,99.999999,0.000000\r\n").unwrap();
        assert_eq!(layout, Layout::Directory);
        assert_eq!(rows[0].district.as_deref(), Some("E07000123"));
        assert_eq!(rows[0].imd_rank, Some(12345));
        assert_eq!(rows[1].district, None);
        assert_eq!(rows[1].country.as_deref(), Some("L93000001"));
        assert_eq!(rows[1].terminated.as_deref(), Some("2005-12"));
        assert_eq!(rows[1].imd_rank, None);
        assert_eq!(
            (rows[0].latitude, rows[0].longitude),
            (Some(53.76), Some(-2.7))
        );
        assert_eq!(
            (rows[1].latitude, rows[1].longitude),
            (None, Some(0.0)),
            "99.999999 means no location"
        );
    }

    #[test]
    fn reads_code_point_open_without_a_header() {
        let (layout, rows) = read("\"PR1 2HE\",10,353000,429000,\"E92000001\",\"E19000001\",\"E18000002\",\"E10000017\",\"E07000123\",\"E05005275\"\n").unwrap();
        assert_eq!(layout, Layout::CodePointOpen);
        assert_eq!(rows[0].postcode, "PR1 2HE");
        assert_eq!(rows[0].county.as_deref(), Some("E10000017"));
        assert_eq!(rows[0].ward.as_deref(), Some("E05005275"));
    }

    #[test]
    fn a_cut_short_file_names_the_row() {
        let err =
            read("pcds,oslaua,osward\nPR1 2HE,E07000123,E05000001\nPR1 2HF,E0700").unwrap_err();
        assert_eq!(
            err,
            ReadError::Row {
                file: "test.csv".into(),
                row: 3,
                message: "has 2 fields where every row before it has 3; the file may be cut short or damaged".into()
            }
        );
    }

    #[test]
    fn a_file_cut_at_a_field_boundary_is_caught_by_its_missing_line_break() {
        let err = read("pcds,oslaua,osward\nPR1 2HE,E07000123,E05000001\nPR1 2HF,E07000123,")
            .unwrap_err();
        assert!(
            matches!(&err, ReadError::Row { row: 3, message, .. } if message.contains("does not end with a line break")),
            "{err}"
        );
    }

    #[test]
    fn bad_values_name_the_row_and_the_value() {
        let err =
            read("pcds,oslaua,imd\nPR1 2HE,E07000123,12\nNOT A CODE!,E07000123,1\n").unwrap_err();
        assert!(
            matches!(&err, ReadError::Row { row: 3, message, .. } if message.contains("“NOT A CODE!” is not a postcode")),
            "{err}"
        );
        let err = read("pcds,oslaua,imd\nPR1 2HE,E07000123,high\n").unwrap_err();
        assert!(err.to_string().contains("row 2: IMD rank “high”"), "{err}");
    }

    #[test]
    fn an_unrecognised_file_says_what_was_expected() {
        let err = read("name,amount\nAcme,12\n").unwrap_err();
        assert!(
            err.to_string().contains("Expected an ONSPD or NSPL file"),
            "{err}"
        );
    }
}
