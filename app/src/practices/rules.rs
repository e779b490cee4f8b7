//! Pure rules of practice settings: checking what an admin typed, and the weekly opening
//! hours written as text ("08:00-12:00, 13:00-17:00"; empty means closed).

use crate::error::AppError;
use crate::practices::model::PracticeSettings;
use chrono::NaiveTime;
use std::collections::BTreeMap;

/// Weekday keys as stored in `practices.business_hours`, Monday first.
pub const WEEKDAYS: [(&str, &str); 7] = [
    ("mon", "Monday"),
    ("tue", "Tuesday"),
    ("wed", "Wednesday"),
    ("thu", "Thursday"),
    ("fri", "Friday"),
    ("sat", "Saturday"),
    ("sun", "Sunday"),
];

/// Opening hours: weekday key → list of `[open, close]` local times ("HH:MM").
pub type Hours = BTreeMap<String, Vec<[String; 2]>>;

/// The zone a practice's `time_zone` names, as the server computes with it: a name the
/// bundled zone database (chrono-tz) knows. PostgreSQL's list is wider (`posix/…`,
/// `localtime`, `Factory`): such a name would leave the server unable to show the practice's
/// calendar, so only names both know are accepted (the caller checks PostgreSQL's).
#[cfg(feature = "ssr")]
pub fn zone(name: &str) -> Option<chrono_tz::Tz> {
    name.parse::<chrono_tz::Tz>()
        .ok()
        .filter(|tz| tz.name() != "Factory")
}

/// The zone a stored name from before names were checked meant, when it can be told:
/// `posix/America/Chicago` and `right/America/Chicago` are America/Chicago.
#[cfg(feature = "ssr")]
pub fn repaired_zone(name: &str) -> Option<chrono_tz::Tz> {
    zone(name).or_else(|| {
        let rest = name
            .strip_prefix("posix/")
            .or_else(|| name.strip_prefix("right/"))?;
        zone(rest)
    })
}

/// Settings an admin may save, checked.
#[derive(Clone, Debug, PartialEq)]
pub struct CheckedSettings {
    pub name: String,
    pub time_zone: String,
    pub phone_script: String,
    pub emergency_rules: String,
    pub idle_logout_minutes: i32,
    pub reminder_hours: Vec<i32>,
    pub require_admin_mfa: bool,
    pub hours: Hours,
}

pub const IDLE_MINUTES: std::ops::RangeInclusive<i32> = 2..=480;
const TEXT_LIMIT: usize = 20_000;

/// A name as one line of 1 to 120 characters: runs of white space (line breaks and tabs
/// too) become one space, and other control characters are refused. Names are copied into
/// e-mail, where a line break would start a line of the sender's choosing.
fn one_line_name(name: &str, problem: &str) -> Result<String, AppError> {
    let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() || name.chars().count() > 120 || name.chars().any(char::is_control) {
        return Err(AppError::invalid(problem));
    }
    Ok(name)
}

/// Checks a practice's name (also used when a practice is created).
pub fn check_name(name: &str) -> Result<String, AppError> {
    one_line_name(
        name,
        "Enter the practice's name (at most 120 characters, one line).",
    )
}

/// Checks the name of a person being invited.
pub fn check_person_name(name: &str) -> Result<String, AppError> {
    one_line_name(
        name,
        "Enter the person's name (at most 120 characters, one line).",
    )
}

/// Checks the whole settings form; the first problem found is reported and nothing is saved.
/// Whether the time zone exists is checked against the database's zone list by the caller.
pub fn check_settings(form: &PracticeSettings) -> Result<CheckedSettings, AppError> {
    let name = check_name(&form.name)?;
    let time_zone = form.time_zone.trim().to_string();
    if time_zone.is_empty() {
        return Err(AppError::invalid("Choose the practice's time zone."));
    }
    let idle_logout_minutes = form
        .idle_logout_minutes
        .trim()
        .parse::<i32>()
        .ok()
        .filter(|m| IDLE_MINUTES.contains(m))
        .ok_or_else(|| {
            AppError::invalid(format!(
                "Idle sign-out is a whole number of minutes from {} to {}.",
                IDLE_MINUTES.start(),
                IDLE_MINUTES.end()
            ))
        })?;
    let reminder_hours = parse_reminder_hours(&form.reminder_hours)?;
    if form.phone_script.len() > TEXT_LIMIT || form.emergency_rules.len() > TEXT_LIMIT {
        return Err(AppError::invalid(
            "The phone script and the emergency rules are at most 20,000 characters each.",
        ));
    }
    let mut hours = Hours::new();
    for ((key, label), text) in WEEKDAYS.iter().zip(form.days()) {
        let spans = parse_day_hours(text).map_err(|why| AppError::invalid(format!("{label}: {why}")))?;
        if !spans.is_empty() {
            hours.insert((*key).to_string(), spans);
        }
    }
    Ok(CheckedSettings {
        name,
        time_zone,
        phone_script: form.phone_script.trim_end().to_string(),
        emergency_rules: form.emergency_rules.trim_end().to_string(),
        idle_logout_minutes,
        reminder_hours,
        require_admin_mfa: form.require_admin_mfa.is_some(),
        hours,
    })
}

