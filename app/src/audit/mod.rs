//! The access log: who did what, in which practice, to which patient, from where.
//! Append-only in the database (a trigger refuses UPDATE, DELETE and TRUNCATE); practice
//! admins read their own practice's events through `api::practice_audit` (the page for it
//! waits for route-level code splitting: the first-load budget has no room for it yet).

pub mod api;
pub mod rules;

#[cfg(feature = "ssr")]
pub mod db;
