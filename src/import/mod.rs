//! Reading external files: postcode lookups now, spend files later. Readers
//! stream: memory stays flat however large the file.

pub mod csv_stream;
pub mod postcode_release;
pub mod postcodes;
pub mod sources;
