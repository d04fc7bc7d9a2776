//! The postcode importer on the real files in ../shared/data/geo and on
//! generated files with the quirks real downloads have.

use std::io::Write;

use localspend::db::audit::Actor;
use localspend::db::{self, areas, postcodes, DbPool};
use localspend::domain::classify::{
    Definition, LocationBasis, LocationInput, Placement, SupplierPostcodes,
};
use localspend::domain::geography::Gazetteer;
use localspend::import::postcode_release::{import_release, PostcodeImportError};
use localspend::register::locate::locate;

use crate::common::{prepared_database, shared_data};

fn import(
    pool: &DbPool,
    files: &[std::path::PathBuf],
    name: &str,
) -> Result<postcodes::Release, PostcodeImportError> {
    import_release(
        &mut pool.get().unwrap(),
        files,
        name,
        &Actor::system("test"),
        &mut |_, _| {},
    )
}

fn code_point(areas: &[&str]) -> Vec<std::path::PathBuf> {
    areas
        .iter()
        .map(|a| shared_data(&format!("geo/codepoint-open-2014-08/{a}.csv")))
        .collect()
}

/// Preston's proposed definition: Preston ⊂ Lancashire ⊂ North West.
fn preston(pool: &DbPool) -> (Gazetteer, Definition) {
    let mut c = pool.get().unwrap();
    let g = db::geography::load(&mut c).unwrap();
    let tiers = localspend::domain::classify::propose_tiers(&["E07000123".into()], &g);
    let def = areas::create_version(
        &mut c,
        &Actor::system("test"),
        areas::Owner::Institution(1),
        0,
        &tiers,
        "",
        &g,
    )
    .unwrap();
    (g, def.to_definition())
}

fn located_at(
    pool: &DbPool,
    g: &Gazetteer,
    def: &Definition,
    postcode: &str,
) -> localspend::domain::classify::Classification {
    let input = LocationInput {
        postcodes: SupplierPostcodes {
            registered_office: Some(postcode.into()),
            ..Default::default()
        },
        basis: LocationBasis::RegisteredOffice,
        basis_set_by: None,
        manual: None,
    };
    locate(&mut pool.get().unwrap(), g, def, &input).unwrap().0
}

#[test]
fn code_point_open_pr_postcodes_in_south_ribble_are_not_preston() {
    let (_db, pool) = prepared_database();
    let release = import(&pool, &code_point(&["pr"]), "Code-Point Open 2014-08 PR").unwrap();
    assert_eq!(release.row_count, 12_691);
    assert_eq!(release.source_format, "Code-Point Open");
    let (g, def) = preston(&pool);

    let south_ribble = located_at(&pool, &g, &def, "pr1 0ad");
    assert_eq!(south_ribble.district.as_deref(), Some("E07000126"));
    assert_eq!(
        south_ribble.placement,
        Placement::Tier(2),
        "PR1 0AD is in South Ribble: Lancashire, not Preston"
    );
    assert_eq!(south_ribble.ward.as_deref(), Some("E05005340"));
    assert!(
        south_ribble
            .explanation
            .starts_with("PR1 0AD → South Ribble (E07000126) → tier 2 'Lancashire'"),
        "{}",
        south_ribble.explanation
    );

    let preston = located_at(&pool, &g, &def, "PR1 0GP");
    assert_eq!(preston.placement, Placement::Tier(1));
    assert_eq!(
        preston.region.as_deref(),
        Some("E12000002"),
        "region from the reference, as Code-Point has none"
    );
}

#[test]
fn retired_districts_resolve_to_their_2023_successors() {
    let (_db, pool) = prepared_database();
    import(
        &pool,
        &code_point(&["bb", "la"]),
        "Code-Point Open 2014-08 BB+LA",
    )
    .unwrap();
    let (g, def) = preston(&pool);
    let craven = located_at(&pool, &g, &def, "BB18 6JR");
    assert_eq!(craven.former_district.as_deref(), Some("E07000163"));
    assert_eq!(
        craven.district.as_deref(),
        Some("E06000065"),
        "Craven → North Yorkshire"
    );
    assert_eq!(
        craven.placement,
        Placement::RestOfUk,
        "North Yorkshire is not in the North West"
    );
    let kendal = located_at(&pool, &g, &def, "LA10 5AA");
    assert_eq!(kendal.former_district.as_deref(), Some("E07000031"));
    assert_eq!(
        kendal.district.as_deref(),
        Some("E06000064"),
        "South Lakeland → Westmorland and Furness"
    );
    assert_eq!(kendal.placement, Placement::Tier(3));
}

