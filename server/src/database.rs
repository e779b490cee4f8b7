//! The two database logins: the owner, which creates and migrates the database at start,
//! and the application's login, which serves every request and owns nothing.
//!
//! The application's login is neither a superuser nor BYPASSRLS, owns no table, and reaches
//! the tables only through its membership of `switchboard_app`: a statement that undoes
//! the transaction's role (`RESET ROLE`) lands back on a login with the same privileges and
//! the same row-level security. A node refuses to start on any other kind of login.

use crate::StartError;
use sqlx::migrate::MigrateDatabase;
use sqlx::{PgConnection, PgPool, Postgres};

/// Creates the database unless it exists; another node creating it at the same moment is
/// not a failure.
pub async fn create_once(url: &str) -> Result<(), StartError> {
    if Postgres::database_exists(url).await? {
        return Ok(());
    }
    tracing::info!("creating the database");
    let Err(e) = Postgres::create_database(url).await else {
        return Ok(());
    };
    for _ in 0..50 {
        if Postgres::database_exists(url).await? {
            return Ok(());
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    Err(e.into())
}

/// The application's login as given by its URL: the role's name and its password, if any.
pub fn login_of(url: &str) -> Result<(String, Option<String>), StartError> {
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(s)
            .decode_utf8_lossy()
            .into_owned()
    };
    let parsed = url::Url::parse(url).map_err(|e| StartError::Other(format!("DATABASE_URL: {e}")))?;
    let user = decode(parsed.username());
    if user.is_empty() {
        return Err(StartError::Other("DATABASE_URL names no user".into()));
    }
    Ok((user, parsed.password().map(decode)))
}

/// Makes sure the application's login exists and may use the application's privileges:
/// creates it (with the URL's password) when the owner may create roles, and grants it
/// `switchboard_app`. Roles belong to the whole PostgreSQL server, and nodes or test
/// databases do this at once: a concurrent creation is not an error.
pub async fn provision_login(
    owner: &mut PgConnection,
    user: &str,
    password: Option<&str>,
) -> Result<(), StartError> {
    const EXISTS: &str = "SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)";
    const MEMBER: &str = "SELECT pg_has_role($1, 'switchboard_app', 'USAGE')";
    if !ask(owner, EXISTS, user).await? {
        let create: String = sqlx::query_scalar(
            "SELECT format('CREATE ROLE %I LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE INHERIT', $1::text)
                    || coalesce(format(' PASSWORD %L', $2::text), '')",
        )
        .bind(user)
        .bind(password)
        .fetch_one(&mut *owner)
        .await?;
        if let Err(e) = sqlx::query(&create).execute(&mut *owner).await {
            if !ask(owner, EXISTS, user).await? {
                return Err(StartError::Other(format!(
                    "the database login `{user}` does not exist and the owner could not create it \
                     ({e}); create it: CREATE ROLE {user} LOGIN PASSWORD '…'; GRANT switchboard_app TO {user}"
                )));
            }
        }
        tracing::info!(login = user, "created the application's database login");
    }
    if !ask(owner, MEMBER, user).await? {
        let grant: String = sqlx::query_scalar("SELECT format('GRANT switchboard_app TO %I', $1::text)")
            .bind(user)
            .fetch_one(&mut *owner)
            .await?;
        if let Err(e) = sqlx::query(&grant).execute(&mut *owner).await {
            if !ask(owner, MEMBER, user).await? {
                return Err(StartError::Other(format!(
                    "the database login `{user}` may not use the application's privileges and the owner \
                     could not grant them ({e}): GRANT switchboard_app TO {user}"
                )));
            }
        }
    }
    Ok(())
}

/// A yes-or-no question about the role `user`.
async fn ask(conn: &mut PgConnection, sql: &'static str, user: &str) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar(sql).bind(user).fetch_one(conn).await
}

/// Refuses a login that could look past row-level security: a superuser, a role with
/// BYPASSRLS or an owner of the application's tables (itself or through a role it belongs
/// to), or one that cannot use the application's privileges.
pub async fn check_login(pool: &PgPool) -> Result<(), StartError> {
    let (user, unsafe_role, owns, member): (String, Option<String>, i64, bool) = sqlx::query_as(
        "SELECT session_user::text,
                (SELECT string_agg(r.rolname, ', ' ORDER BY r.rolname) FROM pg_roles r
                  WHERE pg_has_role(session_user, r.oid, 'MEMBER') AND (r.rolsuper OR r.rolbypassrls)),
                (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                  WHERE n.nspname = 'public' AND pg_has_role(session_user, c.relowner, 'MEMBER')),
                pg_has_role(session_user, 'switchboard_app', 'USAGE')",
    )
    .fetch_one(pool)
    .await?;
    let problem = if let Some(roles) = unsafe_role {
        format!("is (or can become) a superuser or a role that bypasses row-level security ({roles})")
    } else if owns > 0 {
        format!("owns {owns} of the database's tables")
    } else if !member {
        "cannot use the application's privileges (GRANT switchboard_app TO it)".to_string()
    } else {
        return Ok(());
    };
    Err(StartError::Other(format!(
        "DATABASE_URL logs in as `{user}`, which {problem}. The application must run on a login of \
         its own: set DATABASE_OWNER_URL to the database's owner (it migrates) and DATABASE_URL to \
         another login (created at start when the owner may create roles)"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_login_and_its_password_come_from_the_url_decoded() {
        let (user, password) = login_of("postgres://app%2Dlogin:p%40ss+w%3Ard@db:5432/switchboard").unwrap();
        assert_eq!(user, "app-login");
        assert_eq!(password.as_deref(), Some("p@ss+w:rd"));
        assert_eq!(
            login_of("postgres://switchboard@127.0.0.1/x").unwrap(),
            ("switchboard".into(), None)
        );
        assert!(login_of("postgres://127.0.0.1/x").is_err(), "no user");
    }
}
