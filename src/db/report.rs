//! What a report reads: spend aggregated per institution, supplier and
//! payment type for a period, and where each supplier is now (the derived
//! `supplier_locations`, refreshed on read, so a reclassification shows in
//! the next report with no rebuild step).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text};

use super::schema::{spend_lines as l, spend_totals as t, supplier_locations as loc};
use super::DbConn;
use crate::domain::classify::Definition;
use crate::domain::figures::{IdMap, Place, SpendCell};
use crate::domain::spend::{PaymentType, VatBasis};

/// A payment type as stored; the schema admits only known codes.
fn payment_type(code: &str) -> QueryResult<PaymentType> {
    PaymentType::from_code(code).ok_or_else(|| {
        diesel::result::Error::DeserializationError(
            format!("unknown payment type {code:?} in the spend tables").into(),
        )
    })
}

/// Ids for an `IN (…)` list: integers only, so safe to write into SQL.
fn id_list(ids: &[i64]) -> String {
    ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
}

#[derive(QueryableByName)]
struct CellRow {
    #[diesel(sql_type = BigInt)]
    institution_id: i64,
    #[diesel(sql_type = Nullable<BigInt>)]
    supplier_id: Option<i64>,
    #[diesel(sql_type = Text)]
    payment_type: String,
    #[diesel(sql_type = Nullable<Text>)]
    department: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    expense_type: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    category: Option<String>,
    #[diesel(sql_type = BigInt)]
    pence: i64,
    #[diesel(sql_type = BigInt)]
    lines: i64,
}

/// Live spend of the institutions between two dates (inclusive), per
/// institution, supplier, payment type, department and expense type.
pub fn spend_cells(
    conn: &mut DbConn,
    institutions: &[i64],
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<SpendCell>> {
    if institutions.is_empty() {
        return Ok(Vec::new());
    }
    let ids = id_list(institutions);
    let rows: Vec<CellRow> = diesel::sql_query(format!(
        "SELECT institution_id, supplier_id, payment_type, department, expense_type, category, \
         CAST(SUM(amount_pence) AS BIGINT) AS pence, COUNT(*) AS lines FROM spend_lines \
         WHERE institution_id IN ({ids}) AND deleted_at IS NULL AND payment_date BETWEEN $1 AND $2 \
         GROUP BY institution_id, supplier_id, payment_type, department, expense_type, category"
    ))
    .bind::<diesel::sql_types::Date, _>(from)
    .bind::<diesel::sql_types::Date, _>(to)
    .load(conn)?;
    rows.into_iter()
        .map(|r| {
            Ok(SpendCell {
                institution_id: r.institution_id,
                supplier_id: r.supplier_id,
                payment_type: payment_type(&r.payment_type)?,
                department: r.department,
                expense_type: r.expense_type,
                category: r.category,
                pence: r.pence,
                lines: r.lines,
            })
        })
        .collect()
}

/// A report's period. A whole financial year reads the kept totals
/// (`spend_totals`); any other dates read the lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    Year(i32),
    Dates(NaiveDate, NaiveDate),
}

/// A text enum's stored code read as its place in `codes`, so that many
/// rows are read as integers rather than strings:
/// `CASE column WHEN 'code' THEN 0 … END` (codes are the enum's own
/// literals, never user input).
fn code_index(column: &str, codes: impl Iterator<Item = &'static str>) -> String {
    let mut sql = format!("CASE {column}");
    for (k, code) in codes.enumerate() {
        sql.push_str(&format!(" WHEN '{code}' THEN {k}"));
    }
    sql.push_str(" END");
    sql
}

/// Totals as read: the cells, and which VAT bases they were recorded on.
#[derive(Default)]
struct Collected {
    cells: Vec<SpendCell>,
    bases: [bool; VatBasis::ALL.len()],
}

