//! The audit export: one row per spend line in scope, with everything that
//! placed and classified it, streamed batch by batch.

use actix_web::web::{self, Bytes};
use actix_web::HttpResponse;
use futures_util::{stream, StreamExt};

use crate::auth::CurrentUser;
use crate::db::report;
use crate::db::suppliers;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

use crate::reporting::{self, audit, Detail, ReportQuery};

/// Lines read per batch of the audit export.
const EXPORT_BATCH: i64 = 20_000;

/// One row per line in the report's scope with everything that placed it,
/// so that summing it reproduces every figure on the report. Streams.
pub async fn audit_csv(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: web::Query<ReportQuery>,
) -> AppResult<HttpResponse> {
    let q = query.into_inner();
    let (st, viewer, qq) = (state.clone(), user.viewer(), q.clone());
    let (report, snapshot) = state
        .db(move |c| {
            let report =
                reporting::compute(c, &st.report_context(), &viewer, &qq, Detail::Headline)?;
            // Where the suppliers are, as the report just placed them.
            Ok((report, st.facts.current(c)?))
        })
        .await?;
    let head = reporting::csv::stamped(&report.stamp, &audit::HEADER, Vec::new())
        .map_err(AppError::internal)?;
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
                        audit::chunk(
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
    Ok(crate::handlers::csv_download("local-spend-audit").streaming(header_chunk.chain(body)))
}

/// A batch of the audit export as read: its lines, and the suppliers whose
/// lines first appear in it.
type AuditBatch = (Vec<report::AuditLine>, Vec<crate::db::suppliers::Supplier>);
