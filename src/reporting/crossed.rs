//! The institution's own categories crossed with the tiers: influenceable
//! spend by procurement category, department and expense type, each split
//! by where its suppliers are (cumulative, like the headline), by value,
//! as a share of the row's own spend, and by number of suppliers.

use std::collections::{BTreeMap, HashSet};

use super::Table;
use crate::domain::figures::{percent_text, share_bp, Place, SpendCell};
use crate::domain::money::Pence;
use crate::domain::spend::PaymentType;

/// One group's sums: pence and suppliers in all areas, then in each tier.
#[derive(Default, Clone)]
struct Sums {
    all: (i64, HashSet<Option<i64>>),
    tiers: Vec<(i64, HashSet<Option<i64>>)>,
}

/// How a crossed table groups a cell.
type GroupOf<'g> = &'g dyn Fn(&SpendCell) -> String;

/// The three crossed tables of the lines read for the categories page.
pub fn tables(
    cells: &[SpendCell],
    influenceable: &dyn Fn(i64, PaymentType) -> bool,
    place: &dyn Fn(Option<i64>) -> Place,
    tier_names: &[String],
) -> Vec<Table> {
    let stated = |v: &Option<String>| v.clone().unwrap_or_else(|| "Not stated".into());
    let spec: [(&'static str, &str, GroupOf<'_>); 3] = [
        (
            "category_by_area",
            "Each procurement category, by area",
            &|c| stated(&c.category),
        ),
        ("department_by_area", "Each department, by area", &|c| {
            stated(&c.department)
        }),
        ("expense_type_by_area", "Each expense type, by area", &|c| {
            stated(&c.expense_type)
        }),
    ];
    spec.into_iter()
        .map(|(key, title, group)| {
            crossed(key, title, cells, influenceable, place, tier_names, group)
        })
        .collect()
}

fn crossed(
    key: &'static str,
    title: &str,
    cells: &[SpendCell],
    influenceable: &dyn Fn(i64, PaymentType) -> bool,
    place: &dyn Fn(Option<i64>) -> Place,
    tier_names: &[String],
    group: GroupOf<'_>,
) -> Table {
    let mut sums: BTreeMap<String, Sums> = BTreeMap::new();
    for c in cells
        .iter()
        .filter(|c| influenceable(c.institution_id, c.payment_type))
    {
        let s = sums.entry(group(c)).or_insert_with(|| Sums {
            tiers: vec![Default::default(); tier_names.len()],
            ..Default::default()
        });
        s.all.0 += c.pence;
        s.all.1.insert(c.supplier_id);
        if let Place::Tier(k) = place(c.supplier_id) {
            for t in s.tiers.iter_mut().skip(k) {
                t.0 += c.pence;
                t.1.insert(c.supplier_id);
            }
        }
    }
    let mut ordered: Vec<(String, Sums)> = sums.into_iter().collect();
    ordered.sort_by(|a, b| b.1.all.0.cmp(&a.1.all.0).then(a.0.cmp(&b.0)));
    let mut columns = vec![
        String::new(),
        "All areas".into(),
        "All areas (suppliers)".into(),
    ];
    for name in tier_names {
        columns.extend([
            format!("In {name}"),
            format!("In {name} (% of the row)"),
            format!("In {name} (suppliers)"),
        ]);
    }
    let (mut rows, mut plain) = (Vec::new(), Vec::new());
    for (label, s) in &ordered {
        let mut r = vec![
            label.clone(),
            Pence(s.all.0).to_string(),
            s.all.1.len().to_string(),
        ];
        let mut q = vec![
            label.clone(),
            Pence(s.all.0).plain(),
            s.all.1.len().to_string(),
        ];
        for (p, who) in &s.tiers {
            let share = share_bp(*p, s.all.0);
            r.extend([
                Pence(*p).to_string(),
                percent_text(share),
                who.len().to_string(),
            ]);
            q.extend([
                Pence(*p).plain(),
                percent_text(share).trim_end_matches('%').to_owned(),
                who.len().to_string(),
            ]);
        }
        rows.push(r);
        plain.push(q);
    }
    Table {
        key,
        title: title.into(),
        note: "Influenceable spend of each row with suppliers in each area (cumulative: an area and every area inside it), as a share of the row's own spend: the innermost area's share is the row's local share.".into(),
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
            department: Some("Highways".into()),
            expense_type: None,
            category: Some(category.into()),
            pence,
            lines: 1,
        }
    }

    #[test]
    fn each_category_is_split_by_tier_cumulatively_with_its_own_local_share() {
        let cells = [
            cell(1, "Construction", 600),
            cell(2, "Construction", 300),
            cell(3, "Construction", 100),
            cell(1, "Catering", 50),
        ];
        // Supplier 1 in tier 1, 2 in tier 2, 3 outside every tier.
        let place = |s: Option<i64>| match s {
            Some(1) => Place::Tier(0),
            Some(2) => Place::Tier(1),
            _ => Place::RestOfUk,
        };
        let names = ["Preston".to_owned(), "Lancashire".to_owned()];
        let t = tables(&cells, &|_, _| true, &place, &names);
        let by_category = &t[0];
        assert_eq!(by_category.key, "category_by_area");
        assert_eq!(
            by_category.plain[0],
            [
                "Construction",
                "10.00",
                "3",
                "6.00",
                "60.00",
                "1",
                "9.00",
                "90.00",
                "2"
            ]
        );
        assert_eq!(
            by_category.plain[1],
            ["Catering", "0.50", "1", "0.50", "100.00", "1", "0.50", "100.00", "1"]
        );
        assert_eq!(t[1].plain[0][..3], ["Highways", "10.50", "3"]);
        assert_eq!(t[2].plain[0][0], "Not stated");
    }
}
