//! Reference geography: local authority districts and the areas that group
//! them (counties, combined authorities, regions, countries), with former
//! district codes mapped to their successors. Parsed from the ONS names and
//! codes files and mySociety's register of local authorities shipped in
//! `data/geo/`.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;

use super::text_enum;

text_enum! {
    /// What kind of area a GSS code names.
    pub enum AreaKind {
        District => ("district", "District"),
        County => ("county", "County"),
        CombinedAuthority => ("combined_authority", "Combined authority"),
        Region => ("region", "Region"),
        Country => ("country", "Country"),
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Area {
    pub code: String,
    pub name: String,
    pub name_welsh: Option<String>,
    pub kind: AreaKind,
    pub active: bool,
    pub ended_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DistrictParents {
    pub district: String,
    pub county: Option<String>,
    pub combined_authority: Option<String>,
    pub region: Option<String>,
    pub country: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Successor {
    pub former: String,
    pub successor: String,
    pub changed_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, Default)]
pub struct Reference {
    pub areas: Vec<Area>,
    pub parents: Vec<DistrictParents>,
    pub successors: Vec<Successor>,
}

/// The four UK nations' GSS codes. Anything else (the Channel Islands, the
/// Isle of Man) is outside the UK.
pub const UK_COUNTRIES: [&str; 4] = ["E92000001", "W92000004", "S92000003", "N92000002"];

/// Country of a district, from its code's first letter (or pseudo-code).
pub fn country_of(code: &str) -> &'static str {
    match code.as_bytes().first() {
        Some(b'E') => "E92000001",
        Some(b'W') => "W92000004",
        Some(b'S') => "S92000003",
        Some(b'N') => "N92000002",
        Some(b'L') => "L93000001",
        Some(b'M') => "M83000003",
        _ => "",
    }
}

fn is_district_code(code: &str) -> bool {
    ["E06", "E07", "E08", "E09", "W06", "S12", "N09"]
        .iter()
        .any(|p| code.starts_with(p))
}

fn records(text: &str) -> Result<Vec<HashMap<String, String>>, String> {
    let text = text.trim_start_matches('\u{feff}');
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| e.to_string())?
        .iter()
        .map(|h| h.trim().to_owned())
        .collect();
    let mut out = Vec::new();
    for row in reader.records() {
        let row = row.map_err(|e| e.to_string())?;
        out.push(
            headers
                .iter()
                .zip(row.iter())
                .filter(|(h, _)| !h.is_empty())
                .map(|(h, v)| (h.clone(), v.trim().to_owned()))
                .collect(),
        );
    }
    Ok(out)
}

/// The value of the first column whose name starts with `prefix` and ends
/// with `suffix` (ONS renames columns by year: `LAD23CD`, `RGN20NM`).
fn col<'a>(row: &'a HashMap<String, String>, prefix: &str, suffix: &str) -> &'a str {
    row.iter()
        .find(|(k, _)| {
            let k = k.to_ascii_uppercase();
            k.starts_with(prefix)
                && k.ends_with(suffix)
                && k[prefix.len()..k.len() - suffix.len()]
                    .bytes()
                    .all(|b| b.is_ascii_digit())
        })
        .map_or("", |(_, v)| v.as_str())
}

fn non_empty(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_owned())
}

fn put(
    areas: &mut BTreeMap<String, Area>,
    code: &str,
    name: &str,
    name_welsh: Option<String>,
    kind: AreaKind,
    active: bool,
    ended_on: Option<NaiveDate>,
) {
    let area = Area {
        code: code.to_owned(),
        name: name.to_owned(),
        name_welsh,
        kind,
        active,
        ended_on,
    };
    areas.insert(code.to_owned(), area);
}

/// The files the reference is built from, as text.
pub struct ReferenceFiles<'a> {
    pub districts: &'a str,
    pub regions: &'a str,
    pub counties: &'a str,
    pub countries: &'a str,
    pub register: &'a str,
}

