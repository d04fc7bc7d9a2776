//! Adds suppliers to a localspend database for benchmarks: names that match
//! companies written by `gen_companies` (half with their company number,
//! half by name only) and some that match nothing.
//!
//! `cargo run --release --example seed_suppliers -- DATABASE COUNT COMPANY_ROWS`

use diesel::prelude::*;
use localspend::config::DatabaseUrl;
use localspend::db::{self, schema::suppliers as s};
use localspend::domain::supplier::{match_key, normalise_name};

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
            let name = if i % 10 == 9 {
                format!("Unmatched Trader {i}")
            } else {
                format!("Company {n} Ltd.")
            };
            let number = (i % 2 == 0 && i % 10 != 9).then(|| format!("{n:08}"));
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
