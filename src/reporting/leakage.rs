//! Where the money leaves, and to whom: influenceable spend by procurement
//! category (ProClass, merchant category, as the file maps it), by the
//! supplier's SIC section and by expense type, each with its local share,
//! the spend with suppliers located outside the innermost area, ranked by
//! that leakage, and the biggest non-local suppliers of each.

use std::collections::HashMap;

use super::Table;
use crate::db::report::FactsMap;
use crate::domain::figures::{percent_text, share_bp, sic_section, Place, SpendCell};
use crate::domain::money::Pence;
use crate::domain::spend::PaymentType;

/// How many non-local suppliers each row names.
const NAMED: usize = 3;

/// One group's spend: influenceable, in the innermost area, located
/// outside it, location unknown, and per supplier outside it.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Leak {
    pub group: String,
    pub pence: i64,
    pub local: i64,
    pub leaving: i64,
    pub unknown: i64,
    /// (supplier, pence) outside the innermost area, largest first.
    pub leavers: Vec<(i64, i64)>,
}

/// Groups the influenceable cells by `group_of`, ranked by leakage (then
/// by name, so equal rows keep one order).
pub fn leaks(
    cells: &[SpendCell],
    influenceable: &dyn Fn(i64, PaymentType) -> bool,
    place: &dyn Fn(Option<i64>) -> Place,
    group_of: &dyn Fn(&SpendCell) -> String,
) -> Vec<Leak> {
    let mut by: HashMap<String, (Leak, HashMap<i64, i64>)> = HashMap::new();
    for c in cells {
        if !influenceable(c.institution_id, c.payment_type) {
            continue;
        }
        let group = group_of(c);
        let (leak, leavers) = by.entry(group.clone()).or_insert_with(|| {
            (
                Leak {
                    group,
                    ..Leak::default()
                },
                HashMap::new(),
            )
        });
        leak.pence += c.pence;
        match place(c.supplier_id) {
            Place::Tier(0) => leak.local += c.pence,
            Place::Unknown(_) => leak.unknown += c.pence,
            _ => {
                leak.leaving += c.pence;
                if let Some(id) = c.supplier_id {
                    *leavers.entry(id).or_default() += c.pence;
                }
            }
        }
    }
    let mut out: Vec<Leak> = by
        .into_values()
        .map(|(mut leak, leavers)| {
            leak.leavers = leavers.into_iter().filter(|(_, p)| *p > 0).collect();
            leak.leavers
                .sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            leak
        })
        .collect();
    out.sort_by(|a, b| {
        b.leaving
            .cmp(&a.leaving)
            .then_with(|| a.group.cmp(&b.group))
    });
    out
}

/// The leakage tables of a categories page: by procurement category, by
/// SIC section, by expense type.
pub fn tables(
    cells: &[SpendCell],
    influenceable: &dyn Fn(i64, PaymentType) -> bool,
    place: &dyn Fn(Option<i64>) -> Place,
    facts: &FactsMap,
    local_name: &str,
) -> Vec<Table> {
    let category = |c: &SpendCell| {
        c.category
            .clone()
            .unwrap_or_else(|| "Category not stated".into())
    };
    let section = |c: &SpendCell| {
        c.supplier_id
            .and_then(|id| facts.get(&id))
            .and_then(|f| f.sic_codes.split(',').next().and_then(sic_section))
            .map_or_else(|| "Sector unknown".to_owned(), |(l, n)| format!("{l} {n}"))
    };
    let expense = |c: &SpendCell| {
        c.expense_type
            .clone()
            .unwrap_or_else(|| "Not stated".into())
    };
    let name = |id: i64| {
        facts
            .get(&id)
            .map_or_else(|| format!("supplier {id}"), |f| f.name.clone())
    };
    let table = |key, title: &str, group: &dyn Fn(&SpendCell) -> String| {
        leak_table(
            key,
            title,
            &leaks(cells, influenceable, place, group),
            local_name,
            &name,
        )
    };
    vec![
        table(
            "leakage_by_category",
            "Where the money leaves: by procurement category",
            &category,
        ),
        table(
            "leakage_by_sector",
            "Where the money leaves: by the supplier's sector (SIC section)",
            &section,
        ),
        table(
            "leakage_by_expense_type",
            "Where the money leaves: by expense type",
            &expense,
        ),
    ]
}

