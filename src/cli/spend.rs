//! `localspend import spend`: the browser's upload → detect → map → preview
//! → commit flow at the terminal, through the same code.

use std::io::Write;
use std::path::Path;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};

use crate::cli::{find_institution, open_database, CliError, CLI_ACTOR};
use crate::config::Config;
use crate::db::{self, audit::Actor, imports, jobs, DbConn};
use crate::domain::dates::DateOrder;
use crate::domain::money::Pence;
use crate::domain::spend_file::{Layout, Settings};
use crate::import::spend::{self, Preview, SpendImportError};
use crate::jobs::Tracking;

fn bar(what: &str) -> Result<ProgressBar, CliError> {
    let bar = ProgressBar::new(0).with_style(
        ProgressStyle::with_template(
            "{msg} [{bar:40}] {percent:>3}% {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
        )
        .map_err(CliError::from_display)?
        .progress_chars("=> "),
    );
    bar.set_message(what.to_owned());
    Ok(bar)
}

fn print_preview(p: &Preview) {
    println!(
        "{} payments totalling {} ({} credit notes, {}), dated {} to {}.",
        p.lines,
        Pence(p.total_pence),
        p.credit_lines,
        Pence(p.credit_pence),
        p.first_date
            .map_or("-".into(), |d| d.format("%d/%m/%Y").to_string()),
        p.last_date
            .map_or("-".into(), |d| d.format("%d/%m/%Y").to_string()),
    );
    println!(
        "Suppliers: {} on the register ({} lines), {} new; {} lines to redacted payees.",
        p.suppliers_matched, p.lines_matched, p.suppliers_new, p.redacted_lines
    );
    if !p.footer_rows.is_empty() || p.blank_rows > 0 {
        println!(
            "Skipped {} total or footer rows and {} blank rows.",
            p.footer_rows.len(),
            p.blank_rows
        );
    }
    if p.already_recorded > 0 {
        println!(
            "{} lines are already on record from an earlier import and will be skipped.",
            p.already_recorded
        );
    }
    if !p.same_file.is_empty() {
        println!(
            "This very file was imported before (batch {}).",
            p.same_file
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    if p.warning_count > 0 {
        println!("{} warnings:", p.warning_count);
        for w in p.warnings.iter().take(20) {
            println!("  row {}: {}", w.row, w.message);
        }
    }
    if p.rejected_count > 0 {
        println!("{} rows cannot be read:", p.rejected_count);
        for r in p.rejected.iter().take(50) {
            println!("  row {}: {}", r.row, r.message);
        }
        if p.rejected_count > 50 {
            println!("  … and {} more", p.rejected_count - 50);
        }
    }
}

pub fn import_spend(
    config: &Config,
    file: &Path,
    institution: &str,
    dates: Option<&str>,
    dry_run: bool,
) -> Result<(), CliError> {
    let started = Instant::now();
    let mut conn = open_database(config)?;
    let mut job_conn = db::connect(&config.database_url).map_err(CliError::from_display)?;
    let institution_id = find_institution(&mut conn, institution)?;
    let actor = Actor::system(CLI_ACTOR);
    let (layout, mut settings, from_profile) =
        spend::inspect(&mut conn, institution_id, file).map_err(CliError::from_display)?;
    if let Some(d) = dates {
        settings.date_order = Some(if d == "month-first" {
            DateOrder::MonthFirst
        } else {
            DateOrder::DayFirst
        });
    }
    print_layout(file, &layout, &settings, from_profile);
    let missing = settings.missing();
    if !missing.is_empty() {
        return Err(CliError(format!(
            "no column holds the {}; map the file once in the browser (Spend → Import) and the mapping is saved for next time",
            missing.iter().map(|f| f.label().to_lowercase()).collect::<Vec<_>>().join(", the ")
        )));
    }
    let (batch_id, name) =
        spend::register_file(&mut conn, &actor, institution_id, file, &layout, &settings)
            .map_err(CliError::from_display)?;
    let mut run = Run {
        conn: &mut conn,
        job_conn: &mut job_conn,
        actor: &actor,
        file,
        settings: &settings,
        batch_id,
        name: &name,
    };
    if dry_run {
        return run.preview_only();
    }
    let (committed, preview) = run.commit_checked()?;
    let secs = started.elapsed().as_secs_f64();
    println!(
        "Imported batch {batch_id}: {} lines added ({}), {} already on record skipped, {} new suppliers, in {:.1} s ({:.0} lines/s).",
        committed.added,
        Pence(committed.total_pence),
        committed.skipped,
        committed.suppliers_created,
        secs,
        preview.lines as f64 / secs.max(0.001)
    );
    Ok(())
}

/// What detection found and how the columns are mapped.
fn print_layout(file: &Path, layout: &Layout, settings: &Settings, from_profile: bool) {
    println!(
        "{}: {}, {} line endings, {}-separated, {}.",
        file.display(),
        layout.encoding.label(),
        layout.line_ending,
        layout.delimiter_label(),
        match layout.header_row {
            Some(row) => format!("header on row {row}"),
            None => "no header row".into(),
        }
    );
    println!(
        "Columns ({}):",
        if from_profile {
            "the mapping saved for this layout"
        } else {
            "mapped by their names"
        }
    );
    for (header, field) in layout.headers.iter().zip(&settings.columns) {
        println!(
            "  {header:<40} → {}",
            field.map_or("(not used)", |f| f.label())
        );
    }
}

/// A registered batch on its way in: the connections, who, and the file.
struct Run<'a> {
    conn: &'a mut DbConn,
    job_conn: &'a mut DbConn,
    actor: &'a Actor,
    file: &'a Path,
    settings: &'a Settings,
    batch_id: i64,
    name: &'a str,
}

impl Run<'_> {
    /// `--dry-run`: the preview, then the batch is cancelled.
    fn preview_only(&mut self) -> Result<(), CliError> {
        let job = self.job("spend_preview", &format!("Preview of {}", self.name))?;
        imports::start_preview(self.conn, self.actor, self.batch_id, 1, self.settings, job)
            .map_err(CliError::from_display)?;
        let batch = imports::get(self.conn, self.batch_id).map_err(CliError::from_display)?;
        let progress = bar("reading")?;
        let tracking = Tracking {
            conn: self.job_conn,
            id: job,
        };
        let preview = spend::run_preview(self.conn, tracking, &batch, self.file, &mut |d, t| {
            progress.set_length(t);
            progress.set_position(d);
        });
        progress.finish_and_clear();
        let preview = preview.map_err(CliError::from_display)?;
        print_preview(&preview);
        if !preview.can_commit() {
            return Err(refusal(&preview));
        }
        imports::cancel(self.conn, self.actor, self.batch_id).map_err(CliError::from_display)?;
        println!("Dry run: nothing was imported.");
        Ok(())
    }

    /// One reading: the file is checked as it is written, and nothing is
    /// kept unless all of it can be.
    fn commit_checked(&mut self) -> Result<(spend::Committed, Preview), CliError> {
        let job = self.job("spend_import", &format!("Import of {}", self.name))?;
        let batch = imports::start_checked_commit(
            self.conn,
            self.actor,
            self.batch_id,
            1,
            self.settings,
            Some(job),
        )
        .map_err(CliError::from_display)?;
        println!("Committing {} in one transaction, checking every row as it is written: nothing is kept unless the whole file can be read…", self.name);
        let _ = std::io::stdout().flush();
        let progress = bar("importing")?;
        let tracking = Tracking {
            conn: self.job_conn,
            id: job,
        };
        let result = spend::run_checked_commit(
            self.conn,
            tracking,
            self.actor,
            &batch,
            self.file,
            &mut |d, t| {
                progress.set_length(t);
                progress.set_position(d);
            },
        );
        progress.finish_and_clear();
        let (committed, preview) = match result {
            Ok(done) => done,
            Err(SpendImportError::Blocked(preview)) => {
                print_preview(&preview);
                return Err(refusal(&preview));
            }
            Err(e) => return Err(CliError::from_display(e)),
        };
        print_preview(&preview);
        Ok((committed, preview))
    }

    fn job(&mut self, kind: &str, description: &str) -> Result<i64, CliError> {
        jobs::create(self.job_conn, kind, description, None, None).map_err(CliError::from_display)
    }
}

/// Why a file cannot be committed, as the command's error.
fn refusal(preview: &Preview) -> CliError {
    if preview.date_order_needed {
        return CliError(
            "every date in this file reads either day first or month first: say which with --dates day-first or --dates month-first; nothing was imported".into(),
        );
    }
    CliError(format!(
        "{} Nothing was imported.",
        preview.blockers().join(" ")
    ))
}
