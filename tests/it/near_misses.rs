//! Near misses: names that differ by a word, an abbreviation or a typo are
//! proposed with a score, against the register and against the Companies
//! House data in use; nothing is merged or accepted without a clerk.

use localspend::db::audit::Actor;
use localspend::db::suppliers;
use localspend::domain::Role;
use localspend::import::company_release::import_release;

use crate::common::{spawn_app, TestApp};
use crate::companies::supplier;

const HEADER: &str = "CompanyName, CompanyNumber,RegAddress.CareOf,RegAddress.POBox,RegAddress.AddressLine1, RegAddress.AddressLine2,RegAddress.PostTown,RegAddress.County,RegAddress.Country,RegAddress.PostCode,CompanyCategory,CompanyStatus,CountryOfOrigin,DissolutionDate,IncorporationDate,Accounts.AccountRefDay,Accounts.AccountRefMonth,Accounts.NextDueDate,Accounts.LastMadeUpDate,Accounts.AccountCategory,SICCode.SicText_1";

/// The companies the suppliers below are near, among 3,000 generated ones
/// (a distinct made-up word each, with trade words the named ones share).
const NAMED: [(&str, &str, &str); 5] = [
    ("STANLEY BROTHERS (TIPPERS) LIMITED", "07000001", "PR1 1AA"),
    ("PRESTON SCAFFOLDING LIMITED", "07000002", "PR1 2AA"),
    ("ACME ROOFING SERVICES LTD", "07000003", "PR2 1AA"),
    ("BETA SCAFFOLDING LTD", "07000004", "BB1 1AA"),
    (
        "STANLEY BROTHERS (TIPPERS) HOLDINGS LIMITED",
        "07000005",
        "PR1 1AB",
    ),
];

fn made_up_word(n: usize) -> String {
    const SYLLABLES: [&str; 20] = [
        "KA", "LO", "MER", "TI", "VAN", "DRO", "SEL", "PU", "RIN", "GOS", "BAL", "TE", "NUR", "FI",
        "ZAM", "OR", "QUE", "HAL", "WIN", "DEX",
    ];
    format!(
        "{}{}{}",
        SYLLABLES[n % 20],
        SYLLABLES[(n / 20) % 20],
        SYLLABLES[(n / 400) % 20]
    )
}

