//! `localspend import spend`: the browser's upload → detect → map → preview
//! → commit flow at the terminal, through the same code, for one file or
//! many (each its own batch, in date order; one that fails does not stop
//! the others).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;

use crate::cli::{find_institution, open_database, CliError, SpendArgs, CLI_ACTOR};
use crate::config::Config;
use crate::db::{self, audit::Actor, imports, jobs, DbConn};
use crate::domain::columns::map_hint;
use crate::domain::dates::DateOrder;
use crate::domain::money::Pence;
use crate::domain::spend_file::{normalise_header, Field, Layout, Settings};
use crate::import::sheets::{readable, Readable};
use crate::import::spend::{self, Committed, Preview, SpendImportError};
use crate::jobs::Tracking;

fn bar(what: &str, quiet: bool) -> Result<ProgressBar, CliError> {
    let bar = ProgressBar::new(0).with_style(
        ProgressStyle::with_template(
            "{msg} [{bar:40}] {percent:>3}% {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
        )
        .map_err(CliError::from_display)?
        .progress_chars("=> "),
    );
    if quiet {
        bar.set_draw_target(ProgressDrawTarget::hidden());
    }
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
        "Suppliers: {} on the register ({} lines), {} new; {} lines to redacted payees; {} lines to a class of payee (no supplier).",
        p.suppliers_matched, p.lines_matched, p.suppliers_new, p.redacted_lines, p.class_lines
    );
    if p.skipped_count > 0 {
        println!("Skipped {} rows that are not payments:", p.skipped_count);
        for r in p.skipped.iter().take(20) {
            println!("  {}: {}", r.place(), r.message);
        }
        if p.skipped_count > 20 {
            println!("  … and {} more", p.skipped_count - 20);
        }
    }
    if let Some((row, pence)) = p.file_total {
        if pence == p.total_pence {
            println!(
                "The file's own total on row {row}, {}, equals the sum of its payments.",
                Pence(pence)
            );
        }
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
            println!("  {}: {}", w.place(), w.message);
        }
    }
    if p.rejected_count > 0 {
        println!(
            "{} rows cannot be read{}:",
            p.rejected_count,
            if p.rejected_pence != 0 {
                format!(" ({} readable in them)", Pence(p.rejected_pence))
            } else {
                String::new()
            }
        );
        for r in p.rejected.iter().take(50) {
            println!("  {}: {}", r.place(), r.message);
        }
        if p.rejected_count > 50 {
            println!("  … and {} more", p.rejected_count - 50);
        }
    }
}

/// One column of a file and what it was mapped to, as `--json` reports it.
#[derive(Debug, Serialize)]
struct MappedColumn {
    column: usize,
    header: String,
    field: Option<&'static str>,
    evidence: String,
}

impl MappedColumn {
    fn all(layout: &Layout, settings: &Settings) -> Vec<Self> {
        layout
            .headers
            .iter()
            .enumerate()
            .map(|(i, h)| MappedColumn {
                column: i + 1,
                header: h.clone(),
                field: settings.columns.get(i).copied().flatten().map(Field::code),
                evidence: layout.evidence(i),
            })
            .collect()
    }
}

/// What became of one file.
#[derive(Debug, Serialize)]
struct FileOutcome {
    file: String,
    /// imported, previewed (a dry run), or refused.
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    batch: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<String>,
    /// For a file whose columns could not all be told: the `--map` each
    /// missing field needs.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    needs: Vec<String>,
    /// The header's row (1 is the first), if the file has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    header_row: Option<u64>,
    mapping: Vec<MappedColumn>,
    #[serde(skip_serializing_if = "Option::is_none")]
    preview: Option<Preview>,
    #[serde(skip_serializing_if = "Option::is_none")]
    committed: Option<Committed>,
    /// Where the rows left out were written.
    #[serde(skip_serializing_if = "Option::is_none")]
    rejected_file: Option<String>,
}

impl FileOutcome {
    fn new(file: &str) -> Self {
        Self {
            file: file.to_owned(),
            status: "refused",
            batch: None,
            message: None,
            needs: Vec::new(),
            header_row: None,
            mapping: Vec::new(),
            preview: None,
            committed: None,
            rejected_file: None,
        }
    }

    fn refused(mut self, message: String) -> Self {
        self.status = "refused";
        self.message = Some(message);
        self
    }
}

