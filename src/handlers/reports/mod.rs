//! Local-spend reports: the dashboard of an institution or a network for a
//! financial year or any dates, its tables as CSV, the year on year, the
//! categories page, targets, and the audit export whose lines reproduce
//! every figure on the report. The figures come from [`crate::reporting`];
//! these handlers extract, authorise, call it and render.

use actix_web::{web, HttpResponse};

use crate::auth::{CurrentUser, PageContext};
use crate::db::areas::Owner;
use crate::db::{institutions, networks, reference_figures};
use crate::domain::account::NetworkAccess;
use crate::domain::benchmarks::marks;
use crate::error::{AppError, AppResult};
use crate::reporting::payments::{self, PaymentsQuery};
use crate::reporting::{self, Detail, Report, ReportQuery};
use crate::state::AppState;
use crate::views::payments::PaymentsPage;
use crate::views::reports::{CategoriesPage, DashboardChoices, ReportPage, TrendPage};
use crate::views::{html, Layout};

mod audit;
mod targets;

pub use audit::audit_csv;

/// Report queries are read from the URL with the "Report on" choice read
/// into the institution or network (so every report page reads it alike).
macro_rules! scoped_query {
    ($($query:ty),+) => {$(
        impl actix_web::FromRequest for $query {
            type Error = actix_web::Error;
            type Future = std::future::Ready<Result<Self, Self::Error>>;

            fn from_request(
                req: &actix_web::HttpRequest,
                _: &mut actix_web::dev::Payload,
            ) -> Self::Future {
                std::future::ready(
                    web::Query::<Self>::from_query(req.query_string())
                        .map(|q| q.into_inner().normalised())
                        .map_err(Into::into),
                )
            }
        }
    )+};
}

scoped_query!(ReportQuery, PaymentsQuery);
pub use targets::set_targets;

/// [`reporting::compute`] off the executor, for a handler that needs
/// nothing else from the database.
async fn report_for(
    state: &web::Data<AppState>,
    user: &CurrentUser,
    q: &ReportQuery,
    detail: Detail,
) -> AppResult<Report> {
    let (st, viewer, qq) = (state.clone(), user.viewer(), q.clone());
    state
        .db(move |c| {
            Ok(reporting::compute(
                c,
                &st.report_context(),
                &viewer,
                &qq,
                detail,
            )?)
        })
        .await
}

pub async fn dashboard(
    state: web::Data<AppState>,
    user: CurrentUser,
    page: PageContext,
    q: ReportQuery,
) -> AppResult<HttpResponse> {
    let page = dashboard_page(&state, &user, &page, q).await?;
    html(&page)
}

/// The dashboard for a query, as [`dashboard`] shows it (and a refused
/// targets form shows it again).
async fn dashboard_page(
    state: &web::Data<AppState>,
    user: &CurrentUser,
    page: &PageContext,
    q: ReportQuery,
) -> AppResult<ReportPage> {
    let (st, viewer, qq) = (state.clone(), user.viewer(), q.clone());
    let (report, choices, marks) = state
        .db(move |c| {
            let report = reporting::compute(c, &st.report_context(), &viewer, &qq, Detail::Page)?;
            let choices = DashboardChoices {
                institutions: institutions::list(c, &viewer.reach)?
                    .into_iter()
                    .map(|i| (i.id, i.name))
                    .collect(),
                networks: networks::visible_to(c, &viewer.reach)?,
            };
            let marks = marks(&reference_figures::list(c)?);
            Ok((report, choices, marks))
        })
        .await?;
    let layout = Layout::new(
        format!("Local spend: {}", report.stamp.scope_name),
        Some(user),
        page,
    );
    let can_set_targets = match report.owner {
        Owner::Institution(i) => user.can_set_institution_targets(i),
        Owner::Network(_) => user.can_set_targets() && report.access == NetworkAccess::Lines,
    };
    Ok(ReportPage::new(
        layout,
        report,
        &q,
        choices,
        can_set_targets,
        &marks,
    ))
}

/// One table of the report as CSV (`table=headline`, `reconciliation`,
/// `institutions`, `trend` or a breakdown's key), header on line 1; what
/// the figures are is the companion file, `/reports/about.csv`.
pub async fn table_csv(
    state: web::Data<AppState>,
    user: CurrentUser,
    q: ReportQuery,
) -> AppResult<HttpResponse> {
    let report = table_report(&state, &user, &q).await?;
    let (name, body) = reporting::csv::table(&report, &q.table).map_err(AppError::internal)?;
    Ok(super::csv_download(&format!("local-spend-{name}")).body(body))
}

