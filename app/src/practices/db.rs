//! Queries of practices and their people.

use crate::db::Tx;
use crate::model::{PracticeId, Role, UserId};
use crate::practices::model::{PracticeInfo, PracticeSettings, StaffMember};
use crate::practices::rules::{format_day_hours, CheckedSettings, Hours, WEEKDAYS};

#[tracing::instrument(skip_all)]
pub async fn overview(tx: &mut Tx, practice: PracticeId) -> Result<Option<PracticeInfo>, sqlx::Error> {
    let head: Option<(String, String, String, String, i32)> = sqlx::query_as(
        "SELECT name, time_zone, phone_script, emergency_rules, idle_logout_minutes
         FROM practices WHERE id = $1 AND archived_at IS NULL",
    )
    .bind(practice)
    .fetch_optional(&mut **tx)
    .await?;
    let Some((name, time_zone, phone_script, emergency_rules, idle_logout_minutes)) = head else {
        return Ok(None);
    };
    let staff = staff(tx, practice).await?;
    Ok(Some(PracticeInfo {
        id: practice,
        name,
        time_zone,
        phone_script,
        emergency_rules,
        idle_logout_minutes,
        staff,
    }))
}

#[tracing::instrument(skip_all)]
pub async fn staff(tx: &mut Tx, practice: PracticeId) -> Result<Vec<StaffMember>, sqlx::Error> {
    let rows: Vec<(UserId, String, String, Role)> = sqlx::query_as(
        "SELECT u.id, u.display_name, u.email, m.role
         FROM memberships m JOIN users u ON u.id = m.user_id
         WHERE m.practice_id = $1 AND u.disabled_at IS NULL
         ORDER BY m.role, u.display_name",
    )
    .bind(practice)
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, display_name, email, role)| StaffMember {
            id,
            display_name,
            email,
            role,
        })
        .collect())
}

/// Whether `email` already belongs to a member of the practice.
pub async fn is_member_email(
    tx: &mut Tx,
    practice: PracticeId,
    email_lower: &str,
) -> Result<bool, sqlx::Error> {
    let (exists,): (bool,) = sqlx::query_as(
        "SELECT EXISTS (SELECT 1 FROM memberships m JOIN users u ON u.id = m.user_id
                        WHERE m.practice_id = $1 AND lower(u.email) = $2)",
    )
    .bind(practice)
    .bind(email_lower)
    .fetch_one(&mut **tx)
    .await?;
    Ok(exists)
}

pub async fn practice_name(tx: &mut Tx, practice: PracticeId) -> Result<Option<String>, sqlx::Error> {
    let row: Option<(String,)> =
        sqlx::query_as("SELECT name FROM practices WHERE id = $1 AND archived_at IS NULL")
            .bind(practice)
            .fetch_optional(&mut **tx)
            .await?;
    Ok(row.map(|(n,)| n))
}

/// Replaces any pending invitation of this address to this practice with a new one.
#[allow(clippy::too_many_arguments)]
pub async fn create_invitation(
    tx: &mut Tx,
    practice: PracticeId,
    email_lower: &str,
    display_name: &str,
    role: Role,
    token_hash: &[u8],
    invited_by: UserId,
    valid_days: i32,
) -> Result<uuid::Uuid, sqlx::Error> {
    sqlx::query(
        "UPDATE invitations SET revoked_at = now()
         WHERE practice_id = $1 AND lower(email) = $2 AND accepted_at IS NULL AND revoked_at IS NULL",
    )
    .bind(practice)
    .bind(email_lower)
    .execute(&mut **tx)
    .await?;
    let (id,): (uuid::Uuid,) = sqlx::query_as(
        "INSERT INTO invitations (practice_id, email, display_name, role, token_hash, invited_by, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, now() + make_interval(days => $7)) RETURNING id",
    )
    .bind(practice)
    .bind(email_lower)
    .bind(display_name)
    .bind(role)
    .bind(token_hash)
    .bind(invited_by)
    .bind(valid_days)
    .fetch_one(&mut **tx)
    .await?;
    Ok(id)
}

