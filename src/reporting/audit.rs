//! The audit export's rows: one per spend line in a report's scope, with
//! everything that placed and classified it, so that summing them
//! reproduces every figure on the report.

use crate::db::areas::DefinitionVersion;
use crate::db::report::{self, FactsMap, Located};
use crate::db::suppliers::{Provenance, Supplier};
use crate::domain::figures::{IdMap, Place};
use crate::domain::money::Pence;
use crate::domain::spend::PaymentType;
use crate::domain::spend::{is_personal, REDACTED_NAME};
use crate::export::SafeCsv;

/// The classifications whose source the export gives for each line's
/// supplier, as the register records their provenance.
pub const SOURCED: [&str; 3] = ["location", "size", "type"];

/// A supplier as the export reads it: its record, and where its location,
/// size and type (in [`SOURCED`]'s order) came from, as far as recorded,
/// already as the viewer may read them.
pub struct AuditSupplier {
    pub supplier: Supplier,
    pub sources: [Option<Provenance>; 3],
}

/// The audit export's columns.
pub const HEADER: [&str; 36] = [
    "Institution",
    "Line ID",
    "Payment date",
    "Supplier name as published",
    "Supplier ID",
    "Supplier on the register",
    "Company number",
    "Charity number",
    "Postcode used",
    "Location basis",
    "District",
    "Area",
    "Tier",
    "Size band",
    "Type",
    "SIC codes",
    "Payment type",
    "Influenceable",
    "Rule",
    "Amount (£)",
    "VAT basis",
    "Definition version",
    "Postcode lookup",
    "Import batch",
    "Import row",
    "Entered by user",
    // Empty for a dated payment; for a supplier's total for a period (dated
    // at its last day), the period.
    "Total for period",
    // Where the supplier's classifications came from: the source, who set
    // it (another institution's staff by institution and role) and when.
    "Location source",
    "Location set by",
    "Location set at",
    "Size source",
    "Size set by",
    "Size set at",
    "Type source",
    "Type set by",
    "Type set at",
];

/// The audit export's rows for a batch of lines, written straight into a
/// CSV chunk (a million lines are too many to build as strings first).
pub fn chunk(
    lines: &[report::AuditLine],
    sups: &IdMap<i64, AuditSupplier>,
    facts: &FactsMap,
    definition: &DefinitionVersion,
    release: &str,
    rules: &[(i64, Vec<String>)],
    names: &[(i64, String)],
) -> Result<Vec<u8>, csv::Error> {
    use std::fmt::Write as _;
    let def = definition.to_definition();
    let tier_names: Vec<String> = definition.tiers.iter().map(|t| t.name.clone()).collect();
    let version = format!("{} v{}", definition.id, definition.version);
    // What depends only on the supplier, worked out once per batch.
    let mut per_supplier: IdMap<Option<i64>, [String; 3]> = Default::default();
    let mut w = SafeCsv::new(Vec::with_capacity(lines.len() * 300));
    let mut number = String::new();
    let mut put_number = |w: &mut SafeCsv<Vec<u8>>, n: Option<i64>| {
        number.clear();
        if let Some(n) = n {
            // Writing to a String cannot fail.
            let _ = write!(number, "{n}");
        }
        w.field(&number)
    };
    for l in lines {
        let audited = l.supplier_id.and_then(|id| sups.get(&id));
        let s = audited.map(|a| &a.supplier);
        let loc: Option<&Located> = l
            .supplier_id
            .and_then(|id| facts.get(&id))
            .and_then(|f| f.located.as_ref());
        let [area, tier, kinds] = per_supplier.entry(l.supplier_id).or_insert_with(|| {
            let place = report::place_of(loc, &def, l.supplier_id);
            [
                place.label(&tier_names),
                match place {
                    Place::Tier(k) => (k + 1).to_string(),
                    _ => String::new(),
                },
                s.map(|s| s.types().join("; ")).unwrap_or_default(),
            ]
        });
        let on = rules
            .iter()
            .find(|(i, _)| *i == l.institution_id)
            .is_some_and(|(_, t)| t.contains(&l.payment_type));
        let default_on =
            PaymentType::from_code(&l.payment_type).is_some_and(|t| t.influenceable_by_default());
        fn text(v: Option<&str>) -> &str {
            v.unwrap_or("")
        }
        let institution = names
            .iter()
            .find(|(i, _)| *i == l.institution_id)
            .map(|(_, n)| n.as_str());
        w.field(text(institution))?;
        put_number(&mut w, Some(l.id))?;
        w.field(l.payment_date.to_string())?;
        // A person's name is never exported, as paid or as on the register.
        let personal = is_personal(&l.payment_type, l.redacted);
        let published = if personal {
            REDACTED_NAME
        } else {
            l.supplier_name.as_str()
        };
        w.field(published)?;
        put_number(&mut w, l.supplier_id)?;
        let register = if personal {
            Some(REDACTED_NAME)
        } else {
            s.map(|s| s.name.as_str())
        };
        w.field(text(register))?;
        w.field(text(s.and_then(|s| s.company_number.as_deref())))?;
        w.field(text(s.and_then(|s| s.charity_number.as_deref())))?;
        w.field(text(loc.and_then(|l| l.postcode.as_deref())))?;
        w.field(text(s.map(|s| s.location_basis.as_str())))?;
        w.field(text(loc.and_then(|l| l.district_code.as_deref())))?;
        w.field(&*area)?;
        w.field(&*tier)?;
        w.field(text(s.and_then(|s| s.size_band.as_deref())))?;
        w.field(&*kinds)?;
        w.field(text(s.map(|s| s.sic_codes.as_str())))?;
        w.field(&l.payment_type)?;
        w.field(if on { "yes" } else { "no" })?;
        w.field(if on == default_on {
            "default"
        } else {
            "institution rule"
        })?;
        w.field(Pence(l.amount_pence).plain())?;
        w.field(&l.vat_basis)?;
        w.field(&version)?;
        w.field(release)?;
        put_number(&mut w, l.import_batch_id)?;
        put_number(&mut w, l.import_row)?;
        put_number(&mut w, l.entered_by)?;
        w.field(text(l.period.as_deref()))?;
        for source in audited.map_or(&[None, None, None], |a| &a.sources) {
            match source {
                Some(p) => {
                    w.field(
                        crate::domain::supplier::Source::from_code(&p.source)
                            .map_or(p.source.as_str(), |s| s.label()),
                    )?;
                    w.field(&p.set_by)?;
                    w.field(p.set_at.format("%Y-%m-%d %H:%M:%S").to_string())?;
                }
                None => {
                    for _ in 0..3 {
                        w.field("")?;
                    }
                }
            }
        }
        w.end_record()?;
    }
    w.into_inner()
}
