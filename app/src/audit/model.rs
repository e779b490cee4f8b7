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
    pub action: Option<Action>,
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

/// Declares [`Action`]: each variant with its stored name and its words.
macro_rules! actions {
    ($($variant:ident = $name:literal, $words:literal;)*) => {
        /// Every action the log records. Stored by its stable dotted name; the access log
        /// shows its words (and its filter lists them all).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
        pub enum Action {
            $($variant,)*
        }

        impl Action {
            pub const ALL: &[Action] = &[$(Action::$variant,)*];

            /// The stable name the log stores (`appointment.book`).
            pub fn name(self) -> &'static str {
                match self {
                    $(Action::$variant => $name,)*
                }
            }

            /// The same in words ("Booked").
            pub fn words(self) -> &'static str {
                match self {
                    $(Action::$variant => $words,)*
                }
            }
        }
    };
}

actions! {
    CalendarView = "calendar.view", "Viewed the calendar";
    PatientSearch = "patient.search", "Searched for patients";
    PatientCreate = "patient.create", "Added a patient";
    AppointmentBook = "appointment.book", "Booked";
    AppointmentMove = "appointment.move", "Moved";
    AppointmentStatus = "appointment.status", "Changed an appointment's status";
    AppointmentRule = "appointment.rule", "Changed a repeat rule";
    AppointmentUndo = "appointment.undo", "Undid a change";
    AppointmentLinkView = "appointment.link_view", "Patient opened their appointment link";
    AppointmentPatientAnswer = "appointment.patient_answer", "Patient answered";
    CalendarCallBacks = "calendar.call_backs", "Viewed the call-back list";
    CalendarCallBackDone = "calendar.call_back_done", "Marked a call-back done";
    CalendarOutPlan = "calendar.out_plan", "Looked at appointments an absence affects";
    CalendarOutApply = "calendar.out_apply", "Moved or cancelled for an absence";
    CalendarExceptionWithdraw = "calendar.exception_withdraw", "Withdrew an absence";
    CalendarFeedRead = "calendar.feed_read", "Calendar feed read";
    CalendarFeedCreate = "calendar.feed_create", "Made a calendar feed";
    CalendarFeedRevoke = "calendar.feed_revoke", "Revoked a calendar feed";
    CalendarFeedNames = "calendar.feed_names", "Changed names in calendar feeds";
    InboxView = "inbox.view", "Viewed the inbox";
    TaskList = "task.list", "Viewed the task list";
    TaskView = "task.view", "Opened a task";
    TaskCreate = "task.create", "Made a task";
    TaskChange = "task.change", "Changed a task";
    WaitlistView = "waitlist.view", "Viewed the waitlist";
    WaitlistAdd = "waitlist.add", "Put on the waitlist";
    WaitlistRemove = "waitlist.remove", "Took off the waitlist";
    WaitlistOffer = "waitlist.offer", "Offered a slot by e-mail";
    WaitlistOfferView = "waitlist.offer_view", "Patient opened a slot offer";
    WaitlistClaim = "waitlist.claim", "Patient took an offered slot";
    AuditRead = "audit.read", "Read the access log";
    MailReadOutbox = "mail.read_outbox", "Read the mail outbox";
    InvitationCreate = "invitation.create", "Invited someone";
    InvitationAccept = "invitation.accept", "Accepted an invitation";
    MemberAssign = "member.assign", "Gave someone a role";
    MemberRole = "member.role", "Changed someone's role";
    MemberRemove = "member.remove", "Removed someone";
    PracticeCreate = "practice.create", "Created the practice";
    PracticeSettings = "practice.settings", "Changed the practice's settings";
    AuthLogin = "auth.login", "Signed in";
    AuthLogout = "auth.logout", "Signed out";
    AuthMfaEnabled = "auth.mfa_enabled", "Turned on two-factor sign-in";
    AuthMfaDisabled = "auth.mfa_disabled", "Turned off two-factor sign-in";
    AuthPasswordReset = "auth.password_reset", "Set a new password";
    AuthResetRequested = "auth.reset_requested", "A password reset was asked for";
    AuthRecoveryCodeUsed = "auth.recovery_code_used", "Signed in with a recovery code";
}

impl Action {
    /// The action stored as `name`; `None` for one this version does not know.
    pub fn parse(name: &str) -> Option<Action> {
        Action::ALL.iter().copied().find(|a| a.name() == name)
    }
}