/// A file with what detection found, ready to import.
struct Inspected {
    file: Readable,
    layout: Layout,
    settings: Settings,
    from_profile: bool,
}

impl Inspected {
    /// The earliest payment date among the sample rows, to put files in
    /// date order.
    fn first_date(&self) -> Option<chrono::NaiveDate> {
        spend::first_sample_date(&self.layout, &self.settings)
    }
}

/// Applies the command's choices (`--map`, `--dates`, `--skip-unreadable`,
/// `--period`) to the proposed mapping.
fn apply_options(layout: &Layout, settings: &mut Settings, args: &SpendArgs) -> Result<(), String> {
    apply_map(layout, settings, &args.map)?;
    if let Some(d) = &args.dates {
        settings.date_order = Some(if d == "month-first" {
            DateOrder::MonthFirst
        } else {
            DateOrder::DayFirst
        });
    }
    settings.skip_unreadable = args.skip_unreadable;
    settings.keep_rows.clone_from(&args.keep_rows);
    if let Some(period) = &args.period {
        let p = crate::domain::period::parse_totals_period(period)
            .map_err(|e| format!("--period {period}: {e}"))?;
        settings.totals_period = Some(p);
    }
    Ok(())
}

/// Applies `--map FIELD=COLUMN` choices to a proposed mapping.
fn apply_map(layout: &Layout, settings: &mut Settings, map: &[String]) -> Result<(), String> {
    for choice in map {
        let (field, column) = choice
            .split_once('=')
            .ok_or_else(|| format!("--map {choice}: write it as FIELD=COLUMN"))?;
        let code = field.trim().replace('-', "_");
        let field = Field::from_code(&code).ok_or_else(|| {
            format!(
                "--map {choice}: no field `{code}` (fields: {})",
                Field::ALL
                    .iter()
                    .map(|f| f.code())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })?;
        let column = column.trim();
        let index = match column.parse::<usize>() {
            Ok(n) if (1..=layout.headers.len()).contains(&n) => n - 1,
            Ok(n) => {
                return Err(format!(
                    "--map {choice}: the file has {} columns, not {n}",
                    layout.headers.len()
                ))
            }
            Err(_) => layout
                .headers
                .iter()
                .position(|h| {
                    h.eq_ignore_ascii_case(column)
                        || normalise_header(h) == normalise_header(column)
                })
                .ok_or_else(|| {
                    format!(
                        "--map {choice}: no column is headed `{column}` (columns: {})",
                        layout.headers.join(", ")
                    )
                })?,
        };
        for c in settings.columns.iter_mut() {
            if *c == Some(field) {
                *c = None;
            }
        }
        if settings.columns.len() < layout.headers.len() {
            settings.columns.resize(layout.headers.len(), None);
        }
        settings.columns[index] = Some(field);
    }
    Ok(())
}

pub fn import_spend(config: &Config, args: &SpendArgs) -> Result<(), CliError> {
    let mut conn = open_database(config)?;
    let mut job_conn = db::connect(&config.database_url).map_err(CliError::from_display)?;
    let institution_id = find_institution(&mut conn, &args.institution)?;
    let actor = Actor::system(CLI_ACTOR);
    let quiet = args.json;
    let mut outcomes: Vec<FileOutcome> = Vec::new();
    let mut ready: Vec<Inspected> = Vec::new();
    let files = args
        .files
        .iter()
        .flat_map(|path| readable(path, args.sheet.as_deref()));
    for file in files {
        let refused = |name: &str, e: String| {
            if !quiet {
                eprintln!("{name}: {e}");
            }
            FileOutcome::new(name).refused(e)
        };
        let file = match file {
            Ok(f) => f,
            Err((name, e)) => {
                outcomes.push(refused(
                    &name,
                    format!("This file cannot be imported: {e}."),
                ));
                continue;
            }
        };
        match spend::inspect(&mut conn, institution_id, &file.path) {
            Ok((layout, settings, from_profile)) => ready.push(Inspected {
                file,
                layout,
                settings,
                from_profile,
            }),
            Err(e) => outcomes.push(refused(&file.name, e.to_string())),
        }
    }
    // A year of monthly files goes in month by month.
    ready.sort_by(|a, b| {
        (a.first_date().is_none(), a.first_date(), &a.file.name).cmp(&(
            b.first_date().is_none(),
            b.first_date(),
            &b.file.name,
        ))
    });
    for file in ready {
        let outcome = import_one(&mut conn, &mut job_conn, &actor, institution_id, file, args);
        outcomes.push(outcome);
    }
    let imported = outcomes
        .iter()
        .filter(|o| matches!(o.status, "imported" | "previewed"))
        .count();
    let refused: Vec<&FileOutcome> = outcomes.iter().filter(|o| o.status == "refused").collect();
    if args.json {
        #[derive(Serialize)]
        struct Summary<'a> {
            files: &'a [FileOutcome],
            imported: usize,
            refused: usize,
        }
        let summary = Summary {
            files: &outcomes,
            imported,
            refused: refused.len(),
        };
        println!(
            "{}",
            serde_json::to_string_pretty(&summary).map_err(CliError::from_display)?
        );
    } else if outcomes.len() > 1 {
        println!();
        println!(
            "{} of {} files {}:",
            imported,
            outcomes.len(),
            if args.dry_run {
                "could be imported"
            } else {
                "went in"
            }
        );
        for o in &outcomes {
            let what = match (&o.committed, &o.preview) {
                (Some(c), _) => format!(
                    "batch {}: {} lines added ({})",
                    o.batch.unwrap_or(0),
                    c.added,
                    Pence(c.total_pence)
                ),
                (None, Some(p)) if o.status == "previewed" => {
                    format!("{} payments ({})", p.lines, Pence(p.total_pence))
                }
                _ => format!(
                    "not imported: {}",
                    o.message.as_deref().unwrap_or("refused")
                ),
            };
            println!("  {}: {what}", o.file);
        }
    }
    match refused.as_slice() {
        [] => Ok(()),
        [one] if outcomes.len() == 1 => Err(CliError(
            one.message.clone().unwrap_or_else(|| "refused".into()),
        )),
        many => Err(CliError(format!(
            "{} of {} files were not imported",
            many.len(),
            outcomes.len()
        ))),
    }
}