/// A total as read, with the index of its VAT basis.
fn decode(
    (institution_id, supplier_key, payment_type, vat_basis, pence, lines): CodedTotal,
) -> QueryResult<(SpendCell, usize)> {
    let unknown = |what: &str| {
        diesel::result::Error::DeserializationError(
            format!("unknown {what} in the spend totals").into(),
        )
    };
    let payment_type = payment_type
        .and_then(|k| PaymentType::ALL.get(usize::try_from(k).ok()?))
        .ok_or_else(|| unknown("payment type"))?;
    let basis = vat_basis
        .and_then(|k| usize::try_from(k).ok())
        .filter(|k| *k < VatBasis::ALL.len())
        .ok_or_else(|| unknown("VAT basis"))?;
    let cell = SpendCell {
        institution_id,
        supplier_id: (supplier_key != 0).then_some(supplier_key),
        payment_type: *payment_type,
        department: None,
        expense_type: None,
        category: None,
        pence,
        lines,
    };
    Ok((cell, basis))
}

impl Collected {
    fn add(&mut self, row: CodedTotal) -> QueryResult<()> {
        let (cell, basis) = decode(row)?;
        self.bases[basis] = true;
        self.cells.push(cell);
        Ok(())
    }

    /// The cells and the codes of the VAT bases, in code order.
    fn finish(self) -> (Vec<SpendCell>, Vec<String>) {
        let mut bases: Vec<String> = VatBasis::ALL
            .iter()
            .zip(self.bases)
            .filter(|(_, seen)| *seen)
            .map(|(b, _)| b.code().to_owned())
            .collect();
        bases.sort();
        (self.cells, bases)
    }
}

/// Institution, supplier key, payment type and VAT basis (as indexes of
/// their enums), pence and lines.
type CodedTotal = (i64, i64, Option<i32>, Option<i32>, i64, i64);

type CodedIndex = diesel::expression::SqlLiteral<Nullable<diesel::sql_types::Integer>>;

/// The columns of `spend_totals` read as a [`CodedTotal`].
fn coded_columns() -> (
    t::institution_id,
    t::supplier_key,
    CodedIndex,
    CodedIndex,
    t::pence,
    t::lines,
) {
    (
        t::institution_id,
        t::supplier_key,
        diesel::dsl::sql(&code_index(
            "payment_type",
            PaymentType::ALL.iter().map(|t| t.code()),
        )),
        diesel::dsl::sql(&code_index(
            "vat_basis",
            VatBasis::ALL.iter().map(|b| b.code()),
        )),
        t::pence,
        t::lines,
    )
}

/// Live spend of the institutions in a period per institution, supplier and
/// payment type, with the VAT bases it was recorded on.
pub fn totals(
    conn: &mut DbConn,
    institutions: &[i64],
    period: Period,
) -> QueryResult<(Vec<SpendCell>, Vec<String>)> {
    use diesel::connection::DefaultLoadingMode;
    use diesel::sql_types::Integer;
    let mut collected = Collected::default();
    match period {
        Period::Year(fy) => {
            // Read row by row: a network's year is over 100,000 totals.
            let query = t::table
                .filter(t::institution_id.eq_any(institutions))
                .filter(t::fy.eq(fy))
                .select(coded_columns());
            match conn {
                DbConn::Sqlite(c) => {
                    for row in query.load_iter::<CodedTotal, DefaultLoadingMode>(c)? {
                        collected.add(row?)?;
                    }
                }
                #[cfg(feature = "postgres")]
                DbConn::Pg(c) => {
                    for row in query.load_iter::<CodedTotal, DefaultLoadingMode>(c)? {
                        collected.add(row?)?;
                    }
                }
            }
        }
        Period::Dates(from, to) => {
            #[derive(QueryableByName)]
            struct Row {
                #[diesel(sql_type = BigInt)]
                institution_id: i64,
                #[diesel(sql_type = BigInt)]
                supplier_key: i64,
                #[diesel(sql_type = Nullable<Integer>)]
                payment_type: Option<i32>,
                #[diesel(sql_type = Nullable<Integer>)]
                vat_basis: Option<i32>,
                #[diesel(sql_type = BigInt)]
                pence: i64,
                #[diesel(sql_type = BigInt)]
                lines: i64,
            }
            let ids = id_list(institutions);
            let payment_type =
                code_index("payment_type", PaymentType::ALL.iter().map(|t| t.code()));
            let vat_basis = code_index("vat_basis", VatBasis::ALL.iter().map(|b| b.code()));
            let rows: Vec<Row> = diesel::sql_query(format!(
                "SELECT institution_id, COALESCE(supplier_id, 0) AS supplier_key, \
                 {payment_type} AS payment_type, {vat_basis} AS vat_basis, \
                 CAST(SUM(amount_pence) AS BIGINT) AS pence, COUNT(*) AS lines FROM spend_lines \
                 WHERE institution_id IN ({ids}) AND deleted_at IS NULL AND payment_date BETWEEN $1 AND $2 \
                 GROUP BY institution_id, COALESCE(supplier_id, 0), payment_type, vat_basis"
            ))
            .bind::<diesel::sql_types::Date, _>(from)
            .bind::<diesel::sql_types::Date, _>(to)
            .load(conn)?;
            for r in rows {
                collected.add((
                    r.institution_id,
                    r.supplier_key,
                    r.payment_type,
                    r.vat_basis,
                    r.pence,
                    r.lines,
                ))?;
            }
        }
    }
    Ok(collected.finish())
}

