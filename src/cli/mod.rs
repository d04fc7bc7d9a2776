//! The command line: its parser and `serve` (the default), `demo` and
//! `migrate`. The other commands live by area: `user`, `reference` (postcode
//! and Companies House releases) and `spend`.

use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand};

use crate::config::Config;
use crate::db::{self, institutions, DbConn};
use crate::startup::{prepare_database, Application};

mod reference;
mod spend;
mod user;

use reference::{
    import_charities, import_companies, import_postcodes, match_companies, match_one_name,
};
use user::user_command;

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
    /// number and by exact normalised name; report matches and proposals,
    /// then the near misses (names a word, an abbreviation or a typo apart)
    /// among companies and among suppliers. Changes nothing.
    Companies {
        /// Only look for near misses of this one name, and list them.
        #[arg(long)]
        name: Option<String>,
    },
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
    /// Load the Charity Commission's register extract for England and Wales
    /// (publicextract.charity.txt or its zip) as reference data for matching
    /// suppliers, replacing the one in use only if the whole load succeeds.
    Charities {
        #[arg(required = true)]
        files: Vec<PathBuf>,
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
    /// Import an institution's spend files (CSV, .xlsx, .ods or .xls as its
    /// finance system or transparency page publishes them, or a zip of
    /// them): detect each one's layout, map its
    /// columns (the mapping last confirmed in the browser for the same
    /// layout, else by header names and by what the columns hold), preview,
    /// and commit each whole or not at all. Several files become one batch
    /// each, in date order; one that fails does not stop the others.
    Spend(SpendArgs),
}

#[derive(Debug, Args)]
pub struct SpendArgs {
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Institution id or exact name.
    #[arg(long)]
    pub institution: String,
    /// Which column holds a field, by its header or its number (from 1):
    /// `--map supplier_name=Vendor`, `--map payment_date=3`. Repeatable.
    /// Fields: payment_date, invoice_date, amount, irrecoverable_vat,
    /// supplier_name, supplier_ref, company_number, charity_number,
    /// vat_number, transaction_ref, invoice_ref, line_ref, statement_ref,
    /// department, expense_type,
    /// expense_code, category, description, capital_revenue.
    #[arg(long = "map", value_name = "FIELD=COLUMN")]
    pub map: Vec<String>,
    /// How to read numeric dates such as 04/05/2021 when the file does
    /// not settle it: day-first or month-first.
    #[arg(long, value_parser = ["day-first", "month-first"])]
    pub dates: Option<String>,
    /// The file holds totals per supplier for a period, not dated payments
    /// (or its dates were lost): a month `2021-04`, months
    /// `2021-04..2022-03` or a financial year `2021/22`. Each total is kept
    /// as one line for that period, dated at its last day.
    #[arg(long, value_name = "PERIOD")]
    pub period: Option<String>,
    /// Which sheet of a spreadsheet to read (default: the first that looks
    /// like a table of payments).
    #[arg(long, value_name = "NAME")]
    pub sheet: Option<String>,
    /// Leave out the rows that cannot be read and import the rest; the rows
    /// left out are written to --rejected.
    #[arg(long)]
    pub skip_unreadable: bool,
    /// Rows (as a preview lists them) already on record to import all the
    /// same, each a payment of its own: two identical card payments on two
    /// statements, say.
    #[arg(long, value_name = "ROWS", value_delimiter = ',')]
    pub keep_rows: Vec<u64>,
    /// Where to write the rows left out (default: FILE.rejected.csv beside
    /// the file, or in the working directory when that is not writable).
    #[arg(long, value_name = "PATH")]
    pub rejected: Option<PathBuf>,
    /// Preview only: report what would be imported and change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Print the preview or result as one JSON object (for scripts).
    #[arg(long)]
    pub json: bool,
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
    /// Institution id or exact name; omit only for a network-wide admin, or
    /// with --network.
    #[arg(long, conflicts_with = "network")]
    pub institution: Option<String>,
    /// Network id or exact name, for a manager or auditor who works across
    /// every member of a network.
    #[arg(long)]
    pub network: Option<String>,
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
        Command::Match(MatchCommand::Companies { name: None }) => match_companies(&config),
        Command::Match(MatchCommand::Companies { name: Some(name) }) => {
            match_one_name(&config, &name)
        }
        Command::Import(ImportCommand::Charities { files, name }) => {
            import_charities(&config, &files, name)
        }
        Command::Import(ImportCommand::Companies { files, name }) => {
            import_companies(&config, &files, name)
        }
        Command::Import(ImportCommand::Spend(args)) => spend::import_spend(&config, &args),
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
    if app.cookie_secure {
        println!("Cookies are marked Secure and HSTS is sent: serve it behind HTTPS (browsers also accept");
        println!("Secure cookies from http://localhost and http://127.0.0.1 for trying it out).");
    } else {
        println!("LOCALSPEND_COOKIE_SECURE=false: cookies are not marked Secure and HSTS is off.");
        println!("Use plain HTTP like this only on this machine or for the demo.");
    }
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
    // The demo is served over plain HTTP on this machine.
    config.cookie_secure = false;
    println!("Building the demo in {shown} (about a minute)…");
    let logins = {
        let mut conn = open_database(&config)?;
        let gazetteer = crate::domain::geography::shipped_gazetteer();
        crate::demo::seed(&mut conn, gazetteer).map_err(CliError::from_display)?
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

fn find_network(conn: &mut DbConn, key: &str) -> Result<i64, CliError> {
    let all = crate::db::networks::list(conn).map_err(CliError::from_display)?;
    all.iter()
        .map(|(n, _)| n)
        .find(|n| key.parse() == Ok(n.id) || n.name == key)
        .map(|n| n.id)
        .ok_or_else(|| CliError(format!("no network called `{key}`")))
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
