//! Who may do what: every role rule, as methods on the signed-in user, so a
//! handler asks one question (`user.require(user.can_edit_register())?`) and
//! the answer is defined once. Which institutions' data a user covers is
//! [`CurrentUser::covers_institution`].

use super::CurrentUser;
use crate::domain::Role;

impl CurrentUser {
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
