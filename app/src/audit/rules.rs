//! Pure rules of the audit viewer.

use crate::error::AppError;
use chrono::NaiveDate;

/// Every action the log records, in the words the access log shows (the filter lists them).
pub const ACTIONS: &[(&str, &str)] = &[
    ("calendar.view", "Viewed the calendar"),
    ("patient.search", "Searched for patients"),
    ("patient.create", "Added a patient"),
    ("appointment.book", "Booked"),
    ("appointment.move", "Moved"),
    ("appointment.status", "Changed an appointment's status"),
    ("appointment.rule", "Changed a repeat rule"),
    ("appointment.link_view", "Patient opened their appointment link"),
    ("appointment.patient_answer", "Patient answered"),
    ("calendar.call_backs", "Viewed the call-back list"),
    ("calendar.call_back_done", "Marked a call-back done"),
    ("calendar.out_plan", "Looked at appointments an absence affects"),
    ("calendar.out_apply", "Moved or cancelled for an absence"),
    ("calendar.exception_withdraw", "Withdrew an absence"),
    ("calendar.feed_read", "Calendar feed read"),
    ("calendar.feed_create", "Made a calendar feed"),
    ("calendar.feed_revoke", "Revoked a calendar feed"),
    ("calendar.feed_names", "Changed names in calendar feeds"),
    ("waitlist.view", "Viewed the waitlist"),
    ("waitlist.add", "Put on the waitlist"),
    ("waitlist.remove", "Took off the waitlist"),
    ("waitlist.offer", "Offered a slot by e-mail"),
    ("waitlist.offer_view", "Patient opened a slot offer"),
    ("waitlist.claim", "Patient took an offered slot"),
    ("audit.read", "Read the access log"),
    ("mail.read_outbox", "Read the mail outbox"),
    ("invitation.create", "Invited someone"),
    ("invitation.accept", "Accepted an invitation"),
    ("member.assign", "Gave someone a role"),
    ("member.role", "Changed someone's role"),
    ("member.remove", "Removed someone"),
    ("practice.create", "Created the practice"),
    ("practice.settings", "Changed the practice's settings"),
    ("auth.login", "Signed in"),
    ("auth.logout", "Signed out"),
    ("auth.mfa_enabled", "Turned on two-factor sign-in"),
    ("auth.mfa_disabled", "Turned off two-factor sign-in"),
    ("auth.password_reset", "Set a new password"),
    ("auth.reset_requested", "A password reset was asked for"),
    ("auth.recovery_code_used", "Signed in with a recovery code"),
];

/// An action in words. A status change says from what to what ("Cancelled (was
/// Confirmed)"); an action this version does not know shows as recorded.
pub fn describe(action: &str, detail: &serde_json::Value) -> String {
    if action == "appointment.status" {
        let word = |k: &str| detail.get(k).and_then(|v| v.as_str()).map(status_word);
        if let (Some(from), Some(to)) = (word("from"), word("to")) {
            return format!("{to} (was {from})");
        }
    }
    ACTIONS
        .iter()
        .find(|(a, _)| *a == action)
        .map_or_else(|| action.to_string(), |(_, words)| (*words).to_string())
}

/// `no_show` → "No show".
fn status_word(s: &str) -> String {
    let spaced = s.replace('_', " ");
    let mut chars = spaced.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// An optional id from a filter's list (a person, a patient).
pub fn parse_id<T: std::str::FromStr>(input: Option<&str>, problem: &str) -> Result<Option<T>, AppError> {
    match input.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => s.parse().map(Some).map_err(|_| AppError::invalid(problem)),
    }
}

/// An action the filter may ask for: one of [`ACTIONS`].
pub fn known_action(input: Option<&str>) -> Result<Option<&'static str>, AppError> {
    match input.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(a) => ACTIONS
            .iter()
            .find(|(k, _)| *k == a)
            .map(|(k, _)| Some(*k))
            .ok_or_else(|| AppError::invalid("Choose an action from the list.")),
    }
}

/// An optional `YYYY-MM-DD` from a date input, inside the years every date of the product
/// keeps to (`model::dates::YEARS`).
pub fn parse_day(input: Option<&str>) -> Result<Option<NaiveDate>, AppError> {
    match input.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => {
            let day = NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map_err(|_| AppError::invalid("Dates are written YYYY-MM-DD."))?;
            crate::model::dates::dates_in_range(&[day]).map_err(AppError::Invalid)?;
            Ok(Some(day))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn actions_read_as_words_and_status_changes_say_from_what() {
        assert_eq!(describe("appointment.book", &json!({})), "Booked");
        assert_eq!(
            describe(
                "appointment.status",
                &json!({ "from": "confirmed", "to": "cancelled" })
            ),
            "Cancelled (was Confirmed)"
        );
        assert_eq!(
            describe(
                "appointment.status",
                &json!({ "from": "arrived", "to": "no_show" })
            ),
            "No show (was Arrived)"
        );
        assert_eq!(
            describe("appointment.status", &json!({})),
            "Changed an appointment's status"
        );
        assert_eq!(describe("something.new", &json!({})), "something.new");
        assert_eq!(
            known_action(Some(" appointment.move ")),
            Ok(Some("appointment.move"))
        );
        assert_eq!(known_action(Some("")), Ok(None));
        assert!(known_action(Some("DROP TABLE")).is_err());
    }

    #[test]
    fn days_parse_or_explain() {
        assert_eq!(parse_day(None), Ok(None));
        assert_eq!(parse_day(Some(" ")), Ok(None));
        assert_eq!(
            parse_day(Some("2026-03-08")),
            Ok(NaiveDate::from_ymd_opt(2026, 3, 8))
        );
        assert!(parse_day(Some("03/08/2026")).is_err());
        assert!(parse_day(Some("2026-02-30")).is_err());
        assert!(
            parse_day(Some("9999-01-01")).is_err(),
            "outside the years dates keep to"
        );
        assert!(parse_day(Some("+262142-01-01")).is_err());
    }
}
