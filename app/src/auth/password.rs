//! argon2id hashing, on a few threads of its own with memory they keep.
//!
//! Each check needs argon2's 19 MiB of working memory. On tokio's blocking pool every burst
//! of sign-ins ran on as many threads as there were requests, each allocating its own, and
//! the allocator kept what they took (200 sign-ins, 50 at a time: 38 MB → 2.5 GB resident,
//! never returned; unknown addresses cost the same, so anyone could do it). Here at most
//! [`workers`] checks run at once, each on a thread that allocated its memory once; the
//! rest wait their turn in a queue, which costs a waiting request nothing but time.

use crate::error::AppError;
use argon2::password_hash::{rand_core::OsRng, Output, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use std::sync::mpsc;
use std::sync::OnceLock;

/// A hash of a password nobody has: verifying against it costs what a real check costs.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$3Wy9/MxfTLtDYHxwo5KpWyI/Ek4BQL4rKk9bKmcVwpo";

/// Most parameters a stored hash may ask for (memory in KiB), so a tampered row cannot make
/// a worker allocate without bound. Four times today's default.
const MAX_MEMORY_KIB: u32 = 4 * 19 * 1024;

enum Job {
    Hash(String, tokio::sync::oneshot::Sender<Option<String>>),
    Verify(String, Option<String>, tokio::sync::oneshot::Sender<bool>),
}

/// How many checks run at once: one per core, at most four.
pub fn workers() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .clamp(1, 4)
}

/// The queue in front of the workers, started on first use.
fn queue() -> Option<&'static mpsc::Sender<Job>> {
    static QUEUE: OnceLock<Option<mpsc::Sender<Job>>> = OnceLock::new();
    QUEUE
        .get_or_init(|| {
            let (tx, rx) = mpsc::channel::<Job>();
            let rx = std::sync::Arc::new(std::sync::Mutex::new(rx));
            for n in 0..workers() {
                let rx = rx.clone();
                let started = std::thread::Builder::new()
                    .name(format!("argon2-{n}"))
                    .spawn(move || work(&rx));
                if let Err(e) = started {
                    tracing::error!(error = %e, "could not start a password worker");
                    return None;
                }
            }
            Some(tx)
        })
        .as_ref()
}

/// A worker: takes jobs one at a time, reusing one block of memory for all of them.
fn work(jobs: &std::sync::Mutex<mpsc::Receiver<Job>>) {
    let mut memory = vec![Block::default(); Params::default().block_count()];
    loop {
        let job = match jobs.lock() {
            Ok(rx) => rx.recv(),
            Err(_) => return,
        };
        match job {
            Ok(Job::Hash(password, reply)) => {
                let _ = reply.send(hash_with(&mut memory, &password));
            }
            Ok(Job::Verify(password, hash, reply)) => {
                let real = hash.is_some();
                let stored = hash.unwrap_or_else(|| DUMMY_HASH.to_string());
                let _ = reply.send(verify_with(&mut memory, &password, &stored) && real);
            }
            Err(_) => return,
        }
    }
}

fn hash_with(memory: &mut Vec<Block>, password: &str) -> Option<String> {
    let salt = SaltString::generate(&mut OsRng);
    let mut salt_bytes = [0u8; 64];
    let salt_bytes = salt.decode_b64(&mut salt_bytes).ok()?;
    let params = Params::default();
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    compute(memory, &params, password, salt_bytes, &mut out)?;
    let hash = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: (&params).try_into().ok()?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&out).ok()?),
    };
    Some(hash.to_string())
}

/// Whether `password` gives `stored` (a PHC string); the comparison is constant-time
/// (`Output`'s equality).
fn verify_with(memory: &mut Vec<Block>, password: &str, stored: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return false;
    };
    let (Some(expected), Some(salt)) = (parsed.hash, parsed.salt) else {
        return false;
    };
    let Ok(params) = Params::try_from(&parsed) else {
        return false;
    };
    if !matches!(Algorithm::try_from(parsed.algorithm), Ok(Algorithm::Argon2id))
        || params.m_cost() > MAX_MEMORY_KIB
    {
        return false;
    }
    let mut salt_bytes = [0u8; 64];
    let Ok(salt_bytes) = salt.decode_b64(&mut salt_bytes) else {
        return false;
    };
    let mut out = vec![0u8; expected.len()];
    compute(memory, &params, password, salt_bytes, &mut out).is_some()
        && Output::new(&out).is_ok_and(|got| got == expected)
}

fn compute(
    memory: &mut Vec<Block>,
    params: &Params,
    password: &str,
    salt: &[u8],
    out: &mut [u8],
) -> Option<()> {
    let blocks = params.block_count();
    if memory.len() < blocks {
        memory.resize(blocks, Block::default());
    }
    let params = Params::new(params.m_cost(), params.t_cost(), params.p_cost(), Some(out.len())).ok()?;
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into_with_memory(password.as_bytes(), salt, out, &mut memory[..blocks])
        .map_err(|e| tracing::error!(error = %e, "password hashing failed"))
        .ok()
}

pub async fn hash(password: String) -> Result<String, AppError> {
    let (reply, answer) = tokio::sync::oneshot::channel();
    queue()
        .ok_or(AppError::Internal)?
        .send(Job::Hash(password, reply))
        .map_err(|_| AppError::Internal)?;
    answer.await.ok().flatten().ok_or(AppError::Internal)
}

/// True when `password` matches `hash`; with no hash, spends the same time and says false.
pub async fn verify(password: String, hash: Option<String>) -> Result<bool, AppError> {
    let (reply, answer) = tokio::sync::oneshot::channel();
    queue()
        .ok_or(AppError::Internal)?
        .send(Job::Verify(password, hash, reply))
        .map_err(|_| AppError::Internal)?;
    answer.await.map_err(|_| AppError::Internal)
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::password_hash::PasswordVerifier;

    #[tokio::test]
    async fn a_hash_verifies_its_password_and_nothing_else() -> Result<(), AppError> {
        let h = hash("correct horse battery".into()).await?;
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify("correct horse battery".into(), Some(h.clone())).await?);
        assert!(!verify("wrong horse battery".into(), Some(h)).await?);
        assert!(!verify("anything".into(), None).await?);
        assert!(!verify("anything".into(), Some("not a hash".into())).await?);
        Ok(())
    }

    #[tokio::test]
    async fn hashes_agree_with_the_argon2_reference_both_ways() -> Result<(), AppError> {
        // Ours verifies with the crate's own verifier, and a hash made by the crate (other
        // parameters) verifies with ours: stored hashes from before keep working.
        let ours = hash("correct horse battery".into()).await?;
        let parsed = PasswordHash::new(&ours).map_err(|_| AppError::Internal)?;
        assert!(Argon2::default()
            .verify_password(b"correct horse battery", &parsed)
            .is_ok());
        use argon2::password_hash::PasswordHasher;
        let params = Params::new(8 * 1024, 3, 1, Some(32)).map_err(|_| AppError::Internal)?;
        let theirs = Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
            .hash_password(b"another password", &SaltString::generate(&mut OsRng))
            .map_err(|_| AppError::Internal)?
            .to_string();
        assert!(verify("another password".into(), Some(theirs.clone())).await?);
        assert!(!verify("another passwore".into(), Some(theirs)).await?);
        Ok(())
    }

    #[test]
    fn the_dummy_hash_parses() {
        assert!(PasswordHash::new(DUMMY_HASH).is_ok());
    }
}
