//! Pure rules of accounts and sessions: input checks, rate limits, idle expiry, and who the
//! client is behind trusted proxies.

use chrono::{DateTime, Duration, Utc};
use std::net::{IpAddr, Ipv6Addr};

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

/// The e-mail domain of the demo's accounts: the login page lists these and no others.
pub const DEMO_DOMAIN: &str = "demo.switchboard.test";

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

/// However active, a session ends this long after sign-in (a working day and then some):
/// a stolen cookie does not stay good for as long as someone keeps it busy.
pub const SESSION_MAX_HOURS: i64 = 14;

/// A session is over once it has been idle longer than its timeout, or has lasted
/// [`SESSION_MAX_HOURS`] since sign-in.
pub fn session_expired(
    created: DateTime<Utc>,
    last_seen: DateTime<Utc>,
    idle_timeout_seconds: i64,
    now: DateTime<Utc>,
) -> bool {
    now - last_seen > Duration::seconds(idle_timeout_seconds)
        || now - created > Duration::hours(SESSION_MAX_HOURS)
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

/// An address block (`10.0.0.0/8`, `2001:db8::/32`, or one address).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cidr {
    net: IpAddr,
    prefix: u8,
}

impl std::str::FromStr for Cidr {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        let bad = || format!("{text:?} is not an address or an address block such as 10.0.0.0/8");
        let (addr, prefix) = match text.split_once('/') {
            Some((a, p)) => (a, Some(p.parse::<u8>().map_err(|_| bad())?)),
            None => (text, None),
        };
        let net: IpAddr = addr.parse().map_err(|_| bad())?;
        let max = if net.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(max);
        if prefix > max {
            return Err(bad());
        }
        Ok(Cidr { net, prefix })
    }
}

impl Cidr {
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.net, canonical(ip)) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                masked(u32::from(n).into(), 32, self.prefix) == masked(u32::from(a).into(), 32, self.prefix)
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                masked(n.into(), 128, self.prefix) == masked(a.into(), 128, self.prefix)
            }
            _ => false,
        }
    }
}

fn masked(bits: u128, width: u8, prefix: u8) -> u128 {
    if prefix == 0 {
        0
    } else {
        bits >> (width - prefix)
    }
}

/// An IPv4 address written as IPv6 (`::ffff:192.0.2.1`, as dual-stack sockets report
/// them) is that IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        v4 => v4,
    }
}

/// The client of a request that arrived from `peer`. Only a trusted proxy's word is taken:
/// when the peer is one, the forwarding headers are read from the nearest hop back
/// (`Forwarded`'s `for=` when present, else `X-Forwarded-For`), skipping further trusted
/// proxies; the first address that is not one is the client. Anything a client wrote
/// before that is ignored, and a hop that cannot be read ends the walk at the last
/// trusted one.
pub fn client_ip(peer: IpAddr, forwarded: &[&str], x_forwarded_for: &[&str], trusted: &[Cidr]) -> IpAddr {
    let peer = canonical(peer);
    let is_trusted = |ip: IpAddr| trusted.iter().any(|c| c.contains(ip));
    if !is_trusted(peer) {
        return peer;
    }
    let hops: Vec<Option<IpAddr>> = if forwarded.is_empty() {
        x_forwarded_for
            .iter()
            .flat_map(|h| h.split(','))
            .map(|hop| hop_address(hop.trim()))
            .collect()
    } else {
        forwarded
            .iter()
            .flat_map(|h| h.split(','))
            .map(|element| {
                element
                    .split(';')
                    .filter_map(|pair| pair.trim().split_once('='))
                    .find(|(k, _)| k.eq_ignore_ascii_case("for"))
                    .and_then(|(_, v)| hop_address(v.trim().trim_matches('"')))
            })
            .collect()
    };
    let mut client = peer;
    for hop in hops.into_iter().rev() {
        match hop {
            Some(ip) => {
                client = canonical(ip);
                if !is_trusted(client) {
                    break;
                }
            }
            None => break,
        }
    }
    client
}

/// One hop's address: `192.0.2.1`, `192.0.2.1:4711`, `2001:db8::1`, `[2001:db8::1]:4711`.
fn hop_address(hop: &str) -> Option<IpAddr> {
    if let Ok(ip) = hop.parse() {
        return Some(ip);
    }
    if let Some(rest) = hop.strip_prefix('[') {
        return rest.split(']').next()?.parse().ok();
    }
    let (addr, port) = hop.rsplit_once(':')?;
    port.parse::<u16>().ok()?;
    addr.parse().ok()
}

