//! Secrets the server must read back (the authenticator secret of two-factor sign-in) are
//! stored sealed: ChaCha20-Poly1305 under a key held outside the database (`SB_SECRET_KEY`),
//! bound to the person they belong to. A copy of the database alone reveals none of them,
//! and a sealed value copied onto another person's row does not open.

use crate::error::AppError;
use crate::model::UserId;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use rand::RngCore;

const PREFIX: &str = "v1:";

/// The server's 32-byte key. Never printed.
#[derive(Clone)]
pub struct SecretKey([u8; 32]);

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(…)")
    }
}

impl SecretKey {
    /// From base64 (standard or URL-safe) of exactly 32 bytes.
    pub fn from_base64(text: &str) -> Result<SecretKey, String> {
        let text = text.trim();
        let bytes = STANDARD
            .decode(text)
            .or_else(|_| URL_SAFE_NO_PAD.decode(text.trim_end_matches('=')))
            .map_err(|_| "is not base64".to_string())?;
        let key: [u8; 32] = bytes
            .try_into()
            .map_err(|_| "must be 32 bytes (e.g. `head -c 32 /dev/urandom | base64`)".to_string())?;
        Ok(SecretKey(key))
    }

    /// A fresh random key (tests and benchmarks).
    pub fn random() -> SecretKey {
        let mut key = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut key);
        SecretKey(key)
    }

    fn cipher(&self) -> ChaCha20Poly1305 {
        ChaCha20Poly1305::new(Key::from_slice(&self.0))
    }
}

/// Seals `plain` for `owner`: `v1:` and the base64 of a random nonce and the ciphertext.
pub fn seal(key: &SecretKey, owner: UserId, plain: &str) -> Result<String, AppError> {
    let mut nonce = [0u8; 12];
    rand::rngs::OsRng.fill_bytes(&mut nonce);
    let sealed = key
        .cipher()
        .encrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: plain.as_bytes(),
                aad: owner.0.as_bytes(),
            },
        )
        .map_err(|_| AppError::Internal)?;
    let mut out = nonce.to_vec();
    out.extend(sealed);
    Ok(format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(out)))
}

/// Opens what [`seal`] made for `owner`. A value without the prefix was stored before
/// secrets were sealed and is returned as it is (the server seals those when it starts).
pub fn open(key: &SecretKey, owner: UserId, stored: &str) -> Result<String, AppError> {
    if !is_sealed(stored) {
        return Ok(stored.to_string());
    }
    try_open(key, owner, stored).ok_or_else(|| {
        tracing::error!("a sealed secret does not open with this server's key");
        AppError::Internal
    })
}

/// A sealed value's plain text, if it opens with `key` for `owner`.
fn try_open(key: &SecretKey, owner: UserId, stored: &str) -> Option<String> {
    let bytes = URL_SAFE_NO_PAD.decode(stored.strip_prefix(PREFIX)?).ok()?;
    if bytes.len() < 12 {
        return None;
    }
    let (nonce, sealed) = bytes.split_at(12);
    let plain = key
        .cipher()
        .decrypt(
            Nonce::from_slice(nonce),
            Payload {
                msg: sealed,
                aad: owner.0.as_bytes(),
            },
        )
        .ok()?;
    String::from_utf8(plain).ok()
}

pub fn is_sealed(stored: &str) -> bool {
    stored.starts_with(PREFIX)
}

/// What [`seal_stored`] did.
#[derive(Debug, Default, PartialEq)]
pub struct Resealed {
    /// Stored in the clear (from before secrets were sealed), now sealed.
    pub sealed: usize,
    /// Sealed under the previous key, now under the current one.
    pub rotated: usize,
    /// Opening with neither key (looked for while rotating): their owners cannot use their
    /// authenticator until they enrol again (or the right key is configured).
    pub unreadable: usize,
}

/// Run when the server starts: seals the authenticator secrets stored in the clear, and
/// re-seals under `key` those sealed under `previous` (key rotation: start with the new key
/// as `SB_SECRET_KEY` and the old one as `SB_SECRET_KEY_PREVIOUS`; once every node runs the
/// new key, drop the old one). All in one transaction; without `previous`, only the rows
/// still in the clear are read. `owner` is the database owner's connection: the
/// application's login sees no one's secrets but its transaction's person's.
pub async fn seal_stored(
    owner: &mut sqlx::PgConnection,
    key: &SecretKey,
    previous: Option<&SecretKey>,
) -> Result<Resealed, AppError> {
    use sqlx::Connection;
    let mut tx = owner.begin().await?;
    let mut done = Resealed::default();
    for (user, stored) in crate::auth::db::stored_totp_secrets(&mut tx, previous.is_some()).await? {
        let plain = if !is_sealed(&stored) {
            done.sealed += 1;
            stored
        } else if try_open(key, user, &stored).is_some() {
            continue;
        } else if let Some(plain) = previous.and_then(|p| try_open(p, user, &stored)) {
            done.rotated += 1;
            plain
        } else {
            done.unreadable += 1;
            continue;
        };
        crate::auth::db::replace_totp_secret(&mut tx, user, &seal(key, user, &plain)?).await?;
    }
    tx.commit().await?;
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    #[test]
    fn a_sealed_secret_opens_only_with_its_key_and_for_its_owner() {
        let key = SecretKey::random();
        let ada = UserId(Uuid::from_u128(1));
        let sealed = seal(&key, ada, "JBSWY3DPEHPK3PXP").unwrap();
        assert!(is_sealed(&sealed));
        assert!(!sealed.contains("JBSWY3DPEHPK3PXP"));
        assert_ne!(
            sealed,
            seal(&key, ada, "JBSWY3DPEHPK3PXP").unwrap(),
            "a fresh nonce each time"
        );
        assert_eq!(open(&key, ada, &sealed).unwrap(), "JBSWY3DPEHPK3PXP");
        assert!(
            open(&key, UserId(Uuid::from_u128(2)), &sealed).is_err(),
            "another person's row"
        );
        assert!(open(&SecretKey::random(), ada, &sealed).is_err(), "another key");
        let mut tampered = sealed.clone().into_bytes();
        let last = tampered.len() - 2;
        tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
        assert!(open(&key, ada, &String::from_utf8(tampered).unwrap()).is_err());
        // Stored before sealing: read as it is.
        assert_eq!(open(&key, ada, "JBSWY3DPEHPK3PXP").unwrap(), "JBSWY3DPEHPK3PXP");
    }

    #[test]
    fn keys_are_32_bytes_of_base64() {
        let text = STANDARD.encode([7u8; 32]);
        assert!(SecretKey::from_base64(&text).is_ok());
        assert!(SecretKey::from_base64(&URL_SAFE_NO_PAD.encode([7u8; 32])).is_ok());
        assert!(SecretKey::from_base64(&STANDARD.encode([7u8; 16])).is_err());
        assert!(SecretKey::from_base64("not base64!").is_err());
        assert_eq!(
            format!("{:?}", SecretKey::from_base64(&text).unwrap()),
            "SecretKey(…)"
        );
    }
}