/// "48, 2" → [48, 2] (largest first, no repeats): at most three lead times of 1 to 336
/// hours (two weeks); empty: no reminders.
pub fn parse_reminder_hours(text: &str) -> Result<Vec<i32>, AppError> {
    let bad = || {
        AppError::invalid(
            "Reminders: up to three whole numbers of hours before the appointment, from 1 to 336, separated by commas (e.g. 48, 2).",
        )
    };
    let mut hours = Vec::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let h: i32 = part.parse().map_err(|_| bad())?;
        if !(1..=336).contains(&h) {
            return Err(bad());
        }
        if !hours.contains(&h) {
            hours.push(h);
        }
    }
    if hours.len() > 3 {
        return Err(bad());
    }
    hours.sort_unstable_by(|a, b| b.cmp(a));
    Ok(hours)
}

/// [48, 2] → "48, 2".
pub fn format_reminder_hours(hours: &[i32]) -> String {
    hours.iter().map(i32::to_string).collect::<Vec<_>>().join(", ")
}

/// Refuses a change that would leave the practice without a practice admin: `person`, now
/// `current`, would become `next` (`None`: leaves the practice); `admins` are the practice's
/// admins now.
pub fn keeps_an_admin(
    admins: &[crate::model::UserId],
    person: crate::model::UserId,
    current: Option<crate::model::Role>,
    next: Option<crate::model::Role>,
) -> Result<(), AppError> {
    use crate::model::Role::PracticeAdmin;
    let loses_admin = current == Some(PracticeAdmin) && next != Some(PracticeAdmin);
    if loses_admin && admins.iter().all(|a| *a == person) {
        return Err(AppError::invalid(
            "A practice needs at least one practice admin: make someone else admin first.",
        ));
    }
    Ok(())
}

/// The names of the fields that differ between two versions of the settings (for the audit
/// log, which records what changed but not the texts themselves).
pub fn changed_fields(before: &PracticeSettings, after: &PracticeSettings) -> Vec<&'static str> {
    let mut changed = Vec::new();
    let pairs: [(&'static str, bool); 8] = [
        ("name", before.name != after.name),
        ("time_zone", before.time_zone != after.time_zone),
        ("phone_script", before.phone_script != after.phone_script),
        ("emergency_rules", before.emergency_rules != after.emergency_rules),
        (
            "idle_logout_minutes",
            before.idle_logout_minutes != after.idle_logout_minutes,
        ),
        ("reminder_hours", before.reminder_hours != after.reminder_hours),
        (
            "require_admin_mfa",
            before.require_admin_mfa.is_some() != after.require_admin_mfa.is_some(),
        ),
        ("business_hours", before.days() != after.days()),
    ];
    for (name, differs) in pairs {
        if differs {
            changed.push(name);
        }
    }
    changed
}

/// "08:00-12:00, 13:00-17:00" → spans in order; "" → closed. Spans must not overlap.
pub fn parse_day_hours(text: &str) -> Result<Vec<[String; 2]>, String> {
    // A day has a few spans; a longer text is a mistake (and would be echoed below).
    if text.chars().count() > 200 {
        return Err("write opening hours as 08:00-12:00, 13:00-17:00 (at most 200 characters)".into());
    }
    let mut spans: Vec<(NaiveTime, NaiveTime)> = Vec::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (open, close) = part
            .split_once(['-', '–'])
            .ok_or_else(|| format!("write opening hours as 08:00-17:00 (not \"{part}\")"))?;
        let open = parse_time(open)?;
        let close = parse_time(close)?;
        if close <= open {
            return Err(format!("{part} closes before it opens"));
        }
        spans.push((open, close));
    }
    spans.sort();
    if spans.windows(2).any(|w| w[1].0 < w[0].1) {
        return Err("the opening hours overlap".to_string());
    }
    Ok(spans
        .into_iter()
        .map(|(o, c)| [o.format("%H:%M").to_string(), c.format("%H:%M").to_string()])
        .collect())
}

/// A time typed either way ("08:30", "8:30 am").
fn parse_time(text: &str) -> Result<NaiveTime, String> {
    let text = text.trim();
    crate::calendar::text::parse_hm(text)
        .ok_or_else(|| format!("\"{text}\" is not a time like 08:30 or 8:30 am"))
}

