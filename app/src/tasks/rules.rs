//! Pure rules of tasks: which status a change leads to, when a task is due by its practice's
//! opening hours (the SLA clock), and checks of what people type.

use crate::calendar::rules::local_to_utc;
use crate::tasks::model::{Act, Priority, Status};
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc};

/// Who works the queues: takes tasks and hands them on.
pub const DESK: [crate::model::Role; 2] = [crate::model::Role::Assistant, crate::model::Role::PracticeAdmin];

/// Where `act` takes a task in `status`, or why it cannot.
pub fn next_status(status: Status, act: &Act) -> Result<Status, &'static str> {
    use Status::*;
    match (act, status) {
        (Act::Wait { .. }, New | InProgress | Waiting) => Ok(Waiting),
        (Act::Resume, Waiting) => Ok(InProgress),
        (Act::Done, New | InProgress | Waiting) => Ok(Done),
        (Act::Cancel { .. }, New | InProgress | Waiting) => Ok(Cancelled),
        (Act::Reopen, Done | Cancelled) => Ok(InProgress),
        (Act::Release, InProgress | Waiting) => Ok(New),
        (Act::Reopen, _) => Err("Only a done or cancelled task can be reopened."),
        (_, Done | Cancelled) => Err("This task is closed: reopen it first."),
        (Act::Resume, _) => Err("Only a waiting task can be resumed."),
        (Act::Release, _) => Err("This task is already the queue's."),
    }
}

/// A practice's opening hours by weekday (Monday 0): each a list of local `[open, close)`.
pub type Week = [Vec<(NaiveTime, NaiveTime)>; 7];

/// The week of a practice's stored opening hours ("mon" → [["08:00", "17:00"]]); spans that
/// cannot be read are left out. "24:00" closes at midnight.
pub fn week_of(hours: &crate::practices::rules::Hours) -> Week {
    const KEYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    let time = |t: &str| match t {
        "24:00" => NaiveTime::from_hms_opt(23, 59, 59),
        _ => NaiveTime::parse_from_str(t, "%H:%M").ok(),
    };
    KEYS.map(|k| {
        hours
            .get(k)
            .map(|spans| {
                spans
                    .iter()
                    .filter_map(|[o, c]| Some((time(o)?, time(c)?)))
                    .filter(|(o, c)| o < c)
                    .collect()
            })
            .unwrap_or_default()
    })
}

/// When a task made at `start` with an SLA of `minutes` is due: that many minutes of the
/// practice's opening hours later, in its zone (a closed day or night does not count, and
/// a day that changes its clocks is as long as it is). An emergency's clock never stops,
/// nor does the clock of a practice that gave no opening hours.
pub fn due_at<Z: TimeZone>(
    tz: &Z,
    week: &Week,
    start: DateTime<Utc>,
    minutes: i64,
    priority: Priority,
) -> DateTime<Utc> {
    let wall = start + Duration::minutes(minutes);
    if priority == Priority::Emergency || week.iter().all(Vec::is_empty) {
        return wall;
    }
    let mut left = Duration::minutes(minutes);
    let first: NaiveDate = start.with_timezone(tz).date_naive();
    // Far enough for a month's SLA in a practice open one hour a week.
    for day in first.iter_days().take(366 * 2) {
        let spans = &week[day.weekday().num_days_from_monday() as usize];
        for (open, close) in spans {
            let from = local_to_utc(tz, day.and_time(*open)).max(start);
            let until = local_to_utc(tz, day.and_time(*close));
            if until <= from {
                continue;
            }
            if until - from >= left {
                return from + left;
            }
            left -= until - from;
        }
    }
    wall
}

/// Minutes of the practice's opening hours from `from` to `to` (negative when `to` is
/// earlier): the time an SLA has left, or how late it is. An emergency, or a practice that
/// gave no opening hours, counts every minute.
pub fn open_minutes<Z: TimeZone>(
    tz: &Z,
    week: &Week,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    priority: Priority,
) -> i64 {
    if to < from {
        return -open_minutes(tz, week, to, from, priority);
    }
    if priority == Priority::Emergency || week.iter().all(Vec::is_empty) {
        return (to - from).num_minutes();
    }
    let mut open = Duration::zero();
    let first: NaiveDate = from.with_timezone(tz).date_naive();
    let last: NaiveDate = to.with_timezone(tz).date_naive();
    for day in first.iter_days().take(366 * 2).take_while(|d| *d <= last) {
        for (o, c) in &week[day.weekday().num_days_from_monday() as usize] {
            let start = local_to_utc(tz, day.and_time(*o)).max(from);
            let end = local_to_utc(tz, day.and_time(*c)).min(to);
            if end > start {
                open += end - start;
            }
        }
    }
    open.num_minutes()
}

