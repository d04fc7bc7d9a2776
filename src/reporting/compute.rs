//! Working a report out: its scope and definition, its period, the kept
//! totals or lines it reads, and every figure and table from them.

use crate::domain::account::Reach;
use std::collections::HashMap;
use std::sync::Arc;

use super::measures::{self, Measures};
use super::tables::{breakdown_tables, category_tables};
use super::{leakage, member_means, tables};
use super::{
    period, Baseline, Detail, Report, ReportContext, ReportError, ReportQuery, ScopeChoice, Stamp,
    Viewer,
};
use crate::db::areas::{self, DefinitionVersion, Owner};
use crate::db::institutions::{self, Institution};
use crate::db::report::{self, Located, Snapshot};
use crate::db::{networks, postcodes, spend, suppliers, targets, DbConn};
use crate::domain::account::NetworkAccess;
use crate::domain::classify::{Definition, LocationBasis};
use crate::domain::figures::{pool, Figures, Pooled, SpendCell};
use crate::domain::spend::PaymentType;

type Result<T> = std::result::Result<T, ReportError>;

/// Works out a report for `viewer`, as much of it as `detail` asks for.
pub fn compute(
    c: &mut DbConn,
    ctx: &ReportContext<'_>,
    viewer: &Viewer,
    q: &ReportQuery,
    detail: Detail,
) -> Result<Report> {
    let (scope_name, members, owner, access) = scope(c, viewer, q)?;
    let ids: Vec<i64> = members.iter().map(|i| i.id).collect();
    let definition = definition_for(c, q, owner, &scope_name)?;
    let (calendar, range) = (calendar_of(&members), report::date_range(c, &ids)?);
    let years = calendar.years_between(range.0, range.1);
    let span = period::resolve(q, &calendar, &years, range, crate::db::now().date())?;
    let full = matches!(detail, Detail::Page | Detail::Trend);
    let loaded = cells_for(c, ctx, &ids, &span)?;
    let (vat_bases, top_only) = (&loaded.1, q.scope == "top");
    let baseline_years = baseline_years(full, &q.baseline, &years, span.fy);
    // What is known of every supplier: kept in memory while unchanged.
    let snapshot = ctx.facts.current(c)?;
    let rules = Rules::read(c, &ids)?;
    let def = definition.to_definition();
    let tier_names: Vec<String> = definition.tiers.iter().map(|t| t.name.clone()).collect();
    // Each supplier's place under the definition, worked out once.
    let places = snapshot.places(&def);
    let place = |s: Option<i64>| snapshot.place(&places, &def, s);
    let influenceable = |inst: i64, t: PaymentType| rules.influenceable(inst, t);
    let scoped = top_only.then(|| TopScope::of(&loaded.0, top_n(q), &influenceable));
    let cells: &[SpendCell] = scoped.as_ref().map_or(&loaded.0, |t| &t.cells);
    let figures = Figures::compute(cells, &tier_names, influenceable, place);
    let facts_of = |id: i64| snapshot.facts.get(&id);
    let measures_of = |x: &[SpendCell]| Measures::compute(x, influenceable, place, facts_of);
    let measures = measures_of(cells);
    let builders = Builders {
        influenceable: &influenceable,
        place: &place,
        facts: &snapshot.facts,
        tier_names: &tier_names,
        top_n: top_n(q),
    };
    let network = matches!(owner, Owner::Network(_)).then_some(ids.as_slice());
    let tables = tables_for(c, detail, (access, network), &span, cells, &builders)?;
    let both = |cells: &[SpendCell]| {
        let top = top_only.then(|| TopScope::of(cells, top_n(q), &influenceable));
        let cells = top.as_ref().map_or(cells, |t| &t.cells);
        let f = Figures::compute(cells, &tier_names, influenceable, place);
        (f, measures_of(cells))
    };
    let trend = if detail == Detail::Trend {
        year_by_year(c, &ids, &years, both)?
    } else {
        Vec::new()
    };
    let baseline = baseline_of(c, ctx, &ids, &baseline_years, both)?;
    let (targets, targets_version) = targets_of(c, owner, span.fy)?;
    let release = postcodes::active(c)?;
    let locations_pending = crate::db::locations::pending(c)?;
    let sensitivity = if full {
        let headline = Headline {
            cells,
            figures: &figures,
            tier_names: &tier_names,
            def: &def,
            rules: &rules,
        };
        sensitivity(c, ctx, &snapshot, release.as_ref(), &headline)?
    } else {
        Vec::new()
    };
    let (per_institution, member_measures, pooled) = match owner {
        Owner::Network(_) if full => per_member(c, &members, cells, &snapshot, &rules)?,
        _ => Members::default(),
    };
    let (fy, period_totals) = (span.fy, period_totals_cut(c, &ids, &span)?);
    let stamp = stamp(
        Scope {
            name: scope_name,
            members,
            owner,
            coverage: scoped.as_ref().map(|t| t.stamp_text(top_n(q))),
        },
        span,
        definition,
        release,
        locations_pending,
        (vat_bases, period_totals),
        viewer,
    );
    Ok(Report {
        stamp,
        figures,
        per_institution,
        member_measures,
        pooled,
        years,
        fy,
        rules: rules.types,
        owner,
        access,
        trend,
        baseline,
        measures,
        targets,
        targets_version,
        tables,
        sensitivity,
    })
}