/// A year's totals as loaded: the cells in institution order and the VAT
/// bases.
pub type YearTotals = Arc<(Vec<SpendCell>, Vec<String>)>;

/// Recently read financial-year totals, kept in memory while every
/// institution's `spend_totals_version` is unchanged (any change to an
/// institution's lines bumps it in the same transaction).
#[derive(Default)]
pub struct TotalsCache(Mutex<TotalsKept>);

/// The institutions' versions when read, when last used, and the totals.
type KeptYear = (Vec<(i64, i64)>, u64, YearTotals);

#[derive(Default)]
struct TotalsKept {
    tick: u64,
    entries: HashMap<(Vec<i64>, i32), KeptYear>,
}

/// How long a network's read waits for a second connection before reading
/// alone.
const SPARE_WAIT: std::time::Duration = std::time::Duration::from_millis(20);

impl TotalsCache {
    /// At most this many cells are kept (about 100 bytes each).
    const MAX_CELLS: usize = 1_000_000;

    /// A financial year's totals for the institutions; `pool`, if given,
    /// lends a second connection to read a network's faster.
    pub fn year(
        &self,
        conn: &mut DbConn,
        pool: Option<&super::DbPool>,
        institutions: &[i64],
        fy: i32,
    ) -> QueryResult<YearTotals> {
        use super::schema::spend_totals_version as v;
        let mut ids = institutions.to_vec();
        ids.sort_unstable();
        let known: HashMap<i64, i64> = v::table
            .filter(v::institution_id.eq_any(&ids))
            .select((v::institution_id, v::version))
            .load::<(i64, i64)>(conn)?
            .into_iter()
            .collect();
        let versions: Vec<(i64, i64)> = ids
            .iter()
            .map(|id| (*id, known.get(id).copied().unwrap_or(0)))
            .collect();
        let key = (ids, fy);
        {
            let mut kept = self.0.lock().unwrap_or_else(|e| e.into_inner());
            kept.tick += 1;
            let tick = kept.tick;
            if let Some((at, used, totals)) = kept.entries.get_mut(&key) {
                if *at == versions {
                    *used = tick;
                    return Ok(totals.clone());
                }
            }
        }
        // Several institutions: half of them are read on a second connection
        // alongside, if one is free or can be opened at once (waiting at most
        // a moment, so that busy requests cannot hold each other up; an idle
        // pool holds no spare connection until asked).
        let spare = match key.0.len() {
            n if n > 1 => pool.and_then(|p| p.get_timeout(SPARE_WAIT).ok()),
            _ => None,
        };
        let (mut cells, bases) = match spare {
            Some(mut spare) => {
                let (first, second) = key.0.split_at(key.0.len() / 2);
                std::thread::scope(|scope| {
                    let other = scope.spawn(move || totals(&mut spare, second, Period::Year(fy)));
                    let (mut cells, mut bases) = totals(conn, first, Period::Year(fy))?;
                    let (more, more_bases) = other.join().map_err(|_| {
                        diesel::result::Error::QueryBuilderError(
                            "the second reader of a year's totals stopped".into(),
                        )
                    })??;
                    cells.extend(more);
                    bases.extend(more_bases);
                    bases.sort();
                    bases.dedup();
                    Ok::<_, diesel::result::Error>((cells, bases))
                })?
            }
            _ => totals(conn, &key.0, Period::Year(fy))?,
        };
        cells.sort_by_key(|c| c.institution_id);
        let loaded: YearTotals = Arc::new((cells, bases));
        let mut kept = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let tick = kept.tick;
        kept.entries.insert(key, (versions, tick, loaded.clone()));
        // The least recently used go first.
        while kept.entries.len() > 1
            && kept.entries.values().map(|e| e.2 .0.len()).sum::<usize>() > Self::MAX_CELLS
        {
            let oldest = kept
                .entries
                .iter()
                .min_by_key(|(_, e)| e.1)
                .map(|(k, _)| k.clone());
            match oldest {
                Some(k) => kept.entries.remove(&k),
                None => break,
            };
        }
        Ok(loaded)
    }
}

