//! Sign-in's shared types.

use serde::{Deserialize, Serialize};

/// A demo account as the login page of a demo instance lists it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DemoAccount {
    pub email: String,
    pub display_name: String,
    pub what: String,
}
