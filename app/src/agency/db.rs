//! Queries of the agency page (run with the all-practices scope of an agency admin).

use crate::agency::model::AgencyPractice;
use crate::db::Tx;
use crate::model::PracticeId;

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
