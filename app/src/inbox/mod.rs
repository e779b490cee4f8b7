//! The inbox: the home page of a practice's workspace (`/p/:practice`), one list across every
//! practice the person serves of what needs doing now (tasks, call-backs, appointments to
//! confirm, patients waiting), most urgent first by each practice's own clock.

pub mod api;
pub mod model;
pub mod rules;

#[cfg(feature = "ssr")]
pub mod db;
pub mod ui;