/// The spend cells of a period: a whole financial year from the kept
/// totals, other periods from the lines.
fn cells_for(
    c: &mut DbConn,
    ctx: &ReportContext<'_>,
    ids: &[i64],
    span: &period::Span,
) -> Result<Arc<(Vec<SpendCell>, Vec<String>)>> {
    Ok(match span.fy.filter(|_| span.whole_year) {
        Some(y) => ctx.totals.year(c, ctx.pool, ids, y)?,
        None => {
            let dates = report::Period::Dates(span.from, span.to);
            let (mut cells, bases) = report::totals(c, ids, dates)?;
            cells.sort_by_key(|x| x.institution_id);
            Arc::new((cells, bases))
        }
    })
}

/// What the tables are made with.
struct Builders<'a> {
    influenceable: &'a dyn Fn(i64, PaymentType) -> bool,
    place: &'a dyn Fn(Option<i64>) -> crate::domain::figures::Place,
    facts: &'a report::FactsMap,
    tier_names: &'a [String],
    top_n: usize,
}

/// The tables `detail` asks for. Departments and expense types are each
/// member's own structure: a network's member staff get the rest. A
/// network's crossed tables (`network`: its members) gain the mean of the
/// members' shares beside the pooled one.
fn tables_for(
    c: &mut DbConn,
    detail: Detail,
    (access, network): (NetworkAccess, Option<&[i64]>),
    span: &period::Span,
    cells: &[SpendCell],
    b: &Builders<'_>,
) -> Result<Vec<super::Table>> {
    let (inf, place, facts, names) = (b.influenceable, b.place, b.facts, b.tier_names);
    Ok(match detail {
        Detail::Headline => Vec::new(),
        Detail::Page | Detail::Trend => {
            let mut t = breakdown_tables(cells, inf, facts, place, names, b.top_n);
            if let Some(members) = network {
                let own = |x: &[SpendCell]| vec![tables::kind_by_area(x, inf, facts, place, names)];
                member_means::add(&mut t, cells, members, &own);
            }
            t
        }
        Detail::Categories => {
            let mut lines = lines_of(c, span)?;
            let mut t = lines_tables(&lines, inf, place, facts, names);
            if access != NetworkAccess::Lines {
                t.retain(|t| !super::OWN_STRUCTURE.contains(&t.key));
            }
            if let Some(members) = network {
                lines.sort_by_key(|l| l.institution_id);
                let own = |x: &[SpendCell]| super::crossed::tables(x, inf, place, names);
                member_means::add(&mut t, &lines, members, &own);
            }
            t
        }
    })
}

/// The tables that read the lines: department, expense type, and where the
/// money leaves by category, sector and expense type.
fn lines_tables(
    lines: &[SpendCell],
    influenceable: &dyn Fn(i64, PaymentType) -> bool,
    place: &dyn Fn(Option<i64>) -> crate::domain::figures::Place,
    facts: &report::FactsMap,
    tier_names: &[String],
) -> Vec<super::Table> {
    let mut t = category_tables(lines, influenceable);
    let local = tier_names
        .first()
        .map_or("the innermost area", String::as_str);
    t.extend(leakage::tables(lines, influenceable, place, facts, local));
    t.extend(super::crossed::tables(
        lines,
        influenceable,
        place,
        tier_names,
    ));
    t
}

