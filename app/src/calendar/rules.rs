//! Pure calendar rules, no I/O: time spans, local times across DST, weekly availability,
//! RFC 5545 recurrence (the subset the product offers) and the free-slot finder. Generic over
//! `chrono::TimeZone`, so the browser build needs no time-zone database.

use chrono::{
    DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc, Weekday,
};
use serde::{Deserialize, Serialize};

/// A half-open span of time `[start, end)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Span {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl Span {
    pub fn new(start: DateTime<Utc>, end: DateTime<Utc>) -> Span {
        Span { start, end }
    }

    pub fn overlaps(&self, other: &Span) -> bool {
        self.start < other.end && other.start < self.end
    }

    pub fn contains(&self, other: &Span) -> bool {
        self.start <= other.start && other.end <= self.end
    }

    pub fn is_empty(&self) -> bool {
        self.end <= self.start
    }
}

/// Sorts spans and merges the ones that overlap or touch; empty spans are dropped.
pub fn normalize(mut spans: Vec<Span>) -> Vec<Span> {
    spans.retain(|s| !s.is_empty());
    spans.sort();
    let mut out: Vec<Span> = Vec::with_capacity(spans.len());
    for s in spans {
        match out.last_mut() {
            Some(last) if s.start <= last.end => last.end = last.end.max(s.end),
            _ => out.push(s),
        }
    }
    out
}

/// `a` minus `b`, both normalized; the result is normalized.
pub fn subtract(a: &[Span], b: &[Span]) -> Vec<Span> {
    let mut out = Vec::new();
    let mut j = 0;
    for s in a {
        let mut cur = s.start;
        while j < b.len() && b[j].end <= cur {
            j += 1;
        }
        let mut k = j;
        while k < b.len() && b[k].start < s.end {
            if b[k].start > cur {
                out.push(Span::new(cur, b[k].start));
            }
            cur = cur.max(b[k].end);
            k += 1;
        }
        if cur < s.end {
            out.push(Span::new(cur, s.end));
        }
    }
    out
}

/// The free times of a grid's column: its open spans less what holds time there, in local
/// time, each at least `least` long.
pub fn free_times(
    open: &[(NaiveDateTime, NaiveDateTime)],
    busy: &[(NaiveDateTime, NaiveDateTime)],
    least: Duration,
) -> Vec<(NaiveDateTime, NaiveDateTime)> {
    let spans = |list: &[(NaiveDateTime, NaiveDateTime)]| {
        normalize(
            list.iter()
                .map(|(s, e)| Span::new(s.and_utc(), e.and_utc()))
                .collect(),
        )
    };
    subtract(&spans(open), &spans(busy))
        .into_iter()
        .filter(|s| s.end - s.start >= least)
        .map(|s| (s.start.naive_utc(), s.end.naive_utc()))
        .collect()
}

/// A conflict's offers: the clinician's own next times first (at least three of them when
/// others have times too), then the other clinicians', `limit` in all.
pub fn own_first<T>(own: Vec<T>, others: Vec<T>, limit: usize) -> Vec<T> {
    let keep_own = limit.saturating_sub(others.len()).max(limit.min(3));
    own.into_iter().take(keep_own).chain(others).take(limit).collect()
}

/// A search's offers spread over days and clinicians: at most `per_group` of each group
/// (`group`: e.g. the day and the clinician), in the order given, `limit` in all.
pub fn spread<T, K: PartialEq>(
    items: Vec<T>,
    group: impl Fn(&T) -> K,
    per_group: usize,
    limit: usize,
) -> Vec<T> {
    let mut counts: Vec<(K, usize)> = Vec::new();
    let mut out = Vec::new();
    for item in items {
        let key = group(&item);
        let n = match counts.iter_mut().find(|(k, _)| *k == key) {
            Some((_, n)) => n,
            None => {
                counts.push((key, 0));
                match counts.last_mut() {
                    Some((_, n)) => n,
                    None => continue,
                }
            }
        };
        if *n < per_group {
            *n += 1;
            out.push(item);
            if out.len() == limit {
                break;
            }
        }
    }
    out
}

/// The common part of two normalized span lists.
pub fn intersect(a: &[Span], b: &[Span]) -> Vec<Span> {
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::new();
    while i < a.len() && j < b.len() {
        let start = a[i].start.max(b[j].start);
        let end = a[i].end.min(b[j].end);
        if start < end {
            out.push(Span::new(start, end));
        }
        if a[i].end < b[j].end {
            i += 1;
        } else {
            j += 1;
        }
    }
    out
}

/// The instant a local wall-clock time names in `tz`. In a spring-forward gap the time is
/// read with the offset before the gap (RFC 5545: 2:30 becomes 3:30); in a fall-back fold
/// the first of the two instants is taken.
pub fn local_to_utc<Tz: TimeZone>(tz: &Tz, local: NaiveDateTime) -> DateTime<Utc> {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => t.with_timezone(&Utc),
        LocalResult::Ambiguous(a, b) => a.with_timezone(&Utc).min(b.with_timezone(&Utc)),
        LocalResult::None => {
            // The offset in force before the gap, read a few hours earlier (gaps are at most
            // an hour or two), applied to the local time.
            let before = local - Duration::hours(3);
            let offset = match tz.from_local_datetime(&before) {
                LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => t.naive_local() - t.naive_utc(),
                LocalResult::None => Duration::zero(),
            };
            Utc.from_utc_datetime(&(local - offset))
        }
    }
}

/// The instant a booking, a move or an offer means: `chosen` (the instant of the offer that
/// was picked) when it still reads as `local` in `tz`, else what `local` names. In the autumn
/// hour that clocks go back, 01:30 happens twice; only the offer's instant tells which.
pub fn instant_of<Tz: TimeZone>(
    tz: &Tz,
    local: NaiveDateTime,
    chosen: Option<DateTime<Utc>>,
) -> DateTime<Utc> {
    match chosen {
        Some(at) if at.with_timezone(tz).naive_local() == local => at,
        _ => local_to_utc(tz, local),
    }
}

/// Whether `at` is the second time its local wall-clock time happens in `tz` (the repeated
/// hour after clocks go back).
pub fn is_second_pass<Tz: TimeZone>(tz: &Tz, at: DateTime<Utc>) -> bool {
    let local = at.with_timezone(tz).naive_local();
    matches!(tz.from_local_datetime(&local), LocalResult::Ambiguous(first, _) if first.with_timezone(&Utc) < at)
}

// ---------------------------------------------------------------------------------------
// Weekly availability
// ---------------------------------------------------------------------------------------

/// One range of a provider's weekly template: on `weekday`, from `start` to `end` local
/// time, for dates from `from` to `until` (inclusive; `None`: no end).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeeklyRange {
    pub weekday: Weekday,
    pub start: NaiveTime,
    pub end: NaiveTime,
    pub from: NaiveDate,
    pub until: Option<NaiveDate>,
}

impl WeeklyRange {
    pub fn applies_on(&self, day: NaiveDate) -> bool {
        day.weekday() == self.weekday && day >= self.from && self.until.is_none_or(|u| day <= u)
    }
}

/// An exception to the template: time off, or extra hours.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ExceptionKind {
    Off,
    Extra,
}

/// Extra hours on one local day, from `from` to `to`, as instants.
pub fn hours_on<Tz: TimeZone>(
    tz: &Tz,
    day: NaiveDate,
    from: NaiveTime,
    to: NaiveTime,
) -> Result<Span, String> {
    if to <= from {
        return Err("Extra hours end after they start, on the same day.".into());
    }
    Ok(Span::new(
        local_to_utc(tz, day.and_time(from)),
        local_to_utc(tz, day.and_time(to)),
    ))
}

/// When a provider can be booked in `window`: the template's ranges on each local day the
/// window touches, plus extra hours, minus time off; normalized and clipped to the window.
pub fn availability<Tz: TimeZone>(
    tz: &Tz,
    template: &[WeeklyRange],
    exceptions: &[(ExceptionKind, Span)],
    window: Span,
) -> Vec<Span> {
    let mut spans = Vec::new();
    let first = window.start.with_timezone(tz).date_naive() - Duration::days(1);
    let last = window.end.with_timezone(tz).date_naive();
    let mut day = first;
    while day <= last {
        for r in template.iter().filter(|r| r.applies_on(day)) {
            spans.push(Span::new(
                local_to_utc(tz, day.and_time(r.start)),
                local_to_utc(tz, day.and_time(r.end)),
            ));
        }
        day += Duration::days(1);
    }
    spans.extend(
        exceptions
            .iter()
            .filter(|(k, _)| *k == ExceptionKind::Extra)
            .map(|(_, s)| *s),
    );
    let off = normalize(
        exceptions
            .iter()
            .filter(|(k, _)| *k == ExceptionKind::Off)
            .map(|(_, s)| *s)
            .collect(),
    );
    intersect(&subtract(&normalize(spans), &off), &[window])
}

