//! localspend: measure how much of anchor institutions' spend stays in the
//! local economy. The binary in `main.rs` is a thin command line over this
//! library; integration tests drive [`startup::Application`] directly.

pub mod auth;
pub mod cli;
pub mod config;
pub mod db;
pub mod demo;
pub mod domain;
pub mod error;
pub mod export;
pub mod handlers;
pub mod import;
pub mod jobs;
pub mod register;
pub mod reporting;
pub mod routes;
pub mod spool;
pub mod startup;
pub mod state;
pub mod tokens;
pub mod views;
