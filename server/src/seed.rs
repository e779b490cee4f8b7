//! The demo: three practices in three US time zones and their fictional people. Runs only
//! when asked (`SB_DEMO=1`) and only on a database without practices.

use app::auth::api::DEMO_PASSWORD;
use app::calendar::model::{ApptType, EntryKind, NewEntry};
use app::calendar::rules::WeeklyRange;
use app::calendar::{book, db as cal};
use app::db::{begin, Scope};
use app::error::AppError;
use app::model::{PracticeId, Role, TypeId, UserId};
use chrono::{Datelike, Duration, NaiveDate, NaiveTime, Utc, Weekday};
use sqlx::PgPool;
use uuid::Uuid;

pub use app::auth::api::DEMO_DOMAIN;

struct DemoPractice {
    name: &'static str,
    time_zone: &'static str,
    script: &'static str,
    emergency: &'static str,
    people: &'static [(&'static str, &'static str, Role)],
}

const PRACTICES: [DemoPractice; 3] = [
    DemoPractice {
        name: "Riverside Family Medicine",
        time_zone: "America/New_York",
        script: "Thank you for calling Riverside Family Medicine, this is {assistant}. How may I help you?\n\
                 Verify name and date of birth before discussing any appointment.",
        emergency: "Chest pain, trouble breathing, stroke signs: tell the caller to hang up and dial 911.\n\
                    Urgent but not life-threatening: transfer to the on-call clinician.",
        people: &[
            ("Helen Park", "helen.park", Role::Clinician),
            ("Samuel Reyes", "samuel.reyes", Role::Clinician),
            ("Grace Liu", "grace.liu", Role::Clinician),
            ("Tom Becker", "tom.becker", Role::PracticeAdmin),
            ("Maya Okafor", "maya.okafor", Role::Assistant),
            ("Luis Ortega", "luis.ortega", Role::Assistant),
        ],
    },
    DemoPractice {
        name: "Sunset Pediatrics",
        time_zone: "America/Los_Angeles",
        script: "Sunset Pediatrics, this is {assistant}. Are you calling about a child who is sick today?",
        emergency:
            "Infant under 3 months with fever over 100.4°F: transfer to the on-call pediatrician at once.\n\
                    Any breathing difficulty or unresponsiveness: 911.",
        people: &[
            ("Priya Nair", "priya.nair", Role::Clinician),
            ("Owen Brooks", "owen.brooks", Role::Clinician),
            ("Rachel Kim", "rachel.kim", Role::PracticeAdmin),
            ("Maya Okafor", "maya.okafor", Role::Assistant),
        ],
    },
    DemoPractice {
        name: "Lakeshore Dermatology",
        time_zone: "America/Chicago",
        script: "Lakeshore Dermatology, {assistant} speaking. How can I help?",
        emergency: "Rapidly spreading rash with fever or blistering: transfer to the on-call dermatologist.",
        people: &[
            ("Marcus Bell", "marcus.bell", Role::Clinician),
            ("Alicia Ford", "alicia.ford", Role::Clinician),
            ("Nina Petrov", "nina.petrov", Role::PracticeAdmin),
            ("Maya Okafor", "maya.okafor", Role::Assistant),
        ],
    },
];

pub fn demo_email(local: &str) -> String {
    format!("{local}@{DEMO_DOMAIN}")
}

/// Seeds the demo unless practices exist. Returns whether it seeded.
pub async fn seed_demo_if_empty(pool: &PgPool) -> Result<bool, AppError> {
    let mut tx = begin(pool, &Scope::All { user: None }).await?;
    let (count,): (i64,) = sqlx::query_as("SELECT count(*) FROM practices")
        .fetch_one(&mut *tx)
        .await?;
    if count > 0 {
        return Ok(false);
    }
    let hash = app::auth::password::hash(DEMO_PASSWORD.to_string()).await?;
    let mut user_ids = std::collections::HashMap::<&str, Uuid>::new();
    let mut ensure_user =
        async |tx: &mut app::db::Tx, name: &str, local: &'static str| -> Result<Uuid, sqlx::Error> {
            if let Some(id) = user_ids.get(local) {
                return Ok(*id);
            }
            let id = app::auth::db::create_account(tx, &demo_email(local), name, Some(&hash))
                .await?
                .0;
            user_ids.insert(local, id);
            Ok(id)
        };

    let admin = ensure_user(&mut tx, "Dana Whitfield", "dana.whitfield").await?;
    sqlx::query("INSERT INTO agency_admins (user_id) VALUES ($1)")
        .bind(admin)
        .execute(&mut *tx)
        .await?;
    for p in &PRACTICES {
        let (practice,): (Uuid,) = sqlx::query_as(
            "INSERT INTO practices (name, time_zone, phone_script, emergency_rules, business_hours)
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(p.name)
        .bind(p.time_zone)
        .bind(p.script)
        .bind(p.emergency)
        .bind(serde_json::json!({
            "mon": [["08:00", "17:00"]], "tue": [["08:00", "17:00"]], "wed": [["08:00", "17:00"]],
            "thu": [["08:00", "17:00"]], "fri": [["08:00", "16:00"]]
        }))
        .fetch_one(&mut *tx)
        .await?;
        let mut clinicians = Vec::new();
        let mut assistant = None;
        for (name, local, role) in p.people {
            let user = ensure_user(&mut tx, name, local).await?;
            sqlx::query("INSERT INTO memberships (practice_id, user_id, role) VALUES ($1, $2, $3)")
                .bind(practice)
                .bind(user)
                .bind(*role)
                .execute(&mut *tx)
                .await?;
            match role {
                Role::Clinician => clinicians.push(UserId(user)),
                Role::Assistant => assistant = assistant.or(Some(UserId(user))),
                Role::PracticeAdmin => {}
            }
        }
        if let Some(assistant) = assistant {
            seed_calendar(&mut tx, PracticeId(practice), p.time_zone, &clinicians, assistant).await?;
            if let Some(clinician) = clinicians.first() {
                seed_tasks(&mut tx, PracticeId(practice), *clinician, assistant).await?;
            }
        }
    }
    tx.commit().await?;
    tracing::info!("seeded the demo practices");
    Ok(true)
}