/// Checks a weekly template range typed by a person.
pub fn check_weekly_range(r: &WeeklyRange) -> Result<(), String> {
    if r.end <= r.start {
        return Err("The range must end after it starts.".into());
    }
    if r.until.is_some_and(|u| u < r.from) {
        return Err("The last date must not be before the first.".into());
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Recurrence (RFC 5545 RRULE subset)
// ---------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Freq {
    Daily,
    Weekly,
    Monthly,
}

/// A weekday, optionally with an ordinal within the month (`2TU`: second Tuesday, `-1FR`:
/// last Friday). Ordinals only mean something for monthly rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ByDay {
    pub nth: Option<i8>,
    pub weekday: Weekday,
}

/// When a series ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum End {
    /// Never: the series is materialized up to [`OPEN_HORIZON_DAYS`] ahead.
    Never,
    Count(u32),
    /// The last instant an occurrence may start at.
    Until(DateTime<Utc>),
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rrule {
    pub freq: Freq,
    pub interval: u32,
    pub by_day: Vec<ByDay>,
    pub by_month_day: Vec<i8>,
    pub end: End,
}

/// How far an open-ended series is booked ahead.
pub const OPEN_HORIZON_DAYS: i64 = 366;
/// The most occurrences one series may have.
pub const MAX_OCCURRENCES: usize = 400;

pub use crate::model::dates::{dates_in_range, YEARS};

const DAY_CODES: [(&str, Weekday); 7] = [
    ("MO", Weekday::Mon),
    ("TU", Weekday::Tue),
    ("WE", Weekday::Wed),
    ("TH", Weekday::Thu),
    ("FR", Weekday::Fri),
    ("SA", Weekday::Sat),
    ("SU", Weekday::Sun),
];

fn day_code(w: Weekday) -> &'static str {
    DAY_CODES.iter().find(|(_, d)| *d == w).map_or("MO", |(c, _)| *c)
}

impl Rrule {
    /// Parses an RRULE value (`FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH;COUNT=10`), with or
    /// without the `RRULE:` prefix. Parts the product does not offer are refused by name. A
    /// date-only UNTIL is the end of that day in UTC: use [`Rrule::parse_in`] for what a
    /// person typed, stored rules always carry a UTC time.
    pub fn parse(text: &str) -> Result<Rrule, String> {
        Self::parse_in(text, &Utc)
    }

    /// [`Rrule::parse`], with a date-only UNTIL taken as the end of that day in `tz` (the
    /// practice's): "until the 10th" includes the evening of the 10th there.
    pub fn parse_in<Tz: TimeZone>(text: &str, tz: &Tz) -> Result<Rrule, String> {
        let text = text.trim();
        let text = text.strip_prefix("RRULE:").unwrap_or(text);
        let (mut freq, mut interval, mut by_day, mut by_month_day) = (None, 1u32, vec![], vec![]);
        let (mut count, mut until) = (None, None);
        for part in text.split(';').filter(|p| !p.is_empty()) {
            let (key, value) = part
                .split_once('=')
                .ok_or_else(|| format!("\"{part}\" is not KEY=VALUE."))?;
            match key.to_ascii_uppercase().as_str() {
                "FREQ" => {
                    freq = Some(match value.to_ascii_uppercase().as_str() {
                        "DAILY" => Freq::Daily,
                        "WEEKLY" => Freq::Weekly,
                        "MONTHLY" => Freq::Monthly,
                        other => return Err(format!("Repeating {other} is not offered.")),
                    })
                }
                "INTERVAL" => {
                    interval = value
                        .parse::<u32>()
                        .ok()
                        .filter(|i| (1..=99).contains(i))
                        .ok_or("INTERVAL is a whole number from 1 to 99.")?
                }
                "COUNT" => {
                    count = Some(
                        value
                            .parse::<u32>()
                            .ok()
                            .filter(|c| (1..=MAX_OCCURRENCES as u32).contains(c))
                            .ok_or_else(|| format!("COUNT is from 1 to {MAX_OCCURRENCES}."))?,
                    )
                }
                "UNTIL" => until = Some(parse_until(value, tz)?),
                "BYDAY" => {
                    for d in value.split(',') {
                        by_day.push(parse_by_day(d)?);
                    }
                }
                "BYMONTHDAY" => {
                    for d in value.split(',') {
                        by_month_day.push(
                            d.parse::<i8>()
                                .ok()
                                .filter(|n| *n != 0 && (-31..=31).contains(n))
                                .ok_or_else(|| format!("BYMONTHDAY {d} is not a day of a month."))?,
                        );
                    }
                }
                "WKST" if value.eq_ignore_ascii_case("MO") => {}
                other => return Err(format!("{other} is not offered in repeating rules.")),
            }
        }
        let freq = freq.ok_or("A repeating rule needs FREQ (DAILY, WEEKLY or MONTHLY).")?;
        if freq != Freq::Monthly && (by_day.iter().any(|d| d.nth.is_some()) || !by_month_day.is_empty()) {
            return Err("Numbered weekdays and BYMONTHDAY are for monthly rules.".into());
        }
        if freq == Freq::Monthly && !by_day.is_empty() && !by_month_day.is_empty() {
            return Err("A monthly rule takes BYDAY or BYMONTHDAY, not both.".into());
        }
        let end = match (count, until) {
            (Some(_), Some(_)) => return Err("A rule takes COUNT or UNTIL, not both.".into()),
            (Some(c), None) => End::Count(c),
            (None, Some(u)) => End::Until(u),
            (None, None) => End::Never,
        };
        Ok(Rrule {
            freq,
            interval,
            by_day,
            by_month_day,
            end,
        })
    }

    /// The rule as RFC 5545 text (without the `RRULE:` prefix).
    pub fn to_text(&self) -> String {
        let mut parts = vec![format!(
            "FREQ={}",
            match self.freq {
                Freq::Daily => "DAILY",
                Freq::Weekly => "WEEKLY",
                Freq::Monthly => "MONTHLY",
            }
        )];
        if self.interval != 1 {
            parts.push(format!("INTERVAL={}", self.interval));
        }
        if !self.by_day.is_empty() {
            let days: Vec<String> = self
                .by_day
                .iter()
                .map(|d| {
                    format!(
                        "{}{}",
                        d.nth.map(|n| n.to_string()).unwrap_or_default(),
                        day_code(d.weekday)
                    )
                })
                .collect();
            parts.push(format!("BYDAY={}", days.join(",")));
        }
        if !self.by_month_day.is_empty() {
            let days: Vec<String> = self.by_month_day.iter().map(|d| d.to_string()).collect();
            parts.push(format!("BYMONTHDAY={}", days.join(",")));
        }
        match self.end {
            End::Never => {}
            End::Count(c) => parts.push(format!("COUNT={c}")),
            End::Until(u) => parts.push(format!("UNTIL={}", u.format("%Y%m%dT%H%M%SZ"))),
        }
        parts.join(";")
    }

    /// The rule in words, for a booking's details: "Every 2 weeks on Monday, 10 times"; an
    /// end date is the local day in `tz`.
    pub fn describe<Tz: TimeZone>(&self, tz: &Tz) -> String {
        let unit = match self.freq {
            Freq::Daily => "day",
            Freq::Weekly => "week",
            Freq::Monthly => "month",
        };
        let mut out = match self.interval {
            1 => format!("Every {unit}"),
            n => format!("Every {n} {unit}s"),
        };
        if !self.by_day.is_empty() {
            let days: Vec<String> = self
                .by_day
                .iter()
                .map(|d| match d.nth {
                    None => weekday_name(d.weekday).to_string(),
                    Some(-1) => format!("the last {}", weekday_name(d.weekday)),
                    Some(n) => format!("the {} {}", ordinal(n), weekday_name(d.weekday)),
                })
                .collect();
            out.push_str(&format!(" on {}", days.join(", ")));
        }
        if !self.by_month_day.is_empty() {
            let days: Vec<String> = self.by_month_day.iter().map(|d| ordinal(*d)).collect();
            out.push_str(&format!(" on the {}", days.join(", ")));
        }
        match self.end {
            End::Never => {}
            End::Count(1) => out.push_str(", once"),
            End::Count(c) => out.push_str(&format!(", {c} times")),
            End::Until(u) => out.push_str(&format!(", until {}", u.with_timezone(tz).date_naive())),
        }
        out
    }

