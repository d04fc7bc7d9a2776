//! The spend ledger: entering, editing, deleting and restoring payments by
//! hand; the ledger's filters and totals; the Transparency Code export; the
//! payment-type rules.

use localspend::db::{audit::Actor, spend, suppliers};
use localspend::domain::supplier::{Source, SupplierFields};
use localspend::domain::Role;

use crate::common::{spawn_app, TestApp, TestClient};

pub(crate) fn add_supplier(app: &TestApp, name: &str) -> i64 {
    app.with_conn(|c| {
        let input = SupplierFields {
            name: name.into(),
            ..Default::default()
        }
        .parse()
        .unwrap();
        suppliers::create(c, &Actor::system("test"), &input, Source::Clerk, "")
            .unwrap()
            .id
    })
}

pub(crate) async fn add_line(
    client: &TestClient,
    institution: i64,
    fields: &[(&str, &str)],
) -> crate::common::Resp {
    let inst = institution.to_string();
    let mut all: Vec<(&str, &str)> = fields.to_vec();
    for (name, value) in [
        ("institution_id", inst.as_str()),
        ("payment_type", "procurement"),
        ("vat_basis", "net"),
        ("version", "0"),
    ] {
        if !fields.iter().any(|(k, _)| *k == name) {
            all.push((name, value));
        }
    }
    client.submit("/spend/new", "/spend", &all).await
}

pub(crate) async fn post(
    client: &TestClient,
    path: &str,
    fields: Vec<(String, String)>,
) -> crate::common::Resp {
    let refs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    client.post_form(path, &refs).await
}

pub(crate) fn lines_of(app: &TestApp, institution: i64) -> Vec<spend::Line> {
    app.with_conn(|c| {
        let f = spend::LedgerFilter {
            institutions: Some(vec![institution]),
            ..Default::default()
        };
        spend::ledger(c, &f, spend::LedgerSort::DateAsc, 1000, 0)
            .unwrap()
            .0
    })
}

#[actix_web::test]
async fn a_clerk_enters_a_payment_as_people_type_it() {
    let app = spawn_app().await;
    let inst = app.add_institution("Preston City Council", "E07000123");
    let acme = add_supplier(&app, "Acme Limited");
    let (client, _) = app.signed_in("clerk", Role::Clerk, Some(inst)).await;
    let res = add_line(
        &client,
        inst,
        &[
            ("payment_date", "31/3/2024"),
            ("amount", "£1234.5"),
            ("supplier", "ACME LTD"),
            ("department", "Highways"),
        ],
    )
    .await;
    assert_eq!(res.status, 303, "{}", res.body);
    let lines = lines_of(&app, inst);
    assert_eq!(lines.len(), 1);
    let line = &lines[0];
    assert_eq!(line.amount_pence, 123_450);
    assert_eq!(line.payment_date.to_string(), "2024-03-31");
    assert_eq!(line.supplier_id, Some(acme), "matched by match key");
    assert!(line.entered_by.is_some());
    let page = client.get("/spend").await;
    assert!(page.body.contains("£1,234.50"), "{}", page.body);
    assert!(page.body.contains("entered by hand"));
    let audit = app.audit_rows("spend_line");
    assert_eq!(audit.len(), 1);
    assert!(audit[0]
        .after_json
        .as_deref()
        .unwrap_or("")
        .contains("123450"));
}

#[actix_web::test]
async fn a_failed_entry_keeps_what_was_typed_and_names_each_problem() {
    let app = spawn_app().await;
    let inst = app.add_institution("Preston City Council", "E07000123");
    let (client, _) = app.signed_in("clerk", Role::Clerk, Some(inst)).await;
    let res = add_line(
        &client,
        inst,
        &[
            ("payment_date", "31/02/2024"),
            ("amount", "12.345"),
            ("supplier", "Somebody Ltd"),
            ("description", "Pothole repairs"),
        ],
    )
    .await;
    assert_eq!(res.status, 422);
    assert!(res.body.contains("not a real date"));
    assert!(res.body.contains("more than two decimal places"));
    for typed in ["31/02/2024", "12.345", "Somebody Ltd", "Pothole repairs"] {
        assert!(res.body.contains(typed), "keeps {typed}");
    }
    assert!(lines_of(&app, inst).is_empty());
}

