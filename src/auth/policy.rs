//! Who may do what: every role and scope rule, as methods on the signed-in
//! user, so a handler asks one question (`user.require(user.can_edit_register())?`)
//! and the answer is defined once.

use super::CurrentUser;
use crate::domain::account::{NetworkAccess, Reach};
use crate::domain::Role;
use crate::error::AppError;

impl CurrentUser {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// An admin not tied to one institution: runs the whole installation.
    pub fn is_network_admin(&self) -> bool {
        self.is_admin() && self.reach == Reach::All
    }

    pub fn require_admin(&self) -> Result<(), AppError> {
        self.require(self.is_admin())
    }

    pub fn require_network_admin(&self) -> Result<(), AppError> {
        self.require(self.is_network_admin())
    }

    /// Whether the user's data scope covers an institution (`None`: data
    /// of no institution, which only the installation's admins cover).
    pub fn covers_institution(&self, institution_id: Option<i64>) -> bool {
        match institution_id {
            Some(id) => self.reach.covers(id),
            None => self.reach == Reach::All,
        }
    }

    /// An admin may manage an institution (and its users) if it is theirs,
    /// or if they are network-wide.
    pub fn require_manages_institution(&self, institution_id: Option<i64>) -> Result<(), AppError> {
        self.require(self.is_admin() && self.covers_institution(institution_id))
    }

    /// `Ok` when a policy allows the request, else `Forbidden`.
    pub fn require(&self, allowed: bool) -> Result<(), AppError> {
        if allowed {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }
    /// Clerks and admins edit the supplier register and its classifications,
    /// review Companies House proposals and confirm recognition rules.
    pub fn can_edit_register(&self) -> bool {
        matches!(self.role, Role::Admin | Role::Clerk)
    }

    /// Clerks and admins enter, edit, delete and import spend.
    pub fn can_edit_spend(&self) -> bool {
        matches!(self.role, Role::Admin | Role::Clerk)
    }

    /// Managers and admins set local-share targets.
    pub fn can_set_targets(&self) -> bool {
        matches!(self.role, Role::Admin | Role::Manager)
    }

    /// What the user may see of a network with these members: its aggregate
    /// tables as a member's staff, its lines too as a network-wide user (the
    /// rule is [`NetworkAccess::of`], which the report engine applies too).
    pub fn network_access(&self, member_ids: &[i64]) -> NetworkAccess {
        NetworkAccess::of(&self.reach, member_ids)
    }

    /// Whether the user decides for this institution itself (its targets,
    /// closing its years): its own staff and the installation's admins. A
    /// network-wide manager reads every member's lines but sets the
    /// network's targets, not a member's.
    pub fn acts_for_institution(&self, institution_id: i64) -> bool {
        self.institution_id == Some(institution_id) || self.is_network_admin()
    }

    /// Managers and admins set an institution's targets, for their own.
    pub fn can_set_institution_targets(&self, institution_id: i64) -> bool {
        self.can_set_targets() && self.acts_for_institution(institution_id)
    }

    /// Managers and admins set a network's targets, and only network-wide
    /// ones: a member's manager sets their own institution's.
    pub fn can_set_network_targets(&self, member_ids: &[i64]) -> bool {
        self.can_set_targets() && self.network_access(member_ids) == NetworkAccess::Lines
    }

    /// Managers and admins close financial years after sign-off.
    pub fn closes_years(&self) -> bool {
        matches!(self.role, Role::Admin | Role::Manager)
    }

    /// Whether the user may close a year of this institution: they close
    /// years and act for it.
    pub fn can_close_year(&self, institution_id: i64) -> bool {
        self.closes_years() && self.acts_for_institution(institution_id)
    }

    /// Only admins reopen a closed year, for the institutions they cover.
    pub fn can_reopen_year(&self, institution_id: i64) -> bool {
        self.is_admin() && self.covers_institution(Some(institution_id))
    }

    /// Auditors and admins read the audit log and export it.
    pub fn can_read_audit(&self) -> bool {
        matches!(self.role, Role::Admin | Role::Auditor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(role: Role) -> CurrentUser {
        CurrentUser {
            id: 1,
            username: "u".into(),
            display_name: "U".into(),
            role,
            institution_id: Some(1),
            network_id: None,
            reach: Reach::institution(1),
            session_id: 1,
        }
    }

    #[test]
    fn each_role_may_do_what_its_job_needs() {
        let rules = |u: &CurrentUser| {
            [
                u.can_edit_register(),
                u.can_edit_spend(),
                u.can_set_targets(),
                u.can_read_audit(),
            ]
        };
        assert_eq!(rules(&user(Role::Admin)), [true, true, true, true]);
        assert_eq!(rules(&user(Role::Clerk)), [true, true, false, false]);
        assert_eq!(rules(&user(Role::Manager)), [false, false, true, false]);
        assert_eq!(rules(&user(Role::Auditor)), [false, false, false, true]);
    }
}
