//! The database handle and the one way into it: a transaction opened with a scope.
//!
//! Every application query runs inside [`begin`], which switches to the non-superuser role
//! `switchboard_app` and sets the transaction-local settings that the row-level-security
//! policies read (`app.practice_ids`, `app.user_id`, `app.all_practices`). A query that
//! forgets a `WHERE practice_id = …` still cannot see another practice's rows.

use crate::model::{PracticeId, UserId};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::types::ipnetwork::IpNetwork;
use sqlx::{Executor, PgPool, Postgres, Transaction};
use std::time::Duration;

pub type Tx = Transaction<'static, Postgres>;

/// Which rows a transaction may touch.
#[derive(Clone, Debug, PartialEq)]
pub enum Scope {
    /// Nothing practice-owned: login, token checks that need no practice.
    Anonymous,
    /// A person: their own memberships and practices, plus the practices listed.
    Person {
        user: UserId,
        practices: Vec<PracticeId>,
    },
    /// Every practice: agency admins, background workers, finding what a secret token names.
    All { user: Option<UserId> },
    /// One practice and no person: what a secret link (a calendar feed) reads once its token
    /// has been found, and a background job's work for one practice.
    Link { practice: PracticeId },
}

impl Scope {
    pub fn person(user: UserId, practices: impl IntoIterator<Item = PracticeId>) -> Self {
        Scope::Person {
            user,
            practices: practices.into_iter().collect(),
        }
    }
}

/// Opens the application's pool. Every connection runs as `switchboard_app`.
pub async fn connect(options: PgConnectOptions, max_connections: u32) -> Result<PgPool, sqlx::Error> {
    PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(5))
        .after_connect(|conn, _meta| {
            Box::pin(async move {
                conn.execute("SET ROLE switchboard_app").await?;
                Ok(())
            })
        })
        .connect_with(options)
        .await
}

/// Begins a transaction limited to `scope`, in one round trip: `BEGIN` and the settings go
/// as one simple query (its values are ids and fixed words, written by this function, never
/// text from a request). If the settings fail, the transaction is aborted before any query.
pub async fn begin(pool: &PgPool, scope: &Scope) -> Result<Tx, sqlx::Error> {
    let (practices, user, all) = match scope {
        Scope::Anonymous => (String::new(), String::new(), false),
        Scope::Person { user, practices } => (pg_uuid_array(practices), user.to_string(), false),
        Scope::Link { practice } => (pg_uuid_array(&[*practice]), String::new(), false),
        Scope::All { user } => (
            String::new(),
            user.map(|u| u.to_string()).unwrap_or_default(),
            true,
        ),
    };
    pool.begin_with(format!(
        "BEGIN; SELECT set_config('role', 'switchboard_app', true),
                set_config('app.practice_ids', '{practices}', true),
                set_config('app.user_id', '{user}', true),
                set_config('app.all_practices', '{}', true)",
        if all { "on" } else { "off" }
    ))
    .await
}

/// Narrows an anonymous transaction to a person once it has found who they are (a session
/// cookie names them): from here on it sees what `Scope::person(user, [])` sees.
pub async fn become_person(tx: &mut Tx, user: UserId) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT set_config('app.user_id', $1, true)")
        .bind(user.to_string())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Follows a secret link: `find` looks its token up over every practice (the token is all
/// there is to go on) and names the practice; everything after runs in the transaction
/// returned, scoped to that practice alone and no person. An unknown token is `NotFound`
/// and counts against the client address `ip` (see `auth::links`), which past its limit is
/// refused before any lookup.
pub async fn begin_link<T, F>(
    pool: &PgPool,
    ip: Option<IpNetwork>,
    find: F,
) -> Result<(T, PracticeId, Tx), crate::error::AppError>
where
    F: for<'c> AsyncFnOnce(&'c mut sqlx::PgConnection) -> Result<Option<(T, PracticeId)>, sqlx::Error>,
{
    let mut lookup = begin(pool, &Scope::All { user: None }).await?;
    crate::auth::links::gate(&mut lookup, ip).await?;
    let Some((t, practice)) = find(&mut lookup).await? else {
        return Err(crate::auth::links::missed(lookup, ip, crate::error::AppError::NotFound).await);
    };
    lookup.commit().await?;
    Ok((t, practice, begin(pool, &Scope::Link { practice }).await?))
}

fn pg_uuid_array(ids: &[PracticeId]) -> String {
    let inner: Vec<String> = ids.iter().map(|id| id.to_string()).collect();
    format!("{{{}}}", inner.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    #[test]
    fn practice_ids_become_a_postgres_array_literal() {
        let a = PracticeId(Uuid::from_u128(1));
        let b = PracticeId(Uuid::from_u128(2));
        assert_eq!(pg_uuid_array(&[]), "{}");
        assert_eq!(pg_uuid_array(&[a, b]), format!("{{{},{}}}", a.0, b.0));
    }
}