/// One table of the report as an Excel workbook: the table, then what the
/// figures are on a second sheet.
pub async fn table_xlsx(
    state: web::Data<AppState>,
    user: CurrentUser,
    q: ReportQuery,
) -> AppResult<HttpResponse> {
    let report = table_report(&state, &user, &q).await?;
    let (name, header, rows) = reporting::csv::table_rows(&report, &q.table);
    let body = reporting::xlsx::workbook(&name, &header, &rows, &report.stamp)
        .map_err(AppError::internal)?;
    Ok(super::download(
        &format!("local-spend-{name}"),
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    .body(body))
}

/// What the report's figures are (its stamp) as a CSV: the companion of
/// every table and of the audit export downloaded with the same query.
pub async fn about_csv(
    state: web::Data<AppState>,
    user: CurrentUser,
    q: ReportQuery,
) -> AppResult<HttpResponse> {
    let report = report_for(&state, &user, &q, Detail::Headline).await?;
    let body = reporting::csv::about(&report.stamp).map_err(AppError::internal)?;
    Ok(super::csv_download("local-spend-about").body(body))
}

/// The report a table download asks for, computed in the detail the table
/// needs; a member's own departments and expense types only for those who
/// may read its lines.
async fn table_report(
    state: &web::Data<AppState>,
    user: &CurrentUser,
    q: &ReportQuery,
) -> AppResult<Report> {
    let detail = match q.table.as_str() {
        "trend" => Detail::Trend,
        "department" | "expense_type" => Detail::Categories,
        key if key.starts_with("leakage_by_")
            || key.ends_with("_by_area") && key != "kind_by_area" =>
        {
            Detail::Categories
        }
        _ => Detail::Page,
    };
    let report = report_for(state, user, q, detail).await?;
    if reporting::OWN_STRUCTURE.contains(&q.table.as_str()) && report.access != NetworkAccess::Lines
    {
        return Err(AppError::Forbidden);
    }
    Ok(report)
}

/// Spend by department and expense type, and the expense types whose
/// spend leaves the innermost area.
pub async fn categories(
    state: web::Data<AppState>,
    user: CurrentUser,
    page: PageContext,
    q: ReportQuery,
) -> AppResult<HttpResponse> {
    let report = report_for(&state, &user, &q, Detail::Categories).await?;
    let layout = Layout::new(
        format!("Departments and expense types: {}", report.stamp.scope_name),
        Some(&user),
        &page,
    );
    html(&CategoriesPage::new(layout, report, &q))
}

/// Each headline figure across every financial year on record, under the
/// report's definition: a chart and a table.
pub async fn trend(
    state: web::Data<AppState>,
    user: CurrentUser,
    page: PageContext,
    q: ReportQuery,
) -> AppResult<HttpResponse> {
    let report = report_for(&state, &user, &q, Detail::Trend).await?;
    let marks = state
        .db(|c| Ok(marks(&reference_figures::list(c)?)))
        .await?;
    let layout = Layout::new(
        format!("Year on year: {}", report.stamp.scope_name),
        Some(&user),
        &page,
    );
    html(&TrendPage::new(layout, &report, &q, &marks))
}

/// The payments compliance report of one institution for a half year, and
/// its payments over £30,000.
pub async fn payments(
    state: web::Data<AppState>,
    user: CurrentUser,
    page: PageContext,
    q: PaymentsQuery,
) -> AppResult<HttpResponse> {
    let (st, viewer) = (state.clone(), user.viewer());
    let (report, choices) = state
        .db(move |c| {
            let report = payments::payments(c, &st.report_context(), &viewer, &q)?;
            let choices = DashboardChoices {
                institutions: institutions::list(c, &viewer.reach)?
                    .into_iter()
                    .map(|i| (i.id, i.name))
                    .collect(),
                networks: networks::visible_to(c, &viewer.reach)?,
            };
            Ok((report, choices))
        })
        .await?;
    let layout = Layout::new(
        format!("Payment performance: {}", report.stamp.scope_name),
        Some(&user),
        &page,
    );
    html(&PaymentsPage::new(layout, report, choices))
}

/// The payments report's tables as CSV: `table=compliance` (the default) or
/// `over_30000`.
pub async fn payments_csv(
    state: web::Data<AppState>,
    user: CurrentUser,
    q: PaymentsQuery,
) -> AppResult<HttpResponse> {
    let (st, viewer, qq) = (state.clone(), user.viewer(), q.clone());
    let report = state
        .db(move |c| Ok(payments::payments(c, &st.report_context(), &viewer, &qq)?))
        .await?;
    let (name, body) = payments::csv::table(&report, &q.table).map_err(AppError::internal)?;
    Ok(super::csv_download(&name).body(body))
}
