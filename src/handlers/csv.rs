//! CSV downloads: the response every export starts with, and the one
//! streamed, keyset-paged export the ledger, the register and the audit log
//! share (memory stays flat however many rows there are).

use actix_web::http::header;
use actix_web::web::{self, Bytes};
use actix_web::{HttpResponse, HttpResponseBuilder};
use futures_util::{stream, StreamExt};

use crate::db::DbConn;
use crate::error::{AppError, AppResult};
use crate::export::{csv_chunk, UTF8_BOM};
use crate::state::AppState;

/// The start of a CSV download: `text/csv` and an attachment named
/// `{stem}-{date}-{time}.csv` (UTC), for every export the app serves.
pub fn csv_download(stem: &str) -> HttpResponseBuilder {
    let mut res = HttpResponse::Ok();
    res.content_type("text/csv; charset=utf-8").insert_header((
        header::CONTENT_DISPOSITION,
        format!(
            "attachment; filename=\"{stem}-{}.csv\"",
            crate::db::now().format("%Y%m%d-%H%M%S")
        ),
    ));
    res
}

/// One keyset page of an export: its records, and the key the next page
/// starts after (`None` after the last page).
pub struct Page<R> {
    pub records: Vec<R>,
    pub next: Option<i64>,
}

impl<R> Page<R> {
    /// The page made of `rows`, read `limit` at a time in order of `key`: a
    /// short page is the last.
    pub fn of<T>(
        rows: &[T],
        limit: i64,
        key: impl Fn(&T) -> i64,
        record: impl Fn(&T) -> R,
    ) -> Self {
        Self {
            records: rows.iter().map(record).collect(),
            next: rows.last().filter(|_| rows.len() as i64 == limit).map(key),
        }
    }
}

/// Streams a CSV download named after `stem`: a byte-order mark and the
/// header, then each page `read` returns, starting after key 0. Every page
/// is read (and its records written) on the blocking pool.
pub fn keyset_csv<R, F>(
    state: web::Data<AppState>,
    stem: &str,
    header: &[&str],
    read: F,
) -> AppResult<HttpResponse>
where
    F: Fn(&mut DbConn, i64) -> AppResult<Page<R>> + Clone + Send + 'static,
    R: IntoIterator + Send + 'static,
    R::Item: AsRef<str>,
{
    let mut head = UTF8_BOM.to_vec();
    head.extend(csv_chunk([header]).map_err(AppError::internal)?);
    let head = stream::once(async move { Ok::<_, AppError>(Bytes::from(head)) });
    let body = stream::unfold(Some(0_i64), move |cursor| {
        let (state, read) = (state.clone(), read.clone());
        async move {
            let after = cursor?;
            match state.db(move |c| read(c, after)).await {
                Err(e) => Some((Err(e), None)),
                Ok(page) if page.records.is_empty() => None,
                Ok(page) => {
                    let chunk = csv_chunk(page.records)
                        .map(Bytes::from)
                        .map_err(AppError::internal);
                    Some((chunk, page.next))
                }
            }
        }
    });
    Ok(csv_download(stem).streaming(head.chain(body)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_page_leads_on_and_a_short_one_is_the_last() {
        let rows = [(3_i64, "a"), (7, "b")];
        let full = Page::of(&rows, 2, |r| r.0, |r| [r.1]);
        assert_eq!(full.next, Some(7));
        assert_eq!(full.records, [["a"], ["b"]]);
        let short = Page::of(&rows, 3, |r| r.0, |r| [r.1]);
        assert_eq!(short.next, None);
        let none = Page::of(&rows[..0], 2, |r| r.0, |r| [r.1]);
        assert!(none.records.is_empty() && none.next.is_none());
    }
}
