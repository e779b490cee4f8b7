//! Pure rules of accounts and sessions: input checks, rate limits, idle expiry.

use chrono::{DateTime, Duration, Utc};

/// Failed logins per account within [`RATE_WINDOW_MINUTES`] before it is locked out.
pub const MAX_FAILURES_PER_ACCOUNT: i64 = 5;
/// Failed logins per client address within the window before it is locked out.
pub const MAX_FAILURES_PER_ADDRESS: i64 = 20;
pub const RATE_WINDOW_MINUTES: i64 = 15;
pub const MIN_PASSWORD_LEN: usize = 12;
/// Password-reset links sent to one account per hour.
pub const MAX_RESETS_PER_ACCOUNT: i64 = 3;
/// Password-reset requests from one client address per hour.
pub const MAX_RESETS_PER_ADDRESS: i64 = 10;
/// Secret-link tokens that match nothing (unknown, spent, expired) one client address may
/// present within [`RATE_WINDOW_MINUTES`] before its link requests are refused.
pub const MAX_LINK_MISSES_PER_ADDRESS: i64 = 20;

/// Lower-cases and trims an e-mail address; `None` when it cannot be one.
pub fn normalize_email(input: &str) -> Option<String> {
    let email = input.trim().to_lowercase();
    let (local, domain) = email.split_once('@')?;
    let ok = !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !email.chars().any(char::is_whitespace)
        && !domain.contains('@')
        && email.len() <= 254;
    ok.then_some(email)
}

/// Why a new password is refused, if it is.
pub fn password_problem(password: &str) -> Option<String> {
    if password.chars().count() < MIN_PASSWORD_LEN {
        return Some(format!("Use at least {MIN_PASSWORD_LEN} characters."));
    }
    if password.chars().count() > 256 {
        return Some("Use at most 256 characters.".into());
    }
    None
}

pub fn is_rate_limited(account_failures: i64, address_failures: i64) -> bool {
    account_failures >= MAX_FAILURES_PER_ACCOUNT || address_failures >= MAX_FAILURES_PER_ADDRESS
}

/// A session is over once it has been idle longer than its timeout.
pub fn session_expired(last_seen: DateTime<Utc>, idle_timeout_seconds: i64, now: DateTime<Utc>) -> bool {
    now - last_seen > Duration::seconds(idle_timeout_seconds)
}

/// Only redirect after login to a path on this site (no `//host`, no scheme).
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(p)
            if p.starts_with('/')
                && !p.starts_with("//")
                && !p.contains('\\')
                && !p.starts_with("/login") =>
        {
            p.to_string()
        }
        _ => "/".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_is_trimmed_lowercased_and_checked() {
        assert_eq!(
            normalize_email("  Ann.Lee@Example.ORG ").as_deref(),
            Some("ann.lee@example.org")
        );
        for bad in [
            "",
            "ann",
            "ann@",
            "@x.org",
            "ann@org",
            "a b@x.org",
            "ann@x.org@y.org",
            "ann@.org",
        ] {
            assert_eq!(normalize_email(bad), None, "{bad:?} should be refused");
        }
    }

    #[test]
    fn short_passwords_are_refused_with_the_reason() {
        assert!(password_problem("short").is_some_and(|m| m.contains("12")));
        assert_eq!(password_problem("correct horse battery"), None);
    }

    #[test]
    fn rate_limit_trips_at_the_thresholds() {
        assert!(!is_rate_limited(
            MAX_FAILURES_PER_ACCOUNT - 1,
            MAX_FAILURES_PER_ADDRESS - 1
        ));
        assert!(is_rate_limited(MAX_FAILURES_PER_ACCOUNT, 0));
        assert!(is_rate_limited(0, MAX_FAILURES_PER_ADDRESS));
    }

    #[test]
    fn session_expires_only_after_the_idle_timeout() {
        let t0 = Utc::now();
        assert!(!session_expired(t0, 900, t0 + Duration::seconds(900)));
        assert!(session_expired(t0, 900, t0 + Duration::seconds(901)));
    }

    #[test]
    fn next_path_never_leaves_the_site() {
        assert_eq!(safe_next(Some("/p/abc/calendar")), "/p/abc/calendar");
        for bad in [
            "//evil.example",
            "https://evil.example",
            "/\\evil",
            "/login?next=/x",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad}");
        }
        assert_eq!(safe_next(None), "/");
    }
}
