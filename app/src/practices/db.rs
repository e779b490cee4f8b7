//! Queries of practices and their people.

use crate::db::Tx;
use crate::model::{PracticeId, Role, UserId};
use crate::practices::api::{PracticeInfo, StaffMember};

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
