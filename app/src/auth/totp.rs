//! Time-based one-time passwords (RFC 6238 over RFC 4226's HOTP, HMAC-SHA1, 6 digits,
//! 30-second steps: what every authenticator app speaks) and recovery codes.

use data_encoding::BASE32_NOPAD;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha1::Sha1;

pub const STEP_SECONDS: i64 = 30;
/// Codes of the previous and next step are accepted too (clocks drift).
const WINDOW: i64 = 1;
pub const RECOVERY_CODES: usize = 10;

/// A new random secret (160 bits, the size RFC 4226 recommends), base32 as apps expect it.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 20];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    BASE32_NOPAD.encode(&bytes)
}

/// The 6-digit code of `secret` (base32) at `step`.
pub fn code_at(secret: &str, step: i64) -> Option<u32> {
    let key = BASE32_NOPAD.decode(secret.as_bytes()).ok()?;
    let mut mac = Hmac::<Sha1>::new_from_slice(&key).ok()?;
    mac.update(&step.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = usize::from(digest[19] & 0x0f);
    let bin = u32::from_be_bytes([
        digest[offset] & 0x7f,
        digest[offset + 1],
        digest[offset + 2],
        digest[offset + 3],
    ]);
    Some(bin % 1_000_000)
}

pub fn step_of(unix_seconds: i64) -> i64 {
    unix_seconds.div_euclid(STEP_SECONDS)
}

/// The step whose code `input` is, if it is one of the current window and later than
/// `last_step` (a code is good once).
pub fn verify(secret: &str, input: &str, unix_seconds: i64, last_step: Option<i64>) -> Option<i64> {
    let digits: String = input.chars().filter(|c| !c.is_whitespace()).collect();
    if digits.len() != 6 || !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let wanted: u32 = digits.parse().ok()?;
    let now = step_of(unix_seconds);
    (now - WINDOW..=now + WINDOW)
        .filter(|step| last_step.is_none_or(|last| *step > last))
        .find(|step| code_at(secret, *step) == Some(wanted))
}

/// The address an authenticator app reads from the QR code.
pub fn otpauth_uri(issuer: &str, account: &str, secret: &str) -> String {
    let enc = |s: &str| {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'@' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect::<String>()
    };
    format!(
        "otpauth://totp/{issuer_e}:{account_e}?secret={secret}&issuer={issuer_e}&algorithm=SHA1&digits=6&period={STEP_SECONDS}",
        issuer_e = enc(issuer),
        account_e = enc(account),
    )
}

/// The QR code of `uri` as an SVG document (made here: nothing leaves the server).
pub fn qr_svg(uri: &str) -> Option<String> {
    let code = qrcode::QrCode::new(uri.as_bytes()).ok()?;
    Some(
        code.render::<qrcode::render::svg::Color<'_>>()
            .min_dimensions(200, 200)
            .quiet_zone(true)
            .build(),
    )
}

/// Fresh recovery codes, written `xxxxx-xxxxx` (lower-case base32 letters and digits).
pub fn new_recovery_codes() -> Vec<String> {
    (0..RECOVERY_CODES)
        .map(|_| {
            let mut bytes = [0u8; 7];
            rand::rngs::OsRng.fill_bytes(&mut bytes);
            let text = BASE32_NOPAD.encode(&bytes).to_lowercase();
            format!("{}-{}", &text[..5], &text[5..10])
        })
        .collect()
}

/// A recovery code as typed ("ABCDE FGHIJ", "abcde-fghij") in the form it is hashed in.
pub fn normalize_recovery(input: &str) -> String {
    let plain: String = input
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    if plain.len() == 10 {
        format!("{}-{}", &plain[..5], &plain[5..])
    } else {
        plain
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238, appendix B (SHA-1 key "12345678901234567890"), last six digits.
    #[test]
    fn codes_match_the_rfc_test_vectors() {
        let secret = BASE32_NOPAD.encode(b"12345678901234567890");
        for (t, code) in [
            (59, 287_082),
            (1_111_111_109, 81_804),
            (1_234_567_890, 5_924),
            (2_000_000_000, 279_037),
        ] {
            assert_eq!(code_at(&secret, step_of(t)), Some(code), "t = {t}");
        }
    }

    #[test]
    fn a_code_is_good_in_its_window_and_only_once() {
        let secret = new_secret();
        let now = 1_800_000_000;
        let code = format!("{:06}", code_at(&secret, step_of(now)).expect("code"));
        let step = verify(&secret, &code, now, None).expect("current code accepted");
        assert_eq!(
            verify(&secret, &code, now + 30, None),
            Some(step),
            "a step of drift is fine"
        );
        assert_eq!(
            verify(&secret, &code, now + 90, None),
            None,
            "three steps later it is stale"
        );
        assert_eq!(verify(&secret, &code, now, Some(step)), None, "replay refused");
        assert_eq!(verify(&secret, "12345", now, None), None);
        assert_eq!(verify(&secret, "abcdef", now, None), None);
    }

    #[test]
    fn recovery_codes_are_distinct_and_normalize_as_typed() {
        let codes = new_recovery_codes();
        assert_eq!(codes.len(), RECOVERY_CODES);
        assert!(codes.iter().all(|c| c.len() == 11 && c.as_bytes()[5] == b'-'));
        let mut unique = codes.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), codes.len());
        assert_eq!(normalize_recovery(" ABCDE fghij "), "abcde-fghij");
        assert_eq!(normalize_recovery(&codes[0].to_uppercase()), codes[0]);
    }

    #[test]
    fn the_uri_and_qr_code_carry_the_secret() {
        let uri = otpauth_uri("Switchboard", "maya@example.test", "JBSWY3DPEHPK3PXP");
        assert!(uri.starts_with("otpauth://totp/Switchboard:maya@example.test?secret=JBSWY3DPEHPK3PXP"));
        let svg = qr_svg(&uri).expect("svg");
        assert!(svg.contains("<svg") && svg.len() > 1000);
    }
}
