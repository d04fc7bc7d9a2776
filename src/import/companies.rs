//! The Companies House "BasicCompanyData" bulk file: about 5.5 million live
//! companies, some header names with a leading space (` CompanyNumber`).

use std::io::Read;

use csv::ByteRecord;

use super::csv_stream::{cell_text, header_names, read_table, ReadError, Separator};
use crate::domain::reference::CompanyRow;
use crate::domain::supplier::{normalise_company_number, normalise_name};

struct Columns {
    name: usize,
    number: usize,
    postcode: Option<usize>,
    category: Option<usize>,
    status: Option<usize>,
    accounts: Option<usize>,
    sic: Vec<usize>,
}

fn map_header(record: &ByteRecord) -> Result<Columns, String> {
    let names = header_names(record);
    let find = |wanted: &str| names.iter().position(|n| n == wanted);
    Ok(Columns {
        name: find("companyname")
            .ok_or("no CompanyName column: is this the Companies House BasicCompanyData file?")?,
        number: find("companynumber")
            .ok_or("no CompanyNumber column: is this the Companies House BasicCompanyData file?")?,
        postcode: find("regaddress.postcode"),
        category: find("companycategory"),
        status: find("companystatus"),
        accounts: find("accounts.accountcategory"),
        sic: names
            .iter()
            .enumerate()
            .filter(|(_, n)| n.starts_with("siccode.sictext"))
            .map(|(i, _)| i)
            .collect(),
    })
}

fn text(record: &ByteRecord, i: Option<usize>) -> String {
    cell_text(record, i)
}

/// `62020 - Information technology consultancy activities` → `62020`.
fn sic_code(text: &str) -> Option<&str> {
    let code = text.split(" - ").next()?.trim();
    (code.len() == 5 && code.bytes().all(|b| b.is_ascii_digit())).then_some(code)
}

fn parse(record: &ByteRecord, c: &Columns) -> Result<Option<CompanyRow>, String> {
    let raw_number = text(record, Some(c.number));
    if raw_number.is_empty() {
        return Ok(None);
    }
    let company_number = normalise_company_number(&raw_number)
        .ok_or_else(|| format!("“{raw_number}” is not a company number"))?;
    let name = text(record, Some(c.name));
    let sic: Vec<&str> = c
        .sic
        .iter()
        .filter_map(|i| record.get(*i))
        .filter_map(|b| std::str::from_utf8(b).ok())
        .filter_map(sic_code)
        .collect();
    Ok(Some(CompanyRow {
        company_number,
        normalised_name: normalise_name(&name),
        name,
        postcode: Some(text(record, c.postcode))
            .filter(|p| !p.is_empty())
            .and_then(|p| crate::import::postcodes::normalise_postcode(p.as_bytes())),
        category: text(record, c.category),
        status: text(record, c.status),
        account_category: text(record, c.accounts),
        sic_codes: sic.join(","),
    }))
}

/// Streams one file's companies to `sink`.
pub fn read_file<E: From<ReadError>>(
    file: &str,
    reader: &mut dyn Read,
    sink: &mut dyn FnMut(CompanyRow) -> Result<(), E>,
    progress: &mut dyn FnMut(u64),
) -> Result<u64, E> {
    read_table(
        file,
        reader,
        Separator::Comma,
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
    fn reads_the_bulk_file_with_its_spaced_headers() {
        let text = "CompanyName, CompanyNumber,RegAddress.CareOf,RegAddress.PostCode,CompanyCategory,CompanyStatus,Accounts.AccountCategory,SICCode.SicText_1,SICCode.SicText_2\r\n\
\"PRESTON COMMUNITY ENERGY CIC\",09876543,,pr1 2he,Community Interest Company,Active,MICRO ENTITY,\"35110 - Production of electricity\",None Supplied\r\n\
\"ACME LIMITED\",SC012345,,EH1 1AA,Private Limited Company,Active,FULL,\"62020 - Information technology consultancy activities\",\"62090 - Other information technology service activities\"\r\n";
        let mut rows = Vec::new();
        read_file::<ReadError>(
            "ch.csv",
            &mut text.as_bytes(),
            &mut |r| {
                rows.push(r);
                Ok(())
            },
            &mut |_| {},
        )
        .unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].company_number, "09876543");
        assert_eq!(rows[0].normalised_name, "PRESTON COMMUNITY ENERGY CIC");
        assert_eq!(rows[0].postcode.as_deref(), Some("PR1 2HE"));
        assert_eq!(rows[0].sic_codes, "35110");
        assert_eq!(rows[1].sic_codes, "62020,62090");
        assert_eq!(rows[1].account_category, "FULL");
    }

    #[test]
    fn a_file_that_is_not_the_bulk_file_says_so() {
        let err = read_file::<ReadError>(
            "x.csv",
            &mut "Name,Number\nA,1\n".as_bytes(),
            &mut |_| Ok(()),
            &mut |_| {},
        )
        .unwrap_err();
        assert!(err.to_string().contains("no CompanyName column"), "{err}");
    }
}
