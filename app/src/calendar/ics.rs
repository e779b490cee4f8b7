//! iCalendar (RFC 5545) text of a subscription feed: events in the practice's zone, with a
//! VTIMEZONE that spells out every offset change inside the feed's window, so a client that
//! does not know the zone's name still places each event right.

use crate::calendar::rules::Span;
use chrono::{DateTime, Duration, NaiveDateTime, Offset, TimeZone, Utc};
use chrono_tz::{OffsetComponents, Tz};

/// One event of a feed.
#[derive(Clone, Debug, PartialEq)]
pub struct FeedEvent {
    /// Stable across edits: the entry's id.
    pub uid: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// When the entry last changed.
    pub stamp: DateTime<Utc>,
    /// Bumped by every change, so clients replace their copy.
    pub sequence: i32,
    pub summary: String,
    pub location: String,
    pub description: String,
    /// Not yet confirmed by the patient.
    pub tentative: bool,
}

/// The feed: a VCALENDAR named `name`, its zone's VTIMEZONE over `window`, the events.
pub fn calendar(name: &str, tz: &Tz, window: Span, events: &[FeedEvent]) -> String {
    let mut lines: Vec<String> = vec![
        "BEGIN:VCALENDAR".into(),
        "VERSION:2.0".into(),
        "PRODID:-//Switchboard//Calendar feed//EN".into(),
        "CALSCALE:GREGORIAN".into(),
        "METHOD:PUBLISH".into(),
        format!("X-WR-CALNAME:{}", escape(name)),
        format!("X-WR-TIMEZONE:{}", tz.name()),
        // Clients that honour it look again every quarter of an hour.
        "REFRESH-INTERVAL;VALUE=DURATION:PT15M".into(),
        "X-PUBLISHED-TTL:PT15M".into(),
    ];
    lines.extend(vtimezone(tz, window));
    for e in events {
        lines.push("BEGIN:VEVENT".into());
        lines.push(format!("UID:{}", e.uid));
        lines.push(format!("DTSTAMP:{}", utc_stamp(e.stamp)));
        lines.push(format!("DTSTART;TZID={}:{}", tz.name(), local_stamp(tz, e.start)));
        lines.push(format!("DTEND;TZID={}:{}", tz.name(), local_stamp(tz, e.end)));
        lines.push(format!("SEQUENCE:{}", e.sequence.max(0)));
        lines.push(format!("SUMMARY:{}", escape(&e.summary)));
        if !e.location.is_empty() {
            lines.push(format!("LOCATION:{}", escape(&e.location)));
        }
        if !e.description.is_empty() {
            lines.push(format!("DESCRIPTION:{}", escape(&e.description)));
        }
        lines.push(format!(
            "STATUS:{}",
            if e.tentative { "TENTATIVE" } else { "CONFIRMED" }
        ));
        lines.push("TRANSP:OPAQUE".into());
        lines.push("END:VEVENT".into());
    }
    lines.push("END:VCALENDAR".into());
    let mut out = String::new();
    for l in &lines {
        fold_into(&mut out, l);
    }
    out
}

/// TEXT value escaping (RFC 5545 3.3.11).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Appends `line` folded to lines of at most 75 octets (never inside a character), each
/// ended by CRLF; continuation lines begin with a space.
fn fold_into(out: &mut String, line: &str) {
    let mut used = 0;
    for c in line.chars() {
        let n = c.len_utf8();
        if used + n > 75 {
            out.push_str("\r\n ");
            used = 1;
        }
        out.push(c);
        used += n;
    }
    out.push_str("\r\n");
}

fn utc_stamp(t: DateTime<Utc>) -> String {
    t.format("%Y%m%dT%H%M%SZ").to_string()
}

fn local_stamp(tz: &Tz, t: DateTime<Utc>) -> String {
    t.with_timezone(tz).format("%Y%m%dT%H%M%S").to_string()
}

fn fmt_local(t: NaiveDateTime) -> String {
    t.format("%Y%m%dT%H%M%S").to_string()
}

/// "+0500", "-0430".
fn fmt_offset(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let m = seconds.abs() / 60;
    format!("{sign}{:02}{:02}", m / 60, m % 60)
}

/// The zone's offset at `t`: (seconds east of UTC, daylight saving, abbreviation).
fn offset_at(tz: &Tz, t: DateTime<Utc>) -> (i32, bool, String) {
    let o = tz.offset_from_utc_datetime(&t.naive_utc());
    (
        o.fix().local_minus_utc(),
        !o.dst_offset().is_zero(),
        o.to_string(),
    )
}

