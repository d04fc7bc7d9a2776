//! Every route × every kind of visitor, with the status each must get. Adding
//! a route without adding it here fails `the_matrix_covers_every_route`.

use std::collections::BTreeSet;

use localspend::domain::Role;
use localspend::routes::ROUTES;

use crate::common::{spawn_app, TestClient};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Persona {
    Anonymous,
    NetworkAdmin,
    /// Admin of institution A, which the `{id}` routes below refer to.
    AdminA,
    ManagerA,
    ClerkA,
    AuditorA,
    /// An admin of another institution, B.
    AdminB,
}
use Persona::*;

const PERSONAS: [Persona; 7] = [
    Anonymous,
    NetworkAdmin,
    AdminA,
    ManagerA,
    ClerkA,
    AuditorA,
    AdminB,
];

/// Who may use a route.
#[derive(Debug, Clone, Copy)]
enum Access {
    Public,
    SignedIn,
    /// Any admin, each seeing their own scope.
    Admins,
    /// Admins and auditors, each seeing their own scope.
    AuditReaders,
    NetworkAdminOnly,
    /// Admins who cover institution A: the network admin and A's admin.
    AdminsOfA,
    /// Clerks and admins of any institution: the register is shared.
    Editors,
    /// Clerks and admins who cover institution A (its spend and imports).
    EditorsOfA,
    /// Clerks and admins of an institution, each for its own files (not
    /// network-wide users, who have none).
    InstitutionEditors,
    /// Managers and admins (each for what they cover).
    TargetSetters,
}

impl Access {
    fn allows(self, p: Persona) -> bool {
        match self {
            Access::Public => true,
            Access::SignedIn => p != Anonymous,
            Access::Admins => matches!(p, NetworkAdmin | AdminA | AdminB),
            Access::AuditReaders => matches!(p, NetworkAdmin | AdminA | AdminB | AuditorA),
            Access::NetworkAdminOnly => p == NetworkAdmin,
            Access::AdminsOfA => matches!(p, NetworkAdmin | AdminA),
            Access::Editors => matches!(p, NetworkAdmin | AdminA | ClerkA | AdminB),
            Access::EditorsOfA => matches!(p, NetworkAdmin | AdminA | ClerkA),
            Access::InstitutionEditors => matches!(p, AdminA | ClerkA | AdminB),
            Access::TargetSetters => matches!(p, NetworkAdmin | AdminA | ManagerA | AdminB),
        }
    }
}

struct Entry {
    method: &'static str,
    route: &'static str,
    access: Access,
    /// The status when allowed: GET pages render (200); posts of an empty
    /// form fail validation (422) or sign-in (401); some always redirect.
    allowed: u16,
}

const fn entry(method: &'static str, route: &'static str, access: Access, allowed: u16) -> Entry {
    Entry {
        method,
        route,
        access,
        allowed,
    }
}

