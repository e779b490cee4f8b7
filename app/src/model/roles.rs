//! Roles a person holds in a practice.

use serde::{Deserialize, Serialize};

/// A person's role within one practice. Agency admins are a separate, global flag.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ssr", derive(sqlx::Type))]
#[cfg_attr(feature = "ssr", sqlx(type_name = "member_role", rename_all = "snake_case"))]
pub enum Role {
    Assistant,
    Clinician,
    PracticeAdmin,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Assistant, Role::Clinician, Role::PracticeAdmin];

    pub fn label(self) -> &'static str {
        match self {
            Role::Assistant => "Assistant",
            Role::Clinician => "Clinician",
            Role::PracticeAdmin => "Practice admin",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Assistant => "assistant",
            Role::Clinician => "clinician",
            Role::PracticeAdmin => "practice_admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_parses_back_from_its_name() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("agency_admin"), None);
    }
}