pub struct OpenInvitation {
    pub id: uuid::Uuid,
    pub practice: PracticeId,
    pub practice_name: String,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    /// An account with a password already exists for the address.
    pub has_account: bool,
    pub invited_by: UserId,
}

/// The invitation behind a token if it can still be accepted; locks it when `lock`.
pub async fn open_invitation(
    tx: &mut Tx,
    token_hash: &[u8],
    lock: bool,
) -> Result<Option<OpenInvitation>, sqlx::Error> {
    let sql = format!(
        "SELECT i.id, i.practice_id, p.name, i.email, i.display_name, i.role,
                EXISTS (SELECT 1 FROM users u WHERE lower(u.email) = lower(i.email) AND has_password(u.id)),
                i.invited_by
         FROM invitations i JOIN practices p ON p.id = i.practice_id
         WHERE i.token_hash = $1 AND i.accepted_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > now()
         {}",
        if lock { "FOR UPDATE OF i" } else { "" }
    );
    type Row = (uuid::Uuid, PracticeId, String, String, String, Role, bool, UserId);
    let row: Option<Row> = sqlx::query_as(&sql)
        .bind(token_hash)
        .fetch_optional(&mut **tx)
        .await?;
    Ok(row.map(
        |(id, practice, practice_name, email, display_name, role, has_account, invited_by)| OpenInvitation {
            id,
            practice,
            practice_name,
            email,
            display_name,
            role,
            has_account,
            invited_by,
        },
    ))
}

/// Creates the account if needed (with `password_hash`; an account that has a password
/// keeps it), adds the membership and closes the invitation. From here on `tx` is scoped
/// to the person (their credentials, their audit event).
/// Returns the person and whether the account was created now.
pub async fn accept_invitation(
    tx: &mut Tx,
    invitation: &OpenInvitation,
    password_hash: &str,
) -> Result<(UserId, bool), sqlx::Error> {
    let existing: Option<(UserId, bool)> =
        sqlx::query_as("SELECT id, has_password(id) FROM users WHERE lower(email) = lower($1)")
            .bind(&invitation.email)
            .fetch_optional(&mut **tx)
            .await?;
    let (user, created) = match existing {
        Some((id, has_password)) => {
            crate::db::become_person(tx, id).await?;
            if !has_password {
                crate::auth::db::set_password(tx, id, password_hash).await?;
            }
            (id, !has_password)
        }
        None => {
            let id = crate::auth::db::create_account(
                tx,
                &invitation.email,
                &invitation.display_name,
                Some(password_hash),
            )
            .await?;
            (id, true)
        }
    };
    sqlx::query(
        "INSERT INTO memberships (practice_id, user_id, role) VALUES ($1, $2, $3)
         ON CONFLICT (practice_id, user_id) DO NOTHING",
    )
    .bind(invitation.practice)
    .bind(user)
    .bind(invitation.role)
    .execute(&mut **tx)
    .await?;
    sqlx::query("UPDATE invitations SET accepted_at = now() WHERE id = $1")
        .bind(invitation.id)
        .execute(&mut **tx)
        .await?;
    Ok((user, created))
}

type SettingsRow = (
    String,
    String,
    String,
    String,
    i32,
    bool,
    sqlx::types::Json<Hours>,
    Vec<i32>,
);

/// The settings as the admin form shows them (opening hours formatted per weekday).
#[tracing::instrument(skip_all)]
pub async fn settings(tx: &mut Tx, practice: PracticeId) -> Result<Option<PracticeSettings>, sqlx::Error> {
    let row: Option<SettingsRow> = sqlx::query_as(
        "SELECT name, time_zone, phone_script, emergency_rules, idle_logout_minutes, require_admin_mfa, business_hours,
           reminder_hours
         FROM practices WHERE id = $1 AND archived_at IS NULL",
    )
    .bind(practice)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row.map(
        |(name, time_zone, phone_script, emergency_rules, idle, mfa, hours, reminders)| {
            let mut s = PracticeSettings {
                name,
                time_zone,
                phone_script,
                emergency_rules,
                idle_logout_minutes: idle.to_string(),
                reminder_hours: crate::practices::rules::format_reminder_hours(&reminders),
                require_admin_mfa: mfa.then(|| "on".to_string()),
                ..Default::default()
            };
            for ((key, _), day) in WEEKDAYS.iter().zip(s.days_mut()) {
                *day = hours
                    .get(*key)
                    .map(|spans| format_day_hours(spans))
                    .unwrap_or_default();
            }
            s
        },
    ))
}

