//! Every source of evidence: the institution's supplier master file becomes
//! proposals (a postcode found inside an address line, identifiers checked,
//! invalid ones listed), accepted in bulk with their provenance; a value
//! that disagrees with the register is a conflict a clerk resolves.

use localspend::db::audit::Actor;
use localspend::db::suppliers;
use localspend::domain::supplier::{Source, SupplierFields};
use localspend::domain::Role;

use crate::common::{spawn_app, TestApp, TestClient};

pub(crate) fn supplier_with(app: &TestApp, fields: SupplierFields, source: Source) -> i64 {
    let input = fields.parse().unwrap();
    app.with_conn(|c| {
        suppliers::create(c, &Actor::system("test"), &input, source, "set by test")
            .unwrap()
            .id
    })
}

fn named(app: &TestApp, name: &str) -> i64 {
    supplier_with(
        app,
        SupplierFields {
            name: name.into(),
            ..Default::default()
        },
        Source::Import,
    )
}

const MASTER: &str = "Supplier No,Supplier Name,Address Line 1,Address Line 2,Town,Post Code,Company Reg No,Charity No,VAT Reg,VCSE\r\n\
V100,Anything Ltd,Unit 4 Riverside,Preston PR1 8XY,,,1234567,,GB 123 4567 89,N\r\n\
V200,Brown & Sons Builders,1 Mill Lane,,Halifax,HX1 1UJ,,1123456,,Y\r\n\
V300,Carters Ltd,,,,,NOT-A-NUMBER,,,maybe\r\n\
V400,Nobody Here,,,,,,,,\r\n\
V500,Delta Care,,,Leeds,LS1 1AB,,,,\r\n\
,,,,,,,,,\r\n";

async fn upload(clerk: &TestClient, name: &str, body: &str) -> crate::common::Resp {
    let token = clerk.csrf_from("/suppliers/proposals").await;
    clerk
        .post_multipart(
            "/suppliers/proposals/master",
            &[("csrf_token", &token)],
            ("file", name, body.as_bytes()),
        )
        .await
}

/// The proposal rows of the page: (supplier, what, value).
fn rows(body: &str, section: &str) -> Vec<(String, String, String)> {
    // The proposals table starts with its tick box; the conflicts table not.
    let first = usize::from(section.contains("Proposals"));
    crate::common::table_rows(body, section)
        .into_iter()
        .map(|c| (c[first].clone(), c[first + 1].clone(), c[first + 2].clone()))
        .collect()
}

/// The proposals the page ticks for acceptance.
fn proposal_ids(body: &str) -> Vec<String> {
    body.match_indices("name=\"proposal\" value=\"")
        .map(|(i, m)| {
            let rest = &body[i + m.len()..];
            rest[..rest.find('"').unwrap()].to_owned()
        })
        .collect()
}

/// Accepts every proposal the page ticks, as the clerk's button does.
async fn accept_all_ticked(clerk: &TestClient) {
    let page = clerk.get("/suppliers/proposals").await;
    let ids = proposal_ids(&page.body);
    let token = crate::common::csrf_token(&page.body);
    let mut form: Vec<(&str, &str)> = vec![("csrf_token", &token)];
    form.extend(ids.iter().map(|i| ("proposal", i.as_str())));
    let accepted = clerk.post_form("/suppliers/proposals/accept", &form).await;
    assert_eq!(accepted.status, 303, "{}", accepted.body);
}

