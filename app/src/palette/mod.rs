//! The command palette (Ctrl/Cmd+K: go to any section of any of the person's practices,
//! switch practice) and the list of keyboard shortcuts (`?`). Both work with the keyboard
//! alone. Later capabilities add what they search (tasks, patients) as more commands.

pub mod rules;
#[cfg(feature = "hydrate")]
pub mod ui;
