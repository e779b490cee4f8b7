//! Pure rules of the outbox: retry schedule and what a subject may be.

/// Attempts after which a message is given up (it stays in the outbox, marked failed).
pub const MAX_ATTEMPTS: i32 = 12;

/// Seconds to wait before attempt `attempts + 1`, after `attempts` failures: 30 s doubling,
/// capped at an hour.
pub fn retry_delay_seconds(attempts: i32) -> i64 {
    let exp = attempts.clamp(1, 16) - 1;
    (30_i64 << exp).min(3600)
}

/// Subjects are fixed phrases chosen by code ("Your appointment is confirmed"), never
/// built from patient data. This refuses what cannot be a plain one-line subject.
pub fn subject_problem(subject: &str) -> Option<&'static str> {
    if subject.trim().is_empty() {
        Some("A subject is required.")
    } else if subject.contains(['\r', '\n']) {
        Some("A subject is one line.")
    } else if subject.chars().count() > 120 {
        Some("A subject is at most 120 characters.")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_and_cap_at_an_hour() {
        assert_eq!(retry_delay_seconds(1), 30);
        assert_eq!(retry_delay_seconds(2), 60);
        assert_eq!(retry_delay_seconds(3), 120);
        assert_eq!(retry_delay_seconds(8), 3600);
        assert_eq!(retry_delay_seconds(MAX_ATTEMPTS), 3600);
        let mut last = 0;
        for n in 1..=MAX_ATTEMPTS {
            assert!(retry_delay_seconds(n) >= last);
            last = retry_delay_seconds(n);
        }
    }

    #[test]
    fn subjects_are_single_short_lines() {
        assert_eq!(subject_problem("You're invited to Switchboard"), None);
        assert!(subject_problem("").is_some());
        assert!(subject_problem("a\r\nBcc: x@y.z").is_some());
        assert!(subject_problem(&"x".repeat(121)).is_some());
    }
}
