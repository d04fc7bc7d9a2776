//! Recognition rules: suggestions, from a payee's name alone, that it is a
//! public body (whose payments are usually not influenceable spend), a VCSE
//! organisation, or a redacted individual. A clerk confirms them; nothing here
//! changes a record by itself.

use std::collections::HashSet;

use super::supplier::{is_redacted, normalise_name, TypeFlags};

/// What a rule suggests about a payee.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Suggestion {
    /// A public body, with its kind (council, NHS, police …).
    PublicBody { kind: &'static str, rule: String },
    /// Voluntary, community or social enterprise, with the flags implied.
    Vcse { flags: TypeFlags, rule: String },
    /// A redacted individual: never a supplier.
    Redacted,
}

impl Suggestion {
    pub fn describe(&self) -> String {
        match self {
            Suggestion::PublicBody { kind, rule } => format!("Public body ({kind}): {rule}"),
            Suggestion::Vcse { rule, .. } => format!("VCSE: {rule}"),
            Suggestion::Redacted => "Redacted personal information: not a supplier".into(),
        }
    }
}

/// A class of payee that finance systems name in place of an organisation:
/// its lines are never one supplier per name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PayeeClass {
    /// Personal budgets, direct payments, sundry or various payees:
    /// payments to individuals.
    Individuals,
    /// A payment card's statement: card spend whose merchant is not
    /// published.
    Card,
}

/// Words that say what kind of account a class name is, dropped before the
/// class is looked up ("Sundry Creditors" is "Sundry").
const CLASS_TAILS: &[&str] = &[
    "ACCOUNT",
    "ACCOUNTS",
    "CREDITOR",
    "CREDITORS",
    "PAYEE",
    "PAYEES",
    "PAYMENT",
    "PAYMENTS",
    "RECIPIENT",
    "RECIPIENTS",
    "SUPPLIER",
    "SUPPLIERS",
    "TRANSACTION",
    "TRANSACTIONS",
    "VENDOR",
    "VENDORS",
];

/// Names of payments to people: personal budgets and direct payments.
const PEOPLE: &[&str] = &[
    "PERSONAL BUDGET",
    "PERSONAL BUDGETS",
    "DIRECT",
    "FOSTER CARER",
    "FOSTER CARERS",
    "SERVICE USER",
    "SERVICE USERS",
    "INDIVIDUAL",
    "INDIVIDUALS",
    "PRIVATE INDIVIDUAL",
    "PRIVATE INDIVIDUALS",
];

/// Names that say nobody in particular: as a payee's name they are
/// payments to individuals; as a supplier id, only a placeholder.
const ANYONE: &[&str] = &[
    "SUNDRY",
    "SUNDRIES",
    "VARIOUS",
    "MISC",
    "MISCELLANEOUS",
    "ONE OFF",
];

const CARDS: &[&str] = &[
    "CARD",
    "CARDS",
    "PURCHASE CARD",
    "PURCHASE CARDS",
    "PURCHASING CARD",
    "PURCHASING CARDS",
    "PROCUREMENT CARD",
    "PROCUREMENT CARDS",
    "GOVERNMENT PROCUREMENT CARD",
    "GPC",
    "P CARD",
    "PCARD",
    "CREDIT CARD",
    "CORPORATE CARD",
];

/// A name or id with its account words dropped: "Purchase Card Supplier"
/// is "PURCHASE CARD".
fn class_phrase(raw: &str) -> String {
    let n = normalise_name(raw);
    let mut words: Vec<&str> = n.split(' ').filter(|w| !w.is_empty()).collect();
    while words.len() > 1 && words.last().is_some_and(|w| CLASS_TAILS.contains(w)) {
        words.pop();
    }
    words.join(" ")
}

impl PayeeClass {
    /// The class a payee's published name denotes, if it names a class
    /// rather than an organisation.
    pub fn of_name(raw: &str) -> Option<Self> {
        let phrase = class_phrase(raw);
        let p = phrase.as_str();
        if PEOPLE.contains(&p) || ANYONE.contains(&p) {
            Some(Self::Individuals)
        } else if CARDS.contains(&p) {
            Some(Self::Card)
        } else {
            None
        }
    }

