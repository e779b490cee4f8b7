//! Notifications: a person's short notices (no patient data), each linking to its object,
//! written inside the transaction of the change that caused them and delivered live to the
//! person's open pages; the top bar's bell lists them. Optional desktop notifications show
//! the same short text.

pub mod api;
pub mod model;
pub mod rules;
#[cfg(feature = "hydrate")]
pub mod ui;

#[cfg(feature = "ssr")]
pub mod db;
