//! Live updates: events published inside a transaction (`NOTIFY`, delivered on commit) reach
//! every open browser of that practice through the server's WebSocket hub; presence says who
//! of a practice's people has the app open.

pub mod api;
pub mod ui;

#[cfg(feature = "ssr")]
pub mod db;

use crate::model::PracticeId;
use serde::{Deserialize, Serialize};

/// The PostgreSQL channel every app node listens on.
pub const CHANNEL: &str = "switchboard_events";

/// The kind of the event a page gives itself when its socket opens again after a gap
/// (never sent by the server): whatever it shows may have changed meanwhile.
pub const RESYNC: &str = "resync";

/// The kind of event published when someone's membership of a practice changes (role, or
/// removal); `subject` is that person. Their open sockets re-read their practices.
pub const MEMBERSHIP: &str = "membership";

/// One live event. `kind` names what changed (`presence`, later `calendar`, `task`, `call`);
/// `subject` is the id of the thing that changed, if any. Events carry ids only, never
/// patient data: browsers re-read through server functions.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LiveEvent {
    pub practice: PracticeId,
    pub kind: String,
    #[serde(default)]
    pub subject: Option<uuid::Uuid>,
}
