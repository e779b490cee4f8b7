//! The access log: who did what, in which practice, to which patient, from where.
//! Append-only in the database (a trigger refuses UPDATE, DELETE and TRUNCATE).

#[cfg(feature = "ssr")]
pub mod db;