#[test]
fn the_onspd_sample_keeps_terminated_postcodes_and_places_jersey_outside_the_uk() {
    let (_db, pool) = prepared_database();
    let release = import(
        &pool,
        &[shared_data("geo/onspd-sample/postcode.csv")],
        "ONSPD sample",
    )
    .unwrap();
    assert_eq!(release.row_count, 8_048);
    assert_eq!(release.terminated_count, 3_811);
    assert_eq!(release.source_format, "ONSPD/NSPL");
    let record = postcodes::find(&mut pool.get().unwrap(), release.id, "AB1 0AA")
        .unwrap()
        .expect("terminated postcodes are kept");
    assert_eq!(record.terminated.as_deref(), Some("1996-06"));
    assert_eq!(record.district_code.as_deref(), Some("S12000033"));
    assert!(
        record.latitude.is_some_and(|l| (57.0..58.0).contains(&l)),
        "Aberdeen is near 57°N: {:?}",
        record.latitude
    );
    let nowhere = postcodes::find(&mut pool.get().unwrap(), release.id, "AB11 3AG")
        .unwrap()
        .unwrap();
    assert_eq!(
        nowhere.latitude, None,
        "the sample's 99.999999 latitude means no location"
    );
    let (g, def) = preston(&pool);
    let aberdeen = located_at(&pool, &g, &def, "AB1 0AA");
    assert_eq!(aberdeen.placement, Placement::RestOfUk);
    assert_eq!(aberdeen.terminated.as_deref(), Some("1996-06"));
    assert!(aberdeen.explanation.contains("postcode terminated 1996-06"));
    assert_eq!(
        aberdeen.imd_rank, None,
        "Scottish ranks are not mixed with England's"
    );
    let jersey = located_at(&pool, &g, &def, "JE2 4WD");
    assert_eq!(jersey.placement, Placement::OutsideUk);
    assert_eq!(jersey.country.as_deref(), Some("L93000001"));
}

