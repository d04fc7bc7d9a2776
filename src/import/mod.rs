//! Reading external files: postcode lookups, Companies House, the register of
//! charities, spend files. Readers
//! stream: memory stays flat however large the file.

pub mod charities;
pub mod charity_release;
pub mod companies;
pub mod company_release;
pub mod csv_stream;
pub mod lines;
pub mod postcode_release;
pub mod postcodes;
pub mod register_release;
pub mod release;
pub mod sheets;
pub mod sources;
pub mod spend;
pub mod spend_file;
pub mod text;