/// The ONS files' areas: countries (with the Channel Islands and the Isle
/// of Man), English regions, counties; and the districts' names, English
/// and Welsh, by code. Returns the regions by name and the districts' names.
fn ons_areas(
    files: &ReferenceFiles<'_>,
    areas: &mut BTreeMap<String, Area>,
) -> Result<OnsNames, String> {
    for row in records(files.countries)? {
        put(
            areas,
            col(&row, "CTRY", "CD"),
            col(&row, "CTRY", "NM"),
            non_empty(col(&row, "CTRY", "NMW")),
            AreaKind::Country,
            true,
            None,
        );
    }
    put(
        areas,
        "L93000001",
        "Channel Islands",
        None,
        AreaKind::Country,
        true,
        None,
    );
    put(
        areas,
        "M83000003",
        "Isle of Man",
        None,
        AreaKind::Country,
        true,
        None,
    );

    let mut region_by_name = HashMap::new();
    for row in records(files.regions)? {
        let (code, name) = (col(&row, "RGN", "CD"), col(&row, "RGN", "NM"));
        if code.starts_with("E12") {
            region_by_name.insert(name.to_owned(), code.to_owned());
            put(
                areas,
                code,
                name,
                non_empty(col(&row, "RGN", "NMW")),
                AreaKind::Region,
                true,
                None,
            );
        }
    }
    for row in records(files.counties)? {
        put(
            areas,
            col(&row, "CTY", "CD"),
            col(&row, "CTY", "NM"),
            None,
            AreaKind::County,
            true,
            None,
        );
    }
    let mut ons_districts = HashMap::new();
    for row in records(files.districts)? {
        let code = col(&row, "LAD", "CD");
        ons_districts.insert(
            code.to_owned(),
            (
                col(&row, "LAD", "NM").to_owned(),
                non_empty(col(&row, "LAD", "NMW")),
            ),
        );
    }

    Ok((region_by_name, ons_districts))
}

/// Regions by name, and the districts' (English name, Welsh name) by code.
type OnsNames = (
    HashMap<String, String>,
    HashMap<String, (String, Option<String>)>,
);

/// The register of councils: every district with its parents and any
/// successor, counties and combined authorities, and councils whose code
/// changed.
fn register_councils(
    files: &ReferenceFiles<'_>,
    (region_by_name, ons_districts): &OnsNames,
    areas: &mut BTreeMap<String, Area>,
) -> Result<(Vec<DistrictParents>, Vec<Successor>), String> {
    // The register keys councils by its own short codes; map them to GSS.
    let register = records(files.register)?;
    let gss_of: HashMap<&str, &str> = register
        .iter()
        .map(|r| (r["local-authority-code"].as_str(), r["gss-code"].as_str()))
        .filter(|(_, g)| !g.is_empty())
        .collect();
    let date = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();

    let mut parents = Vec::new();
    let mut successors = Vec::new();
    for r in &register {
        let code = r["gss-code"].as_str();
        if code.is_empty() {
            continue;
        }
        let ended_on = date(&r["end-date"]);
        let active = r.get("current-authority").is_none_or(|v| v != "False");
        let name = r["nice-name"].as_str();
        if is_district_code(code) {
            let (ons_name, welsh) = ons_districts
                .get(code)
                .cloned()
                .unwrap_or_else(|| (name.to_owned(), None));
            put(
                areas,
                code,
                &ons_name,
                welsh,
                AreaKind::District,
                active,
                ended_on,
            );
            let lookup = |la: &str| gss_of.get(la).map(|g| (*g).to_owned());
            parents.push(DistrictParents {
                district: code.to_owned(),
                county: non_empty(&r["county-la"]).and_then(|la| lookup(&la)),
                combined_authority: non_empty(&r["combined-authority"]).and_then(|la| lookup(&la)),
                region: region_by_name.get(r["region"].as_str()).cloned(),
                country: country_of(code).to_owned(),
            });
            // A single successor for an abolished district; counties split
            // between several successors are not districts and need none.
            let replaced_by: Vec<&str> = r["replaced-by"]
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .collect();
            if let [one] = replaced_by[..] {
                if let Some(successor) = gss_of.get(one) {
                    successors.push(Successor {
                        former: code.to_owned(),
                        successor: (*successor).to_owned(),
                        changed_on: ended_on,
                    });
                }
            }
        } else if code.starts_with("E10") {
            put(areas, code, name, None, AreaKind::County, active, ended_on);
        } else if code.starts_with("E47") {
            put(
                areas,
                code,
                name,
                None,
                AreaKind::CombinedAuthority,
                active,
                ended_on,
            );
        }
        // A council whose code changed keeps working under its new code.
        for former in r["former-gss-codes"]
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            successors.push(Successor {
                former: former.to_owned(),
                successor: code.to_owned(),
                changed_on: None,
            });
        }
    }
    Ok((parents, successors))
}

