//! The demo: three practices in three US time zones and their fictional people. Runs only
//! when asked (`SB_DEMO=1`) and only on a database without practices.

use app::auth::api::DEMO_PASSWORD;
use app::db::{begin, Scope};
use app::error::AppError;
use app::model::Role;
use sqlx::PgPool;
use uuid::Uuid;

pub const DEMO_DOMAIN: &str = "demo.switchboard.test";

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
            let (id,): (Uuid,) = sqlx::query_as(
                "INSERT INTO users (email, display_name, password_hash) VALUES ($1, $2, $3) RETURNING id",
            )
            .bind(demo_email(local))
            .bind(name)
            .bind(&hash)
            .fetch_one(&mut **tx)
            .await?;
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
        for (name, local, role) in p.people {
            let user = ensure_user(&mut tx, name, local).await?;
            sqlx::query("INSERT INTO memberships (practice_id, user_id, role) VALUES ($1, $2, $3)")
                .bind(practice)
                .bind(user)
                .bind(*role)
                .execute(&mut *tx)
                .await?;
        }
    }
    tx.commit().await?;
    tracing::info!("seeded the demo practices");
    Ok(true)
}
