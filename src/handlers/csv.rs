//! CSV downloads: the response every export starts with, the spooled export
//! every download goes through (read whole in one snapshot into a file, then
//! sent), and the keyset-paged export the ledger, the register and the audit
//! log share (memory stays flat however many rows there are).

use actix_web::http::header;
use std::io::Write;

use actix_web::web;
use actix_web::{HttpResponse, HttpResponseBuilder};

use crate::auth::CurrentUser;
use crate::db::audit::{self, Change};
use crate::db::DbConn;
use crate::error::{AppError, AppResult};
use crate::export::{csv_chunk, UTF8_BOM};
use crate::spool::{send_file, TempFile};
use crate::state::{blocking, AppState};

/// The start of a CSV download: `text/csv` and an attachment named
/// `{stem}-{date}-{time}.csv` (UTC), for every export the app serves.
pub fn csv_download(stem: &str) -> HttpResponseBuilder {
    download(stem, "csv", "text/csv; charset=utf-8")
}

/// The start of a download: its content type and an attachment named
/// `{stem}-{date}-{time}.{extension}` (UTC).
pub fn download(stem: &str, extension: &str, content_type: &str) -> HttpResponseBuilder {
    let mut res = HttpResponse::Ok();
    res.content_type(content_type).insert_header((
        header::CONTENT_DISPOSITION,
        format!(
            "attachment; filename=\"{stem}-{}.{extension}\"",
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

/// What an export is, for its file name and its audit row.
pub struct Export {
    /// The file name's stem.
    pub stem: &'static str,
    /// What was exported and in what scope, as the audit log says it.
    pub what: String,
    /// The institution whose data it is, when it is one institution's.
    pub institution: Option<i64>,
}

/// Serves a CSV export: takes an export turn (refused with 429 when none is
/// free), has `write` produce the whole file inside one read snapshot on the
/// blocking pool (so the file agrees with itself and any stamp it carries),
/// records the export in the audit log, and only then streams the file: no
/// pooled connection waits on the client. `write` returns how many rows it
/// wrote.
pub async fn spooled_csv<F>(
    state: &web::Data<AppState>,
    user: &CurrentUser,
    export: Export,
    write: F,
) -> AppResult<HttpResponse>
where
    F: FnOnce(&mut DbConn, &mut dyn Write) -> AppResult<u64> + Send + 'static,
{
    let turn = state.exports.turn(user.id)?;
    let pool = state.pool.clone();
    let (file, rows) = blocking(move || -> AppResult<(TempFile, u64)> {
        let file = TempFile::new("csv");
        let mut out = std::io::BufWriter::new(
            std::fs::File::create(file.path()).map_err(AppError::internal)?,
        );
        let mut conn = pool.get()?;
        let rows = crate::db::read_tx(&mut conn, |c| write(c, &mut out))?;
        out.flush().map_err(AppError::internal)?;
        Ok((file, rows))
    })
    .await??;
    let actor = user.actor();
    let Export {
        stem,
        what,
        institution,
    } = export;
    state
        .db(move |c| {
            crate::db::write_tx(c, |c| {
                audit::record(
                    c,
                    &actor,
                    Change::new("export", "export", stem)
                        .institution(institution)
                        .summary(format!("Exported {what}: {rows} rows")),
                )
            })?;
            Ok(())
        })
        .await?;
    Ok(csv_download(stem).streaming(send_file(file, turn)?))
}

/// A keyset-paged export: a byte-order mark and the header, then each page
/// `read` returns, starting after key 0, all in one read snapshot.
pub async fn keyset_csv<R, F>(
    state: web::Data<AppState>,
    user: &CurrentUser,
    export: Export,
    header: &'static [&'static str],
    read: F,
) -> AppResult<HttpResponse>
where
    F: Fn(&mut DbConn, i64) -> AppResult<Page<R>> + Send + 'static,
    R: IntoIterator + Send + 'static,
    R::Item: AsRef<str>,
{
    spooled_csv(&state, user, export, move |c, out| {
        out.write_all(UTF8_BOM).map_err(AppError::internal)?;
        out.write_all(&csv_chunk([header]).map_err(AppError::internal)?)
            .map_err(AppError::internal)?;
        let (mut after, mut rows) = (Some(0_i64), 0);
        while let Some(key) = after {
            let page = read(c, key)?;
            rows += page.records.len() as u64;
            out.write_all(&csv_chunk(page.records).map_err(AppError::internal)?)
                .map_err(AppError::internal)?;
            after = page.next;
        }
        Ok(rows)
    })
    .await
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