fn load_companies(app: &TestApp) {
    const TRADES: [&str; 6] = [
        "ROOFING",
        "SCAFFOLDING",
        "TIPPERS",
        "SERVICES",
        "CARE",
        "BUILDERS",
    ];
    let mut file = format!("{HEADER}\r\n");
    let row = |name: &str, number: &str, postcode: &str| {
        format!("\"{name}\",{number},,,,,PRESTON,,ENGLAND,{postcode},Private Limited Company,Active,United Kingdom,,01/01/2010,31,3,,,SMALL,\"43910 - Roofing activities\"\r\n")
    };
    for n in 0..3_000 {
        let name = format!("{} {} LIMITED", made_up_word(n), TRADES[n % TRADES.len()]);
        file.push_str(&row(&name, &format!("{:08}", 10_000_000 + n), "M1 1AE"));
    }
    for (name, number, postcode) in NAMED {
        file.push_str(&row(name, number, postcode));
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("BasicCompanyData-near.csv");
    std::fs::write(&path, file).unwrap();
    let release = import_release(
        &mut app.conn(),
        &[path],
        "near",
        &Actor::system("test"),
        &mut |_, _| {},
    )
    .unwrap();
    assert_eq!(release.row_count, 3_005);
}

/// The rows of the similar-names table on the Companies House page:
/// (supplier, company, score).
fn similar_rows(body: &str) -> Vec<(String, String, String)> {
    crate::common::table_rows(body, "id=\"similar\"")
        .into_iter()
        .map(|c| (c[1].clone(), c[2].clone(), c[3].clone()))
        .collect()
}

#[actix_web::test]
async fn names_a_word_an_abbreviation_or_a_typo_apart_are_proposed_with_scores() {
    let app = spawn_app().await;
    load_companies(&app);
    let stanley = supplier(&app, "STANLEY BROS TIPPERS", "");
    let typo = supplier(&app, "Preston Scaffoldng Ltd", "");
    let dropped = supplier(&app, "Acme Roofing", "");
    let gamma = supplier(&app, "Gamma Scaffolding", "");
    let numbered = supplier(&app, "Stanley Bros Tippers Holdings", "07000005");
    // A typo in the distinguishing word of a name whose other word 500
    // companies share: found through the word's first letters.
    supplier(&app, "Pukaxa Scaffolding", "");
    let (clerk, _) = app
        .signed_in(
            "clerk",
            Role::Clerk,
            Some(app.add_institution("Preston City Council", "E07000123")),
        )
        .await;

    let page = clerk.get("/companies").await;
    assert_eq!(page.status, 200);
    let rows = similar_rows(&page.body);
    assert_eq!(
        rows,
        [
            (
                "STANLEY BROS TIPPERS".to_owned(),
                "STANLEY BROTHERS (TIPPERS) LIMITED 07000001 · Active".to_owned(),
                "100%".to_owned()
            ),
            (
                "STANLEY BROS TIPPERS".to_owned(),
                "STANLEY BROTHERS (TIPPERS) HOLDINGS LIMITED 07000005 · Active".to_owned(),
                "93%".to_owned()
            ),
            (
                "Preston Scaffoldng Ltd".to_owned(),
                "PRESTON SCAFFOLDING LIMITED 07000002 · Active".to_owned(),
                "97%".to_owned()
            ),
            (
                "Acme Roofing".to_owned(),
                "ACME ROOFING SERVICES LTD 07000003 · Active".to_owned(),
                "88%".to_owned()
            ),
            (
                "Pukaxa Scaffolding".to_owned(),
                "PUKAKA SCAFFOLDING LIMITED 10000007 · Active".to_owned(),
                "90%".to_owned()
            ),
        ],
        "a supplier with a company number is not looked at, and a shared trade word is no match"
    );
    assert!(!page.body.contains(&format!("value=\"{gamma}:")));
    assert!(!page.body.contains(&format!("value=\"{numbered}:")));
    assert!(
        !page
            .body
            .contains("name=\"pair\" value=\"{stanley}:07000001\" checked"),
        "nothing is ticked for the clerk"
    );

    // Nothing changed by looking.
    app.with_conn(|c| {
        assert_eq!(suppliers::get(c, stanley).unwrap().company_number, None);
    });

    // A pair that is not a near miss is refused, and nothing is written.
    let token = clerk.csrf_from("/companies").await;
    let refused = clerk
        .post_form(
            "/companies/similar/accept",
            &[
                ("csrf_token", &token),
                ("pair", &format!("{gamma}:07000004")),
            ],
        )
        .await;
    assert_eq!(refused.status, 409, "{}", refused.body);
    assert!(refused.body.contains("are not similar names"));

    let accepted = clerk
        .post_form(
            "/companies/similar/accept",
            &[
                ("csrf_token", &token),
                ("pair", &format!("{stanley}:07000001")),
                ("pair", &format!("{dropped}:07000003")),
            ],
        )
        .await;
    assert_eq!(accepted.status, 303, "{}", accepted.body);
    app.with_conn(|c| {
        let s = suppliers::get(c, stanley).unwrap();
        assert_eq!(s.company_number.as_deref(), Some("07000001"));
        assert_eq!(s.postcode_registered.as_deref(), Some("PR1 1AA"));
        let latest = &suppliers::provenance(c, stanley).unwrap()[0];
        assert_eq!(latest.source, "companies_house");
        assert!(
            latest.evidence.ends_with(
                "company 07000001 (STANLEY BROTHERS (TIPPERS) LIMITED), similar name (100%) confirmed by a clerk"
            ),
            "{}",
            latest.evidence
        );
        assert_eq!(
            suppliers::get(c, dropped).unwrap().company_number.as_deref(),
            Some("07000003")
        );
        assert_eq!(suppliers::get(c, gamma).unwrap().company_number, None);
        assert_eq!(suppliers::get(c, typo).unwrap().company_number, None);
    });
    let after = similar_rows(&clerk.get("/companies").await.body);
    assert_eq!(
        after.len(),
        2,
        "accepted suppliers have a number now: {after:?}"
    );
}

#[actix_web::test]
async fn the_register_shows_suppliers_likely_to_be_one_organisation() {
    let app = spawn_app().await;
    load_companies(&app);
    let full = supplier(&app, "Lancaster Plumbing & Heating Services Ltd", "");
    let short = supplier(&app, "LANCASTER PLUMBING AND HEATING", "");
    let typo = supplier(&app, "Lancastr Plumbing and Heating", "");
    let other = supplier(&app, "Morecambe Plumbing and Heating", "");
    let same_key = supplier(&app, "Lancaster Plumbing & Heating Services", "");
    let roofing = supplier(&app, "Acme Roofing", "");
    let (clerk, _) = app
        .signed_in(
            "clerk",
            Role::Clerk,
            Some(app.add_institution("Preston City Council", "E07000123")),
        )
        .await;

    let page = clerk.get("/suppliers/similar").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("5 pairs."), "{}", page.body);
    // Same words once the legal form is set aside: listed as duplicates
    // elsewhere, not here.
    assert!(!page
        .body
        .contains(&format!("Merge no. {same_key} into no. {full}")));
    for (a, b) in [
        (full, short),
        (full, typo),
        (short, typo),
        (short, same_key),
        (typo, same_key),
    ] {
        assert!(
            page.body.contains(&format!("Merge no. {b} into no. {a}")),
            "pair {a}–{b}: {}",
            page.body
        );
    }
    assert!(
        !page.body.contains(&format!("no. {other})")),
        "Morecambe is another firm in the same trade"
    );

    // One supplier's page: its near misses among suppliers and companies.
    let one = clerk.get(&format!("/suppliers/{roofing}")).await;
    assert!(one.body.contains("Likely the same organisation"));
    assert!(one.body.contains("ACME ROOFING SERVICES LTD"));
    assert!(one
        .body
        .contains("Companies House, company 07000003, PR2 1AA"));
    let typo_page = clerk.get(&format!("/suppliers/{typo}")).await;
    assert!(typo_page
        .body
        .contains(&format!("href=\"/suppliers/{full}\"")));
    assert!(!typo_page
        .body
        .contains(&format!("href=\"/suppliers/{other}\"")));

    // Merging a pair is the ordinary merge: nothing happened before it.
    app.with_conn(|c| {
        assert!(suppliers::get(c, typo).unwrap().merged_into.is_none());
    });
    let token = clerk.csrf_from("/suppliers/similar").await;
    let merged = clerk
        .post_form(
            &format!("/suppliers/{short}/merge"),
            &[("csrf_token", &token), ("other", &typo.to_string())],
        )
        .await;
    assert_eq!(merged.status, 303);
    let after = clerk.get("/suppliers/similar").await;
    assert!(after.body.contains("2 pairs"), "{}", after.body);
}
