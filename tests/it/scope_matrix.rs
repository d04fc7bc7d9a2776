//! Every route that takes an institution, network or similar parameter,
//! asked by the staff of other institutions for institution A's data: those
//! of B (in a network with A), of C (in no network with A) and the
//! network-wide manager and auditor of C's network. Statuses are checked,
//! and so are bodies: a marker that exists only in A's data must never
//! appear in their responses, and nothing of A's may change. A route that
//! reads such a parameter without an entry here fails
//! `every_route_that_takes_a_scope_parameter_has_an_entry`.

use std::collections::BTreeSet;

use localspend::domain::Role;

use crate::common::*;

/// Text that only institution A's data holds.
const MARKERS: [&str; 2] = ["MARKER-OF-A", "markerperson"];

/// The query or form parameters that choose whose data a route acts on.
const SCOPE_PARAMETERS: [&str; 4] = ["institution", "network", "institution_id", "owner_id"];

struct Scoped {
    method: &'static str,
    path: &'static str,
    /// Form fields for a POST (placeholders as in `path`).
    form: &'static [(&'static str, &'static str)],
    /// The statuses B's staff may get.
    b: &'static [u16],
    /// The statuses C's staff may get.
    c: &'static [u16],
}

const fn scoped(
    method: &'static str,
    path: &'static str,
    form: &'static [(&'static str, &'static str)],
    b: &'static [u16],
    c: &'static [u16],
) -> Scoped {
    Scoped {
        method,
        path,
        form,
        b,
        c,
    }
}

const NO: &[u16] = &[403];
/// Served, but only with the visitor's own data (or refused).
const OWN: &[u16] = &[200, 403];

