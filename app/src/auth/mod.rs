//! Accounts, sessions and roles: login/logout, the session cookie, who is signed in.

pub mod account_ui;
pub mod api;
pub mod mfa;
pub mod model;
pub mod reset;
pub mod reset_ui;
pub mod rules;
pub mod ui;

#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod links;
#[cfg(feature = "ssr")]
pub mod password;
#[cfg(feature = "ssr")]
pub mod sealed;
#[cfg(feature = "ssr")]
pub mod session;
#[cfg(feature = "ssr")]
pub mod totp;
