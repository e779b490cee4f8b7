//! The agency's own pages: its practices, creating one, and putting people (assistants
//! above all) into practices. Agency admins only.

pub mod api;
pub mod model;
pub mod ui;

#[cfg(feature = "ssr")]
pub mod db;