/// Maps, previews or commits one file, as the options say.
fn import_one(
    conn: &mut DbConn,
    job_conn: &mut DbConn,
    actor: &Actor,
    institution_id: i64,
    file: Inspected,
    args: &SpendArgs,
) -> FileOutcome {
    let started = Instant::now();
    let quiet = args.json;
    let Inspected {
        file,
        layout,
        mut settings,
        from_profile,
    } = file;
    let path = file.path.clone();
    let mut outcome = FileOutcome::new(&file.name);
    if let Err(e) = apply_options(&layout, &mut settings, args) {
        return outcome.refused(e);
    }
    outcome.mapping = MappedColumn::all(&layout, &settings);
    outcome.header_row = layout.header_row;
    if !quiet {
        print_layout(
            &path,
            &layout,
            &settings,
            from_profile,
            !args.map.is_empty(),
        );
    }
    if let Some(needs) = needed_maps(&layout, &settings) {
        let message = format!(
            "no column could be told to hold the {}; say which with {}",
            settings
                .missing()
                .iter()
                .map(|f| f.label().to_lowercase())
                .collect::<Vec<_>>()
                .join(", the "),
            needs.join(" and ")
        );
        if !quiet {
            eprintln!("{message}");
        }
        outcome.needs = needs;
        return outcome.refused(message);
    }
    let (batch_id, name) = match spend::register_file(
        conn,
        actor,
        institution_id,
        (&path, Some(&file.name)),
        &layout,
        &settings,
    ) {
        Ok(b) => b,
        Err(e) => return outcome.refused(e.to_string()),
    };
    outcome.batch = Some(batch_id);
    let mut run = Run {
        conn,
        job_conn,
        actor,
        file: &path,
        settings: &settings,
        batch_id,
        name: &name,
        quiet,
    };
    if args.dry_run {
        match run.preview_only() {
            Ok(p) => {
                outcome.status = "previewed";
                outcome.preview = Some(p);
            }
            Err((p, e)) => {
                outcome.preview = p.map(|p| *p);
                outcome = outcome.refused(e.0);
            }
        }
        return outcome;
    }
    let (committed, preview) = match run.commit_checked() {
        Ok(done) => done,
        Err((p, e)) => {
            outcome.preview = p.map(|p| *p);
            return outcome.refused(e.0);
        }
    };
    let secs = started.elapsed().as_secs_f64();
    if committed_left_out(&preview) {
        report_left_out(
            conn,
            &mut outcome,
            &layout,
            (&file.source, &file.name),
            args,
        );
    }
    if !quiet {
        println!(
            "Imported batch {batch_id}: {} lines added ({}), {} already on record skipped, {} new suppliers, {} values proposed for suppliers (review them at /suppliers/proposals), in {:.1} s ({:.0} lines/s).",
            committed.added,
            Pence(committed.total_pence),
            committed.skipped,
            committed.suppliers_created,
            committed.proposals,
            secs,
            preview.lines as f64 / secs.max(0.001)
        );
    }
    outcome.status = "imported";
    outcome.committed = Some(committed);
    outcome.preview = Some(preview);
    outcome
}

