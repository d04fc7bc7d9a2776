//! The command line: `serve` (the default), `migrate` and `user …`.

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};

use crate::auth::password;
use crate::config::Config;
use crate::db::audit::Actor;
use crate::db::users::{self, NewUser, UserChanges};
use crate::db::{self, institutions, DbConn};
use crate::domain::account::{check_new_password, parse_display_name, Username};
use crate::domain::Role;
use crate::import::{company_release, postcode_release};
use crate::startup::{prepare_database, Application};
use crate::tokens::random_token;

#[derive(Debug, Parser)]
#[command(
    name = "localspend",
    version,
    about = "Measure the share of anchor-institution spend retained in the local economy."
)]
#[command(
    after_help = "Configuration is read from LOCALSPEND_* environment variables; see the README."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the web app (the default when no command is given).
    Serve,
    /// Start the app on a fresh demo database: a fictional anchor network
    /// around Preston with five years of spend. Prints a login for each role.
    Demo {
        /// The demo database file (replaced if it exists).
        #[arg(long, default_value = "localspend-demo.db")]
        database: PathBuf,
    },
    /// Apply pending database migrations and exit.
    Migrate,
    /// Manage user accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Load reference data from files.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Match suppliers against reference data and report what would change.
    #[command(subcommand)]
    Match(MatchCommand),
}

#[derive(Debug, Subcommand)]
pub enum MatchCommand {
    /// Match every supplier to the Companies House data in use, by company
    /// number and by exact normalised name; report matches and proposals.
    Companies,
}

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Load a postcode lookup release, replacing the one in use only if the whole
    /// load succeeds. Takes the ONS Postcode Directory (ONSPD) or National
    /// Statistics Postcode Lookup (NSPL) as published (CSV or the zip file), or
    /// OS Code-Point Open CSV files; give every file of one release together.
    Postcodes {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// The release's name, shown on reports (default: the first file's name).
        #[arg(long)]
        name: Option<String>,
    },
    /// Load the Companies House bulk file (BasicCompanyDataAsOneFile-*.csv or
    /// its zip) as reference data for matching suppliers, replacing the one in
    /// use only if the whole load succeeds.
    Companies {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        #[arg(long)]
        name: Option<String>,
    },
    /// Import an institution's spend file (CSV as its finance system or
    /// transparency page publishes it): detect its layout, map its columns
    /// (the mapping last confirmed in the browser for the same layout, or by
    /// header names), preview, and commit it whole or not at all.
    Spend {
        file: PathBuf,
        /// Institution id or exact name.
        #[arg(long)]
        institution: String,
        /// How to read numeric dates such as 04/05/2021 when the file does
        /// not settle it: day-first or month-first.
        #[arg(long, value_parser = ["day-first", "month-first"])]
        dates: Option<String>,
        /// Preview only: report what would be imported and change nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account. Prints a generated password unless --password-stdin is given.
    Add(AddUser),
    /// Set a new password for an account and sign it out everywhere.
    Passwd {
        username: String,
        /// Read the new password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Disable an account and sign it out everywhere.
    Disable { username: String },
    /// List accounts.
    List,
}

#[derive(Debug, Args)]
pub struct AddUser {
    #[arg(long)]
    pub username: String,
    /// The person's name, as shown in the app and the audit log.
    #[arg(long)]
    pub name: String,
    /// admin, manager, clerk or auditor.
    #[arg(long)]
    pub role: String,
    /// Institution id or exact name; omit only for a network-wide admin.
    #[arg(long)]
    pub institution: Option<String>,
    /// Read the password from the first line of standard input.
    #[arg(long)]
    pub password_stdin: bool,
}

/// An error for the person at the terminal.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct CliError(pub String);

impl CliError {
    pub(crate) fn from_display(e: impl std::fmt::Display) -> Self {
        Self(e.to_string())
    }
}

pub(crate) const CLI_ACTOR: &str = "command line";

pub async fn run(cli: Cli, config: Config) -> Result<(), CliError> {
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(config).await,
        Command::Demo { database } => demo(config, &database).await,
        Command::Migrate => {
            open_database(&config)?;
            println!("Database is up to date.");
            Ok(())
        }
        Command::User(cmd) => user_command(&mut open_database(&config)?, cmd),
        Command::Import(ImportCommand::Postcodes { files, name }) => {
            import_postcodes(&config, &files, name)
        }
        Command::Match(MatchCommand::Companies) => match_companies(&config),
        Command::Import(ImportCommand::Companies { files, name }) => {
            import_companies(&config, &files, name)
        }
        Command::Import(ImportCommand::Spend {
            file,
            institution,
            dates,
            dry_run,
        }) => {
            crate::cli_spend::import_spend(&config, &file, &institution, dates.as_deref(), dry_run)
        }
    }
}

