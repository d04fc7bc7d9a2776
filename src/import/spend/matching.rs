//! Matching a file's lines to the supplier register: the register as the
//! import needs it (by the institution's own supplier ids, company numbers
//! and names), and the supplier a line names that is not yet on record.

use diesel::prelude::*;

use super::{HashMap, HashSet, SpendImportError};
use crate::db::schema::{supplier_aliases as a, supplier_external_ids as x, suppliers as s};
use crate::db::suppliers::NewSupplier;
use crate::db::DbConn;
use crate::domain::recognise::PayeeClass;
use crate::domain::spend_file::ParsedLine;
use crate::domain::supplier::{
    match_key, normalise_company_number, normalise_name, SupplierFields,
};
use crate::import::spend_file::At;

/// The supplier register as an import needs it: every way a published name
/// can be recognised.
pub(super) struct SupplierIndex {
    by_ref: HashMap<String, i64>,
    by_company: HashMap<String, i64>,
    by_name: HashMap<String, i64>,
    by_key: HashMap<String, i64>,
    pub(super) public_bodies: HashSet<i64>,
    /// Published name → what it resolved to, so each distinct name is
    /// normalised once.
    memo: HashMap<String, Option<i64>>,
    /// Stand-in ids handed out so far (see [`SupplierIndex::stand_in`]).
    stand_ins: i64,
    /// Each supplier's match key, to tell whether a line naming it by the
    /// institution's supplier id is the same organisation.
    key_of: HashMap<i64, String>,
    /// Published name → its match key, worked out once per name.
    name_keys: HashMap<String, String>,
    /// Supplier ids used for plainly different organisations: the row first
    /// seen, and the match keys of the names met beyond the id's own.
    ref_conflicts: HashMap<String, (At, HashSet<String>)>,
    /// Published name, or supplier id, → the class of payee it denotes.
    name_classes: HashMap<String, Option<PayeeClass>>,
    ref_classes: HashMap<String, Option<PayeeClass>>,
    /// What each class label met so far covers: its class, first row,
    /// lines and pence.
    class_uses: HashMap<String, (&'static str, At, u64, i64)>,
}

impl SupplierIndex {
    pub(super) fn load(conn: &mut DbConn, institution_id: i64) -> QueryResult<Self> {
        let live: Vec<(i64, String, Option<String>, bool)> = s::table
            .filter(s::merged_into.is_null())
            .select((s::id, s::match_key, s::company_number, s::is_public_body))
            .load(conn)?;
        let names: Vec<(String, i64)> = a::table
            .inner_join(s::table)
            .filter(s::merged_into.is_null())
            .select((a::normalised_name, a::supplier_id))
            .order(a::id)
            .load(conn)?;
        let refs: Vec<(String, i64)> = x::table
            .filter(x::institution_id.eq(institution_id))
            .select((x::external_id, x::supplier_id))
            .load(conn)?;
        let mut index = Self {
            by_ref: refs.into_iter().collect(),
            by_company: HashMap::default(),
            by_name: HashMap::default(),
            by_key: HashMap::default(),
            public_bodies: HashSet::default(),
            memo: HashMap::default(),
            stand_ins: 0,
            key_of: HashMap::default(),
            name_keys: HashMap::default(),
            ref_conflicts: HashMap::default(),
            name_classes: HashMap::default(),
            ref_classes: HashMap::default(),
            class_uses: HashMap::default(),
        };
        for (id, key, company, public) in live {
            index.key_of.insert(id, key.clone());
            index.by_key.entry(key).or_insert(id);
            if let Some(c) = company {
                index.by_company.entry(c).or_insert(id);
            }
            if public {
                index.public_bodies.insert(id);
            }
        }
        for (name, id) in names {
            index.by_name.entry(name).or_insert(id);
        }
        Ok(index)
    }

