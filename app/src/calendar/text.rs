//! Dates and times as the calendar writes and reads them. Hand-written rather than chrono's
//! `format`/`parse_from_str`: those pull chrono's whole strftime machinery into the browser's
//! WASM for a handful of fixed patterns.

use crate::model::TimeStyle;
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

/// How the person reads times and dates (their setting).
fn style() -> TimeStyle {
    crate::ui::time_style()
}

/// "09:05", or "9:05 am" for a person who reads 12-hour times.
pub fn hm(t: NaiveTime) -> String {
    hm_in(style(), t)
}

fn hm_in(s: TimeStyle, t: NaiveTime) -> String {
    if s.twelve_hour {
        let h = match t.hour() % 12 {
            0 => 12,
            h => h,
        };
        let half = if t.hour() < 12 { "am" } else { "pm" };
        format!("{h}:{:02} {half}", t.minute())
    } else {
        format!("{:02}:{:02}", t.hour(), t.minute())
    }
}

/// `h:m` as the person reads it.
pub fn hm_of(h: u32, m: u32) -> String {
    NaiveTime::from_hms_opt(h, m, 0).map(hm).unwrap_or_default()
}

/// An hour on the grid's axis: "09:00", or "9 am".
pub fn hour(h: u32) -> String {
    let s = style();
    match NaiveTime::from_hms_opt(h % 24, 0, 0) {
        Some(t) if s.twelve_hour => hm_in(s, t).replace(":00", ""),
        Some(t) => hm_in(s, t),
        None => String::new(),
    }
}

/// "Tue 1 Dec", or "Tue, Dec 1" for a person who reads the month first.
pub fn day_short(d: NaiveDate) -> String {
    day_short_in(style(), d)
}

fn day_short_in(s: TimeStyle, d: NaiveDate) -> String {
    if s.month_first {
        format!("{}, {} {}", &weekday(d)[..3], &month(d)[..3], d.day())
    } else {
        format!("{} {} {}", &weekday(d)[..3], d.day(), &month(d)[..3])
    }
}

/// "Tue 1 Dec 09:05" (or "Tue, Dec 1, 9:05 am").
pub fn when_short(t: NaiveDateTime) -> String {
    when_short_in(style(), t)
}

fn when_short_in(s: TimeStyle, t: NaiveDateTime) -> String {
    let sep = if s.month_first { ", " } else { " " };
    format!("{}{sep}{}", day_short_in(s, t.date()), hm_in(s, t.time()))
}

/// "Tuesday 1 December" (or "Tuesday, December 1").
fn weekday_date_in(s: TimeStyle, d: NaiveDate) -> String {
    if s.month_first {
        format!("{}, {} {}", weekday(d), month(d), d.day())
    } else {
        format!("{} {} {}", weekday(d), d.day(), month(d))
    }
}

/// "Tuesday 1 December 2026" (or "Tuesday, December 1, 2026").
pub fn day_long(d: NaiveDate) -> String {
    let s = style();
    let sep = if s.month_first { ", " } else { " " };
    format!("{}{sep}{}", weekday_date_in(s, d), d.year())
}

