//! Accounts, sessions and roles: login/logout, the session cookie, who is signed in.

pub mod api;
pub mod rules;
pub mod ui;

#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod password;
#[cfg(feature = "ssr")]
pub mod session;