/// What a file with no column of dates is told.
const TOTALS_HINT: &str = "--period (no column holds dates: if the file holds totals per supplier for a period, state it as a month such as 2021-04, months such as 2021-04..2022-03 or a financial year such as 2021/22)";

/// The `--map` each needed field the mapping lacks would take, if any.
fn needed_maps(layout: &Layout, settings: &Settings) -> Option<Vec<String>> {
    let missing = settings.missing();
    let no_dates = !layout.has_date_column();
    (!missing.is_empty()).then(|| {
        missing
            .iter()
            .map(|f| match f {
                Field::PaymentDate if no_dates => TOTALS_HINT.to_owned(),
                f => map_hint(*f, &layout.headers, &layout.profiles),
            })
            .collect()
    })
}

/// Writes the rows a commit left out to `--rejected` (or beside the file)
/// and says where.
fn report_left_out(
    conn: &mut DbConn,
    outcome: &mut FileOutcome,
    layout: &Layout,
    (path, name): (&Path, &str),
    args: &SpendArgs,
) {
    let batch_id = outcome.batch.unwrap_or(0);
    match write_rejected(
        conn,
        batch_id,
        layout,
        (path, name),
        args.rejected.as_deref(),
    ) {
        Ok((written, n)) => {
            if !args.json {
                println!(
                    "{n} rows that cannot be read were left out and written to {} (laid out like the file: correct them and import that file).",
                    written.display()
                );
            }
            outcome.rejected_file = Some(written.display().to_string());
        }
        Err(e) => {
            let message = format!("the rows left out are kept with batch {batch_id} (download them from its page), but could not be written here: {e}");
            if !args.json {
                eprintln!("{message}");
            }
            outcome.message = Some(message);
        }
    }
}

fn committed_left_out(p: &Preview) -> bool {
    p.leaving_out && p.rejected_count > 0
}

/// Writes the rows left out of a batch beside the file (or where asked, or
/// in the working directory when beside the file is not writable).
fn write_rejected(
    conn: &mut DbConn,
    batch_id: i64,
    layout: &Layout,
    (file, name): (&Path, &str),
    asked: Option<&Path>,
) -> Result<(PathBuf, u64), String> {
    // Named after the batch: a zip's or a workbook's files each get their own.
    let safe: String = name
        .chars()
        .map(|c| {
            if matches!(c, '/' | '\\' | ':') {
                '-'
            } else {
                c
            }
        })
        .collect();
    let beside = file.with_file_name(format!("{safe}.rejected.csv"));
    let candidates: Vec<PathBuf> = match asked {
        Some(p) => vec![p.to_path_buf()],
        None => vec![
            beside.clone(),
            std::env::current_dir()
                .map_err(|e| e.to_string())?
                .join(beside.file_name().unwrap_or_default()),
        ],
    };
    let mut last = String::new();
    for path in candidates {
        match std::fs::File::create(&path) {
            Ok(f) => {
                let mut out = std::io::BufWriter::new(f);
                let n = spend::write_rows_left_out(conn, batch_id, layout, &mut out)
                    .map_err(|e| e.to_string())?;
                out.flush().map_err(|e| e.to_string())?;
                return Ok((path, n));
            }
            Err(e) => last = format!("{}: {e}", path.display()),
        }
    }
    Err(last)
}

