//! Static files compiled into the binary, so a deployment is one file.

use actix_web::http::header;
use actix_web::HttpResponse;

const APP_CSS: &str = include_str!("../../static/app.css");

pub async fn app_css() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(APP_CSS)
}

const SPEND_JS: &str = include_str!("../../static/spend.js");

pub async fn spend_js() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(SPEND_JS)
}
