//! Pure rules of the outbox: retry schedule and what a subject may be.

/// Days a sent message's body is kept (the agency's "Sent mail" page shows it meanwhile).
pub const SENT_BODIES_KEPT_DAYS: i32 = 30;

/// Attempts after which a message is given up (it stays in the outbox, marked failed).
pub const MAX_ATTEMPTS: i32 = 12;

/// Seconds to wait before attempt `attempts + 1`, after `attempts` failures: 30 s doubling,
/// capped at an hour.
pub fn retry_delay_seconds(attempts: i32) -> i64 {
    let exp = attempts.clamp(1, 16) - 1;
    (30_i64 << exp).min(3600)
}

/// How an attempt to hand a message to the mail server ended, as far as what to do next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    /// The server refused it for good (5xx; 0: we could not even write it): given up at once.
    Permanent(u16),
    /// The server refused it for now (4xx): tried again after the message's back-off.
    Temporary(u16),
    /// The server was not reached (connection, TLS, time-out): the worker waits and tries
    /// again; the message keeps its attempts.
    Unreachable,
}

impl Failure {
    /// What the outbox keeps and the "Sent mail" page shows: our words and the reply code,
    /// never the server's text (which names recipients).
    pub fn describe(self) -> String {
        match self {
            Failure::Permanent(0) => "the address or the message could not be written; not sent".to_string(),
            Failure::Permanent(code) => format!("refused by the mail server ({code}); not retried"),
            Failure::Temporary(code) => format!("deferred by the mail server ({code})"),
            Failure::Unreachable => "the mail server could not be reached".to_string(),
        }
    }
}

/// What the worker waits after finding the mail server unreachable `times` in a row: 2 s
/// doubling to 15 s, so mail leaves within seconds of the server coming back.
pub fn outage_wait_seconds(times: u32) -> u64 {
    (2u64 << times.saturating_sub(1).min(3)).min(15)
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
    fn failures_are_described_without_the_servers_words() {
        assert_eq!(
            Failure::Permanent(550).describe(),
            "refused by the mail server (550); not retried"
        );
        assert!(Failure::Temporary(451).describe().contains("451"));
        assert!(Failure::Permanent(0).describe().contains("could not be written"));
        assert_eq!(outage_wait_seconds(1), 2);
        assert_eq!(outage_wait_seconds(2), 4);
        assert_eq!(outage_wait_seconds(3), 8);
        assert_eq!(outage_wait_seconds(4), 15);
        assert_eq!(outage_wait_seconds(40), 15);
    }

    #[test]
    fn subjects_are_single_short_lines() {
        assert_eq!(subject_problem("You're invited to Switchboard"), None);
        assert!(subject_problem("").is_some());
        assert!(subject_problem("a\r\nBcc: x@y.z").is_some());
        assert!(subject_problem(&"x".repeat(121)).is_some());
    }
}