    /// The supplier a line names: by the institution's supplier id when
    /// the line's name is that supplier's (one id used for plainly different
    /// organisations is not trusted: those lines match by name, and the id
    /// is reported), else by company number, else by name.
    pub(super) fn resolve(&mut self, line: &ParsedLine, at: At) -> Option<i64> {
        if let Some(r) = &line.supplier_ref {
            if let Some(&id) = self.by_ref.get(r) {
                if self.is_same_organisation(id, &line.supplier_name) {
                    return Some(id);
                }
                let key = self.key_of_name(&line.supplier_name);
                self.ref_conflicts
                    .entry(r.clone())
                    .or_insert_with(|| (at, HashSet::default()))
                    .1
                    .insert(key);
            }
        }
        if let Some(id) = line
            .company_number
            .as_deref()
            .and_then(normalise_company_number)
            .and_then(|c| self.by_company.get(&c))
        {
            return Some(*id);
        }
        if let Some(found) = self.memo.get(&line.supplier_name) {
            return *found;
        }
        let found = self
            .by_name
            .get(&normalise_name(&line.supplier_name))
            .or_else(|| self.by_key.get(&match_key(&line.supplier_name)))
            .copied();
        self.memo.insert(line.supplier_name.clone(), found);
        found
    }

    /// Marks a line whose name or supplier id denotes a class of payee
    /// rather than an organisation; payments to individuals are withheld
    /// as a redacted payee's are.
    pub(super) fn classify(&mut self, line: &mut ParsedLine, at: At) {
        if line.redacted {
            return;
        }
        let by_name = match self.name_classes.get(&line.supplier_name) {
            Some(c) => *c,
            None => {
                let c = PayeeClass::of_name(&line.supplier_name);
                self.name_classes.insert(line.supplier_name.clone(), c);
                c
            }
        };
        let ref_class = match (by_name, line.supplier_ref.as_deref()) {
            (None, Some(r)) => match self.ref_classes.get(r) {
                Some(c) => *c,
                None => {
                    let c = PayeeClass::of_ref(r);
                    self.ref_classes.insert(r.to_owned(), c);
                    c
                }
            },
            _ => None,
        };
        let (label, outcome) = match (by_name, ref_class) {
            (Some(c), _) => {
                line.payee_class = Some(c);
                (format!("the name ‘{}’", line.supplier_name), outcome(c))
            }
            (None, Some(c)) => {
                let label = format!(
                    "the supplier id ‘{}’",
                    line.supplier_ref.take().unwrap_or_default()
                );
                if c == PayeeClass::Card {
                    // The merchant is published as the name: matched by it.
                    (
                        label,
                        "recorded as card spend, each matched to its merchant by name",
                    )
                } else {
                    line.payee_class = Some(c);
                    (label, outcome(c))
                }
            }
            (None, None) => return,
        };
        let class = by_name.or(ref_class);
        line.card = class == Some(PayeeClass::Card);
        line.redacted = class == Some(PayeeClass::Individuals);
        let used = self.class_uses.entry(label).or_insert((outcome, at, 0, 0));
        used.2 += 1;
        used.3 += line.amount;
    }

    /// One warning per name or id that denotes a class of payee, with what
    /// became of its lines.
    fn class_warnings(&self) -> Vec<(At, String)> {
        let mut out: Vec<(At, String)> = self
            .class_uses
            .iter()
            .map(|(label, (outcome, at, lines, pence))| {
                (
                    *at,
                    format!(
                        "{label} denotes a class of payee, not an organisation: its {lines} line{} ({}) {} {}",
                        if *lines == 1 { "" } else { "s" },
                        crate::domain::money::Pence(*pence),
                        if *lines == 1 { "is" } else { "are" },
                        outcome
                    ),
                )
            })
            .collect();
        out.sort_by_key(|(at, _)| at.row);
        out
    }

    fn key_of_name(&mut self, name: &str) -> String {
        if let Some(k) = self.name_keys.get(name) {
            return k.clone();
        }
        let k = match_key(name);
        self.name_keys.insert(name.to_owned(), k.clone());
        k
    }