/// A demo practice's open tasks: what a clinician asked for this morning, one of them
/// already with the assistant. Titles name no patient (the patient is linked).
async fn seed_tasks(
    tx: &mut app::db::Tx,
    practice: PracticeId,
    clinician: UserId,
    assistant: UserId,
) -> Result<(), AppError> {
    use app::tasks::{db as tasks, model::Priority};
    let (queue,): (app::model::QueueId,) =
        sqlx::query_as("SELECT id FROM task_queues WHERE practice_id = $1 AND is_default")
            .bind(practice)
            .fetch_one(&mut **tx)
            .await?;
    let patients: Vec<(app::model::PatientId,)> =
        sqlx::query_as("SELECT id FROM patients WHERE practice_id = $1 ORDER BY full_name LIMIT 4")
            .bind(practice)
            .fetch_all(&mut **tx)
            .await?;
    let patient = |i: usize| patients.get(i).map(|p| p.0);
    let now = Utc::now();
    let list = [
        (
            "Prescription refill",
            "Refill request: blood pressure medication",
            Priority::Soon,
            3,
            patient(0),
        ),
        (
            "Call-back",
            "Call back with the lab results",
            Priority::Urgent,
            1,
            patient(1),
        ),
        (
            "Prior authorization",
            "Prior authorization for a knee MRI",
            Priority::Routine,
            26,
            patient(2),
        ),
        (
            "Records request",
            "Records request from Lakeside Orthopedics",
            Priority::Routine,
            50,
            patient(3),
        ),
        (
            "Personal errand",
            "Book a table for four, Friday 7 pm",
            Priority::Routine,
            6,
            None,
        ),
    ];
    // Due as the practice's SLA clock would have it: that many hours of its opening hours.
    let (_, zone, hours) = tasks::clock(tx, practice).await?.ok_or(AppError::NotFound)?;
    let tz = app::practices::rules::zone(&zone).unwrap_or(chrono_tz::UTC);
    let week = app::tasks::rules::week_of(&hours);
    let mut first = None;
    for (kind, title, priority, hours, patient) in list {
        let (type_id, checklist, errand): (app::model::TaskTypeId, Vec<String>, bool) = sqlx::query_as(
            "SELECT id, checklist, errand FROM task_types WHERE practice_id = $1 AND name = $2",
        )
        .bind(practice)
        .bind(kind)
        .fetch_one(&mut **tx)
        .await?;
        let (id, _) = tasks::insert(
            tx,
            &tasks::Insert {
                practice,
                type_id,
                queue,
                title,
                details: "",
                priority,
                due_at: app::tasks::rules::due_at(&tz, &week, now, hours * 60, priority),
                patient,
                entry: None,
                assignee: None,
                creator: clinician,
                errand,
                checklist: &checklist,
            },
        )
        .await?;
        first = first.or(Some(id));
    }
    if let Some(id) = first {
        if tasks::take(tx, practice, id, assistant).await?.is_some() {
            tasks::event(tx, practice, id, assistant, "taken", serde_json::json!({}), None).await?;
        }
    }
    Ok(())
}

