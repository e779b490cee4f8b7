//! Outgoing e-mail through a transactional outbox: mail is written to `mail_outbox` in the
//! same transaction as the change that causes it, and the server's worker sends it. A crash
//! or an SMTP outage loses nothing; without SMTP the mail is kept and agency admins read it
//! on the "Sent mail" page.

pub mod api;
pub mod model;
pub mod rules;
pub mod ui;

#[cfg(feature = "ssr")]
pub mod db;
