//! The dashboard's breakdown tables: what the suppliers are (size, type,
//! sector, deprivation), the top suppliers, leakage and data quality, from
//! the kept totals; and the ledger's own categories, from the lines.

use crate::db::report::{self, FactsMap};
use crate::domain::money::Pence;
use crate::domain::spend::PaymentType;

use super::Table;
use crate::domain::figures::{percent_text, share_bp};

fn pct(part: i64, whole: i64) -> String {
    percent_text(share_bp(part, whole))
}

fn plain_pct(part: i64, whole: i64) -> String {
    pct(part, whole).trim_end_matches('%').to_owned()
}

/// Whether a supplier is of a kind.
type KindTest<'t> = Box<dyn Fn(&report::Facts) -> bool + 't>;

fn columns(names: &[&str]) -> Vec<String> {
    names.iter().map(|n| (*n).to_owned()).collect()
}

type Cell = crate::domain::figures::SpendCell;
type PlaceOf<'a> = &'a dyn Fn(Option<i64>) -> crate::domain::figures::Place;

/// A breakdown as a table: spend, share of `whole` and suppliers per row.
fn simple_table(
    key: &'static str,
    title: &str,
    note: &str,
    rows: Vec<crate::domain::figures::BreakdownRow>,
    whole: i64,
) -> Table {
    Table {
        key,
        title: title.to_owned(),
        note: note.to_owned(),
        columns: columns(&["", "Spend", "Share", "Suppliers"]),
        rows: rows
            .iter()
            .map(|r| {
                vec![
                    r.label.clone(),
                    Pence(r.pence).to_string(),
                    pct(r.pence, whole),
                    r.suppliers.to_string(),
                ]
            })
            .collect(),
        plain: rows
            .iter()
            .map(|r| {
                vec![
                    r.label.to_string(),
                    Pence(r.pence).plain(),
                    plain_pct(r.pence, whole),
                    r.suppliers.to_string(),
                ]
            })
            .collect(),
    }
}

/// Whether a supplier's spend leaves the innermost area: located, and in an
/// outer tier, elsewhere in the UK or abroad.
fn outside_first(place: PlaceOf<'_>, supplier: Option<i64>) -> bool {
    use crate::domain::figures::Place;
    matches!(
        place(supplier),
        Place::Tier(1..) | Place::RestOfUk | Place::OutsideUk
    )
}

/// The breakdowns of influenceable spend by what the suppliers are: size,
/// type, sector, deprivation, the top suppliers, leakage and data quality;
/// and all spend by payment type.
pub(super) fn breakdown_tables(
    cells: &[Cell],
    influenceable: &dyn Fn(i64, PaymentType) -> bool,
    facts: &FactsMap,
    place: PlaceOf<'_>,
    tier_names: &[String],
    top_n: usize,
) -> Vec<Table> {
    use crate::domain::figures::breakdown;
    let s = Suppliers::of(cells, influenceable, facts, place, tier_names);
    let all_spend: i64 = cells.iter().map(|c| c.pence).sum();
    let by_payment_type = simple_table(
        "payment_type",
        "All spend by payment type",
        "Including the payment types that are not influenceable.",
        breakdown(cells, |_, _| true, |c| c.payment_type.label().into()),
        all_spend,
    );
    let (deprivation, quality) = s.deprivation_and_quality();
    vec![
        s.by_kind_and_area(),
        s.by_size(),
        s.by_type(),
        s.by_sector(),
        by_payment_type,
        deprivation,
        s.top(top_n),
        s.leakage(),
        quality,
    ]
}

/// The suppliers with influenceable spend in a report, and what is known of
/// each: what every breakdown by supplier reads.
struct Suppliers<'a> {
    /// (supplier, influenceable pence), largest first.
    per: Vec<(Option<i64>, i64)>,
    known: Vec<Option<&'a report::Facts>>,
    total: i64,
    facts: &'a FactsMap,
    place: PlaceOf<'a>,
    tier_names: &'a [String],
}