/// What detection found and how the columns are mapped.
fn print_layout(
    file: &Path,
    layout: &Layout,
    settings: &Settings,
    from_profile: bool,
    mapped: bool,
) {
    println!(
        "{}: {}, {} line endings, {}-separated, {}.",
        file.display(),
        layout.encoding.label(),
        layout.line_ending,
        layout.delimiter_label(),
        match layout.header_row {
            Some(row) if layout.data_above_header =>
                format!("header on row {row}, with payments above it too"),
            Some(row) => format!("header on row {row}"),
            None => "no header row".into(),
        }
    );
    println!(
        "Columns ({}):",
        if mapped {
            "as mapped with --map, the rest as proposed"
        } else if from_profile {
            "the mapping saved for this layout"
        } else {
            "mapped by their names and what they hold"
        }
    );
    for (i, (header, field)) in layout.headers.iter().zip(&settings.columns).enumerate() {
        println!(
            "  {:>2} {header:<40} → {:<28} {}",
            i + 1,
            field.map_or("(not used)", |f| f.label()),
            layout.evidence(i)
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
    quiet: bool,
}

/// A file that did not go in: its preview if it got that far, and why.
type NotIn = (Option<Box<Preview>>, CliError);

fn not_in(e: impl std::fmt::Display) -> NotIn {
    (None, CliError::from_display(e))
}

impl Run<'_> {
    /// `--dry-run`: the preview, then the batch is cancelled.
    fn preview_only(&mut self) -> Result<Preview, NotIn> {
        let job = self.job("spend_preview", &format!("Preview of {}", self.name))?;
        imports::start_preview(self.conn, self.actor, self.batch_id, 1, self.settings, job)
            .map_err(not_in)?;
        let batch = imports::get(self.conn, self.batch_id).map_err(not_in)?;
        let progress = bar("reading", self.quiet).map_err(|e| (None, e))?;
        let tracking = Tracking {
            conn: self.job_conn,
            id: job,
        };
        let preview = spend::run_preview(self.conn, tracking, &batch, self.file, &mut |d, t| {
            progress.set_length(t);
            progress.set_position(d);
        });
        progress.finish_and_clear();
        let mut preview = preview.map_err(not_in)?;
        preview.leaving_out = self.settings.skip_unreadable;
        if !self.quiet {
            print_preview(&preview);
        }
        let cancelled = imports::cancel(self.conn, self.actor, self.batch_id).map_err(not_in);
        if !preview.can_commit() {
            let e = refusal(&preview);
            return Err((Some(Box::new(preview)), e));
        }
        cancelled?;
        if !self.quiet {
            println!("Dry run: nothing was imported.");
        }
        Ok(preview)
    }

    /// One reading: the file is checked as it is written, and nothing is
    /// kept unless all of it can be (less the rows left out, if asked).
    fn commit_checked(&mut self) -> Result<(Committed, Preview), NotIn> {
        let job = self.job("spend_import", &format!("Import of {}", self.name))?;
        let batch = imports::start_checked_commit(
            self.conn,
            self.actor,
            self.batch_id,
            1,
            self.settings,
            Some(job),
        )
        .map_err(not_in)?;
        if !self.quiet {
            println!("Committing {} in one transaction, checking every row as it is written: nothing is kept unless the whole file can be read…", self.name);
            let _ = std::io::stdout().flush();
        }
        let progress = bar("importing", self.quiet).map_err(|e| (None, e))?;
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
                if !self.quiet {
                    print_preview(&preview);
                }
                let e = refusal(&preview);
                return Err((Some(preview), e));
            }
            Err(e) => return Err(not_in(e)),
        };
        if !self.quiet {
            print_preview(&preview);
        }
        Ok((committed, preview))
    }

    fn job(&mut self, kind: &str, description: &str) -> Result<i64, NotIn> {
        jobs::create(self.job_conn, kind, description, None, None).map_err(not_in)
    }
}

/// Why a file cannot be committed, as the command's error.
fn refusal(preview: &Preview) -> CliError {
    if preview.date_order_needed {
        return CliError(
            "every date in this file reads either day first or month first: say which with --dates day-first or --dates month-first; nothing was imported".into(),
        );
    }
    let mut out = preview.blockers().join(" ");
    if preview.can_commit_leaving_out() && !preview.leaving_out {
        out.push_str(" Or leave them out with --skip-unreadable (they are written to a file to correct and import later).");
    }
    CliError(format!("{out} Nothing was imported."))
}