/// "1 December 2026" (or "December 1, 2026").
pub fn date_long(d: NaiveDate) -> String {
    if style().month_first {
        format!("{} {}, {}", month(d), d.day(), d.year())
    } else {
        format!("{} {} {}", d.day(), month(d), d.year())
    }
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
    let s = style();
    let ends = if end.date() == start.date() {
        hm_in(s, end.time())
    } else {
        when_short_in(s, end)
    };
    let day = weekday_date_in(s, start.date());
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

/// A date in a field, as the person reads dates: "15 Dec 2026" (or "Dec 15, 2026").
pub fn date_field(d: NaiveDate) -> String {
    date_field_in(style(), d)
}

fn date_field_in(s: TimeStyle, d: NaiveDate) -> String {
    if s.month_first {
        format!("{} {}, {}", &month(d)[..3], d.day(), d.year())
    } else {
        format!("{} {} {}", d.day(), &month(d)[..3], d.year())
    }
}

/// A date as a person types it: "2026-12-15", "15 Dec 2026", "Dec 15, 2026", "Tue 15
/// December", "15/12/2026" or "15.12.26" (the day before the month in numbers unless the
/// person reads the month first: "12/15/2026"). Without a year, `year`'s.
pub fn parse_typed_date(text: &str, year: i32) -> Option<NaiveDate> {
    parse_typed_date_in(style(), text, year)
}

fn parse_typed_date_in(s: TimeStyle, text: &str, year: i32) -> Option<NaiveDate> {
    if let Some(d) = parse_date(text) {
        return Some(d);
    }
    let lower = text.to_ascii_lowercase();
    let mut month_named = None;
    let mut numbers = Vec::new();
    for word in lower
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        let named = |names: &[&str]| {
            names
                .iter()
                .position(|n| word.len() >= 3 && n.to_ascii_lowercase().starts_with(word))
        };
        if word.chars().all(|c| c.is_ascii_digit()) {
            numbers.push((word.parse::<u32>().ok()?, word.len()));
        } else if let Some(m) = named(&MONTHS) {
            month_named = Some(m as u32 + 1);
        } else if named(&DAYS).is_none() {
            return None;
        }
    }
    let (d, m, rest) = match (month_named, numbers.as_slice()) {
        (Some(m), [(d, _), rest @ ..]) => (*d, m, rest),
        (None, [(a, _), (b, _), rest @ ..]) if s.month_first => (*b, *a, rest),
        (None, [(a, _), (b, _), rest @ ..]) => (*a, *b, rest),
        _ => return None,
    };
    let y = match rest {
        [] => year,
        [(y, 4)] => i32::try_from(*y).ok()?,
        [(y, 2)] => 2000 + i32::try_from(*y).ok()?,
        _ => return None,
    };
    NaiveDate::from_ymd_opt(y, m, d)
}

/// Hours as a form writes them ("08:00-12:00, 13:00-17:00"), in the person's way ("8:00 am-
/// 12:00 pm, …"); a text that is not such hours comes back as it is.
pub fn day_hours(hours: &str) -> String {
    let styled: Option<Vec<String>> = hours
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|part| {
            let (a, b) = part.split_once(['-', '–'])?;
            Some(format!("{}-{}", hm(parse_hm(a)?), hm(parse_hm(b)?)))
        })
        .collect();
    styled.map_or_else(|| hours.to_owned(), |s| s.join(", "))
}

/// A time as a person types it: "14:30", "1430", "9", "2:30 pm", "2pm", "12 a.m." (seconds,
/// if any, are ignored).
pub fn parse_hm(text: &str) -> Option<NaiveTime> {
    let lower = text.trim().to_ascii_lowercase().replace('.', "");
    let (clock, half) = match lower.strip_suffix("am").or_else(|| lower.strip_suffix('a')) {
        Some(rest) => (rest.trim_end(), Some(false)),
        None => match lower.strip_suffix("pm").or_else(|| lower.strip_suffix('p')) {
            Some(rest) => (rest.trim_end(), Some(true)),
            None => (lower.as_str(), None),
        },
    };
    let (h, m): (u32, u32) = match clock.split_once(':') {
        Some((h, rest)) => (h.parse().ok()?, rest.split(':').next()?.parse().ok()?),
        None if clock.len() >= 3 && clock.chars().all(|c| c.is_ascii_digit()) => {
            let (h, m) = clock.split_at(clock.len() - 2);
            (h.parse().ok()?, m.parse().ok()?)
        }
        None => (clock.parse().ok()?, 0),
    };
    let h = match half {
        Some(_) if !(1..=12).contains(&h) => return None,
        Some(pm) => h % 12 + if pm { 12 } else { 0 },
        None => h,
    };
    NaiveTime::from_hms_opt(h, m, 0)
}

/// What a move did, for the message that offers its undo: "Moved Eleanor Vance to Dr Reyes,
/// Tue 1 Dec 15:00" (`to`: the clinician, when it changed).
pub fn moved(title: &str, to: Option<&str>, start: NaiveDateTime) -> String {
    move_words("Moved", title, to, start)
}

/// What a move would do, asked first: "Move Eleanor Vance to Dr Reyes, Tue 1 Dec 15:00".
pub fn to_move(title: &str, to: Option<&str>, start: NaiveDateTime) -> String {
    move_words("Move", title, to, start)
}

