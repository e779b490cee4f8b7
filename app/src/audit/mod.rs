//! The access log: who did what, in which practice, to which patient, from where.
//! Append-only in the database (a trigger refuses UPDATE, DELETE and TRUNCATE); practice
//! admins read their own practice's events in the Admin section (`ui`, through
//! `api::practice_audit`), a page at a time, by person, patient, action and day. Every
//! event names the patients it showed or touched, so "who saw this patient?" is a filter.

pub mod api;
pub mod model;
pub mod rules;
pub mod ui;

#[cfg(feature = "ssr")]
pub mod db;
