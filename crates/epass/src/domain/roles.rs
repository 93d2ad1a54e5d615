//! Roles and their organisation scope: every grant is a role over an organisation subtree.

use std::fmt;

/// What a person may do; each grant of a role is scoped to an organisation subtree.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// A driver, an individual, a company or carrier that applies for passes.
    Applicant,
    /// The supervising department of an industry or unit: files requests, level-1 review.
    OrgAdmin,
    /// A reviewer inside an organisation (level 1).
    Reviewer,
    /// The authority's reviewer: level-2 or final review, issuance, revocation.
    AuthorityReviewer,
    /// Police or traffic staff at a road checkpoint.
    CheckpointOfficer,
    /// HQ supervision and discipline inspection: reads everything in scope.
    Supervisor,
    /// The authority's IT staff: users, organisations, pass types, keys.
    SystemAdmin,
    /// Staff of a relying party (an insurer, a car-rental firm): sees a driving licence's data
    /// only with its holder's consent code, else only valid or invalid.
    RelyingParty,
}

impl Role {
    pub const ALL: [Role; 8] = [
        Role::Applicant,
        Role::OrgAdmin,
        Role::Reviewer,
        Role::AuthorityReviewer,
        Role::CheckpointOfficer,
        Role::Supervisor,
        Role::SystemAdmin,
        Role::RelyingParty,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Applicant => "applicant",
            Role::OrgAdmin => "org_admin",
            Role::Reviewer => "reviewer",
            Role::AuthorityReviewer => "authority_reviewer",
            Role::CheckpointOfficer => "checkpoint_officer",
            Role::Supervisor => "supervisor",
            Role::SystemAdmin => "system_admin",
            Role::RelyingParty => "relying_party",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// The Chinese name shown in the interface.
    pub fn label_zh(self) -> &'static str {
        match self {
            Role::Applicant => "申请人",
            Role::OrgAdmin => "单位管理员",
            Role::Reviewer => "审核员",
            Role::AuthorityReviewer => "主管部门审核员",
            Role::CheckpointOfficer => "卡口执勤人员",
            Role::Supervisor => "监督人员",
            Role::SystemAdmin => "系统管理员",
            Role::RelyingParty => "核验单位",
        }
    }

    /// Staff roles may log in with a password on the desktop console.
    pub fn is_staff(self) -> bool {
        self != Role::Applicant
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One role over one organisation subtree, identified by the subtree's materialised path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grant {
    pub role: Role,
    pub org_id: i64,
    /// `/1/4/` for org 4 under org 1.
    pub org_path: String,
}

impl Grant {
    /// Whether the organisation at `target_path` lies in this grant's subtree.
    pub fn covers(&self, target_path: &str) -> bool {
        target_path.starts_with(&self.org_path)
    }
}

/// The materialised path of an organisation: its parent's path followed by its own id.
pub fn child_path(parent_path: &str, id: i64) -> String {
    if parent_path.is_empty() {
        format!("/{id}/")
    } else {
        format!("{parent_path}{id}/")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_round_trips_through_its_name() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("root"), None);
    }

    #[test]
    fn a_grant_covers_its_subtree_and_nothing_else() {
        let grant = Grant {
            role: Role::Supervisor,
            org_id: 4,
            org_path: child_path(&child_path("", 1), 4),
        };
        assert_eq!(grant.org_path, "/1/4/");
        assert!(grant.covers("/1/4/"));
        assert!(grant.covers("/1/4/9/"));
        assert!(!grant.covers("/1/"));
        assert!(!grant.covers("/1/40/"));
        assert!(!grant.covers("/2/4/"));
    }
}