/// What per-address limits count by: the address itself for IPv4, its /64 for IPv6 (one
/// subscriber's network: a client has the whole block to change addresses within), as
/// (network address, prefix length).
pub fn limit_block(ip: IpAddr) -> (IpAddr, u8) {
    match canonical(ip) {
        IpAddr::V6(v6) => {
            let bits = u128::from(v6) & !((1u128 << 64) - 1);
            (IpAddr::V6(Ipv6Addr::from(bits)), 64)
        }
        v4 => (v4, 32),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn only_a_trusted_proxys_forwarding_is_believed() {
        let proxies: Vec<Cidr> = ["10.0.0.0/8", "2001:db8:ffff::1"]
            .iter()
            .map(|c| c.parse().unwrap())
            .collect();
        // Straight from the client: its headers are ignored.
        assert_eq!(
            client_ip(ip("198.51.100.7"), &[], &["1.2.3.4"], &proxies),
            ip("198.51.100.7")
        );
        // Through the proxy: the hop the proxy saw.
        assert_eq!(
            client_ip(ip("10.1.2.3"), &[], &["198.51.100.7"], &proxies),
            ip("198.51.100.7")
        );
        // A client's own X-Forwarded-For ahead of the proxy's entry is not believed.
        assert_eq!(
            client_ip(ip("10.1.2.3"), &[], &["6.6.6.6, 198.51.100.7"], &proxies),
            ip("198.51.100.7")
        );
        // Two trusted proxies in a row are skipped; several header lines are one list.
        assert_eq!(
            client_ip(ip("10.1.2.3"), &[], &["203.0.113.9", "10.9.9.9"], &proxies),
            ip("203.0.113.9")
        );
        // RFC 7239, with ports and a quoted IPv6 address.
        assert_eq!(
            client_ip(
                ip("2001:db8:ffff::1"),
                &[r#"for="[2001:db8:1:2::99]:4711";proto=https"#],
                &[],
                &proxies
            ),
            ip("2001:db8:1:2::99")
        );
        assert_eq!(
            client_ip(
                ip("10.0.0.1"),
                &["for=192.0.2.60:8080, for=10.0.0.2"],
                &["9.9.9.9"],
                &proxies
            ),
            ip("192.0.2.60")
        );
        // A garbled hop ends the walk at the last trusted proxy.
        assert_eq!(
            client_ip(ip("10.0.0.1"), &[], &["unknown"], &proxies),
            ip("10.0.0.1")
        );
        // Nothing trusted: the peer, whatever it says.
        assert_eq!(
            client_ip(ip("10.1.2.3"), &[], &["198.51.100.7"], &[]),
            ip("10.1.2.3")
        );
        // An IPv4 peer on a dual-stack socket.
        assert_eq!(
            client_ip(ip("::ffff:10.0.0.5"), &[], &["198.51.100.7"], &proxies),
            ip("198.51.100.7")
        );
    }

    #[test]
    fn address_blocks_parse_and_contain() {
        let net: Cidr = "192.168.0.0/16".parse().unwrap();
        assert!(net.contains(ip("192.168.44.1")) && !net.contains(ip("192.169.0.1")));
        assert!("0.0.0.0/0".parse::<Cidr>().unwrap().contains(ip("8.8.8.8")));
        assert!(!"0.0.0.0/0".parse::<Cidr>().unwrap().contains(ip("::1")));
        assert!("::1".parse::<Cidr>().unwrap().contains(ip("::1")));
        for bad in ["10.0.0.0/33", "proxy", "10.0.0.0/", "::/129"] {
            assert!(bad.parse::<Cidr>().is_err(), "{bad}");
        }
    }

    #[test]
    fn ipv6_clients_are_limited_by_their_64() {
        assert_eq!(
            limit_block(ip("2001:db8:1:2:aaaa::1")),
            limit_block(ip("2001:db8:1:2:bbbb::9"))
        );
        assert_ne!(
            limit_block(ip("2001:db8:1:2::1")),
            limit_block(ip("2001:db8:1:3::1"))
        );
        assert_eq!(limit_block(ip("192.0.2.1")), (ip("192.0.2.1"), 32));
        assert_eq!(limit_block(ip("::ffff:192.0.2.1")), (ip("192.0.2.1"), 32));
    }

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
        assert!(!session_expired(t0, t0, 900, t0 + Duration::seconds(900)));
        assert!(session_expired(t0, t0, 900, t0 + Duration::seconds(901)));
        // Kept busy, it still ends SESSION_MAX_HOURS after sign-in.
        let late = t0 + Duration::hours(SESSION_MAX_HOURS);
        assert!(!session_expired(t0, late, 900, late));
        assert!(session_expired(t0, late, 900, late + Duration::seconds(1)));
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
