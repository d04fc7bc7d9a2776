//! The audit export: one row per spend line in scope, with everything that
//! placed and classified it, streamed batch by batch.

use actix_web::http::header;
use actix_web::web::{self, Bytes};
use actix_web::HttpResponse;
use futures_util::{stream, StreamExt};

use crate::auth::CurrentUser;
use crate::db::areas::DefinitionVersion;
use crate::db::report::{self, FactsMap, Located};
use crate::db::suppliers;
use crate::domain::figures::Place;
use crate::domain::money::Pence;
use crate::domain::spend::PaymentType;
use crate::error::{AppError, AppResult};
use crate::export::safe_text;
use crate::state::AppState;

use super::{compute, stamped_csv, Detail, ReportQuery};

/// Lines read per batch of the audit export.
const EXPORT_BATCH: i64 = 20_000;

const AUDIT_HEADER: [&str; 26] = [
    "Institution",
    "Line ID",
    "Payment date",
    "Supplier name as published",
    "Supplier ID",
    "Supplier on the register",
    "Company number",
    "Charity number",
    "Postcode used",
    "Location basis",
    "District",
    "Area",
    "Tier",
    "Size band",
    "Type",
    "SIC codes",
    "Payment type",
    "Influenceable",
    "Rule",
    "Amount (£)",
    "VAT basis",
    "Definition version",
    "Postcode lookup",
    "Import batch",
    "Import row",
    "Entered by user",
];

/// One row per line in the report's scope with everything that placed it,
/// so that summing it reproduces every figure on the report. Streams.
pub async fn audit_csv(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: web::Query<ReportQuery>,
) -> AppResult<HttpResponse> {
    let q = query.into_inner();
    let (st, u, qq) = (state.clone(), user.clone(), q.clone());
    let (report, snapshot) = state
        .db(move |c| {
            let report = compute(c, &st, &u, &qq, Detail::Headline)?;
            // Where the suppliers are, as the report just placed them.
            Ok((report, st.facts.current(c)?))
        })
        .await?;
    let head = stamped_csv(&report.stamp, &AUDIT_HEADER, Vec::new())?;
    let header_chunk = stream::once(async move { Ok::<_, AppError>(Bytes::from(head)) });
    let ids: Vec<i64> = report.stamp.institutions.iter().map(|i| i.id).collect();
    let names: Vec<(i64, String)> = report
        .stamp
        .institutions
        .iter()
        .map(|i| (i.id, i.name.clone()))
        .collect();
    let (from, to) = (report.stamp.from, report.stamp.to);
    let definition = report.stamp.definition.clone();
    let release = report.stamp.lookup_release.clone();
    let rules = report.rules.clone();
    // Reading runs ahead of writing: a thread of its own reads the next
    // batches of lines (institution by institution, each in payment date
    // order, on one connection) while the current batch is written as CSV.
    // The channel is bounded, so memory stays flat; when the download is
    // abandoned the writer's end is dropped and the reader stops.
    let (tx, rx) = std::sync::mpsc::sync_channel::<AppResult<AuditBatch>>(2);
    let pool = state.pool.clone();
    std::thread::spawn(move || {
        let read = || -> AppResult<()> {
            let mut c = pool.get()?;
            // Suppliers are read once for the whole export, with the batch
            // in which their lines first appear.
            let mut seen: std::collections::HashSet<i64> = Default::default();
            for id in &ids {
                let mut after = None;
                loop {
                    let lines = report::lines_after(&mut c, *id, from, to, after, EXPORT_BATCH)?;
                    let Some(last) = lines.last() else { break };
                    after = Some((last.payment_date, last.id));
                    let mut first_met: Vec<i64> = lines
                        .iter()
                        .filter_map(|l| l.supplier_id)
                        .filter(|s| seen.insert(*s))
                        .collect();
                    first_met.sort_unstable();
                    let sups = suppliers::get_many(&mut c, &first_met)?;
                    if tx.send(Ok((lines, sups))).is_err() {
                        return Ok(());
                    }
                }
            }
            Ok(())
        };
        if let Err(e) = read() {
            // Nobody is left to tell only if the download was abandoned.
            let _ = tx.send(Err(e));
        }
    });
    type Known = crate::domain::figures::IdMap<i64, crate::db::suppliers::Supplier>;
    type Writer = (std::sync::mpsc::Receiver<AppResult<AuditBatch>>, Known);
    let body = stream::unfold(
        Some((rx, Known::default())),
        move |writer: Option<Writer>| {
            let (names, definition, release, rules, snapshot) = (
                names.clone(),
                definition.clone(),
                release.clone(),
                rules.clone(),
                snapshot.clone(),
            );
            async move {
                let (rx, mut known) = writer?;
                let written = crate::state::blocking(move || {
                    // The reader has finished when its end is dropped.
                    let Ok(batch) = rx.recv() else {
                        return None;
                    };
                    let chunk = batch.and_then(|(lines, sups)| {
                        known.extend(sups.into_iter().map(|s| (s.id, s)));
                        audit_chunk(
                            &lines,
                            &known,
                            &snapshot.facts,
                            &definition,
                            &release,
                            &rules,
                            &names,
                        )
                        .map_err(AppError::internal)
                    });
                    Some((chunk, rx, known))
                })
                .await;
                match written {
                    Ok(None) => None,
                    Ok(Some((Ok(chunk), rx, known))) => {
                        Some((Ok(Bytes::from(chunk)), Some((rx, known))))
                    }
                    Ok(Some((Err(e), _, _))) | Err(e) => Some((Err(e), None)),
                }
            }
        },
    );
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!(
                "attachment; filename=\"local-spend-audit-{}.csv\"",
                crate::db::now().format("%Y%m%d-%H%M%S")
            ),
        ))
        .streaming(header_chunk.chain(body)))
}

