//! A realistic, clearly fictional anchor network around Preston to explore
//! the app with: five institutions, a few hundred suppliers at real
//! Lancashire and out-of-area postcodes (a sample of OS Code-Point Open,
//! shipped in `data/demo/`), five financial years of spend imported through
//! the same path a clerk's files take, with the local share rising year on
//! year, some suppliers still unclassified and payments to other public
//! bodies excluded.

use std::io::Write;

use crate::auth::password;
use crate::db::audit::Actor;
use crate::db::{areas, institutions, networks, suppliers, users, DbConn};
use crate::domain::account::Username;
use crate::domain::dates::DateOrder;
use crate::domain::geography::Gazetteer;
use crate::domain::institution::InstitutionInput;
use crate::domain::period::financial_year_bounds;
use crate::domain::supplier::{Source, SupplierFields};
use crate::domain::Role;
use crate::error::AppError;
use crate::import::spend;
use crate::tokens::random_token;

const POSTCODES: &[u8] = include_bytes!("../data/demo/codepoint-sample.csv");

/// Five fictional anchors, all with Preston as their home district.
const INSTITUTIONS: [(&str, &str); 5] = [
    ("Fishwick City Council", "council"),
    ("Avenham Teaching Hospitals NHS Trust", "nhs_trust"),
    ("University of the Ribble", "university"),
    ("Moor Park College", "college"),
    ("Brookfield Homes", "housing_association"),
];

const FIRST_WORDS: [&str; 20] = [
    "Ribble",
    "Pennine",
    "Bowland",
    "Fylde",
    "Lune",
    "Darwen",
    "Wyre",
    "Calder",
    "Hodder",
    "Douglas",
    "Mersey",
    "Irwell",
    "Amber",
    "Northgate",
    "Harbour",
    "Millstone",
    "Cotton",
    "Beacon",
    "Kestrel",
    "Heron",
];
const TRADES: [&str; 15] = [
    "Joinery",
    "Catering",
    "Cleaning",
    "Print",
    "Building",
    "Landscapes",
    "IT Services",
    "Care",
    "Electrical",
    "Plumbing",
    "Transport",
    "Consulting",
    "Security",
    "Supplies",
    "Training",
];
const FORMS: [&str; 4] = ["Ltd", "Limited", "& Sons Ltd", "LLP"];
const DEPARTMENTS: [&str; 6] = [
    "Highways",
    "Adult Social Care",
    "Estates",
    "Education",
    "Housing",
    "Corporate Services",
];
const EXPENSES: [&str; 6] = [
    "Repairs and Maintenance",
    "Catering",
    "Professional Fees",
    "Equipment",
    "Contract Payments",
    "Cleaning",
];
/// Other public bodies the anchors pay (excluded from influenceable spend).
const PUBLIC_BODIES: [&str; 4] = [
    "Fulwood Borough Council",
    "Moorside Fire and Rescue Authority",
    "NHS Moorside Integrated Care Board",
    "Ashton Police and Crime Commissioner",
];

