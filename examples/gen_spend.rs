//! Writes a council spend file for benchmarks, laid out as councils publish
//! under the Transparency Code: one financial year of payments to a few
//! thousand suppliers, amounts as finance systems print them.
//!
//! `cargo run --release --example gen_spend -- LINES SUPPLIERS OUT.csv`

use std::fs::File;
use std::io::{BufWriter, Write};

const AREAS: [&str; 8] = [
    "Adult Social Care",
    "Children's Services",
    "Highways",
    "Waste and Recycling",
    "Housing",
    "Leisure and Culture",
    "Corporate Services",
    "Planning",
];
const TYPES: [&str; 6] = [
    "Contract Payments",
    "Equipment",
    "Professional Fees",
    "Repairs and Maintenance",
    "Grants",
    "Electricity",
];
const FORMS: [&str; 4] = ["Ltd", "Limited", "LLP", "CIC"];

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let lines: u64 = args
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let suppliers: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(5_000);
    let out = args.next().unwrap_or_else(|| "spend_bench.csv".into());
    let mut w = BufWriter::with_capacity(1 << 20, File::create(out)?);
    writeln!(
        w,
        "Body Name,Service Area,Expenses Type,Payment Date,Transaction Number,Net Amount,Supplier Name"
    )?;
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for i in 0..lines {
        // xorshift: cheap, repeatable variety.
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let supplier = x % suppliers;
        let day = (i * 365 / lines.max(1)) as i64;
        let date = chrono_free_date(day);
        let pounds = 500 + (x >> 20) % 50_000;
        let pence = (x >> 40) % 100;
        let negative = (x >> 8).is_multiple_of(40);
        let amount = format!("{}{pounds}.{pence:02}", if negative { "-" } else { "" });
        writeln!(
            w,
            "Example Borough Council,{},{},{date},{},{},Supplier {supplier} {}",
            AREAS[(x % 8) as usize],
            TYPES[((x >> 3) % 6) as usize],
            1_900_000_000 + i,
            if pounds >= 1000 {
                format!("\"{}\"", with_commas(&amount))
            } else {
                amount
            },
            FORMS[(supplier % 4) as usize]
        )?;
    }
    w.flush()
}

fn with_commas(amount: &str) -> String {
    let (sign, rest) = amount.strip_prefix('-').map_or(("", amount), |r| ("-", r));
    let (whole, frac) = rest.split_once('.').unwrap_or((rest, "00"));
    let mut out = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    format!("{sign}{out}.{frac}")
}

/// `dd/mm/yyyy` for a day of the 2024/25 financial year (0 = 1 April 2024).
fn chrono_free_date(day: i64) -> String {
    const MONTHS: [(u32, u32, i64); 12] = [
        (4, 2024, 30),
        (5, 2024, 31),
        (6, 2024, 30),
        (7, 2024, 31),
        (8, 2024, 31),
        (9, 2024, 30),
        (10, 2024, 31),
        (11, 2024, 30),
        (12, 2024, 31),
        (1, 2025, 31),
        (2, 2025, 28),
        (3, 2025, 31),
    ];
    let mut left = day;
    for (month, year, days) in MONTHS {
        if left < days {
            return format!("{:02}/{month:02}/{year}", left + 1);
        }
        left -= days;
    }
    "31/03/2025".into()
}