/// One migrated connection, without a pool's background threads.
pub(crate) fn open_database(config: &Config) -> Result<DbConn, CliError> {
    let mut conn = db::connect(&config.database_url).map_err(CliError::from_display)?;
    prepare_database(&mut conn, config).map_err(CliError::from_display)?;
    Ok(conn)
}

async fn serve(config: Config) -> Result<(), CliError> {
    let bind = config.bind.clone();
    let app = Application::build(config).map_err(CliError::from_display)?;
    let host = match bind.rsplit_once(':').map(|(h, _)| h) {
        Some("0.0.0.0" | "[::]") | None => "localhost",
        Some(h) => h,
    };
    let base = format!("http://{host}:{}", app.port());
    println!("localspend is running at {base}/");
    if let Some(path) = &app.setup_path {
        println!();
        println!("No accounts exist yet. Open this one-time link to create the first admin:");
        println!("    {base}{path}");
        println!("(or run `localspend user add --role admin …`). The link expires in 24 hours.");
    }
    app.run_until_stopped()
        .await
        .map_err(CliError::from_display)
}

async fn demo(mut config: Config, database: &Path) -> Result<(), CliError> {
    let shown = database.display().to_string();
    if !shown.ends_with(".db") {
        return Err(CliError(format!(
            "the demo database must be a file ending in .db (it is replaced each time): {shown}"
        )));
    }
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{shown}{suffix}"));
    }
    config.database_url =
        crate::config::DatabaseUrl::parse(&shown).map_err(CliError::from_display)?;
    println!("Building the demo in {shown} (about a minute)…");
    let logins = {
        let mut conn = open_database(&config)?;
        let gazetteer = db::geography::load(&mut conn).map_err(CliError::from_display)?;
        crate::demo::seed(&mut conn, &gazetteer).map_err(CliError::from_display)?
    };
    println!();
    println!("Demo ready: five fictional anchor institutions around Preston, five years of spend.");
    println!("Sign in as:");
    for (role, username, password) in &logins.0 {
        println!("    {role:<22} {username:<14} password {password}");
    }
    println!();
    serve(config).await
}

/// What every import command shares: a migrated connection, a second one for
/// job progress, a job row, and a progress bar on the terminal.
fn tracked_import<T>(
    config: &Config,
    files: &[PathBuf],
    name: Option<String>,
    kind: &str,
    what: &str,
    run: impl FnOnce(
        &mut DbConn,
        &mut DbConn,
        i64,
        &str,
        &mut dyn FnMut(u64, u64),
    ) -> Result<T, CliError>,
) -> Result<(T, f64), CliError> {
    let mut conn = open_database(config)?;
    let mut job_conn = db::connect(&config.database_url).map_err(CliError::from_display)?;
    let name = name.unwrap_or_else(|| {
        files[0]
            .file_stem()
            .map_or_else(|| what.to_owned(), |s| s.to_string_lossy().into_owned())
    });
    let job = db::jobs::create(&mut job_conn, kind, &format!("{what} {name}"), None, None)
        .map_err(CliError::from_display)?;
    let bar = ProgressBar::new(0).with_style(
        ProgressStyle::with_template(
            "{msg} [{bar:40}] {percent:>3}% {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
        )
        .map_err(CliError::from_display)?
        .progress_chars("=> "),
    );
    bar.set_message(format!("importing {what}"));
    let started = Instant::now();
    let result = run(&mut conn, &mut job_conn, job, &name, &mut |done, total| {
        bar.set_length(total);
        bar.set_position(done);
    });
    bar.finish_and_clear();
    Ok((result?, started.elapsed().as_secs_f64()))
}

fn import_postcodes(
    config: &Config,
    files: &[PathBuf],
    name: Option<String>,
) -> Result<(), CliError> {
    let (release, secs) = tracked_import(
        config,
        files,
        name,
        "postcode_import",
        "postcode lookup",
        |conn, job_conn, job, name, progress| {
            postcode_release::run_job(
                conn,
                job_conn,
                job,
                files,
                name,
                &Actor::system(CLI_ACTOR),
                progress,
            )
            .map_err(CliError::from_display)
        },
    )?;
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

fn import_companies(
    config: &Config,
    files: &[PathBuf],
    name: Option<String>,
) -> Result<(), CliError> {
    let (release, secs) = tracked_import(
        config,
        files,
        name,
        "company_import",
        "Companies House data",
        |conn, job_conn, job, name, progress| {
            company_release::run_job(
                conn,
                job_conn,
                job,
                files,
                name,
                &Actor::system(CLI_ACTOR),
                progress,
            )
            .map_err(CliError::from_display)
        },
    )?;
    println!(
        "Companies House release \"{}\" is now in use: {} companies, in {:.1} s ({:.0} rows/s).",
        release.name,
        release.row_count,
        secs,
        release.row_count as f64 / secs.max(0.001)
    );
    Ok(())
}

fn match_companies(config: &Config) -> Result<(), CliError> {
    let mut conn = open_database(config)?;
    let release = crate::db::companies::active(&mut conn)
        .map_err(CliError::from_display)?
        .ok_or_else(|| {
            CliError(
                "no Companies House data is loaded: run `localspend import companies FILE`".into(),
            )
        })?;
    let suppliers = crate::db::suppliers::search(&mut conn, &Default::default(), 0, 0)
        .map_err(CliError::from_display)?
        .1;
    let started = Instant::now();
    let matched = crate::db::companies::matches(&mut conn, release.id, None)
        .map_err(CliError::from_display)?;
    let proposals = crate::enrich::propose_all(&matched);
    let secs = started.elapsed().as_secs_f64();
    println!(
        "Matched {} of {suppliers} suppliers to Companies House release \"{}\"; {} have proposals to review. Matching took {secs:.2} s.",
        matched.len(),
        release.name,
        proposals.len()
    );
    Ok(())
}

fn read_password(from_stdin: bool, username: &str) -> Result<(String, bool), CliError> {
    if from_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(CliError::from_display)?;
        let pw = line.trim_end_matches(['\r', '\n']).to_owned();
        check_new_password(&pw, &pw, username).map_err(CliError)?;
        Ok((pw, false))
    } else {
        Ok((random_token()[..24].to_owned(), true))
    }
}

