//! Dates and times as the calendar writes and reads them. Hand-written rather than chrono's
//! `format`/`parse_from_str`: those pull chrono's whole strftime machinery into the browser's
//! WASM for a handful of fixed patterns.

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, Timelike};

const DAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];
const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

fn weekday(d: NaiveDate) -> &'static str {
    DAYS[d.weekday().num_days_from_monday() as usize]
}

fn month(d: NaiveDate) -> &'static str {
    MONTHS[d.month0() as usize]
}

/// "09:05".
pub fn hm(t: NaiveTime) -> String {
    format!("{:02}:{:02}", t.hour(), t.minute())
}

/// "Tue 1 Dec".
pub fn day_short(d: NaiveDate) -> String {
    format!("{} {} {}", &weekday(d)[..3], d.day(), &month(d)[..3])
}

/// "Tue 1 Dec 09:05".
pub fn when_short(t: NaiveDateTime) -> String {
    format!("{} {}", day_short(t.date()), hm(t.time()))
}

/// "Tuesday 1 December 2026".
pub fn day_long(d: NaiveDate) -> String {
    format!("{} {} {} {}", weekday(d), d.day(), month(d), d.year())
}

/// "1 December 2026".
pub fn date_long(d: NaiveDate) -> String {
    format!("{} {} {}", d.day(), month(d), d.year())
}

/// "December 2026".
pub fn month_year(d: NaiveDate) -> String {
    format!("{} {}", month(d), d.year())
}

/// "Tue 1".
pub fn weekday_day(d: NaiveDate) -> String {
    format!("{} {}", &weekday(d)[..3], d.day())
}

/// What a screen reader hears of a grid entry after what it shows (start, who or what,
/// badge, type): the status when no badge shows it, the end, the day, and the clinician when
/// the column does not name them, e.g. ", Scheduled, to 14:20, Tuesday 1 December, Dr Reyes".
pub fn entry_rest(start: NaiveDateTime, end: NaiveDateTime, status: &str, provider: Option<&str>) -> String {
    let ends = if end.date() == start.date() {
        hm(end.time())
    } else {
        when_short(end)
    };
    let day = format!(
        "{} {} {}",
        weekday(start.date()),
        start.day(),
        month(start.date())
    );
    let ends = format!("to {ends}");
    [status, ends.as_str(), day.as_str(), provider.unwrap_or_default()]
        .into_iter()
        .filter(|part| !part.is_empty())
        .map(|part| format!(", {part}"))
        .collect()
}

/// "2026-12-01" (what `<input type=date>` gives).
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let mut parts = s.trim().splitn(3, '-');
    let y = parts.next()?.parse().ok()?;
    let m = parts.next()?.parse().ok()?;
    let d = parts.next()?.parse().ok()?;
    NaiveDate::from_ymd_opt(y, m, d)
}

/// "09:05" (what `<input type=time>` gives; seconds, if any, are ignored).
pub fn parse_hm(s: &str) -> Option<NaiveTime> {
    let mut parts = s.trim().split(':');
    let h = parts.next()?.parse().ok()?;
    let m = parts.next()?.parse().ok()?;
    NaiveTime::from_hms_opt(h, m, 0)
}

/// What a move did, for the message that offers its undo: "Moved Eleanor Vance to Dr Reyes,
/// Tue 1 Dec 15:00" (`to`: the clinician, when it changed).
pub fn moved(title: &str, to: Option<&str>, start: NaiveDateTime) -> String {
    match to {
        Some(p) => format!("Moved {title} to {p}, {}", when_short(start)),
        None => format!("Moved {title} to {}", when_short(start)),
    }
}

/// What a booking did: "Booked Eleanor Vance with Dr Reyes, Tue 1 Dec 15:00".
pub fn booked(title: &str, with: Option<&str>, start: NaiveDateTime) -> String {
    match with {
        Some(p) if !title.is_empty() => format!("Booked {title} with {p}, {}", when_short(start)),
        Some(p) => format!("Booked {p}, {}", when_short(start)),
        None => format!("Booked {title}, {}", when_short(start)),
    }
}

/// What a status change did: "Eleanor Vance, Tue 1 Dec 15:00: now Arrived".
pub fn status_set(title: &str, start: NaiveDateTime, status: &str) -> String {
    format!("{title}, {}: now {status}", when_short(start))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_times_are_written_and_read_back() {
        let d = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        assert_eq!(day_long(d), "Tuesday 1 December 2026");
        assert_eq!(day_short(d), "Tue 1 Dec");
        assert_eq!(weekday_day(d), "Tue 1");
        assert_eq!(month_year(d), "December 2026");
        assert_eq!(date_long(d), "1 December 2026");
        let t = NaiveTime::from_hms_opt(9, 5, 0).unwrap();
        assert_eq!(hm(t), "09:05");
        assert_eq!(when_short(d.and_time(t)), "Tue 1 Dec 09:05");
        assert_eq!(parse_date("2026-12-01"), Some(d));
        assert_eq!(parse_hm("09:05"), Some(t));
        assert_eq!(parse_hm("09:05:30"), Some(t));
        for bad in ["", "2026-13-01", "2026-02-30", "yesterday"] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
        for bad in ["", "24:00", "9", "nine:ten"] {
            assert_eq!(parse_hm(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_change_is_said_with_whom_and_when() {
        let at = NaiveDate::from_ymd_opt(2026, 12, 1)
            .unwrap()
            .and_hms_opt(15, 0, 0)
            .unwrap();
        assert_eq!(
            moved("Eleanor Vance", Some("Dr Reyes"), at),
            "Moved Eleanor Vance to Dr Reyes, Tue 1 Dec 15:00"
        );
        assert_eq!(moved("Lunch", None, at), "Moved Lunch to Tue 1 Dec 15:00");
        assert_eq!(
            booked("Eleanor Vance", Some("Dr Reyes"), at),
            "Booked Eleanor Vance with Dr Reyes, Tue 1 Dec 15:00"
        );
        assert_eq!(
            booked("", Some("Dr Reyes"), at),
            "Booked Dr Reyes, Tue 1 Dec 15:00"
        );
        assert_eq!(
            status_set("Eleanor Vance", at, "Cancelled"),
            "Eleanor Vance, Tue 1 Dec 15:00: now Cancelled"
        );
    }

    #[test]
    fn an_entry_is_read_out_with_its_end_day_status_and_clinician() {
        let at = |h, m| {
            NaiveDate::from_ymd_opt(2026, 12, 1)
                .unwrap()
                .and_hms_opt(h, m, 0)
                .unwrap()
        };
        assert_eq!(
            entry_rest(at(14, 0), at(14, 20), "Scheduled", Some("Dr Reyes")),
            ", Scheduled, to 14:20, Tuesday 1 December, Dr Reyes"
        );
        let next_day = NaiveDate::from_ymd_opt(2026, 12, 2)
            .unwrap()
            .and_hms_opt(1, 0, 0)
            .unwrap();
        assert_eq!(
            entry_rest(at(23, 0), next_day, "", None),
            ", to Wed 2 Dec 01:00, Tuesday 1 December"
        );
    }
}