/// Live spend per financial year, institution, supplier and payment type,
/// for every year on record.
pub fn totals_by_year(
    conn: &mut DbConn,
    institutions: &[i64],
) -> QueryResult<Vec<(i32, SpendCell)>> {
    let rows: Vec<(i32, CodedTotal)> = t::table
        .filter(t::institution_id.eq_any(institutions))
        .select((t::fy, coded_columns()))
        .load(conn)?;
    rows.into_iter()
        .map(|(fy, row)| Ok((fy, decode(row)?.0)))
        .collect()
}

/// What a report needs to know of a supplier: its name, where it is now and
/// what kind of organisation it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    pub name: String,
    pub located: Option<Located>,
    pub size_band: Option<String>,
    /// VCSE, charity, CIC, co-operative, employee-owned, social enterprise,
    /// public body (the order of [`KINDS`]).
    pub kinds: [bool; 7],
    pub sic_codes: String,
    /// Whether another location basis could place it elsewhere (it has a
    /// branch or invoice postcode, or a basis other than its registered
    /// office, and no manual placement): only these are worked out again
    /// for the sensitivity table.
    pub has_alternatives: bool,
    /// An accredited Real Living Wage employer.
    pub living_wage: bool,
}

/// Facts by supplier id.
pub type FactsMap = crate::domain::figures::IdMap<i64, Facts>;

/// The kinds of organisation a report breaks spend down by.
pub const KINDS: [&str; 7] = [
    "VCSE",
    "Charity",
    "Community interest company",
    "Co-operative",
    "Employee-owned",
    "Social enterprise",
    "Public body",
];

type FactsTuple = (
    (i64, String, Option<String>, String, String),
    (bool, bool, bool, bool, bool, bool, bool),
    bool,
    Option<(
        Option<String>,
        Option<String>,
        bool,
        Option<String>,
        Option<i32>,
        Option<String>,
    )>,
);