/// Placeholders: `{A}` institution A, `{N}` the network of A and B, `{LINE}`
/// a spend line of A, `{SUP}` a supplier with A's lines, `{USER}` a user of
/// A, `{DEF}` A's area definition.
const SCOPED: &[Scoped] = &[
    scoped("GET", "/suppliers/queue?institution_id={A}", &[], OWN, OWN),
    scoped(
        "POST",
        "/suppliers/{SUP}/quick",
        &[("institution_id", "{A}"), ("version", "1")],
        &[303, 403, 409, 422],
        &[303, 403, 409, 422],
    ),
    scoped("GET", "/reports?institution={A}", &[], NO, NO),
    scoped("GET", "/reports?network={N}&fy=2024", &[], &[200], NO),
    scoped(
        "GET",
        "/reports.csv?institution={A}&table=headline",
        &[],
        NO,
        NO,
    ),
    scoped(
        "GET",
        "/reports.csv?network={N}&fy=2024&table=headline",
        &[],
        &[200],
        NO,
    ),
    scoped(
        "GET",
        "/reports.csv?network={N}&fy=2024&table=department",
        &[],
        NO,
        NO,
    ),
    scoped(
        "GET",
        "/reports.csv?network={N}&fy=2024&table=category_by_area",
        &[],
        &[200],
        NO,
    ),
    scoped(
        "GET",
        "/reports.csv?network={N}&fy=2024&table=department_by_area",
        &[],
        NO,
        NO,
    ),
    scoped(
        "GET",
        "/reports.xlsx?institution={A}&table=headline",
        &[],
        NO,
        NO,
    ),
    scoped(
        "GET",
        "/reports.xlsx?network={N}&fy=2024&table=headline",
        &[],
        &[200],
        NO,
    ),
    scoped(
        "GET",
        "/reports.xlsx?network={N}&fy=2024&table=expense_type",
        &[],
        NO,
        NO,
    ),
    scoped("GET", "/reports/about.csv?institution={A}", &[], NO, NO),
    scoped(
        "GET",
        "/reports/about.csv?network={N}&fy=2024",
        &[],
        &[200],
        NO,
    ),
    scoped("GET", "/reports/audit.csv?institution={A}", &[], NO, NO),
    scoped("GET", "/reports/audit.csv?network={N}&fy=2024", &[], NO, NO),
    scoped("GET", "/reports/trend?institution={A}", &[], NO, NO),
    scoped("GET", "/reports/trend?network={N}", &[], &[200], NO),
    scoped("GET", "/reports/categories?institution={A}", &[], NO, NO),
    scoped("GET", "/reports/payments?institution={A}", &[], NO, NO),
    scoped(
        "GET",
        "/reports/payments.csv?institution={A}&table=over_30000",
        &[],
        NO,
        NO,
    ),
    // A network's payments: its members' aggregates, no member's payments.
    scoped("GET", "/reports/payments?network={N}", &[], &[200], NO),
    scoped(
        "GET",
        "/reports/payments.csv?network={N}&table=compliance",
        &[],
        &[200],
        NO,
    ),
    scoped(
        "GET",
        "/reports/categories?network={N}&fy=2024",
        &[],
        &[200],
        NO,
    ),
    scoped(
        "POST",
        "/reports/targets",
        &[
            ("owner_kind", "institution"),
            ("owner_id", "{A}"),
            ("fy", "2024"),
            ("version", "1"),
            ("target_1", "50"),
        ],
        NO,
        NO,
    ),
    scoped(
        "POST",
        "/reports/targets",
        &[
            ("owner_kind", "network"),
            ("owner_id", "{N}"),
            ("fy", "2024"),
            ("version", "1"),
            ("target_1", "50"),
        ],
        NO,
        NO,
    ),
    scoped("GET", "/spend?institution={A}", &[], OWN, OWN),
    scoped("GET", "/spend.csv?institution={A}", &[], OWN, OWN),
    scoped("GET", "/spend/years?institution={A}", &[], NO, NO),
    scoped(
        "GET",
        "/spend/years/close?institution={A}&fy=2024",
        &[],
        NO,
        NO,
    ),
    scoped(
        "POST",
        "/spend/years/close",
        &[
            ("institution", "{A}"),
            ("fy", "2024"),
            ("signed_off", "yes"),
        ],
        NO,
        NO,
    ),
    scoped(
        "GET",
        "/spend/years/reopen?institution={A}&fy=2024",
        &[],
        NO,
        NO,
    ),
    scoped(
        "POST",
        "/spend/years/reopen",
        &[("institution", "{A}"), ("fy", "2024"), ("note", "a reason")],
        NO,
        NO,
    ),
    scoped(
        "POST",
        "/spend",
        &[
            ("institution_id", "{A}"),
            ("payment_date", "01/05/2024"),
            ("amount", "5"),
            ("supplier", "Acme Ltd"),
            ("payment_type", "procurement"),
            ("vat_basis", "net"),
            ("version", "0"),
        ],
        NO,
        NO,
    ),
    // URL-encoded, not multipart: refused for the form (400) or the role (403).
    scoped(
        "POST",
        "/spend/imports",
        &[("institution_id", "{A}")],
        &[400, 403],
        &[400, 403],
    ),
    scoped(
        "POST",
        "/spend/{LINE}",
        &[
            ("institution_id", "{A}"),
            ("payment_date", "01/05/2024"),
            ("amount", "1"),
            ("supplier", "Acme Ltd"),
            ("payment_type", "procurement"),
            ("vat_basis", "net"),
            ("version", "1"),
        ],
        NO,
        NO,
    ),
    scoped(
        "POST",
        "/admin/users",
        &[
            ("username", "planted"),
            ("display_name", "Planted"),
            ("role", "admin"),
            ("institution_id", "{A}"),
            ("password", "a long enough passphrase"),
            ("confirm", "a long enough passphrase"),
        ],
        // An admin of B or C: the form refuses an institution it does not
        // list (422); other roles are refused (403). No user is made.
        &[403, 422],
        &[403, 422],
    ),
    scoped(
        "POST",
        "/admin/users/{USER}",
        &[
            ("display_name", "Taken over"),
            ("role", "admin"),
            ("institution_id", "{A}"),
            ("version", "1"),
        ],
        NO,
        NO,
    ),
    scoped(
        "GET",
        "/admin/area-definitions/{DEF}?institution={A}",
        &[],
        NO,
        NO,
    ),
    scoped("GET", "/admin/postcodes?institution_id={A}", &[], NO, NO),
    scoped("GET", "/admin/audit?institution_id={A}", &[], OWN, OWN),
];

