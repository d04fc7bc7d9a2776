//! Near misses between organisation names: names that differ by a word, an
//! abbreviation or a typo (`STANLEY BROS TIPPERS` and `Stanley Brothers
//! (Tippers) Ltd`) scored for how likely they are to mean one organisation.
//! A score is a proposal for a clerk, never a merge.

use super::supplier::match_key;

/// Abbreviations finance systems type, each with the word it stands for.
const ABBREVIATIONS: [(&str, &str); 40] = [
    ("BROS", "BROTHERS"),
    ("BRO", "BROTHERS"),
    ("ASSOC", "ASSOCIATION"),
    ("ASSN", "ASSOCIATION"),
    ("ASSOCS", "ASSOCIATES"),
    ("SVCS", "SERVICES"),
    ("SERVS", "SERVICES"),
    ("SVC", "SERVICE"),
    ("INTL", "INTERNATIONAL"),
    ("INT", "INTERNATIONAL"),
    ("MGMT", "MANAGEMENT"),
    ("MGT", "MANAGEMENT"),
    ("CTR", "CENTRE"),
    ("CENTER", "CENTRE"),
    ("GRP", "GROUP"),
    ("HLDGS", "HOLDINGS"),
    ("HLDG", "HOLDINGS"),
    ("ENG", "ENGINEERING"),
    ("ENGG", "ENGINEERING"),
    ("CONST", "CONSTRUCTION"),
    ("CONSTR", "CONSTRUCTION"),
    ("ELEC", "ELECTRICAL"),
    ("TECH", "TECHNOLOGY"),
    ("SOLS", "SOLUTIONS"),
    ("DEV", "DEVELOPMENT"),
    ("DEVT", "DEVELOPMENT"),
    ("PROPS", "PROPERTIES"),
    ("DEPT", "DEPARTMENT"),
    ("GOVT", "GOVERNMENT"),
    ("NATL", "NATIONAL"),
    ("SOC", "SOCIETY"),
    ("ENTS", "ENTERPRISES"),
    ("MFG", "MANUFACTURING"),
    ("DIST", "DISTRIBUTION"),
    ("EQUIP", "EQUIPMENT"),
    ("MAINT", "MAINTENANCE"),
    ("SYS", "SYSTEMS"),
    ("SUPP", "SUPPLIES"),
    ("LABS", "LABORATORIES"),
    ("UNIV", "UNIVERSITY"),
];

/// Words that join a name and say nothing about which organisation it is.
const JOINING: [&str; 4] = ["AND", "OF", "FOR", "IN"];

/// Words so common in organisation names that sharing them says little:
/// they count half in a score.
const GENERIC: [&str; 17] = [
    "SERVICES",
    "SERVICE",
    "SOLUTIONS",
    "GROUP",
    "HOLDINGS",
    "MANAGEMENT",
    "CONSULTING",
    "CONSULTANCY",
    "INTERNATIONAL",
    "ENTERPRISES",
    "ASSOCIATES",
    "TRADING",
    "SYSTEMS",
    "SUPPLIES",
    "PROPERTIES",
    "BROTHERS",
    "SONS",
];

/// The lowest score proposed as likely the same organisation.
pub const THRESHOLD: f64 = 0.75;

/// A word written out in full (`BROS` as `BROTHERS`).
pub fn full_word(word: &str) -> &str {
    ABBREVIATIONS
        .iter()
        .find(|(short, _)| *short == word)
        .map_or(word, |(_, full)| full)
}

/// A name's distinguishing words: its match key (no legal form, punctuation
/// or reference codes) with abbreviations written out and joining words
/// dropped, in order.
pub fn words(raw: &str) -> Vec<String> {
    let key = match_key(raw);
    let words: Vec<String> = key
        .split(' ')
        .filter(|w| !w.is_empty() && !JOINING.contains(w))
        .map(|w| full_word(w).to_owned())
        .collect();
    if words.is_empty() {
        key.split(' ')
            .filter(|w| !w.is_empty())
            .map(str::to_owned)
            .collect()
    } else {
        words
    }
}