/// Each financial year on record (`years`, newest first), oldest first.
fn year_by_year<T>(
    c: &mut DbConn,
    ids: &[i64],
    years: &[i32],
    figures: impl Fn(&[SpendCell]) -> T,
) -> Result<Vec<(i32, T)>> {
    let by_year = report::totals_by_year(c, ids)?;
    Ok(years
        .iter()
        .rev()
        .map(|year| {
            let year_cells: Vec<_> = by_year
                .iter()
                .filter(|(y, _)| y == year)
                .map(|(_, x)| x.clone())
                .collect();
            (*year, figures(&year_cells))
        })
        .collect())
}

/// The scope's members with each one's first month of the financial year.
fn calendar_of(members: &[Institution]) -> period::Calendar {
    period::Calendar {
        members: members
            .iter()
            .map(|i| {
                (
                    i.id,
                    i.name.clone(),
                    u32::try_from(i.fy_start_month).unwrap_or(4),
                )
            })
            .collect(),
    }
}

/// The spend cells read from the lines in each member's own dates (one
/// query per distinct range: a network of different years has several).
fn lines_of(c: &mut DbConn, span: &period::Span) -> Result<Vec<SpendCell>> {
    let mut cells = Vec::new();
    for (ids, from, to) in span.groups() {
        cells.extend(report::spend_cells(c, &ids, from, to)?);
    }
    Ok(cells)
}

/// The baseline's years (none for a report without one): those chosen (one,
/// or several for their mean), else the year before the one shown when it
/// is on record (never the first year on record, which may hold a month).
fn baseline_years(full: bool, chosen: &str, years: &[i32], shown: Option<i32>) -> Vec<i32> {
    if !full {
        Vec::new()
    } else if chosen.trim().is_empty() {
        let before = shown.map(|y| y - 1).filter(|y| years.contains(y));
        before.into_iter().collect()
    } else {
        measures::baseline_years(chosen, years, shown)
    }
}

/// The baseline of these years (none for none): each year's figures and
/// measures from the kept totals.
fn baseline_of(
    c: &mut DbConn,
    ctx: &ReportContext<'_>,
    ids: &[i64],
    years: &[i32],
    figures: impl Fn(&[SpendCell]) -> (Figures, Measures),
) -> Result<Option<Baseline>> {
    if years.is_empty() {
        return Ok(None);
    }
    let mut b = Baseline {
        label: measures::baseline_label(years),
        years: years.to_vec(),
        figures: Vec::new(),
        measures: Vec::new(),
    };
    for y in years {
        let (f, m) = figures(&ctx.totals.year(c, ctx.pool, ids, *y)?.0);
        b.figures.push(f);
        b.measures.push(m);
    }
    Ok(Some(b))
}

/// The targets set for the year shown, and their version.
fn targets_of(c: &mut DbConn, owner: Owner, fy: Option<i32>) -> Result<(Vec<(i32, i64)>, i64)> {
    Ok(match fy {
        Some(y) => (targets::of(c, owner, y)?, targets::version(c, owner, y)?),
        None => (Vec::new(), 0),
    })
}

/// The institutions the viewer may report on, the report's scope, and what
/// the viewer may see of it ([`NetworkAccess`]: the one rule).
fn scope(
    c: &mut DbConn,
    viewer: &Viewer,
    q: &ReportQuery,
) -> Result<(String, Vec<Institution>, Owner, NetworkAccess)> {
    // A network-wide user's reports open on their network.
    let chosen = match (ScopeChoice::of(&q.institution, &q.network)?, viewer.network) {
        (ScopeChoice::First, Some(network)) => ScopeChoice::Network(network),
        (chosen, _) => chosen,
    };
    if let ScopeChoice::Network(network_id) = chosen {
        let net = networks::get(c, network_id)?;
        let access = NetworkAccess::of(&viewer.reach, &net.member_ids);
        if access == NetworkAccess::None {
            return Err(ReportError::Forbidden);
        }
        let members = institutions::list(c, &Reach::All)?
            .into_iter()
            .filter(|i| net.member_ids.contains(&i.id))
            .collect();
        return Ok((
            net.network.name,
            members,
            Owner::Network(network_id),
            access,
        ));
    }
    let visible = institutions::list(c, &viewer.reach)?;
    let chosen = match chosen {
        ScopeChoice::Institution(id) => visible
            .iter()
            .find(|i| i.id == id)
            .cloned()
            .ok_or(ReportError::Forbidden)?,
        _ => visible.first().cloned().ok_or_else(|| {
            ReportError::Refused("There is no institution to report on yet.".into())
        })?,
    };
    Ok((
        chosen.name.clone(),
        vec![chosen.clone()],
        Owner::Institution(chosen.id),
        NetworkAccess::Lines,
    ))
}

