//! Near misses: suppliers whose names are likely another supplier's or a
//! company's with a word added, dropped, abbreviated or mistyped, each with
//! its score. They are proposals: a clerk merges or accepts, nothing here
//! changes the register.

use std::collections::HashMap;

use diesel::prelude::*;

use crate::db::schema::suppliers as s;
use crate::db::suppliers::Supplier;
use crate::db::{company_names, DbConn};
use crate::domain::similar::{self, spellings, THRESHOLD};
use crate::domain::supplier::{is_redacted, CompanyFacts};
use crate::error::AppError;

/// Companies looked at per word search; the best-scoring few are kept.
const PER_SEARCH: i64 = 40;
/// Near misses kept per name.
const KEPT: usize = 3;
/// A word shared by more suppliers than this is no lead to a near miss on
/// its own (the other words of the name still are).
const COMMON_WORD: usize = 500;

/// A company likely to be the supplier.
#[derive(Debug, Clone)]
pub struct CompanyNearMiss {
    pub supplier_id: i64,
    pub supplier_name: String,
    pub company: CompanyFacts,
    pub score: f64,
}

impl CompanyNearMiss {
    pub fn percent(&self) -> u8 {
        similar::percent(self.score)
    }
}

/// Two suppliers likely to be one organisation.
#[derive(Debug, Clone, PartialEq)]
pub struct SupplierPair {
    pub first: (i64, String),
    pub second: (i64, String),
    pub score: f64,
}

impl SupplierPair {
    pub fn percent(&self) -> u8 {
        similar::percent(self.score)
    }
}

fn best_first<T>(list: &mut [T], score: impl Fn(&T) -> f64) {
    list.sort_by(|a, b| score(b).total_cmp(&score(a)));
}

/// Companies in the release likely to be the organisation `name` means, best
/// first; none when a company has exactly its normalised name (that is a
/// match, proposed as such).
pub fn companies_like(
    conn: &mut DbConn,
    release_id: i64,
    name: &str,
) -> Result<Vec<(CompanyFacts, f64)>, AppError> {
    let words = similar::words(name);
    if words.is_empty() || is_redacted(name) {
        return Ok(Vec::new());
    }
    let normal = crate::domain::supplier::normalise_name(name);
    let searches = similar::searches(&words);
    // Every word first: a company with exactly the name is found there, and
    // then there is nothing more to look for.
    let mut found = company_names::candidates(conn, release_id, &searches[..1], PER_SEARCH)?;
    if found
        .iter()
        .any(|c| crate::domain::supplier::normalise_name(&c.name) == normal)
    {
        return Ok(Vec::new());
    }
    for c in company_names::candidates(conn, release_id, &searches[1..], PER_SEARCH)? {
        if !found.iter().any(|f| f.company_number == c.company_number) {
            found.push(c);
        }
    }
    let mut scored: Vec<(CompanyFacts, f64)> = found
        .into_iter()
        .map(|c| {
            let score = similar::score(&words, &similar::words(&c.name));
            (c, score)
        })
        .filter(|(_, score)| *score >= THRESHOLD)
        .collect();
    best_first(&mut scored, |(_, score)| *score);
    scored.truncate(KEPT);
    Ok(scored)
}

/// Whether a supplier is one whose company is still to be found by name:
/// live, with no company number, not a public body or a redacted payee.
fn wants_company(s: &Supplier) -> bool {
    s.merged_into.is_none()
        && s.company_number.is_none()
        && !s.is_public_body
        && !is_redacted(&s.name)
}

/// The near misses of one supplier among the release's companies.
pub fn for_supplier(
    conn: &mut DbConn,
    release_id: i64,
    supplier: &Supplier,
) -> Result<Vec<CompanyNearMiss>, AppError> {
    if !wants_company(supplier) {
        return Ok(Vec::new());
    }
    Ok(companies_like(conn, release_id, &supplier.name)?
        .into_iter()
        .map(|(company, score)| CompanyNearMiss {
            supplier_id: supplier.id,
            supplier_name: supplier.name.clone(),
            company,
            score,
        })
        .collect())
}

