//! The supplier register's workflows, above the database layer: locating a
//! supplier against the active postcode lookup, enriching records from
//! Companies House and the recognition rules, and the register as a
//! spreadsheet to export, fill in and import back.

pub mod charity;
pub mod enrich;
pub mod locate;
pub mod master_file;
pub mod near;
pub mod proposals;
pub mod supplier_file;