#[tracing::instrument(skip_all)]
pub async fn save_settings(
    tx: &mut Tx,
    practice: PracticeId,
    s: &CheckedSettings,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE practices SET name = $2, time_zone = $3, phone_script = $4, emergency_rules = $5,
                idle_logout_minutes = $6, require_admin_mfa = $7, business_hours = $8, reminder_hours = $9
         WHERE id = $1 AND archived_at IS NULL",
    )
    .bind(practice)
    .bind(&s.name)
    .bind(&s.time_zone)
    .bind(&s.phone_script)
    .bind(&s.emergency_rules)
    .bind(s.idle_logout_minutes)
    .bind(s.require_admin_mfa)
    .bind(sqlx::types::Json(&s.hours))
    .bind(&s.reminder_hours)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Refuses a time zone that the server (which computes the calendar) or PostgreSQL (which
/// turns times into the practice's local days) does not know.
pub async fn require_time_zone(tx: &mut Tx, zone: &str) -> Result<(), crate::error::AppError> {
    if crate::practices::rules::zone(zone).is_none() {
        return Err(crate::error::AppError::invalid(
            "Choose a time zone from the list (e.g. America/New_York).",
        ));
    }
    let (exists,): (bool,) =
        sqlx::query_as("SELECT EXISTS (SELECT 1 FROM pg_timezone_names WHERE name = $1)")
            .bind(zone)
            .fetch_one(&mut **tx)
            .await?;
    if !exists {
        return Err(crate::error::AppError::invalid(
            "Choose a time zone from the list (e.g. America/New_York).",
        ));
    }
    Ok(())
}

/// Every practice's stored time zone (all-practices scope): (practice, name).
pub async fn all_zones(tx: &mut Tx) -> Result<Vec<(PracticeId, String)>, sqlx::Error> {
    sqlx::query_as("SELECT id, time_zone FROM practices")
        .fetch_all(&mut **tx)
        .await
}

pub async fn set_zone(tx: &mut Tx, practice: PracticeId, zone: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE practices SET time_zone = $2 WHERE id = $1")
        .bind(practice)
        .bind(zone)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The practice's admins, their membership rows locked until the transaction ends.
pub async fn lock_admins(tx: &mut Tx, practice: PracticeId) -> Result<Vec<UserId>, sqlx::Error> {
    let rows: Vec<(UserId,)> = sqlx::query_as(
        "SELECT user_id FROM memberships WHERE practice_id = $1 AND role = 'practice_admin' FOR UPDATE",
    )
    .bind(practice)
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows.into_iter().map(|(u,)| u).collect())
}

pub async fn member_role(
    tx: &mut Tx,
    practice: PracticeId,
    person: UserId,
) -> Result<Option<Role>, sqlx::Error> {
    let row: Option<(Role,)> =
        sqlx::query_as("SELECT role FROM memberships WHERE practice_id = $1 AND user_id = $2 FOR UPDATE")
            .bind(practice)
            .bind(person)
            .fetch_optional(&mut **tx)
            .await?;
    Ok(row.map(|(r,)| r))
}

/// Gives `person` `role` in the practice, adding the membership if there is none.
pub async fn set_role(
    tx: &mut Tx,
    practice: PracticeId,
    person: UserId,
    role: Role,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO memberships (practice_id, user_id, role) VALUES ($1, $2, $3)
         ON CONFLICT (practice_id, user_id) DO UPDATE SET role = EXCLUDED.role",
    )
    .bind(practice)
    .bind(person)
    .bind(role)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn remove_member(tx: &mut Tx, practice: PracticeId, person: UserId) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM memberships WHERE practice_id = $1 AND user_id = $2")
        .bind(practice)
        .bind(person)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
