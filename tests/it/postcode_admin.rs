//! Loading a postcode release through the browser: upload, background job
//! with progress in the database, and the postcode check tool.

use std::time::Duration;

use localspend::db::{jobs, postcodes};
use localspend::domain::Role;

use crate::common::{shared_data, spawn_app, TestApp, TestClient};

async fn wait_for_job(app: &TestApp, id: i64) -> jobs::Job {
    for _ in 0..200 {
        let job = app.with_conn(|c| jobs::get(c, id).unwrap());
        if job.is_finished() {
            return job;
        }
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("job {id} did not finish");
}

async fn upload(
    client: &TestClient,
    name: &str,
    filename: &str,
    bytes: &[u8],
) -> crate::common::Resp {
    let token = client.csrf_from("/admin/postcodes").await;
    client
        .post_multipart(
            "/admin/postcodes",
            &[("csrf_token", &token), ("name", name)],
            ("file", filename, bytes),
        )
        .await
}

#[actix_web::test]
async fn an_uploaded_release_loads_in_the_background_and_can_be_checked() {
    let app = spawn_app().await;
    let preston = app.add_institution("Preston City Council", "E07000123");
    let (admin, _) = app.signed_in("root", Role::Admin, None).await;
    let page = admin.get("/admin/postcodes").await;
    assert!(page.body.contains("No postcode lookup is loaded yet"));

    let bytes = std::fs::read(shared_data("geo/codepoint-open-2014-08/pr.csv")).unwrap();
    let res = upload(&admin, "Code-Point PR 2014", "pr.csv", &bytes).await;
    assert_eq!(res.status, 303, "{}", res.body);
    let location = res.location().unwrap().to_owned();
    let id: i64 = location
        .strip_prefix("/admin/jobs/")
        .unwrap()
        .parse()
        .unwrap();
    let job = wait_for_job(&app, id).await;
    assert_eq!(job.status, "succeeded", "{}", job.message);
    assert_eq!(job.percent(), 100);
    assert_eq!(job.done_units, job.total_units);

    let progress = admin.get(&location).await;
    assert!(
        progress
            .body
            .contains("Release Code-Point PR 2014 in use: 12691 postcodes"),
        "{}",
        progress.body
    );
    assert!(progress.body.contains("value=\"100\""));
    assert!(
        !progress.body.contains("http-equiv=\"refresh\""),
        "a finished job stops refreshing"
    );

    let page = admin.get("/admin/postcodes").await;
    assert!(page.body.contains("In use: Code-Point PR 2014"));
    let check = admin
        .get(&format!(
            "/admin/postcodes?postcode=pr10ad&institution_id={preston}"
        ))
        .await;
    assert!(
        check
            .body
            .contains("PR1 0AD → South Ribble (E07000126) → tier 2 &#39;Lancashire&#39;")
            || check
                .body
                .contains("PR1 0AD → South Ribble (E07000126) → tier 2 'Lancashire'"),
        "{}",
        check.body
    );
    assert!(check.body.contains("postcode lookup Code-Point PR 2014"));
}

#[actix_web::test]
async fn a_bad_upload_fails_visibly_and_keeps_the_release_in_use() {
    let app = spawn_app().await;
    let (admin, _) = app.signed_in("root", Role::Admin, None).await;
    let good = std::fs::read(shared_data("geo/codepoint-open-2014-08/fy.csv")).unwrap();
    let res = upload(&admin, "FY", "fy.csv", &good).await;
    let first = wait_for_job(
        &app,
        res.location()
            .unwrap()
            .rsplit('/')
            .next()
            .unwrap()
            .parse()
            .unwrap(),
    )
    .await;
    assert_eq!(first.status, "succeeded");

    let mut cut = good.clone();
    cut.truncate(good.len() / 2);
    while cut.last() != Some(&b',') {
        cut.pop();
    }
    let res = upload(&admin, "FY broken", "fy.csv", &cut).await;
    let location = res.location().unwrap().to_owned();
    let failed = wait_for_job(&app, location.rsplit('/').next().unwrap().parse().unwrap()).await;
    assert_eq!(failed.status, "failed");
    let page = admin.get(&location).await;
    assert!(page.body.contains("The load failed"));
    assert!(
        page.body.contains("the previous release is still in use"),
        "{}",
        page.body
    );
    assert!(page.body.contains("cut short"), "{}", page.body);
    assert_eq!(
        app.with_conn(|c| postcodes::active(c).unwrap().unwrap().name),
        "FY"
    );
}

#[actix_web::test]
async fn an_upload_without_its_csrf_token_first_is_refused() {
    let app = spawn_app().await;
    let (admin, _) = app.signed_in("root", Role::Admin, None).await;
    let res = admin
        .post_multipart(
            "/admin/postcodes",
            &[("name", "x")],
            ("file", "x.csv", b"pcds,oslaua\nPR1 2HE,E07000123\n"),
        )
        .await;
    assert_eq!(res.status, 403);
    let res = admin
        .post_multipart(
            "/admin/postcodes",
            &[("csrf_token", "forged")],
            ("file", "x.csv", b"pcds\n"),
        )
        .await;
    assert_eq!(res.status, 403);
    assert!(app
        .with_conn(|c| jobs::recent(c, "postcode_import", 5).unwrap())
        .is_empty());
    let token = admin.csrf_from("/admin/postcodes").await;
    let empty = admin
        .post_multipart(
            "/admin/postcodes",
            &[("csrf_token", &token)],
            ("file", "", b""),
        )
        .await;
    assert_eq!(empty.status, 422);
    assert!(empty
        .body
        .contains("Choose the ONSPD, NSPL or Code-Point Open file"));
}

#[actix_web::test]
async fn the_geography_page_lists_districts_with_parents_and_successors() {
    let app = spawn_app().await;
    let (admin, _) = app.signed_in("root", Role::Admin, None).await;
    let page = admin.get("/admin/geography").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("<td>Preston</td>"));
    assert!(page.body.contains("Lancashire (E10000017)"));
    assert!(page.body.contains("Caerdydd"));
    assert!(
        page.body
            .contains("Abolished 01/04/2023; now North Yorkshire (E06000065)"),
        "Craven's successor"
    );
}
