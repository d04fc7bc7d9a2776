//! The Charity Commission's register extract for England and Wales as
//! published (`publicextract.charity.txt`, or the zip holding it):
//! tab-separated, a header row of field names, one row per charity and per
//! linked charity. Only main charities (linked charity number 0) are kept.

use std::io::Read;

use csv::ByteRecord;

use super::csv_stream::{cell_text, header_names, read_table, ReadError, Separator};
use crate::domain::reference::CharityRow;
use crate::domain::supplier::{normalise_charity_number, normalise_company_number, normalise_name};

struct Columns {
    number: usize,
    linked: Option<usize>,
    name: usize,
    status: Option<usize>,
    income: Option<usize>,
    postcode: Option<usize>,
    company: Option<usize>,
}

fn map_header(record: &ByteRecord) -> Result<Columns, String> {
    let names = header_names(record);
    let find = |wanted: &str| names.iter().position(|n| n == wanted);
    let missing = |what: &str| {
        format!("no {what} column: is this the Charity Commission's register extract (publicextract.charity.txt)?")
    };
    Ok(Columns {
        number: find("registered_charity_number")
            .ok_or_else(|| missing("registered_charity_number"))?,
        linked: find("linked_charity_number"),
        name: find("charity_name").ok_or_else(|| missing("charity_name"))?,
        status: find("charity_registration_status"),
        income: find("latest_income"),
        postcode: find("charity_contact_postcode"),
        company: find("charity_company_registration_number"),
    })
}

fn text(record: &ByteRecord, i: Option<usize>) -> String {
    cell_text(record, i)
}

/// Pounds as the extract writes them (`12345.00`, `12345`) in pence.
fn income_pence(raw: &str) -> Option<i64> {
    if raw.is_empty() {
        return None;
    }
    crate::domain::money::Pence::parse(raw).ok().map(|p| p.0)
}

fn parse(record: &ByteRecord, c: &Columns) -> Result<Option<CharityRow>, String> {
    let raw = text(record, Some(c.number));
    if raw.is_empty() {
        return Ok(None);
    }
    let linked = text(record, c.linked);
    if !(linked.is_empty() || linked == "0") {
        return Ok(None);
    }
    let charity_number =
        normalise_charity_number(&raw).ok_or_else(|| format!("“{raw}” is not a charity number"))?;
    let name = text(record, Some(c.name));
    let postcode = text(record, c.postcode);
    Ok(Some(CharityRow {
        charity_number,
        normalised_name: normalise_name(&name),
        name,
        postcode: crate::import::postcodes::normalise_postcode(postcode.as_bytes()),
        latest_income_pence: income_pence(&text(record, c.income)),
        registered: !text(record, c.status).eq_ignore_ascii_case("removed"),
        company_number: normalise_company_number(&text(record, c.company)),
    }))
}

/// Streams one file's main charities to `sink`.
pub fn read_file<E: From<ReadError>>(
    file: &str,
    reader: &mut dyn Read,
    sink: &mut dyn FnMut(CharityRow) -> Result<(), E>,
    progress: &mut dyn FnMut(u64),
) -> Result<u64, E> {
    read_table(
        file,
        reader,
        Separator::Tab,
        map_header,
        parse,
        sink,
        progress,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_main_charities_from_the_tab_separated_extract() {
        let text = "date_of_extract\torganisation_number\tregistered_charity_number\tlinked_charity_number\tcharity_name\tcharity_type\tcharity_registration_status\tlatest_income\tcharity_contact_postcode\tcharity_company_registration_number\n\
2025-11-01\t1\t1123456\t0\tTHE \"FRIENDS\" OF PRESTON PARKS\tOther\tRegistered\t125000.00\tpr1 2he\t\n\
2025-11-01\t2\t1123456\t1\tA LINKED FUND\tOther\tRegistered\t\t\t\n\
2025-11-01\t3\t222222\t0\tOLD TRUST\tOther\tRemoved\t\t\t01234567\n";
        let mut rows = Vec::new();
        read_file::<ReadError>(
            "publicextract.charity.txt",
            &mut text.as_bytes(),
            &mut |r| {
                rows.push(r);
                Ok(())
            },
            &mut |_| {},
        )
        .unwrap();
        assert_eq!(rows.len(), 2, "the linked charity is left out");
        assert_eq!(
            rows[0].name, "THE \"FRIENDS\" OF PRESTON PARKS",
            "quotes are text"
        );
        assert_eq!(rows[0].postcode.as_deref(), Some("PR1 2HE"));
        assert_eq!(rows[0].latest_income_pence, Some(12_500_000));
        assert!(rows[0].registered && !rows[1].registered);
        assert_eq!(rows[1].company_number.as_deref(), Some("01234567"));
    }
}
