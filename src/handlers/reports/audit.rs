//! The audit export: one row per spend line in scope, with everything that
//! placed and classified it, read in one snapshot, then sent.

use crate::domain::account::Reach;
use std::io::Write;

use actix_web::web;
use actix_web::HttpResponse;

use crate::auth::CurrentUser;
use crate::db::report::{self, Snapshot};
use crate::db::{suppliers, DbConn};
use crate::domain::account::NetworkAccess;
use crate::error::{AppError, AppResult};
use crate::handlers::csv::{spooled_csv, Export};
use crate::reporting::{self, audit, Detail, Report, ReportContext, ReportQuery};
use crate::state::AppState;

/// Lines read per batch of the audit export.
const EXPORT_BATCH: i64 = 20_000;

/// One row per line in the report's scope with everything that placed it,
/// so that summing it reproduces every figure on the report. The report and
/// its lines are read in one snapshot (an import committed midway changes
/// neither), into a file that is then sent.
pub async fn audit_csv(
    state: web::Data<AppState>,
    user: CurrentUser,
    q: ReportQuery,
) -> AppResult<HttpResponse> {
    let export = Export {
        stem: "local-spend-audit",
        what: format!(
            "the audit of every line ({})",
            serde_urlencoded::to_string(&q).unwrap_or_default()
        ),
        institution: q.institution.parse().ok().or(user.institution_id),
    };
    let (st, viewer) = (state.clone(), user.viewer());
    spooled_csv(&state, &user, export, move |c, out| {
        // Read on this connection only, inside the snapshot.
        let ctx = ReportContext {
            pool: None,
            ..st.report_context()
        };
        let report = reporting::compute(c, &ctx, &viewer, &q, Detail::Headline)?;
        // Every line of the scope: only for those who may read them all.
        if report.access != NetworkAccess::Lines {
            return Err(AppError::Forbidden);
        }
        // Where the suppliers are, as the report just placed them.
        let snapshot = st.facts.current(c)?;
        // The header on line 1; each row names its definition version and
        // postcode release, and the companion file says the rest.
        let head = reporting::csv::body(&audit::HEADER, Vec::new()).map_err(AppError::internal)?;
        out.write_all(&head).map_err(AppError::internal)?;
        write_lines(c, &report, &snapshot, &viewer.reach, out)
    })
    .await
}

/// Writes every line of the report's scope. Reading runs ahead of writing:
/// a scoped thread reads the next batches (institution by institution, each
/// in payment date order, on the snapshot's connection) while this one
/// writes the current batch; the channel is bounded, so memory stays flat.
fn write_lines(
    c: &mut DbConn,
    report: &Report,
    snapshot: &Snapshot,
    reach: &Reach,
    out: &mut dyn Write,
) -> AppResult<u64> {
    // Who set a classification, as the viewer may read it.
    let all = crate::db::institutions::list(c, &Reach::All)?;
    let names: Vec<(i64, String)> = report
        .stamp
        .institutions
        .iter()
        .map(|i| (i.id, i.name.clone()))
        .collect();
    let ranges = report.stamp.ranges.clone();
    let (tx, rx) = std::sync::mpsc::sync_channel::<AppResult<AuditBatch>>(2);
    std::thread::scope(|scope| {
        scope.spawn(move || {
            if let Err(e) = read_batches(c, &ranges, &tx) {
                let _ = tx.send(Err(e));
            }
        });
        let mut known = Known::default();
        let mut rows = 0;
        // The reader has finished when its end is dropped.
        while let Ok(batch) = rx.recv() {
            let (lines, sups, sources) = batch?;
            known.extend(audited(sups, sources, reach, &all));
            let chunk = audit::chunk(
                &lines,
                &known,
                &snapshot.facts,
                &report.stamp.definition,
                &report.stamp.lookup_release,
                &report.rules,
                &names,
            )
            .map_err(AppError::internal)?;
            out.write_all(&chunk).map_err(AppError::internal)?;
            rows += lines.len() as u64;
        }
        Ok(rows)
    })
}

type Known = crate::domain::figures::IdMap<i64, audit::AuditSupplier>;

/// The suppliers first met in a batch with their classifications' sources,
/// masked for the viewer.
fn audited<'a>(
    sups: Vec<crate::db::suppliers::Supplier>,
    sources: Vec<(i64, crate::db::suppliers::Provenance)>,
    reach: &Reach,
    all: &'a [crate::db::institutions::Institution],
) -> impl Iterator<Item = (i64, audit::AuditSupplier)> + 'a {
    let mut by_supplier: std::collections::HashMap<i64, [Option<_>; 3]> = Default::default();
    for (id, p) in sources {
        if let Some(k) = audit::SOURCED.iter().position(|f| *f == p.field) {
            by_supplier.entry(id).or_default()[k] = Some(p.masked_for(reach, all));
        }
    }
    sups.into_iter().map(move |supplier| {
        let sources = by_supplier.remove(&supplier.id).unwrap_or_default();
        (supplier.id, audit::AuditSupplier { supplier, sources })
    })
}

/// Sends each batch of lines, with the suppliers first met in it (each
/// supplier is read once for the whole export). Stops when the writer has
/// gone.
fn read_batches(
    c: &mut DbConn,
    ranges: &[(i64, chrono::NaiveDate, chrono::NaiveDate)],
    tx: &std::sync::mpsc::SyncSender<AppResult<AuditBatch>>,
) -> AppResult<()> {
    let mut seen: std::collections::HashSet<i64> = Default::default();
    // Each institution in its own dates (its own financial year).
    for (id, from, to) in ranges {
        let mut after = None;
        loop {
            let lines = report::lines_after(c, *id, *from, *to, after, EXPORT_BATCH)?;
            let Some(last) = lines.last() else { break };
            after = Some((last.payment_date, last.id));
            let mut first_met: Vec<i64> = lines
                .iter()
                .filter_map(|l| l.supplier_id)
                .filter(|s| seen.insert(*s))
                .collect();
            first_met.sort_unstable();
            let sups = suppliers::get_many(c, &first_met)?;
            let sources = suppliers::current_provenance(c, &first_met, &audit::SOURCED)?;
            if tx.send(Ok((lines, sups, sources))).is_err() {
                return Ok(());
            }
        }
    }
    Ok(())
}

/// A batch of the audit export as read: its lines, and the suppliers whose
/// lines first appear in it.
/// A batch of lines, the suppliers first met in it and their
/// classifications' current provenance.
type AuditBatch = (
    Vec<report::AuditLine>,
    Vec<crate::db::suppliers::Supplier>,
    Vec<(i64, crate::db::suppliers::Provenance)>,
);
