//! Practices' shared types: what the workspace, the Admin pages and invitations show.

use crate::model::{PracticeId, Role, UserId};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StaffMember {
    pub id: UserId,
    pub display_name: String,
    pub email: String,
    pub role: Role,
}

/// What the practice's front page shows an assistant: its script, its rules, its people.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PracticeInfo {
    pub id: PracticeId,
    pub name: String,
    pub time_zone: String,
    pub phone_script: String,
    pub emergency_rules: String,
    pub idle_logout_minutes: i32,
    pub staff: Vec<StaffMember>,
}

/// What an invitation link offers, shown before the person sets a password.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InvitationInfo {
    pub practice_name: String,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub has_account: bool,
}

/// The practice's settings as its admins edit them: the form's own text, checked on save by
/// [`crate::practices::rules::check_settings`]. Opening hours are one field per weekday.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PracticeSettings {
    pub name: String,
    pub time_zone: String,
    pub phone_script: String,
    pub emergency_rules: String,
    pub idle_logout_minutes: String,
    /// Hours before an appointment at which patients are reminded by e-mail ("48, 2").
    #[serde(default)]
    pub reminder_hours: String,
    /// A checkbox: present ("on") when ticked.
    #[serde(default)]
    pub require_admin_mfa: Option<String>,
    #[serde(default)]
    pub mon: String,
    #[serde(default)]
    pub tue: String,
    #[serde(default)]
    pub wed: String,
    #[serde(default)]
    pub thu: String,
    #[serde(default)]
    pub fri: String,
    #[serde(default)]
    pub sat: String,
    #[serde(default)]
    pub sun: String,
}