#[test]
fn every_route_that_takes_a_scope_parameter_has_an_entry() {
    let route_of = |path: &str| {
        let mut route = path.split('?').next().unwrap().to_owned();
        for placeholder in ["{LINE}", "{SUP}", "{USER}", "{DEF}"] {
            route = route.replace(placeholder, "{id}");
        }
        route
    };
    let listed: BTreeSet<(String, String)> = SCOPED
        .iter()
        .map(|e| (e.method.to_owned(), route_of(e.path)))
        .collect();
    let scoped = routes_reading_a_scope_parameter();
    assert!(
        scoped.len() >= 10,
        "the scan finds the routes it must: {scoped:?}"
    );
    let missing: Vec<_> = scoped
        .iter()
        .filter(|route| !listed.contains(route))
        .collect();
    assert!(
        missing.is_empty(),
        "routes that read a scope parameter with no entry in SCOPED: {missing:?}"
    );
}

/// Reads `src/`: every route whose handler takes a query or form struct with
/// a scope parameter among its fields (flattened structs included), or reads
/// one by name from a multipart form.
fn routes_reading_a_scope_parameter() -> BTreeSet<(String, String)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut sources = Vec::new();
    let mut dirs = vec![root.clone()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                sources.push((path.clone(), std::fs::read_to_string(&path).unwrap()));
            }
        }
    }
    let routes = std::fs::read_to_string(root.join("routes.rs")).unwrap();
    let mut found = BTreeSet::new();
    for line in routes.lines() {
        let line = line.trim();
        let Some((method, rest)) = line.split_once(' ') else {
            continue;
        };
        if method != "get" && method != "post" {
            continue;
        }
        let Some((path, handler)) = rest.split_once("=>") else {
            continue;
        };
        let path = path.trim().trim_matches('"');
        let handler = handler.trim().trim_end_matches(';');
        let (module, function) = handler.rsplit_once("::").unwrap();
        let module_path = root.join("handlers").join(module.replace("::", "/"));
        let candidates = sources
            .iter()
            .filter(|(p, _)| p.with_extension("") == module_path || p.starts_with(&module_path));
        for (_, text) in candidates {
            let Some(start) = text.find(&format!("pub async fn {function}(")) else {
                continue;
            };
            let rest = &text[start..];
            let params = &rest[..rest.find(") ->").unwrap_or(rest.len())];
            let body_end = rest[1..]
                .find("\npub async fn ")
                .map_or(rest.len(), |e| e + 1);
            let body = &rest[..body_end];
            let mut names: Vec<String> = Vec::new();
            for wrapper in ["Query<", "CsrfForm<", "Form<"] {
                for piece in params.split(wrapper).skip(1) {
                    let ty = piece.split('>').next().unwrap();
                    names.push(ty.rsplit("::").next().unwrap().to_owned());
                }
            }
            let reads = names
                .iter()
                .any(|ty| struct_has_scope_field(&sources, ty, 2))
                || SCOPE_PARAMETERS
                    .iter()
                    .any(|p| body.contains(&format!("field(\"{p}\")")));
            if reads {
                found.insert((method.to_uppercase(), path.to_owned()));
            }
            break;
        }
    }
    found
}

fn struct_has_scope_field(sources: &[(std::path::PathBuf, String)], name: &str, depth: u8) -> bool {
    let header = format!("struct {name} {{");
    sources.iter().any(|(_, text)| {
        let Some(start) = text.find(&header) else {
            return false;
        };
        let body = &text[start + header.len()..];
        let body = &body[..body.find("\n}").unwrap_or(body.len())];
        body.lines().any(|l| {
            let l = l.trim().trim_start_matches("pub ");
            let Some((field, ty)) = l.split_once(':') else {
                return false;
            };
            SCOPE_PARAMETERS.contains(&field.trim())
                || (depth > 0
                    && struct_has_scope_field(
                        sources,
                        ty.trim().trim_end_matches(',').rsplit("::").next().unwrap(),
                        depth - 1,
                    ))
        })
    })
}

