//! Tasks: the work clinicians hand to a practice's assistants, in queues, with a type (its
//! SLA and checklist), a priority, a status and a history; claimed atomically, due by the
//! practice's opening hours, and listed across every practice the person serves.

pub mod api;
pub mod model;
pub mod rules;

#[cfg(feature = "ssr")]
pub mod clock;
#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod notices;
pub mod ui;
