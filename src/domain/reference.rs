//! Rows of the reference releases, ready to store: the postcode lookup
//! (ONSPD, NSPL or Code-Point Open) and the Companies House register. The
//! importers read them from the published files; the database keeps them
//! per release.

/// One row of the lookup, ready to store.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PostcodeRow {
    pub postcode: String,
    pub district: Option<String>,
    pub ward: Option<String>,
    pub lsoa: Option<String>,
    pub county: Option<String>,
    pub region: Option<String>,
    pub country: Option<String>,
    pub imd_rank: Option<i32>,
    /// Year and month of termination (`2019-06`) for postcodes no longer in use.
    pub terminated: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
}

/// One charity of the Charity Commission's register, ready to store.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CharityRow {
    pub charity_number: String,
    pub name: String,
    pub normalised_name: String,
    pub postcode: Option<String>,
    pub latest_income_pence: Option<i64>,
    /// Registered, or removed from the register.
    pub registered: bool,
    pub company_number: Option<String>,
}

/// One company, ready to store.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CompanyRow {
    pub company_number: String,
    pub name: String,
    pub normalised_name: String,
    pub postcode: Option<String>,
    pub category: String,
    pub status: String,
    pub account_category: String,
    /// Five-digit SIC 2007 codes, comma separated.
    pub sic_codes: String,
}
