//! Pure domain types and rules. Nothing here knows about HTTP or the database.

pub mod account;
pub mod benchmarks;
pub mod classify;
pub mod columns;
pub mod dates;
pub mod encoding;
pub mod evidence;
pub mod figures;
pub mod geography;
pub mod gss;
pub mod identifiers;
pub mod institution;
pub mod limits;
pub mod money;
pub mod period;
pub mod postcode;
pub mod recognise;
pub mod reference;
pub mod similar;
pub mod spend;
pub mod spend_file;
pub mod supplier;

/// Defines a closed set of values stored as short text codes, with a human
/// label for each, so forms, the database and templates share one spelling.
macro_rules! text_enum {
    ($(#[$meta:meta])* $vis:vis enum $name:ident { $($variant:ident => ($code:literal, $label:literal)),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        $vis enum $name { $(#[serde(rename = $code)] $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The code stored in the database and sent by forms.
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            /// The name shown to people.
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }

            pub fn from_code(code: &str) -> Option<Self> {
                match code { $($code => Some($name::$variant),)+ _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.label())
            }
        }
    };
}
pub(crate) use text_enum;

text_enum! {
    /// What a user may do. Admins run the system; managers read reports and
    /// set targets; clerks enter and classify; auditors read and export.
    pub enum Role {
        Admin => ("admin", "Admin"),
        Manager => ("manager", "Manager"),
        Clerk => ("clerk", "Clerk"),
        Auditor => ("auditor", "Auditor"),
    }
}

/// Month names for financial-year start pickers (1 = January).
pub const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
