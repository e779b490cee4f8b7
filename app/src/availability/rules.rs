//! What the top bar shows for a person's availability across their practices.

use crate::availability::model::{Availability, InPractice};
use crate::model::PracticeId;

/// The state the one control shows: the current practice's, or, outside a practice, the
/// one all practices share (`None` when they differ).
pub fn shown(all: &[InPractice], here: Option<PracticeId>) -> Option<Availability> {
    if let Some(p) = here.and_then(|h| all.iter().find(|a| a.practice == h)) {
        return Some(p.now);
    }
    let first = all.first()?.now;
    all.iter().all(|a| a.now == first).then_some(first)
}

/// How long a page may go without keys or pointer before it counts as idle (its person
/// shows as away once every page of theirs is): five minutes, or half the idle sign-out if
/// that comes sooner.
pub fn away_after_seconds(idle_timeout_seconds: i32) -> i32 {
    (idle_timeout_seconds / 2).clamp(1, 300)
}

/// Whether some practice differs from the others (the control then says so).
pub fn mixed(all: &[InPractice]) -> bool {
    all.windows(2).any(|w| w[0].now != w[1].now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn at(practice: PracticeId, now: Availability) -> InPractice {
        InPractice {
            practice,
            chosen: now,
            now,
        }
    }

    #[test]
    fn the_control_shows_the_practice_at_hand_or_what_all_share() {
        let (a, b) = (PracticeId(Uuid::new_v4()), PracticeId(Uuid::new_v4()));
        let same = [at(a, Availability::Busy), at(b, Availability::Busy)];
        assert_eq!(shown(&same, None), Some(Availability::Busy));
        assert!(!mixed(&same));
        let differ = [at(a, Availability::Available), at(b, Availability::Off)];
        assert_eq!(shown(&differ, Some(b)), Some(Availability::Off));
        assert_eq!(shown(&differ, None), None);
        assert!(mixed(&differ));
        assert_eq!(shown(&[], Some(a)), None);
    }

    #[test]
    fn a_quiet_page_is_idle_after_five_minutes_or_before_the_idle_sign_out() {
        assert_eq!(away_after_seconds(15 * 60), 300);
        assert_eq!(away_after_seconds(6 * 60), 180, "half of a short sign-out");
        assert_eq!(away_after_seconds(0), 1);
    }

    #[test]
    fn states_read_back_as_written() {
        for a in Availability::ALL {
            assert_eq!(Availability::parse(a.as_str()), Some(a));
        }
        assert_eq!(Availability::parse("asleep"), None);
    }
}
