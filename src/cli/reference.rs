//! `import postcodes`, `import companies` and `match companies`: loading the
//! reference releases with a progress bar, and matching the register to the
//! loaded Companies House data.

use std::path::PathBuf;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};

use super::{open_database, CliError, CLI_ACTOR};
use crate::config::Config;
use crate::db::{self, audit::Actor};
use crate::import::company_release::CompanyRegister;
use crate::import::postcode_release::PostcodeLookup;
use crate::import::release::{self, Reference};
use crate::jobs::Tracking;
use crate::register::near;

/// Loads a reference release as the command line does: a migrated
/// connection, a second one for job progress, a job row, and a progress bar
/// on the terminal. Returns the release and the seconds it took.
fn import_release<K: Reference>(
    config: &Config,
    files: &[PathBuf],
    name: Option<String>,
) -> Result<(K::Release, f64), CliError> {
    let mut conn = open_database(config)?;
    let mut job_conn = db::connect(&config.database_url).map_err(CliError::from_display)?;
    let name = name.unwrap_or_else(|| {
        files[0]
            .file_stem()
            .map_or_else(|| K::WHAT.to_owned(), |s| s.to_string_lossy().into_owned())
    });
    let description = format!("{} {name}", K::WHAT);
    let job = db::jobs::create(&mut job_conn, K::JOB_KIND, &description, None, None)
        .map_err(CliError::from_display)?;
    let bar = ProgressBar::new(0).with_style(
        ProgressStyle::with_template(
            "{msg} [{bar:40}] {percent:>3}% {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
        )
        .map_err(CliError::from_display)?
        .progress_chars("=> "),
    );
    bar.set_message(format!("importing {}", K::WHAT));
    let started = Instant::now();
    let tracking = Tracking {
        conn: &mut job_conn,
        id: job,
    };
    let actor = Actor::system(CLI_ACTOR);
    let result = release::run_job::<K>(
        &mut conn,
        tracking,
        files,
        &name,
        &actor,
        &mut |done, total| {
            bar.set_length(total);
            bar.set_position(done);
        },
    );
    bar.finish_and_clear();
    let release = result.map_err(CliError::from_display)?;
    Ok((release, started.elapsed().as_secs_f64()))
}

pub(super) fn import_postcodes(
    config: &Config,
    files: &[PathBuf],
    name: Option<String>,
) -> Result<(), CliError> {
    let (release, secs) = import_release::<PostcodeLookup>(config, files, name)?;
    println!(
        "Release \"{}\" is now in use: {} postcodes ({} terminated), read as {} in {:.1} s ({:.0} rows/s).",
        release.name,
        release.row_count,
        release.terminated_count,
        release.source_format,
        secs,
        release.row_count as f64 / secs.max(0.001)
    );
    Ok(())
}

pub(super) fn import_companies(
    config: &Config,
    files: &[PathBuf],
    name: Option<String>,
) -> Result<(), CliError> {
    let (release, secs) = import_release::<CompanyRegister>(config, files, name)?;
    println!(
        "Companies House release \"{}\" is now in use: {} companies, in {:.1} s ({:.0} rows/s).",
        release.name,
        release.row_count,
        secs,
        release.row_count as f64 / secs.max(0.001)
    );
    Ok(())
}

pub(super) fn import_charities(
    config: &Config,
    files: &[PathBuf],
    name: Option<String>,
) -> Result<(), CliError> {
    let (release, secs) =
        import_release::<crate::import::charity_release::CharityRegister>(config, files, name)?;
    println!(
        "Register of charities release \"{}\" is now in use: {} charities, in {:.1} s. Review the proposals at /charities.",
        release.name, release.row_count, secs
    );
    Ok(())
}

fn active_companies(conn: &mut db::DbConn) -> Result<db::companies::CompanyRelease, CliError> {
    db::companies::active(conn)
        .map_err(CliError::from_display)?
        .ok_or_else(|| {
            CliError(
                "no Companies House data is loaded: run `localspend import companies FILE`".into(),
            )
        })
}

pub(super) fn match_companies(config: &Config) -> Result<(), CliError> {
    let mut conn = open_database(config)?;
    let release = active_companies(&mut conn)?;
    let suppliers = db::suppliers::search(&mut conn, &Default::default(), 0, 0)
        .map_err(CliError::from_display)?
        .1;
    let started = Instant::now();
    let matched =
        db::companies::matches(&mut conn, release.id, None).map_err(CliError::from_display)?;
    let proposals = crate::register::enrich::propose_all(&matched);
    let secs = started.elapsed().as_secs_f64();
    println!(
        "Matched {} of {suppliers} suppliers to Companies House release \"{}\"; {} have proposals to review. Matching took {secs:.2} s.",
        matched.len(),
        release.name,
        proposals.len()
    );

    let started = Instant::now();
    let bar = ProgressBar::new(suppliers.max(0) as u64);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} suppliers looked at ({eta} left)")
            .map_err(CliError::from_display)?,
    );
    let (mut near, mut with_near, mut after) = (0_usize, 0_usize, 0_i64);
    loop {
        let scan = near::company_scan(&mut conn, release.id, after, 1_000)
            .map_err(CliError::from_display)?;
        near += scan.found.len();
        let mut ids: Vec<i64> = scan.found.iter().map(|n| n.supplier_id).collect();
        ids.dedup();
        with_near += ids.len();
        match scan.next {
            Some(next) => {
                bar.inc(1_000);
                after = next;
            }
            None => break,
        }
    }
    bar.finish_and_clear();
    let company_secs = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let pairs = near::register_pairs(&mut conn).map_err(CliError::from_display)?;
    println!(
        "Near misses: {near} companies with names near those of {with_near} suppliers ({company_secs:.2} s); \
         {} pairs of suppliers with similar names ({:.2} s). Review them at /companies and /suppliers/similar.",
        pairs.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Lists the near misses of one name among the companies and the
/// suppliers, with the time the look took.
pub(super) fn match_one_name(config: &Config, name: &str) -> Result<(), CliError> {
    let mut conn = open_database(config)?;
    let release = active_companies(&mut conn)?;
    let started = Instant::now();
    let companies =
        near::companies_like(&mut conn, release.id, name).map_err(CliError::from_display)?;
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    for (company, score) in &companies {
        println!(
            "{:>4}%  {} ({})",
            crate::domain::similar::percent(*score),
            company.name,
            company.company_number
        );
    }
    println!(
        "{} companies near \"{name}\" in release \"{}\"; the look took {ms:.1} ms.",
        companies.len(),
        release.name
    );
    Ok(())
}
