//! Closing a financial year after sign-off: lines dated in it can no longer
//! be entered, edited, deleted, imported or undone until an admin reopens
//! it, and both steps are audited.

use localspend::db::imports::status;
use localspend::domain::Role;

use crate::common::*;
use crate::spend_import::{batch_id, commit, confirm_mapping, import, upload};
use crate::spend_ledger::{add_line, add_supplier, lines_of};

/// Every `href="#…"` of the error summary names an element on the page.
fn summary_links_land(body: &str) {
    let summary = body
        .split("class=\"error-summary\"")
        .nth(1)
        .and_then(|s| s.split("</div>").next())
        .expect("an error summary");
    let targets: Vec<&str> = summary
        .split("href=\"#")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .collect();
    assert!(!targets.is_empty(), "{summary}");
    for t in targets {
        assert!(body.contains(&format!("id=\"{t}\"")), "no field #{t}");
    }
}

#[actix_web::test]
async fn a_closed_year_refuses_every_change_to_its_lines_until_an_admin_reopens_it() {
    let app = spawn_app().await;
    let inst = app.add_institution("Preston City Council", "E07000123");
    add_supplier(&app, "Acme Ltd");
    let (clerk, _) = app.signed_in("clerk", Role::Clerk, Some(inst)).await;
    let (manager, _) = app.signed_in("manager", Role::Manager, Some(inst)).await;
    let (admin, _) = app.signed_in("admin", Role::Admin, Some(inst)).await;
    let line = |date: &'static str, amount: &'static str| {
        [
            ("payment_date", date),
            ("amount", amount),
            ("supplier", "Acme Ltd"),
        ]
    };
    assert_eq!(
        add_line(&clerk, inst, &line("01/05/2024", "100"))
            .await
            .status,
        303
    );
    // An import holding a line of 2024/25, committed before the closure.
    let file = "Date,Supplier,Amount\n20/06/2024,Acme Ltd,7.00\n";
    let (_, earlier) = import(&app, &clerk, inst, "june.csv", file.as_bytes()).await;

    // The list offers the manager the step; the clerk cannot take it.
    let years = manager
        .get(&format!("/spend/years?institution={inst}"))
        .await;
    assert_eq!(years.status, 200);
    let close_link = format!("/spend/years/close?institution={inst}&amp;fy=2024");
    assert!(years.body.contains(&close_link), "{}", years.body);
    let form = format!("/spend/years/close?institution={inst}&fy=2024");
    assert_eq!(clerk.get(&form).await.status, 403);

    // Not confirmed: the form again, with the note kept and the error linked.
    let institution = inst.to_string();
    let fields = [
        ("institution", institution.as_str()),
        ("fy", "2024"),
        ("note", "Signed off by the Audit Committee, 12 May 2025"),
    ];
    let refused = manager.submit(&form, "/spend/years/close", &fields).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(refused.body.contains("<title>Error: "));
    assert!(refused
        .body
        .contains("Signed off by the Audit Committee, 12 May 2025"));
    summary_links_land(&refused.body);
    let mut confirmed = fields.to_vec();
    confirmed.push(("signed_off", "yes"));
    let closed = manager
        .submit(&form, "/spend/years/close", &confirmed)
        .await;
    assert_eq!(closed.status, 303, "{}", closed.body);
    let audit = app.audit_rows("financial_year");
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].action, "close");
    assert_eq!(audit[0].institution_id, Some(inst));
    let shown = manager
        .get(&format!("/spend/years?institution={inst}"))
        .await;
    assert!(shown.body.contains("Closed</strong> on"), "{}", shown.body);

    // Entry: refused at the date, everything typed kept.
    let entry = add_line(&clerk, inst, &line("03/05/2024", "41.17")).await;
    assert_eq!(entry.status, 422, "{}", entry.body);
    assert!(
        entry.body.contains("falls in 2024/25, which was closed"),
        "{}",
        entry.body
    );
    assert!(entry.body.contains("value=\"41.17\""));
    summary_links_land(&entry.body);
    // A line of the year after goes in.
    assert_eq!(
        add_line(&clerk, inst, &line("01/05/2025", "5"))
            .await
            .status,
        303
    );

    // Edit and delete of a line already in the closed year.
    let old = lines_of(&app, inst)
        .into_iter()
        .find(|l| l.payment_date.to_string() == "2024-05-01")
        .unwrap();
    let edit = format!("/spend/{}/edit", old.id);
    let version = old.version.to_string();
    let mut changed = line("01/05/2024", "999").to_vec();
    changed.extend([
        ("institution_id", institution.as_str()),
        ("payment_type", "procurement"),
        ("vat_basis", "net"),
        ("version", version.as_str()),
    ]);
    let res = clerk
        .submit(&edit, &format!("/spend/{}", old.id), &changed)
        .await;
    assert_eq!(res.status, 422, "{}", res.body);
    assert!(res.body.contains("value=\"999\""), "what was typed is kept");
    let delete = clerk
        .submit(
            &edit,
            &format!("/spend/{}/delete", old.id),
            &[("version", &version)],
        )
        .await;
    assert_eq!(delete.status, 409, "{}", delete.body);
    // Moving a line of an open year into the closed one is refused too.
    let new = lines_of(&app, inst)
        .into_iter()
        .find(|l| l.payment_date.to_string() == "2025-05-01")
        .unwrap();
    let version = new.version.to_string();
    let mut moved = line("01/05/2024", "5").to_vec();
    moved.extend([
        ("institution_id", institution.as_str()),
        ("payment_type", "procurement"),
        ("vat_basis", "net"),
        ("version", version.as_str()),
    ]);
    let res = clerk
        .submit(
            &format!("/spend/{}/edit", new.id),
            &format!("/spend/{}", new.id),
            &moved,
        )
        .await;
    assert_eq!(res.status, 422);

    // An import with a line in the closed year is refused whole, naming the row.
    let file = "Date,Supplier,Amount\n21/06/2025,Acme Ltd,1.00\n14/07/2024,Acme Ltd,2.00\n";
    let id = batch_id(&upload(&clerk, inst, "mixed.csv", file.as_bytes()).await);
    let (res, _) = confirm_mapping(&app, &clerk, id, &[]).await;
    assert_eq!(res.status, 303);
    let (_, batch) = commit(&app, &clerk, id).await;
    assert_ne!(batch.status, status::COMMITTED);
    // Row 3 of the file, as a spreadsheet numbers it (the header is row 1).
    assert!(batch.message.contains("Row 3:"), "{}", batch.message);
    assert!(batch.message.contains("2024/25"), "{}", batch.message);
    assert!(
        batch.message.contains("Nothing was imported"),
        "{}",
        batch.message
    );
    // Undoing the earlier import would change the closed year.
    let page = format!("/spend/imports/{}", earlier.id);
    let undo = admin
        .submit(&page, &format!("/spend/imports/{}/undo", earlier.id), &[])
        .await;
    assert_eq!(undo.status, 409, "{}", undo.body);
    let lines = lines_of(&app, inst);
    assert_eq!(lines.len(), 3, "nothing changed: {lines:?}");
    app.assert_totals_agree();

    // Only an admin reopens, and must say why.
    let reopen = format!("/spend/years/reopen?institution={inst}&fy=2024");
    assert_eq!(manager.get(&reopen).await.status, 403);
    let res = admin
        .submit(
            &reopen,
            "/spend/years/reopen",
            &[("institution", &institution), ("fy", "2024")],
        )
        .await;
    assert_eq!(res.status, 422);
    summary_links_land(&res.body);
    let reason = "Late invoices found by internal audit";
    let res = admin
        .submit(
            &reopen,
            "/spend/years/reopen",
            &[
                ("institution", &institution),
                ("fy", "2024"),
                ("note", reason),
            ],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    let audit = app.audit_rows("financial_year");
    assert!(audit
        .iter()
        .any(|r| r.action == "reopen" && r.summary.contains(reason)));
    assert_eq!(
        add_line(&clerk, inst, &line("03/05/2024", "41.17"))
            .await
            .status,
        303
    );
}
