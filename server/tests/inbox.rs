//! The inbox: one ranked list of what needs the person across their practices (tasks,
//! appointments to confirm, patients waiting), each judged by its practice's clock; the
//! desk's work for assistants, a clinician's own for clinicians; never another practice's.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use app::inbox::model::{Inbox, Item, Need};
use app::model::{PracticeId, TaskId};
use app::tasks::model::{Priority, TaskSetup};
use common::TestApp;
use serde_json::json;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

async fn inbox(app: &TestApp, client: &reqwest::Client) -> Inbox {
    app.call_json(client, "inbox/items", json!({})).await.unwrap()
}

/// What the inbox shows, in order: "task <title>" or "confirm/waiting <patient>".
fn shown(i: &Inbox) -> Vec<String> {
    i.items
        .iter()
        .map(|r| match &r.item {
            Item::Task(t) => format!("task {}", t.title),
            Item::Visit(v) => match v.need {
                Need::Confirm => format!("confirm {}", v.patient),
                Need::Waiting => format!("waiting {}", v.patient),
            },
        })
        .collect()
}

async fn task(
    app: &TestApp,
    client: &reqwest::Client,
    practice: PracticeId,
    kind: &str,
    title: &str,
    priority: Option<Priority>,
) -> TaskId {
    let s: TaskSetup = app
        .call_json(client, "tasks/setup", json!({ "practice": practice }))
        .await
        .unwrap();
    let t = s.types.iter().find(|t| t.name == kind).unwrap();
    let task = json!({ "type_id": t.id, "queue": null, "title": title, "details": "", "priority": priority,
                       "due": null, "patient": null, "entry": null, "assignee": null });
    let (id, _): (TaskId, i64) = app
        .call_json(
            client,
            "tasks/create",
            json!({ "practice": practice, "task": task }),
        )
        .await
        .unwrap();
    id
}

/// An appointment of `practice` with a new patient called `patient`, starting at `start`
/// (an SQL expression), in `status`.
async fn appointment(
    app: &TestApp,
    practice: PracticeId,
    provider: app::model::UserId,
    patient: &str,
    start: &str,
    status: &str,
) -> uuid::Uuid {
    let (patient_id, type_id) = (uuid::Uuid::new_v4(), uuid::Uuid::new_v4());
    common::exec(
        &app.pool,
        &format!(
            "INSERT INTO patients (id, practice_id, full_name, phone) VALUES ('{patient_id}', '{practice}', '{patient}', '555 0100')"
        ),
    )
    .await;
    common::exec(
        &app.pool,
        &format!(
            "INSERT INTO appointment_types (id, practice_id, name, minutes) VALUES ('{type_id}', '{practice}', 'Visit {type_id}', 20)"
        ),
    )
    .await;
    common::exec(
        &app.pool,
        &format!(
            "INSERT INTO entries (practice_id, kind, patient_id, type_id, provider_id, starts_at, ends_at, status, created_by)
             VALUES ('{practice}', 'appointment', '{patient_id}', '{type_id}', '{provider}', {start}, {start} + interval '20 minutes',
                     '{status}', '{provider}')"
        ),
    )
    .await;
    patient_id
}