fn move_words(verb: &str, title: &str, to: Option<&str>, start: NaiveDateTime) -> String {
    match to {
        Some(p) => format!("{verb} {title} to {p}, {}", when_short(start)),
        None => format!("{verb} {title} to {}", when_short(start)),
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
        for typed in [
            "09:05",
            "9:05",
            "09:05:30",
            "0905",
            "905",
            "9:05 am",
            "9:05am",
            "9:05 A.M.",
        ] {
            assert_eq!(parse_hm(typed), Some(t), "{typed}");
        }
        let t_of = |h, m| NaiveTime::from_hms_opt(h, m, 0);
        assert_eq!(parse_hm("14"), t_of(14, 0));
        assert_eq!(parse_hm("2:30 pm"), t_of(14, 30));
        assert_eq!(parse_hm("2pm"), t_of(14, 0));
        assert_eq!(parse_hm("12 am"), t_of(0, 0));
        assert_eq!(parse_hm("12:15 pm"), t_of(12, 15));
        for bad in ["", "2026-13-01", "2026-02-30", "yesterday"] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
        for bad in ["", "24:00", "nine:ten", "13 pm", "0 am", "9:60", "12345", "pm"] {
            assert_eq!(parse_hm(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_person_who_reads_12_hour_times_and_the_month_first_gets_them_so() {
        let us = TimeStyle {
            twelve_hour: true,
            month_first: true,
        };
        let at = |h, m| {
            NaiveDate::from_ymd_opt(2026, 12, 1)
                .unwrap()
                .and_hms_opt(h, m, 0)
                .unwrap()
        };
        assert_eq!(hm_in(us, at(0, 5).time()), "12:05 am");
        assert_eq!(hm_in(us, at(9, 5).time()), "9:05 am");
        assert_eq!(hm_in(us, at(12, 0).time()), "12:00 pm");
        assert_eq!(hm_in(us, at(23, 59).time()), "11:59 pm");
        assert_eq!(when_short_in(us, at(15, 0)), "Tue, Dec 1, 3:00 pm");
        assert_eq!(weekday_date_in(us, at(15, 0).date()), "Tuesday, December 1");
        // Every time it writes reads back as itself.
        for minute in (0..24 * 60).step_by(5) {
            let t = NaiveTime::from_hms_opt(minute / 60, minute % 60, 0).unwrap();
            assert_eq!(parse_hm(&hm_in(us, t)), Some(t));
            assert_eq!(parse_hm(&hm_in(TimeStyle::default(), t)), Some(t));
        }
    }

    #[test]
    fn a_date_is_typed_either_way_and_written_as_the_person_reads_it() {
        let d = NaiveDate::from_ymd_opt(2026, 12, 15).unwrap();
        let (eu, us) = (
            TimeStyle::default(),
            TimeStyle {
                twelve_hour: true,
                month_first: true,
            },
        );
        assert_eq!(date_field_in(eu, d), "15 Dec 2026");
        assert_eq!(date_field_in(us, d), "Dec 15, 2026");
        for style in [eu, us] {
            for typed in [
                "2026-12-15",
                "15 Dec 2026",
                "Dec 15, 2026",
                "Tue 15 December",
                "december 15",
                "15 dec 26",
            ] {
                assert_eq!(parse_typed_date_in(style, typed, 2026), Some(d), "{typed}");
            }
            // What it writes reads back as itself.
            assert_eq!(
                parse_typed_date_in(style, &date_field_in(style, d), 1999),
                Some(d)
            );
        }
        // In numbers, the person's order decides.
        assert_eq!(parse_typed_date_in(eu, "15/12/2026", 2026), Some(d));
        assert_eq!(parse_typed_date_in(eu, "15.12", 2026), Some(d));
        assert_eq!(parse_typed_date_in(us, "12/15/2026", 2026), Some(d));
        assert_eq!(
            parse_typed_date_in(eu, "1/2/2027", 2026),
            NaiveDate::from_ymd_opt(2027, 2, 1)
        );
        assert_eq!(
            parse_typed_date_in(us, "1/2/2027", 2026),
            NaiveDate::from_ymd_opt(2027, 1, 2)
        );
        for bad in [
            "",
            "15",
            "12/15/2026",
            "31 Feb 2026",
            "15 Decx 2026",
            "someday",
            "15/12/202",
            "1 2 3 4",
        ] {
            assert_eq!(parse_typed_date_in(eu, bad, 2026), None, "{bad}");
        }
    }

    #[test]
    fn hours_are_written_the_persons_way() {
        assert_eq!(day_hours("08:00-12:00, 13:30-17:00"), "08:00-12:00, 13:30-17:00");
        assert_eq!(day_hours("8am - 12pm"), "08:00-12:00");
        assert_eq!(day_hours(""), "");
        assert_eq!(day_hours("nine to five"), "nine to five");
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
            to_move("Eleanor Vance", Some("Dr Reyes"), at),
            "Move Eleanor Vance to Dr Reyes, Tue 1 Dec 15:00"
        );
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
