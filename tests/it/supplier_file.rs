//! Supplier register CSV: export, edit in a spreadsheet, import back; all or
//! nothing, with per-row errors.

use localspend::db::audit::Actor;
use localspend::db::suppliers;
use localspend::domain::supplier::{Source, SupplierFields};
use localspend::domain::Role;

use crate::common::{spawn_app, TestClient};

async fn upload(client: &TestClient, csv: &str) -> crate::common::Resp {
    let token = client.csrf_from("/suppliers/import").await;
    client
        .post_multipart(
            "/suppliers/import",
            &[("csrf_token", &token)],
            ("file", "suppliers.csv", csv.as_bytes()),
        )
        .await
}

#[actix_web::test]
async fn an_exported_register_edited_in_a_spreadsheet_imports_back() {
    let app = spawn_app().await;
    let preston = app.add_institution("Preston City Council", "E07000123");
    let (clerk, _) = app.signed_in("clerk", Role::Clerk, Some(preston)).await;
    let ids: Vec<i64> = ["Acme Ltd", "=HYPERLINK(\"http://x\")", "Lancashire Mind"]
        .iter()
        .map(|n| {
            let input = SupplierFields {
                name: (*n).into(),
                ..Default::default()
            }
            .parse()
            .unwrap();
            app.with_conn(|c| {
                suppliers::create(c, &Actor::system("test"), &input, Source::Import, "")
                    .unwrap()
                    .id
            })
        })
        .collect();
    let export = clerk.get("/suppliers.csv").await;
    assert_eq!(export.status, 200);
    let text = export.body.trim_start_matches('\u{feff}').to_owned();
    assert!(text.contains("'=HYPERLINK"), "formula neutralised: {text}");
    assert_eq!(
        text.lines().next().unwrap(),
        localspend::register::supplier_file::COLUMNS.join(",")
    );

    // Fill in a postcode, a size and a flag for Acme, as a clerk would in a spreadsheet.
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader.headers().unwrap().clone();
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(&headers).unwrap();
    for record in reader.records() {
        let mut r: Vec<String> = record.unwrap().iter().map(str::to_owned).collect();
        if r[0] == ids[0].to_string() {
            r[5] = "pr1 2he".into();
            r[12] = "small".into();
            r[13] = "employees".into();
            r[22] = "yes".into();
        }
        out.write_record(&r).unwrap();
    }
    let edited = String::from_utf8(out.into_inner().unwrap()).unwrap();
    let res = upload(&clerk, &edited).await;
    assert_eq!(res.status, 303, "{}", res.body);
    app.with_conn(|c| {
        let acme = suppliers::get(c, ids[0]).unwrap();
        assert_eq!(acme.postcode_registered.as_deref(), Some("PR1 2HE"));
        assert_eq!(acme.size_band.as_deref(), Some("small"));
        assert!(acme.is_public_body);
        let p = suppliers::provenance(c, ids[0]).unwrap();
        assert_eq!(p[0].source, "import");
        assert!(
            p[0].evidence.starts_with("suppliers.csv, row "),
            "{}",
            p[0].evidence
        );
        let tricky = suppliers::get(c, ids[1]).unwrap();
        assert_eq!(
            tricky.name, "=HYPERLINK(\"http://x\")",
            "the round trip restores protected text"
        );
        assert_eq!(tricky.version, 1, "unchanged rows are not touched");
    });
}

#[actix_web::test]
async fn one_bad_row_stops_the_whole_import_and_every_problem_is_listed() {
    let app = spawn_app().await;
    let (clerk, _) = app.signed_in("root", Role::Admin, None).await;
    let input = SupplierFields {
        name: "Acme Ltd".into(),
        ..Default::default()
    }
    .parse()
    .unwrap();
    let id = app.with_conn(|c| {
        suppliers::create(c, &Actor::system("test"), &input, Source::Import, "")
            .unwrap()
            .id
    });
    let csv = format!(
        "supplier_id,name,postcode_registered,size_band,version\n{id},Acme Ltd,PR1 2HE,micro,1\n999,Ghost Ltd,,,1\n{id},Acme Ltd,PR1 2CE,,1\n"
    );
    let res = upload(&clerk, &csv).await;
    assert_eq!(res.status, 422);
    assert!(res.body.contains("Nothing was imported"));
    assert!(res.body.contains("Row 2: size_definition"), "{}", res.body);
    assert!(res.body.contains("Row 3: there is no supplier 999"));
    assert!(res.body.contains("Row 4: postcode_registered"));
    let acme = app.with_conn(|c| suppliers::get(c, id).unwrap());
    assert_eq!(acme.postcode_registered, None, "nothing applied");

    let stale = format!("supplier_id,name,version\n{id},Acme Trading Ltd,0\n");
    let res = upload(&clerk, &stale).await;
    assert_eq!(res.status, 422);
    assert!(res
        .body
        .contains("has changed since this file was exported"));
}
