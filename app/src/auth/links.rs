//! Secret links: invitations, password resets, appointment and waitlist-offer links,
//! calendar feeds. Their token is the only credential, and 256 bits are not guessed; still,
//! a client address that keeps presenting tokens that match nothing is refused for a while
//! ([`rules::MAX_LINK_MISSES_PER_ADDRESS`] within [`rules::RATE_WINDOW_MINUTES`]), so a
//! scanner learns nothing and costs little.

use crate::auth::{db, rules};
use crate::db::Tx;
use crate::error::AppError;
use sqlx::types::ipnetwork::IpNetwork;

/// Refuses (`RateLimited`) an address past its limit. Call before looking a token up.
pub async fn gate(tx: &mut Tx, ip: Option<IpNetwork>) -> Result<(), AppError> {
    let Some(ip) = ip else { return Ok(()) };
    let since = chrono::Utc::now() - chrono::Duration::minutes(rules::RATE_WINDOW_MINUTES);
    if db::recent_link_misses(tx, ip, since).await? >= rules::MAX_LINK_MISSES_PER_ADDRESS {
        return Err(AppError::RateLimited);
    }
    Ok(())
}

/// The token matched nothing: counts the miss against the address (committing `tx`, which
/// must have changed nothing else) and hands back `error`, the answer to give.
pub async fn missed(mut tx: Tx, ip: Option<IpNetwork>, error: AppError) -> AppError {
    let Some(ip) = ip else { return error };
    let recorded = match db::record_link_miss(&mut tx, ip).await {
        Ok(()) => tx.commit().await,
        Err(e) => Err(e),
    };
    match recorded {
        Ok(()) => error,
        Err(e) => AppError::from(e),
    }
}