/// Whether the practice is open at `at`.
pub fn open_at<Z: TimeZone>(tz: &Z, week: &Week, at: DateTime<Utc>) -> bool {
    let local = at.with_timezone(tz).naive_local();
    week[local.weekday().num_days_from_monday() as usize]
        .iter()
        .any(|(o, c)| *o <= local.time() && local.time() < *c)
}

/// The word a change is recorded under in a task's history.
pub fn act_key(act: &Act) -> &'static str {
    match act {
        Act::Wait { .. } => "wait",
        Act::Resume => "resume",
        Act::Done => "done",
        Act::Cancel { .. } => "cancel",
        Act::Reopen => "reopen",
        Act::Release => "release",
    }
}

/// A history entry in words, from its kind and the fields recorded with it.
pub fn describe(kind: &str, detail: &serde_json::Value) -> String {
    let field = |k: &str| detail.get(k).and_then(|v| v.as_str()).unwrap_or_default();
    match kind {
        "created" => "Made the task".into(),
        "taken" => "Took it".into(),
        "assigned" => match field("to") {
            "" => "Gave it back to the queue".into(),
            name => format!("Gave it to {name}"),
        },
        "status" => match field("act") {
            "wait" => match crate::tasks::model::WaitingOn::from_key(field("on")) {
                Some(on) => format!("Waiting on {}", on.label()),
                None => "Waiting".into(),
            },
            "resume" => "Back at work on it".into(),
            "done" => "Marked it done".into(),
            "cancel" => "Cancelled it".into(),
            "reopen" => "Reopened it".into(),
            "release" => "Gave it back to the queue".into(),
            _ => "Changed its status".into(),
        },
        "follow_up" => "Its follow-up time came: back at work".into(),
        "escalated" => "Past its due time: told the practice".into(),
        "comment" => "Commented".into(),
        "step" => {
            let done = detail.get("done").and_then(|v| v.as_bool()).unwrap_or(false);
            format!("{} “{}”", if done { "Ticked" } else { "Unticked" }, field("step"))
        }
        _ => "Changed it".into(),
    }
}

/// A task's title as saved: trimmed, 1 to 200 characters.
pub fn check_title(title: &str) -> Result<String, &'static str> {
    let title = title.trim();
    match title.chars().count() {
        0 => Err("Give the task a title."),
        1..=200 => Ok(title.to_string()),
        _ => Err("A title is at most 200 characters; put the rest in the details."),
    }
}

/// A comment as saved: trimmed, 1 to 5000 characters.
pub fn check_comment(text: &str) -> Result<String, &'static str> {
    let text = text.trim();
    match text.chars().count() {
        0 => Err("Write the comment first."),
        1..=5000 => Ok(text.to_string()),
        _ => Err("A comment is at most 5000 characters."),
    }
}

