//! Rules for user accounts: usernames, display names and passwords, and
//! what each user may see of a network.

/// Shortest password accepted. NCSC and OWASP guidance favours long
/// passphrases over composition rules.
pub const MIN_PASSWORD_CHARS: usize = 12;
pub const MAX_PASSWORD_CHARS: usize = 128;

/// A login name: lower case letters, digits and `. _ - @`, 3–64 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let name = raw.trim().to_lowercase();
        if name.is_empty() {
            return Err("Enter a username".into());
        }
        if !(3..=64).contains(&name.chars().count()) {
            return Err("Username must be between 3 and 64 characters".into());
        }
        if !name.chars().all(|c| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-' | '@')
        }) {
            return Err("Username can only contain letters, digits and . _ - @".into());
        }
        Ok(Self(name))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// A person's name as shown in the app and the audit log.
pub fn parse_display_name(raw: &str) -> Result<String, String> {
    let name = raw.trim();
    if name.is_empty() {
        Err("Enter the person's name".into())
    } else if name.chars().count() > 100 {
        Err("Name must be 100 characters or fewer".into())
    } else {
        Ok(name.to_owned())
    }
}

/// Checks a new password and its confirmation.
pub fn check_new_password(password: &str, confirm: &str, username: &str) -> Result<(), String> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(format!(
            "Password must be at least {MIN_PASSWORD_CHARS} characters"
        ));
    }
    if chars > MAX_PASSWORD_CHARS {
        return Err(format!(
            "Password must be {MAX_PASSWORD_CHARS} characters or fewer"
        ));
    }
    if password.trim().eq_ignore_ascii_case(username.trim()) {
        return Err("Password must not be the same as the username".into());
    }
    if password != confirm {
        return Err("The two passwords do not match".into());
    }
    Ok(())
}

#[cfg(test)]
mod network_access_tests {
    use super::{NetworkAccess, Reach};

    #[test]
    fn members_see_aggregates_and_only_network_wide_users_see_lines() {
        let of = |reach: Reach| NetworkAccess::of(&reach, &[1, 2]);
        assert_eq!(of(Reach::All), NetworkAccess::Lines);
        assert_eq!(of(Reach::institution(2)), NetworkAccess::Aggregates);
        assert_eq!(of(Reach::institution(3)), NetworkAccess::None);
        // A network-wide user of this network, and of another network
        // sharing one member.
        assert_eq!(of(Reach::Only(vec![1, 2])), NetworkAccess::Lines);
        assert_eq!(of(Reach::Only(vec![2, 5])), NetworkAccess::Aggregates);
        assert_eq!(
            NetworkAccess::of(&Reach::institution(1), &[]),
            NetworkAccess::None
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_normalised_and_checked() {
        assert_eq!(
            Username::parse(" Jane.Doe@Preston ").unwrap().as_str(),
            "jane.doe@preston"
        );
        assert!(Username::parse("").is_err());
        assert!(Username::parse("ab").is_err());
        assert!(Username::parse("jane doe").is_err());
        assert!(Username::parse("jane<script>").is_err());
    }

    #[test]
    fn passwords_need_length_and_a_matching_confirmation() {
        assert!(check_new_password("short", "short", "jane").is_err());
        assert!(
            check_new_password("correct horse battery", "correct horse battery", "jane").is_ok()
        );
        assert_eq!(
            check_new_password("correct horse battery", "correct horse batter", "jane")
                .unwrap_err(),
            "The two passwords do not match"
        );
        assert!(check_new_password("janejanejane", "janejanejane", "janejanejane").is_err());
        let long = "x".repeat(129);
        assert!(check_new_password(&long, &long, "jane").is_err());
    }

    #[test]
    fn managers_and_auditors_may_work_across_a_network_and_only_admins_across_everything() {
        use crate::domain::Role;
        for role in [Role::Manager, Role::Auditor] {
            assert!(check_works_for(role, None, Some(1)).is_ok());
            assert!(check_works_for(role, None, None).is_err());
        }
        for role in [Role::Admin, Role::Clerk] {
            assert!(check_works_for(role, None, Some(1)).is_err());
            assert!(check_works_for(role, Some(1), None).is_ok());
        }
        assert!(check_works_for(Role::Admin, None, None).is_ok());
        assert!(check_works_for(Role::Clerk, None, None).is_err());
        assert!(check_works_for(Role::Manager, Some(1), Some(1)).is_err());
    }

    #[test]
    fn display_names_are_trimmed_and_bounded() {
        assert_eq!(parse_display_name("  Jane Doe ").unwrap(), "Jane Doe");
        assert!(parse_display_name("   ").is_err());
        assert!(parse_display_name(&"a".repeat(101)).is_err());
    }
}

/// Checks whom a user with `role` works for: one institution; a network,
/// for managers and auditors (its targets and its audit have owners); or,
/// for admins only, the whole installation. Clerks always work for one
/// institution, whose lines they enter.
pub fn check_works_for(
    role: super::Role,
    institution: Option<i64>,
    network: Option<i64>,
) -> Result<(), &'static str> {
    use super::Role;
    match (institution, network) {
        (Some(_), Some(_)) => Err("Choose an institution or a network, not both"),
        (Some(_), None) => Ok(()),
        (None, Some(_)) if matches!(role, Role::Manager | Role::Auditor) => Ok(()),
        (None, Some(_)) => {
            Err("Only managers and auditors work across a network: choose an institution")
        }
        (None, None) if role == Role::Admin => Ok(()),
        (None, None) => Err(
            "Only admins work across the whole installation: choose an institution or a network",
        ),
    }
}

/// The institutions whose data a user's work covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reach {
    /// Every institution: the admins who run the whole installation.
    All,
    /// These institutions only: one for an institution's staff, the members
    /// of a network for its network-wide managers and auditors.
    Only(Vec<i64>),
}

impl Reach {
    /// One institution's staff.
    pub fn institution(id: i64) -> Self {
        Self::Only(vec![id])
    }

    pub fn covers(&self, institution_id: i64) -> bool {
        match self {
            Self::All => true,
            Self::Only(ids) => ids.contains(&institution_id),
        }
    }

    /// The institutions to filter by; `None` for all of them.
    pub fn ids(&self) -> Option<&[i64]> {
        match self {
            Self::All => None,
            Self::Only(ids) => Some(ids),
        }
    }
}

/// What a user may see of a network's data.
///
/// Staff of a member institution see the network's **aggregate tables**:
/// pooled and unweighted shares, and totals per member, tier, size, type,
/// sector, deprivation, category and supplier (figures a network publishes
/// together). They never see another member's **individual lines** (dates,
/// references, descriptions, who entered them), its departments and expense
/// types, or its staff. Network-wide users, whose reach covers every member,
/// see everything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NetworkAccess {
    /// Not a member's user: nothing of the network.
    None,
    /// A member's user: the aggregate tables.
    Aggregates,
    /// Network-wide: the members' lines too.
    Lines,
}

impl NetworkAccess {
    /// The access of a user with this reach to a network with these members.
    pub fn of(reach: &Reach, member_ids: &[i64]) -> Self {
        match reach {
            Reach::All => Self::Lines,
            Reach::Only(_) if member_ids.is_empty() => Self::None,
            Reach::Only(_) if member_ids.iter().all(|m| reach.covers(*m)) => Self::Lines,
            Reach::Only(_) if member_ids.iter().any(|m| reach.covers(*m)) => Self::Aggregates,
            Reach::Only(_) => Self::None,
        }
    }
}
