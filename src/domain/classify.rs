//! Where a supplier counts: from its postcodes, the basis chosen, an optional
//! manual override, a local-area definition and the postcode lookup, to a tier
//! with the place behind it and a sentence a person can check. Unknown is a
//! result with its reason, never a silent "not local".

use std::collections::BTreeSet;
use std::fmt;

use super::geography::{country_of, Gazetteer, UK_COUNTRIES};
use super::postcode::{Postcode, PostcodeKind};
use super::text_enum;

text_enum! {
    /// Which of a supplier's addresses locates it.
    pub enum LocationBasis {
        RegisteredOffice => ("registered_office", "registered office"),
        Branch => ("branch", "branch or trading site"),
        Invoice => ("invoice", "invoice address"),
    }
}

/// A supplier's postcodes as recorded, unparsed.
#[derive(Debug, Clone, Default)]
pub struct SupplierPostcodes {
    pub registered_office: Option<String>,
    pub branch: Option<String>,
    pub invoice: Option<String>,
}

impl SupplierPostcodes {
    pub fn for_basis(&self, basis: LocationBasis) -> Option<&str> {
        let pc = match basis {
            LocationBasis::RegisteredOffice => &self.registered_office,
            LocationBasis::Branch => &self.branch,
            LocationBasis::Invoice => &self.invoice,
        };
        pc.as_deref().map(str::trim).filter(|s| !s.is_empty())
    }
}

/// Where a person has decided a supplier counts, overriding its postcode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OverridePlace {
    District(String),
    OutsideUk,
}

#[derive(Debug, Clone)]
pub struct ManualOverride {
    pub place: OverridePlace,
    pub justification: String,
    pub set_by: String,
}

#[derive(Debug, Clone)]
pub struct LocationInput {
    pub postcodes: SupplierPostcodes,
    pub basis: LocationBasis,
    /// Who chose the basis, for the explanation.
    pub basis_set_by: Option<String>,
    pub manual: Option<ManualOverride>,
}

/// One tier of a definition, with its districts already made cumulative
/// (every district of the tiers before it too).
#[derive(Debug, Clone)]
pub struct TierDef {
    pub name: String,
    pub districts: BTreeSet<String>,
}

/// A local-area definition version, as classification uses it.
#[derive(Debug, Clone)]
pub struct Definition {
    pub id: i64,
    pub version: i64,
    pub tiers: Vec<TierDef>,
}

impl Definition {
    /// Builds cumulative tiers from each tier's chosen areas.
    pub fn from_chosen(
        id: i64,
        version: i64,
        chosen: &[(String, Vec<String>)],
        gazetteer: &Gazetteer,
    ) -> Self {
        let mut so_far = BTreeSet::new();
        let tiers = chosen
            .iter()
            .map(|(name, codes)| {
                for code in codes {
                    so_far.extend(gazetteer.districts_in(code));
                }
                TierDef {
                    name: name.clone(),
                    districts: so_far.clone(),
                }
            })
            .collect();
        Self { id, version, tiers }
    }

    /// The first tier holding the district, 1-based.
    pub fn tier_of(&self, district: &str) -> Option<usize> {
        self.tiers
            .iter()
            .position(|t| t.districts.contains(district))
            .map(|i| i + 1)
    }

    pub fn rest_of_uk_position(&self) -> usize {
        self.tiers.len() + 1
    }

    pub fn outside_uk_position(&self) -> usize {
        self.tiers.len() + 2
    }
}

/// A postcode as the lookup holds it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LookupRecord {
    pub district: Option<String>,
    pub ward: Option<String>,
    pub lsoa: Option<String>,
    pub region: Option<String>,
    pub country: Option<String>,
    pub imd_rank: Option<i32>,
    pub terminated: Option<String>,
}

/// The postcode lookup release in use.
pub struct Lookup<'a> {
    pub release: &'a str,
    /// How many LSOAs the English IMD ranks, for deciles.
    pub imd_lsoa_count: Option<i32>,
    pub find: &'a dyn Fn(&str) -> Option<LookupRecord>,
}

