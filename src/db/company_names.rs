//! The word index over Companies House names, for near misses: each engine's
//! own full-text index. SQLite keeps a full-text table per release in use
//! (built before the release is put in use, swapped in with it); PostgreSQL
//! an expression index over the names (its migration).

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use super::companies::{fact_columns, facts, FactsRow};
use super::schema::companies as c;
use super::DbConn;
use crate::domain::similar::{is_prefix, spellings};
use crate::domain::supplier::CompanyFacts;

/// Companies copied into the index per statement, so that no statement holds
/// SQLite's write lock for long.
const BUILD_CHUNK: i64 = 250_000;

#[derive(QueryableByName)]
struct Number {
    #[diesel(sql_type = Text)]
    company_number: String,
}

/// SQLite: builds the index of a loaded release beside the one in use.
/// [`swap_in`] puts it in use, in the activation's transaction. PostgreSQL
/// maintains its index as rows are written, so there is nothing to build.
pub fn build(conn: &mut DbConn, release_id: i64) -> QueryResult<()> {
    match conn {
        DbConn::Sqlite(sqlite) => sqlite.batch_execute(
            "DROP TABLE IF EXISTS company_names_next; \
             CREATE VIRTUAL TABLE company_names_next USING fts5(name, number UNINDEXED, detail = none);",
        )?,
        #[cfg(feature = "postgres")]
        DbConn::Pg(_) => return Ok(()),
    }
    let mut after = String::new();
    loop {
        let upper: Option<Number> = diesel::sql_query(
            "SELECT company_number FROM companies WHERE release_id = $1 AND company_number > $2 \
             ORDER BY company_number LIMIT 1 OFFSET $3",
        )
        .bind::<BigInt, _>(release_id)
        .bind::<Text, _>(&after)
        .bind::<BigInt, _>(BUILD_CHUNK - 1)
        .get_result(conn)
        .optional()?;
        let bound = upper.as_ref().map_or("", |n| n.company_number.as_str());
        diesel::sql_query(
            "INSERT INTO company_names_next (name, number) \
             SELECT normalised_name, company_number FROM companies \
             WHERE release_id = $1 AND company_number > $2 AND ($3 = '' OR company_number <= $3)",
        )
        .bind::<BigInt, _>(release_id)
        .bind::<Text, _>(&after)
        .bind::<Text, _>(bound)
        .execute(conn)?;
        match upper {
            Some(n) => after = n.company_number,
            None => return Ok(()),
        }
    }
}

/// SQLite, inside the activation's transaction: the index just built
/// replaces the one in use.
pub fn swap_in(conn: &mut DbConn) -> QueryResult<()> {
    match conn {
        DbConn::Sqlite(c) => c.batch_execute(
            "DROP TABLE IF EXISTS company_names; \
             ALTER TABLE company_names_next RENAME TO company_names;",
        ),
        #[cfg(feature = "postgres")]
        DbConn::Pg(_) => Ok(()),
    }
}

/// One search as the engine's query language: every word, in any of its
/// spellings. Words are letters and digits only (normalised names), so they
/// need no escaping beyond the quotes.
fn query_text(words: &[String], sqlite: bool) -> String {
    let (and, or) = if sqlite {
        (" AND ", " OR ")
    } else {
        (" & ", " | ")
    };
    words
        .iter()
        .map(|word| {
            if is_prefix(word) {
                let stem = word.trim_end_matches('*');
                return if sqlite {
                    format!("\"{stem}\"*")
                } else {
                    format!("{stem}:*")
                };
            }
            let forms: Vec<String> = spellings(word)
                .into_iter()
                .map(|f| {
                    if sqlite {
                        format!("\"{f}\"")
                    } else {
                        f.to_owned()
                    }
                })
                .collect();
            format!("({})", forms.join(or))
        })
        .collect::<Vec<_>>()
        .join(and)
}

/// Companies in the release whose names hold every word of one of the
/// searches (at most `per_search` for each), with their facts.
pub fn candidates(
    conn: &mut DbConn,
    release_id: i64,
    searches: &[Vec<String>],
    per_search: i64,
) -> QueryResult<Vec<CompanyFacts>> {
    let mut numbers: Vec<String> = Vec::new();
    for words in searches.iter().filter(|w| !w.is_empty()) {
        let found: Vec<Number> = match conn {
            DbConn::Sqlite(_) => diesel::sql_query(
                "SELECT number AS company_number FROM company_names WHERE company_names MATCH $1 LIMIT $2",
            )
            .bind::<Text, _>(query_text(words, true))
            .bind::<BigInt, _>(per_search)
            .load(conn)?,
            #[cfg(feature = "postgres")]
            DbConn::Pg(_) => diesel::sql_query(
                "SELECT company_number FROM companies WHERE release_id = $1 \
                 AND to_tsvector('simple', normalised_name) @@ to_tsquery('simple', $2) LIMIT $3",
            )
            .bind::<BigInt, _>(release_id)
            .bind::<Text, _>(query_text(words, false))
            .bind::<BigInt, _>(per_search)
            .load(conn)?,
        };
        numbers.extend(found.into_iter().map(|n| n.company_number));
    }
    numbers.sort_unstable();
    numbers.dedup();
    if numbers.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<FactsRow> = c::table
        .filter(c::release_id.eq(release_id))
        .filter(c::company_number.eq_any(numbers))
        .select(fact_columns())
        .load(conn)?;
    Ok(rows.into_iter().map(facts).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn searches_become_each_engines_query() {
        let words = vec!["STANLEY".to_owned(), "BROTHERS".to_owned()];
        assert_eq!(
            query_text(&words, true),
            "(\"STANLEY\") AND (\"BROTHERS\" OR \"BROS\" OR \"BRO\")"
        );
        assert_eq!(
            query_text(&words, false),
            "(STANLEY) & (BROTHERS | BROS | BRO)"
        );
        let typo = vec!["STA*".to_owned(), "TIPPERS".to_owned()];
        assert_eq!(query_text(&typo, true), "\"STA\"* AND (\"TIPPERS\")");
        assert_eq!(query_text(&typo, false), "STA:* & (TIPPERS)");
    }
}
