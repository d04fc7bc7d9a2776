//! Integration tests through the real HTTP stack on a real database.

mod admin_pages;
mod architecture;
mod areas;
mod audit_log;
mod auth_flow;
mod authz_matrix;
mod charities;
mod cli;
mod common;
mod companies;
mod demo;
mod hardening;
mod near_misses;
mod postcode_admin;
mod postcode_import;
mod reports;
mod schema_parity;
mod scope_matrix;
mod spend_files;
mod spend_import;
mod spend_ledger;
mod suggestions;
mod supplier_file;
mod supplier_identity;
mod supplier_sources;
mod suppliers;
