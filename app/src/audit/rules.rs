//! Pure rules of the audit viewer.

use crate::audit::model::Action;
use crate::error::AppError;
use chrono::NaiveDate;

/// An action in words. A status change says from what to what ("Cancelled (was
/// Confirmed)"); an action this version does not know shows as recorded.
pub fn describe(action: &str, detail: &serde_json::Value) -> String {
    match Action::parse(action) {
        Some(Action::AppointmentStatus) => {
            let word = |k: &str| detail.get(k).and_then(|v| v.as_str()).map(status_word);
            match (word("from"), word("to")) {
                (Some(from), Some(to)) => format!("{to} (was {from})"),
                _ => Action::AppointmentStatus.words().to_owned(),
            }
        }
        Some(known) => known.words().to_owned(),
        None => action.to_owned(),
    }
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

/// An action the filter may ask for, by its stored name.
pub fn known_action(input: Option<&str>) -> Result<Option<Action>, AppError> {
    match input.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(a) => Action::parse(a)
            .map(Some)
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
            Ok(Some(Action::AppointmentMove))
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