    /// The local start times of the series that begins at `first` (always its first
    /// occurrence), in order: every one the rule names, or a clear refusal when that is
    /// not what would be booked (never silently fewer). An open-ended rule is booked
    /// [`OPEN_HORIZON_DAYS`] ahead; one with COUNT or UNTIL whole, up to
    /// [`MAX_OCCURRENCES`] and the last of [`YEARS`].
    pub fn expand<Tz: TimeZone>(&self, tz: &Tz, first: NaiveDateTime) -> Result<Vec<NaiveDateTime>, String> {
        let times = self.occurrences(tz, first);
        match self.end {
            End::Count(c) if times.len() < c as usize => Err(format!(
                "This rule reaches only {} of its {c} occurrences by the end of {}: give a smaller count or an end date.",
                times.len(),
                YEARS.end()
            )),
            End::Until(_) if times.len() > MAX_OCCURRENCES => Err(format!(
                "A series has at most {MAX_OCCURRENCES} occurrences: choose an earlier end date."
            )),
            _ => Ok(times.into_iter().take(MAX_OCCURRENCES).collect()),
        }
    }

    /// The local start times of the series that begins at `first`, in order, ending where
    /// the rule ends, at [`MAX_OCCURRENCES`] (one more for an UNTIL rule, so that
    /// [`Rrule::expand`] can tell it was cut), or [`OPEN_HORIZON_DAYS`] after `first` for an
    /// open-ended rule.
    pub fn occurrences<Tz: TimeZone>(&self, tz: &Tz, first: NaiveDateTime) -> Vec<NaiveDateTime> {
        let limit = match self.end {
            End::Count(c) => (c as usize).min(MAX_OCCURRENCES),
            End::Until(_) => MAX_OCCURRENCES + 1,
            End::Never => MAX_OCCURRENCES,
        };
        // Open rules stop at the horizon; the others where they end, or with the years the
        // calendar takes.
        let last_day = match self.end {
            End::Never => first.date() + Duration::days(OPEN_HORIZON_DAYS),
            _ => NaiveDate::from_ymd_opt(*YEARS.end(), 12, 31).unwrap_or(first.date()),
        };
        let mut out = vec![first];
        let mut period = 0i64;
        while out.len() < limit {
            let Some(begin) = self.period_start(first.date(), period) else {
                break;
            };
            if begin > last_day {
                break;
            }
            for day in self.days_in_period(begin, first.date()) {
                let at = day.and_time(first.time());
                if at <= first || day > last_day {
                    continue;
                }
                if let End::Until(u) = self.end {
                    if local_to_utc(tz, at) > u {
                        return out;
                    }
                }
                if out.len() < limit {
                    out.push(at);
                }
            }
            period += 1;
        }
        out
    }

    fn period_start(&self, start_day: NaiveDate, period: i64) -> Option<NaiveDate> {
        let step = period * i64::from(self.interval);
        match self.freq {
            Freq::Daily => start_day.checked_add_signed(Duration::days(step)),
            Freq::Weekly => {
                let monday = start_day - Duration::days(start_day.weekday().num_days_from_monday().into());
                monday.checked_add_signed(Duration::weeks(step))
            }
            Freq::Monthly => {
                let months = i64::from(start_day.year()) * 12 + i64::from(start_day.month0()) + step;
                NaiveDate::from_ymd_opt(
                    i32::try_from(months.div_euclid(12)).ok()?,
                    u32::try_from(months.rem_euclid(12)).ok()? + 1,
                    1,
                )
            }
        }
    }

    /// The days of the period beginning on `begin` that the rule selects, in order.
    fn days_in_period(&self, begin: NaiveDate, start_day: NaiveDate) -> Vec<NaiveDate> {
        let plain_days: Vec<Weekday> = self.by_day.iter().map(|d| d.weekday).collect();
        match self.freq {
            Freq::Daily => {
                if plain_days.is_empty() || plain_days.contains(&begin.weekday()) {
                    vec![begin]
                } else {
                    vec![]
                }
            }
            Freq::Weekly => {
                let wanted = if plain_days.is_empty() {
                    vec![start_day.weekday()]
                } else {
                    plain_days
                };
                (0..7)
                    .map(|i| begin + Duration::days(i))
                    .filter(|d| wanted.contains(&d.weekday()))
                    .collect()
            }
            Freq::Monthly => {
                let len = days_in_month(begin);
                let mut days: Vec<NaiveDate> = if !self.by_day.is_empty() {
                    let all: Vec<NaiveDate> = (0..len).map(|i| begin + Duration::days(i.into())).collect();
                    let mut picked = Vec::new();
                    for bd in &self.by_day {
                        let same: Vec<NaiveDate> = all
                            .iter()
                            .copied()
                            .filter(|d| d.weekday() == bd.weekday)
                            .collect();
                        match bd.nth {
                            None => picked.extend(same),
                            Some(n) if n > 0 => picked.extend(same.get(n as usize - 1)),
                            Some(n) => {
                                let back = usize::from(n.unsigned_abs());
                                if back <= same.len() {
                                    picked.push(same[same.len() - back]);
                                }
                            }
                        }
                    }
                    picked
                } else {
                    let wanted = if self.by_month_day.is_empty() {
                        vec![i8::try_from(start_day.day()).unwrap_or(1)]
                    } else {
                        self.by_month_day.clone()
                    };
                    wanted
                        .iter()
                        .filter_map(|&d| {
                            let day = if d > 0 {
                                u32::from(d.unsigned_abs())
                            } else {
                                len + 1 - u32::from(d.unsigned_abs())
                            };
                            // A month without that day is skipped (RFC 5545).
                            (1..=len).contains(&day).then(|| begin.with_day(day)).flatten()
                        })
                        .collect()
                };
                days.sort();
                days.dedup();
                days
            }
        }
    }
}

fn days_in_month(first: NaiveDate) -> u32 {
    let next = if first.month() == 12 {
        NaiveDate::from_ymd_opt(first.year() + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(first.year(), first.month() + 1, 1)
    };
    next.map_or(28, |n| u32::try_from((n - first).num_days()).unwrap_or(28))
}

fn parse_by_day(text: &str) -> Result<ByDay, String> {
    let t = text.trim().to_ascii_uppercase();
    if t.len() < 2 || !t.is_ascii() {
        return Err(format!("BYDAY {text} is not a weekday."));
    }
    let (num, code) = t.split_at(t.len() - 2);
    let weekday = DAY_CODES
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, d)| *d)
        .ok_or_else(|| format!("BYDAY {text} is not a weekday."))?;
    let nth = if num.is_empty() {
        None
    } else {
        Some(
            num.trim_start_matches('+')
                .parse::<i8>()
                .ok()
                .filter(|n| *n != 0 && (-5..=5).contains(n))
                .ok_or_else(|| format!("BYDAY {text}: the number is from -5 to 5."))?,
        )
    };
    Ok(ByDay { nth, weekday })
}

fn parse_until<Tz: TimeZone>(value: &str, tz: &Tz) -> Result<DateTime<Utc>, String> {
    let bad = || format!("UNTIL {value} is not a date (YYYYMMDD) or a UTC time (YYYYMMDDTHHMMSSZ).");
    if let Some(v) = value.strip_suffix('Z') {
        let t = NaiveDateTime::parse_from_str(v, "%Y%m%dT%H%M%S").map_err(|_| bad())?;
        dates_in_range(&[t.date()])?;
        return Ok(Utc.from_utc_datetime(&t));
    }
    // A date alone: the whole of that local day counts.
    let d = NaiveDate::parse_from_str(value, "%Y%m%d").map_err(|_| bad())?;
    dates_in_range(&[d])?;
    let end = d.and_hms_opt(23, 59, 59).ok_or_else(bad)?;
    Ok(local_to_utc(tz, end))
}

