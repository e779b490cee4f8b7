//! How the inbox ranks: by priority first; then what is late; then what belongs to a
//! practice open now (its clock runs, its people can be reached); then the least time left
//! on its SLA, counted in its own practice's opening hours.

use crate::inbox::model::Ranked;
use crate::tasks::rules::Week;
use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime};
use std::cmp::Reverse;

/// Minutes left under which a row is "due soon" (highlighted).
pub const SOON_MINUTES: i64 = 30;

/// The order of two rows: the more urgent first.
pub fn rank_key(r: &Ranked) -> (Reverse<crate::tasks::model::Priority>, bool, bool, i64) {
    (
        Reverse(r.priority),
        r.minutes_left > 0,
        !r.open_now,
        r.minutes_left,
    )
}

/// Sorts the rows, most urgent first (ties keep their order).
pub fn rank(rows: &mut [Ranked]) {
    rows.sort_by_key(rank_key);
}

/// The first day after `today` on which the practice opens (the day after, when it gave no
/// opening hours or opens on none within a week).
pub fn next_open_day(week: &Week, today: NaiveDate) -> NaiveDate {
    today
        .iter_days()
        .skip(1)
        .take(7)
        .find(|d| !week[d.weekday().num_days_from_monday() as usize].is_empty())
        .unwrap_or_else(|| today.succ_opt().unwrap_or(today))
}

/// What an appointment needs of the person, if anything: one booked for the practice's next
/// open day is to be confirmed by whoever works the front desk (`desk`); a patient who
/// arrived today waits for the desk and for the clinician seeing them (`mine`).
pub fn visit_need(
    status: crate::calendar::model::Status,
    day: NaiveDate,
    today: NaiveDate,
    next_open: NaiveDate,
    desk: bool,
    mine: bool,
) -> Option<crate::inbox::model::Need> {
    use crate::calendar::model::Status;
    use crate::inbox::model::Need;
    match status {
        Status::Scheduled if desk && day == next_open => Some(Need::Confirm),
        Status::Arrived if (desk || mine) && day == today => Some(Need::Waiting),
        _ => None,
    }
}

/// When an appointment on `day` must be confirmed by: the last closing time of the days
/// before it (within a week), local time; the day's start when there is none.
pub fn confirm_by(week: &Week, day: NaiveDate) -> NaiveDateTime {
    let mut d = day;
    for _ in 0..7 {
        let Some(prev) = d.pred_opt() else { break };
        d = prev;
        let spans = &week[d.weekday().num_days_from_monday() as usize];
        if let Some(close) = spans.iter().map(|(_, c)| *c).max() {
            return d.and_time(close);
        }
    }
    day.and_time(NaiveTime::MIN)
}

/// A span of minutes in words: "25 min", "2 h", "2 h 10".
pub fn span_words(minutes: i64) -> String {
    match (minutes / 60, minutes % 60) {
        (0, m) => format!("{m} min"),
        (h, 0) => format!("{h} h"),
        (h, m) => format!("{h} h {m:02}"),
    }
}

/// Time left in words: "2 h 10 left", "25 min left", "15 min late".
pub fn left_words(minutes: i64) -> String {
    let span = span_words;
    if minutes < 0 {
        format!("{} late", span(-minutes))
    } else {
        format!("{} left", span(minutes))
    }
}