/// The definition the report is made under: the version asked for (which
/// must be the scope's own), else the scope's current one.
fn definition_for(
    c: &mut DbConn,
    q: &ReportQuery,
    owner: Owner,
    scope_name: &str,
) -> Result<DefinitionVersion> {
    match q.definition.parse::<i64>() {
        Ok(id) => {
            let d = areas::get(c, id)?;
            let matches_owner = match owner {
                Owner::Institution(i) => d.owner_kind == "institution" && d.owner_id == i,
                Owner::Network(n) => d.owner_kind == "network" && d.owner_id == n,
            };
            if matches_owner {
                Ok(d)
            } else {
                Err(ReportError::NotFound)
            }
        }
        Err(_) => areas::current(c, owner)?.ok_or_else(|| {
            ReportError::Refused(format!(
                "{scope_name} has no local-area definition yet: an admin sets one under Institutions."
            ))
        }),
    }
}

/// The top N suppliers by influenceable spend (the CLES top-300 method):
/// their cells, and how much of the influenceable spend they cover.
struct TopScope {
    cells: Vec<SpendCell>,
    suppliers: usize,
    covered_pence: i64,
    influenceable_pence: i64,
}

impl TopScope {
    fn of(cells: &[SpendCell], n: usize, influenceable: &dyn Fn(i64, PaymentType) -> bool) -> Self {
        use crate::domain::figures::{by_supplier, top_suppliers};
        // Named suppliers only: withheld payees are no supplier of the list.
        let per: Vec<(Option<i64>, i64)> = by_supplier(cells, influenceable)
            .into_iter()
            .filter(|(id, _)| id.is_some())
            .collect();
        let influenceable_pence = cells
            .iter()
            .filter(|c| influenceable(c.institution_id, c.payment_type))
            .map(|c| c.pence)
            .sum();
        let top = top_suppliers(&per, n);
        let chosen: std::collections::HashSet<i64> =
            top.rows.iter().filter_map(|(id, _)| *id).collect();
        Self {
            cells: cells
                .iter()
                .filter(|c| c.supplier_id.is_some_and(|id| chosen.contains(&id)))
                .cloned()
                .collect(),
            suppliers: top.rows.len(),
            covered_pence: top.covered_pence,
            influenceable_pence,
        }
    }

    /// "Top 300 suppliers by influenceable spend (the CLES method), covering
    /// 87.00% of influenceable spend".
    fn stamp_text(&self, asked: usize) -> String {
        let share = crate::domain::figures::percent_text(crate::domain::figures::share_bp(
            self.covered_pence,
            self.influenceable_pence,
        ));
        let fewer = if self.suppliers < asked {
            format!(" (only {} had influenceable spend)", self.suppliers)
        } else {
            String::new()
        };
        format!(
            "Top {asked} suppliers by influenceable spend (the CLES method){fewer}, covering {share} of influenceable spend; every figure counts only them"
        )
    }
}

/// How many suppliers the top-N table covers.
fn top_n(q: &ReportQuery) -> usize {
    q.top
        .parse::<usize>()
        .ok()
        .filter(|n| (1..=100_000).contains(n))
        .unwrap_or(300)
}

/// Each institution's influenceable payment types, read once, and asked as
/// one bit per payment type for every cell.
struct Rules {
    types: Vec<(i64, Vec<String>)>,
    masks: Vec<(i64, u16)>,
}

impl Rules {
    fn read(c: &mut DbConn, institutions: &[i64]) -> Result<Self> {
        let mut types = Vec::with_capacity(institutions.len());
        for id in institutions {
            types.push((*id, spend::influenceable_types(c, *id)?));
        }
        let masks = types
            .iter()
            .map(|(i, codes)| {
                let mask = codes
                    .iter()
                    .filter_map(|t| PaymentType::from_code(t))
                    .fold(0, |m, t| m | 1 << t as u16);
                (*i, mask)
            })
            .collect();
        Ok(Self { types, masks })
    }