#[actix_web::test]
async fn a_supplier_master_file_proposes_postcodes_and_identifiers_and_conflicts_wait_for_a_clerk()
{
    let app = spawn_app().await;
    let council = app.add_institution("Calderdale Council", "E08000033");
    let anything = named(&app, "Anything (Holdings) Ltd");
    let brown = named(&app, "Brown and Sons Builders");
    let carters = named(&app, "Carters Limited");
    let delta = supplier_with(
        &app,
        SupplierFields {
            name: "Delta Care".into(),
            postcode_invoice: "PR1 2HE".into(),
            location_basis: "invoice".into(),
            ..Default::default()
        },
        Source::Clerk,
    );
    app.with_conn(|c| {
        suppliers::add_external_id(c, &Actor::system("test"), anything, council, "V100").unwrap();
    });
    let (clerk, _) = app.signed_in("clerk", Role::Clerk, Some(council)).await;

    let read = upload(&clerk, "vendors.csv", MASTER).await;
    assert_eq!(read.status, 200, "{}", read.body);
    assert!(
        read.body.contains("5 supplier rows: 1 matched by your supplier id, 3 by name, 1 not on the register. 7 values proposed (7 new)."),
        "{}",
        read.body
    );
    assert!(read.body.contains("Row 4: Companies House number: “NOT-A-NUMBER” is not a valid Companies House number; left out"));
    assert!(read
        .body
        .contains("Row 4: VCSE organisation: “maybe” is neither yes nor no; left out"));
    assert!(read.body.contains("Row 5: Nobody Here"));
    let proposed = rows(&read.body, "<h2>Proposals</h2>");
    let expect = |s: &str, w: &str, v: &str| (s.to_owned(), w.to_owned(), v.to_owned());
    assert_eq!(
        proposed,
        [
            expect("Anything (Holdings) Ltd", "Invoice address postcode", "PR1 8XY"),
            expect("Anything (Holdings) Ltd", "Companies House number", "01234567"),
            expect("Anything (Holdings) Ltd", "VAT number", "GB123456789"),
            expect("Brown and Sons Builders", "Invoice address postcode", "HX1 1UJ"),
            expect("Brown and Sons Builders", "Charity number", "1123456"),
            expect("Brown and Sons Builders", "VCSE organisation", "yes"),
        ],
        "the postcode inside an address line is found; a VCSE “N” for an unflagged supplier changes nothing"
    );
    let conflicts = rows(&read.body, "id=\"conflicts\"");
    assert_eq!(conflicts.len(), 1, "{conflicts:?}");
    assert_eq!(conflicts[0].0, "Delta Care");
    assert!(
        conflicts[0]
            .2
            .starts_with("PR1 2HE Clerk&#39;s judgement: set by test"),
        "{:?}",
        conflicts[0]
    );
    // Reading changed nothing on the register.
    app.with_conn(|c| {
        assert_eq!(suppliers::get(c, anything).unwrap().postcode_invoice, None);
        assert_eq!(suppliers::get(c, carters).unwrap().company_number, None);
    });
    // The same file again proposes nothing new.
    let again = upload(&clerk, "vendors.csv", MASTER).await;
    assert!(
        again.body.contains("7 values proposed (0 new)."),
        "{}",
        again.body
    );

    // Accept everything ticked: conflicts are not among them.
    let page = clerk.get("/suppliers/proposals").await;
    assert_eq!(proposal_ids(&page.body).len(), 6);
    accept_all_ticked(&clerk).await;
    app.with_conn(|c| {
        let a = suppliers::get(c, anything).unwrap();
        assert_eq!(a.postcode_invoice.as_deref(), Some("PR1 8XY"));
        assert_eq!(
            a.location_basis, "invoice",
            "the invoice address locates it"
        );
        assert_eq!(a.company_number.as_deref(), Some("01234567"));
        assert_eq!(a.vat_number.as_deref(), Some("GB123456789"));
        let latest = &suppliers::provenance(c, anything).unwrap()[0];
        assert_eq!(latest.source, "import");
        assert!(
            latest
                .evidence
                .starts_with("supplier master file, vendors.csv, ")
                && latest.evidence.ends_with(", row 2"),
            "{}",
            latest.evidence
        );
        let b = suppliers::get(c, brown).unwrap();
        assert!(b.is_vcse);
        assert_eq!(b.charity_number.as_deref(), Some("1123456"));
        assert_eq!(
            suppliers::get(c, delta)
                .unwrap()
                .postcode_invoice
                .as_deref(),
            Some("PR1 2HE"),
            "a conflict is not applied by the bulk accept"
        );
    });
    let after = clerk.get("/suppliers/proposals").await;
    assert!(after.body.contains("No proposals waiting."));
    assert_eq!(rows(&after.body, "id=\"conflicts\"").len(), 1);

    // A later file disagrees with a value accepted from the first: a conflict
    // naming where the register's value came from.
    let second = "Vendor ID,Vendor Name,Postcode\r\nV100,Anything Ltd,PR2 9ZZ\r\n";
    let read2 = upload(&clerk, "vendors-december.csv", second).await;
    assert!(
        read2.body.contains("1 value proposed (1 new)."),
        "{}",
        read2.body
    );
    let conflicts = rows(&read2.body, "id=\"conflicts\"");
    assert_eq!(conflicts.len(), 2, "{conflicts:?}");
    let anything_conflict = conflicts
        .iter()
        .find(|c| c.0 == "Anything (Holdings) Ltd")
        .unwrap();
    assert!(
        anything_conflict
            .2
            .starts_with("PR1 8XY Supplier file import: supplier master file, vendors.csv"),
        "{anything_conflict:?}"
    );

    // Resolve: keep the register's value for Delta, take the file's for Anything.
    let conflict_ids: Vec<String> = read2
        .body
        .match_indices("/suppliers/proposals/")
        .filter_map(|(i, m)| {
            let rest = &read2.body[i + m.len()..];
            let id = &rest[..rest.find('/')?];
            (rest[id.len()..].starts_with("/resolve") && id.parse::<i64>().is_ok())
                .then(|| id.to_owned())
        })
        .collect();
    assert_eq!(conflict_ids.len(), 2);
    let delta_id = &conflict_ids[if conflicts[0].0 == "Delta Care" { 0 } else { 1 }];
    let anything_id = &conflict_ids[if conflicts[0].0 == "Delta Care" { 1 } else { 0 }];
    let token = clerk.csrf_from("/suppliers/proposals").await;
    let kept = clerk
        .post_form(
            &format!("/suppliers/proposals/{delta_id}/resolve"),
            &[("csrf_token", &token), ("keep", "register")],
        )
        .await;
    assert_eq!(kept.status, 303);
    let used = clerk
        .post_form(
            &format!("/suppliers/proposals/{anything_id}/resolve"),
            &[("csrf_token", &token), ("keep", "file")],
        )
        .await;
    assert_eq!(used.status, 303, "{}", used.body);
    app.with_conn(|c| {
        assert_eq!(
            suppliers::get(c, delta)
                .unwrap()
                .postcode_invoice
                .as_deref(),
            Some("PR1 2HE")
        );
        let a = suppliers::get(c, anything).unwrap();
        assert_eq!(a.postcode_invoice.as_deref(), Some("PR2 9ZZ"));
        let latest = &suppliers::provenance(c, anything).unwrap()[0];
        assert!(
            latest.evidence.contains("vendors-december.csv")
                && latest.evidence.contains("chosen over PR1 8XY"),
            "{}",
            latest.evidence
        );
    });
    let rejected = app.audit_rows("supplier_proposal");
    assert_eq!(
        rejected.iter().filter(|r| r.action == "reject").count(),
        1,
        "keeping the register's value is audited"
    );
    assert_eq!(
        rejected.iter().filter(|r| r.action == "create").count(),
        3,
        "each file read is audited"
    );
    let done = clerk.get("/suppliers/proposals").await;
    assert!(rows(&done.body, "id=\"conflicts\"").is_empty());

    // Another institution's clerk sees none of this institution's proposals,
    // and cannot decide them.
    let other = app.add_institution("Kirklees Council", "E08000034");
    let (stranger, _) = app.signed_in("stranger", Role::Clerk, Some(other)).await;
    let upload3 = upload(
        &clerk,
        "vendors.csv",
        "Vendor ID,Postcode\r\nV100,PR3 3AA\r\n",
    )
    .await;
    assert!(upload3.body.contains("1 value proposed"));
    assert!(!stranger
        .get("/suppliers/proposals")
        .await
        .body
        .contains("Anything"));
    let id = upload3
        .body
        .match_indices("/suppliers/proposals/")
        .find_map(|(i, m)| {
            let rest = &upload3.body[i + m.len()..];
            let id = &rest[..rest.find('/')?];
            id.parse::<i64>().ok()
        })
        .unwrap();
    let t = stranger.csrf_from("/suppliers/proposals").await;
    let refused = stranger
        .post_form(
            &format!("/suppliers/proposals/{id}/resolve"),
            &[("csrf_token", &t), ("keep", "file")],
        )
        .await;
    assert_eq!(refused.status, 404);
}