// ---------------------------------------------------------------------------------------
// Forms
// ---------------------------------------------------------------------------------------

/// A weekly template as the hours form shows it: one text per weekday, Monday first
/// ("08:00-12:00, 13:00-17:00"; empty: not working).
pub fn weekly_to_text(ranges: &[WeeklyRange]) -> Vec<String> {
    WEEK.iter()
        .map(|day| {
            let mut spans: Vec<&WeeklyRange> = ranges.iter().filter(|r| r.weekday == *day).collect();
            spans.sort_by_key(|r| r.start);
            spans
                .iter()
                .map(|r| format!("{}-{}", r.start.format("%H:%M"), r.end.format("%H:%M")))
                .collect::<Vec<_>>()
                .join(", ")
        })
        .collect()
}

const WEEK: [Weekday; 7] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
    Weekday::Sat,
    Weekday::Sun,
];

/// Reads the hours form (seven texts, Monday first) into template ranges starting `from`.
/// The first problem is reported with its weekday.
pub fn weekly_from_text(days: &[String], from: NaiveDate) -> Result<Vec<WeeklyRange>, String> {
    if days.len() != 7 {
        return Err("Give the hours of all seven weekdays.".into());
    }
    let mut out = Vec::new();
    for (day, text) in WEEK.iter().zip(days) {
        let spans = crate::practices::rules::parse_day_hours(text)
            .map_err(|why| format!("{}: {why}", weekday_name(*day)))?;
        for [open, close] in spans {
            let parse = |t: &str| {
                NaiveTime::parse_from_str(t, "%H:%M")
                    .map_err(|_| format!("{}: {t} is not a time.", weekday_name(*day)))
            };
            out.push(WeeklyRange {
                weekday: *day,
                start: parse(&open)?,
                end: parse(&close)?,
                from,
                until: None,
            });
        }
    }
    Ok(out)
}

/// Where a clinician's weekly hours fall outside the practice's opening hours (both as their
/// forms write them, Monday first): a sentence for each weekday that does. Booking follows
/// the clinician's hours either way; this is for the person to look at.
pub fn outside_opening(hours: &[String], opening: &[String]) -> Vec<String> {
    use crate::practices::rules::{format_day_hours, parse_day_hours};
    let mut out = Vec::new();
    // A practice that has not given its opening hours has nothing to compare with.
    if opening.iter().all(|d| d.trim().is_empty()) {
        return out;
    }
    for ((day, mine), open) in WEEK.iter().zip(hours).zip(opening) {
        let (Ok(mine), Ok(open)) = (parse_day_hours(mine), parse_day_hours(open)) else {
            continue;
        };
        let name = weekday_name(*day);
        if mine.is_empty() {
            continue;
        }
        if open.is_empty() {
            out.push(format!(
                "{name}: the practice is closed then, yet this clinician can be booked."
            ));
            continue;
        }
        // "HH:MM" texts compare as times do.
        let outside: Vec<String> = mine
            .iter()
            .filter(|[s, e]| !open.iter().any(|[os, oe]| os <= s && e <= oe))
            .map(|[s, e]| crate::calendar::text::day_hours(&format!("{s}-{e}")))
            .collect();
        if !outside.is_empty() {
            out.push(format!(
                "{name}: {} is outside the practice's opening hours ({}).",
                outside.join(", "),
                crate::calendar::text::day_hours(&format_day_hours(&open))
            ));
        }
    }
    out
}

/// The items to draw when those `same` as an earlier one are drawn with it: each kept item's
/// index and how many it stands for, in order.
pub fn drawn_once<T>(items: &[T], same: impl Fn(&T, &T) -> bool) -> Vec<(usize, usize)> {
    let mut out: Vec<(usize, usize)> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        match out.iter_mut().find(|(k, _)| same(&items[*k], item)) {
            Some((_, n)) => *n += 1,
            None => out.push((i, 1)),
        }
    }
    out
}

/// Lanes for the overlapping spans of one calendar column, given in start order: (index,
/// lane, lanes of its cluster of overlapping spans), so that overlapping ones share the
/// width and the others keep all of it.
pub fn lanes<T: Ord + Copy>(spans: &[(T, T)]) -> Vec<(usize, usize, usize)> {
    let mut out = Vec::new();
    let mut cluster: Vec<(usize, usize)> = Vec::new();
    let mut lane_ends: Vec<T> = Vec::new();
    let mut cluster_end: Option<T> = None;
    for (i, (start, end)) in spans.iter().enumerate() {
        if cluster_end.is_some_and(|c| *start >= c) {
            let n = lane_ends.len();
            out.extend(cluster.drain(..).map(|(i, l)| (i, l, n)));
            lane_ends.clear();
        }
        let lane = match lane_ends.iter().position(|e| *e <= *start) {
            Some(l) => {
                lane_ends[l] = *end;
                l
            }
            None => {
                lane_ends.push(*end);
                lane_ends.len() - 1
            }
        };
        cluster.push((i, lane));
        cluster_end = Some(cluster_end.map_or(*end, |c| c.max(*end)));
    }
    let n = lane_ends.len();
    out.extend(cluster.into_iter().map(|(i, l)| (i, l, n)));
    out
}

/// The days a 3-day view shows from `anchor`: the anchor, then the next days on which the
/// practice opens (`open` holds the weekdays, Monday 0; empty means every day) up to three.
/// The anchor stays whatever it is, so a closed day asked for by address is still shown.
pub fn three_days(anchor: NaiveDate, open: &[u32]) -> Vec<NaiveDate> {
    let mut days = vec![anchor];
    days.extend(open_days_from(anchor, open, 1).take(2));
    days
}

/// Where a 3-day view goes from `anchor`: the next open day after the three it shows, or
/// three open days earlier.
pub fn three_days_step(anchor: NaiveDate, open: &[u32], forward: bool) -> NaiveDate {
    let step = if forward { 1 } else { -1 };
    let from = if forward {
        three_days(anchor, open).last().copied().unwrap_or(anchor)
    } else {
        anchor
    };
    let mut days = open_days_from(from, open, step);
    let found = if forward { days.next() } else { days.nth(2) };
    found.unwrap_or(from + Duration::days(3 * step))
}

/// The open days after `from` (before it when `step` is -1), within three weeks (a
/// practice open on no day yields none).
fn open_days_from(from: NaiveDate, open: &[u32], step: i64) -> impl Iterator<Item = NaiveDate> + '_ {
    (1..=21)
        .map(move |n| from + Duration::days(n * step))
        .filter(move |d| open.is_empty() || open.contains(&d.weekday().num_days_from_monday()))
}

/// Where an entry moved step by step from the keyboard goes next, from `start` in column
/// `col` (the grid's columns are on `dates`): `slots` slot lengths later (earlier when
/// negative), or the same time `cols` columns over. None where that leaves its day (the
/// column shows what starts on it) or the grid.
pub fn key_step(
    start: NaiveDateTime,
    col: usize,
    dates: &[NaiveDate],
    slot: Duration,
    (slots, cols): (i32, isize),
) -> Option<(usize, NaiveDateTime)> {
    let to = col.checked_add_signed(cols).filter(|c| *c < dates.len())?;
    let day = dates[to];
    let start = day.and_time(start.time()) + slot * slots;
    (start.date() == day).then_some((to, start))
}

/// 1st, 2nd, 3rd, 4th …; negative numbers count from the end (-2: "2nd to last").
fn ordinal(n: i8) -> String {
    let k = n.unsigned_abs();
    let suffix = match (k % 10, k % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    match n {
        -1 => "last".into(),
        n if n < 0 => format!("{k}{suffix} to last"),
        _ => format!("{k}{suffix}"),
    }
}

pub fn weekday_name(d: Weekday) -> &'static str {
    match d {
        Weekday::Mon => "Monday",
        Weekday::Tue => "Tuesday",
        Weekday::Wed => "Wednesday",
        Weekday::Thu => "Thursday",
        Weekday::Fri => "Friday",
        Weekday::Sat => "Saturday",
        Weekday::Sun => "Sunday",
    }
}

/// A patient's minimal record, checked.
#[derive(Clone, Debug, PartialEq)]
pub struct CheckedPatient {
    pub name: String,
    pub born: Option<NaiveDate>,
    pub phone: String,
    pub email: String,
}

