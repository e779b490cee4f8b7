//! Practice workspaces: the practice's page, its people and settings.

pub mod admin_ui;
pub mod api;
pub mod model;
pub mod rules;
pub mod ui;

#[cfg(feature = "ssr")]
pub mod db;