/// Suppliers after `after` (by id) with companies near their names,
/// reading at most `max_read` suppliers (a bounded look, see
/// [`super::enrich::scan_register`]).
pub fn company_scan(
    conn: &mut DbConn,
    release_id: i64,
    after: i64,
    max_read: usize,
) -> Result<super::enrich::Scan<CompanyNearMiss>, AppError> {
    super::enrich::scan_register(conn, after, usize::MAX, max_read, |conn, s, found| {
        found.extend(for_supplier(conn, release_id, &s)?);
        Ok(())
    })
}

/// Live suppliers likely to be the same organisation as `supplier`, best
/// first (those sharing its match key are listed as duplicates already).
pub fn suppliers_like(
    conn: &mut DbConn,
    supplier: &Supplier,
) -> Result<Vec<(i64, String, f64)>, AppError> {
    let words = similar::words(&supplier.name);
    if words.is_empty() || is_redacted(&supplier.name) {
        return Ok(Vec::new());
    }
    let mut query = s::table
        .filter(s::merged_into.is_null())
        .filter(s::id.ne(supplier.id))
        .filter(s::match_key.ne(&supplier.match_key))
        .select((s::id, s::name))
        .into_boxed();
    let mut any: Option<
        Box<dyn BoxableExpression<s::table, _, SqlType = diesel::sql_types::Bool>>,
    > = None;
    for word in &words {
        for spelling in spellings(word) {
            let like = s::normalised_name.like(format!("%{spelling}%"));
            any = Some(match any {
                None => Box::new(like),
                Some(before) => Box::new(before.or(like)),
            });
        }
    }
    if let Some(any) = any {
        query = query.filter(any);
    }
    let rows: Vec<(i64, String)> = query.limit(5_000).load(conn)?;
    let mut scored: Vec<(i64, String, f64)> = rows
        .into_iter()
        .map(|(id, name)| {
            let score = similar::score(&words, &similar::words(&name));
            (id, name, score)
        })
        .filter(|(_, _, score)| *score >= THRESHOLD)
        .collect();
    best_first(&mut scored, |(_, _, score)| *score);
    scored.truncate(KEPT * 2);
    Ok(scored)
}

/// Every pair of live suppliers likely to be one organisation, best first:
/// names sharing at least one word (in full), scored, above the threshold,
/// with different match keys.
pub fn register_pairs(conn: &mut DbConn) -> Result<Vec<SupplierPair>, AppError> {
    let rows: Vec<(i64, String, String)> = s::table
        .filter(s::merged_into.is_null())
        .order(s::id)
        .select((s::id, s::name, s::match_key))
        .load(conn)?;
    let named: Vec<(i64, String, String, Vec<String>)> = rows
        .into_iter()
        .filter(|(_, name, _)| !is_redacted(name))
        .map(|(id, name, key)| {
            let words = similar::words(&name);
            (id, name, key, words)
        })
        .collect();
    let mut by_word: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, (_, _, _, words)) in named.iter().enumerate() {
        for w in words {
            let list = by_word.entry(w.as_str()).or_default();
            if list.last() != Some(&i) {
                list.push(i);
            }
        }
    }
    let mut pairs = Vec::new();
    let mut seen: Vec<usize> = Vec::new();
    for (i, (id, name, key, words)) in named.iter().enumerate() {
        seen.clear();
        for w in words {
            let Some(list) = by_word.get(w.as_str()) else {
                continue;
            };
            if list.len() > COMMON_WORD {
                continue;
            }
            seen.extend(list.iter().copied().filter(|&j| j > i));
        }
        seen.sort_unstable();
        seen.dedup();
        for &j in &seen {
            let (other_id, other_name, other_key, other_words) = &named[j];
            if other_key == key {
                continue;
            }
            let score = similar::score(words, other_words);
            if score >= THRESHOLD {
                pairs.push(SupplierPair {
                    first: (*id, name.clone()),
                    second: (*other_id, other_name.clone()),
                    score,
                });
            }
        }
    }
    best_first(&mut pairs, |p| p.score);
    Ok(pairs)
}
