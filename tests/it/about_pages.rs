//! What every page says about the software itself: the licence, a link to
//! the source of the version running (as the AGPL asks of software used
//! over a network), and the accessibility statement.

use localspend::domain::Role;

use crate::common::{spawn_app, spawn_app_with};

#[actix_web::test]
async fn every_page_links_to_the_source_of_the_version_running_and_the_statement() {
    let app = spawn_app().await;
    let inst = app.add_institution("Preston City Council", "E07000123");
    let (clerk, _) = app.signed_in("clerk", Role::Clerk, Some(inst)).await;
    let version = env!("CARGO_PKG_VERSION");
    for (client, path) in [(&app.client(), "/login"), (&clerk, "/"), (&clerk, "/spend")] {
        let page = client.get(path).await;
        assert_eq!(page.status, 200, "{path}");
        assert!(
            page.body
                .contains("<a href=\"https://github.com/localspend/localspend\">Get the source code of this version</a>"),
            "{path}: {}",
            page.body
        );
        assert!(page.body.contains(&format!("localspend {version}: free software under the GNU Affero General Public License v3 or later")));
        assert!(page
            .body
            .contains("<a href=\"/accessibility\">Accessibility statement</a>"));
    }
    let licence = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/LICENSE"))
        .expect("a LICENSE file");
    assert!(licence.starts_with("GNU AFFERO GENERAL PUBLIC LICENSE\nVersion 3, 19 November 2007"));
    assert!(licence
        .contains("13. Remote Network Interaction; Use with the GNU General Public License."));
}

#[actix_web::test]
async fn a_modified_deployment_points_at_its_own_source() {
    let app = spawn_app_with(|c| c.source_url = "https://git.example.gov.uk/ls".into()).await;
    let page = app.client().get("/login").await;
    assert!(page.body.contains(
        "<a href=\"https://git.example.gov.uk/ls\">Get the source code of this version</a>"
    ));
    // A value that is not a web address is refused at start.
    let bad = localspend::config::Config::from_lookup(|name| {
        (name == "LOCALSPEND_SOURCE_URL").then(|| "javascript:alert(1)".to_owned())
    });
    assert!(bad.is_err_and(|e| e.to_string().contains("LOCALSPEND_SOURCE_URL")));
}

#[actix_web::test]
async fn the_accessibility_statement_is_open_to_all_and_says_what_was_tested() {
    let app = spawn_app().await;
    let page = app.client().get("/accessibility").await;
    assert_eq!(page.status, 200);
    let b = &page.body;
    assert!(b.contains("<title>Accessibility statement – localspend</title>"));
    for part in [
        "<h2>How accessible this website is</h2>",
        "<h2>Feedback and contact information</h2>",
        "<h2>Enforcement procedure</h2>",
        "<h3>Compliance status</h3>",
        "partially compliant with the Web Content Accessibility Guidelines version 2.2 AA",
        "<h3>Non-accessible content</h3>",
        "<h2>How we tested this application</h2>",
        "axe-core",
        "390 pixels wide",
        "<h2>Preparation of this accessibility statement</h2>",
    ] {
        assert!(b.contains(part), "{part}");
    }
    // Signed in, it shows the navigation too.
    let inst = app.add_institution("Preston City Council", "E07000123");
    let (clerk, _) = app.signed_in("clerk", Role::Clerk, Some(inst)).await;
    let page = clerk.get("/accessibility").await;
    assert!(page.body.contains("Sign out"));
}
