//! Reading external files: postcode lookups now, spend files later. Readers
//! stream: memory stays flat however large the file.

pub mod companies;
pub mod company_release;
pub mod csv_stream;
pub mod job;
pub mod postcode_release;
pub mod postcodes;
pub mod sources;
