//! Pure rules of the audit viewer.

use crate::error::AppError;
use chrono::NaiveDate;

/// An optional `YYYY-MM-DD` from a date input.
pub fn parse_day(input: Option<&str>) -> Result<Option<NaiveDate>, AppError> {
    match input.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| AppError::invalid("Dates are written YYYY-MM-DD.")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    }
}