pub fn check_patient(name: &str, born: &str, phone: &str, email: &str) -> Result<CheckedPatient, String> {
    let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() || name.chars().count() > 200 {
        return Err("Enter the patient's full name (at most 200 characters).".into());
    }
    let born = match born.trim() {
        "" => None,
        b => Some(
            NaiveDate::parse_from_str(b, "%Y-%m-%d")
                .ok()
                .filter(|d| d.year() >= 1880 && *d <= Utc::now().date_naive())
                .ok_or("The date of birth is a past date, such as 15 March 1950.")?,
        ),
    };
    let phone = phone.trim().to_string();
    if phone.chars().count() > 40
        || phone
            .chars()
            .any(|c| !(c.is_ascii_digit() || " +-().x".contains(c)))
    {
        return Err("The phone number has digits, spaces and + - ( ) only.".into());
    }
    let email = email.trim().to_string();
    if !email.is_empty() && crate::auth::rules::normalize_email(&email).is_none() {
        return Err("The e-mail address is not valid.".into());
    }
    Ok(CheckedPatient {
        name,
        born,
        phone,
        email,
    })
}

/// An appointment type, checked; `clinicians` are the practice's providers.
pub fn check_type(
    t: &crate::calendar::model::ApptType,
    clinicians: &[crate::model::UserId],
) -> Result<crate::calendar::model::ApptType, String> {
    let name = t.name.trim().to_string();
    if name.is_empty() || name.chars().count() > 80 {
        return Err("Enter the type's name (at most 80 characters).".into());
    }
    if !(5..=480).contains(&t.minutes) {
        return Err("The length is 5 to 480 minutes.".into());
    }
    if !(0..=120).contains(&t.buffer_before) || !(0..=120).contains(&t.buffer_after) {
        return Err("Buffers are 0 to 120 minutes.".into());
    }
    let color = t.color.trim().to_ascii_lowercase();
    if color.len() != 7 || !color.starts_with('#') || !color[1..].chars().all(|c| c.is_ascii_hexdigit()) {
        return Err("The colour is #rrggbb.".into());
    }
    if t.provider_ids.iter().any(|p| !clinicians.contains(p)) {
        return Err("Allowed providers are clinicians of the practice.".into());
    }
    Ok(crate::calendar::model::ApptType {
        name,
        color,
        ..t.clone()
    })
}

// ---------------------------------------------------------------------------------------
// Free slots
// ---------------------------------------------------------------------------------------

/// What a slot must fit: its length and the buffers kept free before and after it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SlotShape {
    pub length: Duration,
    pub before: Duration,
    pub after: Duration,
}

impl SlotShape {
    /// The span an appointment starting at `start` keeps its provider (and room) busy.
    pub fn blocked(&self, start: DateTime<Utc>) -> Span {
        Span::new(start - self.before, start + self.length + self.after)
    }
}

/// A bookable resource's calendar within the search window: when it may be booked
/// (`open`: a provider's availability; for a room, the whole window) and what it already
/// has (`busy`, buffers included). Both normalized.
#[derive(Clone, Debug, Default)]
pub struct Calendar {
    pub open: Vec<Span>,
    pub busy: Vec<Span>,
}

impl Calendar {
    /// The start times at which `shape` fits: the slot inside `open`, the slot and its
    /// buffers clear of `busy`. Returned as spans of allowed starts `[first, last]`, with
    /// `end` exclusive one second past the last start.
    pub fn allowed_starts(&self, shape: &SlotShape) -> Vec<Span> {
        let one = Duration::seconds(1);
        let by_open: Vec<Span> = self
            .open
            .iter()
            .map(|o| Span::new(o.start, o.end - shape.length + one))
            .filter(|s| !s.is_empty())
            .collect();
        let gaps = subtract(
            &[Span::new(DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC)],
            &self.busy,
        );
        let by_busy: Vec<Span> = gaps
            .iter()
            .map(|g| {
                let first = if g.start == DateTime::<Utc>::MIN_UTC {
                    g.start
                } else {
                    g.start + shape.before
                };
                let last_end = if g.end == DateTime::<Utc>::MAX_UTC {
                    g.end
                } else {
                    g.end - shape.length - shape.after + one
                };
                Span::new(first, last_end)
            })
            .filter(|s| !s.is_empty())
            .collect();
        intersect(&normalize(by_open), &normalize(by_busy))
    }
}

/// The first grid-aligned instant at or after `t` (grid of `step` since the Unix epoch;
/// the same as local alignment for zones whose offset is a multiple of the step).
pub fn align_up(t: DateTime<Utc>, step: Duration) -> DateTime<Utc> {
    let s = step.num_seconds().max(1);
    let secs = t.timestamp();
    let up = secs + (s - secs.rem_euclid(s)) % s;
    DateTime::<Utc>::from_timestamp(up, 0).unwrap_or(t)
}

/// A free slot: the provider's index in the input, the room's index when one is needed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Slot {
    pub provider: usize,
    pub room: Option<usize>,
    pub start: DateTime<Utc>,
}

/// The earliest `limit` free slots for `shape` in `window` across `providers` (ties keep the
/// providers' order), starting on the `step` grid. With `rooms` given (the type needs a
/// room), a slot also needs one room free for the blocked span; the first such room is named.
pub fn find_slots(
    providers: &[Calendar],
    rooms: Option<&[Calendar]>,
    shape: &SlotShape,
    window: Span,
    step: Duration,
    limit: usize,
) -> Vec<Slot> {
    let window_starts = [Span::new(
        window.start,
        window.end - shape.length + Duration::seconds(1),
    )];
    let room_starts: Option<Vec<Vec<Span>>> = rooms.map(|rs| {
        rs.iter()
            .map(|r| intersect(&r.allowed_starts(shape), &window_starts))
            .collect()
    });
    let any_room: Option<Vec<Span>> = room_starts
        .as_ref()
        .map(|all| normalize(all.iter().flatten().copied().collect()));
    let mut found: Vec<Slot> = Vec::new();
    for (p, cal) in providers.iter().enumerate() {
        let mut starts = intersect(&cal.allowed_starts(shape), &window_starts);
        if let Some(any) = &any_room {
            starts = intersect(&starts, any);
        }
        let mut taken = 0;
        'spans: for span in starts {
            let mut t = align_up(span.start, step);
            while t < span.end {
                let room = match &room_starts {
                    None => None,
                    Some(all) => {
                        match all
                            .iter()
                            .position(|r| r.iter().any(|s| s.start <= t && t < s.end))
                        {
                            Some(i) => Some(i),
                            None => {
                                t += step;
                                continue;
                            }
                        }
                    }
                };
                found.push(Slot {
                    provider: p,
                    room,
                    start: t,
                });
                taken += 1;
                if taken >= limit {
                    break 'spans;
                }
                t += step;
            }
        }
    }
    found.sort_by_key(|s| (s.start, s.provider));
    found.truncate(limit);
    found
}

#[cfg(test)]
mod tests {

    #[test]
    fn three_days_skip_the_days_the_practice_is_closed() {
        let d = |day| NaiveDate::from_ymd_opt(2026, 12, day).unwrap();
        let weekdays = [0, 1, 2, 3, 4];
        // Friday 4 December: Friday, then Monday and Tuesday; on from there is Wednesday.
        assert_eq!(three_days(d(4), &weekdays), vec![d(4), d(7), d(8)]);
        assert_eq!(three_days_step(d(4), &weekdays, true), d(9));
        assert_eq!(three_days(d(1), &weekdays), vec![d(1), d(2), d(3)]);
        // From Wednesday the next three open days start on Monday, not on the closed Saturday.
        assert_eq!(three_days_step(d(2), &weekdays, true), d(7));
        // A Saturday asked for by address stays the first day.
        assert_eq!(three_days(d(5), &weekdays), vec![d(5), d(7), d(8)]);
        // Back goes three open days earlier.
        assert_eq!(three_days_step(d(9), &weekdays, false), d(4));
        assert_eq!(three_days_step(d(4), &weekdays, false), d(1));
        // No hours at all: every day counts; weekdays that cannot be are no open days.
        assert_eq!(three_days(d(4), &[]), vec![d(4), d(5), d(6)]);
        assert_eq!(three_days_step(d(4), &[], false), d(1));
        assert_eq!(three_days(d(4), &[9]), vec![d(4)]);
        assert_eq!(three_days_step(d(4), &[9], true), d(7));
    }

