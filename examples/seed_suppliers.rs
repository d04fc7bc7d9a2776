//! Adds suppliers to a localspend database for benchmarks: names that match
//! companies written by `gen_companies` (with their company number, or by
//! exact name), near misses of their names (a word dropped, a typo), and
//! some that match nothing.
//!
//! `cargo run --release --example seed_suppliers -- DATABASE COUNT COMPANY_ROWS`

use diesel::prelude::*;
use localspend::config::DatabaseUrl;
use localspend::db::{self, schema::suppliers as s};
use localspend::domain::supplier::{match_key, normalise_name};

#[path = "common/names.rs"]
mod names;

fn main() {
    let mut args = std::env::args().skip(1);
    let url = args.next().expect("database path");
    let count: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(50_000);
    let companies: usize = args
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or(5_500_000);
    let mut conn = db::connect(&DatabaseUrl::parse(&url).unwrap()).expect("connect");
    let at = db::now();
    let step = (companies / count).max(1);
    db::write_tx(&mut conn, |conn| {
        for i in 0..count {
            let n = i * step;
            let company = names::company(n);
            let name = match i % 10 {
                // Made-up words no company has.
                9 => format!("{} Traders", names::word(companies + i)),
                // A word dropped.
                1 => company.replace(names::SECOND[(n / 7) % names::SECOND.len()], ""),
                // A typo in the middle of the distinguishing word.
                3 => {
                    let word = names::word(n / 3);
                    let mut typo = word.clone();
                    let at = word.len() / 2;
                    typo.replace_range(
                        at..at + 1,
                        if &word[at..at + 1] == "X" { "Y" } else { "X" },
                    );
                    company.replacen(&word, &typo, 1)
                }
                _ => company.clone(),
            };
            let number = (i % 2 == 0).then(|| format!("{n:08}"));
            diesel::insert_into(s::table)
                .values((
                    s::name.eq(&name),
                    s::normalised_name.eq(normalise_name(&name)),
                    s::match_key.eq(match_key(&name)),
                    s::company_number.eq(number),
                    s::version.eq(1),
                    s::created_at.eq(at),
                    s::updated_at.eq(at),
                ))
                .execute(conn)?;
        }
        Ok::<_, diesel::result::Error>(())
    })
    .expect("seed");
    eprintln!("added {count} suppliers");
}