/// Builds the reference geography from the shipped files.
pub fn parse_reference(files: &ReferenceFiles<'_>) -> Result<Reference, String> {
    let mut areas: BTreeMap<String, Area> = BTreeMap::new();
    let names = ons_areas(files, &mut areas)?;
    let (mut parents, mut successors) = register_councils(files, &names, &mut areas)?;
    let (_, ons_districts) = &names;
    // ONS districts missing from the register (pseudo-codes) still need names.
    for (code, (name, welsh)) in ons_districts {
        if !areas.contains_key(code) {
            put(
                &mut areas,
                code,
                name,
                welsh.clone(),
                AreaKind::District,
                true,
                None,
            );
            parents.push(DistrictParents {
                district: code.clone(),
                county: None,
                combined_authority: None,
                region: None,
                country: country_of(code).to_owned(),
            });
        }
    }
    successors.sort_by(|a, b| a.former.cmp(&b.former));
    successors.dedup_by(|a, b| a.former == b.former);
    Ok(Reference {
        areas: areas.into_values().collect(),
        parents,
        successors,
    })
}

/// Follows successor links to the current code, e.g. Taunton Deane →
/// Somerset West and Taunton → Somerset. Stops on a loop.
pub fn current_code<'a>(code: &'a str, successors: &'a HashMap<String, String>) -> &'a str {
    let mut current = code;
    for _ in 0..8 {
        match successors.get(current) {
            Some(next) if next != current => current = next,
            _ => break,
        }
    }
    current
}

/// Reference geography held in memory for classification: names, kinds,
/// parents and successors by GSS code.
#[derive(Debug, Clone, Default)]
pub struct Gazetteer {
    pub areas: HashMap<String, Area>,
    pub parents: HashMap<String, DistrictParents>,
    pub successors: HashMap<String, String>,
}

impl Gazetteer {
    pub fn new(reference: Reference) -> Self {
        Self {
            areas: reference
                .areas
                .into_iter()
                .map(|a| (a.code.clone(), a))
                .collect(),
            parents: reference
                .parents
                .into_iter()
                .map(|p| (p.district.clone(), p))
                .collect(),
            successors: reference
                .successors
                .into_iter()
                .map(|s| (s.former, s.successor))
                .collect(),
        }
    }

    /// The area's name, or the code itself when unknown.
    pub fn name<'a>(&'a self, code: &'a str) -> &'a str {
        self.areas.get(code).map_or(code, |a| a.name.as_str())
    }

    pub fn kind(&self, code: &str) -> Option<AreaKind> {
        self.areas.get(code).map(|a| a.kind)
    }

    /// The code now in use for a possibly retired district code.
    pub fn current<'a>(&'a self, code: &'a str) -> &'a str {
        current_code(code, &self.successors)
    }

    /// The current districts an area stands for: a district itself (under its
    /// current code), or every active district of a county, combined
    /// authority, region or country.
    pub fn districts_in(&self, code: &str) -> Vec<String> {
        let mut out: Vec<String> = match self.kind(code) {
            Some(AreaKind::District) | None => vec![self.current(code).to_owned()],
            Some(kind) => self
                .parents
                .values()
                .filter(|p| self.areas.get(&p.district).is_some_and(|a| a.active))
                .filter(|p| {
                    let parent = match kind {
                        AreaKind::County => p.county.as_deref(),
                        AreaKind::CombinedAuthority => p.combined_authority.as_deref(),
                        AreaKind::Region => p.region.as_deref(),
                        _ => Some(p.country.as_str()),
                    };
                    parent == Some(code)
                })
                .map(|p| p.district.clone())
                .collect(),
        };
        out.sort();
        out.dedup();
        out
    }

    /// Areas of one kind, active first then by name, for pickers.
    pub fn areas_of(&self, kind: AreaKind) -> Vec<&Area> {
        let mut v: Vec<&Area> = self.areas.values().filter(|a| a.kind == kind).collect();
        v.sort_by(|a, b| b.active.cmp(&a.active).then_with(|| a.name.cmp(&b.name)));
        v
    }
}

/// The reference files shipped with the app, compiled in.
pub fn shipped_files() -> ReferenceFiles<'static> {
    ReferenceFiles {
        districts: include_str!("../../data/geo/districts.csv"),
        regions: include_str!("../../data/geo/regions.csv"),
        counties: include_str!("../../data/geo/counties.csv"),
        countries: include_str!("../../data/geo/countries.csv"),
        register: include_str!("../../data/geo/uk_local_authorities_future.csv"),
    }
}