#[actix_web::test]
async fn an_unknown_supplier_can_be_added_to_the_register_from_the_form() {
    let app = spawn_app().await;
    let inst = app.add_institution("Preston City Council", "E07000123");
    let (client, _) = app.signed_in("clerk", Role::Clerk, Some(inst)).await;
    let fields = [
        ("payment_date", "01/04/2024"),
        ("amount", "99.99"),
        ("supplier", "Brand New Bakery"),
    ];
    let res = add_line(&client, inst, &fields).await;
    assert_eq!(res.status, 422);
    assert!(res
        .body
        .contains("No supplier called “Brand New Bakery” is on the register"));
    assert!(res.body.contains(r#"name="create_supplier""#));
    assert!(lines_of(&app, inst).is_empty(), "nothing saved yet");
    let mut with_create = fields.to_vec();
    with_create.push(("create_supplier", "on"));
    let res = add_line(&client, inst, &with_create).await;
    assert_eq!(res.status, 303, "{}", res.body);
    let line = &lines_of(&app, inst)[0];
    let supplier = app.with_conn(|c| suppliers::get(c, line.supplier_id.unwrap()).unwrap());
    assert_eq!(supplier.name, "Brand New Bakery");
    // Suggestions for the autocomplete come from the register.
    let found = client.get("/suppliers/lookup?q=bakery").await;
    assert_eq!(found.status, 200);
    assert!(found.body.contains("Brand New Bakery"), "{}", found.body);
}

#[actix_web::test]
async fn two_people_editing_one_payment_never_overwrite_each_other() {
    let app = spawn_app().await;
    let inst = app.add_institution("Preston City Council", "E07000123");
    add_supplier(&app, "Acme Ltd");
    let (first, _) = app.signed_in("first", Role::Clerk, Some(inst)).await;
    let (second, _) = app.signed_in("second", Role::Admin, Some(inst)).await;
    add_line(
        &first,
        inst,
        &[
            ("payment_date", "01/04/2024"),
            ("amount", "100"),
            ("supplier", "Acme Ltd"),
        ],
    )
    .await;
    let id = lines_of(&app, inst)[0].id;
    let edit = format!("/spend/{id}/edit");
    let token_a = first.csrf_from(&edit).await;
    let token_b = second.csrf_from(&edit).await;
    let form = |token: &str, amount: &str| {
        vec![
            ("csrf_token".to_owned(), token.to_owned()),
            ("institution_id".into(), inst.to_string()),
            ("payment_date".into(), "01/04/2024".into()),
            ("amount".into(), amount.to_owned()),
            ("supplier".into(), "Acme Ltd".into()),
            ("payment_type".into(), "procurement".into()),
            ("vat_basis".into(), "net".into()),
            ("version".into(), "1".into()),
        ]
    };
    let path = format!("/spend/{id}");
    assert_eq!(post(&first, &path, form(&token_a, "150")).await.status, 303);
    let res = post(&second, &path, form(&token_b, "175.25")).await;
    assert_eq!(res.status, 409);
    assert!(res.body.contains("Someone else saved this spend line"));
    assert!(res.body.contains("They saved: £150.00"), "{}", res.body);
    assert!(
        res.body.contains("175.25"),
        "the second person's typing is kept"
    );
    assert_eq!(lines_of(&app, inst)[0].amount_pence, 15_000);
    app.assert_totals_agree();
}

#[actix_web::test]
async fn a_deleted_payment_leaves_the_totals_and_an_admin_can_restore_it() {
    let app = spawn_app().await;
    let inst = app.add_institution("Preston City Council", "E07000123");
    add_supplier(&app, "Acme Ltd");
    let (clerk, _) = app.signed_in("clerk", Role::Clerk, Some(inst)).await;
    let (admin, _) = app.signed_in("admin", Role::Admin, Some(inst)).await;
    add_line(
        &clerk,
        inst,
        &[
            ("payment_date", "01/04/2024"),
            ("amount", "100"),
            ("supplier", "Acme Ltd"),
        ],
    )
    .await;
    add_line(
        &clerk,
        inst,
        &[
            ("payment_date", "02/04/2024"),
            ("amount", "50"),
            ("supplier", "Acme Ltd"),
        ],
    )
    .await;
    let id = lines_of(&app, inst)[0].id;
    let res = clerk
        .submit(
            &format!("/spend/{id}/edit"),
            &format!("/spend/{id}/delete"),
            &[("version", "1")],
        )
        .await;
    assert_eq!(res.status, 303);
    let page = clerk.get("/spend").await;
    assert!(
        page.body.contains("<strong>1</strong> line,"),
        "{}",
        page.body
    );
    assert!(page.body.contains("£50.00"));
    let deleted = admin.get("/spend?deleted=on").await;
    assert!(deleted.body.contains("£100.00") && deleted.body.contains("Restore"));
    assert_eq!(
        clerk
            .submit("/spend", &format!("/spend/{id}/restore"), &[])
            .await
            .status,
        403
    );
    assert_eq!(
        admin
            .submit("/spend", &format!("/spend/{id}/restore"), &[])
            .await
            .status,
        303
    );
    assert_eq!(lines_of(&app, inst).len(), 2);
    let actions: Vec<String> = app
        .audit_rows("spend_line")
        .into_iter()
        .map(|r| r.action)
        .collect();
    assert_eq!(actions, ["create", "create", "delete", "restore"]);
    app.assert_totals_agree();
}

#[actix_web::test]
async fn the_ledger_filters_totals_and_keeps_to_the_viewers_institutions() {
    let app = spawn_app().await;
    let a = app.add_institution("Preston City Council", "E07000123");
    let b = app.add_institution("Burnley Borough Council", "E07000117");
    add_supplier(&app, "Acme Ltd");
    add_supplier(&app, "Bob Ltd");
    let (clerk_a, _) = app.signed_in("clerka", Role::Clerk, Some(a)).await;
    let (clerk_b, _) = app.signed_in("clerkb", Role::Clerk, Some(b)).await;
    for (date, amount, supplier, dept, kind) in [
        ("31/03/2023", "10", "Acme Ltd", "Highways", "procurement"),
        ("01/04/2023", "20", "Acme Ltd", "Schools", "procurement"),
        ("31/03/2024", "40", "Bob Ltd", "Highways", "grant"),
        ("01/04/2024", "80", "Bob Ltd", "Highways", "procurement"),
    ] {
        let res = add_line(
            &clerk_a,
            a,
            &[
                ("payment_date", date),
                ("amount", amount),
                ("supplier", supplier),
                ("department", dept),
                ("payment_type", kind),
            ],
        )
        .await;
        assert_eq!(res.status, 303, "{}", res.body);
    }
    add_line(
        &clerk_b,
        b,
        &[
            ("payment_date", "01/04/2023"),
            ("amount", "999"),
            ("supplier", "Acme Ltd"),
        ],
    )
    .await;
    let totals = |body: &str| {
        let start = body.find("class=\"totals\"").expect("totals");
        body[start..start + 200].to_owned()
    };
    let all = clerk_a.get("/spend").await;
    assert!(
        totals(&all.body).contains("<strong>4</strong> lines, totalling <strong>£150.00</strong>"),
        "{}",
        totals(&all.body)
    );
    assert!(
        !all.body.contains("£999.00"),
        "B's spend is not A's clerk's to see"
    );
    let fy = clerk_a.get("/spend?fy=2023").await;
    assert!(
        totals(&fy.body).contains("<strong>2</strong> lines, totalling <strong>£60.00</strong>"),
        "{}",
        totals(&fy.body)
    );
    let supplier = clerk_a.get("/spend?supplier=bob").await;
    assert!(totals(&supplier.body).contains("£120.00"));
    let dept = clerk_a
        .get("/spend?department=Highways&payment_type=procurement")
        .await;
    assert!(
        totals(&dept.body).contains("£90.00"),
        "{}",
        totals(&dept.body)
    );
    let range = clerk_a.get("/spend?from=01/04/2023&to=31/03/2024").await;
    assert!(totals(&range.body).contains("£60.00"));
    let sorted = clerk_a.get("/spend?sort=-amount").await;
    let first = sorted.body.find("£80.00").unwrap();
    let last = sorted.body.rfind("£10.00").unwrap();
    assert!(first < last, "largest first");
    let bad = clerk_a.get("/spend?from=yesterday").await;
    assert_eq!(bad.status, 400);
    // Asking for B's lines by id shows nothing of B's.
    let other = clerk_a.get(&format!("/spend?institution={b}")).await;
    assert!(!other.body.contains("£999.00"));
}

#[actix_web::test]
async fn the_export_follows_the_transparency_code_and_is_safe_in_a_spreadsheet() {
    let app = spawn_app().await;
    let inst = app.add_institution("Preston City Council", "E07000123");
    add_supplier(&app, "Acme Ltd");
    let (clerk, _) = app.signed_in("clerk", Role::Clerk, Some(inst)).await;
    add_line(
        &clerk,
        inst,
        &[
            ("payment_date", "01/04/2024"),
            ("amount", "-1,234.5"),
            ("supplier", "Acme Ltd"),
            ("description", "=HYPERLINK(\"http://evil\")"),
            ("department", "+Highways"),
            ("transaction_ref", "T-1"),
        ],
    )
    .await;
    let res = clerk.get("/spend.csv").await;
    assert_eq!(res.status, 200);
    assert!(res
        .header("content-disposition")
        .unwrap()
        .contains("attachment"));
    let body = res.body.trim_start_matches('\u{feff}');
    let mut lines = body.lines();
    assert_eq!(
        lines.next().unwrap(),
        "Body Name,Date,Transaction Number,Invoice Number,Amount,Irrecoverable VAT,VAT Basis,Supplier Name,Supplier ID,\
Supplier Registered Company Number,Supplier Registered Charity Number,VAT Registration Number,Expense Area,Expense Type,\
Expense Code,Capital or Revenue,Merchant Category,Purpose of Spend,Purchase Card,Payment Type"
    );
    let row = lines.next().unwrap();
    assert!(
        row.starts_with("Preston City Council,01/04/2024,T-1,,-1234.50,,net,Acme Ltd,"),
        "{row}"
    );
    assert!(row.contains(",'+Highways,"), "{row}");
    assert!(
        row.contains("\"'=HYPERLINK(\"\"http://evil\"\")\""),
        "{row}"
    );
    assert!(
        row.ends_with(",No,\"Procurement of goods, works or services\""),
        "{row}"
    );
}

#[actix_web::test]
async fn an_admin_sets_which_payment_types_are_influenceable() {
    let app = spawn_app().await;
    let inst = app.add_institution("Preston City Council", "E07000123");
    add_supplier(&app, "Arts Trust");
    let (admin, _) = app.signed_in("admin", Role::Admin, Some(inst)).await;
    add_line(
        &admin,
        inst,
        &[
            ("payment_date", "01/04/2024"),
            ("amount", "500"),
            ("supplier", "Arts Trust"),
            ("payment_type", "grant"),
        ],
    )
    .await;
    let page = admin.get("/spend").await;
    assert!(!page.body.contains(">excluded<"), "grants count by default");
    let form = format!("/admin/institutions/{inst}/payment-types");
    let res = admin
        .submit(
            &form,
            &form,
            &[
                ("version", "1"),
                ("influenceable", "procurement"),
                ("influenceable", "other"),
            ],
        )
        .await;
    assert_eq!(res.status, 303);
    let types = app.with_conn(|c| spend::influenceable_types(c, inst).unwrap());
    assert_eq!(types, ["procurement", "other"]);
    let page = admin.get("/spend").await;
    assert!(page.body.contains("excluded"), "the grant is now excluded");
    let rules = admin.get(&form).await;
    assert!(rules.body.contains("differs from default"));
    let audit = app.audit_rows("payment_type_rule");
    assert_eq!(audit.len(), 1);
    assert!(audit[0]
        .summary
        .contains("Grant no longer counts as influenceable"));
}
