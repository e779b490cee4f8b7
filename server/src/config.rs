//! Typed configuration from environment variables, with defaults that run locally.

use app::auth::rules::Cidr;
use app::auth::sealed::SecretKey;
use std::fmt;
use std::net::SocketAddr;

#[derive(Clone)]
pub struct Config {
    /// `DATABASE_URL`: the application's own login, which must not be a superuser, bypass
    /// row-level security or own the tables (start-up refuses one that does; it creates the
    /// login when it is missing and the owner may). Default: the local PostgreSQL, login
    /// `switchboard`, database `switchboard`.
    pub database_url: String,
    /// `DATABASE_OWNER_URL`: the database's owner, which creates and migrates it at start.
    /// Default: the local superuser `postgres` when `DATABASE_URL` is unset too, otherwise
    /// `DATABASE_URL` (which then must be able to own what it migrates).
    pub owner_url: String,
    /// `SB_LISTEN`; default `127.0.0.1:3000`. Port 0 picks a free port (tests).
    pub listen: SocketAddr,
    /// `SMTP_URL`, e.g. `smtp://127.0.0.1:2525`. Without it mail is kept, not sent.
    pub smtp_url: Option<String>,
    /// `SB_MAIL_FROM`.
    pub mail_from: String,
    /// `SB_MAIL_POLL_MS`: how often the outbox worker looks for due mail.
    pub mail_poll: std::time::Duration,
    /// `SB_REMINDER_POLL_S`: how often appointment reminders that fell due are queued
    /// (default 60; 0: never, e.g. tests that queue them themselves).
    pub reminder_poll: Option<std::time::Duration>,
    /// `SB_HOUSEKEEPING_S`: how often old login attempts, link misses, sessions and sent
    /// mail bodies are purged (default 3600; 0: never).
    pub housekeeping: Option<std::time::Duration>,
    /// `SB_TASK_CLOCK_S`: how often waiting tasks whose follow-up came are brought back and
    /// late ones escalated (default 60; 0: never, e.g. tests that run it themselves).
    pub task_clock: Option<std::time::Duration>,
    /// `SB_PUBLIC_URL`: the address people reach the site at (links in e-mail).
    pub public_url: String,
    /// `SB_DEMO=1`: seed the demo practices when the database is empty and list the accounts.
    pub demo: bool,
    /// `SB_SECURE_COOKIES=1` when served over HTTPS (default: when `SB_PUBLIC_URL` is https).
    pub secure_cookies: bool,
    /// `SB_IDLE_TIMEOUT_SECONDS`: override every practice's idle logout (tests only).
    pub idle_timeout_override_seconds: Option<i32>,
    /// `SB_AGENCY_MFA`: agency admins must use two-factor sign-in; on by default (off for a
    /// demo), `SB_AGENCY_MFA=0` turns it off.
    pub require_agency_mfa: bool,
    /// `SB_DB_POOL`: connections per app node.
    pub pool_size: u32,
    /// `SB_SITE_ROOT`: where cargo-leptos put the compiled site (`target/site`).
    pub site_root: String,
    /// `SB_SECRET_KEY` (required): 32 random bytes, base64, that seal the secrets the
    /// server stores (`head -c 32 /dev/urandom | base64`). Every app node needs the same.
    pub secret_key: SecretKey,
    /// The key before the last rotation (`SB_SECRET_KEY_PREVIOUS`): secrets sealed under it
    /// are re-sealed under `secret_key` at start.
    pub previous_secret_key: Option<SecretKey>,
    /// `SB_TRUSTED_PROXIES`: addresses or blocks (`10.0.0.0/8, ::1`) of the proxies in front
    /// of the app; only their `Forwarded` / `X-Forwarded-For` name the client. Default none.
    pub trusted_proxies: Vec<Cidr>,
}