    /// Whether a published name is the supplier's own: its match key, or a
    /// name it is known by.
    fn is_same_organisation(&mut self, id: i64, name: &str) -> bool {
        let key = self.key_of_name(name);
        self.key_of.get(&id) == Some(&key) || self.by_name.get(&normalise_name(name)) == Some(&id)
    }

    /// Whether a supplier id already names a supplier (so a new supplier
    /// cannot take it).
    pub(super) fn knows_ref(&self, r: &str) -> bool {
        self.by_ref.contains_key(r)
    }

    /// One warning per supplier id used for several organisations, and per
    /// name or id that denotes a class of payee.
    pub(super) fn warnings(&self) -> Vec<(At, String)> {
        let mut out: Vec<(At, String)> = self
            .ref_conflicts
            .iter()
            .map(|(r, (at, keys))| {
                (
                    *at,
                    format!(
                        "supplier id {r} is used for {} different names: matched by name instead",
                        keys.len() + 1
                    ),
                )
            })
            .collect();
        out.extend(self.class_warnings());
        out.sort_by_key(|(at, _)| at.row);
        out
    }

    /// Learns the supplier a line names under a stand-in id (negative) when
    /// nothing is to be written (a preview, or a commit that has met a row
    /// it cannot read), so that names a commit would recognise as one
    /// supplier count once.
    pub(super) fn stand_in(&mut self, line: &ParsedLine) {
        self.stand_ins -= 1;
        self.learn(line, self.stand_ins);
    }

    pub(super) fn learn(&mut self, line: &ParsedLine, id: i64) {
        self.by_name.insert(normalise_name(&line.supplier_name), id);
        let key = self.key_of_name(&line.supplier_name);
        self.key_of.insert(id, key);
        self.by_key
            .entry(match_key(&line.supplier_name))
            .or_insert(id);
        self.memo.insert(line.supplier_name.clone(), Some(id));
        if let Some(r) = &line.supplier_ref {
            // The first supplier named by an id keeps it.
            self.by_ref.entry(r.clone()).or_insert(id);
        }
    }
}

/// What becomes of the lines of a class of payee that names no supplier.
fn outcome(class: PayeeClass) -> &'static str {
    match class {
        PayeeClass::Individuals => {
            "recorded as payments to individuals (withheld in exports), with no supplier"
        }
        PayeeClass::Card => {
            "recorded as card spend whose merchant is not published (location unknown), with no supplier"
        }
    }
}

/// The supplier a line names that is not yet on record, to be created under
/// a reserved id before the line is written.
pub(super) fn new_supplier(
    id: i64,
    line: &ParsedLine,
    institution_id: i64,
    ref_taken: bool,
) -> Result<NewSupplier, SpendImportError> {
    let fields = SupplierFields {
        name: line.supplier_name.clone(),
        company_number: line.company_number.clone().unwrap_or_default(),
        charity_number: line.charity_number.clone().unwrap_or_default(),
        vat_number: line.vat_number.clone().unwrap_or_default(),
        ..Default::default()
    };
    // Identifiers a file gets wrong must not stop the supplier being recorded.
    let input = fields.parse().or_else(|_| {
        SupplierFields {
            name: line.supplier_name.clone(),
            ..Default::default()
        }
        .parse()
        .map_err(|errors| {
            SpendImportError::Refused(format!(
                "supplier “{}” cannot be recorded: {}",
                line.supplier_name,
                errors
                    .into_iter()
                    .map(|(_, m)| m)
                    .collect::<Vec<_>>()
                    .join("; ")
            ))
        })
    })?;
    Ok(NewSupplier {
        id,
        input,
        // An id another supplier holds stays that supplier's.
        external_id: line
            .supplier_ref
            .clone()
            .filter(|_| !ref_taken)
            .map(|r| (institution_id, r)),
    })
}