    /// The class a finance system's supplier id denotes. A sundry or
    /// various id is only a placeholder: the line's own name says who was
    /// paid.
    pub fn of_ref(raw: &str) -> Option<Self> {
        let phrase = class_phrase(raw);
        let p = phrase.as_str();
        if PEOPLE.contains(&p) {
            Some(Self::Individuals)
        } else if CARDS.contains(&p) {
            Some(Self::Card)
        } else {
            None
        }
    }
}

pub struct Recogniser {
    councils: HashSet<String>,
}

fn has_word(name: &str, word: &str) -> bool {
    name.split(' ').any(|w| w == word)
}

fn has_phrase(name: &str, phrase: &str) -> bool {
    format!(" {name} ").contains(&format!(" {phrase} "))
}

fn private_company(name: &str) -> bool {
    ["LTD", "PLC", "LLP"].iter().any(|w| has_word(name, w))
}

impl Recogniser {
    /// Built from mySociety's register of council name spellings, shipped in
    /// `data/geo/`.
    pub fn shipped() -> Self {
        Self::from_register(include_str!("../../data/geo/lookup_name_to_registry.csv"))
    }

    pub fn from_register(csv_text: &str) -> Self {
        let mut reader =
            csv::Reader::from_reader(csv_text.trim_start_matches('\u{feff}').as_bytes());
        let councils = reader
            .records()
            .filter_map(Result::ok)
            .filter_map(|r| r.get(0).map(normalise_name))
            .filter(|n| n.split(' ').count() > 1 || n.len() > 6)
            .collect();
        Self { councils }
    }

    /// Every suggestion the rules make for a name.
    pub fn suggest(&self, raw: &str) -> Vec<Suggestion> {
        if is_redacted(raw) {
            return vec![Suggestion::Redacted];
        }
        let n = normalise_name(raw);
        let public = |kind, rule: &str| {
            vec![Suggestion::PublicBody {
                kind,
                rule: rule.to_owned(),
            }]
        };
        if self.councils.contains(&n) {
            return public("council", "name is in the register of UK councils");
        }
        if !private_company(&n) {
            if ["COUNCIL", "COMBINED AUTHORITY"]
                .iter()
                .any(|p| has_phrase(&n, p))
                && !has_phrase(&n, "BRITISH COUNCIL")
            {
                return public("council", "name contains 'council' or 'combined authority'");
            }
            if has_word(&n, "NHS")
                || has_phrase(&n, "NATIONAL HEALTH SERVICE")
                || has_phrase(&n, "INTEGRATED CARE BOARD")
                || has_phrase(&n, "CLINICAL COMMISSIONING GROUP")
            {
                return public("NHS", "name contains 'NHS' or an NHS body's title");
            }
            if has_word(&n, "POLICE") || has_word(&n, "CONSTABULARY") {
                return public("police", "name contains 'police' or 'constabulary'");
            }
            if has_phrase(&n, "FIRE AND RESCUE") || has_phrase(&n, "FIRE AUTHORITY") {
                return public(
                    "fire and rescue",
                    "name contains 'fire and rescue' or 'fire authority'",
                );
            }
            if has_word(&n, "HMRC") || has_phrase(&n, "HM REVENUE") || has_phrase(&n, "H M REVENUE")
            {
                return public("HMRC", "name is HM Revenue and Customs");
            }
            if has_word(&n, "SCHOOL") || has_phrase(&n, "ACADEMY TRUST") {
                return public("school", "name contains 'school' or 'academy trust'");
            }
            if has_word(&n, "UNIVERSITY") {
                return public("university", "name contains 'university'");
            }
            if [
                "DEPARTMENT FOR",
                "MINISTRY OF",
                "ENVIRONMENT AGENCY",
                "HM LAND REGISTRY",
                "CABINET OFFICE",
            ]
            .iter()
            .any(|p| has_phrase(&n, p))
            {
                return public(
                    "central government",
                    "name is a government department or agency",
                );
            }
        }
        let mut flags = TypeFlags::default();
        let mut rules = Vec::new();
        if has_word(&n, "CIC") || has_phrase(&n, "COMMUNITY INTEREST COMPANY") {
            (flags.cic, flags.vcse) = (true, true);
            rules.push("'CIC'");
        }
        if has_word(&n, "CHARITY")
            || has_word(&n, "CHARITABLE")
            || has_word(&n, "TRUST")
            || has_word(&n, "FOUNDATION")
        {
            flags.vcse = true;
            rules.push("'charity', 'trust' or 'foundation'");
        }
        if has_phrase(&n, "CO OPERATIVE")
            || has_word(&n, "COOPERATIVE")
            || has_word(&n, "COOP")
            || has_phrase(&n, "COMMUNITY BENEFIT SOCIETY")
        {
            (flags.cooperative, flags.vcse) = (true, true);
            rules.push("'co-operative' or 'community benefit society'");
        }
        if flags.vcse {
            return vec![Suggestion::Vcse {
                flags,
                rule: format!("name contains {}", rules.join(" and ")),
            }];
        }
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(r: &Recogniser, name: &str) -> Option<&'static str> {
        match r.suggest(name).first() {
            Some(Suggestion::PublicBody { kind, .. }) => Some(kind),
            _ => None,
        }
    }