#[actix_web::test]
async fn a_file_that_is_not_a_supplier_export_is_refused_with_the_reason() {
    let app = spawn_app().await;
    let council = app.add_institution("Calderdale Council", "E08000033");
    let (clerk, _) = app.signed_in("clerk", Role::Clerk, Some(council)).await;
    let res = upload(&clerk, "spend.csv", "Date,Amount\r\n01/04/2024,12.00\r\n").await;
    assert_eq!(res.status, 422);
    assert!(res
        .body
        .contains("names neither a supplier id nor a supplier name"));
    assert!(res.body.contains("<title>Error: Proposals from your files"));
    assert!(res.body.contains("<h2>There is a problem</h2>"));
    assert!(
        res.body
            .contains("<li><a href=\"#file\">Row 1: The header row")
            && res.body.contains("<input id=\"file\""),
        "the summary's link lands on the file field"
    );
    assert!(app.audit_rows("supplier_proposal").is_empty());
}

#[actix_web::test]
async fn a_spend_files_vcse_and_identifier_columns_become_proposals_for_existing_suppliers_too() {
    use crate::spend_files::import_json;
    let app = spawn_app().await;
    let inst = app.add_institution("Calderdale Council", "E08000033");
    let dir = tempfile::tempdir().unwrap();
    let header = "Date,Supplier(Beneficiary) Name,Supplier Registered Company Number,Supplier Registered Charity Number,VAT Registration Number,Net Amount,Voluntary Community and Social Enterprise Supplier\n";
    let april = dir.path().join("2021-04.csv");
    std::fs::write(
        &april,
        format!(
            "{header}01/04/2021,Green Futures CIC,,,,100.00,Y\n02/04/2021,Acme Plumbing Ltd,1234567,,,200.00,\n03/04/2021,Acme Plumbing Ltd,,,,50.00,maybe\n"
        ),
    )
    .unwrap();
    let (ok, json, err) = import_json(
        &app.db,
        &inst.to_string(),
        &[&april],
        &["--dates", "day-first"],
    );
    assert!(ok, "{err} {json}");
    let file = &json["files"][0];
    assert_eq!(file["committed"]["suppliers_created"], 2);
    assert_eq!(
        file["committed"]["proposals"], 1,
        "the new supplier's VCSE flag is proposed, its company number taken as it is created"
    );
    let warnings: Vec<String> = file["preview"]["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| format!("{}: {}", w["row"], w["message"].as_str().unwrap()))
        .collect();
    assert!(
        warnings.contains(&"4: VCSE flag “maybe” is neither yes nor no: left out".to_owned()),
        "{warnings:?}"
    );

    // The suppliers exist now: May's file proposes for them.
    let may = dir.path().join("2021-05.csv");
    std::fs::write(
        &may,
        format!(
            "{header}04/05/2021,Acme Plumbing Ltd,07654321,1123456,GB123456789,10.00,N\n05/05/2021,Green Futures CIC,,,,20.00,Y\n06/05/2021,Acme Plumbing Ltd,ABC!!,,,5.00,\n"
        ),
    )
    .unwrap();
    let (ok, json, err) = import_json(
        &app.db,
        &inst.to_string(),
        &[&may],
        &["--dates", "day-first"],
    );
    assert!(ok, "{err} {json}");
    let file = &json["files"][0];
    assert_eq!(
        file["committed"]["proposals"], 3,
        "Acme's company number (a conflict), charity and VAT numbers; Green's flag is proposed already"
    );
    let warnings = file["preview"]["warnings"].to_string();
    assert!(
        warnings.contains("ABC!!"),
        "an invalid identifier is listed: {warnings}"
    );

    let (clerk, _) = app.signed_in("clerk", Role::Clerk, Some(inst)).await;
    let page = clerk.get("/suppliers/proposals").await;
    let expect = |s: &str, w: &str, v: &str| (s.to_owned(), w.to_owned(), v.to_owned());
    assert_eq!(
        rows(&page.body, "<h2>Proposals</h2>"),
        [
            expect("Green Futures CIC", "VCSE organisation", "yes"),
            expect("Acme Plumbing Ltd", "Charity number", "1123456"),
            expect("Acme Plumbing Ltd", "VAT number", "GB123456789"),
        ]
    );
    let conflicts = rows(&page.body, "id=\"conflicts\"");
    assert_eq!(conflicts.len(), 1);
    assert_eq!(
        (conflicts[0].0.as_str(), conflicts[0].1.as_str()),
        ("Acme Plumbing Ltd", "Companies House number")
    );
    assert!(
        conflicts[0]
            .2
            .starts_with("01234567 Supplier file import: Named in spend file 2021-04.csv"),
        "{conflicts:?}"
    );
    assert!(
        page.body
            .contains("spend file 2021-05.csv (batch 2), row 2"),
        "{}",
        page.body
    );
    app.with_conn(|c| {
        let green = suppliers::search(c, &Default::default(), 10, 0).unwrap().0;
        assert!(
            green.iter().all(|s| !s.is_vcse),
            "a file's flag is a proposal, never applied by the import"
        );
    });
}

#[actix_web::test]
async fn sme_flags_in_spend_and_master_files_become_size_proposals_that_reports_count_once_accepted(
) {
    use crate::spend_files::import_json;
    let app = spawn_app().await;
    let inst = app.add_institution("Calderdale Council", "E08000033");
    let sized = |name: &str, band: &str| {
        supplier_with(
            &app,
            SupplierFields {
                name: name.into(),
                size_band: band.into(),
                size_definition: "employees".into(),
                ..Default::default()
            },
            Source::Clerk,
        )
    };
    let small = sized("Small Joinery Ltd", "small");
    let big = sized("Big Facilities Plc", "large");
    let dir = tempfile::tempdir().unwrap();
    let april = dir.path().join("2021-04.csv");
    std::fs::write(
        &april,
        "Date,Supplier Name,Net Amount,SME Flag\n\
         01/04/2021,Green Futures CIC,100.00,Y\n\
         02/04/2021,Acme Plumbing Ltd,200.00,Non-SME\n\
         03/04/2021,Small Joinery Ltd,300.00,SME\n\
         04/04/2021,Big Facilities Plc,400.00,yes\n\
         05/04/2021,Carters Ltd,50.00,perhaps\n",
    )
    .unwrap();
    let (ok, json, err) = import_json(
        &app.db,
        &inst.to_string(),
        &[&april],
        &["--dates", "day-first"],
    );
    assert!(ok, "{err} {json}");
    let file = &json["files"][0];
    assert!(
        file["mapping"].to_string().contains("\"sme_flag\""),
        "the column is recognised: {}",
        file["mapping"]
    );
    assert_eq!(
        file["committed"]["proposals"], 3,
        "Green (SME) and Acme (not an SME) are new facts, Big's “yes” contradicts its band; Small's agrees"
    );
    assert!(
        file["preview"]["warnings"]
            .to_string()
            .contains("SME flag “perhaps” is neither yes nor no: left out"),
        "{}",
        file["preview"]["warnings"]
    );

    // The master file's SME column reaches a supplier the spend file did
    // not flag.
    let (clerk, _) = app.signed_in("clerk", Role::Clerk, Some(inst)).await;
    let read = upload(
        &clerk,
        "vendors.csv",
        "Supplier Name,Is SME\r\nCarters Ltd,N\r\n",
    )
    .await;
    assert_eq!(read.status, 200, "{}", read.body);
    let page = clerk.get("/suppliers/proposals").await;
    let expect = |s: &str, v: &str| {
        (
            s.to_owned(),
            "SME (small or medium-sized enterprise)".to_owned(),
            v.to_owned(),
        )
    };
    assert_eq!(
        rows(&page.body, "<h2>Proposals</h2>"),
        [
            expect("Green Futures CIC", "yes"),
            expect("Acme Plumbing Ltd", "no"),
            expect("Carters Ltd", "no"),
        ]
    );
    let conflicts = rows(&page.body, "id=\"conflicts\"");
    assert_eq!(conflicts.len(), 1, "{conflicts:?}");
    assert_eq!(conflicts[0].0, "Big Facilities Plc");
    assert!(conflicts[0].2.starts_with("no "), "{conflicts:?}");
    app.with_conn(|c| {
        let (all, _) = suppliers::search(c, &Default::default(), 10, 0).unwrap();
        let unsized_ = all
            .iter()
            .filter(|s| s.id != small && s.id != big)
            .all(|s| s.size_band.is_none());
        assert!(unsized_, "nothing is applied before a clerk accepts");
    });

    accept_all_ticked(&clerk).await;
    let green = app.with_conn(|c| {
        let (all, _) = suppliers::search(c, &Default::default(), 10, 0).unwrap();
        let band = |name: &str| {
            let s = all.iter().find(|s| s.name == name).unwrap();
            (s.size_band.clone(), s.size_definition.clone())
        };
        let flag = (Some("sme_flag".to_owned()),);
        assert_eq!(
            band("Green Futures CIC"),
            (Some("sme".into()), flag.0.clone())
        );
        assert_eq!(
            band("Acme Plumbing Ltd"),
            (Some("large".into()), flag.0.clone())
        );
        assert_eq!(band("Carters Ltd"), (Some("large".into()), flag.0));
        assert_eq!(
            band("Big Facilities Plc").0.as_deref(),
            Some("large"),
            "the conflict waits for its own decision"
        );
        all.iter()
            .find(|s| s.name == "Green Futures CIC")
            .unwrap()
            .id
    });
    app.with_conn(|c| {
        let latest = &suppliers::provenance(c, green).unwrap()[0];
        assert_eq!(latest.field, "size");
        assert!(
            latest.evidence.contains("spend file 2021-04.csv"),
            "{}",
            latest.evidence
        );
    });

    let (manager, _) = app.signed_in("manager", Role::Manager, Some(inst)).await;
    let csv = manager
        .get(&format!(
            "/reports.csv?institution={inst}&fy=2021&table=size"
        ))
        .await
        .body;
    let size = crate::reports::table(&csv);
    let row = |label: &str| size.iter().find(|r| r[0] == label).cloned();
    let pounds = |label: &str| row(label).map(|r| (r[1].clone(), r[3].clone()));
    assert_eq!(
        pounds("SME, band not stated"),
        Some(("100.00".into(), "1".into()))
    );
    assert_eq!(pounds("Small"), Some(("300.00".into(), "1".into())));
    assert_eq!(
        pounds("SME (micro, small and medium)"),
        Some(("400.00".into(), "2".into())),
        "the SME total counts a flagged SME with the banded ones: {size:?}"
    );
    assert_eq!(
        pounds("Large"),
        Some(("650.00".into(), "3".into())),
        "{size:?}"
    );
}