/// Every spelling a full word may be indexed under: itself and its
/// abbreviations.
pub fn spellings(word: &str) -> Vec<&str> {
    let mut out = vec![word];
    out.extend(
        ABBREVIATIONS
            .iter()
            .filter(|(_, full)| *full == word)
            .map(|(short, _)| *short),
    );
    out
}

fn edit_distance(a: &[char], b: &[char]) -> usize {
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = if ca == cb {
                diagonal
            } else {
                1 + diagonal.min(above).min(row[j])
            };
            diagonal = above;
        }
    }
    row[b.len()]
}

/// How alike two words are, 0 to 1: 1 when equal, a typo's worth of
/// difference in a word of four or more letters still counts, anything
/// further apart counts nothing.
fn word_likeness(a: &str, b: &str) -> f64 {
    if a == b {
        return 1.0;
    }
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let longest = a.len().max(b.len());
    // Too short to tell a typo from another word, or too different in
    // length to be one word.
    if a.len().min(b.len()) < 4 || (a.len().abs_diff(b.len()) as f64) > 0.25 * longest as f64 {
        return 0.0;
    }
    let likeness = 1.0 - edit_distance(&a, &b) as f64 / longest as f64;
    if likeness >= 0.75 {
        likeness
    } else {
        0.0
    }
}

/// A word's weight in a score: its length up to eight letters (a longer
/// word tells no more), doubled for the first word (a name's most
/// distinguishing one), halved for generic words.
fn weight(word: &str, first: bool) -> f64 {
    let mut w = word.chars().count().min(8) as f64;
    if first {
        w *= 2.0;
    }
    if GENERIC.contains(&word) {
        w *= 0.5;
    }
    w
}

/// A name with a word swapped for another (a word of each left without a
/// partner) names another organisation more often than not: its score is
/// cut by this much.
const SWAPPED_WORD: f64 = 0.75;

/// How likely two names (as [`words`]) are to mean one organisation, 0 to 1:
/// the weighted share of their words that pair up, each pair counted by how
/// alike its words are; cut by [`SWAPPED_WORD`] when each name has a word
/// the other lacks (`BOWLAND CARE AND SONS` and `BOWLAND CONSULTING AND
/// SONS`), as a word added or dropped is not. Word order does not matter.
pub fn score(a: &[String], b: &[String]) -> f64 {
    let total: f64 = a
        .iter()
        .enumerate()
        .map(|(i, w)| weight(w, i == 0))
        .chain(b.iter().enumerate().map(|(i, w)| weight(w, i == 0)))
        .sum();
    if total == 0.0 {
        return 0.0;
    }
    let mut used = vec![false; b.len()];
    let (mut matched, mut unpaired_in_a) = (0.0, false);
    for (i, word) in a.iter().enumerate() {
        let best = b
            .iter()
            .enumerate()
            .filter(|(j, _)| !used[*j])
            .map(|(j, other)| (j, word_likeness(word, other)))
            .filter(|(_, likeness)| *likeness > 0.0)
            .max_by(|x, y| x.1.total_cmp(&y.1));
        match best {
            Some((j, likeness)) => {
                used[j] = true;
                matched += likeness * (weight(word, i == 0) + weight(&b[j], j == 0));
            }
            None => unpaired_in_a = true,
        }
    }
    let swapped = unpaired_in_a && used.iter().any(|u| !u);
    matched / total * if swapped { SWAPPED_WORD } else { 1.0 }
}

/// A score as a whole percentage, for pages.
pub fn percent(score: f64) -> u8 {
    (score * 100.0).round().clamp(0.0, 100.0) as u8
}

/// The fewest letters of a word kept when a search tries it as possibly
/// mistyped: its first half (rounded down), and at least this many.
const PREFIX: usize = 4;

/// Whether a search term stands for any word beginning with it (a word
/// that may be mistyped after its first letters): written with a
/// trailing `*`.
pub fn is_prefix(term: &str) -> bool {
    term.ends_with('*')
}

