//! The identifiers organisations are published under (company, charity and
//! VAT numbers), each checked against its published pattern.

/// An identifier as typed, without its spaces, upper case.
fn compact(raw: &str) -> String {
    raw.chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_uppercase()
}

/// A Companies House number: eight characters, digits or a two-letter prefix
/// (`SC`, `NI`, `OC` …) and six digits; shorter all-digit numbers are
/// zero-padded as published.
pub fn normalise_company_number(raw: &str) -> Option<String> {
    let s = compact(raw);
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

/// A registered charity number as the regulators publish them: England and
/// Wales, six to eight digits with an optional `-n` subsidiary suffix
/// (`1123456`, `1123456-1`); Scotland, `SC` and six digits (`SC012345`);
/// Northern Ireland, `NIC` and six digits (`NIC100002`).
pub fn normalise_charity_number(raw: &str) -> Option<String> {
    let s = compact(raw);
    let digits = |t: &str, min: usize, max: usize| {
        (min..=max).contains(&t.len()) && t.bytes().all(|b| b.is_ascii_digit())
    };
    let ok = if let Some(rest) = s.strip_prefix("SC") {
        digits(rest, 6, 6)
    } else if let Some(rest) = s.strip_prefix("NIC") {
        digits(rest, 6, 6)
    } else {
        let (main, sub) = s.split_once('-').unwrap_or((&s, "1"));
        digits(main, 6, 8) && digits(sub, 1, 2)
    };
    ok.then_some(s)
}

/// A UK VAT registration number as HMRC publishes them: an optional `GB`
/// (or `XI`, Northern Ireland) then nine digits, twelve for a branch, or
/// `GD`/`HA` and three digits for government departments and health
/// authorities. Spaces are dropped; letters kept upper case.
pub fn normalise_vat_number(raw: &str) -> Option<String> {
    let s = compact(raw);
    let rest = s
        .strip_prefix("GB")
        .or_else(|| s.strip_prefix("XI"))
        .unwrap_or(&s);
    let all_digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    let ok = ((rest.len() == 9 || rest.len() == 12) && all_digits(rest))
        || (rest.len() == 5
            && (rest.starts_with("GD") || rest.starts_with("HA"))
            && all_digits(&rest[2..]));
    ok.then_some(s)
}

/// A file's company, charity and VAT numbers, each kept only if it follows
/// its published pattern; the others are named in `dropped`.
#[derive(Debug, Default)]
pub struct CheckedIdentifiers {
    pub company_number: Option<String>,
    pub charity_number: Option<String>,
    pub vat_number: Option<String>,
    pub dropped: Vec<String>,
}

impl CheckedIdentifiers {
    pub fn of(company: Option<String>, charity: Option<String>, vat: Option<String>) -> Self {
        let mut dropped = Vec::new();
        let mut check = |raw: Option<String>, what: &str, valid: fn(&str) -> Option<String>| {
            let raw = raw?;
            valid(&raw).or_else(|| {
                dropped.push(format!(
                    "the {what} “{}” does not follow its published pattern: left out",
                    shorten(&raw)
                ));
                None
            })
        };
        let company_number = check(company, "company number", normalise_company_number);
        let charity_number = check(charity, "charity number", normalise_charity_number);
        let vat_number = check(vat, "VAT number", normalise_vat_number);
        Self {
            company_number,
            charity_number,
            vat_number,
            dropped,
        }
    }
}

/// A typed value as an error message quotes it: at most 40 characters.
pub fn shorten(raw: &str) -> String {
    match raw.char_indices().nth(40) {
        Some((at, _)) => format!("{}…", &raw[..at]),
        None => raw.to_owned(),
    }
}