    #[test]
    fn a_keyboard_move_steps_by_slots_and_columns_within_the_grid() {
        use chrono::{Duration, NaiveDate};
        let day = |d| NaiveDate::from_ymd_opt(2026, 12, d).unwrap_or_default();
        let at = |d, h, m| day(d).and_hms_opt(h, m, 0).unwrap_or_default();
        // Monday, Tuesday, Thursday (a closed Wednesday left out).
        let dates = [day(14), day(15), day(17)];
        let slot = Duration::minutes(15);
        let step = |col, start, by| super::key_step(start, col, &dates, slot, by);
        assert_eq!(step(0, at(14, 10, 0), (1, 0)), Some((0, at(14, 10, 15))));
        assert_eq!(step(0, at(14, 10, 0), (-2, 0)), Some((0, at(14, 9, 30))));
        // Sideways keeps the time and skips what is not shown.
        assert_eq!(step(1, at(15, 10, 5), (0, 1)), Some((2, at(17, 10, 5))));
        assert_eq!(step(1, at(15, 10, 5), (0, -1)), Some((0, at(14, 10, 5))));
        // Not past the first or last column, nor out of the day.
        assert_eq!(step(0, at(14, 10, 0), (0, -1)), None);
        assert_eq!(step(2, at(17, 10, 0), (0, 1)), None);
        assert_eq!(step(0, at(14, 0, 0), (-1, 0)), None);
        assert_eq!(step(0, at(14, 23, 45), (1, 0)), None);
        // Columns of one day (clinicians side by side) all share its date.
        let one_day = [day(14), day(14)];
        assert_eq!(
            super::key_step(at(14, 9, 0), 0, &one_day, slot, (0, 1)),
            Some((1, at(14, 9, 0)))
        );
    }

    #[test]
    fn what_several_share_is_drawn_once() {
        let lunches = [
            ("Lunch", 12),
            ("Lunch", 12),
            ("Call", 12),
            ("Lunch", 13),
            ("Lunch", 12),
        ];
        assert_eq!(
            super::drawn_once(&lunches, |a, b| a == b),
            vec![(0, 3), (2, 1), (3, 1)]
        );
        assert!(super::drawn_once(&[] as &[u8], |a, b| a == b).is_empty());
    }

    #[test]
    fn hours_outside_the_opening_hours_are_named_per_weekday() {
        let week = |days: [&str; 7]| days.map(String::from).to_vec();
        let opening = week([
            "08:00-17:00",
            "08:00-12:00, 13:00-17:00",
            "08:00-17:00",
            "08:00-17:00",
            "08:00-17:00",
            "",
            "",
        ]);
        let inside = week([
            "08:30-12:00, 13:00-17:00",
            "08:00-12:00",
            "",
            "08:00-17:00",
            "09:00-10:00",
            "",
            "",
        ]);
        assert!(super::outside_opening(&inside, &opening).is_empty());
        assert!(
            super::outside_opening(&inside, &week([""; 7])).is_empty(),
            "no opening hours given"
        );
        let hours = week([
            "07:30-12:00",
            "11:00-14:00",
            "08:00-17:00",
            "",
            "",
            "09:00-13:00",
            "",
        ]);
        assert_eq!(
            super::outside_opening(&hours, &opening),
            vec![
                "Monday: 07:30-12:00 is outside the practice's opening hours (08:00-17:00).".to_string(),
                "Tuesday: 11:00-14:00 is outside the practice's opening hours (08:00-12:00, 13:00-17:00)."
                    .to_string(),
                "Saturday: the practice is closed then, yet this clinician can be booked.".to_string(),
            ]
        );
    }

    use super::*;
    use chrono_tz::America::New_York;
    use proptest::prelude::*;

    #[test]
    fn arrival_belongs_to_the_appointments_day() {
        use crate::calendar::model::Status;
        let day = NaiveDate::from_ymd_opt(2026, 12, 15).unwrap();
        let before = day.pred_opt().unwrap();
        let after = day.succ_opt().unwrap();
        assert!(Status::Arrived.fits_day(day, day));
        assert!(!Status::Arrived.fits_day(day, before), "two weeks ahead: not yet");
        assert!(!Status::InRoom.fits_day(day, after));
        assert!(Status::Completed.fits_day(day, after) && !Status::Completed.fits_day(day, before));
        assert!(Status::NoShow.fits_day(day, day) && !Status::NoShow.fits_day(day, before));
        assert!(Status::Confirmed.fits_day(day, before) && Status::Cancelled.fits_day(day, after));
    }

    #[test]
    fn a_conflict_offers_the_same_clinicians_times_first() {
        let own = vec!["own1", "own2", "own3", "own4", "own5"];
        let others = vec!["other1", "other2", "other3", "other4", "other5"];
        assert_eq!(
            own_first(own.clone(), others.clone(), 5),
            ["own1", "own2", "own3", "other1", "other2"]
        );
        assert_eq!(
            own_first(own.clone(), vec!["other1"], 5),
            ["own1", "own2", "own3", "own4", "other1"]
        );
        assert_eq!(
            own_first(vec!["own1"], others, 5),
            ["own1", "other1", "other2", "other3", "other4"]
        );
        assert_eq!(own_first(own, Vec::new(), 5).len(), 5);
    }

    #[test]
    fn a_search_spreads_its_offers_over_days_and_clinicians() {
        let offers = [
            (1, 'a'),
            (1, 'a'),
            (1, 'a'),
            (1, 'b'),
            (1, 'a'),
            (2, 'a'),
            (2, 'b'),
            (2, 'b'),
        ];
        assert_eq!(
            spread(offers.to_vec(), |o| *o, 2, 10),
            [(1, 'a'), (1, 'a'), (1, 'b'), (2, 'a'), (2, 'b'), (2, 'b')]
        );
        assert_eq!(spread(offers.to_vec(), |o| *o, 2, 4).len(), 4);
    }

