//! Signing in and out over HTTP against the real application.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use app::auth::api::BAD_LOGIN;
use app::error::AppError;
use app::model::Me;
use common::{TestApp, PASSWORD};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

#[sqlx::test(migrations = "../migrations")]
async fn login_sets_a_safe_cookie_and_the_session_knows_the_person(_: PgPoolOptions, conn: PgConnectOptions) {
    let app = TestApp::spawn(conn).await;
    let w = common::world(&app.pool).await;
    let client = app.client();
    // A plain HTML form post (no JavaScript yet): answered with a real redirect.
    let res = client
        .post(app.url("/api/auth/login"))
        .header("accept", "text/html")
        .form(&[
            ("email", w.a_assistant.email.to_uppercase().as_str()),
            ("password", PASSWORD),
            ("next", "/p/x/inbox"),
        ])
        .send()
        .await
        .unwrap();
    assert!(res.status().is_redirection(), "{}", res.status());
    assert_eq!(res.headers()["location"], "/p/x/inbox");
    let cookie = res.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(cookie.starts_with("sb_session="), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );

    let me: Option<Me> = app.call(&client, "auth/who_am_i", &[]).await.unwrap();
    let me = me.expect("signed in");
    assert_eq!(me.id, w.a_assistant.id);
    assert_eq!(me.practices.len(), 1);
    assert_eq!(me.practices[0].id, w.a);
    app.close().await;
}

#[sqlx::test(migrations = "../migrations")]
async fn a_new_login_rotates_the_session_token(_: PgPoolOptions, conn: PgConnectOptions) {
    let app = TestApp::spawn(conn).await;
    let w = common::world(&app.pool).await;
    let mut cookies = Vec::new();
    for _ in 0..2 {
        let res = app
            .client()
            .post(app.url("/api/auth/login"))
            .form(&[
                ("email", w.a_admin.email.as_str()),
                ("password", PASSWORD),
                ("next", ""),
            ])
            .send()
            .await
            .unwrap();
        cookies.push(res.headers()["set-cookie"].to_str().unwrap().to_string());
    }
    assert_ne!(cookies[0], cookies[1]);
    app.close().await;
}

#[sqlx::test(migrations = "../migrations")]
async fn unknown_account_and_wrong_password_get_the_same_answer(_: PgPoolOptions, conn: PgConnectOptions) {
    let app = TestApp::spawn(conn).await;
    let w = common::world(&app.pool).await;
    let client = app.client();
    let wrong: Result<(), _> = app
        .call(
            &client,
            "auth/login",
            &[
                ("email", &w.a_admin.email),
                ("password", "not the password"),
                ("next", ""),
            ],
        )
        .await;
    let unknown: Result<(), _> = app
        .call(
            &client,
            "auth/login",
            &[
                ("email", "nobody@example.test"),
                ("password", PASSWORD),
                ("next", ""),
            ],
        )
        .await;
    assert_eq!(wrong, Err(AppError::Invalid(BAD_LOGIN.into())));
    assert_eq!(unknown, wrong);
    let bad_email: Result<(), _> = app
        .call(
            &client,
            "auth/login",
            &[("email", "nope"), ("password", "x"), ("next", "")],
        )
        .await;
    assert!(matches!(bad_email, Err(AppError::Invalid(m)) if m.contains("e-mail")));
    app.close().await;
}