/// The text an admin edits for one day.
pub fn format_day_hours(spans: &[[String; 2]]) -> String {
    spans
        .iter()
        .map(|[o, c]| format!("{o}-{c}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_one_line_of_at_most_120_characters() {
        assert_eq!(check_person_name("  Nora \r\n Quinn\t").unwrap(), "Nora Quinn");
        assert_eq!(
            check_name("Riverside\r\nBcc: x@example.test").unwrap(),
            "Riverside Bcc: x@example.test"
        );
        assert!(
            check_person_name("Nora\u{1b}[31m").is_err(),
            "a control character"
        );
        assert!(check_person_name(" \n ").is_err());
        assert!(check_person_name(&"n".repeat(121)).is_err());
        assert!(check_person_name(&"n".repeat(120)).is_ok());
    }

    fn form() -> PracticeSettings {
        PracticeSettings {
            name: " Riverside ".into(),
            time_zone: "America/New_York".into(),
            phone_script: "Hello".into(),
            emergency_rules: "Call 911".into(),
            idle_logout_minutes: "15".into(),
            require_admin_mfa: Some("on".into()),
            mon: "08:00-12:00, 13:00-17:00".into(),
            fri: "9:00-16:00".into(),
            ..Default::default()
        }
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn only_zones_the_server_can_compute_with_are_zones() {
        assert_eq!(zone("America/Chicago").map(|z| z.name()), Some("America/Chicago"));
        for bad in [
            "posix/America/Chicago",
            "localtime",
            "Factory",
            "america/chicago",
            "",
            "Mars/Base",
        ] {
            assert_eq!(zone(bad), None, "{bad}");
        }
        assert_eq!(
            repaired_zone("posix/America/Chicago").map(|z| z.name()),
            Some("America/Chicago")
        );
        assert_eq!(
            repaired_zone("right/Europe/Paris").map(|z| z.name()),
            Some("Europe/Paris")
        );
        assert_eq!(repaired_zone("localtime"), None);
    }

    #[test]
    fn a_good_form_is_checked_into_settings() {
        let s = check_settings(&form()).expect("valid");
        assert_eq!(s.name, "Riverside");
        assert_eq!(s.idle_logout_minutes, 15);
        assert!(s.require_admin_mfa);
        assert_eq!(s.hours.len(), 2, "closed days are left out: {:?}", s.hours);
        assert_eq!(
            s.hours["mon"],
            vec![
                ["08:00".to_string(), "12:00".to_string()],
                ["13:00".to_string(), "17:00".to_string()]
            ]
        );
        assert_eq!(s.hours["fri"], vec![["09:00".to_string(), "16:00".to_string()]]);
    }

    #[test]
    fn each_bad_field_is_named() {
        let mut f = form();
        f.name = "  ".into();
        assert!(check_settings(&f).is_err());
        let mut f = form();
        f.idle_logout_minutes = "1".into();
        assert!(matches!(check_settings(&f), Err(AppError::Invalid(m)) if m.contains("2 to 480")));
        let mut f = form();
        f.tue = "17:00-08:00".into();
        assert!(matches!(check_settings(&f), Err(AppError::Invalid(m)) if m.starts_with("Tuesday")));
        let mut f = form();
        f.wed = "08:00-12:00, 11:00-14:00".into();
        assert!(matches!(check_settings(&f), Err(AppError::Invalid(m)) if m.contains("overlap")));
        let mut f = form();
        f.thu = "all day".into();
        assert!(check_settings(&f).is_err());
    }

    #[test]
    fn the_last_admin_stays_an_admin() {
        use crate::model::{Role, UserId};
        let (a, b) = (UserId(uuid::Uuid::from_u128(1)), UserId(uuid::Uuid::from_u128(2)));
        let admin = Some(Role::PracticeAdmin);
        assert!(keeps_an_admin(&[a], a, admin, Some(Role::Clinician)).is_err());
        assert!(keeps_an_admin(&[a], a, admin, None).is_err(), "nor leaves");
        assert!(
            keeps_an_admin(&[a, b], a, admin, None).is_ok(),
            "another admin remains"
        );
        assert!(keeps_an_admin(&[a], a, admin, admin).is_ok());
        assert!(keeps_an_admin(&[a], b, Some(Role::Assistant), None).is_ok());
    }

    #[test]
    fn only_changed_fields_are_named() {
        let a = form();
        let mut b = form();
        b.phone_script = "Good morning".into();
        b.sat = "09:00-12:00".into();
        assert_eq!(changed_fields(&a, &b), vec!["phone_script", "business_hours"]);
        assert!(changed_fields(&a, &a).is_empty());
    }

    #[test]
    fn hours_survive_a_round_trip_through_the_form() {
        let spans = parse_day_hours("13:00-17:00,08:00-12:00").expect("valid");
        assert_eq!(format_day_hours(&spans), "08:00-12:00, 13:00-17:00");
        assert_eq!(parse_day_hours("").expect("closed"), Vec::<[String; 2]>::new());
        // Typed the 12-hour way, kept as 24-hour times.
        let typed = parse_day_hours("8:30 am - 12 pm, 1pm-5:15pm").expect("valid");
        assert_eq!(format_day_hours(&typed), "08:30-12:00, 13:00-17:15");
        for bad in ["9-", "25:00-26:00", "nine-five", "5pm-9am"] {
            assert!(parse_day_hours(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn reminder_hours_are_up_to_three_lead_times_largest_first() {
        assert_eq!(parse_reminder_hours(" 2, 48 ,48").unwrap(), vec![48, 2]);
        assert_eq!(parse_reminder_hours("").unwrap(), Vec::<i32>::new());
        assert_eq!(format_reminder_hours(&[48, 2]), "48, 2");
        for bad in ["0", "337", "1, 2, 3, 4", "two", "1.5"] {
            assert!(parse_reminder_hours(bad).is_err(), "{bad}");
        }
    }
}