    fn influenceable(&self, institution: i64, t: PaymentType) -> bool {
        self.masks
            .iter()
            .find(|(i, _)| *i == institution)
            .is_some_and(|(_, mask)| mask & 1 << t as u16 != 0)
    }
}

/// The headline as computed, for the tables that vary it.
struct Headline<'a> {
    cells: &'a [SpendCell],
    figures: &'a Figures,
    tier_names: &'a [String],
    def: &'a Definition,
    rules: &'a Rules,
}

/// The headline (each tier's cumulative share) with every supplier located
/// by each address basis in turn. Only suppliers with another address can
/// move, so only they are placed again.
fn sensitivity(
    c: &mut DbConn,
    ctx: &ReportContext<'_>,
    snapshot: &Snapshot,
    release: Option<&postcodes::Release>,
    h: &Headline<'_>,
) -> Result<Vec<(String, Vec<Option<i64>>)>> {
    let facts = &snapshot.facts;
    let stored = |s: Option<i64>| {
        s.and_then(|id| facts.get(&id))
            .and_then(|f| f.located.as_ref())
    };
    let mut movable: Vec<i64> = h
        .cells
        .iter()
        .filter_map(|x| x.supplier_id)
        .filter(|id| facts.get(id).is_some_and(|f| f.has_alternatives))
        .collect();
    movable.sort_unstable();
    movable.dedup();
    let movable = suppliers::get_many(c, &movable)?;
    let influenceable = |inst: i64, t: PaymentType| h.rules.influenceable(inst, t);
    let shares = |f: &Figures| (0..f.tiers.len()).map(|k| f.share_bp(k)).collect();
    let mut out = Vec::new();
    for basis in LocationBasis::ALL {
        let mut alt: HashMap<i64, Located> = HashMap::with_capacity(movable.len());
        for s in &movable {
            let own = stored(Some(s.id));
            if let Some(l) =
                crate::db::locations::under_basis(c, ctx.gazetteer, release, s, *basis, own)?
            {
                alt.insert(s.id, l);
            }
        }
        // Where no supplier moves, the figures are the headline's.
        alt.retain(|id, l| Some(&*l) != stored(Some(*id)));
        let row = if alt.is_empty() {
            shares(h.figures)
        } else {
            let moved = Figures::compute(h.cells, h.tier_names, influenceable, |s| {
                report::place_of(
                    s.and_then(|id| alt.get(&id)).or_else(|| stored(s)),
                    h.def,
                    s,
                )
            });
            shares(&moved)
        };
        out.push((format!("Every supplier by its {}", basis.label()), row));
    }
    Ok(out)
}

/// A network's members' figures and measures (in member order), and the
/// pooled and mean local shares.
type Members = (Vec<(Institution, Figures)>, Vec<Measures>, Option<Pooled>);

/// A network's members side by side, each under its own current definition
/// (members without one are left out), and the pooled and mean shares.
fn per_member(
    c: &mut DbConn,
    members: &[Institution],
    cells: &[SpendCell],
    snapshot: &Snapshot,
    rules: &Rules,
) -> Result<Members> {
    let influenceable = |inst: i64, t: PaymentType| rules.influenceable(inst, t);
    let mut pairs = Vec::new();
    let mut each = Vec::new();
    let mut measures = Vec::new();
    for inst in members {
        let Some(own) = areas::current(c, Owner::Institution(inst.id))? else {
            continue;
        };
        let own_def = own.to_definition();
        let own_names: Vec<String> = own.tiers.iter().map(|t| t.name.clone()).collect();
        // Its suppliers' places, as its own dashboard works them out (once
        // per definition version while the facts are unchanged).
        let own_places = snapshot.places(&own_def);
        let own_place = |s| snapshot.place(&own_places, &own_def, s);
        let own = own_cells(cells, inst.id);
        let f = Figures::compute(own, &own_names, influenceable, own_place);
        measures.push(Measures::compute(own, influenceable, own_place, |id| {
            snapshot.facts.get(&id)
        }));
        pairs.push((
            f.tiers.first().map_or(0, |t| t.cumulative_pence),
            f.influenceable_pence,
        ));
        each.push((inst.clone(), f));
    }
    Ok((each, measures, Some(pool(&pairs))))
}