/// A batch of the audit export as read: its lines, and the suppliers whose
/// lines first appear in it.
type AuditBatch = (Vec<report::AuditLine>, Vec<crate::db::suppliers::Supplier>);

/// The audit export's rows for a batch of lines, written straight into a
/// CSV chunk (a million lines are too many to build as strings first).
fn audit_chunk(
    lines: &[report::AuditLine],
    sups: &crate::domain::figures::IdMap<i64, crate::db::suppliers::Supplier>,
    facts: &FactsMap,
    definition: &DefinitionVersion,
    release: &str,
    rules: &[(i64, Vec<String>)],
    names: &[(i64, String)],
) -> Result<Vec<u8>, csv::Error> {
    use std::fmt::Write as _;
    let def = definition.to_definition();
    let tier_names: Vec<String> = definition.tiers.iter().map(|t| t.name.clone()).collect();
    let version = format!("{} v{}", definition.id, definition.version);
    let release = safe_text(release);
    // What depends only on the supplier, worked out once per batch.
    let mut per_supplier: crate::domain::figures::IdMap<Option<i64>, [String; 3]> =
        Default::default();
    let mut w = csv::Writer::from_writer(Vec::with_capacity(lines.len() * 300));
    let mut number = String::new();
    let mut put_number = |w: &mut csv::Writer<Vec<u8>>, n: Option<i64>| {
        number.clear();
        if let Some(n) = n {
            // Writing to a String cannot fail.
            let _ = write!(number, "{n}");
        }
        w.write_field(&number)
    };
    for l in lines {
        let s = l.supplier_id.and_then(|id| sups.get(&id));
        let loc: Option<&Located> = l
            .supplier_id
            .and_then(|id| facts.get(&id))
            .and_then(|f| f.located.as_ref());
        let [area, tier, kinds] = per_supplier.entry(l.supplier_id).or_insert_with(|| {
            let place = report::place_of(loc, &def, l.supplier_id);
            [
                safe_text(&place.label(&tier_names)).into_owned(),
                match place {
                    Place::Tier(k) => (k + 1).to_string(),
                    _ => String::new(),
                },
                s.map(|s| s.types().join("; ")).unwrap_or_default(),
            ]
        });
        let on = rules
            .iter()
            .find(|(i, _)| *i == l.institution_id)
            .is_some_and(|(_, t)| t.contains(&l.payment_type));
        let default_on =
            PaymentType::from_code(&l.payment_type).is_some_and(|t| t.influenceable_by_default());
        fn text(v: Option<&str>) -> std::borrow::Cow<'_, str> {
            safe_text(v.unwrap_or(""))
        }
        let institution = names
            .iter()
            .find(|(i, _)| *i == l.institution_id)
            .map(|(_, n)| n.as_str());
        w.write_field(text(institution).as_ref())?;
        put_number(&mut w, Some(l.id))?;
        w.write_field(l.payment_date.to_string())?;
        w.write_field(text(Some(&l.supplier_name)).as_ref())?;
        put_number(&mut w, l.supplier_id)?;
        w.write_field(text(s.map(|s| s.name.as_str())).as_ref())?;
        w.write_field(text(s.and_then(|s| s.company_number.as_deref())).as_ref())?;
        w.write_field(text(s.and_then(|s| s.charity_number.as_deref())).as_ref())?;
        w.write_field(text(loc.and_then(|l| l.postcode.as_deref())).as_ref())?;
        w.write_field(text(s.map(|s| s.location_basis.as_str())).as_ref())?;
        w.write_field(text(loc.and_then(|l| l.district_code.as_deref())).as_ref())?;
        w.write_field(&*area)?;
        w.write_field(&*tier)?;
        w.write_field(text(s.and_then(|s| s.size_band.as_deref())).as_ref())?;
        w.write_field(&*kinds)?;
        w.write_field(text(s.map(|s| s.sic_codes.as_str())).as_ref())?;
        w.write_field(&l.payment_type)?;
        w.write_field(if on { "yes" } else { "no" })?;
        w.write_field(if on == default_on {
            "default"
        } else {
            "institution rule"
        })?;
        w.write_field(Pence(l.amount_pence).plain())?;
        w.write_field(&l.vat_basis)?;
        w.write_field(&version)?;
        w.write_field(release.as_ref())?;
        put_number(&mut w, l.import_batch_id)?;
        put_number(&mut w, l.import_row)?;
        put_number(&mut w, l.entered_by)?;
        w.write_record(None::<&[u8]>)?;
    }
    w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}
