//! Live updates and the page's two-way channel: events published inside a transaction
//! (`NOTIFY`, delivered on commit) reach the open browsers they are addressed to (a practice,
//! a person, one socket) through the server's WebSocket hub; a page's requests over its
//! socket are answered under its session; presence says who of a practice's people has the
//! app open.

pub mod api;
pub mod model;
pub mod ui;

#[cfg(feature = "ssr")]
pub mod db;

pub use model::{Audience, Down, Kind, LiveEvent, Up};

/// The PostgreSQL channel every app node listens on.
pub const CHANNEL: &str = "switchboard_events";
