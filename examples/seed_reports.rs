//! Builds a report benchmark database: institutions in Lancashire, suppliers
//! placed around them (by a justified manual location, so no postcode lookup
//! is needed) and millions of spend lines over ten financial years.
//!
//! `cargo run --release --example seed_reports -- DATABASE LINES SUPPLIERS`
//! (after `localspend migrate` on the same database).

use diesel::prelude::*;
use localspend::config::DatabaseUrl;
use localspend::db::{self, audit::Actor, schema::suppliers as s};
use localspend::domain::institution::InstitutionInput;
use localspend::domain::supplier::{match_key, normalise_name};

/// Ten institutions' home districts: Lancashire and around.
const HOMES: [(&str, &str); 10] = [
    ("Preston City Council", "E07000123"),
    ("Lancashire Teaching Hospitals", "E07000123"),
    ("University of Central Lancashire", "E07000123"),
    ("Preston College", "E07000123"),
    ("Community Gateway Association", "E07000123"),
    ("Blackburn with Darwen Borough Council", "E06000008"),
    ("Burnley Borough Council", "E07000117"),
    ("Lancaster City Council", "E07000121"),
    ("Blackpool Council", "E06000009"),
    ("Chorley Council", "E07000118"),
];

/// Where suppliers are: districts inside and outside the county, abroad,
/// and nowhere known.
const PLACES: [&str; 12] = [
    "E07000123",
    "E07000123",
    "E07000126",
    "E07000118",
    "E07000117",
    "E06000008",
    "E08000003",
    "E08000012",
    "E09000001",
    "E09000033",
    "outside_uk",
    "",
];

fn main() {
    let mut args = std::env::args().skip(1);
    let url = args.next().expect("database path");
    let lines: i64 = args
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or(10_000_000);
    let suppliers: i64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(50_000);
    let mut conn = db::connect(&DatabaseUrl::parse(&url).unwrap()).expect("connect");
    let gazetteer = db::geography::load(&mut conn).expect("reference geography");
    let actor = Actor::system("benchmark");
    let mut ids = Vec::new();
    for (name, home) in HOMES {
        let input = InstitutionInput::parse(name, "council", home, "4").expect("institution");
        ids.push(
            db::institutions::create(&mut conn, &actor, &input, &gazetteer)
                .expect("create institution")
                .id,
        );
    }
    let network = db::networks::NetworkInput {
        name: "Lancashire Anchor Network".into(),
        description: String::new(),
        member_ids: ids,
    };
    db::networks::create(&mut conn, &actor, &network, &gazetteer).expect("network");
    let at = db::now();
    db::write_tx(&mut conn, |conn| {
        for i in 0..suppliers {
            let name = format!("Supplier {i} Ltd");
            let place = PLACES[(i % PLACES.len() as i64) as usize];
            let band = ["micro", "small", "medium", "large", ""][(i % 5) as usize];
            diesel::insert_into(s::table)
                .values((
                    s::name.eq(&name),
                    s::normalised_name.eq(normalise_name(&name)),
                    s::match_key.eq(match_key(&name)),
                    s::override_place.eq((!place.is_empty()).then_some(place)),
                    s::override_justification.eq((!place.is_empty()).then_some("benchmark")),
                    s::size_band.eq((!band.is_empty()).then_some(band)),
                    s::size_definition.eq((!band.is_empty()).then_some("employees")),
                    s::is_vcse.eq(i % 13 == 0),
                    s::is_public_body.eq(i % 50 == 0),
                    s::sic_codes.eq(["43210", "81210", "86101", "62020", ""][(i % 5) as usize]),
                    s::version.eq(1),
                    s::created_at.eq(at),
                    s::updated_at.eq(at),
                ))
                .execute(conn)?;
        }
        Ok::<_, diesel::result::Error>(())
    })
    .expect("suppliers");
    // Lines straight into the table: ten institutions × ten financial years
    // (April 2015 to March 2025), spread over the suppliers.
    diesel::sql_query(format!(
        "INSERT INTO spend_lines (institution_id, payment_date, amount_pence, vat_basis, supplier_id, \
         supplier_name, redacted, department, expense_type, purchase_card, payment_type, version, \
         created_at, updated_at) \
         WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < {lines}) \
         SELECT 1 + i % 10, date('2015-04-01', '+' || ((i / 10) * 3652 / ({lines} / 10)) || ' days'), \
         50000 + (i * 7919) % 5000000 - CASE WHEN i % 37 = 0 THEN 100000 ELSE 0 END, 'net', \
         1 + (i * 104729) % {suppliers}, 'Supplier ' || ((i * 104729) % {suppliers}) || ' Ltd', FALSE, \
         'Department ' || (i % 8), 'Expense ' || (i % 6), FALSE, \
         CASE WHEN i % 11 = 0 THEN 'public_body' WHEN i % 29 = 0 THEN 'grant' ELSE 'procurement' END, \
         1, '2025-01-01 00:00:00', '2025-01-01 00:00:00' FROM n"
    ))
    .execute(&mut conn)
    .expect("lines");
    // Lines written straight into the table need their report totals.
    db::totals::rebuild(&mut conn).expect("totals");
    db::refresh_statistics(&mut conn, &["spend_lines", "spend_totals", "suppliers"])
        .expect("analyse");
    println!("seeded {lines} lines, {suppliers} suppliers, 10 institutions");
}