#[sqlx::test(migrations = "../migrations")]
async fn repeated_failures_lock_the_account_even_for_the_right_password(
    _: PgPoolOptions,
    conn: PgConnectOptions,
) {
    let app = TestApp::spawn(conn).await;
    let w = common::world(&app.pool).await;
    let client = app.client();
    for _ in 0..app::auth::rules::MAX_FAILURES_PER_ACCOUNT {
        let r: Result<(), _> = app
            .call(
                &client,
                "auth/login",
                &[
                    ("email", &w.a_admin.email),
                    ("password", "guess guess guess"),
                    ("next", ""),
                ],
            )
            .await;
        assert_eq!(r, Err(AppError::Invalid(BAD_LOGIN.into())));
    }
    let r: Result<(), _> = app
        .call(
            &client,
            "auth/login",
            &[("email", &w.a_admin.email), ("password", PASSWORD), ("next", "")],
        )
        .await;
    assert_eq!(r, Err(AppError::RateLimited));
    // Another account from the same address is not locked by these few failures.
    let other = app.login(&w.a_clinician.email).await;
    let me: Option<Me> = app.call(&other, "auth/who_am_i", &[]).await.unwrap();
    assert!(me.is_some());
    app.close().await;
}

#[sqlx::test(migrations = "../migrations")]
async fn logout_ends_the_session_on_the_server(_: PgPoolOptions, conn: PgConnectOptions) {
    let app = TestApp::spawn(conn).await;
    let w = common::world(&app.pool).await;
    let client = app.login(&w.a_clinician.email).await;
    // Keep the raw cookie to replay it after logout.
    let me: Option<Me> = app.call(&client, "auth/who_am_i", &[]).await.unwrap();
    assert!(me.is_some());
    let _: () = app.call(&client, "auth/logout", &[]).await.unwrap();
    let me: Option<Me> = app.call(&client, "auth/who_am_i", &[]).await.unwrap();
    assert!(me.is_none());
    let (ended,): (i64,) = sqlx::query_as("SELECT count(*) FROM sessions WHERE ended_at IS NOT NULL")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(ended, 1);
    app.close().await;
}

#[sqlx::test(migrations = "../migrations")]
async fn an_idle_session_expires(_: PgPoolOptions, conn: PgConnectOptions) {
    let app = TestApp::spawn(conn).await;
    let w = common::world(&app.pool).await;
    let client = app.login(&w.a_clinician.email).await;
    // The practice's idle logout is 15 minutes: pretend 16 have passed.
    sqlx::query("UPDATE sessions SET last_seen_at = now() - interval '16 minutes'")
        .execute(&app.pool)
        .await
        .unwrap();
    let me: Option<Me> = app.call(&client, "auth/who_am_i", &[]).await.unwrap();
    assert!(me.is_none(), "session should have expired");
    let keep: Result<(), _> = app.call(&client, "auth/keepalive", &[]).await;
    assert_eq!(keep, Err(AppError::Unauthenticated));
    app.close().await;
}

#[sqlx::test(migrations = "../migrations")]
async fn only_the_persons_own_activity_renews_the_idle_timer(_: PgPoolOptions, conn: PgConnectOptions) {
    let app = TestApp::spawn(conn).await;
    let w = common::world(&app.pool).await;
    let client = app.login(&w.a_clinician.email).await;
    let idle_for = || async {
        common::count(
            &app.pool,
            "SELECT extract(epoch FROM now() - last_seen_at)::bigint FROM sessions WHERE ended_at IS NULL",
        )
        .await
    };
    let pretend_ten_minutes = || async {
        common::exec(
            &app.pool,
            "UPDATE sessions SET last_seen_at = now() - interval '10 minutes'",
        )
        .await;
    };
    // What a page asks by itself (a re-read after a live event) leaves the timer running.
    pretend_ten_minutes().await;
    let me: Option<Me> = app.call(&client, "auth/who_am_i", &[]).await.unwrap();
    assert!(me.is_some());
    let a = w.a.to_string();
    let _: app::practices::model::PracticeInfo = app
        .call(&client, "practices/overview", &[("practice", &a)])
        .await
        .unwrap();
    assert!(idle_for().await >= 600, "a background read renewed the session");
    // Opening a page renews it; so do keys and clicks (the page's keepalive).
    let page = client
        .get(app.url(&format!("/p/{a}/inbox")))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert!(page.status().is_success());
    assert!(idle_for().await < 60);
    pretend_ten_minutes().await;
    let () = app.call(&client, "auth/keepalive", &[]).await.unwrap();
    assert!(idle_for().await < 60);
    app.close().await;
}