/// The reference geography this build ships, parsed once per process: what
/// the database is seeded with at start, so the same in every app instance.
pub fn shipped_gazetteer() -> &'static Gazetteer {
    static SHIPPED: std::sync::OnceLock<Gazetteer> = std::sync::OnceLock::new();
    SHIPPED.get_or_init(|| {
        // The files are compiled in, and a test below parses them.
        let reference = parse_reference(&shipped_files())
            .unwrap_or_else(|e| panic!("the shipped reference geography does not parse: {e}"));
        Gazetteer::new(reference)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_gazetteer_knows_current_and_former_districts() {
        let g = shipped_gazetteer();
        assert_eq!(g.name("E07000123"), "Preston");
        assert!(parse_reference(&shipped_files()).is_ok());
    }

    fn reference() -> Reference {
        parse_reference(&shipped_files()).unwrap()
    }

    fn area<'a>(r: &'a Reference, code: &str) -> &'a Area {
        r.areas
            .iter()
            .find(|a| a.code == code)
            .unwrap_or_else(|| panic!("{code} missing"))
    }

    #[test]
    fn districts_have_names_in_english_and_welsh() {
        let r = reference();
        assert_eq!(area(&r, "E07000123").name, "Preston");
        assert_eq!(area(&r, "E07000123").kind, AreaKind::District);
        let cardiff = area(&r, "W06000015");
        assert_eq!(cardiff.name, "Cardiff");
        assert_eq!(cardiff.name_welsh.as_deref(), Some("Caerdydd"));
        assert_eq!(area(&r, "E12000002").name, "North West");
        assert_eq!(area(&r, "E10000017").kind, AreaKind::County);
        assert_eq!(area(&r, "E47000001").kind, AreaKind::CombinedAuthority);
    }

    #[test]
    fn districts_know_their_county_combined_authority_and_region() {
        let r = reference();
        let parents = |code: &str| {
            r.parents
                .iter()
                .find(|p| p.district == code)
                .unwrap()
                .clone()
        };
        let preston = parents("E07000123");
        assert_eq!(preston.county.as_deref(), Some("E10000017"));
        assert_eq!(preston.region.as_deref(), Some("E12000002"));
        assert_eq!(preston.country, "E92000001");
        let manchester = parents("E08000003");
        assert_eq!(manchester.combined_authority.as_deref(), Some("E47000001"));
        assert_eq!(manchester.county, None);
        let gm: Vec<_> = r
            .parents
            .iter()
            .filter(|p| p.combined_authority.as_deref() == Some("E47000001"))
            .collect();
        assert_eq!(gm.len(), 10, "Greater Manchester has ten districts");
        let lancashire: Vec<_> = r
            .parents
            .iter()
            .filter(|p| p.county.as_deref() == Some("E10000017"))
            .collect();
        assert_eq!(
            lancashire.len(),
            12,
            "Lancashire county has twelve districts"
        );
    }

    #[test]
    fn areas_expand_to_their_current_districts() {
        let g = Gazetteer::new(reference());
        assert_eq!(g.districts_in("E07000123"), ["E07000123"]);
        assert_eq!(
            g.districts_in("E07000163"),
            ["E06000065"],
            "a retired district stands for its successor"
        );
        assert_eq!(g.districts_in("E47000001").len(), 10);
        let lancashire = g.districts_in("E10000017");
        assert_eq!(lancashire.len(), 12);
        assert!(
            lancashire.contains(&"E07000126".to_owned()),
            "South Ribble is in Lancashire"
        );
        assert!(
            !lancashire.contains(&"E06000008".to_owned()),
            "Blackburn with Darwen is a unitary outside the county"
        );
        let north_west = g.districts_in("E12000002");
        assert!(
            north_west.contains(&"E06000064".to_owned())
                && !north_west.contains(&"E07000031".to_owned())
        );
        assert_eq!(
            g.districts_in("W92000004").len(),
            22,
            "22 Welsh principal areas"
        );
    }

    #[test]
    fn abolished_districts_map_to_their_successors() {
        let r = reference();
        let map: HashMap<String, String> = r
            .successors
            .iter()
            .map(|s| (s.former.clone(), s.successor.clone()))
            .collect();
        assert_eq!(
            current_code("E07000163", &map),
            "E06000065",
            "Craven → North Yorkshire"
        );
        assert_eq!(
            current_code("E07000031", &map),
            "E06000064",
            "South Lakeland → Westmorland and Furness"
        );
        assert_eq!(
            current_code("E07000027", &map),
            "E06000064",
            "Barrow → Westmorland and Furness"
        );
        assert_eq!(
            current_code("E07000029", &map),
            "E06000063",
            "Copeland → Cumberland"
        );
        assert_eq!(
            current_code("E07000190", &map),
            "E06000066",
            "Taunton Deane → Somerset West and Taunton → Somerset"
        );
        assert_eq!(
            current_code("E07000123", &map),
            "E07000123",
            "Preston unchanged"
        );
        let craven = area(&r, "E07000163");
        assert!(!craven.active);
        assert_eq!(craven.ended_on, NaiveDate::from_ymd_opt(2023, 4, 1));
    }
}