/// The facts of every supplier on the register (not merged away), with
/// their stored locations.
pub fn all_facts(conn: &mut DbConn) -> QueryResult<FactsMap> {
    use super::schema::suppliers as s;
    let rows: Vec<FactsTuple> = s::table
        .left_join(loc::table)
        .filter(s::merged_into.is_null())
        .select((
            (s::id, s::name, s::size_band, s::sic_codes, s::living_wage),
            (
                s::is_vcse,
                s::is_charity,
                s::is_cic,
                s::is_cooperative,
                s::is_employee_owned,
                s::is_social_enterprise,
                s::is_public_body,
            ),
            s::override_place.is_null().and(
                s::postcode_branch
                    .is_not_null()
                    .or(s::postcode_invoice.is_not_null())
                    .or(s::location_basis.ne("registered_office")),
            ),
            (
                loc::postcode,
                loc::district_code,
                loc::outside_uk,
                loc::unknown_reason,
                loc::imd_decile,
                loc::terminated,
            )
                .nullable(),
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |((id, name, size_band, sic_codes, living_wage), k, has_alternatives, located)| {
                let located = located.map(
                    |(
                        postcode,
                        district_code,
                        outside_uk,
                        unknown_reason,
                        imd_decile,
                        terminated,
                    )| {
                        Located {
                            supplier_id: id,
                            postcode,
                            district_code,
                            outside_uk,
                            unknown_reason,
                            imd_decile,
                            terminated,
                        }
                    },
                );
                let facts = Facts {
                    name,
                    located,
                    size_band,
                    kinds: [k.0, k.1, k.2, k.3, k.4, k.5, k.6],
                    sic_codes,
                    has_alternatives,
                    living_wage: living_wage == "yes",
                };
                (id, facts)
            },
        )
        .collect())
}

/// Every supplier's facts, kept in memory while the stored locations are
/// unchanged: they are worked out again after any change to a supplier,
/// which bumps `supplier_facts_version` in the same transaction, so each
/// app instance sees a change on its next report.
#[derive(Default)]
pub struct FactsCache(Mutex<Option<(i64, Arc<Snapshot>)>>);

/// Where each supplier counts under one definition version.
pub type Places = Arc<IdMap<i64, Place>>;

/// Every supplier's facts at one version, and where each counts under the
/// definitions reported on since (worked out once per definition version,
/// which never changes once saved).
pub struct Snapshot {
    pub facts: FactsMap,
    places: Mutex<HashMap<(i64, i64), Places>>,
}

impl Snapshot {
    /// Where a supplier (or a withheld payee) counts under `definition`,
    /// whose kept places are `places`.
    pub fn place(&self, places: &Places, definition: &Definition, supplier: Option<i64>) -> Place {
        match supplier.and_then(|id| places.get(&id)) {
            Some(p) => p.clone(),
            None => {
                let located = supplier
                    .and_then(|id| self.facts.get(&id))
                    .and_then(|f| f.located.as_ref());
                place_of(located, definition, supplier)
            }
        }
    }

    pub fn places(&self, definition: &Definition) -> Places {
        let mut kept = self.places.lock().unwrap_or_else(|e| e.into_inner());
        kept.entry((definition.id, definition.version))
            .or_insert_with(|| {
                Arc::new(
                    self.facts
                        .iter()
                        .map(|(id, f)| (*id, place_of(f.located.as_ref(), definition, Some(*id))))
                        .collect(),
                )
            })
            .clone()
    }
}

impl FactsCache {
    /// The facts as they are now (call after `locations::refresh_stale`).
    pub fn current(&self, conn: &mut DbConn) -> QueryResult<Arc<Snapshot>> {
        use super::schema::supplier_facts_version as v;
        let version: i64 = v::table.select(v::version).first(conn)?;
        let mut kept = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((at, snapshot)) = kept.as_ref() {
            if *at == version {
                return Ok(snapshot.clone());
            }
        }
        let snapshot = Arc::new(Snapshot {
            facts: all_facts(conn)?,
            places: Mutex::default(),
        });
        *kept = Some((version, snapshot.clone()));
        Ok(snapshot)
    }
}

/// Where a supplier is, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct Located {
    pub supplier_id: i64,
    pub postcode: Option<String>,
    pub district_code: Option<String>,
    pub outside_uk: bool,
    pub unknown_reason: Option<String>,
    pub imd_decile: Option<i32>,
    pub terminated: Option<String>,
}

