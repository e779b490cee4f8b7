//! Every server function the router serves is listed here with the refusals it must give: a
//! request without a session; a person of another practice; and, where the function needs more
//! than membership, a member whose role is too small. Functions for a person's own account
//! are checked for the session; public ones (sign-in, secret links) say why they are public.
//! The list is compared with the router's, so a new server function without an entry fails
//! `every_server_function_is_checked`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{TestApp, World};
use serde_json::{json, Value};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use std::collections::BTreeSet;
use uuid::Uuid;

/// How a function is called.
enum Args {
    Form(Vec<(&'static str, String)>),
    Json(Value),
}

/// Who must be refused.
#[derive(Clone, Copy)]
enum Guard {
    /// Needs a session; refused to people of another practice and to the roles listed.
    Practice { too_small: &'static [Small] },
    /// Needs a session and an agency admin; refused to a practice admin.
    Agency,
    /// Needs a session; touches only the caller's own account.
    Own,
    /// Open to anyone, for the reason given (for the reader: nothing checks it).
    #[allow(dead_code)]
    Public(&'static str),
}

/// A member of practice A with a small role.
#[derive(Clone, Copy, Debug)]
enum Small {
    Clinician,
    Assistant,
}

fn form(pairs: &[(&'static str, &str)]) -> Args {
    Args::Form(pairs.iter().map(|(k, v)| (*k, (*v).to_owned())).collect())
}

/// Every server function, with arguments that name practice A (ids of things that need not
/// exist: the refusal comes before any lookup).
fn checks(w: &World) -> Vec<(&'static str, Args, Guard)> {
    use Guard::*;
    let a = w.a.to_string();
    let a = a.as_str();
    let any = Uuid::new_v4();
    let clinician = w.a_clinician.id;
    let members = Practice { too_small: &[] };
    let admins = Practice {
        too_small: &[Small::Clinician, Small::Assistant],
    };
    let desk = Practice {
        too_small: &[Small::Clinician],
    };
    let offer = json!({
        "provider": clinician, "provider_name": "Dr", "room": null, "starts_at": "2027-03-01T15:00:00Z",
        "start_local": "2027-03-01T10:00:00", "end_local": "2027-03-01T10:30:00", "second_pass": false
    });
    let entry = json!({
        "kind": "appointment", "patient": any, "type_id": any, "provider": clinician, "room": null,
        "attendees": [], "title": "", "start": "2027-03-01T10:00:00", "minutes": null, "notes": "",
        "rrule": null, "override_availability": false, "skip_conflicts": false
    });
    let appt_type = json!({
        "id": Uuid::nil(), "name": "Visit", "minutes": 30, "buffer_before": 0, "buffer_after": 0,
        "color": "#3B6EA5", "needs_room": false, "provider_ids": []
    });
    let j = |v: Value| Args::Json(v);
    vec![
        (
            "auth/login",
            form(&[("email", "x@example.test"), ("password", "x")]),
            Public("signing in"),
        ),
        (
            "auth/forgot",
            form(&[("email", "x@example.test")]),
            Public("asking for a reset link"),
        ),
        (
            "auth/reset",
            form(&[("token", "x"), ("password", "x"), ("confirm", "x")]),
            Public("a reset link's token is the authority"),
        ),
        (
            "auth/demo_accounts",
            form(&[]),
            Public("the login page of a demo lists its accounts"),
        ),
        (
            "auth/who_am_i",
            form(&[]),
            Public("answers no one without a session"),
        ),
        (
            "auth/logout",
            form(&[]),
            Public("signing out without a session does nothing"),
        ),
        (
            "practices/invitation",
            form(&[("token", "x")]),
            Public("an invitation's token is the authority"),
        ),
        (
            "practices/accept_invitation",
            form(&[("token", "x"), ("password", "x"), ("confirm", "x")]),
            Public("an invitation's token is the authority"),
        ),
        (
            "appointment/link",
            j(json!({ "token": "x" })),
            Public("a patient's link: its token is the authority"),
        ),
        (
            "appointment/answer",
            j(json!({ "token": "x", "confirm": true })),
            Public("a patient's link: its token is the authority"),
        ),
        (
            "appointment/offer",
            j(json!({ "token": "x" })),
            Public("a waitlist offer: its token is the authority"),
        ),
        (
            "appointment/claim",
            j(json!({ "token": "x" })),
            Public("a waitlist offer: its token is the authority"),
        ),
        ("auth/keepalive", form(&[]), Own),
        (
            "auth/time_style",
            j(json!({ "style": { "twelve_hour": true, "month_first": true } })),
            Own,
        ),
        ("auth/security", form(&[]), Own),
        ("auth/totp_begin", form(&[]), Own),
        ("auth/totp_confirm", form(&[("code", "123456")]), Own),
        ("auth/totp_disable", form(&[("password", "x")]), Own),
        ("calendar/today", j(json!({})), Own),
        ("agency/practices", form(&[]), Agency),
        (
            "agency/create_practice",
            form(&[("name", "New"), ("time_zone", "UTC")]),
            Agency,
        ),
        (
            "agency/assign",
            form(&[
                ("practice", a),
                ("email", "x@example.test"),
                ("role", "assistant"),
            ]),
            Agency,
        ),
        ("mail/recent", form(&[]), Agency),
        ("availability/mine", form(&[]), Own),
        ("notifications/bell", form(&[]), Own),
        ("notifications/read", j(json!({ "ids": null })), Own),
        (
            "availability/set",
            form(&[("availability", "busy"), ("practice", a)]),
            members,
        ),
        ("realtime/online", form(&[("practice", a)]), members),
        ("practices/overview", form(&[("practice", a)]), members),
        (
            "practices/invite",
            form(&[
                ("practice", a),
                ("email", "x@example.test"),
                ("display_name", "X"),
                ("role", "assistant"),
            ]),
            admins,
        ),
        ("practices/settings", form(&[("practice", a)]), admins),
        (
            "practices/save_settings",
            form(&[
                ("practice", a),
                ("settings[name]", "A"),
                ("settings[time_zone]", "UTC"),
                ("settings[phone_script]", ""),
                ("settings[emergency_rules]", ""),
                ("settings[idle_logout_minutes]", "15"),
            ]),
            admins,
        ),
        (
            "practices/set_role",
            form(&[
                ("practice", a),
                ("person", &clinician.to_string()),
                ("role", "assistant"),
            ]),
            admins,
        ),
        (
            "practices/remove_member",
            form(&[("practice", a), ("person", &clinician.to_string())]),
            admins,
        ),
        ("audit/events", form(&[("practice", a)]), admins),
        ("calendar/setup", j(json!({ "practice": a })), members),
        (
            "calendar/view",
            j(json!({ "practice": a, "first_day": "2027-03-01", "days": 1 })),
            members,
        ),
        (
            "calendar/book",
            j(json!({ "practice": a, "entry": entry })),
            members,
        ),
        (
            "calendar/move",
            j(
                json!({ "practice": a, "id": any, "version": 1, "start": "2027-03-01T10:00:00", "provider": null, "room": null, "override_availability": false }),
            ),
            members,
        ),
        (
            "calendar/rule",
            j(
                json!({ "practice": a, "id": any, "version": 1, "rrule": "FREQ=WEEKLY", "reach": "all", "override_availability": false, "skip_conflicts": false }),
            ),
            members,
        ),
        (
            "calendar/status",
            j(json!({ "practice": a, "id": any, "version": 1, "status": "arrived", "reason": null })),
            members,
        ),
        ("calendar/undo", j(json!({ "practice": a, "undo": any })), members),
        ("tasks/setup", j(json!({ "practice": a })), members),
        // Lists only the caller's own practices (tasks.rs checks another practice sees none).
        ("tasks/list", j(json!({ "which": "open" })), Own),
        // The caller's own practices only (tasks.rs checks another practice's people see none).
        ("inbox/items", j(json!({})), Own),
        (
            "tasks/create",
            j(json!({ "practice": a, "task": {
                "type_id": any, "queue": null, "title": "Call back", "details": "", "priority": null,
                "due": null, "patient": null, "entry": null, "assignee": null } })),
            members,
        ),
        ("tasks/task", j(json!({ "practice": a, "task": any })), members),
        ("tasks/take", j(json!({ "practice": a, "task": any })), desk),
        ("tasks/next", j(json!({ "practices": [a] })), desk),
        (
            "tasks/act",
            j(json!({ "practice": a, "task": any, "version": 1, "act": "done" })),
            members,
        ),
        (
            "tasks/comment",
            j(json!({ "practice": a, "task": any, "text": "Done?" })),
            members,
        ),
        (
            "tasks/assign",
            j(json!({ "practice": a, "task": any, "version": 1, "to": null, "note": "" })),
            members,
        ),
        (
            "tasks/step",
            j(json!({ "practice": a, "task": any, "index": 0, "done": true })),
            members,
        ),
        (
            "calendar/slots",
            j(
                json!({ "practice": a, "type_id": any, "providers": [], "from": "2027-03-01", "to": "2027-03-02" }),
            ),
            members,
        ),
        (
            "calendar/patients",
            j(json!({ "practice": a, "query": "Ada" })),
            members,
        ),
        (
            "calendar/add-patient",
            j(json!({ "practice": a, "name": "Ada", "born": "", "phone": "", "email": "" })),
            members,
        ),
        (
            "calendar/add-room",
            j(json!({ "practice": a, "name": "Exam 9" })),
            desk,
        ),
        (
            "calendar/save-type",
            j(json!({ "practice": a, "id": null, "appt_type": appt_type })),
            desk,
        ),
        (
            "calendar/weekly-hours",
            j(
                json!({ "practice": a, "provider": clinician, "from": "2027-01-01", "days": ["", "", "", "", "", "", ""] }),
            ),
            members,
        ),
        (
            "calendar/weekly-hours-get",
            j(json!({ "practice": a, "provider": clinician, "on": "2027-01-01" })),
            members,
        ),
        (
            "calendar/exceptions",
            j(json!({ "practice": a, "provider": clinician })),
            members,
        ),
        (
            "calendar/extra-hours",
            j(
                json!({ "practice": a, "provider": clinician, "day": "2027-03-06", "from": "09:00:00", "to": "10:00:00", "note": "" }),
            ),
            members,
        ),
        (
            "calendar/exception-withdraw",
            j(json!({ "practice": a, "id": any })),
            members,
        ),
        ("calendar/feeds", j(json!({ "practice": a })), members),
        (
            "calendar/feed-add",
            j(json!({ "practice": a, "provider": clinician, "label": "Mine", "days": null })),
            members,
        ),
        (
            "calendar/feed-revoke",
            j(json!({ "practice": a, "id": any })),
            members,
        ),
        (
            "calendar/feed-names",
            j(json!({ "practice": a, "on": true })),
            admins,
        ),
        (
            "calendar/out-plan",
            j(
                json!({ "practice": a, "provider": clinician, "from": "2027-03-01T00:00:00", "to": "2027-03-02T00:00:00" }),
            ),
            members,
        ),
        (
            "calendar/out-apply",
            j(
                json!({ "practice": a, "provider": clinician, "from": "2027-03-01T00:00:00", "to": "2027-03-02T00:00:00", "note": "", "choices": [] }),
            ),
            members,
        ),
        ("calendar/call-backs", j(json!({ "practice": a })), members),
        (
            "calendar/call-back-done",
            j(json!({ "practice": a, "id": any })),
            members,
        ),
        (
            "calendar/waitlist-add",
            j(
                json!({ "practice": a, "entry": any, "earliest": "2027-03-01", "latest": "2027-03-05", "note": "" }),
            ),
            members,
        ),
        ("calendar/waitlist", j(json!({ "practice": a })), members),
        (
            "calendar/waitlist-offer",
            j(json!({ "practice": a, "slot": offer, "ids": [any] })),
            members,
        ),
        (
            "calendar/waitlist-remove",
            j(json!({ "practice": a, "id": any })),
            members,
        ),
    ]
}

/// The router's server functions, as their endpoints (`calendar/view`).
fn served() -> BTreeSet<String> {
    leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _)| path.trim_start_matches("/api/").to_owned())
        .collect()
}

#[sqlx::test(migrations = "../migrations")]
async fn every_server_function_is_checked(_: PgPoolOptions, conn: PgConnectOptions) {
    let app = TestApp::spawn(conn).await;
    let w = common::world(&app.pool).await;
    let listed: BTreeSet<String> = checks(&w).iter().map(|(e, _, _)| (*e).to_owned()).collect();
    let served = served();
    assert!(served.len() > 50, "the router's list was read: {served:?}");
    let unchecked: Vec<_> = served.difference(&listed).collect();
    assert!(
        unchecked.is_empty(),
        "server functions without refusal checks (add them to server/tests/refusals.rs): {unchecked:?}"
    );
    let gone: Vec<_> = listed.difference(&served).collect();
    assert!(gone.is_empty(), "listed but not served: {gone:?}");
    app.close().await;
}

async fn call(
    app: &TestApp,
    client: &reqwest::Client,
    endpoint: &str,
    args: &Args,
) -> Result<Value, app::error::AppError> {
    match args {
        Args::Form(pairs) => {
            let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
            app.call::<Value>(client, endpoint, &pairs).await
        }
        Args::Json(v) => app.call_json::<Value>(client, endpoint, v.clone()).await,
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn every_server_function_refuses_who_it_must(_: PgPoolOptions, conn: PgConnectOptions) {
    use app::error::AppError::{Forbidden, NotFound, Unauthenticated};
    let app = TestApp::spawn(conn).await;
    let w = common::world(&app.pool).await;
    let anonymous = app.client();
    let outsiders = [
        ("B's admin", app.login(&w.b_admin.email).await),
        ("B's clinician", app.login(&w.b_clinician.email).await),
    ];
    let clinician = app.login(&w.a_clinician.email).await;
    let assistant = app.login(&w.a_assistant.email).await;
    let practice_admin = app.login(&w.a_admin.email).await;
    let mut failures = Vec::new();
    for (endpoint, args, guard) in checks(&w) {
        if matches!(guard, Guard::Public(_)) {
            continue;
        }
        let got = call(&app, &anonymous, endpoint, &args).await;
        if got != Err(Unauthenticated) {
            failures.push(format!("{endpoint} without a session: {got:?}"));
        }
        let refused: Vec<(String, &reqwest::Client)> = match &guard {
            Guard::Practice { too_small } => outsiders
                .iter()
                .map(|(who, c)| ((*who).to_owned(), c))
                .chain(too_small.iter().map(|s| {
                    let client = match s {
                        Small::Clinician => &clinician,
                        Small::Assistant => &assistant,
                    };
                    (format!("A's {s:?}"), client)
                }))
                .collect(),
            Guard::Agency => vec![("A's practice admin".to_owned(), &practice_admin)],
            Guard::Own | Guard::Public(_) => Vec::new(),
        };
        for (who, client) in refused {
            let got = call(&app, client, endpoint, &args).await;
            if !matches!(got, Err(Forbidden) | Err(NotFound)) {
                failures.push(format!("{endpoint} by {who}: {got:?}"));
            }
        }
    }
    assert!(failures.is_empty(), "not refused:\n{}", failures.join("\n"));
    app.close().await;
}