/// Names mentioned in a comment with "@" among `people` (each `(id, name)`); a name is
/// matched whole, first name alone or full name, without regard to case.
pub fn mentions<Id: Copy + PartialEq>(text: &str, people: &[(Id, String)]) -> Vec<Id> {
    let lower = text.to_lowercase();
    let mut out: Vec<Id> = Vec::new();
    for (at, _) in lower.match_indices('@') {
        let rest = &lower[at + 1..];
        // The longest name that the text after "@" starts with, ending at a word's end.
        let hit = people
            .iter()
            .flat_map(|(id, name)| {
                let full = name.to_lowercase();
                let first = full.split_whitespace().next().unwrap_or_default().to_string();
                [(*id, full), (*id, first)]
            })
            .filter(|(_, n)| !n.is_empty() && rest.starts_with(n.as_str()))
            .filter(|(_, n)| !rest[n.len()..].starts_with(|c: char| c.is_alphanumeric()))
            .max_by_key(|(_, n)| n.len());
        if let Some((id, _)) = hit {
            if !out.contains(&id) {
                out.push(id);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tasks::model::WaitingOn;
    use chrono_tz::Tz;
    use proptest::prelude::*;

    fn office() -> Week {
        let mut hours = crate::practices::rules::Hours::new();
        for d in ["mon", "tue", "wed", "thu", "fri"] {
            hours.insert(
                d.into(),
                vec![["08:00".into(), "12:00".into()], ["13:00".into(), "17:00".into()]],
            );
        }
        week_of(&hours)
    }

    fn at(tz: &Tz, s: &str) -> DateTime<Utc> {
        let local = chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap();
        tz.from_local_datetime(&local)
            .earliest()
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn a_change_goes_only_where_it_may() {
        let wait = Act::Wait {
            on: WaitingOn::Insurer,
            follow_up: None,
        };
        assert_eq!(next_status(Status::New, &wait), Ok(Status::Waiting));
        assert_eq!(next_status(Status::Waiting, &Act::Resume), Ok(Status::InProgress));
        assert_eq!(next_status(Status::InProgress, &Act::Done), Ok(Status::Done));
        assert_eq!(next_status(Status::Done, &Act::Reopen), Ok(Status::InProgress));
        assert_eq!(next_status(Status::InProgress, &Act::Release), Ok(Status::New));
        // Done is left only by reopening it.
        assert!(next_status(Status::Done, &Act::Resume).is_err());
        assert!(next_status(Status::Done, &wait).is_err());
        assert!(next_status(Status::Cancelled, &Act::Done).is_err());
        assert!(next_status(Status::InProgress, &Act::Reopen).is_err());
        assert!(next_status(Status::New, &Act::Release).is_err());
    }

    #[test]
    fn the_sla_clock_runs_in_opening_hours_only() {
        let tz: Tz = "America/New_York".parse().unwrap();
        let week = office();
        // Friday 16:00 with two hours to go: one hour on Friday, one on Monday morning.
        let due = due_at(&tz, &week, at(&tz, "2026-12-04 16:00"), 120, Priority::Soon);
        assert_eq!(due, at(&tz, "2026-12-07 09:00"));
        // Lunch does not count.
        let due = due_at(&tz, &week, at(&tz, "2026-12-07 11:30"), 60, Priority::Routine);
        assert_eq!(due, at(&tz, "2026-12-07 13:30"));
        // Made at night: the clock starts at opening.
        let due = due_at(&tz, &week, at(&tz, "2026-12-07 22:00"), 30, Priority::Routine);
        assert_eq!(due, at(&tz, "2026-12-08 08:30"));
        // An emergency runs on the wall clock.
        let start = at(&tz, "2026-12-05 03:00");
        assert_eq!(
            due_at(&tz, &week, start, 30, Priority::Emergency),
            start + Duration::minutes(30)
        );
        // No opening hours: the wall clock.
        let none: Week = Default::default();
        assert_eq!(
            due_at(&tz, &none, start, 30, Priority::Routine),
            start + Duration::minutes(30)
        );
    }

    #[test]
    fn the_sla_clock_keeps_local_hours_across_a_change_of_clocks() {
        // Sunday 8 March 2026 New York springs forward; Friday 16:00 + 2 h is Monday 09:00
        // local, which is 13:00 UTC now, 14:00 UTC before.
        let tz: Tz = "America/New_York".parse().unwrap();
        let due = due_at(&tz, &office(), at(&tz, "2026-03-06 16:00"), 120, Priority::Soon);
        assert_eq!(due, at(&tz, "2026-03-09 09:00"));
        assert_eq!(due.format("%H:%M").to_string(), "13:00");
        // A practice open around the clock on a day of change: 2026-10-25 in Berlin is 25 h.
        let berlin: Tz = "Europe/Berlin".parse().unwrap();
        let mut hours = crate::practices::rules::Hours::new();
        hours.insert("sun".into(), vec![["00:00".into(), "24:00".into()]]);
        let sunday = week_of(&hours);
        let start = at(&berlin, "2026-10-25 00:00");
        let due = due_at(&berlin, &sunday, start, 24 * 60, Priority::Routine);
        assert_eq!(due - start, Duration::hours(24));
        assert_eq!(due.with_timezone(&berlin).format("%H:%M").to_string(), "23:00");
    }

    proptest! {
        /// However it starts, a task is due inside opening hours (or at a closing time), the
        /// SLA's minutes of them later, and a longer SLA is never due sooner.
        #[test]
        fn due_times_lie_in_opening_hours(
            zone in prop::sample::select(vec!["America/New_York", "Europe/London", "Australia/Sydney", "Asia/Kolkata"]),
            start_min in 0i64..(60 * 24 * 400),
            minutes in 5i64..(60 * 24 * 5),
        ) {
            let tz: Tz = zone.parse().unwrap();
            let week = office();
            let start = at(&tz, "2026-01-01 00:00") + Duration::minutes(start_min);
            let due = due_at(&tz, &week, start, minutes, Priority::Routine);
            prop_assert!(due > start);
            let just_before = due - Duration::seconds(1);
            prop_assert!(open_at(&tz, &week, just_before), "{zone} {start} +{minutes} → {due}");
            let later = due_at(&tz, &week, start, minutes + 5, Priority::Routine);
            prop_assert!(later > due);
            // The open minutes between start and due are the SLA's.
            let mut open = 0i64;
            let mut t = start;
            while t < due {
                if open_at(&tz, &week, t) {
                    open += 1;
                }
                t += Duration::minutes(1);
            }
            prop_assert!((open - minutes).abs() <= 1, "{open} open minutes for {minutes}");
        }
    }

    #[test]
    fn time_left_counts_opening_hours_only() {
        let tz: Tz = "America/New_York".parse().unwrap();
        let week = office();
        // Friday 16:30 to Monday 09:00: half an hour on Friday, an hour on Monday.
        let (fri, mon) = (at(&tz, "2026-12-04 16:30"), at(&tz, "2026-12-07 09:00"));
        assert_eq!(open_minutes(&tz, &week, fri, mon, Priority::Routine), 90);
        assert_eq!(open_minutes(&tz, &week, mon, fri, Priority::Routine), -90);
        // An emergency's clock is the wall's.
        assert_eq!(
            open_minutes(&tz, &week, fri, mon, Priority::Emergency),
            (mon - fri).num_minutes()
        );
        // Over lunch: one hour of the two.
        let (a, b) = (at(&tz, "2026-12-07 11:30"), at(&tz, "2026-12-07 13:30"));
        assert_eq!(open_minutes(&tz, &week, a, b, Priority::Soon), 60);
    }

    proptest! {
        /// The time left from the moment a task is made until it is due is its SLA.
        #[test]
        fn time_left_at_the_start_is_the_sla(
            zone in prop::sample::select(vec!["America/Los_Angeles", "Europe/Berlin", "Pacific/Auckland"]),
            start_min in 0i64..(60 * 24 * 400),
            minutes in 5i64..(60 * 24 * 10),
        ) {
            let tz: Tz = zone.parse().unwrap();
            let week = office();
            let start = at(&tz, "2026-01-01 00:00") + Duration::minutes(start_min);
            let due = due_at(&tz, &week, start, minutes, Priority::Routine);
            let left = open_minutes(&tz, &week, start, due, Priority::Routine);
            prop_assert!((left - minutes).abs() <= 1, "{zone} {start}: {left} left of {minutes}");
        }
    }

    #[test]
    fn titles_and_comments_are_checked() {
        assert_eq!(
            check_title("  Call back about results "),
            Ok("Call back about results".into())
        );
        assert!(check_title("   ").is_err());
        assert!(check_title(&"x".repeat(201)).is_err());
        assert!(check_comment("").is_err());
    }

    #[test]
    fn mentions_find_people_by_first_or_full_name() {
        let people = vec![
            (1, "Helen Park".to_string()),
            (2, "Helena Ruiz".to_string()),
            (3, "Maya Okafor".to_string()),
        ];
        assert_eq!(
            mentions("@helen can you sign? cc @Maya Okafor", &people),
            vec![1, 3]
        );
        assert_eq!(mentions("@Helena please", &people), vec![2]);
        assert_eq!(mentions("mail me at x@example.test", &people), Vec::<i32>::new());
        assert_eq!(mentions("@Helen Park and @helen again", &people), vec![1]);
    }
}