/// Why a supplier's location is unknown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UnknownReason {
    NoPostcode,
    Invalid(String),
    NonGeographic,
    NoLookup,
    NotInLookup,
    NoDistrict,
}

impl fmt::Display for UnknownReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoPostcode => f.write_str("no postcode"),
            Self::Invalid(e) => write!(f, "invalid postcode ({e})"),
            Self::NonGeographic => f.write_str("non-geographic postcode"),
            Self::NoLookup => f.write_str("no postcode lookup loaded"),
            Self::NotInLookup => f.write_str("postcode not in the lookup"),
            Self::NoDistrict => {
                f.write_str("the lookup gives no local authority for this postcode")
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Placement {
    /// Within tier n (1-based) of the definition.
    Tier(usize),
    RestOfUk,
    OutsideUk,
    Unknown(UnknownReason),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Classification {
    pub placement: Placement,
    /// The tier's position counting "rest of UK" and "outside UK" after the
    /// definition's own tiers; `None` when unknown.
    pub position: Option<usize>,
    pub tier_name: String,
    pub basis: LocationBasis,
    pub postcode: Option<String>,
    /// The current district code (a retired code is mapped to its successor).
    pub district: Option<String>,
    /// The code the lookup gave, when it has since been retired.
    pub former_district: Option<String>,
    pub ward: Option<String>,
    pub lsoa: Option<String>,
    pub region: Option<String>,
    pub country: Option<String>,
    /// England only: other nations' indices are not comparable.
    pub imd_rank: Option<i32>,
    pub imd_decile: Option<u8>,
    pub terminated: Option<String>,
    pub manual: bool,
    pub explanation: String,
}

/// Decile 1 is the most deprived tenth.
pub fn imd_decile(rank: i32, lsoas: i32) -> Option<u8> {
    if rank < 1 || lsoas < 1 || rank > lsoas {
        return None;
    }
    Some(((i64::from(rank) * 10 + i64::from(lsoas) - 1) / i64::from(lsoas)) as u8)
}

fn quoted_tier(c: &Classification) -> String {
    match c.placement {
        Placement::Tier(n) => format!("tier {n} '{}'", c.tier_name),
        _ => c.tier_name.clone(),
    }
}

fn unknown(
    basis: LocationBasis,
    postcode: Option<String>,
    reason: UnknownReason,
    explanation: String,
) -> Classification {
    Classification {
        placement: Placement::Unknown(reason),
        position: None,
        tier_name: "unknown".into(),
        basis,
        postcode,
        district: None,
        former_district: None,
        ward: None,
        lsoa: None,
        region: None,
        country: None,
        imd_rank: None,
        imd_decile: None,
        terminated: None,
        manual: false,
        explanation,
    }
}

/// Places a district in the definition: its tier, else the rest of the UK,
/// else outside it.
fn place(def: &Definition, district: &str, country: &str) -> (Placement, Option<usize>, String) {
    match def.tier_of(district) {
        Some(n) => (Placement::Tier(n), Some(n), def.tiers[n - 1].name.clone()),
        None if UK_COUNTRIES.contains(&country) => (
            Placement::RestOfUk,
            Some(def.rest_of_uk_position()),
            "rest of UK".into(),
        ),
        None => (
            Placement::OutsideUk,
            Some(def.outside_uk_position()),
            "outside UK".into(),
        ),
    }
}

pub fn classify(
    input: &LocationInput,
    def: &Definition,
    lookup: Option<&Lookup<'_>>,
    gazetteer: &Gazetteer,
) -> Classification {
    let basis = input.basis;
    if let Some(manual) = &input.manual {
        return classify_manual(manual, basis, def, gazetteer);
    }
    let Some(raw) = input.postcodes.for_basis(basis) else {
        return unknown(
            basis,
            None,
            UnknownReason::NoPostcode,
            format!("No {} postcode recorded → location unknown", basis.label()),
        );
    };
    let postcode = match Postcode::parse(raw) {
        Ok(p) => p,
        Err(e) => {
            let reason = UnknownReason::Invalid(e.to_string());
            return unknown(
                basis,
                Some(raw.to_owned()),
                reason,
                format!("{raw} is not a valid UK postcode → location unknown"),
            );
        }
    };
    let shown = postcode.as_str().to_owned();
    match postcode.kind() {
        PostcodeKind::OverseasTerritory => {
            let position = Some(def.outside_uk_position());
            let mut c = unknown(
                basis,
                Some(shown.clone()),
                UnknownReason::NoPostcode,
                String::new(),
            );
            c.placement = Placement::OutsideUk;
            c.position = position;
            c.tier_name = "outside UK".into();
            c.explanation = format!(
                "{shown} is a British Overseas Territory postcode → outside UK; basis: {}",
                basis.label()
            );
            return c;
        }
        PostcodeKind::NonGeographic => {
            let text = format!(
                "{shown} is a non-geographic postcode (PO box or similar) → location unknown"
            );
            return unknown(basis, Some(shown), UnknownReason::NonGeographic, text);
        }
        PostcodeKind::Geographic => {}
    }
    let Some(lookup) = lookup else {
        return unknown(
            basis,
            Some(shown.clone()),
            UnknownReason::NoLookup,
            format!("{shown}: no postcode lookup is loaded → location unknown"),
        );
    };
    let Some(record) = (lookup.find)(&shown) else {
        let text = format!(
            "{shown} is not in postcode lookup release {} → location unknown",
            lookup.release
        );
        return unknown(basis, Some(shown), UnknownReason::NotInLookup, text);
    };
    from_record(
        &record,
        shown,
        basis,
        def,
        lookup,
        gazetteer,
        input.basis_set_by.as_deref(),
    )
}

/// Where a postcode found in the lookup places a supplier: its district
/// (the successor of a retired one), tier, ward, LSOA, region, deprivation
/// and the sentence that explains it.
fn from_record(
    record: &LookupRecord,
    shown: String,
    basis: LocationBasis,
    def: &Definition,
    lookup: &Lookup<'_>,
    gazetteer: &Gazetteer,
    basis_set_by: Option<&str>,
) -> Classification {
    let country = record
        .country
        .clone()
        .or_else(|| record.district.as_deref().map(|d| country_of(d).to_owned()))
        .unwrap_or_default();
    let Some(as_published) = record.district.clone() else {
        if !country.is_empty() && !UK_COUNTRIES.contains(&country.as_str()) {
            let mut c = unknown(
                basis,
                Some(shown.clone()),
                UnknownReason::NoDistrict,
                String::new(),
            );
            c.placement = Placement::OutsideUk;
            c.position = Some(def.outside_uk_position());
            c.tier_name = "outside UK".into();
            c.country = Some(country.clone());
            c.explanation = format!(
                "{shown} → {} → outside UK; basis: {}",
                gazetteer.name(&country),
                basis.label()
            );
            return c;
        }
        let text = format!("{shown}: the lookup gives no local authority → location unknown");
        return unknown(basis, Some(shown), UnknownReason::NoDistrict, text);
    };
    let district = gazetteer.current(&as_published).to_owned();
    let former = (district != as_published).then_some(as_published);
    let (placement, position, tier_name) = place(def, &district, &country);
    let english = country == "E92000001";
    let imd_rank = record.imd_rank.filter(|_| english);
    let imd_decile = imd_rank
        .zip(lookup.imd_lsoa_count)
        .and_then(|(r, n)| imd_decile(r, n));
    let region = record.region.clone().or_else(|| {
        gazetteer
            .parents
            .get(&district)
            .and_then(|p| p.region.clone())
    });
    let mut c = Classification {
        placement,
        position,
        tier_name,
        basis,
        postcode: Some(shown.clone()),
        district: Some(district.clone()),
        former_district: former.clone(),
        ward: record.ward.clone(),
        lsoa: record.lsoa.clone(),
        region,
        country: Some(country),
        imd_rank,
        imd_decile,
        terminated: record.terminated.clone(),
        manual: false,
        explanation: String::new(),
    };
    let mut text = format!("{shown} → {} ({district})", gazetteer.name(&district));
    if let Some(old) = &former {
        text.push_str(&format!(
            " [lookup gives {} ({old}), since replaced]",
            gazetteer.name(old)
        ));
    }
    text.push_str(&format!(" → {}; basis: {}", quoted_tier(&c), basis.label()));
    if let Some(by) = basis_set_by {
        text.push_str(&format!(", set by {by}"));
    }
    if let Some(t) = &c.terminated {
        text.push_str(&format!("; postcode terminated {t}"));
    }
    c.explanation = text;
    c
}

fn classify_manual(
    manual: &ManualOverride,
    basis: LocationBasis,
    def: &Definition,
    gazetteer: &Gazetteer,
) -> Classification {
    let mut c = unknown(basis, None, UnknownReason::NoPostcode, String::new());
    c.manual = true;
    let target = match &manual.place {
        OverridePlace::OutsideUk => {
            c.placement = Placement::OutsideUk;
            c.position = Some(def.outside_uk_position());
            c.tier_name = "outside UK".into();
            "outside UK".to_owned()
        }
        OverridePlace::District(code) => {
            let district = gazetteer.current(code).to_owned();
            let (placement, position, tier_name) = place(def, &district, country_of(&district));
            c.placement = placement;
            c.position = position;
            c.tier_name = tier_name;
            c.country = Some(country_of(&district).to_owned());
            c.region = gazetteer
                .parents
                .get(&district)
                .and_then(|p| p.region.clone());
            c.district = Some(district.clone());
            format!(
                "{} ({district}) → {}",
                gazetteer.name(&district),
                quoted_tier(&c)
            )
        }
    };
    c.explanation = format!(
        "Manual override by {}: {target}; justification: {}",
        manual.set_by,
        manual.justification.trim()
    );
    c
}

/// Proposes tiers from a home district: the district, then its county or
/// combined authority, then its region (or nation outside England). The rest
/// of the UK and outside the UK always follow.
pub fn propose_tiers(
    home_districts: &[String],
    gazetteer: &Gazetteer,
) -> Vec<(String, Vec<String>)> {
    let homes: BTreeSet<String> = home_districts
        .iter()
        .map(|d| gazetteer.current(d).to_owned())
        .collect();
    if homes.is_empty() {
        return Vec::new();
    }
    let name_of = |codes: &BTreeSet<String>| {
        codes
            .iter()
            .map(|c| gazetteer.name(c).to_owned())
            .collect::<Vec<_>>()
            .join(" + ")
    };
    let mut tiers = vec![(name_of(&homes), homes.iter().cloned().collect())];
    let parents: Vec<_> = homes
        .iter()
        .filter_map(|d| gazetteer.parents.get(d))
        .collect();
    let wider: BTreeSet<String> = parents
        .iter()
        .filter_map(|p| p.county.clone().or_else(|| p.combined_authority.clone()))
        .collect();
    if !wider.is_empty() {
        tiers.push((name_of(&wider), wider.into_iter().collect()));
    }
    let regions: BTreeSet<String> = parents
        .iter()
        .map(|p| p.region.clone().unwrap_or_else(|| p.country.clone()))
        .collect();
    if !regions.is_empty() {
        tiers.push((name_of(&regions), regions.into_iter().collect()));
    }
    tiers
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::domain::geography::{parse_reference, shipped_files};

    fn gazetteer() -> Gazetteer {
        Gazetteer::new(parse_reference(&shipped_files()).unwrap())
    }

    fn preston_definition(g: &Gazetteer) -> Definition {
        Definition::from_chosen(1, 1, &propose_tiers(&["E07000123".into()], g), g)
    }

    fn record(district: &str, country: &str) -> LookupRecord {
        LookupRecord {
            district: Some(district.into()),
            country: Some(country.into()),
            ..Default::default()
        }
    }

    fn input(basis: LocationBasis, registered: &str, branch: &str) -> LocationInput {
        let opt = |s: &str| (!s.is_empty()).then(|| s.to_owned());
        LocationInput {
            postcodes: SupplierPostcodes {
                registered_office: opt(registered),
                branch: opt(branch),
                invoice: None,
            },
            basis,
            basis_set_by: Some("Jane Clerk".into()),
            manual: None,
        }
    }

    fn run(input: &LocationInput, records: &HashMap<&str, LookupRecord>) -> Classification {
        let g = gazetteer();
        let def = preston_definition(&g);
        let find = |pc: &str| records.get(pc).cloned();
        let lookup = Lookup {
            release: "TEST-2025",
            imd_lsoa_count: Some(32_844),
            find: &find,
        };
        classify(input, &def, Some(&lookup), &g)
    }

    #[test]
    fn proposes_district_county_region() {
        let g = gazetteer();
        let tiers = propose_tiers(&["E07000123".into()], &g);
        let names: Vec<&str> = tiers.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["Preston", "Lancashire", "North West"]);
        let manchester = propose_tiers(&["E08000003".into()], &g);
        assert_eq!(manchester[1].0, "Greater Manchester");
        assert_eq!(manchester[1].1, ["E47000001"]);
        let def = preston_definition(&g);
        assert_eq!(def.tiers[0].districts.len(), 1);
        assert_eq!(
            def.tiers[1].districts.len(),
            12,
            "cumulative: Preston is within Lancashire"
        );
        assert!(
            def.tiers[2].districts.contains("E07000123"),
            "cumulative to the region"
        );
        assert_eq!(def.rest_of_uk_position(), 4);
        assert_eq!(def.outside_uk_position(), 5);
    }

    #[test]
    fn the_basis_decides_which_postcode_locates_a_supplier() {
        let mut records = HashMap::new();
        records.insert(
            "PR1 2HE",
            LookupRecord {
                imd_rank: Some(1_200),
                ..record("E07000123", "E92000001")
            },
        );
        records.insert("EC1A 1BB", record("E09000001", "E92000001"));
        let at_branch = run(
            &input(LocationBasis::Branch, "EC1A 1BB", "pr12he"),
            &records,
        );
        assert_eq!(at_branch.placement, Placement::Tier(1));
        assert_eq!(at_branch.district.as_deref(), Some("E07000123"));
        assert_eq!(
            at_branch.region.as_deref(),
            Some("E12000002"),
            "region from the reference when the lookup has none"
        );
        assert_eq!(at_branch.imd_decile, Some(1));
        assert_eq!(
            at_branch.explanation,
            "PR1 2HE → Preston (E07000123) → tier 1 'Preston'; basis: branch or trading site, set by Jane Clerk"
        );
        let at_head_office = run(
            &input(LocationBasis::RegisteredOffice, "EC1A 1BB", "PR1 2HE"),
            &records,
        );
        assert_eq!(at_head_office.placement, Placement::RestOfUk);
        assert_eq!(at_head_office.position, Some(4));
    }

    #[test]
    fn unknown_always_says_why() {
        let mut records = HashMap::new();
        records.insert("PR1 2HE", record("E07000123", "E92000001"));
        let cases = [
            (
                input(LocationBasis::Invoice, "PR1 2HE", ""),
                UnknownReason::NoPostcode,
                "No invoice address postcode recorded",
            ),
            (
                input(LocationBasis::RegisteredOffice, "PR1 2CE", ""),
                UnknownReason::Invalid(
                    "“PR1 2CE” is not a UK postcode: it should look like PR1 2HE".into(),
                ),
                "not a valid UK postcode",
            ),
            (
                input(LocationBasis::RegisteredOffice, "BX1 1LT", ""),
                UnknownReason::NonGeographic,
                "non-geographic",
            ),
            (
                input(LocationBasis::RegisteredOffice, "PR9 9ZZ", ""),
                UnknownReason::NotInLookup,
                "not in postcode lookup release TEST-2025",
            ),
        ];
        for (i, reason, text) in cases {
            let c = run(&i, &records);
            assert_eq!(c.placement, Placement::Unknown(reason), "{}", c.explanation);
            assert_eq!(c.position, None);
            assert!(c.explanation.contains(text), "{}", c.explanation);
        }
        let g = gazetteer();
        let no_lookup = classify(
            &input(LocationBasis::RegisteredOffice, "PR1 2HE", ""),
            &preston_definition(&g),
            None,
            &g,
        );
        assert_eq!(
            no_lookup.placement,
            Placement::Unknown(UnknownReason::NoLookup)
        );
    }

    #[test]
    fn retired_districts_resolve_to_successors_and_terminated_postcodes_still_count() {
        let mut records = HashMap::new();
        records.insert(
            "LA9 4AA",
            LookupRecord {
                terminated: Some("2016-05".into()),
                ..record("E07000031", "E92000001")
            },
        );
        let c = run(
            &input(LocationBasis::RegisteredOffice, "LA9 4AA", ""),
            &records,
        );
        assert_eq!(c.district.as_deref(), Some("E06000064"));
        assert_eq!(c.former_district.as_deref(), Some("E07000031"));
        assert_eq!(
            c.placement,
            Placement::Tier(3),
            "Westmorland and Furness is in the North West"
        );
        assert!(
            c.explanation
                .contains("South Lakeland (E07000031), since replaced"),
            "{}",
            c.explanation
        );
        assert!(
            c.explanation.ends_with("postcode terminated 2016-05"),
            "{}",
            c.explanation
        );
    }

    #[test]
    fn places_outside_the_uk_and_never_mixes_deprivation_indices() {
        let mut records = HashMap::new();
        records.insert(
            "JE2 3AB",
            LookupRecord {
                country: Some("L93000001".into()),
                ..Default::default()
            },
        );
        records.insert(
            "CF10 1AA",
            LookupRecord {
                imd_rank: Some(5),
                ..record("W06000015", "W92000004")
            },
        );
        assert_eq!(
            run(
                &input(LocationBasis::RegisteredOffice, "JE2 3AB", ""),
                &records
            )
            .placement,
            Placement::OutsideUk
        );
        let st_helena = run(
            &input(LocationBasis::RegisteredOffice, "STHL 1ZZ", ""),
            &records,
        );
        assert_eq!(st_helena.placement, Placement::OutsideUk);
        assert_eq!(st_helena.position, Some(5));
        let cardiff = run(
            &input(LocationBasis::RegisteredOffice, "CF10 1AA", ""),
            &records,
        );
        assert_eq!(cardiff.placement, Placement::RestOfUk);
        assert_eq!(
            (cardiff.imd_rank, cardiff.imd_decile),
            (None, None),
            "a Welsh rank is not an English one"
        );
    }

    #[test]
    fn a_manual_override_wins_and_records_its_justification() {
        let mut i = input(LocationBasis::RegisteredOffice, "EC1A 1BB", "");
        i.manual = Some(ManualOverride {
            place: OverridePlace::District("E07000126".into()),
            justification: "Delivers from its Leyland depot".into(),
            set_by: "Sam Manager".into(),
        });
        let c = run(&i, &HashMap::new());
        assert!(c.manual);
        assert_eq!(
            c.placement,
            Placement::Tier(2),
            "South Ribble is in Lancashire, not Preston"
        );
        assert_eq!(
            c.explanation,
            "Manual override by Sam Manager: South Ribble (E07000126) → tier 2 'Lancashire'; justification: Delivers from its Leyland depot"
        );
    }

    #[test]
    fn deciles_split_the_ranks_into_tenths() {
        assert_eq!(imd_decile(1, 32_844), Some(1));
        assert_eq!(imd_decile(3_284, 32_844), Some(1));
        assert_eq!(imd_decile(3_285, 32_844), Some(2));
        assert_eq!(imd_decile(32_844, 32_844), Some(10));
        assert_eq!(imd_decile(33_000, 32_844), None);
        assert_eq!(imd_decile(0, 32_844), None);
    }
}