/// A tiny repeatable random number generator, so the demo is the same every
/// time.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// Who can sign in to the demo: (role, username, password).
pub struct Logins(pub Vec<(&'static str, String, String)>);

struct DemoSupplier {
    name: String,
    local: bool,
    sme: bool,
}

fn demo_err(e: impl std::fmt::Display) -> AppError {
    AppError::Internal(format!("demo data: {e}"))
}

/// Fills an empty, migrated database with the demo network.
pub fn seed(conn: &mut DbConn, gazetteer: &Gazetteer) -> Result<Logins, AppError> {
    let actor = Actor::system("demo");
    let dir = std::env::temp_dir().join(format!("localspend-demo-{}", &random_token()[..8]));
    std::fs::create_dir_all(&dir).map_err(demo_err)?;
    let postcodes = load_postcodes(conn, &actor, &dir)?;
    // Institutions and their network.
    let mut ids = Vec::new();
    for (name, kind) in INSTITUTIONS {
        // The university's financial year runs August to July, as most do.
        let month = if kind == "university" { "8" } else { "4" };
        let input = InstitutionInput::parse(name, kind, "E07000123", month)
            .map_err(|e| demo_err(format!("{e:?}")))?;
        ids.push(institutions::create(conn, &actor, &input, gazetteer)?.id);
    }
    let network = networks::NetworkInput {
        name: "Preston Anchor Network (demo)".into(),
        description: "Fictional anchor institutions with Preston as their home district.".into(),
        member_ids: ids.clone(),
    };
    networks::create(conn, &actor, &network, gazetteer)?;

    let logins = create_people(conn, &actor, &ids)?;
    let made = create_suppliers(conn, &actor, &postcodes)?;
    import_spend(conn, &actor, &ids, &made, &dir)?;
    let _ = std::fs::remove_dir_all(&dir);

    // A target for the council this year.
    crate::db::targets::set_targets(
        conn,
        &actor,
        areas::Owner::Institution(ids[0]),
        2024,
        1,
        &[(1, 4_500), (2, 7_500)],
    )?;
    crate::db::refresh_statistics(conn, &["spend_lines", "spend_totals", "suppliers"])?;
    Ok(Logins(logins))
}

/// The postcode lookup: a sample of Code-Point Open, through the importer.
/// Returns its (postcode, district) pairs.
fn load_postcodes(
    conn: &mut DbConn,
    actor: &Actor,
    dir: &std::path::Path,
) -> Result<Vec<(String, String)>, AppError> {
    let sample = dir.join("codepoint-sample.csv");
    std::fs::File::create(&sample)
        .and_then(|mut f| f.write_all(POSTCODES))
        .map_err(demo_err)?;
    crate::import::postcode_release::import_release(
        conn,
        &[&sample],
        "Code-Point Open sample (demo)",
        actor,
        &mut |_, _| {},
    )
    .map_err(demo_err)?;
    let postcodes = String::from_utf8_lossy(POSTCODES)
        .lines()
        .filter_map(|l| {
            let cells: Vec<&str> = l.split(',').map(|c| c.trim_matches('"')).collect();
            Some((cells.first()?.to_string(), cells.get(8)?.to_string()))
        })
        .collect();
    Ok(postcodes)
}

/// One login per role, with a generated password each.
fn create_people(
    conn: &mut DbConn,
    actor: &Actor,
    ids: &[i64],
) -> Result<Vec<(&'static str, String, String)>, AppError> {
    let mut logins = Vec::new();
    for (label, username, role, institution) in [
        ("admin (whole network)", "demo-admin", Role::Admin, None),
        ("manager", "demo-manager", Role::Manager, Some(ids[0])),
        ("clerk", "demo-clerk", Role::Clerk, Some(ids[0])),
        ("auditor", "demo-auditor", Role::Auditor, Some(ids[0])),
    ] {
        let secret = random_token()[..14].to_owned();
        users::create(
            conn,
            actor,
            &users::NewUser {
                username: Username::parse(username).map_err(demo_err)?,
                display_name: format!("Demo {}", role.label().to_lowercase()),
                role,
                institution_id: institution,
                network_id: None,
                password_hash: password::hash(&secret).map_err(demo_err)?,
            },
        )?;
        logins.push((label, username.to_owned(), secret));
    }
    Ok(logins)
}

/// Suppliers: most at a real postcode, local or not; some unclassified, a
/// few abroad, some VCSE and co-operatives, and other public bodies.
fn create_suppliers(
    conn: &mut DbConn,
    actor: &Actor,
    postcodes: &[(String, String)],
) -> Result<Vec<DemoSupplier>, AppError> {
    let mut made: Vec<DemoSupplier> = Vec::new();
    for i in 0..300usize {
        let name = format!(
            "{} {} {}",
            FIRST_WORDS[i % FIRST_WORDS.len()],
            TRADES[(i / FIRST_WORDS.len()) % TRADES.len()],
            FORMS[i % FORMS.len()]
        );
        let (postcode, district) = &postcodes[(i * 7) % postcodes.len()];
        let unclassified = i % 10 == 9;
        let abroad = i % 60 == 17;
        let band = ["micro", "small", "small", "medium", "large"][i % 5];
        let fields = SupplierFields {
            name: name.clone(),
            postcode_registered: if unclassified || abroad {
                String::new()
            } else {
                postcode.clone()
            },
            location_basis: "registered_office".into(),
            override_place: if abroad {
                "outside_uk".into()
            } else {
                String::new()
            },
            override_justification: if abroad {
                "Invoices from the Irish parent company".into()
            } else {
                String::new()
            },
            size_band: if unclassified {
                String::new()
            } else {
                band.into()
            },
            size_definition: if unclassified {
                String::new()
            } else {
                "employees".into()
            },
            is_vcse: (i % 11 == 3).then(|| "on".into()),
            is_charity: (i % 22 == 3).then(|| "on".into()),
            is_cooperative: (i % 23 == 5).then(|| "on".into()),
            is_cic: (i % 29 == 7).then(|| "on".into()),
            sic_codes: ["43320", "56290", "81210", "18129", "41201", "62020"][i % 6].into(),
            ..Default::default()
        };
        let input = fields.parse().map_err(|e| demo_err(format!("{e:?}")))?;
        suppliers::create(conn, actor, &input, Source::Clerk, "Demo data")?;
        made.push(DemoSupplier {
            name,
            local: !unclassified && !abroad && district == "E07000123",
            sme: !unclassified && band != "large",
        });
    }
    for name in PUBLIC_BODIES {
        let input = SupplierFields {
            name: name.into(),
            override_place: "E07000123".into(),
            override_justification: "Public body serving Preston".into(),
            is_public_body: Some("on".into()),
            ..Default::default()
        }
        .parse()
        .map_err(|e| demo_err(format!("{e:?}")))?;
        suppliers::create(conn, actor, &input, Source::Clerk, "Demo data")?;
    }
    Ok(made)
}

/// Days from receiving an invoice to paying it: mostly within 30, some
/// late, and small local suppliers (the ones a late payment hurts most)
/// more often late.
fn days_to_pay(clock: &mut Dice, local_sme: bool) -> i64 {
    let base = 6 + clock.below(22) as i64;
    let late_chance = if local_sme { 30 } else { 12 };
    if clock.below(100) < late_chance {
        base + 20 + clock.below(50) as i64
    } else {
        base
    }
}

/// Five years of spend per institution, imported as files; Preston's share
/// rises as the anchors buy locally.
fn import_spend(
    conn: &mut DbConn,
    actor: &Actor,
    ids: &[i64],
    made: &[DemoSupplier],
    dir: &std::path::Path,
) -> Result<(), AppError> {
    let mut dice = Dice(0x5EED_CAFE_F00D_1234);
    // Days to pay come from dice of their own, so the spend stays as it was.
    let mut clock = Dice(0x000D_A7E5_1A7E);
    let local: Vec<&DemoSupplier> = made.iter().filter(|s| s.local).collect();
    let elsewhere: Vec<&DemoSupplier> = made.iter().filter(|s| !s.local).collect();
    for (n, institution) in ids.iter().enumerate() {
        for (k, year) in (2020..2025).enumerate() {
            let (start, _) = financial_year_bounds(year).ok_or_else(|| demo_err("year"))?;
            let mut csv = String::from("Payment Date,Supplier Name,Net Amount,Service Area,Expense Type,Transaction Number,Date Received\n");
            let lines = 300 + 60 * n;
            for i in 0..lines {
                let day = start + chrono::Duration::days(dice.below(365) as i64);
                let roll = dice.below(100);
                let (name, expense, local_sme) = if roll < 8 {
                    (
                        PUBLIC_BODIES[dice.below(4) as usize].to_owned(),
                        "Contributions to Other Bodies",
                        false,
                    )
                } else {
                    let local_chance = 25 + 9 * k as u64;
                    let pool = if dice.below(100) < local_chance {
                        &local
                    } else {
                        &elsewhere
                    };
                    let s = pool[dice.below(pool.len() as u64) as usize];
                    (
                        s.name.clone(),
                        EXPENSES[dice.below(EXPENSES.len() as u64) as usize],
                        s.local && s.sme,
                    )
                };
                let pence = 50_000 + dice.below(2_500_000) as i64;
                let amount = if dice.below(40) == 0 {
                    -pence / 4
                } else {
                    pence
                };
                let received = day - chrono::Duration::days(days_to_pay(&mut clock, local_sme));
                csv.push_str(&format!(
                    "{},{},{}.{:02},{},{},D{year}-{n}-{i},{}\n",
                    day.format("%d/%m/%Y"),
                    name,
                    amount / 100,
                    (amount % 100).abs(),
                    DEPARTMENTS[dice.below(DEPARTMENTS.len() as u64) as usize],
                    expense,
                    received.format("%d/%m/%Y")
                ));
            }
            // Two contract payments a year over £30,000, one local, one not.
            for (j, pool) in [&local, &elsewhere].into_iter().enumerate() {
                let s = pool[clock.below(pool.len() as u64) as usize];
                let day = start + chrono::Duration::days(clock.below(365) as i64);
                let received =
                    day - chrono::Duration::days(days_to_pay(&mut clock, s.local && s.sme));
                let pounds = 31_000 + clock.below(30_000);
                csv.push_str(&format!(
                    "{},{},{pounds}.00,{},Contract payments,C{year}-{n}-{j},{}\n",
                    day.format("%d/%m/%Y"),
                    s.name,
                    DEPARTMENTS[0],
                    received.format("%d/%m/%Y")
                ));
            }
            let path = dir.join(format!("spend-{n}-{year}.csv"));
            std::fs::write(&path, csv).map_err(demo_err)?;
            spend::import_whole(conn, actor, *institution, &path, DateOrder::DayFirst)
                .map_err(demo_err)?;
        }
    }
    Ok(())
}