/// How a row's time left is marked: "late", "soon" (under [`SOON_MINUTES`]) or "".
pub fn urgency_class(minutes: i64) -> &'static str {
    match minutes {
        m if m <= 0 => "late",
        m if m <= SOON_MINUTES => "soon",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inbox::model::{Item, Need, Visit};
    use crate::model::{EntryId, PracticeId};
    use crate::tasks::model::Priority;
    use proptest::prelude::*;

    fn office() -> Week {
        let mut hours = crate::practices::rules::Hours::new();
        for d in ["mon", "tue", "wed", "thu", "fri"] {
            hours.insert(d.into(), vec![["08:00".into(), "17:00".into()]]);
        }
        crate::tasks::rules::week_of(&hours)
    }

    fn row(n: u128, priority: Priority, minutes_left: i64, open_now: bool) -> Ranked {
        Ranked {
            item: Item::Visit(Visit {
                practice: PracticeId(uuid::Uuid::from_u128(1)),
                practice_name: String::new(),
                entry: EntryId(uuid::Uuid::from_u128(n)),
                version: 1,
                patient: String::new(),
                provider: String::new(),
                start_local: NaiveDate::from_ymd_opt(2026, 12, 7)
                    .unwrap()
                    .and_hms_opt(9, 0, 0)
                    .unwrap(),
                need: Need::Confirm,
            }),
            priority,
            minutes_left,
            open_now,
        }
    }

    fn order(rows: &[Ranked]) -> Vec<u128> {
        rows.iter()
            .map(|r| match &r.item {
                Item::Visit(v) => v.entry.0.as_u128(),
                Item::Task(_) => 0,
            })
            .collect()
    }

    #[test]
    fn priority_then_lateness_then_open_practices_then_time_left() {
        let mut rows = vec![
            row(1, Priority::Routine, 10, true),
            row(2, Priority::Urgent, 300, false),
            row(3, Priority::Routine, -5, false),
            row(4, Priority::Routine, 5, false),
            row(5, Priority::Routine, 60, true),
            row(6, Priority::Emergency, 400, true),
        ];
        rank(&mut rows);
        // Emergency, urgent; then the routine ones: late, open practices by time left, closed.
        assert_eq!(order(&rows), vec![6, 2, 3, 1, 5, 4]);
    }

    proptest! {
        /// Whatever the rows, the ranked list never puts a lower priority above a higher one,
        /// nor, within a priority, a row on time above a late one.
        #[test]
        fn no_row_outranks_a_more_urgent_one(
            rows in prop::collection::vec((0usize..4, -500i64..500, any::<bool>()), 0..40)
        ) {
            let mut rows: Vec<Ranked> = rows
                .into_iter()
                .enumerate()
                .map(|(i, (p, m, o))| row(i as u128, Priority::ALL[p], m, o))
                .collect();
            rank(&mut rows);
            for w in rows.windows(2) {
                prop_assert!(w[0].priority >= w[1].priority);
                if w[0].priority == w[1].priority {
                    prop_assert!(!(w[0].minutes_left > 0 && w[1].minutes_left <= 0));
                }
            }
        }
    }

    #[test]
    fn appointments_are_confirmed_by_the_last_open_day_before() {
        let week = office();
        let friday = NaiveDate::from_ymd_opt(2026, 12, 4).unwrap();
        let monday = NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
        // On Friday, "tomorrow" for confirmations is Monday.
        assert_eq!(next_open_day(&week, friday), monday);
        assert_eq!(
            next_open_day(&week, monday),
            NaiveDate::from_ymd_opt(2026, 12, 8).unwrap()
        );
        // Monday's appointments are confirmed by Friday's closing.
        assert_eq!(confirm_by(&week, monday), friday.and_hms_opt(17, 0, 0).unwrap());
        // A practice with no hours: tomorrow, confirmed by midnight.
        let none: Week = Default::default();
        assert_eq!(next_open_day(&none, friday), friday.succ_opt().unwrap());
        assert_eq!(confirm_by(&none, monday), monday.and_hms_opt(0, 0, 0).unwrap());
    }

    #[test]
    fn appointments_need_the_desk_or_their_clinician() {
        use crate::calendar::model::Status;
        let today = NaiveDate::from_ymd_opt(2026, 12, 4).unwrap();
        let monday = NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
        let need = |s, day, desk, mine| visit_need(s, day, today, monday, desk, mine);
        assert_eq!(need(Status::Scheduled, monday, true, false), Some(Need::Confirm));
        // Confirming is the desk's; a later day is not yet due; confirmed is done.
        assert_eq!(need(Status::Scheduled, monday, false, true), None);
        assert_eq!(
            need(Status::Scheduled, monday.succ_opt().unwrap(), true, false),
            None
        );
        assert_eq!(need(Status::Confirmed, monday, true, false), None);
        // A patient waiting today: for the desk and for their clinician, not for others.
        assert_eq!(need(Status::Arrived, today, false, true), Some(Need::Waiting));
        assert_eq!(need(Status::Arrived, today, true, false), Some(Need::Waiting));
        assert_eq!(need(Status::Arrived, today, false, false), None);
        assert_eq!(need(Status::InRoom, today, true, true), None);
    }

    #[test]
    fn time_left_reads_as_words() {
        assert_eq!(left_words(25), "25 min left");
        assert_eq!(left_words(130), "2 h 10 left");
        assert_eq!(left_words(120), "2 h left");
        assert_eq!(left_words(-15), "15 min late");
        assert_eq!(urgency_class(-1), "late");
        assert_eq!(urgency_class(0), "late");
        assert_eq!(urgency_class(30), "soon");
        assert_eq!(urgency_class(31), "");
    }
}