#[sqlx::test(migrations = "../migrations")]
async fn pages_need_a_session_and_carry_security_headers(_: PgPoolOptions, conn: PgConnectOptions) {
    let app = TestApp::spawn(conn).await;
    let w = common::world(&app.pool).await;
    let res = app
        .client()
        .get(app.url(&format!("/p/{}/inbox", w.a)))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert!(
        res.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/login?next=%2Fp%2F")
            || res.headers()["location"]
                .to_str()
                .unwrap()
                .starts_with("/login?next=/p/")
    );

    let res = app.client().get(app.url("/login")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let h = res.headers();
    let csp = h["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("frame-ancestors 'none'") && csp.contains("'nonce-"),
        "{csp}"
    );
    assert!(!csp.contains("script-src 'self' 'unsafe-inline'"), "{csp}");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["referrer-policy"], "same-origin");
    assert!(
        h.get("strict-transport-security").is_none(),
        "not over plain http"
    );
    let body = res.text().await.unwrap();
    assert!(body.contains("Sign in"));
    app.close().await;
}

/// A built asset (never a document) is cached for good and carries `nosniff` and no
/// document headers: pages load dozens of WASM chunks, and the size budget counts headers.
#[sqlx::test(migrations = "../migrations")]
async fn built_assets_are_immutable_and_carry_only_asset_headers(_: PgPoolOptions, conn: PgConnectOptions) {
    let site = std::env::temp_dir().join(format!("sb-site-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(site.join("pkg")).unwrap();
    std::fs::write(site.join("pkg/chunk_1.abc.wasm"), b"\0asm\x01\0\0\0").unwrap();
    let root = site.to_string_lossy().to_string();
    let app = TestApp::spawn_with(conn, move |c| c.site_root = root).await;
    let res = app
        .client()
        .get(app.url("/pkg/chunk_1.abc.wasm"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let h = res.headers();
    assert_eq!(h["cache-control"], "max-age=31536000, immutable");
    assert_eq!(h["x-content-type-options"], "nosniff");
    for document_only in [
        "content-security-policy",
        "x-frame-options",
        "permissions-policy",
        "last-modified",
    ] {
        assert!(!h.contains_key(document_only), "{document_only}");
    }
    assert_eq!(res.bytes().await.unwrap().as_ref(), b"\0asm\x01\0\0\0");
    // The build's brotli copy is what a browser that takes brotli gets.
    std::fs::write(site.join("pkg/chunk_1.abc.wasm.br"), b"brotli bytes").unwrap();
    let res = reqwest::Client::new()
        .get(app.url("/pkg/chunk_1.abc.wasm"))
        .header("accept-encoding", "br")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["content-encoding"], "br");
    assert_eq!(res.bytes().await.unwrap().as_ref(), b"brotli bytes");
    // A missing asset is an ordinary page answer, with the document headers.
    let res = app
        .client()
        .get(app.url("/pkg/nothing.wasm"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    assert!(res.headers().contains_key("content-security-policy"));
    assert_eq!(res.headers()["cache-control"], "no-store");
    app.close().await;
    std::fs::remove_dir_all(site).unwrap();
}

/// Every address that is not a file or a server function is a page the app names, or
/// "Page not found" (404).
#[sqlx::test(migrations = "../migrations")]
async fn addresses_name_pages_or_nothing(_: PgPoolOptions, conn: PgConnectOptions) {
    let app = TestApp::spawn(conn).await;
    let w = common::world(&app.pool).await;
    let get = async |client: &reqwest::Client, path: &str| {
        let res = client
            .get(app.url(path))
            .header("accept", "text/html")
            .send()
            .await
            .unwrap();
        (res.status(), res.text().await.unwrap())
    };
    let anyone = app.client();
    let (status, html) = get(&anyone, "/login").await;
    assert_eq!(status, 200);
    assert!(html.contains("id=\"login-form\""));
    let signed_in = app.login(&w.a_assistant.email).await;
    let (status, html) = get(&signed_in, &format!("/p/{}/inbox", w.a)).await;
    assert_eq!(status, 200);
    assert!(html.contains("Practice A"));
    let inside = format!("/p/{}/admin/other", w.a);
    for (client, nowhere) in [
        (&anyone, "/nowhere"),
        (&anyone, "/login/more"),
        (&anyone, "/pkg/none.js"),
        (&signed_in, &inside),
    ] {
        let (status, html) = get(client, nowhere).await;
        assert_eq!(status, 404, "{nowhere}");
        assert!(html.contains("Page not found"), "{nowhere}");
    }
    let res = signed_in.post(app.url("/login")).send().await.unwrap();
    assert_eq!(res.status(), 405, "a page is not posted to");
    app.close().await;
}

#[sqlx::test(migrations = "../migrations")]
async fn cross_site_server_function_calls_are_refused(_: PgPoolOptions, conn: PgConnectOptions) {
    let app = TestApp::spawn(conn).await;
    let w = common::world(&app.pool).await;
    let res = app
        .client()
        .post(app.url("/api/auth/login"))
        .header("origin", "https://evil.example")
        .form(&[
            ("email", w.a_admin.email.as_str()),
            ("password", PASSWORD),
            ("next", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let (sessions,): (i64,) = sqlx::query_as("SELECT count(*) FROM sessions")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(sessions, 0, "a refused request changes nothing");
    app.close().await;
}

fn signed_in(status: u16) -> bool {
    matches!(status, 200 | 302 | 303)
}

/// Posts a login from `client` claiming to come from `forwarded_for` (believed only from a
/// trusted proxy); returns the status.
async fn login_status(app: &TestApp, email: &str, password: &str, forwarded_for: Option<&str>) -> u16 {
    let mut req = app
        .client()
        .post(app.url("/api/auth/login"))
        .header("accept", "application/x-postcard")
        .form(&[("email", email), ("password", password), ("next", "")]);
    if let Some(ip) = forwarded_for {
        req = req.header("x-forwarded-for", ip);
    }
    req.send().await.unwrap().status().as_u16()
}

#[sqlx::test(migrations = "../migrations")]
async fn fifty_wrong_passwords_at_once_get_five_checked_and_the_rest_refused(
    _: PgPoolOptions,
    conn: PgConnectOptions,
) {
    let app = TestApp::spawn_with(conn, |c| c.pool_size = 20).await;
    let w = common::world(&app.pool).await;
    let email = w.a_clinician.email.as_str();
    let attempts = (0..50).map(|_| login_status(&app, email, "wrong password!", None));
    let statuses = futures::future::join_all(attempts).await;
    let checked = statuses.iter().filter(|s| **s == 422).count();
    let refused = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!((checked, refused), (5, 45), "{statuses:?}");
    assert_eq!(
        common::count(
            &app.pool,
            "SELECT count(*) FROM login_attempts WHERE email_lower = 'a.clinician@example.test'"
        )
        .await,
        5
    );
    // The account is locked for now, even with its right password.
    assert_eq!(login_status(&app, email, PASSWORD, None).await, 429);
    app.close().await;
}

#[sqlx::test(migrations = "../migrations")]
async fn the_lockout_holds_across_two_app_nodes(_: PgPoolOptions, conn: PgConnectOptions) {
    let one = TestApp::spawn(conn.clone()).await;
    let two = TestApp::spawn(conn).await;
    let w = common::world(&one.pool).await;
    let email = w.a_clinician.email.as_str();
    let attempts = (0..10).map(|i| {
        let node = if i % 2 == 0 { &one } else { &two };
        login_status(node, email, "wrong password!", None)
    });
    let statuses = futures::future::join_all(attempts).await;
    assert_eq!(statuses.iter().filter(|s| **s == 422).count(), 5, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 5, "{statuses:?}");
    one.close().await;
    two.close().await;
}

#[sqlx::test(migrations = "../migrations")]
async fn behind_a_trusted_proxy_each_client_has_its_own_limit_and_is_logged_as_itself(
    _: PgPoolOptions,
    conn: PgConnectOptions,
) {
    let app = TestApp::spawn_with(conn, |c| c.trusted_proxies = vec!["127.0.0.1".parse().unwrap()]).await;
    let w = common::world(&app.pool).await;
    // One client tries 20 made-up accounts (no account limit trips), through the proxy.
    for i in 0..20 {
        let status = login_status(
            &app,
            &format!("guess{i}@example.test"),
            "wrong password!",
            Some("203.0.113.5"),
        )
        .await;
        assert_eq!(status, 422);
    }
    assert_eq!(
        login_status(&app, &w.a_admin.email, PASSWORD, Some("203.0.113.5")).await,
        429,
        "that client is limited"
    );
    // Another client behind the same proxy signs in with its right password, and the
    // access log has its own address, not the proxy's.
    assert!(signed_in(
        login_status(&app, &w.a_clinician.email, PASSWORD, Some("198.51.100.9")).await
    ));
    assert_eq!(
        common::count(
            &app.pool,
            "SELECT count(*) FROM audit_events WHERE action = 'auth.login' AND ip = '198.51.100.9'"
        )
        .await,
        1
    );
    // A client's own X-Forwarded-For before the proxy's entry is not believed.
    assert_eq!(
        login_status(
            &app,
            &w.a_assistant.email,
            PASSWORD,
            Some("198.51.100.9, 203.0.113.5")
        )
        .await,
        429
    );
    // IPv6 clients are counted by their /64: another address of the same network is
    // limited, another network is not.
    for i in 0..20 {
        let ip = format!("2001:db8:1:2::{:x}", i + 1);
        assert_eq!(
            login_status(
                &app,
                &format!("v6guess{i}@example.test"),
                "wrong password!",
                Some(&ip)
            )
            .await,
            422
        );
    }
    assert_eq!(
        login_status(&app, &w.b_admin.email, PASSWORD, Some("2001:db8:1:2:ffff::1")).await,
        429
    );
    assert!(signed_in(
        login_status(&app, &w.b_admin.email, PASSWORD, Some("2001:db8:1:3::1")).await
    ));
    app.close().await;
}

#[sqlx::test(migrations = "../migrations")]
async fn without_a_trusted_proxy_forwarding_headers_are_ignored(_: PgPoolOptions, conn: PgConnectOptions) {
    let app = TestApp::spawn(conn).await;
    let w = common::world(&app.pool).await;
    // A client cannot escape its limit by claiming other addresses.
    for i in 0..20 {
        let claimed = format!("198.51.100.{i}");
        let status = login_status(
            &app,
            &format!("guess{i}@example.test"),
            "wrong password!",
            Some(&claimed),
        )
        .await;
        assert_eq!(status, 422);
    }
    assert_eq!(
        login_status(&app, &w.a_admin.email, PASSWORD, Some("192.0.2.77")).await,
        429
    );
    app.close().await;
}

#[sqlx::test(migrations = "../migrations")]
async fn a_demo_instance_lists_only_the_demos_accounts(_: PgPoolOptions, conn: PgConnectOptions) {
    let app = TestApp::spawn_with(conn, |c| c.demo = true).await;
    // The demo was seeded at start; the world's people (example.test) came after.
    let w = common::world(&app.pool).await;
    let listed: Vec<app::auth::model::DemoAccount> =
        app.call(&app.client(), "auth/demo_accounts", &[]).await.unwrap();
    assert!(!listed.is_empty());
    let demo = format!("@{}", app::auth::api::DEMO_DOMAIN);
    assert!(listed.iter().all(|a| a.email.ends_with(&demo)), "{listed:?}");
    assert!(!listed
        .iter()
        .any(|a| a.email == w.a_admin.email || a.email == w.agency.email));
    app.close().await;
}

#[sqlx::test(migrations = "../migrations")]
async fn over_https_browsers_are_told_to_keep_to_it(_: PgPoolOptions, conn: PgConnectOptions) {
    let app = TestApp::spawn_with(conn, |c| c.public_url = "https://switchboard.example".into()).await;
    for path in ["/login", "/health", "/no-such-page"] {
        let res = app.client().get(app.url(path)).send().await.unwrap();
        assert_eq!(
            res.headers()["strict-transport-security"],
            "max-age=31536000; includeSubDomains",
            "{path}"
        );
    }
    app.close().await;
}

#[sqlx::test(migrations = "../migrations")]
async fn a_session_ends_fourteen_hours_after_sign_in_however_busy(_: PgPoolOptions, conn: PgConnectOptions) {
    let app = TestApp::spawn(conn).await;
    let w = common::world(&app.pool).await;
    let client = app.login(&w.a_assistant.email).await;
    let who = async || {
        app.call::<Option<Me>>(&client, "auth/who_am_i", &[])
            .await
            .unwrap()
    };
    common::exec(
        &app.pool,
        "UPDATE sessions SET created_at = now() - interval '13 hours 59 minutes'",
    )
    .await;
    assert!(who().await.is_some(), "still within the day");
    common::exec(
        &app.pool,
        "UPDATE sessions SET created_at = now() - interval '14 hours 1 minute'",
    )
    .await;
    assert!(who().await.is_none(), "over, though it was just used");
    app.close().await;
}

#[sqlx::test(migrations = "../migrations")]
async fn housekeeping_removes_what_no_longer_counts_and_keeps_the_rest(
    _: PgPoolOptions,
    conn: PgConnectOptions,
) {
    let app = TestApp::spawn(conn).await;
    let w = common::world(&app.pool).await;
    let _signed_in = app.login(&w.a_assistant.email).await;
    let _old = app.login(&w.a_admin.email).await;
    for sql in [
        "INSERT INTO login_attempts (email_lower, ip, succeeded, at) VALUES ('x@example.test', '192.0.2.1', false, now() - interval '2 days'), ('y@example.test', '192.0.2.1', false, now())",
        "INSERT INTO link_misses (ip, at) VALUES ('192.0.2.1', now() - interval '2 days'), ('192.0.2.1', now())",
        "UPDATE sessions SET last_seen_at = now() - interval '31 days' WHERE user_id = (SELECT id FROM users WHERE email = 'a.admin@example.test')",
        "INSERT INTO mail_outbox (to_address, subject, body_text, sent_at) VALUES ('a@example.test', 'Old', 'old body', now() - interval '31 days'), ('b@example.test', 'New', 'new body', now())",
    ] {
        common::exec(&app.pool, sql).await;
    }
    let attempts_before = common::count(&app.pool, "SELECT count(*) FROM login_attempts").await;
    let touched = server::housekeeping(&app.pool).await.unwrap();
    assert_eq!(touched, 4, "one attempt, one miss, one session, one body");
    assert_eq!(
        common::count(&app.pool, "SELECT count(*) FROM login_attempts").await,
        attempts_before - 1
    );
    assert_eq!(
        common::count(&app.pool, "SELECT count(*) FROM link_misses").await,
        1
    );
    assert_eq!(common::count(&app.pool, "SELECT count(*) FROM sessions").await, 1);
    assert_eq!(
        common::count(&app.pool, "SELECT count(*) FROM mail_outbox WHERE body_text = 'old body' OR subject = 'Old' AND body_text <> '(removed after the retention period)'").await,
        0
    );
    assert_eq!(
        common::count(
            &app.pool,
            "SELECT count(*) FROM mail_outbox WHERE body_text = 'new body'"
        )
        .await,
        1
    );
    // Nothing left to do a second time.
    assert_eq!(server::housekeeping(&app.pool).await.unwrap(), 0);
    app.close().await;
}

#[sqlx::test(migrations = "../migrations")]
async fn while_the_database_is_unreachable_pages_say_so_and_server_functions_answer_typed(
    _: PgPoolOptions,
    conn: PgConnectOptions,
) {
    let app = TestApp::spawn(conn).await;
    let w = common::world(&app.pool).await;
    let client = app.login(&w.a_assistant.email).await;
    // The app's pool can no longer reach PostgreSQL (closed at once; the wait is for the
    // connections still in use, such as the realtime listener's, which the app keeps).
    let _ = tokio::time::timeout(std::time::Duration::from_secs(5), app.pool.close()).await;
    let page = client
        .get(app.url(&format!("/p/{}/inbox", w.a)))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 503);
    assert_eq!(page.headers()["retry-after"], "5");
    // Its own style is allowed by its security policy (a nonce), so it looks like the app.
    let policy = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    let html = page.text().await.unwrap();
    let nonce = html
        .split("<style nonce=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a styled page");
    assert!(
        policy.contains("style-src 'self' 'unsafe-inline'") && policy.contains(&format!("'nonce-{nonce}'")),
        "{policy}"
    );
    assert!(
        html.contains("can't reach the database") && html.contains("http-equiv=\"refresh\""),
        "{html}"
    );
    let answer = app.call::<Option<Me>>(&client, "auth/who_am_i", &[]).await;
    assert_eq!(answer, Err(AppError::Unavailable));
}

#[sqlx::test(migrations = "../migrations")]
async fn a_person_reads_times_and_dates_their_own_way_on_every_page(
    _: PgPoolOptions,
    conn: PgConnectOptions,
) {
    use app::model::TimeStyle;
    let app = TestApp::spawn(conn).await;
    let w = common::world(&app.pool).await;
    let me = app.login(&w.a_assistant.email).await;
    let colleague = app.login(&w.a_clinician.email).await;
    let style_of = |client: &reqwest::Client| {
        let client = client.clone();
        let app = &app;
        async move {
            let me: Option<Me> = app.call(&client, "auth/who_am_i", &[]).await.unwrap();
            me.unwrap().time_style
        }
    };
    assert_eq!(
        style_of(&me).await,
        TimeStyle::default(),
        "24-hour and the day first"
    );
    let page = |client: &reqwest::Client| {
        let (client, url) = (
            client.clone(),
            app.url(&format!("/p/{}/calendar?span=day&date=2027-03-01", w.a)),
        );
        async move { client.get(url).send().await.unwrap().text().await.unwrap() }
    };
    let before = page(&me).await;
    assert!(before.contains(r#"data-time-style="24h dm""#));
    assert!(before.contains("Monday 1 March 2027") && before.contains(">09:00<"));

    let us = TimeStyle {
        twelve_hour: true,
        month_first: true,
    };
    let saved: Result<(), AppError> = app
        .call_json(&me, "auth/time_style", serde_json::json!({ "style": us }))
        .await;
    assert_eq!(saved, Ok(()));
    assert_eq!(style_of(&me).await, us);
    // The server draws the calendar that way (its day, its hours); the colleague's stays.
    let after = page(&me).await;
    assert!(after.contains(r#"data-time-style="12h md""#));
    assert!(
        after.contains("Monday, March 1, 2027") && after.contains(">9 am<"),
        "{}",
        &after[..after.len().min(400)]
    );
    assert_eq!(style_of(&colleague).await, TimeStyle::default());
    assert!(page(&colleague).await.contains(">09:00<"));
    common::assert_needs_sign_in_json(&app, "auth/time_style", serde_json::json!({ "style": us })).await;
    app.close().await;
}
