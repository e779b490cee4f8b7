//! Availability: each person's state for each practice they serve (available, busy, away,
//! off), set by them in the top bar, turned away while none of their pages is open and off
//! when they sign out; read by the presence list and, later, by routing of tasks and calls.

pub mod api;
pub mod model;
pub mod rules;
#[cfg(feature = "hydrate")]
pub mod ui;

#[cfg(feature = "ssr")]
pub mod db;