#[actix_web::test]
async fn other_institutions_staff_never_reach_institution_as_data() {
    use crate::spend_ledger::{add_line, add_supplier, lines_of};
    let app = spawn_app().await;
    let a = app.add_institution("Preston City Council", "E07000123");
    let b = app.add_institution("South Ribble Borough Council", "E07000126");
    let c = app.add_institution("Manchester City Council", "E08000003");
    let network = app.add_network("Preston anchors", &[a, b]);
    let elsewhere = app.add_network("Manchester anchors", &[c]);
    let supplier = add_supplier(&app, "Acme Ltd");
    let (clerk_a, user_a) = app.signed_in("markerperson", Role::Clerk, Some(a)).await;
    add_line(
        &clerk_a,
        a,
        &[
            ("payment_date", "01/05/2024"),
            ("amount", "100"),
            ("supplier", "Acme Ltd"),
            ("description", "MARKER-OF-A description"),
            ("department", "MARKER-OF-A department"),
            ("transaction_ref", "MARKER-OF-A-REF"),
        ],
    )
    .await;
    let line = lines_of(&app, a)[0].id;
    let definition = app.with_conn(|conn| {
        localspend::db::areas::current(conn, localspend::db::areas::Owner::Institution(a))
            .unwrap()
            .unwrap()
            .id
    });
    app.with_conn(|conn| {
        localspend::db::suppliers::add_external_id(
            conn,
            &localspend::db::audit::Actor::system("test"),
            supplier,
            a,
            "MARKER-OF-A-VENDOR",
        )
        .unwrap()
    });
    let fill = |text: &str| {
        text.replace("{A}", &a.to_string())
            .replace("{N}", &network.to_string())
            .replace("{LINE}", &line.to_string())
            .replace("{SUP}", &supplier.to_string())
            .replace("{USER}", &user_a.id.to_string())
            .replace("{DEF}", &definition.to_string())
    };
    let mut failures = Vec::new();
    // Institution staff, and the network-wide manager and auditor of a
    // network A is not in (theirs is C's).
    let personas = [
        ("b-clerk", Role::Clerk, Some(b), true),
        ("b-manager", Role::Manager, Some(b), true),
        ("b-auditor", Role::Auditor, Some(b), true),
        ("b-admin", Role::Admin, Some(b), true),
        ("c-clerk", Role::Clerk, Some(c), false),
        ("c-manager", Role::Manager, Some(c), false),
        ("c-auditor", Role::Auditor, Some(c), false),
        ("c-admin", Role::Admin, Some(c), false),
        ("m-manager", Role::Manager, None, false),
        ("m-auditor", Role::Auditor, None, false),
    ];
    for (name, role, institution, in_network) in personas {
        let client = match institution {
            Some(institution) => app.signed_in(name, role, Some(institution)).await.0,
            None => app.signed_in_network(name, role, elsewhere).await,
        };
        let token = client.csrf_from("/account/password").await;
        for e in SCOPED {
            let path = fill(e.path);
            let res = if e.method == "GET" {
                client.get(&path).await
            } else {
                let mut fields: Vec<(String, String)> = vec![("csrf_token".into(), token.clone())];
                fields.extend(e.form.iter().map(|(k, v)| (k.to_string(), fill(v))));
                crate::spend_ledger::post(&client, &path, fields).await
            };
            let allowed = if in_network { e.b } else { e.c };
            if !allowed.contains(&res.status) {
                failures.push(format!(
                    "{name} {} {path}: got {}, want one of {allowed:?}",
                    e.method, res.status
                ));
            }
            for marker in MARKERS {
                if res.body.contains(marker) {
                    failures.push(format!(
                        "{name} {} {path}: the body shows {marker}",
                        e.method
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "scope failures:\n{}",
        failures.join("\n")
    );
    // Nothing of A's changed.
    let lines = lines_of(&app, a);
    assert_eq!(lines.len(), 1);
    assert_eq!((lines[0].amount_pence, lines[0].version), (10_000, 1));
    let targets = app.audit_rows("report_targets");
    assert!(targets.is_empty(), "{targets:#?}");
    let planted =
        app.with_conn(|conn| localspend::db::users::find_by_username(conn, "planted").unwrap());
    assert!(planted.is_none(), "no user was made in A");
    let user = app.with_conn(|conn| localspend::db::users::get(conn, user_a.id).unwrap());
    assert_eq!(
        (user.display_name.as_str(), user.version),
        ("markerperson person", 1)
    );
}