/// One institution's cells: they come in institution order.
fn own_cells(cells: &[SpendCell], institution: i64) -> &[SpendCell] {
    match cells.iter().position(|x| x.institution_id == institution) {
        None => &cells[..0],
        Some(a) => {
            let n = cells[a..]
                .iter()
                .take_while(|x| x.institution_id == institution)
                .count();
            &cells[a..a + n]
        }
    }
}

/// Suppliers' totals for longer periods that a part of a year holds: (lines,
/// pence). Totals for a period lie within one financial year, so only a part
/// of a year (or typed dates) can cut one.
fn period_totals_cut(c: &mut DbConn, ids: &[i64], span: &period::Span) -> Result<(i64, i64)> {
    if span.whole_year {
        return Ok((0, 0));
    }
    Ok(report::period_totals_beyond(c, ids, span.from, span.to)?)
}

/// What a report covers: its name, institutions and owner.
struct Scope {
    name: String,
    members: Vec<Institution>,
    owner: Owner,
    /// Which suppliers count, when not all do (the top N).
    coverage: Option<String>,
}

/// Everything the report states about itself.
fn stamp(
    scope: Scope,
    span: period::Span,
    definition: DefinitionVersion,
    release: Option<postcodes::Release>,
    locations_pending: i64,
    (vat_bases, period_totals): (&[String], (i64, i64)),
    viewer: &Viewer,
) -> Stamp {
    Stamp {
        definition_owner: match scope.owner {
            Owner::Institution(_) => format!("{}'s local area", scope.name),
            Owner::Network(_) => format!("{} network's local area", scope.name),
        },
        scope_name: scope.name,
        institutions: scope.members,
        from: span.from,
        to: span.to,
        ranges: span.ranges,
        period: span.label,
        definition,
        lookup_release: release.map_or_else(
            || "none loaded: every supplier's location is unknown".into(),
            |r| r.name,
        ),
        locations_pending,
        coverage: scope.coverage.unwrap_or_else(|| {
            "All suppliers; influenceable spend by each institution's payment-type rules".into()
        }),
        vat_basis: match vat_bases.len() {
            0 => "no lines".into(),
            1 => vat_bases[0].clone(),
            _ => format!("mixed ({})", vat_bases.join(", ")),
        },
        period_totals,
        generated_at: crate::db::now().format("%d/%m/%Y %H:%M").to_string(),
        generated_by: viewer.name.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(supplier: Option<i64>, payment_type: PaymentType, pence: i64) -> SpendCell {
        SpendCell {
            institution_id: 1,
            supplier_id: supplier,
            payment_type,
            department: None,
            expense_type: None,
            category: None,
            pence,
            lines: 1,
        }
    }

    #[test]
    fn the_top_n_counts_only_the_biggest_named_suppliers_and_says_what_they_cover() {
        let cells = [
            cell(Some(1), PaymentType::Procurement, 5_000),
            cell(Some(2), PaymentType::Procurement, 3_000),
            cell(Some(2), PaymentType::Procurement, 500),
            cell(Some(3), PaymentType::Procurement, 1_000),
            // A withheld payee: influenceable, never one of the top N.
            cell(None, PaymentType::Procurement, 9_000),
            // Not influenceable: never counted.
            cell(Some(4), PaymentType::PublicBody, 50_000),
        ];
        let influenceable = |_: i64, t: PaymentType| t == PaymentType::Procurement;
        let top = TopScope::of(&cells, 2, &influenceable);
        assert_eq!(top.suppliers, 2);
        // Suppliers 1 and 2: £85 of £185 influenceable.
        assert_eq!(
            (top.covered_pence, top.influenceable_pence),
            (8_500, 18_500)
        );
        assert_eq!(top.cells.len(), 3);
        assert!(top.stamp_text(2).starts_with(
            "Top 2 suppliers by influenceable spend (the CLES method), covering 45.95%"
        ));
        let all = TopScope::of(&cells, 10, &influenceable);
        assert!(all
            .stamp_text(10)
            .contains("(only 3 had influenceable spend)"));
    }
}