/// Sign-out is listed last: it ends the visitor's session.
const MATRIX: &[Entry] = &[
    entry("GET", "/", Access::SignedIn, 200),
    entry("GET", "/healthz", Access::Public, 200),
    entry("GET", "/accessibility", Access::Public, 200),
    entry("GET", "/static/app.css", Access::Public, 200),
    entry("GET", "/static/spend.js", Access::Public, 200),
    entry("GET", "/login", Access::Public, 200),
    entry("POST", "/login", Access::Public, 401),
    // Setup links are dead once a user exists: 404 for everyone.
    entry("GET", "/setup/{token}", Access::Public, 404),
    entry("POST", "/setup/{token}", Access::Public, 404),
    entry("GET", "/account/password", Access::SignedIn, 200),
    entry("POST", "/account/password", Access::SignedIn, 422),
    entry("GET", "/suppliers", Access::SignedIn, 200),
    entry("GET", "/suppliers/new", Access::Editors, 200),
    entry("GET", "/suppliers.csv", Access::SignedIn, 200),
    entry("GET", "/suppliers/import", Access::Editors, 200),
    // URL-encoded instead of multipart (400).
    entry("POST", "/suppliers/import", Access::Editors, 400),
    entry("GET", "/suppliers/queue", Access::Editors, 200),
    entry("GET", "/suppliers/suggestions", Access::Editors, 200),
    entry("GET", "/suppliers/similar", Access::Editors, 200),
    entry(
        "GET",
        "/suppliers/proposals",
        Access::InstitutionEditors,
        200,
    ),
    // URL-encoded instead of multipart (400).
    entry(
        "POST",
        "/suppliers/proposals/master",
        Access::InstitutionEditors,
        400,
    ),
    // Nothing ticked (400).
    entry(
        "POST",
        "/suppliers/proposals/accept",
        Access::InstitutionEditors,
        400,
    ),
    // No choice made (400).
    entry(
        "POST",
        "/suppliers/proposals/{id}/resolve",
        Access::InstitutionEditors,
        400,
    ),
    // Nothing ticked (400).
    entry(
        "POST",
        "/suppliers/suggestions/accept",
        Access::Editors,
        400,
    ),
    entry("POST", "/suppliers", Access::Editors, 422),
    entry("GET", "/suppliers/{id}", Access::SignedIn, 200),
    entry("GET", "/suppliers/{id}/edit", Access::Editors, 200),
    entry("POST", "/suppliers/{id}", Access::Editors, 422),
    // An empty merge form names no supplier to merge (400).
    entry("POST", "/suppliers/{id}/merge", Access::Editors, 400),
    // A quick edit without the version it was loaded at may overwrite
    // someone else's save, so it is refused (409).
    entry("POST", "/suppliers/{id}/quick", Access::Editors, 409),
    // The `{alias}` is the supplier's own name, which cannot be split off (409).
    entry(
        "POST",
        "/suppliers/{id}/aliases/{alias}/split",
        Access::Editors,
        409,
    ),
    // No name chosen to split off (400).
    entry("POST", "/suppliers/{id}/split", Access::Editors, 400),
    // An empty id is refused (400); the network admin has no institution (400 too).
    entry("POST", "/suppliers/{id}/external-ids", Access::Editors, 400),
    // Undoing a merge that is already undone (409): admins only.
    entry("POST", "/supplier-merges/{id}/undo", Access::Admins, 409),
    entry("GET", "/suppliers/lookup", Access::SignedIn, 200),
    // Each visitor reports on the institutions they cover (their own by default).
    entry("GET", "/reports", Access::SignedIn, 200),
    entry("GET", "/reports.csv", Access::SignedIn, 200),
    entry("GET", "/reports.xlsx", Access::SignedIn, 200),
    entry("GET", "/reports/about.csv", Access::SignedIn, 200),
    entry("GET", "/reports/audit.csv", Access::SignedIn, 200),
    entry("GET", "/reports/trend", Access::SignedIn, 200),
    entry("GET", "/reports/categories", Access::SignedIn, 200),
    // The network admin covers every institution: each sees its own first.
    entry("GET", "/reports/payments", Access::SignedIn, 200),
    entry("GET", "/reports/payments.csv", Access::SignedIn, 200),
    // An empty form names no institution (400); clerks and auditors may not set targets.
    entry("POST", "/reports/targets", Access::TargetSetters, 400),
    // Each visitor sees the spend of the institutions they cover.
    entry("GET", "/spend", Access::SignedIn, 200),
    entry("GET", "/spend.csv", Access::SignedIn, 200),
    entry("GET", "/spend/new", Access::Editors, 200),
    entry("POST", "/spend", Access::Editors, 422),
    // Each visitor sees the years of an institution they cover.
    entry("GET", "/spend/years", Access::SignedIn, 200),
    // No year named (400): managers and admins close years, admins reopen them.
    entry("GET", "/spend/years/close", Access::TargetSetters, 400),
    entry("POST", "/spend/years/close", Access::TargetSetters, 400),
    entry("GET", "/spend/years/reopen", Access::Admins, 400),
    entry("POST", "/spend/years/reopen", Access::Admins, 400),
    entry("GET", "/spend/imports", Access::Editors, 200),
    // URL-encoded instead of multipart (400).
    entry("POST", "/spend/imports", Access::Editors, 400),
    // No set named: nothing waiting to import (400).
    entry("POST", "/spend/imports/all", Access::Editors, 400),
    // `{id}` is an import batch of A that was committed and then undone.
    entry("GET", "/spend/imports/{id}", Access::EditorsOfA, 200),
    // An empty mapping names no columns (422).
    entry("POST", "/spend/imports/{id}/map", Access::EditorsOfA, 422),
    // An undone batch cannot be committed, cancelled or undone again (400).
    entry(
        "POST",
        "/spend/imports/{id}/commit",
        Access::EditorsOfA,
        400,
    ),
    entry(
        "POST",
        "/spend/imports/{id}/cancel",
        Access::EditorsOfA,
        400,
    ),
    entry("POST", "/spend/imports/{id}/undo", Access::AdminsOfA, 400),
    // The rows left out of it (none: a header-only CSV).
    entry(
        "GET",
        "/spend/imports/{id}/left-out.csv",
        Access::EditorsOfA,
        200,
    ),
    // `{id}` is a spend line of A.
    entry("GET", "/spend/{id}/edit", Access::EditorsOfA, 200),
    entry("POST", "/spend/{id}", Access::EditorsOfA, 422),
    // A delete without the version it was shown at may undo someone's edit (409).
    entry("POST", "/spend/{id}/delete", Access::EditorsOfA, 409),
    // The line is not deleted (409).
    entry("POST", "/spend/{id}/restore", Access::AdminsOfA, 409),
    entry(
        "GET",
        "/admin/institutions/{id}/payment-types",
        Access::AdminsOfA,
        200,
    ),
    // Rules saved without the version they were shown at may undo someone's
    // edit (409).
    entry(
        "POST",
        "/admin/institutions/{id}/payment-types",
        Access::AdminsOfA,
        409,
    ),
    entry("GET", "/companies", Access::Editors, 200),
    // URL-encoded instead of multipart (400).
    entry("POST", "/companies", Access::NetworkAdminOnly, 400),
    // No supplier ticked (400).
    entry("POST", "/companies/proposals/accept", Access::Editors, 400),
    // Nothing ticked.
    entry("POST", "/companies/similar/accept", Access::Editors, 400),
    // No source named (400).
    entry("POST", "/companies/conflicts/resolve", Access::Editors, 400),
    entry("GET", "/charities", Access::Editors, 200),
    // URL-encoded instead of multipart (400).
    entry("POST", "/charities", Access::NetworkAdminOnly, 400),
    // No supplier ticked (400).
    entry("POST", "/charities/proposals/accept", Access::Editors, 400),
    entry("GET", "/admin/institutions", Access::Admins, 200),
    entry(
        "GET",
        "/admin/institutions/new",
        Access::NetworkAdminOnly,
        200,
    ),
    entry("POST", "/admin/institutions", Access::NetworkAdminOnly, 422),
    entry(
        "GET",
        "/admin/institutions/{id}/edit",
        Access::AdminsOfA,
        200,
    ),
    entry("POST", "/admin/institutions/{id}", Access::AdminsOfA, 422),
    entry("GET", "/admin/networks", Access::NetworkAdminOnly, 200),
    entry("GET", "/admin/networks/new", Access::NetworkAdminOnly, 200),
    entry("POST", "/admin/networks", Access::NetworkAdminOnly, 422),
    entry(
        "GET",
        "/admin/networks/{id}/edit",
        Access::NetworkAdminOnly,
        200,
    ),
    entry(
        "POST",
        "/admin/networks/{id}",
        Access::NetworkAdminOnly,
        422,
    ),
    entry("GET", "/admin/users", Access::Admins, 200),
    entry("GET", "/admin/users/new", Access::Admins, 200),
    entry("POST", "/admin/users", Access::Admins, 422),
    entry("GET", "/admin/users/{id}/edit", Access::AdminsOfA, 200),
    entry("POST", "/admin/users/{id}", Access::AdminsOfA, 422),
    entry("POST", "/admin/users/{id}/password", Access::AdminsOfA, 422),
    entry(
        "GET",
        "/admin/institutions/{id}/area",
        Access::AdminsOfA,
        200,
    ),
    entry(
        "POST",
        "/admin/institutions/{id}/area",
        Access::AdminsOfA,
        422,
    ),
    entry(
        "GET",
        "/admin/networks/{id}/area",
        Access::NetworkAdminOnly,
        200,
    ),
    entry(
        "POST",
        "/admin/networks/{id}/area",
        Access::NetworkAdminOnly,
        422,
    ),
    // A version of institution A's definition.
    entry(
        "GET",
        "/admin/area-definitions/{id}",
        Access::AdminsOfA,
        200,
    ),
    entry(
        "GET",
        "/admin/reference-figures",
        Access::NetworkAdminOnly,
        200,
    ),
    entry(
        "GET",
        "/admin/reference-figures/new",
        Access::NetworkAdminOnly,
        200,
    ),
    entry(
        "POST",
        "/admin/reference-figures",
        Access::NetworkAdminOnly,
        422,
    ),
    // A shipped figure.
    entry(
        "GET",
        "/admin/reference-figures/{id}/edit",
        Access::NetworkAdminOnly,
        200,
    ),
    entry(
        "POST",
        "/admin/reference-figures/{id}",
        Access::NetworkAdminOnly,
        422,
    ),
    // Version 0 is never current: refused as stale (409), nothing removed.
    entry(
        "POST",
        "/admin/reference-figures/{id}/delete",
        Access::NetworkAdminOnly,
        409,
    ),
    entry("GET", "/admin/geography", Access::Admins, 200),
    entry("GET", "/admin/erasure", Access::Admins, 200),
    // No name given (422).
    entry("POST", "/admin/erasure", Access::Admins, 422),
    entry("GET", "/admin/postcodes", Access::NetworkAdminOnly, 200),
    // The matrix posts a URL-encoded form: an upload must be multipart (400).
    entry("POST", "/admin/postcodes", Access::NetworkAdminOnly, 400),
    // A network-wide job: only network-wide admins see it.
    entry("GET", "/admin/jobs/{id}", Access::NetworkAdminOnly, 200),
    entry("GET", "/admin/audit", Access::AuditReaders, 200),
    entry("GET", "/admin/audit.csv", Access::AuditReaders, 200),
    entry("POST", "/logout", Access::Public, 303),
];

