//! How long a text field may be, on every entry path (forms, imports, the
//! command line): a name is shown on every page that names its supplier, so
//! a 200 MB one must never be stored.

/// Supplier and payee names, as finance systems publish them.
pub const NAME: usize = 300;
/// Departments, expense types, categories, legal forms, tier and network names.
pub const SHORT_TEXT: usize = 200;
/// Transaction and invoice references, expense codes, supplier ids.
pub const REFERENCE: usize = 100;
/// Descriptions, evidence notes and justifications.
pub const LONG_TEXT: usize = 2000;
/// One CSV record, in bytes: refused before it is held whole.
pub const RECORD_BYTES: u64 = 1024 * 1024;

/// `Err` naming the field when `value` is longer than `max` characters.
pub fn check(label: &str, value: &str, max: usize) -> Result<(), String> {
    // Counting stops at the limit: a huge value costs no more than a long one.
    if value.chars().nth(max).is_some() {
        Err(format!("{label} must be {max} characters or fewer"))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_at_the_limit_passes_and_one_over_is_named() {
        assert!(check("Name", &"é".repeat(NAME), NAME).is_ok());
        assert_eq!(
            check("Name", &"a".repeat(NAME + 1), NAME).unwrap_err(),
            "Name must be 300 characters or fewer"
        );
    }
}
