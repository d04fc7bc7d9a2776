//! Liveness and readiness for load balancers and monitoring.

use actix_web::{web, HttpResponse};
use diesel::connection::SimpleConnection;

use crate::db;
use crate::state::AppState;

/// 200 with the backend's name when the database answers, 503 otherwise.
pub async fn healthz(state: web::Data<AppState>) -> HttpResponse {
    let checked = state
        .db(|conn| {
            conn.batch_execute("SELECT 1")?;
            Ok(db::Backend::of(conn).name())
        })
        .await;
    match checked {
        Ok(backend) => {
            HttpResponse::Ok().json(serde_json::json!({ "status": "ok", "database": backend }))
        }
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            HttpResponse::ServiceUnavailable()
                .json(serde_json::json!({ "status": "error", "database": "unreachable" }))
        }
    }
}
