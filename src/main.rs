//! The `localspend` binary: parse the command line, read configuration,
//! start logging, hand over to the library.

use clap::Parser;
use localspend::cli::{self, Cli};
use localspend::config::Config;

#[actix_web::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("localspend: configuration error: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    tracing_subscriber::fmt()
        .with_max_level(config.log_level)
        .with_target(false)
        .init();
    match cli::run(cli, config).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("localspend: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