fn leak_table(
    key: &'static str,
    title: &str,
    leaks: &[Leak],
    local_name: &str,
    name: &dyn Fn(i64) -> String,
) -> Table {
    let pct = |p: i64, w: i64| percent_text(share_bp(p, w));
    let named = |l: &Leak, plain: bool| {
        l.leavers
            .iter()
            .take(NAMED)
            .map(|(id, p)| {
                let amount = if plain {
                    Pence(*p).plain()
                } else {
                    Pence(*p).to_string()
                };
                format!("{} ({amount})", name(*id))
            })
            .collect::<Vec<_>>()
            .join("; ")
    };
    let columns = vec![
        String::new(),
        "Influenceable spend (£)".into(),
        format!("In {local_name} (£)"),
        "Local share (%)".into(),
        "Leaving: located outside (£)".into(),
        "Location unknown (£)".into(),
        "Biggest suppliers outside".into(),
    ];
    let rows = leaks
        .iter()
        .map(|l| {
            vec![
                l.group.clone(),
                Pence(l.pence).to_string(),
                Pence(l.local).to_string(),
                pct(l.local, l.pence),
                Pence(l.leaving).to_string(),
                Pence(l.unknown).to_string(),
                named(l, false),
            ]
        })
        .collect();
    let plain = leaks
        .iter()
        .map(|l| {
            vec![
                l.group.clone(),
                Pence(l.pence).plain(),
                Pence(l.local).plain(),
                pct(l.local, l.pence).trim_end_matches('%').to_owned(),
                Pence(l.leaving).plain(),
                Pence(l.unknown).plain(),
                named(l, true),
            ]
        })
        .collect();
    Table {
        key,
        title: title.to_owned(),
        note: format!(
            "Ranked by the spend with suppliers located outside {local_name}: the first places to look for local alternatives. The local share is of each row's own influenceable spend."
        ),
        columns,
        rows,
        plain,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(supplier: i64, category: &str, pence: i64) -> SpendCell {
        SpendCell {
            institution_id: 1,
            supplier_id: Some(supplier),
            payment_type: PaymentType::Procurement,
            department: None,
            expense_type: None,
            category: Some(category.to_owned()),
            pence,
            lines: 1,
        }
    }

    #[test]
    fn leakage_by_category_ranks_what_leaves_and_names_who_gets_it() {
        // 1 is local, 2 and 3 elsewhere, 4 unknown.
        let cells = [
            cell(1, "Construction", 500),
            cell(2, "Construction", 300),
            cell(3, "Construction", 900),
            cell(2, "Construction", 100),
            cell(1, "Catering", 200),
            cell(4, "Catering", 50),
            cell(2, "ICT", 400),
        ];
        let place = |s: Option<i64>| match s {
            Some(1) => Place::Tier(0),
            Some(4) => Place::Unknown("no postcode".into()),
            _ => Place::RestOfUk,
        };
        let group = |c: &SpendCell| c.category.clone().unwrap_or_default();
        let leaks = leaks(&cells, &|_, _| true, &place, &group);
        let summary: Vec<(&str, i64, i64, i64, i64)> = leaks
            .iter()
            .map(|l| (l.group.as_str(), l.pence, l.local, l.leaving, l.unknown))
            .collect();
        assert_eq!(
            summary,
            [
                ("Construction", 1800, 500, 1300, 0),
                ("ICT", 400, 0, 400, 0),
                ("Catering", 250, 200, 0, 50),
            ]
        );
        assert_eq!(leaks[0].leavers, [(3, 900), (2, 400)]);
    }
}