impl Config {
    pub fn from_env() -> Result<Self, String> {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        let flag = |k: &str| var(k).is_some_and(|v| matches!(v.as_str(), "1" | "true" | "yes" | "on"));
        let public_url = var("SB_PUBLIC_URL").unwrap_or_else(|| "http://127.0.0.1:3000".into());
        let database_url = var("DATABASE_URL");
        Ok(Config {
            owner_url: var("DATABASE_OWNER_URL")
                .or_else(|| database_url.clone())
                .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/switchboard".into()),
            database_url: database_url
                .unwrap_or_else(|| "postgres://switchboard@127.0.0.1:5432/switchboard".into()),
            listen: var("SB_LISTEN")
                .unwrap_or_else(|| "127.0.0.1:3000".into())
                .parse()
                .map_err(|e| format!("SB_LISTEN: {e}"))?,
            smtp_url: match var("SMTP_URL") {
                Some(url) => match smtp_problem(&url, flag("SB_SMTP_ALLOW_PLAIN")) {
                    Some(problem) => return Err(problem.into()),
                    None => Some(url),
                },
                None => None,
            },
            mail_from: var("SB_MAIL_FROM")
                .unwrap_or_else(|| "Switchboard <no-reply@switchboard.localhost>".into()),
            mail_poll: std::time::Duration::from_millis(
                var("SB_MAIL_POLL_MS")
                    .map(|v| v.parse().map_err(|e| format!("SB_MAIL_POLL_MS: {e}")))
                    .transpose()?
                    .unwrap_or(2000),
            ),
            reminder_poll: Some(
                var("SB_REMINDER_POLL_S")
                    .map(|v| v.parse::<u64>().map_err(|e| format!("SB_REMINDER_POLL_S: {e}")))
                    .transpose()?
                    .unwrap_or(60),
            )
            .filter(|s| *s > 0)
            .map(std::time::Duration::from_secs),
            task_clock: Some(
                var("SB_TASK_CLOCK_S")
                    .map(|v| v.parse::<u64>().map_err(|e| format!("SB_TASK_CLOCK_S: {e}")))
                    .transpose()?
                    .unwrap_or(60),
            )
            .filter(|s| *s > 0)
            .map(std::time::Duration::from_secs),
            housekeeping: Some(
                var("SB_HOUSEKEEPING_S")
                    .map(|v| v.parse::<u64>().map_err(|e| format!("SB_HOUSEKEEPING_S: {e}")))
                    .transpose()?
                    .unwrap_or(3600),
            )
            .filter(|s| *s > 0)
            .map(std::time::Duration::from_secs),
            secure_cookies: flag("SB_SECURE_COOKIES") || public_url.starts_with("https://"),
            public_url,
            demo: flag("SB_DEMO"),
            // On unless turned off, or a demo (whose agency admin signs in with a password).
            require_agency_mfa: match var("SB_AGENCY_MFA") {
                Some(_) => flag("SB_AGENCY_MFA"),
                None => !flag("SB_DEMO"),
            },
            idle_timeout_override_seconds: var("SB_IDLE_TIMEOUT_SECONDS")
                .map(|v| v.parse().map_err(|e| format!("SB_IDLE_TIMEOUT_SECONDS: {e}")))
                .transpose()?,
            pool_size: match var("SB_DB_POOL").map(|v| v.parse::<u32>()) {
                None => 20,
                Some(Ok(n)) if n >= 2 => n,
                // Start-up holds one connection (its lock) while the others do its work.
                Some(_) => return Err("SB_DB_POOL: a whole number, at least 2".into()),
            },
            site_root: var("SB_SITE_ROOT")
                .or_else(|| var("LEPTOS_SITE_ROOT"))
                .unwrap_or_else(|| "target/site".into()),
            secret_key: SecretKey::from_base64(&var("SB_SECRET_KEY").ok_or(
                "SB_SECRET_KEY is not set: 32 random bytes, base64 (head -c 32 /dev/urandom | base64)",
            )?)
            .map_err(|e| format!("SB_SECRET_KEY {e}"))?,
            previous_secret_key: var("SB_SECRET_KEY_PREVIOUS")
                .map(|v| SecretKey::from_base64(&v).map_err(|e| format!("SB_SECRET_KEY_PREVIOUS {e}")))
                .transpose()?,
            trusted_proxies: var("SB_TRUSTED_PROXIES")
                .map(|v| parse_proxies(&v))
                .transpose()?
                .unwrap_or_default(),
        })
    }

    /// A configuration for tests: the given database (`owner_url`, migrated by it) served
    /// through the tests' own login ([`TEST_LOGIN`]), a free port, no demo.
    pub fn for_tests(owner_url: String) -> Self {
        let database_url = url::Url::parse(&owner_url)
            .ok()
            .and_then(|mut u| {
                u.set_username(TEST_LOGIN).ok()?;
                u.set_password(None).ok()?;
                Some(u.to_string())
            })
            .unwrap_or_default();
        Config {
            owner_url,
            database_url,
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            smtp_url: None,
            mail_from: "Switchboard <no-reply@switchboard.localhost>".into(),
            mail_poll: std::time::Duration::from_millis(100),
            reminder_poll: None,
            task_clock: None,
            housekeeping: None,
            public_url: "http://127.0.0.1".into(),
            demo: false,
            require_agency_mfa: false,
            secure_cookies: false,
            idle_timeout_override_seconds: None,
            pool_size: 5,
            site_root: "target/site".into(),
            secret_key: SecretKey::random(),
            previous_secret_key: None,
            trusted_proxies: Vec::new(),
        }
    }
}

/// The login tests serve through: like production's, no superuser and no owner.
pub const TEST_LOGIN: &str = "switchboard_test";

