//! The agency's shared types.

use crate::model::PracticeId;
use serde::{Deserialize, Serialize};

/// One practice as the agency sees it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct AgencyPractice {
    pub id: PracticeId,
    pub name: String,
    pub time_zone: String,
    pub members: i64,
    pub assistants: String,
}
