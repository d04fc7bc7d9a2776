//! The demo network: built through the same import path as real files, with
//! a login for each role and a local share that rises year on year.

use localspend::db::imports;

use crate::common::spawn_app;

#[actix_web::test]
async fn the_demo_network_signs_in_and_its_local_share_rises() {
    let app = spawn_app().await;
    let logins = app.with_conn(|c| {
        let gazetteer = localspend::db::geography::load(c).unwrap();
        localspend::demo::seed(c, &gazetteer).unwrap()
    });
    let roles: Vec<&str> = logins.0.iter().map(|(r, _, _)| *r).collect();
    assert_eq!(
        roles,
        ["admin (whole network)", "manager", "clerk", "auditor"]
    );
    // Twenty-five files, each imported whole.
    let batches = app
        .with_conn(|c| imports::recent(c, &localspend::domain::account::Reach::All, 100).unwrap());
    assert_eq!(batches.len(), 25);
    assert!(batches
        .iter()
        .all(|b| b.status == imports::status::COMMITTED));

    let (_, username, password) = &logins.0[1];
    let client = app.client();
    assert_eq!(
        client.login(username, password).await.status,
        303,
        "the printed login works"
    );
    let trend = client.get("/reports/trend").await.body;
    // The first table: the innermost area's share, year by year.
    let trend = &trend[trend.find("<h2>The innermost area").unwrap()..];
    let trend = &trend[..trend.find("</table>").unwrap()];
    let shares: Vec<f64> = trend
        .match_indices("<tr><th scope=\"row\">20")
        .map(|(i, _)| {
            let row = &trend[i..i + trend[i..].find("</tr>").unwrap()];
            let cells: Vec<&str> = row.split("<td class=\"num\">").skip(1).collect();
            cells[1]
                .trim_end_matches("</td>")
                .trim_end_matches('%')
                .parse()
                .unwrap()
        })
        .collect();
    assert_eq!(shares.len(), 5, "five financial years: {trend}");
    assert!(shares.windows(2).all(|w| w[1] > w[0]), "rising: {shares:?}");
    let dashboard = client.get("/reports").await.body;
    assert!(
        dashboard.contains("less <a"),
        "public-body payments are excluded"
    );
    assert!(dashboard.contains("Location unknown"));
    // Some suppliers are left for the clerk to classify.
    let (_, clerk_name, clerk_password) = &logins.0[2];
    let clerk = app.client();
    assert_eq!(clerk.login(clerk_name, clerk_password).await.status, 303);
    let queue = clerk.get("/suppliers?status=unclassified").await.body;
    assert!(queue.contains(" suppliers."), "{queue}");
    assert!(!queue.contains(">0 suppliers."));
}