/// The instants in `window` at which the zone's offset changes.
pub fn transitions(tz: &Tz, window: Span) -> Vec<DateTime<Utc>> {
    let mut out = Vec::new();
    let mut t = window.start;
    let mut current = offset_at(tz, t).0;
    while t < window.end {
        let next = (t + Duration::hours(6)).min(window.end);
        let o = offset_at(tz, next).0;
        if o != current {
            // The first second of the new offset, between t and next.
            let (mut lo, mut hi) = (t.timestamp(), next.timestamp());
            while hi - lo > 1 {
                let mid = lo + (hi - lo) / 2;
                let at = DateTime::from_timestamp(mid, 0).unwrap_or(next);
                if offset_at(tz, at).0 == current {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            let hi = DateTime::from_timestamp(hi, 0).unwrap_or(next);
            out.push(hi);
            current = o;
        }
        t = next;
    }
    out
}

/// VTIMEZONE of `tz` for `window`: the observance in force at its start, then one per
/// offset change inside it.
fn vtimezone(tz: &Tz, window: Span) -> Vec<String> {
    let mut lines = vec!["BEGIN:VTIMEZONE".into(), format!("TZID:{}", tz.name())];
    let (first, first_dst, first_name) = offset_at(tz, window.start);
    let mut observance = |from: i32, to: i32, dst: bool, name: &str, local: NaiveDateTime| {
        let kind = if dst { "DAYLIGHT" } else { "STANDARD" };
        lines.push(format!("BEGIN:{kind}"));
        lines.push(format!("DTSTART:{}", fmt_local(local)));
        lines.push(format!("TZOFFSETFROM:{}", fmt_offset(from)));
        lines.push(format!("TZOFFSETTO:{}", fmt_offset(to)));
        lines.push(format!("TZNAME:{}", escape(name)));
        lines.push(format!("END:{kind}"));
    };
    let start_local = window.start.naive_utc() + Duration::seconds(first.into());
    observance(first, first, first_dst, &first_name, start_local);
    let mut before = first;
    for t in transitions(tz, window) {
        let (after, dst, name) = offset_at(tz, t);
        // An observance starts at the local time of the offset it replaces.
        observance(
            before,
            after,
            dst,
            &name,
            t.naive_utc() + Duration::seconds(before.into()),
        );
        before = after;
    }
    lines.push("END:VTIMEZONE".into());
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        NaiveDate::from_ymd_opt(y, m, d)
            .unwrap()
            .and_hms_opt(h, min, 0)
            .unwrap()
            .and_utc()
    }

    fn event(summary: &str) -> FeedEvent {
        FeedEvent {
            uid: "e1@switchboard".into(),
            start: utc(2026, 11, 2, 14, 0),
            end: utc(2026, 11, 2, 14, 30),
            stamp: utc(2026, 10, 1, 12, 0),
            sequence: 2,
            summary: summary.into(),
            location: "Room 1".into(),
            description: String::new(),
            tentative: true,
        }
    }

    #[test]
    fn new_york_changes_offset_twice_a_year_at_two_in_the_morning() {
        let tz: Tz = "America/New_York".parse().unwrap();
        let found = transitions(&tz, Span::new(utc(2026, 1, 1, 0, 0), utc(2027, 1, 1, 0, 0)));
        // 8 March 2026, 02:00 EST = 07:00 UTC; 1 November 2026, 02:00 EDT = 06:00 UTC.
        assert_eq!(found, vec![utc(2026, 3, 8, 7, 0), utc(2026, 11, 1, 6, 0)]);
        let phoenix: Tz = "America/Phoenix".parse().unwrap();
        assert!(transitions(&phoenix, Span::new(utc(2026, 1, 1, 0, 0), utc(2027, 1, 1, 0, 0))).is_empty());
    }

    #[test]
    fn the_timezone_names_each_change_at_the_local_time_it_happens() {
        let tz: Tz = "America/New_York".parse().unwrap();
        let text = calendar(
            "Demo",
            &tz,
            Span::new(utc(2026, 10, 1, 0, 0), utc(2026, 12, 1, 0, 0)),
            &[],
        );
        let expected = "BEGIN:STANDARD\r\nDTSTART:20261101T020000\r\nTZOFFSETFROM:-0400\r\nTZOFFSETTO:-0500\r\nTZNAME:EST\r\nEND:STANDARD";
        assert!(text.contains(expected), "{text}");
        // The observance in force when the window opens: daylight time.
        assert!(text.contains("BEGIN:DAYLIGHT\r\nDTSTART:20260930T200000\r\nTZOFFSETFROM:-0400\r\nTZOFFSETTO:-0400\r\nTZNAME:EDT"));
    }

    #[test]
    fn events_carry_local_times_in_the_practice_zone() {
        let tz: Tz = "America/New_York".parse().unwrap();
        let text = calendar(
            "Demo",
            &tz,
            Span::new(utc(2026, 10, 1, 0, 0), utc(2026, 12, 1, 0, 0)),
            &[event("Follow-up")],
        );
        assert!(text.contains("DTSTART;TZID=America/New_York:20261102T090000\r\n"));
        assert!(text.contains("DTEND;TZID=America/New_York:20261102T093000\r\n"));
        assert!(text.contains("DTSTAMP:20261001T120000Z\r\n"));
        assert!(text.contains("STATUS:TENTATIVE\r\n"));
        assert!(text.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"));
        assert!(text.ends_with("END:VCALENDAR\r\n"));
    }

    #[test]
    fn text_is_escaped_and_long_lines_are_folded_at_75_octets() {
        assert_eq!(escape("a,b;c\\d\ne"), "a\\,b\\;c\\\\d\\ne");
        let tz: Tz = "America/Chicago".parse().unwrap();
        let long = "Überweisung, Kontrolle; ".repeat(10);
        let text = calendar(
            "Demo",
            &tz,
            Span::new(utc(2026, 10, 1, 0, 0), utc(2026, 10, 8, 0, 0)),
            &[event(&long)],
        );
        for line in text.split("\r\n") {
            assert!(line.len() <= 75, "{line:?} is {} octets", line.len());
        }
        // Unfolding gives the escaped summary back.
        let unfolded = text.replace("\r\n ", "");
        assert!(unfolded.contains(&format!("SUMMARY:{}\r\n", escape(&long))));
    }
}
