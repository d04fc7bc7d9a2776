//! A network's crossed tables are pooled (its members' spend added up); each
//! also gains the unweighted mean of its members' shares in the innermost
//! area, labelled, since the two differ (`docs/domain.md`: Greater
//! Manchester's 61.73% pooled against 53.8% mean).

use super::measures::mean_bp;
use super::Table;
use crate::domain::figures::{percent_text, SpendCell};
use crate::domain::money::Pence;

/// Where a crossed table keeps its innermost area's share: (label, all £,
/// all suppliers, innermost £, innermost share, …).
const SHARE_COLUMN: usize = 4;

/// The crossed tables that take a mean, and whether a member with no row
/// counts as 0% (shares of all its spend: it spent nothing with that kind)
/// or not at all (shares of the row's own spend, which it does not have).
/// Departments and expense types are each member's own: no mean.
const CROSSED: [(&str, bool); 2] = [("kind_by_area", true), ("category_by_area", false)];

/// Adds the members' mean to the crossed tables among `tables`. `cells` are
/// the network's, in institution order; `build` makes one member's tables
/// from its own cells, under the network's definition.
pub fn add(
    tables: &mut [Table],
    cells: &[SpendCell],
    members: &[i64],
    build: &dyn Fn(&[SpendCell]) -> Vec<Table>,
) {
    let crossed = |key: &str| CROSSED.iter().find(|c| c.0 == key).map(|c| c.1);
    if members.len() < 2 || !tables.iter().any(|t| crossed(t.key).is_some()) {
        return;
    }
    let own: Vec<Vec<Table>> = members
        .iter()
        .map(|id| {
            let a = cells.partition_point(|c| c.institution_id < *id);
            let n = cells[a..].partition_point(|c| c.institution_id == *id);
            build(&cells[a..a + n])
        })
        .collect();
    for t in tables.iter_mut() {
        let Some(absent_is_zero) = crossed(t.key) else {
            continue;
        };
        let theirs: Vec<Option<&Table>> = own
            .iter()
            .map(|m| m.iter().find(|x| x.key == t.key))
            .collect();
        add_mean(t, &theirs, absent_is_zero);
    }
}

fn add_mean(t: &mut Table, members: &[Option<&Table>], absent_is_zero: bool) {
    let Some(column) = t.columns.get(SHARE_COLUMN) else {
        return;
    };
    let n = members.len();
    // `In Preston (share)` → `In Preston: mean of the 3 members (share)`.
    let name = match column.split_once(" (") {
        Some((head, tail)) => format!("{head}: mean of the {n} members ({tail}"),
        None => format!("{column}: mean of the {n} members"),
    };
    t.columns.push(name);
    for (row, plain) in t.rows.iter_mut().zip(t.plain.iter_mut()) {
        let label = plain[0].clone();
        let shares = members.iter().map(|m| {
            let m = (*m)?;
            match m.plain.iter().find(|r| r[0] == label) {
                Some(r) => r
                    .get(SHARE_COLUMN)
                    .and_then(|s| Pence::parse(s).ok())
                    .map(|p| p.0),
                None if absent_is_zero && !m.plain.is_empty() => Some(0),
                None => None,
            }
        });
        let mean = mean_bp(shares);
        row.push(percent_text(mean));
        plain.push(mean.map_or_else(String::new, |bp| {
            percent_text(Some(bp)).trim_end_matches('%').to_owned()
        }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::figures::share_bp;
    use crate::domain::spend::PaymentType;

    fn cell(institution: i64, supplier: i64, category: &str, pence: i64) -> SpendCell {
        SpendCell {
            institution_id: institution,
            supplier_id: Some(supplier),
            payment_type: PaymentType::Procurement,
            department: None,
            expense_type: None,
            category: Some(category.into()),
            pence,
            lines: 1,
        }
    }

    /// A crossed table by category: supplier 1 is the only local one. Shares
    /// are of all the cells' spend (`kind_by_area`) or of the row's own.
    fn build(cells: &[SpendCell], of_all: bool) -> Vec<Table> {
        let mut labels: Vec<String> = cells.iter().filter_map(|c| c.category.clone()).collect();
        labels.sort();
        labels.dedup();
        let total: i64 = cells.iter().map(|c| c.pence).sum();
        let rows: Vec<Vec<String>> = labels
            .into_iter()
            .map(|l| {
                let mine = cells.iter().filter(|c| c.category.as_deref() == Some(&l));
                let all: i64 = mine.clone().map(|c| c.pence).sum();
                let here: i64 = mine
                    .filter(|c| c.supplier_id == Some(1))
                    .map(|c| c.pence)
                    .sum();
                let share = share_bp(here, if of_all { total } else { all });
                let share = percent_text(share).trim_end_matches('%').to_owned();
                vec![l, all.to_string(), "1".into(), here.to_string(), share]
            })
            .collect();
        vec![Table {
            key: if of_all {
                "kind_by_area"
            } else {
                "category_by_area"
            },
            title: String::new(),
            note: String::new(),
            columns: [
                "",
                "All areas",
                "All areas (suppliers)",
                "In Preston",
                "In Preston (share)",
            ]
            .map(String::from)
            .to_vec(),
            rows: rows.clone(),
            plain: rows,
        }]
    }

    #[test]
    fn a_network_table_gains_its_members_unweighted_mean_beside_the_pooled_share() {
        // Member 1: £900 of ICT with the local supplier. Member 2: £100 of
        // ICT elsewhere and £100 of catering with the local supplier.
        let cells = vec![
            cell(1, 1, "ICT", 900),
            cell(2, 2, "ICT", 100),
            cell(2, 1, "Catering", 100),
        ];
        for of_all in [true, false] {
            let mut pooled = build(&cells, of_all);
            add(&mut pooled, &cells, &[1, 2], &|own| build(own, of_all));
            let t = &pooled[0];
            assert_eq!(t.columns[5], "In Preston: mean of the 2 members (share)");
            let row = |label: &str| t.plain.iter().find(|r| r[0] == label).unwrap()[5].clone();
            if of_all {
                // Of each member's whole spend: ICT 100% and 0%; catering 0%
                // (member 1 bought none) and 50%.
                assert_eq!(
                    (row("ICT"), row("Catering")),
                    ("50.00".into(), "25.00".into())
                );
                // The pooled shares stay as they were: 900 of 1,100.
                assert_eq!(t.plain.iter().find(|r| r[0] == "ICT").unwrap()[4], "81.82");
            } else {
                // Of the row's own spend: ICT 100% and 0%; catering only
                // member 2's, 100% (member 1 has no such row).
                assert_eq!(
                    (row("ICT"), row("Catering")),
                    ("50.00".into(), "100.00".into())
                );
            }
        }
        // One member: nothing to average.
        let mut single = build(&cells[..1], true);
        add(&mut single, &cells[..1], &[1], &|own| build(own, true));
        assert_eq!(single[0].columns.len(), 5);
    }
}
