//! Company names for the benchmark generators: a made-up distinguishing word
//! (each shared by a few companies, as surnames and places are) and trade
//! words that many companies share, so a word index is tried as it is by
//! the real register.

const SYLLABLES: [&str; 30] = [
    "KA", "LO", "MER", "TI", "VAN", "DRO", "SEL", "PU", "RIN", "GOS", "BAL", "TE", "NUR", "FI",
    "ZAM", "OR", "QUE", "HAL", "WIN", "DEX", "BRA", "CO", "LYN", "MAR", "STE", "VI", "GAR", "NO",
    "PEL", "TOR",
];

pub const TRADES: [&str; 24] = [
    "ROOFING",
    "SCAFFOLDING",
    "TIPPERS",
    "BUILDERS",
    "CARE",
    "CLEANING",
    "CATERING",
    "ELECTRICAL",
    "PLUMBING",
    "HEATING",
    "TRANSPORT",
    "HAULAGE",
    "LANDSCAPES",
    "JOINERY",
    "SECURITY",
    "TRAINING",
    "CONSULTING",
    "PRINTING",
    "MOTORS",
    "GLAZING",
    "FENCING",
    "DECORATORS",
    "FLOORING",
    "SIGNS",
];

pub const SECOND: [&str; 8] = [
    "SERVICES",
    "SOLUTIONS",
    "CONTRACTORS",
    "SUPPLIES",
    "NORTH WEST",
    "GROUP",
    "AND SONS",
    "UK",
];

/// A made-up word of five syllables for `n`, unique for each `n` below
/// 30⁵. Neighbouring numbers are scrambled apart, so that words for nearby
/// numbers are not near misses of each other.
pub fn word(n: usize) -> String {
    const WORDS: u64 = 30 * 30 * 30 * 30 * 30;
    // 2654435761 shares no factor with 30⁵: a one-to-one shuffle.
    let mut rest = (n as u64 % WORDS) * 2_654_435_761 % WORDS;
    let mut out = String::new();
    for _ in 0..5 {
        out.push_str(SYLLABLES[(rest % 30) as usize]);
        rest /= 30;
    }
    out
}

/// The name of generated company `n`: three companies share each made-up
/// word, each trade word is shared by one company in 24.
pub fn company(n: usize) -> String {
    format!(
        "{} {} {} LIMITED",
        word(n / 3),
        TRADES[n % TRADES.len()],
        SECOND[(n / 7) % SECOND.len()]
    )
}