const PATIENTS: [(&str, &str, &str); 12] = [
    ("Eleanor Vance", "1954-03-12", "eleanor.vance@example.com"),
    ("Marcus Holloway", "1987-07-30", ""),
    ("Sofia Alvarez", "2015-11-02", "alvarez.family@example.com"),
    ("James Whitaker", "1962-01-19", "jwhitaker@example.com"),
    ("Aiko Tanaka", "1999-05-25", "aiko.t@example.com"),
    ("Daniel O'Brien", "1975-09-08", ""),
    ("Fatima Rahman", "1991-12-14", "fatima.rahman@example.com"),
    ("George Papadakis", "1948-04-03", ""),
    ("Hannah Schultz", "2009-06-21", "schultz.home@example.com"),
    ("Isaac Mensah", "1983-02-27", "isaac.mensah@example.com"),
    ("Julia Novak", "1970-10-10", "jnovak@example.com"),
    ("Kevin Duarte", "2001-08-16", ""),
];

/// Rooms, appointment types, weekly hours and two weeks of appointments of a demo practice.
async fn seed_calendar(
    tx: &mut app::db::Tx,
    practice: PracticeId,
    zone: &str,
    clinicians: &[UserId],
    assistant: UserId,
) -> Result<(), AppError> {
    // The assistant sets the calendar up and books: the audit log names them.
    app::db::become_person(tx, assistant).await?;
    let mut rooms = Vec::new();
    for name in ["Exam 1", "Exam 2", "Procedure room"] {
        rooms.push(cal::insert_room(tx, practice, name).await?);
    }
    let mut types: Vec<TypeId> = Vec::new();
    for (name, minutes, before, after, color, needs_room) in [
        ("Follow-up", 20, 0, 5, "#3b6ea5", true),
        ("New patient", 40, 5, 10, "#2f855a", true),
        ("Annual physical", 45, 0, 10, "#b7791f", true),
        ("Telehealth", 20, 0, 0, "#6b5ca5", false),
    ] {
        let t = ApptType {
            id: TypeId(Uuid::nil()),
            name: name.into(),
            minutes,
            buffer_before: before,
            buffer_after: after,
            color: color.into(),
            needs_room,
            provider_ids: vec![],
        };
        if let Some(id) = cal::save_type(tx, practice, None, &t).await? {
            types.push(id);
        }
    }
    let tz: chrono_tz::Tz = zone.parse().map_err(|_| AppError::Internal)?;
    let today = Utc::now().with_timezone(&tz).date_naive();
    let from = NaiveDate::from_ymd_opt(today.year() - 1, 1, 1).unwrap_or(today);
    let at = |h: u32, m: u32| NaiveTime::from_hms_opt(h, m, 0).unwrap_or(NaiveTime::MIN);
    for c in clinicians {
        let mut week = Vec::new();
        for day in [
            Weekday::Mon,
            Weekday::Tue,
            Weekday::Wed,
            Weekday::Thu,
            Weekday::Fri,
        ] {
            for (s, e) in [(at(8, 30), at(12, 0)), (at(13, 0), at(17, 0))] {
                week.push(WeeklyRange {
                    weekday: day,
                    start: s,
                    end: e,
                    from,
                    until: None,
                });
            }
        }
        cal::replace_template(tx, practice, *c, from, &week, assistant).await?;
    }
    let mut patients = Vec::new();
    for (name, born, email) in PATIENTS {
        let born = NaiveDate::parse_from_str(born, "%Y-%m-%d").ok();
        patients.push(cal::insert_patient(tx, practice, name, born, "", email).await?);
    }
    // This week's and next week's working days: a few appointments per clinician and day.
    let monday = today - Duration::days(today.weekday().num_days_from_monday().into());
    let mut n = 0usize;
    for d in (0..12).filter(|d| d % 7 < 5) {
        let day = monday + Duration::days(d);
        for (ci, c) in clinicians.iter().enumerate() {
            for (h, m) in [(9, 0), (10, 30), (14, 0), (15, 30)] {
                n += 1;
                if (n + ci).is_multiple_of(3) {
                    continue;
                }
                let entry = NewEntry {
                    kind: EntryKind::Appointment,
                    patient: Some(patients[n % patients.len()]),
                    type_id: Some(types[n % types.len()]),
                    provider: Some(*c),
                    room: Some(rooms[(n + ci) % rooms.len()]),
                    attendees: vec![],
                    title: String::new(),
                    start: day.and_time(at(h, m)),
                    at: None,
                    minutes: None,
                    notes: String::new(),
                    rrule: None,
                    override_availability: false,
                    skip_conflicts: false,
                };
                book::book(tx, practice, assistant, &entry).await?;
            }
        }
        // Lunch is blocked for everyone.
        for c in clinicians {
            let lunch = NewEntry {
                kind: EntryKind::Block,
                patient: None,
                type_id: None,
                provider: Some(*c),
                room: None,
                attendees: vec![],
                title: "Lunch".into(),
                start: day.and_time(at(12, 0)),
                at: None,
                minutes: Some(60),
                notes: String::new(),
                rrule: None,
                override_availability: false,
                skip_conflicts: false,
            };
            book::book(tx, practice, assistant, &lunch).await?;
        }
    }
    Ok(())
}
