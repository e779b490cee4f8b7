//! The access log: who did what, in which practice, to which patient, from where.
//! Append-only in the database (a trigger refuses UPDATE, DELETE and TRUNCATE); practice
//! admins read their own practice's events in the Admin section (`ui`, through
//! `api::practice_audit`).

pub mod api;
pub mod rules;
pub mod ui;

#[cfg(feature = "ssr")]
pub mod db;