#[sqlx::test(migrations = "../migrations")]
async fn the_inbox_ranks_each_persons_work_across_practices(_: PgPoolOptions, conn: PgConnectOptions) {
    let app = TestApp::spawn(conn).await;
    let w = common::world(&app.pool).await;
    // Practice A is open around the clock, so it is open now and its next open day is
    // tomorrow, whenever this runs.
    common::exec(
        &app.pool,
        &format!(
            "UPDATE practices SET business_hours = (SELECT jsonb_object_agg(d, '[[\"00:00\",\"24:00\"]]'::jsonb)
               FROM unnest(ARRAY['mon','tue','wed','thu','fri','sat','sun']) d) WHERE id = '{}'",
            w.a
        ),
    )
    .await;
    let clinician = app.login(&w.a_clinician.email).await;
    let assistant = app.login(&w.a_assistant.email).await;
    let b_admin = app.login(&w.b_admin.email).await;
    let local = "(now() AT TIME ZONE 'America/New_York')::date";
    let at = |day: &str, time: &str| format!("(({day} + time '{time}') AT TIME ZONE 'America/New_York')");
    let tomorrow = format!("{local} + 1");
    let ada = appointment(
        &app,
        w.a,
        w.a_clinician.id,
        "Ada Byrne",
        &at(&tomorrow, "10:00"),
        "scheduled",
    )
    .await;
    let bob = appointment(
        &app,
        w.a,
        w.a_clinician.id,
        "Bob Carr",
        &at(local, "00:00"),
        "arrived",
    )
    .await;
    // Not the inbox's: already confirmed, two days ahead, another practice's.
    appointment(
        &app,
        w.a,
        w.a_clinician.id,
        "Cy Dunn",
        &at(&tomorrow, "11:00"),
        "confirmed",
    )
    .await;
    appointment(
        &app,
        w.a,
        w.a_clinician.id,
        "Di Evans",
        &at(&format!("{local} + 2"), "10:00"),
        "scheduled",
    )
    .await;
    appointment(
        &app,
        w.b,
        w.b_clinician.id,
        "Ed Fox",
        &at(&tomorrow, "10:00"),
        "scheduled",
    )
    .await;

    let auth = task(
        &app,
        &clinician,
        w.a,
        "Prior authorization",
        "Prior auth for the MRI",
        None,
    )
    .await;
    task(
        &app,
        &clinician,
        w.a,
        "Lab or imaging order",
        "Order the stat labs",
        Some(Priority::Urgent),
    )
    .await;
    task(
        &app,
        &clinician,
        w.a,
        "Call-back",
        "Call back about results",
        None,
    )
    .await;
    task(
        &app,
        &assistant,
        w.a,
        "Correspondence",
        "Letter to the insurer",
        None,
    )
    .await;

    // The assistant: the queue's new tasks, what they made, the appointment to confirm and
    // the patient waiting; urgent first (the one already late before the one on time), then
    // soon, then routine.
    let a = inbox(&app, &assistant).await;
    let got = shown(&a);
    assert_eq!(got.len(), 6, "{got:?}");
    assert_eq!(got[..2], ["waiting Bob Carr", "task Order the stat labs"]);
    let mut soon = got[2..4].to_vec();
    soon.sort();
    assert_eq!(soon, ["confirm Ada Byrne", "task Call back about results"]);
    let mut routine = got[4..].to_vec();
    routine.sort();
    assert_eq!(
        routine,
        ["task Letter to the insurer", "task Prior auth for the MRI"]
    );
    assert!(a.items.iter().all(|r| r.open_now));
    assert!(a.items[0].minutes_left < 0, "Bob waits past his time");
    assert_eq!(
        a.practices.iter().map(|p| (p.id, p.open_now)).collect::<Vec<_>>(),
        [(w.a, true)]
    );

    // Taken by a colleague, a task leaves the others' inboxes; waiting on the clinician, it
    // moves to the clinician's.
    let taken: app::tasks::model::Taken = app
        .call_json(&assistant, "tasks/take", json!({ "practice": w.a, "task": auth }))
        .await
        .unwrap();
    assert!(matches!(taken, app::tasks::model::Taken::Yours { .. }));
    let version = match taken {
        app::tasks::model::Taken::Yours { version } => version,
        _ => unreachable!(),
    };
    let _: i32 = app
        .call_json(
            &assistant,
            "tasks/act",
            json!({ "practice": w.a, "task": auth, "version": version,
                    "act": { "wait": { "on": "clinician", "follow_up": null } } }),
        )
        .await
        .unwrap();
    let got = shown(&inbox(&app, &assistant).await);
    assert!(
        !got.contains(&"task Prior auth for the MRI".to_string()),
        "{got:?}"
    );

    // The clinician: their own patient waiting and what waits on them; not the queue's work,
    // nor confirmations (the desk's).
    let c = shown(&inbox(&app, &clinician).await);
    assert_eq!(c, ["waiting Bob Carr", "task Prior auth for the MRI"]);

    // Another practice's admin sees none of it (only their own practice's work).
    let b = inbox(&app, &b_admin).await;
    assert!(
        b.items.iter().all(|r| r.item.practice() == w.b),
        "{:?}",
        shown(&b)
    );
    assert!(!shown(&b)
        .iter()
        .any(|r| r.contains("Ada") || r.contains("Bob") || r.contains("task ")));
    assert_eq!(b.practices.iter().map(|p| p.id).collect::<Vec<_>>(), [w.b]);

    // Each read is in the access log, naming the patients it showed.
    let named = format!(
        "SELECT count(*) FROM audit_events WHERE action = 'inbox.view' AND practice_id = '{}'
           AND patient_ids @> ARRAY['{ada}'::uuid, '{bob}'::uuid]",
        w.a
    );
    assert_eq!(
        common::count(&app.pool, &named).await,
        2,
        "the assistant's first two reads"
    );
}