#[test]
fn the_matrix_covers_every_route() {
    let served: BTreeSet<(&str, &str)> = ROUTES.iter().copied().collect();
    let listed: BTreeSet<(&str, &str)> = MATRIX.iter().map(|e| (e.method, e.route)).collect();
    let missing: Vec<_> = served.difference(&listed).collect();
    let stale: Vec<_> = listed.difference(&served).collect();
    assert!(
        missing.is_empty(),
        "routes with no authorisation entry: {missing:?}"
    );
    assert!(
        stale.is_empty(),
        "entries for routes that no longer exist: {stale:?}"
    );
    assert_eq!(MATRIX.len(), ROUTES.len(), "each route listed once");
}

#[actix_web::test]
async fn every_route_answers_every_visitor_as_it_must() {
    let app = spawn_app().await;
    let a = app.add_institution("Institution A", "E07000123");
    let b = app.add_institution("Institution B", "E08000003");
    let network = app.with_conn(|c| {
        let input = localspend::db::networks::NetworkInput {
            name: "Net".into(),
            description: String::new(),
            member_ids: vec![a, b],
        };
        let gazetteer = localspend::db::geography::load(c).unwrap();
        let actor = localspend::db::audit::Actor::system("test");
        localspend::db::networks::create(c, &actor, &input, &gazetteer)
            .unwrap()
            .network
            .id
    });
    let definition_of_a = app.with_conn(|c| {
        localspend::db::areas::current(c, localspend::db::areas::Owner::Institution(a))
            .unwrap()
            .unwrap()
            .id
    });
    let (supplier, own_alias, undone_merge) = app.with_conn(|c| {
        use localspend::db::suppliers;
        use localspend::domain::supplier::{Source, SupplierFields};
        let actor = localspend::db::audit::Actor::system("test");
        let input = |name: &str| {
            SupplierFields {
                name: name.into(),
                ..Default::default()
            }
            .parse()
            .unwrap()
        };
        let kept = suppliers::create(c, &actor, &input("Acme Ltd"), Source::Clerk, "").unwrap();
        let other =
            suppliers::create(c, &actor, &input("Acme Limited"), Source::Clerk, "").unwrap();
        let record = suppliers::merge(c, &actor, kept.id, other.id).unwrap();
        suppliers::undo_merge(c, &actor, record).unwrap();
        (
            kept.id,
            suppliers::aliases(c, kept.id).unwrap()[0].id,
            record,
        )
    });
    let (line_of_a, batch_of_a) = app.with_conn(|c| {
        use localspend::db::{imports, spend};
        use localspend::domain::spend::LineFields;
        let actor = localspend::db::audit::Actor::system("test");
        let input = LineFields {
            institution_id: a.to_string(),
            payment_date: "01/04/2024".into(),
            amount: "100".into(),
            supplier: "Acme Ltd".into(),
            payment_type: "procurement".into(),
            ..Default::default()
        }
        .parse()
        .unwrap();
        let line = spend::create(c, &actor, &input, Some(supplier)).unwrap();
        let file = b"Date,Supplier,Amount\n01/04/2024,Acme Ltd,1.00\n";
        let layout = localspend::import::spend_file::detect(file, true).unwrap();
        let settings = localspend::import::spend_file::propose(&layout);
        let batch = imports::create(
            c,
            &actor,
            a,
            "a.csv",
            "hash",
            40,
            &layout,
            &settings,
            imports::status::COMMITTED,
        )
        .unwrap();
        imports::undo(c, &actor, batch).unwrap();
        (line.id, batch)
    });
    let job = app.with_conn(|c| {
        localspend::db::jobs::create(c, "postcode_import", "test", None, None).unwrap()
    });
    // The `{id}` user is a clerk of A who is never used to sign in.
    let target = app.add_user("target", Role::Clerk, Some(a));

    let mut failures = Vec::new();
    for persona in PERSONAS {
        let client = match persona {
            Anonymous => app.client(),
            NetworkAdmin => app.signed_in("netadmin", Role::Admin, None).await.0,
            AdminA => app.signed_in("admina", Role::Admin, Some(a)).await.0,
            ManagerA => app.signed_in("managera", Role::Manager, Some(a)).await.0,
            ClerkA => app.signed_in("clerka", Role::Clerk, Some(a)).await.0,
            AuditorA => app.signed_in("auditora", Role::Auditor, Some(a)).await.0,
            AdminB => app.signed_in("adminb", Role::Admin, Some(b)).await.0,
        };
        let token = page_token(&client, persona).await;
        for e in MATRIX {
            let id = if e.route.starts_with("/admin/users/") {
                target.id
            } else if e.route.starts_with("/admin/networks/") {
                network
            } else if e.route.starts_with("/admin/area-definitions/") {
                definition_of_a
            } else if e.route.starts_with("/admin/reference-figures/") {
                1
            } else if e.route.starts_with("/admin/jobs/") {
                job
            } else if e.route.starts_with("/spend/imports/") {
                batch_of_a
            } else if e.route.starts_with("/spend/") {
                line_of_a
            } else if e.route.starts_with("/suppliers/") {
                supplier
            } else if e.route.starts_with("/supplier-merges/") {
                undone_merge
            } else {
                a
            };
            let path = e
                .route
                .replace("{id}", &id.to_string())
                .replace("{token}", "deadbeef")
                .replace("{alias}", &own_alias.to_string());
            let res = match e.method {
                "GET" => client.get(&path).await,
                _ => client.post_form(&path, &[("csrf_token", &token)]).await,
            };
            let expected = if e.access.allows(persona) {
                e.allowed
            } else if persona == Anonymous {
                303
            } else {
                403
            };
            let to_login = res.location().is_some_and(|l| l.starts_with("/login"));
            let login_redirect_right =
                expected != 303 || persona != Anonymous || e.access.allows(persona) || to_login;
            if res.status != expected || !login_redirect_right {
                failures.push(format!(
                    "{persona:?} {} {path}: got {}, want {expected}",
                    e.method, res.status
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "authorisation mismatches:\n{}",
        failures.join("\n")
    );
}

/// A valid CSRF token for this visitor's session, so the matrix tests
/// authorisation rather than CSRF.
async fn page_token(client: &TestClient, persona: Persona) -> String {
    let page = if persona == Anonymous {
        "/login"
    } else {
        "/account/password"
    };
    client.csrf_from(page).await
}