/// The word searches that find a name's near misses in a word index, each a
/// list of terms that must all appear (a word in any of its [`spellings`],
/// or a prefix, see [`is_prefix`]): all the words; then, for each word, the
/// others with that word left out (a word added, dropped or mistyped), and
/// with the first word mistyped in its second half (searched by its first
/// half, a prefix). A lone word is searched for only when it says something
/// on its own.
pub fn searches(words: &[String]) -> Vec<Vec<String>> {
    let mut out = vec![words.to_vec()];
    for skip in 0..words.len() {
        let rest = |replacement: Option<String>| -> Vec<String> {
            words
                .iter()
                .enumerate()
                .filter_map(|(i, w)| {
                    if i == skip {
                        replacement.clone()
                    } else {
                        Some(w.clone())
                    }
                })
                .collect()
        };
        let word = &words[skip];
        // Only the first word, a name's most distinctive, is tried by its
        // first letters: a common word's letters would match too much.
        let distinctive = skip == 0 && !GENERIC.contains(&word.as_str());
        let letters = word.chars().count();
        if distinctive && letters > PREFIX + 1 && words.len() >= 2 {
            let prefix: String = word.chars().take(PREFIX.max(letters / 2)).collect();
            out.push(rest(Some(format!("{prefix}*"))));
        }
        if words.len() >= 2 {
            let left = rest(None);
            let informative = left.len() >= 2
                || (left[0].chars().count() >= 4 && !GENERIC.contains(&left[0].as_str()));
            if informative {
                out.push(left);
            }
        }
    }
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(a: &str, b: &str) -> f64 {
        score(&words(a), &words(b))
    }

    #[test]
    fn abbreviations_legal_forms_and_punctuation_do_not_count() {
        assert_eq!(
            words("Stanley Brothers (Tippers) Ltd"),
            ["STANLEY", "BROTHERS", "TIPPERS"]
        );
        assert_eq!(
            words("STANLEY BROS TIPPERS"),
            ["STANLEY", "BROTHERS", "TIPPERS"]
        );
        assert_eq!(
            s("STANLEY BROS TIPPERS", "Stanley Brothers (Tippers) Ltd"),
            1.0
        );
        assert_eq!(words("Smith & Sons"), ["SMITH", "SONS"]);
    }

    #[test]
    fn a_typo_or_an_extra_word_scores_high_and_a_shared_trade_low() {
        let typo = s("Preston Scaffoldng Ltd", "PRESTON SCAFFOLDING LIMITED");
        assert!(typo > 0.9 && typo < 1.0, "{typo}");
        let extra = s("Acme Roofing", "Acme Roofing Services Ltd");
        assert!((THRESHOLD..1.0).contains(&extra), "{extra}");
        let other = s("Acme Scaffolding", "Beta Scaffolding");
        assert!(other < THRESHOLD, "{other}");
        let swapped = s("Bowland Care & Sons Ltd", "Bowland Consulting & Sons Ltd");
        assert!(
            swapped < THRESHOLD,
            "another trade under one name: {swapped}"
        );
        assert!(s("Lancashire Care", "Lancaster Carpets") < THRESHOLD);
        assert_eq!(s("Gamma Trading", "Gamma Trading"), 1.0);
        assert_eq!(s("", "Gamma"), 0.0);
    }

    #[test]
    fn word_order_does_not_matter() {
        assert_eq!(
            s("Tippers Stanley Brothers", "Stanley Brothers Tippers"),
            1.0
        );
    }

    #[test]
    fn searches_leave_out_one_word_at_a_time() {
        let w = words("Stanley Bros Tippers");
        let found = searches(&w);
        assert_eq!(found.len(), 5);
        assert_eq!(found[1], ["STAN*", "BROTHERS", "TIPPERS"]);
        assert_eq!(found[2], ["BROTHERS", "TIPPERS"]);
        assert_eq!(
            searches(&words("Acme Services")),
            [vec!["ACME", "SERVICES"], vec!["ACME"]]
        );
        assert!(is_prefix("SER*") && !is_prefix("SER"));
        assert_eq!(spellings("BROTHERS"), ["BROTHERS", "BROS", "BRO"]);
        assert_eq!(edit_distance(&['a', 'b'], &['b']), 1);
    }
}