/// Why `SMTP_URL` is refused, if it is: a password would cross the network in the clear
/// (`smtp://user:pass@…` without `tls=required`), unless `SB_SMTP_ALLOW_PLAIN=1` says
/// that is meant (a mail relay on the same host). `smtps://` is TLS from the start;
/// `smtp://…?tls=required` upgrades with STARTTLS and refuses a server that will not.
fn smtp_problem(url: &str, allow_plain: bool) -> Option<&'static str> {
    let (scheme, rest) = url.split_once("://")?;
    let authority = rest.split(['/', '?']).next().unwrap_or("");
    let has_password = authority
        .rsplit_once('@')
        .is_some_and(|(creds, _)| creds.contains(':'));
    let encrypted = scheme == "smtps"
        || rest
            .split_once('?')
            .is_some_and(|(_, q)| q.split('&').any(|p| p == "tls=required"));
    (has_password && !encrypted && !allow_plain).then_some(
        "SMTP_URL would send its password unencrypted: use smtps://… or add ?tls=required \
         (STARTTLS), or set SB_SMTP_ALLOW_PLAIN=1 for a relay on this host",
    )
}

/// `10.0.0.0/8, 192.0.2.1 ::1`: commas or spaces between.
fn parse_proxies(text: &str) -> Result<Vec<Cidr>, String> {
    text.split([',', ' '])
        .filter(|p| !p.trim().is_empty())
        .map(|p| p.parse().map_err(|e| format!("SB_TRUSTED_PROXIES: {e}")))
        .collect()
}

/// Passwords in URLs are redacted.
fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{}:***{}", &url[..s + 3], user, &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("database_url", &redact_url(&self.database_url))
            .field("owner_url", &redact_url(&self.owner_url))
            .field("listen", &self.listen)
            .field("smtp_url", &self.smtp_url.as_deref().map(redact_url))
            .field("public_url", &self.public_url)
            .field("demo", &self.demo)
            .field("require_agency_mfa", &self.require_agency_mfa)
            .field("secure_cookies", &self.secure_cookies)
            .field("pool_size", &self.pool_size)
            .field("trusted_proxies", &self.trusted_proxies)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_hides_passwords() {
        let mut c = Config::for_tests("postgres://app:hunter2@db:5432/sb".into());
        c.smtp_url = Some("smtp://mailer:s3cret@mail:25".into());
        let shown = format!("{c:?}");
        assert!(!shown.contains("hunter2") && !shown.contains("s3cret"), "{shown}");
        assert!(shown.contains("app:***@db"));
    }

    #[test]
    fn agency_admins_need_two_factor_unless_turned_off_or_a_demo() {
        let with = |vars: &[(&str, &str)]| {
            let keep: Vec<(String, Option<String>)> = ["SB_AGENCY_MFA", "SB_DEMO", "SB_SECRET_KEY"]
                .iter()
                .map(|k| (k.to_string(), std::env::var(k).ok()))
                .collect();
            // Only this test reads or sets these variables in this test binary.
            for (k, _) in &keep {
                std::env::remove_var(k);
            }
            std::env::set_var("SB_SECRET_KEY", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
            for (k, v) in vars {
                std::env::set_var(k, v);
            }
            let mfa = Config::from_env().map(|c| c.require_agency_mfa);
            for (k, v) in keep {
                match v {
                    Some(v) => std::env::set_var(&k, v),
                    None => std::env::remove_var(&k),
                }
            }
            mfa
        };
        assert_eq!(with(&[]), Ok(true));
        assert_eq!(with(&[("SB_DEMO", "1")]), Ok(false));
        assert_eq!(with(&[("SB_AGENCY_MFA", "0")]), Ok(false));
        assert_eq!(with(&[("SB_DEMO", "1"), ("SB_AGENCY_MFA", "1")]), Ok(true));
    }

    #[test]
    fn an_smtp_password_never_travels_unencrypted_unless_meant_to() {
        assert!(smtp_problem("smtp://mailer:s3cret@mail.example:587", false).is_some());
        assert!(smtp_problem("smtp://mailer:s3cret@mail.example:587", true).is_none());
        assert!(smtp_problem("smtp://mailer:s3cret@mail.example:587?tls=required", false).is_none());
        assert!(smtp_problem("smtps://mailer:s3cret@mail.example:465", false).is_none());
        // No password, nothing to leak (the test servers on 127.0.0.1).
        assert!(smtp_problem("smtp://127.0.0.1:2525", false).is_none());
    }

    #[test]
    fn trusted_proxies_are_a_list_of_blocks_or_refused() {
        assert_eq!(parse_proxies("10.0.0.0/8, ::1").map(|v| v.len()), Ok(2));
        assert_eq!(parse_proxies("").map(|v| v.len()), Ok(0));
        assert!(parse_proxies("10.0.0.0/8,proxy.internal").is_err());
    }
}