/// Where a supplier counts under a definition.
pub fn place_of(
    located: Option<&Located>,
    definition: &Definition,
    supplier: Option<i64>,
) -> Place {
    let Some(_) = supplier else {
        return Place::Unknown("name withheld".into());
    };
    let Some(l) = located else {
        return Place::Unknown("not yet located".into());
    };
    if let Some(reason) = &l.unknown_reason {
        return Place::Unknown(reason.as_str().into());
    }
    if l.outside_uk {
        return Place::OutsideUk;
    }
    match &l.district_code {
        // `tier_of` counts from 1.
        Some(d) => definition
            .tier_of(d)
            .map_or(Place::RestOfUk, |k| Place::Tier(k - 1)),
        None => Place::Unknown("no district".into()),
    }
}

/// The first and last payment dates on record for the institutions. One
/// institution at a time, so that each is two steps down the index.
/// Lines dated in `from..=to` that are suppliers' totals for a period not
/// wholly inside it (a quarter's view holding a year's totals), and their
/// sum in pence.
pub fn period_totals_beyond(
    conn: &mut DbConn,
    institutions: &[i64],
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<(i64, i64)> {
    let rows: Vec<(Option<String>, i64)> = l::table
        .filter(l::institution_id.eq_any(institutions))
        .filter(l::deleted_at.is_null())
        .filter(l::payment_date.between(from, to))
        .filter(l::period.is_not_null())
        .select((l::period, l::amount_pence))
        .load(conn)?;
    Ok(rows
        .iter()
        .filter(|(p, _)| {
            p.as_deref()
                .and_then(crate::domain::period::parse_interval)
                .is_none_or(|(a, b)| a < from || b > to)
        })
        .fold((0, 0), |(n, sum), (_, pence)| (n + 1, sum + pence)))
}

pub fn date_range(
    conn: &mut DbConn,
    institutions: &[i64],
) -> QueryResult<(Option<NaiveDate>, Option<NaiveDate>)> {
    let (mut first, mut last): (Option<NaiveDate>, Option<NaiveDate>) = (None, None);
    for id in institutions {
        let live = || {
            l::table
                .filter(l::institution_id.eq(*id))
                .filter(l::deleted_at.is_null())
                .select(l::payment_date)
        };
        let a = live().order(l::payment_date).first(conn).optional()?;
        let b = live()
            .order(l::payment_date.desc())
            .first(conn)
            .optional()?;
        first = first.into_iter().chain(a).min();
        last = last.into_iter().chain(b).max();
    }
    Ok((first, last))
}

/// What the audit export needs of a line (only these columns are read: a
/// million lines' descriptions and references would double its time).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = l)]
pub struct AuditLine {
    pub id: i64,
    pub institution_id: i64,
    pub payment_date: NaiveDate,
    pub supplier_name: String,
    pub supplier_id: Option<i64>,
    pub payment_type: String,
    pub amount_pence: i64,
    pub vat_basis: String,
    pub import_batch_id: Option<i64>,
    pub import_row: Option<i64>,
    pub entered_by: Option<i64>,
    pub redacted: bool,
    /// For a supplier's total for a period, the period (ISO 8601 interval).
    pub period: Option<String>,
}

/// One institution's lines in scope in payment date and id order, after
/// the (date, id) of the last line already read: the streamed audit export
/// reads them in batches, each a step down the index.
pub fn lines_after(
    conn: &mut DbConn,
    institution_id: i64,
    from: NaiveDate,
    to: NaiveDate,
    after: Option<(NaiveDate, i64)>,
    limit: i64,
) -> QueryResult<Vec<AuditLine>> {
    let (start, last_id) = match after {
        Some((d, id)) => (d.max(from), Some((d, id))),
        None => (from, None),
    };
    let mut q = l::table
        .filter(l::institution_id.eq(institution_id))
        .filter(l::deleted_at.is_null())
        .filter(l::payment_date.between(start, to))
        .select(AuditLine::as_select())
        .order((l::payment_date, l::id))
        .limit(limit)
        .into_boxed::<<DbConn as diesel::Connection>::Backend>();
    if let Some((d, id)) = last_id {
        q = q.filter(l::payment_date.gt(d).or(l::id.gt(id)));
    }
    q.load(conn)
}
