//! Queries of the agency page (run with the all-practices scope of an agency admin).

use crate::agency::api::AgencyPractice;
use crate::db::Tx;
use crate::model::{PracticeId, Role, UserId};

pub async fn practices(tx: &mut Tx) -> Result<Vec<AgencyPractice>, sqlx::Error> {
    sqlx::query_as(
        "SELECT p.id, p.name, p.time_zone,
                (SELECT count(*) FROM memberships m WHERE m.practice_id = p.id) AS members,
                coalesce((SELECT string_agg(u.display_name, ', ' ORDER BY u.display_name)
                          FROM memberships m JOIN users u ON u.id = m.user_id
                          WHERE m.practice_id = p.id AND m.role = 'assistant'), '') AS assistants
         FROM practices p WHERE p.archived_at IS NULL ORDER BY p.name",
    )
    .fetch_all(&mut **tx)
    .await
}

pub async fn create_practice(tx: &mut Tx, name: &str, time_zone: &str) -> Result<PracticeId, sqlx::Error> {
    let (id,): (PracticeId,) =
        sqlx::query_as("INSERT INTO practices (name, time_zone) VALUES ($1, $2) RETURNING id")
            .bind(name)
            .bind(time_zone)
            .fetch_one(&mut **tx)
            .await?;
    Ok(id)
}

/// An account that can sign in (has a password and is not disabled).
pub async fn account_by_email(tx: &mut Tx, email_lower: &str) -> Result<Option<UserId>, sqlx::Error> {
    let row: Option<(UserId,)> = sqlx::query_as(
        "SELECT id FROM users WHERE lower(email) = $1 AND password_hash IS NOT NULL AND disabled_at IS NULL",
    )
    .bind(email_lower)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row.map(|(u,)| u))
}

pub async fn assign(
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