fn find_user(conn: &mut DbConn, username: &str) -> Result<users::User, CliError> {
    users::find_by_username(conn, username)
        .map_err(CliError::from_display)?
        .ok_or_else(|| CliError(format!("no user called `{username}`")))
}

fn user_command(conn: &mut DbConn, cmd: UserCommand) -> Result<(), CliError> {
    let actor = Actor::system(CLI_ACTOR);
    match cmd {
        UserCommand::Add(a) => {
            let username = Username::parse(&a.username).map_err(CliError)?;
            let display_name = parse_display_name(&a.name).map_err(CliError)?;
            let role = Role::from_code(&a.role.to_lowercase()).ok_or_else(|| {
                CliError(format!(
                    "unknown role `{}`: use admin, manager, clerk or auditor",
                    a.role
                ))
            })?;
            let institution_id = match &a.institution {
                None if role == Role::Admin => None,
                None => {
                    return Err(CliError(
                        "--institution is required for every role but a network-wide admin".into(),
                    ))
                }
                Some(key) => Some(find_institution(conn, key)?),
            };
            let (pw, generated) = read_password(a.password_stdin, username.as_str())?;
            let password_hash = password::hash(&pw).map_err(CliError::from_display)?;
            let user = users::create(
                conn,
                &actor,
                &NewUser {
                    username,
                    display_name,
                    role,
                    institution_id,
                    password_hash,
                },
            )
            .map_err(CliError::from_display)?;
            println!("Created {} ({}).", user.username, role.label());
            if generated {
                println!("Password: {pw}");
                println!("Ask them to change it after signing in (Change password).");
            }
            Ok(())
        }
        UserCommand::Passwd {
            username,
            password_stdin,
        } => {
            let user = find_user(conn, &username)?;
            let (pw, generated) = read_password(password_stdin, &user.username)?;
            let hash = password::hash(&pw).map_err(CliError::from_display)?;
            users::set_password(conn, &actor, user.id, &hash, "password_reset")
                .map_err(CliError::from_display)?;
            println!(
                "Password set for {}; any sessions were ended.",
                user.username
            );
            if generated {
                println!("Password: {pw}");
            }
            Ok(())
        }
        UserCommand::Disable { username } => {
            let user = find_user(conn, &username)?;
            let changes = UserChanges {
                display_name: user.display_name.clone(),
                role: user.role(),
                institution_id: user.institution_id,
                disabled: true,
            };
            users::update(conn, &actor, user.id, user.version, &changes)
                .map_err(CliError::from_display)?;
            println!("Disabled {}; any sessions were ended.", user.username);
            Ok(())
        }
        UserCommand::List => {
            let all = users::list(conn, None).map_err(CliError::from_display)?;
            println!(
                "{:<24} {:<8} {:<9} {:<30} name",
                "username", "role", "status", "institution"
            );
            for (u, institution) in all {
                println!(
                    "{:<24} {:<8} {:<9} {:<30} {}",
                    u.username,
                    u.role,
                    if u.disabled { "disabled" } else { "active" },
                    institution.as_deref().unwrap_or("(whole network)"),
                    u.display_name
                );
            }
            Ok(())
        }
    }
}

pub(crate) fn find_institution(conn: &mut DbConn, key: &str) -> Result<i64, CliError> {
    if let Ok(id) = key.parse::<i64>() {
        return institutions::get(conn, id)
            .map(|i| i.id)
            .map_err(|_| CliError(format!("no institution with id {id}")));
    }
    institutions::find_by_name(conn, key)
        .map_err(CliError::from_display)?
        .map(|i| i.id)
        .ok_or_else(|| CliError(format!("no institution called `{key}`")))
}
