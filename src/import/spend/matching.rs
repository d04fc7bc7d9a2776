//! Matching a file's lines to the supplier register: the register as the
//! import needs it (by the institution's own supplier ids, company numbers
//! and names), and the supplier a line names that is not yet on record.

use diesel::prelude::*;

use super::{HashMap, HashSet, SpendImportError};
use crate::db::schema::{supplier_aliases as a, supplier_external_ids as x, suppliers as s};
use crate::db::suppliers::NewSupplier;
use crate::db::DbConn;
use crate::domain::spend_file::ParsedLine;
use crate::domain::supplier::{
    match_key, normalise_company_number, normalise_name, SupplierFields,
};

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
        };
        for (id, key, company, public) in live {
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

    pub(super) fn resolve(&mut self, line: &ParsedLine) -> Option<i64> {
        if let Some(id) = line.supplier_ref.as_ref().and_then(|r| self.by_ref.get(r)) {
            return Some(*id);
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
        self.by_key
            .entry(match_key(&line.supplier_name))
            .or_insert(id);
        self.memo.insert(line.supplier_name.clone(), Some(id));
        if let Some(r) = &line.supplier_ref {
            self.by_ref.insert(r.clone(), id);
        }
    }
}

/// The supplier a line names that is not yet on record, to be created under
/// a reserved id before the line is written.
pub(super) fn new_supplier(
    id: i64,
    line: &ParsedLine,
    institution_id: i64,
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
                "supplier `{}` cannot be recorded: {}",
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
        // A reference the index knew would have resolved the line, so it is new.
        external_id: line.supplier_ref.clone().map(|r| (institution_id, r)),
    })
}