/// Every kind of supplier crossed with the tiers, alone: a network
/// member's own table, for the members' mean.
pub(super) fn kind_by_area(
    cells: &[Cell],
    influenceable: &dyn Fn(i64, PaymentType) -> bool,
    facts: &FactsMap,
    place: PlaceOf<'_>,
    tier_names: &[String],
) -> Table {
    Suppliers::of(cells, influenceable, facts, place, tier_names).by_kind_and_area()
}

impl<'a> Suppliers<'a> {
    fn of(
        cells: &[Cell],
        influenceable: &dyn Fn(i64, PaymentType) -> bool,
        facts: &'a FactsMap,
        place: PlaceOf<'a>,
        tier_names: &'a [String],
    ) -> Self {
        let per = crate::domain::figures::by_supplier(cells, influenceable);
        Suppliers {
            // Each supplier's facts, looked up once for every breakdown (in
            // the order of `per`).
            known: per
                .iter()
                .map(|(id, _)| id.and_then(|i| facts.get(&i)))
                .collect(),
            total: per.iter().map(|(_, p)| p).sum(),
            per,
            facts,
            place,
            tier_names,
        }
    }
}

impl Suppliers<'_> {
    fn each(&self) -> impl Iterator<Item = (Option<i64>, i64, Option<&report::Facts>)> + '_ {
        self.per
            .iter()
            .zip(&self.known)
            .map(|((id, p), f)| (*id, *p, *f))
    }

    /// Every kind of supplier crossed with the tiers: "£ and % of
    /// influenceable spend with SMEs in Preston", by value and by number of
    /// suppliers. Shares are of all influenceable spend, so a row's share
    /// in the innermost tier is that kind's local share.
    fn by_kind_and_area(&self) -> Table {
        use crate::domain::figures::Place;
        let groups = self.kind_groups();
        let tiers = self.tier_names.len();
        // Per group: (pence, suppliers) in all areas, then in each tier
        // (cumulative).
        let mut sums = vec![vec![(0i64, 0usize); tiers + 1]; groups.len()];
        for (id, p, f) in self.each() {
            let within = match (self.place)(id) {
                Place::Tier(k) => Some(k),
                _ => None,
            };
            for (g, (_, test)) in groups.iter().enumerate() {
                // A withheld payee is only among all suppliers.
                let member = match f {
                    Some(f) => test(f),
                    None => g == 0,
                };
                if !member {
                    continue;
                }
                let row = &mut sums[g];
                row[0].0 += p;
                row[0].1 += 1;
                if let Some(k) = within {
                    for t in row.iter_mut().skip(1 + k) {
                        t.0 += p;
                        t.1 += 1;
                    }
                }
            }
        }
        let mut cols = vec![
            String::new(),
            "All areas".into(),
            "All areas (suppliers)".into(),
        ];
        for name in self.tier_names {
            cols.push(format!("In {name}"));
            cols.push(format!("In {name} (share)"));
            cols.push(format!("In {name} (suppliers)"));
        }
        let (mut rows, mut plain) = (Vec::new(), Vec::new());
        for ((label, _), sum) in groups.iter().zip(&sums) {
            let mut r = vec![
                label.clone(),
                Pence(sum[0].0).to_string(),
                sum[0].1.to_string(),
            ];
            let mut q = vec![label.clone(), Pence(sum[0].0).plain(), sum[0].1.to_string()];
            for (p, n) in &sum[1..] {
                r.extend([Pence(*p).to_string(), pct(*p, self.total), n.to_string()]);
                q.extend([Pence(*p).plain(), plain_pct(*p, self.total), n.to_string()]);
            }
            rows.push(r);
            plain.push(q);
        }
        Table {
            key: "kind_by_area",
            title: "Each kind of supplier, by area".into(),
            note: format!(
                "Spend with each kind of supplier in each area (cumulative: an area and every area inside it), with its share of all influenceable spend ({}): the SME row's share in the innermost area is the local SME share. Rows overlap: a supplier can be of several kinds.",
                Pence(self.total)
            ),
            columns: cols,
            rows,
            plain,
        }
    }

    /// The kinds of supplier the crossed table has a row for, each with its
    /// test: all, by size, by type, by deprivation, Real Living Wage
    /// employers, and each sector present.
    fn kind_groups(&self) -> Vec<(String, KindTest<'_>)> {
        use crate::domain::figures::sic_section;
        use crate::domain::supplier::SizeBand;
        let band = |b: &'static str| -> KindTest<'_> {
            Box::new(move |f: &report::Facts| f.size_band.as_deref() == Some(b))
        };
        let sme = |f: &report::Facts| {
            let band = f.size_band.as_deref().and_then(SizeBand::from_code);
            band.is_some_and(SizeBand::is_sme)
        };
        let mut groups: Vec<(String, KindTest<'_>)> = vec![
            ("All suppliers".into(), Box::new(|_: &report::Facts| true)),
            ("SME (micro, small and medium)".into(), Box::new(sme)),
        ];
        for b in SizeBand::ALL {
            groups.push((b.label().to_owned(), band(b.code())));
        }
        for (k, kind) in report::KINDS.iter().enumerate() {
            groups.push((
                (*kind).to_owned(),
                Box::new(move |f: &report::Facts| f.kinds[k]),
            ));
        }
        let decile = |f: &report::Facts| f.located.as_ref().and_then(|l| l.imd_decile);
        groups.push((
            "In IMD decile 1 (most deprived 10%)".into(),
            Box::new(move |f: &report::Facts| decile(f) == Some(1)),
        ));
        let deprived20 = move |f: &report::Facts| matches!(decile(f), Some(1 | 2));
        groups.push((
            "In IMD deciles 1–2 (most deprived 20%)".into(),
            Box::new(deprived20),
        ));
        groups.push((
            "Real Living Wage employer".into(),
            Box::new(|f: &report::Facts| f.living_wage),
        ));
        let first_section = |f: &report::Facts| f.sic_codes.split(',').next().and_then(sic_section);
        let mut sections: Vec<(char, &str)> = self
            .known
            .iter()
            .flatten()
            .filter_map(|f| first_section(f))
            .collect();
        sections.sort_unstable();
        sections.dedup();
        for (letter, name) in sections {
            groups.push((
                format!("Sector {letter}: {name}"),
                Box::new(move |f: &report::Facts| {
                    first_section(f).is_some_and(|(l, _)| l == letter)
                }),
            ));
        }
        groups
    }

    /// Size, with the SME total.
    fn by_size(&self) -> Table {
        use crate::domain::figures::{breakdown_suppliers, BreakdownRow};
        let size_of = |f: Option<&report::Facts>| match f.and_then(|f| f.size_band.as_deref()) {
            Some("micro") => "Micro",
            Some("small") => "Small",
            Some("medium") => "Medium",
            Some("sme") => "SME, band not stated",
            Some("large") => "Large",
            _ => "Size unknown",
        };
        let mut size = breakdown_suppliers(self.each().map(|(_, p, f)| (size_of(f), p)), |k| {
            (*k).to_owned()
        });
        let sme: Vec<&BreakdownRow> = size
            .iter()
            .filter(|r| {
                matches!(
                    r.label.as_str(),
                    "Micro" | "Small" | "Medium" | "SME, band not stated"
                )
            })
            .collect();
        let sme_row = BreakdownRow {
            label: "SME (micro, small and medium)".into(),
            pence: sme.iter().map(|r| r.pence).sum(),
            suppliers: sme.iter().map(|r| r.suppliers).sum(),
        };
        size.push(sme_row);
        simple_table(
            "size",
            "By supplier size",
            "Bands as recorded on the register, with the definition each was set under.",
            size,
            self.total,
        )
    }

    /// Type: a supplier may be of several kinds, so rows overlap. The last
    /// row is the suppliers of none of the kinds.
    fn by_type(&self) -> Table {
        use crate::domain::figures::BreakdownRow;
        let mut kinds = [(0i64, 0usize); report::KINDS.len() + 1];
        for (_, p, f) in self.each() {
            let Some(f) = f else { continue };
            let of_none = !f.kinds.contains(&true);
            let rows = f.kinds.iter().chain([&of_none]);
            for (k, _) in rows.enumerate().filter(|(_, yes)| **yes) {
                kinds[k].0 += p;
                kinds[k].1 += 1;
            }
        }
        let types: Vec<BreakdownRow> = report::KINDS
            .iter()
            .chain(&["Private or other (none of these)"])
            .zip(kinds)
            .map(|(label, (pence, suppliers))| BreakdownRow {
                label: (*label).to_owned(),
                pence,
                suppliers,
            })
            .collect();
        simple_table(
            "type",
            "By type of organisation",
            "A supplier can be of more than one kind (a charity that is also a VCSE), so these rows overlap.",
            types,
            self.total,
        )
    }

    fn by_sector(&self) -> Table {
        use crate::domain::figures::{breakdown_suppliers, sic_section};
        let rows = breakdown_suppliers(
            self.each().map(|(_, p, f)| {
                let section = f.and_then(|f| f.sic_codes.split(',').next().and_then(sic_section));
                (section, p)
            }),
            |k| match k {
                Some((letter, name)) => format!("{letter} {name}"),
                None => "Sector unknown".to_owned(),
            },
        );
        simple_table(
            "sic",
            "By sector (SIC 2007 section of the first code)",
            "",
            rows,
            self.total,
        )
    }

    /// Deprivation and data quality, in one pass over the suppliers.
    fn deprivation_and_quality(&self) -> (Table, Table) {
        let total = self.total;
        let (mut d1, mut d12, mut resolved, mut sized, mut withheld, mut terminated) =
            (0, 0, 0, 0, 0, 0);
        for (id, p, f) in self.each() {
            let located = f.and_then(|f| f.located.as_ref());
            match located.and_then(|l| l.imd_decile) {
                Some(1) => (d1, d12) = (d1 + p, d12 + p),
                Some(2) => d12 += p,
                _ => {}
            }
            if located.is_some_and(|l| l.unknown_reason.is_none() && l.postcode.is_some()) {
                resolved += p;
            }
            if f.is_some_and(|f| f.size_band.is_some()) {
                sized += p;
            }
            if id.is_none() {
                withheld += p;
            }
            if located.is_some_and(|l| l.terminated.is_some()) {
                terminated += p;
            }
        }
        let deprivation = Table {
            key: "deprivation",
            title: "Spend with suppliers in the most deprived areas".into(),
            note: "By the Index of Multiple Deprivation decile of the supplier's postcode (England only; 1 is the most deprived tenth of neighbourhoods).".into(),
            columns: columns(&["", "Spend", "Share"]),
            rows: vec![
                vec!["IMD decile 1".into(), Pence(d1).to_string(), pct(d1, total)],
                vec!["IMD deciles 1–2".into(), Pence(d12).to_string(), pct(d12, total)],
            ],
            plain: vec![
                vec!["IMD decile 1".into(), Pence(d1).plain(), plain_pct(d1, total)],
                vec!["IMD deciles 1-2".into(), Pence(d12).plain(), plain_pct(d12, total)],
            ],
        };
        let quality = [
            ("Located by a resolved postcode", resolved),
            ("Size known", sized),
            ("Payee's name withheld", withheld),
            ("Located by a terminated postcode", terminated),
            ("Located by outward code only (never: a full postcode or a justified manual location is needed)", 0),
        ];
        let quality = Table {
            key: "quality",
            title: "Data quality".into(),
            note: "Shares of influenceable spend.".into(),
            columns: columns(&["", "Spend", "Share"]),
            rows: quality
                .iter()
                .map(|(l, p)| vec![(*l).into(), Pence(*p).to_string(), pct(*p, total)])
                .collect(),
            plain: quality
                .iter()
                .map(|(l, p)| vec![(*l).into(), Pence(*p).plain(), plain_pct(*p, total)])
                .collect(),
        };
        (deprivation, quality)
    }

    /// The top N suppliers and how much they cover.
    fn top(&self, n: usize) -> Table {
        let top = crate::domain::figures::top_suppliers(&self.per, n);
        self.supplier_table(
            "top",
            format!(
                "Top {} suppliers: {} of influenceable spend",
                top.rows.len(),
                pct(top.covered_pence, top.total_pence)
            ),
            format!(
                "{} suppliers had influenceable spend; the page lists the first 20, the CSV all {}.",
                top.suppliers,
                top.rows.len()
            ),
            &top.rows,
            top.total_pence,
            20,
        )
    }

    /// Leakage: the largest suppliers outside tier 1 (the expense types are
    /// on the categories page, which reads the lines).
    fn leakage(&self) -> Table {
        let leaking: Vec<(Option<i64>, i64)> = self
            .per
            .iter()
            .filter(|(id, _)| outside_first(self.place, *id))
            .copied()
            .collect();
        let leaks = crate::domain::figures::top_suppliers(&leaking, 20);
        self.supplier_table(
            "leakage",
            "Largest suppliers outside the innermost area".into(),
            "The spend that leaves: the first place to look for local alternatives.".into(),
            &leaks.rows,
            self.total,
            20,
        )
    }

    /// Suppliers with their place: `shown` rows on the page, all in the CSV.
    fn supplier_table(
        &self,
        key: &'static str,
        title: String,
        note: String,
        rows: &[(Option<i64>, i64)],
        whole: i64,
        shown: usize,
    ) -> Table {
        let name = |id: Option<i64>| {
            id.and_then(|i| self.facts.get(&i))
                .map_or("Withheld names".to_owned(), |f| f.name.clone())
        };
        let place_label = |id: Option<i64>| (self.place)(id).label(self.tier_names);
        Table {
            key,
            title,
            note,
            columns: columns(&["Supplier", "Where", "Spend", "Share"]),
            rows: rows
                .iter()
                .take(shown)
                .map(|(id, p)| {
                    vec![
                        name(*id),
                        place_label(*id),
                        Pence(*p).to_string(),
                        pct(*p, whole),
                    ]
                })
                .collect(),
            plain: rows
                .iter()
                .map(|(id, p)| {
                    vec![
                        name(*id).to_string(),
                        place_label(*id).to_string(),
                        Pence(*p).plain(),
                        plain_pct(*p, whole),
                    ]
                })
                .collect(),
        }
    }
}

/// The breakdowns by the ledger's own categories, which read the lines:
/// department and expense type (where the money leaves by category is
/// [`super::leakage`]'s).
pub(super) fn category_tables(
    lines: &[Cell],
    influenceable: &dyn Fn(i64, PaymentType) -> bool,
) -> Vec<Table> {
    use crate::domain::figures::breakdown;
    let total: i64 = lines
        .iter()
        .filter(|c| influenceable(c.institution_id, c.payment_type))
        .map(|c| c.pence)
        .sum();
    let expense = |c: &Cell| {
        std::borrow::Cow::Owned(
            c.expense_type
                .clone()
                .unwrap_or_else(|| "Not stated".into()),
        )
    };
    vec![
        simple_table(
            "department",
            "By department or service area",
            "",
            breakdown(lines, influenceable, |c| {
                c.department.as_deref().unwrap_or("Not stated").into()
            }),
            total,
        ),
        simple_table(
            "expense_type",
            "By expense type",
            "",
            breakdown(lines, influenceable, expense),
            total,
        ),
    ]
}
