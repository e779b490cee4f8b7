//! Shared calendars: appointments, meetings and blocks; provider availability; booking that
//! cannot double-book (PostgreSQL exclusion constraints); recurrence; free-slot search;
//! subscription feeds (ICS); e-mail to patients with confirm/cancel links.

pub mod api;
pub mod forms_ui;
pub mod model;
pub mod rules;
pub mod text;
pub mod ui;

#[cfg(feature = "ssr")]
pub mod book;
#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod feed;
#[cfg(feature = "ssr")]
pub mod ics;
pub mod link_ui;
#[cfg(feature = "ssr")]
pub mod notices;
#[cfg(feature = "ssr")]
pub mod out;
pub mod out_ui;
pub mod setup_ui;
pub mod today_ui;
#[cfg(feature = "ssr")]
pub mod undo;
#[cfg(feature = "ssr")]
pub mod waitlist;
pub mod waitlist_ui;
