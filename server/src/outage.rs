//! Failing fast while the database is unreachable. Each request would otherwise wait out
//! the pool's 5 s before it could say so; once one request has found the database gone,
//! the others are answered at once, and one request at a time tries again every few
//! seconds, so that service resumes within a few seconds of the database coming back.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long after a failed try requests are answered without trying.
pub const WINDOW: Duration = Duration::from_secs(3);

/// What a request should do.
#[derive(Debug, PartialEq, Eq)]
pub enum Turn {
    /// Use the database.
    Try,
    /// During an outage, this request's turn to see whether the database is back.
    Probe,
    /// Say at once that it cannot be reached.
    AnswerAtOnce,
}

/// The node's view of the database: when a try last failed (or began, while it is still
/// trying), or none while it answers.
#[derive(Clone, Default)]
pub struct Outage(Arc<Mutex<Option<Instant>>>);

impl Outage {
    /// Whether this request may use the database now. Taking the probe during an outage
    /// marks it, so that the requests behind it are answered at once instead of trying too.
    pub fn turn(&self, now: Instant) -> Turn {
        let Ok(mut last) = self.0.lock() else {
            return Turn::Try;
        };
        let turn = decide(*last, now);
        if turn == Turn::Probe {
            *last = Some(now);
        }
        turn
    }

    /// A try found the database unreachable.
    pub fn failed(&self, now: Instant) {
        if let Ok(mut last) = self.0.lock() {
            *last = Some(now);
        }
    }

    /// The database answered.
    pub fn answered(&self) {
        if let Ok(mut last) = self.0.lock() {
            *last = None;
        }
    }
}

/// Try when no outage is known; during one, answer at once unless the last try failed (or
/// began) [`WINDOW`] ago or more, then probe.
pub fn decide(last_failure: Option<Instant>, now: Instant) -> Turn {
    match last_failure {
        None => Turn::Try,
        Some(at) if now.saturating_duration_since(at) < WINDOW => Turn::AnswerAtOnce,
        Some(_) => Turn::Probe,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn after_a_failure_requests_are_answered_at_once_and_one_tries_again_later() {
        let outage = Outage::default();
        let t0 = Instant::now();
        assert_eq!(outage.turn(t0), Turn::Try, "no outage known: use the database");
        outage.failed(t0 + Duration::from_secs(5));
        let soon = t0 + Duration::from_secs(6);
        assert_eq!(outage.turn(soon), Turn::AnswerAtOnce);
        assert_eq!(outage.turn(soon + Duration::from_millis(500)), Turn::AnswerAtOnce);
        // After the window one request probes; those right behind it do not.
        let later = t0 + Duration::from_secs(5) + WINDOW;
        assert_eq!(outage.turn(later), Turn::Probe);
        assert_eq!(outage.turn(later + Duration::from_millis(10)), Turn::AnswerAtOnce);
        // It got through: everyone uses the database again.
        outage.answered();
        assert_eq!(outage.turn(later + Duration::from_millis(20)), Turn::Try);
        assert_eq!(outage.turn(later + Duration::from_millis(30)), Turn::Try);
    }
}
