//! localspend: measure how much of anchor institutions' spend stays in the
//! local economy. The binary in `main.rs` is a thin command line over this
//! library; integration tests drive [`startup::Application`] directly.

pub mod auth;
pub mod cli;
mod cli_spend;
pub mod config;
pub mod db;
pub mod demo;
pub mod domain;
pub mod enrich;
pub mod error;
pub mod export;
pub mod handlers;
pub mod import;
pub mod locate;
pub mod routes;
pub mod startup;
pub mod state;
pub mod supplier_file;
pub mod tokens;
pub mod views;