    #[test]
    fn free_times_are_open_time_less_bookings_long_enough_to_book() {
        let at = |h, m| {
            NaiveDate::from_ymd_opt(2026, 12, 1)
                .unwrap()
                .and_hms_opt(h, m, 0)
                .unwrap()
        };
        let open = [(at(8, 30), at(12, 0)), (at(13, 0), at(17, 0))];
        let busy = [
            (at(9, 0), at(9, 20)),
            (at(9, 20), at(11, 50)),
            (at(16, 0), at(18, 0)),
        ];
        assert_eq!(
            free_times(&open, &busy, Duration::minutes(15)),
            vec![(at(8, 30), at(9, 0)), (at(13, 0), at(16, 0))],
            "the 10 minutes before noon are too short to book"
        );
        assert!(free_times(&[], &busy, Duration::minutes(15)).is_empty());
    }

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .map(|t| t.with_timezone(&Utc))
            .unwrap()
    }

    fn local(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    #[test]
    fn in_the_repeated_autumn_hour_the_chosen_instant_is_kept() {
        // 2026-11-01 in New York: 01:30 EDT (05:30Z), then 01:30 EST (06:30Z).
        let half_past_one = local("2026-11-01 01:30");
        let first = utc("2026-11-01T05:30:00Z");
        let second = utc("2026-11-01T06:30:00Z");
        assert_eq!(instant_of(&New_York, half_past_one, None), first);
        assert_eq!(instant_of(&New_York, half_past_one, Some(second)), second);
        assert_eq!(instant_of(&New_York, half_past_one, Some(first)), first);
        // An instant that is not that local time (the form was changed after picking) is
        // not used.
        assert_eq!(
            instant_of(&New_York, local("2026-11-01 03:00"), Some(second)),
            utc("2026-11-01T08:00:00Z")
        );
        assert!(is_second_pass(&New_York, second));
        assert!(!is_second_pass(&New_York, first));
        assert!(!is_second_pass(&New_York, utc("2026-11-01T09:00:00Z")));
    }

    #[test]
    fn a_weekly_nine_oclock_stays_at_nine_across_both_dst_changes() {
        let rule = Rrule::parse("FREQ=WEEKLY;BYDAY=MO;COUNT=52").unwrap();
        let times = rule.occurrences(&New_York, local("2026-01-05 09:00"));
        assert_eq!(times.len(), 52);
        for t in &times {
            assert_eq!(t.time(), NaiveTime::from_hms_opt(9, 0, 0).unwrap());
            assert_eq!(t.weekday(), Weekday::Mon);
        }
        // Winter (EST, UTC-5) then summer (EDT, UTC-4) then winter again.
        assert_eq!(local_to_utc(&New_York, times[0]), utc("2026-01-05T14:00:00Z"));
        assert_eq!(
            local_to_utc(&New_York, local("2026-03-09 09:00")),
            utc("2026-03-09T13:00:00Z")
        );
        assert!(times.contains(&local("2026-03-09 09:00")));
        assert_eq!(
            local_to_utc(&New_York, local("2026-11-02 09:00")),
            utc("2026-11-02T14:00:00Z")
        );
        assert!(times.contains(&local("2026-11-02 09:00")));
    }

    #[test]
    fn times_in_the_spring_gap_move_forward_and_in_the_autumn_fold_take_the_first() {
        // 2026-03-08 02:30 does not exist in New York: read with EST, it is 03:30 EDT.
        assert_eq!(
            local_to_utc(&New_York, local("2026-03-08 02:30")),
            utc("2026-03-08T07:30:00Z")
        );
        // 2026-11-01 01:30 happens twice: the first is EDT.
        assert_eq!(
            local_to_utc(&New_York, local("2026-11-01 01:30")),
            utc("2026-11-01T05:30:00Z")
        );
    }

    #[test]
    fn rules_parse_refuse_and_print_back() {
        for text in [
            "FREQ=DAILY;COUNT=5",
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH;UNTIL=20261231T235959Z",
            "FREQ=MONTHLY;BYDAY=-1FR;COUNT=12",
            "FREQ=MONTHLY;BYMONTHDAY=15",
        ] {
            assert_eq!(Rrule::parse(text).unwrap().to_text(), text);
        }
        assert_eq!(
            Rrule::parse("RRULE:freq=daily;count=2").unwrap().end,
            End::Count(2)
        );
        for bad in [
            "",
            "FREQ=YEARLY",
            "FREQ=WEEKLY;BYDAY=2MO",
            "FREQ=DAILY;COUNT=0",
            "FREQ=DAILY;COUNT=3;UNTIL=20260101",
            "FREQ=DAILY;BYHOUR=9",
            "FREQ=WEEKLY;BYDAY=XX",
            "FREQ=MONTHLY;BYMONTHDAY=32",
            "FREQ=DAILY;INTERVAL=0",
        ] {
            assert!(Rrule::parse(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn overlapping_spans_share_the_width_and_others_keep_it() {
        assert_eq!(
            lanes(&[(900, 1000), (930, 1030), (1100, 1130)]),
            vec![(0, 0, 2), (1, 1, 2), (2, 0, 1)]
        );
        // A third overlapping the first only reuses the second's lane once that is free.
        assert_eq!(
            lanes(&[(900, 1100), (900, 930), (930, 1000), (1100, 1200)]),
            vec![(0, 0, 2), (1, 1, 2), (2, 1, 2), (3, 0, 1)]
        );
        assert!(lanes::<i32>(&[]).is_empty());
    }

    #[test]
    fn rules_read_as_words_in_booking_details() {
        for (text, words) in [
            ("FREQ=DAILY;COUNT=5", "Every day, 5 times"),
            ("FREQ=WEEKLY;COUNT=1", "Every week, once"),
            (
                "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH;UNTIL=20261231T235959Z",
                "Every 2 weeks on Monday, Thursday, until 2026-12-31",
            ),
            (
                "FREQ=MONTHLY;BYDAY=-1FR;COUNT=12",
                "Every month on the last Friday, 12 times",
            ),
            (
                "FREQ=MONTHLY;BYDAY=2TU,-2WE",
                "Every month on the 2nd Tuesday, the 2nd to last Wednesday",
            ),
            (
                "FREQ=MONTHLY;BYMONTHDAY=1,12,22,23",
                "Every month on the 1st, 12th, 22nd, 23rd",
            ),
        ] {
            assert_eq!(Rrule::parse(text).unwrap().describe(&Utc), words, "{text}");
        }
        let ends = Rrule::parse("FREQ=DAILY;UNTIL=20270315T035959Z").unwrap();
        assert_eq!(
            ends.describe(&chrono_tz::America::New_York),
            "Every day, until 2027-03-14"
        );
    }

    #[test]
    fn monthly_rules_pick_numbered_weekdays_and_skip_short_months() {
        let last_friday = Rrule::parse("FREQ=MONTHLY;BYDAY=-1FR;COUNT=3").unwrap();
        assert_eq!(
            last_friday.occurrences(&New_York, local("2026-01-30 10:00")),
            vec![
                local("2026-01-30 10:00"),
                local("2026-02-27 10:00"),
                local("2026-03-27 10:00")
            ]
        );
        let the_31st = Rrule::parse("FREQ=MONTHLY;COUNT=3").unwrap();
        assert_eq!(
            the_31st.occurrences(&New_York, local("2026-01-31 10:00")),
            vec![
                local("2026-01-31 10:00"),
                local("2026-03-31 10:00"),
                local("2026-05-31 10:00")
            ]
        );
    }

    #[test]
    fn a_date_only_until_includes_the_evening_of_that_day_where_the_practice_is() {
        // 20:00 in Chicago is 02:00 UTC the next day: a UTC end of day would cut the 10th.
        let chicago: chrono_tz::Tz = "America/Chicago".parse().unwrap();
        let rule = Rrule::parse_in("FREQ=DAILY;UNTIL=20270110", &chicago).unwrap();
        let times = rule.occurrences(&chicago, local("2027-01-04 20:00"));
        assert_eq!(times.last(), Some(&local("2027-01-10 20:00")));
        assert_eq!(times.len(), 7);
        // Stored with a UTC time, which reads back the same anywhere.
        assert_eq!(rule.to_text(), "FREQ=DAILY;UNTIL=20270111T055959Z");
        assert_eq!(Rrule::parse(&rule.to_text()), Ok(rule));
    }

    #[test]
    fn counted_rules_book_every_occurrence_or_say_why_not() {
        // Checked against python-dateutil: every 12 months on the 29th, 3 times, from a
        // 29 January is 2027-01-29, 2028-01-29, 2029-01-29 (past the old five-year cut: no).
        let yearly = Rrule::parse("FREQ=MONTHLY;INTERVAL=12;BYMONTHDAY=29;COUNT=3").unwrap();
        let times = yearly.expand(&New_York, local("2027-01-29 09:00")).unwrap();
        assert_eq!(times.len(), 3);
        assert_eq!(times[2], local("2029-01-29 09:00"));
        // Every 99 days, 20 times: 1,881 days, over five years.
        let sparse = Rrule::parse("FREQ=DAILY;INTERVAL=99;COUNT=20").unwrap();
        let times = sparse.expand(&New_York, local("2027-01-04 09:00")).unwrap();
        assert_eq!(times.len(), 20);
        assert_eq!(times[19], local("2027-01-04 09:00") + Duration::days(19 * 99));
        // February 30th never comes: refused, not one booking and a "2 times" label.
        let never = Rrule::parse("FREQ=MONTHLY;BYMONTHDAY=30;INTERVAL=12;COUNT=2").unwrap();
        let refused = never.expand(&New_York, local("2027-02-28 09:00"));
        assert!(refused.is_err_and(|why| why.contains("only 1 of its 2")));
        // An end date past 400 occurrences is refused rather than cut.
        let long = Rrule::parse("FREQ=DAILY;UNTIL=20300101T000000Z").unwrap();
        assert!(long.expand(&New_York, local("2027-01-04 09:00")).is_err());
        let short = Rrule::parse("FREQ=DAILY;UNTIL=20270110T235959Z").unwrap();
        assert_eq!(
            short
                .expand(&New_York, local("2027-01-04 09:00"))
                .map(|t| t.len()),
            Ok(7)
        );
    }

    #[test]
    fn until_is_inclusive_and_open_rules_stop_at_the_horizon() {
        let rule = Rrule::parse("FREQ=DAILY;UNTIL=20260105T140000Z").unwrap();
        let times = rule.occurrences(&New_York, local("2026-01-01 09:00"));
        assert_eq!(times.last(), Some(&local("2026-01-05 09:00")));
        assert_eq!(times.len(), 5);
        let open = Rrule::parse("FREQ=WEEKLY").unwrap();
        let times = open.occurrences(&New_York, local("2026-01-01 09:00"));
        assert_eq!(times.len(), 53);
        assert!(*times.last().unwrap() <= local("2026-01-01 09:00") + Duration::days(OPEN_HORIZON_DAYS));
    }

    #[test]
    fn availability_follows_the_template_exceptions_and_local_time() {
        let template = vec![WeeklyRange {
            weekday: Weekday::Mon,
            start: NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
            end: NaiveTime::from_hms_opt(12, 0, 0).unwrap(),
            from: NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
            until: None,
        }];
        let window = Span::new(utc("2026-03-01T00:00:00Z"), utc("2026-03-17T00:00:00Z"));
        let off = (
            ExceptionKind::Off,
            Span::new(utc("2026-03-02T14:00:00Z"), utc("2026-03-02T15:00:00Z")),
        );
        let extra = (
            ExceptionKind::Extra,
            Span::new(utc("2026-03-14T14:00:00Z"), utc("2026-03-14T16:00:00Z")),
        );
        let got = availability(&New_York, &template, &[off, extra], window);
        assert_eq!(
            got,
            vec![
                // EST: 9:00 is 14:00Z; the first hour is off.
                Span::new(utc("2026-03-02T15:00:00Z"), utc("2026-03-02T17:00:00Z")),
                // EDT after 8 March: 9:00 is 13:00Z.
                Span::new(utc("2026-03-09T13:00:00Z"), utc("2026-03-09T16:00:00Z")),
                Span::new(utc("2026-03-14T14:00:00Z"), utc("2026-03-14T16:00:00Z")),
                Span::new(utc("2026-03-16T13:00:00Z"), utc("2026-03-16T16:00:00Z")),
            ]
        );
    }

    #[test]
    fn slots_respect_buffers_rooms_and_order() {
        let day = |h: u32, m: u32| utc(&format!("2026-05-04T{h:02}:{m:02}:00Z"));
        let shape = SlotShape {
            length: Duration::minutes(30),
            before: Duration::minutes(5),
            after: Duration::minutes(10),
        };
        let a = Calendar {
            open: vec![Span::new(day(9, 0), day(11, 0))],
            busy: vec![Span::new(day(9, 0), day(10, 0))],
        };
        let b = Calendar {
            open: vec![Span::new(day(10, 0), day(11, 0))],
            busy: vec![],
        };
        let slots = find_slots(
            &[a.clone(), b.clone()],
            None,
            &shape,
            Span::new(day(0, 0), day(23, 0)),
            Duration::minutes(15),
            4,
        );
        let got: Vec<(usize, DateTime<Utc>)> = slots.iter().map(|s| (s.provider, s.start)).collect();
        // a: busy until 10:00, 5 min buffer -> 10:05, aligned 10:15; b free from 10:00.
        assert_eq!(
            got,
            vec![
                (1, day(10, 0)),
                (0, day(10, 15)),
                (1, day(10, 15)),
                (0, day(10, 30))
            ]
        );
        // Two rooms: the first busy 10:00-10:20, the second 9:00-10:05. A slot needs a room
        // free for its blocked span (5 min before, 10 after); the first room that fits is named.
        let rooms = [
            Calendar {
                open: vec![Span::new(day(0, 0), day(23, 0))],
                busy: vec![Span::new(day(10, 0), day(10, 20))],
            },
            Calendar {
                open: vec![Span::new(day(0, 0), day(23, 0))],
                busy: vec![Span::new(day(9, 0), day(10, 5))],
            },
        ];
        let slots = find_slots(
            &[a, b],
            Some(&rooms),
            &shape,
            Span::new(day(0, 0), day(23, 0)),
            Duration::minutes(15),
            10,
        );
        let got: Vec<(usize, DateTime<Utc>, Option<usize>)> =
            slots.iter().map(|s| (s.provider, s.start, s.room)).collect();
        assert_eq!(
            got,
            vec![
                (0, day(10, 15), Some(1)),
                (1, day(10, 15), Some(1)),
                (0, day(10, 30), Some(0)),
                (1, day(10, 30), Some(0))
            ]
        );
    }

    fn arb_spans(max: usize) -> impl Strategy<Value = Vec<Span>> {
        prop::collection::vec((0i64..(7 * 96), 1i64..16), 0..max).prop_map(|v| {
            let base = utc("2026-05-04T00:00:00Z");
            normalize(
                v.into_iter()
                    .map(|(s, l)| {
                        Span::new(
                            base + Duration::minutes(s * 15),
                            base + Duration::minutes((s + l) * 15),
                        )
                    })
                    .collect(),
            )
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        /// Every slot found is free, open and aligned, and no earlier slot was missed
        /// (checked against trying every grid point).
        #[test]
        fn slot_finder_matches_brute_force(
            open in arb_spans(12),
            busy in arb_spans(20),
            len in 1i64..6,
            before in 0i64..3,
            after in 0i64..3,
        ) {
            let base = utc("2026-05-04T00:00:00Z");
            let step = Duration::minutes(15);
            let shape = SlotShape { length: step * len as i32, before: Duration::minutes(before * 5), after: Duration::minutes(after * 5) };
            let window = Span::new(base, base + Duration::days(7));
            let cal = Calendar { open: open.clone(), busy: busy.clone() };
            let slots = find_slots(&[cal], None, &shape, window, step, 10);
            let mut expected = Vec::new();
            let mut t = base;
            while t + shape.length <= window.end && expected.len() < 10 {
                let slot = Span::new(t, t + shape.length);
                let blocked = shape.blocked(t);
                if open.iter().any(|o| o.contains(&slot)) && !busy.iter().any(|b| b.overlaps(&blocked)) {
                    expected.push(t);
                }
                t += step;
            }
            let got: Vec<DateTime<Utc>> = slots.iter().map(|s| s.start).collect();
            prop_assert_eq!(got, expected);
        }

        /// Weekly rules: strictly increasing, on the chosen weekdays, at the same local time,
        /// never more than COUNT, the first is the start.
        #[test]
        fn weekly_expansion_keeps_weekday_and_local_time(
            days in prop::collection::btree_set(0usize..7, 1..4),
            interval in 1u32..4,
            count in 1u32..60,
            start_day in 0i64..365,
            hour in 6u32..20,
        ) {
            let chosen: Vec<Weekday> = days.iter().map(|d| DAY_CODES[*d].1).collect();
            let first_day = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap() + Duration::days(start_day);
            // The series starts on one of its own days, as a person would book it.
            let first_day = (0..7).map(|i| first_day + Duration::days(i)).find(|d| chosen.contains(&d.weekday())).unwrap();
            let first = first_day.and_hms_opt(hour, 30, 0).unwrap();
            let rule = Rrule { freq: Freq::Weekly, interval, by_day: chosen.iter().map(|w| ByDay { nth: None, weekday: *w }).collect(), by_month_day: vec![], end: End::Count(count) };
            let times = rule.occurrences(&New_York, first);
            prop_assert_eq!(times.len(), count as usize);
            prop_assert_eq!(times[0], first);
            for w in times.windows(2) {
                prop_assert!(w[0] < w[1]);
                prop_assert!(local_to_utc(&New_York, w[0]) < local_to_utc(&New_York, w[1]));
            }
            for t in &times {
                prop_assert!(chosen.contains(&t.weekday()));
                prop_assert_eq!(t.time(), first.time());
                // Weeks counted from the first one's Monday, every `interval` weeks.
                let monday = |d: NaiveDate| d - Duration::days(d.weekday().num_days_from_monday().into());
                let weeks = (monday(t.date()) - monday(first.date())).num_weeks();
                prop_assert_eq!(weeks % i64::from(interval), 0);
            }
        }

        /// Span algebra: subtract and intersect agree with point checks.
        #[test]
        fn subtract_and_intersect_agree_with_points(a in arb_spans(10), b in arb_spans(10), probe in 0i64..(7 * 96)) {
            let t = utc("2026-05-04T00:00:00Z") + Duration::minutes(probe * 15 + 7);
            let inside = |s: &[Span]| s.iter().any(|x| x.start <= t && t < x.end);
            prop_assert_eq!(inside(&subtract(&a, &b)), inside(&a) && !inside(&b));
            prop_assert_eq!(inside(&intersect(&a, &b)), inside(&a) && inside(&b));
        }
    }
}