fn write(dir: &tempfile::TempDir, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

const HEADER: &str = "pcd7,pcd8,pcds,doterm,oslaua,osward,rgn,ctry,lsoa11,imd,lsoa21";

fn rows(n: usize, line_end: &str) -> String {
    let mut s = String::new();
    for i in 0..n {
        let pc = format!("PR{} {}AA", 1 + i / 10, i % 10);
        s.push_str(&format!("{pc},{pc},{pc},,E07000123,E05012345,E12000002,E92000001,E01025000,{},E01035000{line_end}", 100 + i));
    }
    s
}

#[test]
fn a_bom_and_crlf_line_endings_are_read() {
    let (_db, pool) = prepared_database();
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend(format!("{HEADER}\r\n{}", rows(25, "\r\n")).as_bytes());
    let path = write(&dir, "bom_crlf.csv", &bytes);
    let release = import(&pool, &[path], "BOM and CRLF").unwrap();
    assert_eq!(release.row_count, 25);
    assert_eq!(release.imd_lsoa_count, Some(32_844));
    let rec = postcodes::find(&mut pool.get().unwrap(), release.id, "PR3 4AA")
        .unwrap()
        .unwrap();
    assert_eq!(
        rec.lsoa_code.as_deref(),
        Some("E01035000"),
        "the 2021 LSOA column wins over 2011"
    );
    assert_eq!(rec.district_code.as_deref(), Some("E07000123"));
}

#[test]
fn a_truncated_file_is_refused_with_its_row_and_the_old_release_stays() {
    let (_db, pool) = prepared_database();
    let dir = tempfile::tempdir().unwrap();
    let good = write(
        &dir,
        "good.csv",
        format!("{HEADER}\n{}", rows(30, "\n")).as_bytes(),
    );
    let first = import(&pool, &[good], "May").unwrap();

    let mut cut = format!("{HEADER}\n{}", rows(3000, "\n"));
    cut.truncate(cut.len() - 40);
    let bad = write(&dir, "cut.csv", cut.as_bytes());
    let err = import(&pool, &[bad], "August").unwrap_err().to_string();
    assert!(err.contains("cut.csv, row 3001: has"), "{err}");
    assert!(err.contains("cut short"), "{err}");

    let mut c = pool.get().unwrap();
    let active = postcodes::active(&mut c).unwrap().unwrap();
    assert_eq!(active.id, first.id, "the old release is still in use");
    assert_eq!(postcodes::count(&mut c, first.id).unwrap(), 30);
    let releases = postcodes::releases(&mut c).unwrap();
    assert_eq!(releases[0].status, "failed");
    assert_eq!(
        postcodes::count(&mut c, releases[0].id).unwrap(),
        0,
        "the partial rows are gone"
    );
}

#[test]
fn a_new_release_replaces_the_old_one_whole() {
    let (_db, pool) = prepared_database();
    let dir = tempfile::tempdir().unwrap();
    let may = import(
        &pool,
        &[write(
            &dir,
            "may.csv",
            format!("{HEADER}\n{}", rows(30, "\n")).as_bytes(),
        )],
        "May",
    )
    .unwrap();
    let aug = import(
        &pool,
        &[write(
            &dir,
            "aug.csv",
            format!("{HEADER}\n{}", rows(12, "\n")).as_bytes(),
        )],
        "August",
    )
    .unwrap();
    let mut c = pool.get().unwrap();
    assert_eq!(postcodes::active(&mut c).unwrap().unwrap().name, "August");
    assert_eq!(postcodes::count(&mut c, aug.id).unwrap(), 12);
    assert_eq!(
        postcodes::count(&mut c, may.id).unwrap(),
        0,
        "the superseded rows are removed"
    );
    let statuses: Vec<String> = postcodes::releases(&mut c)
        .unwrap()
        .into_iter()
        .map(|r| r.status)
        .collect();
    assert_eq!(statuses, ["active", "superseded"]);
    let audit = db::audit::batch_after(
        &mut c,
        &db::audit::AuditFilter {
            entity_type: Some("postcode_release".into()),
            ..Default::default()
        },
        0,
        10,
    )
    .unwrap();
    assert_eq!(audit.len(), 2);
}

#[test]
fn the_zip_ons_distributes_is_read_without_its_split_copies_or_documents() {
    let (_db, pool) = prepared_database();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ONSPD_MAY_2025.zip");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let whole = format!("{HEADER}\r\n{}", rows(40, "\r\n"));
    zip.start_file("Data/ONSPD_MAY_2025_UK.csv", opts).unwrap();
    zip.write_all(whole.as_bytes()).unwrap();
    zip.start_file("Data/multi_csv/ONSPD_MAY_2025_UK_PR.csv", opts)
        .unwrap();
    zip.write_all(whole.as_bytes()).unwrap();
    zip.start_file("Documents/LA_UA names and codes.csv", opts)
        .unwrap();
    zip.write_all(b"LAD23CD,LAD23NM\nE07000123,Preston\n")
        .unwrap();
    zip.finish().unwrap();
    let release = import(&pool, &[path], "ONSPD May 2025").unwrap();
    assert_eq!(release.row_count, 40);
}

#[test]
fn the_same_postcodes_twice_is_a_clear_error() {
    let (_db, pool) = prepared_database();
    let dir = tempfile::tempdir().unwrap();
    let a = write(
        &dir,
        "a.csv",
        format!("{HEADER}\n{}", rows(5, "\n")).as_bytes(),
    );
    let b = write(
        &dir,
        "b.csv",
        format!("{HEADER}\n{}", rows(5, "\n")).as_bytes(),
    );
    let err = import(&pool, &[a, b], "twice").unwrap_err().to_string();
    assert!(err.contains("b.csv: a postcode appears twice"), "{err}");
    assert!(postcodes::active(&mut pool.get().unwrap())
        .unwrap()
        .is_none());
}

#[test]
fn the_cli_imports_with_a_summary() {
    let (db, _pool) = prepared_database();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_localspend"))
        .args(["import", "postcodes", "--name", "Code-Point FY"])
        .arg(shared_data("geo/codepoint-open-2014-08/fy.csv"))
        .env("LOCALSPEND_DATABASE_URL", &db.url)
        .env("LOCALSPEND_LOG", "warn")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("Release \"Code-Point FY\" is now in use"),
        "{stdout}"
    );
    assert!(stdout.contains("read as Code-Point Open"), "{stdout}");
    let bad = std::process::Command::new(env!("CARGO_BIN_EXE_localspend"))
        .args(["import", "postcodes"])
        .arg(shared_data("spend/manchester/2021-04.csv"))
        .env("LOCALSPEND_DATABASE_URL", &db.url)
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("Expected an ONSPD or NSPL file"));
}