    #[test]
    fn public_bodies_are_recognised_by_name() {
        let r = Recogniser::shipped();
        assert_eq!(kind(&r, "Preston City Council"), Some("council"));
        assert_eq!(kind(&r, "Lancashire County Council"), Some("council"));
        assert_eq!(
            kind(&r, "Wigan"),
            None,
            "a bare place name could be anything"
        );
        assert_eq!(
            kind(&r, "Lancashire Teaching Hospitals NHS Foundation Trust"),
            Some("NHS")
        );
        assert_eq!(kind(&r, "Lancashire Constabulary"), Some("police"));
        assert_eq!(
            kind(&r, "Lancashire Fire and Rescue Service"),
            Some("fire and rescue")
        );
        assert_eq!(kind(&r, "H M Revenue & Customs"), Some("HMRC"));
        assert_eq!(kind(&r, "St Mary's RC Primary School"), Some("school"));
        assert_eq!(
            kind(&r, "University of Central Lancashire"),
            Some("university")
        );
        assert_eq!(
            kind(&r, "Department for Education"),
            Some("central government")
        );
        assert_eq!(
            kind(&r, "Council Cleaning Services Ltd"),
            None,
            "a company is not a council"
        );
        assert_eq!(kind(&r, "Preston Driving School Ltd"), None);
    }

    #[test]
    fn classes_of_payee_are_not_organisations() {
        use PayeeClass::*;
        for (name, class) in [
            ("Personal Budgets", Some(Individuals)),
            ("PERSONAL BUDGET PAYMENTS", Some(Individuals)),
            ("Direct Payments", Some(Individuals)),
            ("Sundry Creditors", Some(Individuals)),
            ("Various", Some(Individuals)),
            ("Purchase Card Supplier", Some(Card)),
            ("P-Card Transactions", Some(Card)),
            ("GPC", Some(Card)),
            ("Payments", None),
            ("Supplier", None),
            ("Direct Line Insurance", None),
            ("Sundry Hire Ltd", None),
            ("Card Factory Ltd", None),
        ] {
            assert_eq!(PayeeClass::of_name(name), class, "{name}");
        }
        assert_eq!(PayeeClass::of_ref("Personal Budgets"), Some(Individuals));
        assert_eq!(PayeeClass::of_ref("PURCHASE CARD"), Some(Card));
        assert_eq!(
            PayeeClass::of_ref("SUNDRY"),
            None,
            "a sundry id is a placeholder: the line's name says who was paid"
        );
        assert_eq!(PayeeClass::of_ref("S113120"), None);
    }

    #[test]
    fn vcse_hints_and_redacted_payees() {
        let r = Recogniser::shipped();
        match &r.suggest("Preston Community Energy CIC")[..] {
            [Suggestion::Vcse { flags, .. }] => assert!(flags.cic && flags.vcse),
            other => panic!("{other:?}"),
        }
        match &r.suggest("Lancashire Wildlife Trust")[..] {
            [Suggestion::Vcse { flags, .. }] => assert!(flags.vcse && !flags.cic),
            other => panic!("{other:?}"),
        }
        match &r.suggest("Preston Co-operative Housing")[..] {
            [Suggestion::Vcse { flags, .. }] => assert!(flags.cooperative),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            r.suggest("Redacted Personal Information"),
            [Suggestion::Redacted]
        );
        assert!(r.suggest("Npower").is_empty());
    }
}
