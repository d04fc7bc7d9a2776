//! Writes a Companies House BasicCompanyData-shaped CSV for benchmarks: the
//! real header (leading spaces included) and plausible rows, named as
//! `common/names.rs` says.
//!
//! `cargo run --release --example gen_companies -- ROWS OUT.csv`

use std::fs::File;
use std::io::{BufWriter, Write};

#[path = "common/names.rs"]
mod names;

const HEADER: &str = "CompanyName, CompanyNumber,RegAddress.CareOf,RegAddress.POBox,RegAddress.AddressLine1, RegAddress.AddressLine2,RegAddress.PostTown,RegAddress.County,RegAddress.Country,RegAddress.PostCode,CompanyCategory,CompanyStatus,CountryOfOrigin,DissolutionDate,IncorporationDate,Accounts.AccountRefDay,Accounts.AccountRefMonth,Accounts.NextDueDate,Accounts.LastMadeUpDate,Accounts.AccountCategory,Returns.NextDueDate,Returns.LastMadeUpDate,Mortgages.NumMortCharges,Mortgages.NumMortOutstanding,Mortgages.NumMortPartSatisfied,Mortgages.NumMortSatisfied,SICCode.SicText_1,SICCode.SicText_2,SICCode.SicText_3,SICCode.SicText_4,LimitedPartnerships.NumGenPartners,LimitedPartnerships.NumLimPartners,URI,PreviousName_1.CONDATE, PreviousName_1.CompanyName, PreviousName_2.CONDATE, PreviousName_2.CompanyName,PreviousName_3.CONDATE, PreviousName_3.CompanyName,PreviousName_4.CONDATE, PreviousName_4.CompanyName,PreviousName_5.CONDATE, PreviousName_5.CompanyName,PreviousName_6.CONDATE, PreviousName_6.CompanyName,PreviousName_7.CONDATE, PreviousName_7.CompanyName,PreviousName_8.CONDATE, PreviousName_8.CompanyName,PreviousName_9.CONDATE, PreviousName_9.CompanyName,PreviousName_10.CONDATE, PreviousName_10.CompanyName,ConfStmtNextDueDate, ConfStmtLastMadeUpDate";
const CATEGORIES: [&str; 4] = [
    "Private Limited Company",
    "Community Interest Company",
    "PRI/LBG/NSC (Private, Limited by guarantee, no share capital, use of 'Limited' exemption)",
    "Registered Society",
];
const ACCOUNTS: [&str; 5] = [
    "MICRO ENTITY",
    "SMALL",
    "FULL",
    "DORMANT",
    "TOTAL EXEMPTION FULL",
];

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let rows: usize = args
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or(5_500_000);
    let out = args.next().unwrap_or_else(|| "companies_bench.csv".into());
    let mut w = BufWriter::with_capacity(1 << 20, File::create(&out)?);
    writeln!(w, "{HEADER}")?;
    let columns = HEADER.split(',').count();
    let mut fields: Vec<String> = Vec::with_capacity(columns);
    for n in 0..rows {
        fields.clear();
        fields.extend([
            format!("\"{}\"", names::company(n)),
            format!("{n:08}"),
            String::new(),
            String::new(),
            format!("\"{} HIGH STREET\"", n % 300),
            format!("\"UNIT {}\"", n % 50),
            "PRESTON".into(),
            "LANCASHIRE".into(),
            "ENGLAND".into(),
            format!("PR{} {}AB", 1 + n % 9, n % 10),
            format!("\"{}\"", CATEGORIES[n % CATEGORIES.len()]),
            "Active".into(),
            "United Kingdom".into(),
            String::new(),
            format!("{:02}/{:02}/20{:02}", 1 + n % 28, 1 + n % 12, n % 25),
            "31".into(),
            "3".into(),
            "31/12/2025".into(),
            "31/03/2024".into(),
            ACCOUNTS[n % ACCOUNTS.len()].into(),
            "28/02/2026".into(),
            "31/01/2025".into(),
            "0".into(),
            "0".into(),
            "0".into(),
            "0".into(),
            format!("\"{:05} - Some activity\"", 10_000 + n % 89_999),
        ]);
        fields.resize(columns - 3, String::new());
        fields.push(format!("http://business.data.gov.uk/id/company/{n:08}"));
        fields.resize(columns - 2, String::new());
        fields.push("15/04/2026".into());
        fields.push("01/04/2025".into());
        writeln!(w, "{}", fields.join(","))?;
    }
    w.flush()?;
    eprintln!("wrote {rows} rows to {out}");
    Ok(())
}
