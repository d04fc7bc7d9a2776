//! Supplier identity: normalising the names finance systems type, so that
//! variants of one organisation's name meet, and recognising payees that are
//! not suppliers at all.

/// Legal-form words, in their canonical spelling, that say nothing about
/// which organisation a name means.
const LEGAL_FORMS: [&str; 9] = ["LTD", "PLC", "LLP", "CO", "INC", "LP", "CIC", "CIO", "UK"];

/// Words dropped before a trailing reference code (`ACME LTD REF 12345`).
const REFERENCE_WORDS: [&str; 6] = ["REF", "REFERENCE", "ACC", "ACCOUNT", "AC", "NO"];

fn canonical_word(word: &str) -> &str {
    match word {
        "LIMITED" => "LTD",
        "COMPANY" => "CO",
        "INCORPORATED" => "INC",
        _ => word,
    }
}

/// A token that looks like a reference code rather than part of a name: all
/// digits, or letters and at least three digits (`S113120`, `REF12345`).
fn is_reference(token: &str) -> bool {
    let digits = token.bytes().filter(u8::is_ascii_digit).count();
    digits == token.len() || digits >= 3
}

/// The normal form of a supplier name: upper case, `&` as `AND`, punctuation
/// and repeated or non-breaking spaces gone, `LIMITED` as `LTD` (and `PLC`,
/// `CO` likewise), no `THE`, and no trailing reference codes.
///
/// `The Acme Company Limited.` and `ACME CO LTD  (ref 00123)` both become
/// `ACME CO LTD`.
pub fn normalise_name(raw: &str) -> String {
    let mut cleaned = String::with_capacity(raw.len() + 8);
    for ch in raw.chars() {
        match ch {
            '&' | '+' => cleaned.push_str(" AND "),
            '\'' | '’' | '‘' | '`' => {}
            c if c.is_alphanumeric() => cleaned.extend(c.to_uppercase()),
            _ => cleaned.push(' '),
        }
    }
    // `P L C` and `L T D` written with spaces or dots.
    let joined = cleaned
        .replace(" P L C ", " PLC ")
        .replace(" L T D ", " LTD ");
    let mut tokens: Vec<&str> = joined
        .split_whitespace()
        .map(canonical_word)
        .filter(|t| *t != "THE")
        .collect();
    // Strip trailing reference codes, and the word that introduces them, but
    // never the whole name.
    while tokens.len() > 1 {
        let last = tokens[tokens.len() - 1];
        if is_reference(last) || REFERENCE_WORDS.contains(&last) {
            tokens.pop();
        } else {
            break;
        }
    }
    tokens.join(" ")
}

/// A looser key for spotting likely duplicates: the normal form without
/// legal-form words, so `ACME LTD` and `ACME` meet. Suggestions only; never
/// used to merge on its own.
pub fn match_key(raw: &str) -> String {
    let normal = normalise_name(raw);
    let kept: Vec<&str> = normal
        .split(' ')
        .filter(|w| !LEGAL_FORMS.contains(w))
        .collect();
    if kept.is_empty() {
        normal
    } else {
        kept.join(" ")
    }
}

/// Payees published as redacted personal information: one bucket, never a
/// supplier.
pub fn is_redacted(raw: &str) -> bool {
    let n = normalise_name(raw);
    n.contains("REDACTED")
        || n == "PERSONAL INFORMATION"
        || n.contains("PERSONAL DATA")
        || n == "WITHHELD"
}

/// A Companies House number: eight characters, digits or a two-letter prefix
/// (`SC`, `NI`, `OC` …) and six digits; shorter all-digit numbers are
/// zero-padded as published.
pub fn normalise_company_number(raw: &str) -> Option<String> {
    let s: String = raw
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_uppercase();
    if s.is_empty() || s.len() > 8 {
        return None;
    }
    if s.bytes().all(|b| b.is_ascii_digit()) {
        return Some(format!("{s:0>8}"));
    }
    let (prefix, rest) = s.split_at(2.min(s.len()));
    let ok = prefix.bytes().all(|b| b.is_ascii_uppercase())
        && !rest.is_empty()
        && rest.bytes().all(|b| b.is_ascii_digit());
    ok.then(|| format!("{prefix}{rest:0>6}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn variants_of_one_name_meet() {
        let variants = [
            "ACME Co Ltd",
            "The Acme Company Limited",
            "ACME CO. LTD.",
            "acme co ltd  ",
            "ACME\u{a0}CO\u{a0}LIMITED",
            "ACME CO LTD (Ref 00123)",
            "Acme Co Ltd - 12345678",
        ];
        for v in variants {
            assert_eq!(normalise_name(v), "ACME CO LTD", "{v:?}");
        }
    }

    #[test]
    fn ampersands_plc_and_apostrophes() {
        assert_eq!(
            normalise_name("Marks & Spencer plc"),
            "MARKS AND SPENCER PLC"
        );
        assert_eq!(
            normalise_name("MARKS AND SPENCER P.L.C."),
            "MARKS AND SPENCER PLC"
        );
        assert_eq!(normalise_name("O'Brien's Bakery"), "OBRIENS BAKERY");
        assert_eq!(normalise_name("Npower"), "NPOWER");
        assert_eq!(
            normalise_name("2 Works TM Ltd"),
            "2 WORKS TM LTD",
            "a leading number is part of the name"
        );
        assert_eq!(
            normalise_name("3M"),
            "3M",
            "a name is never reduced to nothing"
        );
    }

    #[test]
    fn match_keys_ignore_legal_forms() {
        assert_eq!(match_key("Acme Limited"), match_key("ACME"));
        assert_eq!(match_key("Acme UK Ltd"), "ACME");
        assert_ne!(match_key("Acme Builders Ltd"), match_key("Acme Ltd"));
        assert_eq!(match_key("Ltd"), "LTD");
    }

    #[test]
    fn redacted_payees_are_recognised() {
        assert!(is_redacted("Redacted Personal Information"));
        assert!(is_redacted("REDACTED"));
        assert!(is_redacted("Personal Information"));
        assert!(!is_redacted("Redcar Plumbing Ltd"));
    }

    #[test]
    fn company_numbers_are_padded_and_checked() {
        assert_eq!(
            normalise_company_number("1234567").as_deref(),
            Some("01234567")
        );
        assert_eq!(
            normalise_company_number(" sc123456 ").as_deref(),
            Some("SC123456")
        );
        assert_eq!(
            normalise_company_number("SC12345").as_deref(),
            Some("SC012345")
        );
        assert_eq!(normalise_company_number("N/A"), None);
        assert_eq!(normalise_company_number("123456789"), None);
        assert_eq!(normalise_company_number(""), None);
    }

    proptest! {
        #[test]
        fn normalising_is_idempotent(raw in "[ -~\u{a0}’]{0,40}") {
            let once = normalise_name(&raw);
            prop_assert_eq!(normalise_name(&once), once.clone());
            prop_assert!(!once.contains("  ") && once.trim() == once);
        }

        #[test]
        fn case_and_spacing_never_matter(words in proptest::collection::vec("[a-zA-Z]{1,8}", 1..5)) {
            let spaced = words.join("   ");
            let upper = words.join(" ").to_uppercase();
            prop_assert_eq!(normalise_name(&spaced), normalise_name(&upper));
        }
    }
}
