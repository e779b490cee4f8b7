//! The access log's shared types.

use crate::model::{PatientId, UserId};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// One event as the access log shows it (time already in the practice's zone).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuditRow {
    pub id: i64,
    pub at_local: String,
    pub actor: Option<String>,
    /// The stable name (`appointment.book`) and the same in words ("Booked").
    pub action: String,
    pub what: String,
    pub subject_type: Option<String>,
    pub subject_id: Option<String>,
    /// The person an event is about, when it is about a person.
    pub subject_name: Option<String>,
    /// The patients the event showed or touched, by name (the first few), and how many in all.
    pub patients: Vec<(PatientId, String)>,
    pub patient_count: i64,
    pub ip: Option<String>,
    /// Ids and field names only (never patient data); empty when there are none.
    pub detail: String,
}

/// Which events to show: each field narrows; `before` pages back (events older than that id).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AuditQuery {
    pub person: Option<UserId>,
    pub patient: Option<PatientId>,
    pub action: Option<String>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub before: Option<i64>,
}

/// One page of the log, newest first; `older` is set when there are more before it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AuditPage {
    pub rows: Vec<AuditRow>,
    pub older: bool,
    /// The patient filtered by, named: the page is then "who saw this patient".
    pub patient_name: Option<String>,
}

/// Events per page.
pub const AUDIT_PAGE: i64 = 100;

/// Patients named on one row; the rest are counted.
pub const PATIENTS_NAMED: i64 = 5;
