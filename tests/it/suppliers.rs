//! The supplier register through the browser: provenance, search, location
//! explanation, concurrency, merge, undo and split.

use localspend::db::audit::Actor;
use localspend::db::suppliers::{self, SupplierFilter};
use localspend::domain::Role;
use localspend::import::postcode_release::import_release;

use crate::common::{shared_data, spawn_app, TestApp, TestClient};

fn load_pr_postcodes(app: &TestApp) {
    let files = [shared_data("geo/codepoint-open-2014-08/pr.csv")];
    import_release(
        &mut app.conn(),
        &files,
        "Code-Point PR",
        &Actor::system("test"),
        &mut |_, _| {},
    )
    .unwrap();
}

pub(crate) async fn add(client: &TestClient, fields: &[(&str, &str)]) -> i64 {
    let res = client.submit("/suppliers/new", "/suppliers", fields).await;
    assert_eq!(res.status, 303, "{}", res.body);
    res.location()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

#[actix_web::test]
async fn a_classified_supplier_shows_where_it_counts_and_who_said_so() {
    let app = spawn_app().await;
    load_pr_postcodes(&app);
    let preston = app.add_institution("Preston City Council", "E07000123");
    let (clerk, _) = app.signed_in("clerk", Role::Clerk, Some(preston)).await;
    let id = add(
        &clerk,
        &[
            ("name", "Ribble Valley Joinery Ltd"),
            ("company_number", "4567890"),
            ("postcode_registered", "pr10ad"),
            ("location_basis", "registered_office"),
            ("size_band", "small"),
            ("size_definition", "employees"),
            ("employees", "14"),
            ("is_employee_owned", "on"),
            ("sic_codes", "16230"),
            ("living_wage", "yes"),
            ("source", "self_declaration"),
            ("evidence", "Supplier questionnaire March 2025"),
        ],
    )
    .await;
    let page = clerk.get(&format!("/suppliers/{id}")).await;
    assert_eq!(page.status, 200);
    assert!(
        page.body
            .contains("PR1 0AD → South Ribble (E07000126) → tier 2 &#39;Lancashire&#39;")
            || page
                .body
                .contains("PR1 0AD → South Ribble (E07000126) → tier 2 'Lancashire'"),
        "{}",
        page.body
    );
    assert!(page.body.contains("local-area definition version 1"));
    assert!(page.body.contains("Company 04567890"));
    assert!(
        page.body.contains("Supplier&#39;s own declaration")
            || page.body.contains("Supplier's own declaration")
    );
    assert!(page.body.contains("Supplier questionnaire March 2025"));
    assert!(page.body.contains("clerk person (clerk)"));
    let saved = app.with_conn(|c| suppliers::provenance(c, id).unwrap());
    let fields: Vec<&str> = saved.iter().map(|p| p.field.as_str()).collect();
    for f in [
        "identity",
        "location",
        "size",
        "type",
        "sector",
        "living_wage",
    ] {
        assert!(fields.contains(&f), "{f} provenance recorded: {fields:?}");
    }
    assert!(saved.iter().all(|p| p.source == "self_declaration"));
}

#[actix_web::test]
async fn an_edit_records_provenance_only_for_what_changed_and_a_manual_location_needs_a_reason() {
    let app = spawn_app().await;
    let preston = app.add_institution("Preston City Council", "E07000123");
    let (clerk, _) = app.signed_in("clerk", Role::Clerk, Some(preston)).await;
    let id = add(
        &clerk,
        &[
            ("name", "Acme Catering Ltd"),
            ("postcode_registered", "M1 1AE"),
        ],
    )
    .await;
    let edit = format!("/suppliers/{id}/edit");
    let action = format!("/suppliers/{id}");

    let res = clerk
        .submit(
            &edit,
            &action,
            &[
                ("name", "Acme Catering Ltd"),
                ("postcode_registered", "M1 1AE"),
                ("override_place", "E07000123"),
                ("version", "1"),
            ],
        )
        .await;
    assert_eq!(res.status, 422);
    assert!(res.body.contains("a manual location needs a justification"));
    assert!(
        res.body.contains("value=\"E07000123\""),
        "what was typed is kept"
    );

    let res = clerk
        .submit(
            &edit,
            &action,
            &[
                ("name", "Acme Catering Ltd"),
                ("postcode_registered", "M1 1AE"),
                ("override_place", "E07000123"),
                (
                    "override_justification",
                    "Kitchen in Preston delivers all our meals",
                ),
                ("version", "1"),
            ],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    let provenance = app.with_conn(|c| suppliers::provenance(c, id).unwrap());
    assert_eq!(
        provenance[0].field, "location",
        "newest first: only location changed"
    );
    assert_eq!(provenance.iter().filter(|p| p.field == "size").count(), 0);
    let page = clerk.get(&action).await;
    assert!(
        page.body
            .contains("Manual override by clerk person (clerk): Preston (E07000123)"),
        "{}",
        page.body
    );
}

#[actix_web::test]
async fn two_clerks_editing_one_supplier_never_overwrite_each_other() {
    let app = spawn_app().await;
    let preston = app.add_institution("Preston City Council", "E07000123");
    let (alice, _) = app.signed_in("alice", Role::Clerk, Some(preston)).await;
    let (bob, _) = app.signed_in("bob", Role::Clerk, Some(preston)).await;
    let id = add(&alice, &[("name", "Acme Ltd")]).await;
    let (edit, action) = (format!("/suppliers/{id}/edit"), format!("/suppliers/{id}"));
    let alice_token = alice.csrf_from(&edit).await;
    let bob_token = bob.csrf_from(&edit).await;
    let res = alice
        .post_form(
            &action,
            &[
                ("csrf_token", &alice_token),
                ("name", "Acme Ltd"),
                ("size_band", "micro"),
                ("size_definition", "employees"),
                ("version", "1"),
            ],
        )
        .await;
    assert_eq!(res.status, 303);
    let res = bob
        .post_form(
            &action,
            &[
                ("csrf_token", &bob_token),
                ("name", "Acme Ltd"),
                ("postcode_registered", "PR1 2HE"),
                ("version", "1"),
            ],
        )
        .await;
    assert_eq!(res.status, 409);
    assert!(res.body.contains("Someone else saved this supplier"));
    assert!(
        res.body.contains("size micro"),
        "says what the other person saved: {}",
        res.body
    );
    assert!(
        res.body.contains("value=\"PR1 2HE\""),
        "keeps what Bob typed"
    );
    let saved = app.with_conn(|c| suppliers::get(c, id).unwrap());
    assert_eq!(
        (saved.size_band.as_deref(), saved.postcode_registered),
        (Some("micro"), None)
    );
}

#[actix_web::test]
async fn search_finds_names_aliases_and_identifiers_and_filters_unclassified() {
    let app = spawn_app().await;
    let preston = app.add_institution("Preston City Council", "E07000123");
    let (clerk, _) = app.signed_in("clerk", Role::Clerk, Some(preston)).await;
    let acme = add(
        &clerk,
        &[
            ("name", "The Acme Company Limited"),
            ("company_number", "SC123456"),
        ],
    )
    .await;
    add(
        &clerk,
        &[
            ("name", "Lancashire Mind"),
            ("charity_number", "1088866"),
            ("postcode_registered", "PR1 2HE"),
            ("size_band", "small"),
            ("size_definition", "employees"),
            ("is_charity", "on"),
            ("is_vcse", "on"),
        ],
    )
    .await;
    add(
        &clerk,
        &[
            ("name", "Fishwick Placed Ltd"),
            ("override_place", "E07000123"),
            ("override_justification", "Trades from the market hall"),
            ("size_band", "micro"),
            ("size_definition", "employees"),
        ],
    )
    .await;
    let token = clerk.csrf_from(&format!("/suppliers/{acme}")).await;
    clerk
        .post_form(
            &format!("/suppliers/{acme}/external-ids"),
            &[("csrf_token", &token), ("external_id", "S113120")],
        )
        .await;

    for q in ["acme co ltd", "ACME", "sc123456", "S113120"] {
        let page = clerk
            .get(&format!(
                "/suppliers?q={}",
                localspend::views::url_encode(q)
            ))
            .await;
        assert!(page.body.contains("The Acme Company Limited"), "search {q}");
        assert!(!page.body.contains("Lancashire Mind"), "search {q}");
    }
    let unclassified = clerk.get("/suppliers?status=unclassified").await;
    assert!(unclassified.body.contains("The Acme Company Limited"));
    // No lookup holds PR1 2HE here: a postcode that locates nothing leaves
    // the supplier to classify.
    assert!(unclassified.body.contains("Lancashire Mind"));
    assert!(!unclassified.body.contains("Fishwick Placed Ltd"));
    let vcse = clerk.get("/suppliers?kind=vcse").await;
    assert!(
        !vcse.body.contains("The Acme Company Limited") && vcse.body.contains("Lancashire Mind")
    );
    let sme = clerk.get("/suppliers?kind=sme").await;
    assert!(sme.body.contains("Lancashire Mind"));
}

#[actix_web::test]
async fn the_list_pages_through_many_suppliers() {
    let app = spawn_app().await;
    let (clerk, _) = app.signed_in("root", Role::Admin, None).await;
    app.with_conn(|c| {
        for i in 0..120 {
            let input = localspend::domain::supplier::SupplierFields {
                name: format!("Supplier {i:03} Trading"),
                ..Default::default()
            }
            .parse()
            .unwrap();
            suppliers::create(
                c,
                &Actor::system("test"),
                &input,
                localspend::domain::supplier::Source::Import,
                "",
            )
            .unwrap();
        }
    });
    let first = clerk.get("/suppliers").await;
    assert!(first.body.contains("120 suppliers") && first.body.contains("Page 1 of 3"));
    assert!(
        first.body.contains("Supplier 000 Trading") && !first.body.contains("Supplier 050 Trading")
    );
    let third = clerk.get("/suppliers?q=&status=&kind=&page=3").await;
    assert!(
        third.body.contains("Supplier 119 Trading") && !third.body.contains("Supplier 000 Trading")
    );
}

#[actix_web::test]
async fn duplicates_are_suggested_merged_and_a_merge_can_be_undone_exactly() {
    let app = spawn_app().await;
    let preston = app.add_institution("Preston City Council", "E07000123");
    let (clerk, _) = app.signed_in("clerk", Role::Clerk, Some(preston)).await;
    let (admin, _) = app.signed_in("root", Role::Admin, None).await;
    let kept = add(&clerk, &[("name", "Acme Ltd")]).await;
    let dup = add(&clerk, &[("name", "ACME LIMITED (ref 0042)")]).await;
    let other = add(&clerk, &[("name", "Acme UK")]).await;
    let token = clerk.csrf_from(&format!("/suppliers/{dup}")).await;
    clerk
        .post_form(
            &format!("/suppliers/{dup}/external-ids"),
            &[("csrf_token", &token), ("external_id", "V-991")],
        )
        .await;

    let list = clerk.get("/suppliers").await;
    assert!(list.body.contains("Possible duplicates"));
    assert!(
        list.body.contains(&format!("href=\"/suppliers/{other}\"")),
        "Acme UK shares the match key"
    );

    let token = clerk.csrf_from(&format!("/suppliers/{kept}")).await;
    let res = clerk
        .post_form(
            &format!("/suppliers/{kept}/merge"),
            &[("csrf_token", &token), ("other", &dup.to_string())],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    app.with_conn(|c| {
        let aliases: Vec<String> = suppliers::aliases(c, kept)
            .unwrap()
            .into_iter()
            .map(|a| a.name)
            .collect();
        assert!(
            aliases.contains(&"ACME LIMITED (ref 0042)".to_owned()),
            "{aliases:?}"
        );
        assert_eq!(
            suppliers::external_ids(c, kept).unwrap(),
            [(preston, "V-991".to_owned())]
        );
        assert_eq!(suppliers::get(c, dup).unwrap().merged_into, Some(kept));
        let (live, _) = suppliers::search(c, &SupplierFilter::default(), 50, 0).unwrap();
        assert!(
            !live.iter().any(|s| s.id == dup),
            "merged suppliers leave the list"
        );
    });
    let record = app.with_conn(|c| suppliers::merges_into(c, kept).unwrap()[0].id);
    let token = clerk.csrf_from(&format!("/suppliers/{kept}")).await;
    assert_eq!(
        clerk
            .post_form(
                &format!("/supplier-merges/{record}/undo"),
                &[("csrf_token", &token)]
            )
            .await
            .status,
        403,
        "only admins undo"
    );
    let token = admin.csrf_from(&format!("/suppliers/{kept}")).await;
    let res = admin
        .post_form(
            &format!("/supplier-merges/{record}/undo"),
            &[("csrf_token", &token)],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    app.with_conn(|c| {
        assert_eq!(suppliers::get(c, dup).unwrap().merged_into, None);
        assert_eq!(
            suppliers::external_ids(c, dup).unwrap(),
            [(preston, "V-991".to_owned())]
        );
        assert!(suppliers::external_ids(c, kept).unwrap().is_empty());
        let kept_aliases: Vec<String> = suppliers::aliases(c, kept)
            .unwrap()
            .into_iter()
            .map(|a| a.name)
            .collect();
        assert_eq!(kept_aliases, ["Acme Ltd"]);
        let dup_aliases: Vec<String> = suppliers::aliases(c, dup)
            .unwrap()
            .into_iter()
            .map(|a| a.name)
            .collect();
        assert_eq!(dup_aliases, ["ACME LIMITED (ref 0042)"]);
    });
    let actions: Vec<String> = app
        .audit_rows("supplier")
        .into_iter()
        .map(|r| r.action)
        .collect();
    assert!(actions.contains(&"merge".to_owned()) && actions.contains(&"unmerge".to_owned()));
}

#[actix_web::test]
async fn a_wrongly_merged_alias_can_be_split_out() {
    let app = spawn_app().await;
    let preston = app.add_institution("Preston City Council", "E07000123");
    let (clerk, _) = app.signed_in("clerk", Role::Clerk, Some(preston)).await;
    let kept = add(&clerk, &[("name", "Smith Builders")]).await;
    let wrong = add(&clerk, &[("name", "Smith Bakers")]).await;
    let token = clerk.csrf_from(&format!("/suppliers/{kept}")).await;
    clerk
        .post_form(
            &format!("/suppliers/{kept}/merge"),
            &[("csrf_token", &token), ("other", &wrong.to_string())],
        )
        .await;
    let alias = app.with_conn(|c| {
        suppliers::aliases(c, kept)
            .unwrap()
            .into_iter()
            .find(|a| a.name == "Smith Bakers")
            .unwrap()
            .id
    });
    let token = clerk.csrf_from(&format!("/suppliers/{kept}")).await;
    let res = clerk
        .post_form(
            &format!("/suppliers/{kept}/aliases/{alias}/split"),
            &[("csrf_token", &token)],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    let new_id: i64 = res
        .location()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    app.with_conn(|c| {
        let split = suppliers::get(c, new_id).unwrap();
        assert_eq!(split.name, "Smith Bakers");
        assert_eq!(suppliers::aliases(c, new_id).unwrap()[0].id, alias);
        assert!(suppliers::aliases(c, kept)
            .unwrap()
            .iter()
            .all(|a| a.name != "Smith Bakers"));
    });
}

#[actix_web::test]
async fn managers_and_auditors_read_the_register_but_cannot_change_it() {
    let app = spawn_app().await;
    let preston = app.add_institution("Preston City Council", "E07000123");
    let (clerk, _) = app.signed_in("clerk", Role::Clerk, Some(preston)).await;
    let id = add(&clerk, &[("name", "Acme Ltd")]).await;
    let (manager, _) = app.signed_in("manager", Role::Manager, Some(preston)).await;
    let page = manager.get(&format!("/suppliers/{id}")).await;
    assert_eq!(page.status, 200);
    assert!(!page.body.contains("/edit\""), "no edit link for a manager");
    assert_eq!(
        manager.get(&format!("/suppliers/{id}/edit")).await.status,
        403
    );
}

#[actix_web::test]
async fn the_list_filters_by_tier_and_a_reclassification_shows_at_once() {
    let app = spawn_app().await;
    let files = [
        shared_data("geo/codepoint-open-2014-08/pr.csv"),
        shared_data("geo/codepoint-open-2014-08/m.csv"),
    ];
    import_release(
        &mut app.conn(),
        &files,
        "Code-Point PR+M",
        &Actor::system("test"),
        &mut |_, _| {},
    )
    .unwrap();
    let preston = app.add_institution("Preston City Council", "E07000123");
    let (clerk, _) = app.signed_in("clerk", Role::Clerk, Some(preston)).await;
    let in_preston = add(
        &clerk,
        &[
            ("name", "Preston Bakers"),
            ("postcode_registered", "PR1 0GP"),
        ],
    )
    .await;
    let in_south_ribble = add(
        &clerk,
        &[
            ("name", "Leyland Joinery"),
            ("postcode_registered", "PR1 0AD"),
        ],
    )
    .await;
    add(
        &clerk,
        &[
            ("name", "Manchester Printing"),
            ("postcode_registered", "M1 1AE"),
        ],
    )
    .await;
    add(&clerk, &[("name", "Nowhere Known")]).await;
    add(
        &clerk,
        &[
            ("name", "Paris Consulting"),
            ("override_place", "outside_uk"),
            ("override_justification", "Invoices from France"),
        ],
    )
    .await;

    let names = |body: &str| {
        [
            "Preston Bakers",
            "Leyland Joinery",
            "Manchester Printing",
            "Nowhere Known",
            "Paris Consulting",
        ]
        .into_iter()
        .filter(|n| body.contains(&format!(">{n}</a>")))
        .collect::<Vec<_>>()
    };
    let page = clerk.get("/suppliers?tier=1").await;
    assert!(page.body.contains("Tier 1: Preston") && page.body.contains("Tier 2: Lancashire"));
    assert_eq!(names(&page.body), ["Preston Bakers"]);
    assert_eq!(
        names(&clerk.get("/suppliers?tier=2").await.body),
        ["Preston Bakers", "Leyland Joinery"]
    );
    assert_eq!(
        names(&clerk.get("/suppliers?tier=3").await.body),
        ["Preston Bakers", "Leyland Joinery", "Manchester Printing"]
    );
    assert!(
        names(&clerk.get("/suppliers?tier=rest").await.body).is_empty(),
        "Manchester is in the North West tier"
    );
    assert_eq!(
        names(&clerk.get("/suppliers?tier=outside").await.body),
        ["Paris Consulting"]
    );
    assert_eq!(
        names(&clerk.get("/suppliers?tier=unknown").await.body),
        ["Nowhere Known"]
    );

    // Moving the joinery's postcode to Preston shows in the very next list.
    let res = clerk
        .submit(
            &format!("/suppliers/{in_south_ribble}/edit"),
            &format!("/suppliers/{in_south_ribble}"),
            &[
                ("name", "Leyland Joinery"),
                ("postcode_registered", "PR1 0GQ"),
                ("version", "1"),
            ],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    assert_eq!(
        names(&clerk.get("/suppliers?tier=1").await.body),
        ["Preston Bakers", "Leyland Joinery"]
    );
    let _ = in_preston;
}

pub(crate) fn spend(
    app: &TestApp,
    institution: i64,
    supplier: i64,
    name: &str,
    pounds: i64,
    kind: localspend::domain::spend::PaymentType,
) {
    let line = localspend::domain::spend::LineFields {
        institution_id: institution.to_string(),
        payment_date: "01/05/2025".into(),
        amount: pounds.to_string(),
        supplier: name.into(),
        payment_type: kind.code().into(),
        ..Default::default()
    }
    .parse()
    .unwrap();
    app.with_conn(|c| {
        localspend::db::spend::create(c, &Actor::system("test"), &line, Some(supplier)).unwrap()
    });
}

#[actix_web::test]
async fn the_work_queue_ranks_unclassified_suppliers_by_influenceable_spend() {
    use localspend::domain::spend::PaymentType::{Procurement, PublicBody};
    let app = spawn_app().await;
    load_pr_postcodes(&app);
    let preston = app.add_institution("Preston City Council", "E07000123");
    let other = app.add_institution("Blackpool Council", "E06000009");
    let (clerk, _) = app.signed_in("clerk", Role::Clerk, Some(preston)).await;
    let big = add(&clerk, &[("name", "Big Contractor Ltd")]).await;
    let small = add(&clerk, &[("name", "Small Cafe")]).await;
    let done = add(
        &clerk,
        &[
            ("name", "Done Ltd"),
            ("postcode_registered", "PR1 0GP"),
            ("size_band", "micro"),
            ("size_definition", "employees"),
        ],
    )
    .await;
    let council = add(&clerk, &[("name", "Lancashire County Council")]).await;
    spend(
        &app,
        preston,
        big,
        "BIG CONTRACTOR LTD",
        60_000,
        Procurement,
    );
    spend(&app, preston, small, "Small Cafe", 1_000, Procurement);
    spend(&app, preston, done, "Done Ltd", 39_000, Procurement);
    spend(
        &app,
        preston,
        council,
        "Lancashire County Council",
        500_000,
        PublicBody,
    );
    spend(&app, other, small, "Small Cafe", 900_000, Procurement);

    let page = clerk.get("/suppliers/queue").await;
    assert_eq!(page.status, 200);
    assert!(
        page.body
            .contains("1 of the top 3 suppliers classified, covering 39% of influenceable spend"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("(£39,000.00 of £100,000.00)"),
        "public-body spend and other institutions' spend are left out"
    );
    let big_at = page.body.find(">Big Contractor Ltd<").unwrap();
    let small_at = page.body.find(">Small Cafe<").unwrap();
    assert!(big_at < small_at, "largest spend first");
    assert!(
        !page.body.contains(">Done Ltd<") && !page.body.contains(">Lancashire County Council<")
    );

    // Quick edit from the queue: postcode and size, then the meter moves.
    let token = crate::common::csrf_token(&page.body);
    let res = clerk
        .post_form(
            &format!("/suppliers/{big}/quick"),
            &[
                ("csrf_token", &token),
                ("postcode", "pr1 0ad"),
                ("location_basis", "registered_office"),
                ("size_band", "large"),
                ("version", "1"),
                ("rank", "1"),
            ],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    let page = clerk.get("/suppliers/queue").await;
    assert!(
        page.body
            .contains("2 of the top 3 suppliers classified, covering 99% of influenceable spend"),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains("Saved Big Contractor Ltd: PR1 0AD, in South Ribble."),
        "the clerk is told where it now counts: {}",
        &page.body[page.body.find("Saved").unwrap_or(0)..][..200]
    );
    // A real postcode the lookup does not hold: saved, said, still to classify.
    let res = clerk
        .post_form(
            &format!("/suppliers/{small}/quick"),
            &[
                ("csrf_token", &token),
                ("postcode", "SE1 7JB"),
                ("location_basis", "registered_office"),
                ("size_band", "micro"),
                ("version", "1"),
                ("rank", "2"),
            ],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    let page = clerk.get("/suppliers/queue").await;
    assert!(
        page.body.contains(
            "Saved Small Cafe: SE1 7JB: postcode not in the lookup, so its location is unknown."
        ),
        "{}",
        page.body
    );
    assert!(page.body.contains(">Small Cafe<"), "still in the queue");
    assert!(
        page.body
            .contains("2 of the top 3 suppliers classified, covering 99% of influenceable spend"),
        "an unknown location does not count as classified"
    );
    let bad = clerk
        .post_form(
            &format!("/suppliers/{small}/quick"),
            &[
                ("csrf_token", &token),
                ("postcode", "PR1 2CE"),
                ("location_basis", "registered_office"),
                ("version", "2"),
                ("rank", "1"),
            ],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(
        bad.body
            .contains("Small Cafe: “PR1 2CE” is not a UK postcode"),
        "{}",
        bad.body
    );

    // The supplier page shows only the viewer's institution's spend.
    let page = clerk.get(&format!("/suppliers/{small}")).await;
    assert!(
        page.body.contains("£1,000.00") && !page.body.contains("£900,000.00"),
        "{}",
        page.body
    );
}

#[actix_web::test]
async fn spend_follows_a_merge_its_undo_and_a_split() {
    use localspend::domain::spend::PaymentType::Procurement;
    let app = spawn_app().await;
    let preston = app.add_institution("Preston City Council", "E07000123");
    let (admin, _) = app.signed_in("root", Role::Admin, None).await;
    let kept = add(&admin, &[("name", "Smith Builders")]).await;
    let dup = add(&admin, &[("name", "Smith Bakers")]).await;
    spend(&app, preston, kept, "Smith Builders", 100, Procurement);
    spend(&app, preston, dup, "Smith Bakers", 200, Procurement);
    let totals = |app: &TestApp| {
        app.with_conn(|c| localspend::db::spend::supplier_totals(c, preston).unwrap())
    };
    let token = admin.csrf_from(&format!("/suppliers/{kept}")).await;
    admin
        .post_form(
            &format!("/suppliers/{kept}/merge"),
            &[("csrf_token", &token), ("other", &dup.to_string())],
        )
        .await;
    assert_eq!(totals(&app), [(kept, 30_000)]);
    app.assert_totals_agree();
    let record = app.with_conn(|c| suppliers::merges_into(c, kept).unwrap()[0].id);
    let token = admin.csrf_from(&format!("/suppliers/{kept}")).await;
    admin
        .post_form(
            &format!("/supplier-merges/{record}/undo"),
            &[("csrf_token", &token)],
        )
        .await;
    assert_eq!(totals(&app), [(dup, 20_000), (kept, 10_000)]);
    app.assert_totals_agree();

    let token = admin.csrf_from(&format!("/suppliers/{kept}")).await;
    admin
        .post_form(
            &format!("/suppliers/{kept}/merge"),
            &[("csrf_token", &token), ("other", &dup.to_string())],
        )
        .await;
    let alias = app.with_conn(|c| {
        suppliers::aliases(c, kept)
            .unwrap()
            .into_iter()
            .find(|a| a.name == "Smith Bakers")
            .unwrap()
            .id
    });
    let token = admin.csrf_from(&format!("/suppliers/{kept}")).await;
    let res = admin
        .post_form(
            &format!("/suppliers/{kept}/aliases/{alias}/split"),
            &[("csrf_token", &token)],
        )
        .await;
    let split: i64 = res
        .location()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(
        totals(&app),
        [(split, 20_000), (kept, 10_000)],
        "the lines published as Smith Bakers went with the name"
    );
    app.assert_totals_agree();
}
