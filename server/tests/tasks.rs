//! Tasks: made by a clinician, due by the practice's opening hours, taken by exactly one
//! assistant, moved only where a task may go, commented with mentions that notify, with a
//! history of everything; never seen from another practice, errands never by the wrong
//! people; and claims that hold under many people taking at once.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use app::db::{begin, Scope};
use app::error::AppError;
use app::model::{PracticeId, TaskId, UserId};
use app::notifications::model::Bell;
use app::tasks::model::{Priority, Status, Taken, TaskDetail, TaskRow, TaskSetup};
use common::{TestApp, World};
use serde_json::{json, Value};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

async fn setup(app: &TestApp, client: &reqwest::Client, practice: PracticeId) -> TaskSetup {
    app.call_json(client, "tasks/setup", json!({ "practice": practice }))
        .await
        .unwrap()
}

fn new_task(setup: &TaskSetup, kind: &str, title: &str) -> Value {
    let t = setup.types.iter().find(|t| t.name == kind).expect(kind);
    json!({ "type_id": t.id, "queue": null, "title": title, "details": "Fax the form back by Friday.",
            "priority": null, "due": null, "patient": null, "entry": null, "assignee": null })
}

async fn create(
    app: &TestApp,
    client: &reqwest::Client,
    practice: PracticeId,
    task: Value,
) -> Result<(TaskId, i64), AppError> {
    app.call_json(
        client,
        "tasks/create",
        json!({ "practice": practice, "task": task }),
    )
    .await
}

async fn open_list(app: &TestApp, client: &reqwest::Client) -> Vec<TaskRow> {
    app.call_json(client, "tasks/list", json!({ "which": "open" }))
        .await
        .unwrap()
}

async fn detail(
    app: &TestApp,
    client: &reqwest::Client,
    practice: PracticeId,
    task: TaskId,
) -> Result<TaskDetail, AppError> {
    app.call_json(
        client,
        "tasks/task",
        json!({ "practice": practice, "task": task }),
    )
    .await
}

async fn act(
    app: &TestApp,
    client: &reqwest::Client,
    p: PracticeId,
    t: TaskId,
    version: i32,
    act: Value,
) -> Result<i32, AppError> {
    app.call_json(
        client,
        "tasks/act",
        json!({ "practice": p, "task": t, "version": version, "act": act }),
    )
    .await
}

async fn bell(app: &TestApp, client: &reqwest::Client) -> Bell {
    app.call(client, "notifications/bell", &[]).await.unwrap()
}

#[sqlx::test(migrations = "../migrations")]
async fn a_task_goes_from_the_clinician_to_one_assistant_and_is_done(
    _: PgPoolOptions,
    conn: PgConnectOptions,
) {
    let app = TestApp::spawn(conn).await;
    let w = common::world(&app.pool).await;
    // Practice A opens 08:00-17:00 on weekdays (New York): its SLA clocks run then only.
    common::exec(
        &app.pool,
        &format!(
            "UPDATE practices SET business_hours = '{{\"mon\": [[\"08:00\",\"17:00\"]], \"tue\": [[\"08:00\",\"17:00\"]],
               \"wed\": [[\"08:00\",\"17:00\"]], \"thu\": [[\"08:00\",\"17:00\"]], \"fri\": [[\"08:00\",\"17:00\"]]}}'
             WHERE id = '{}'",
            w.a
        ),
    )
    .await;
    let clinician = app.login(&w.a_clinician.email).await;
    let assistant = app.login(&w.a_assistant.email).await;
    let admin = app.login(&w.a_admin.email).await;

    // Every practice starts with its queue and the usual types, checklists included.
    let s = setup(&app, &clinician, w.a).await;
    assert_eq!(
        s.queues
            .iter()
            .map(|q| (q.name.as_str(), q.is_default))
            .collect::<Vec<_>>(),
        [("Front desk", true)]
    );
    let auth = s.types.iter().find(|t| t.name == "Prior authorization").unwrap();
    assert_eq!(auth.checklist.len(), 5);
    assert_eq!(s.types.len(), 9);

    // Bad input changes nothing.
    let mut bad = new_task(&s, "Prior authorization", "  ");
    assert!(matches!(
        create(&app, &clinician, w.a, bad.clone()).await,
        Err(AppError::Invalid(_))
    ));
    bad["title"] = json!("Prior auth for the MRI");
    bad["type_id"] = json!(uuid::Uuid::new_v4());
    assert!(matches!(
        create(&app, &clinician, w.a, bad.clone()).await,
        Err(AppError::Invalid(_))
    ));
    bad = new_task(&s, "Prior authorization", "Prior auth for the MRI");
    bad["due"] = json!("2020-01-01T09:00:00");
    let past = create(&app, &clinician, w.a, bad).await;
    assert_eq!(
        past,
        Err(AppError::Invalid(
            "The due time has passed: give a later one.".into()
        ))
    );
    // Another practice's type is not one of A's.
    let b_admin = app.login(&w.b_admin.email).await;
    let b_setup = setup(&app, &b_admin, w.b).await;
    let wrong = new_task(&b_setup, "Call-back", "Call back");
    assert!(matches!(
        create(&app, &clinician, w.a, wrong).await,
        Err(AppError::Invalid(_))
    ));
    assert_eq!(common::count(&app.pool, "SELECT count(*) FROM tasks").await, 0);

    let (id, number) = create(
        &app,
        &clinician,
        w.a,
        new_task(&s, "Prior authorization", "Prior auth for the MRI"),
    )
    .await
    .unwrap();
    assert_eq!(number, 1);

    // The assistant sees it, due by the SLA counted in A's opening hours.
    let list = open_list(&app, &assistant).await;
    assert_eq!(list.len(), 1);
    let row = &list[0];
    assert_eq!(
        (row.id, row.status, row.priority, row.type_name.as_str()),
        (id, Status::New, Priority::Routine, "Prior authorization")
    );
    assert_eq!(row.creator.id, w.a_clinician.id);
    let (made,): (chrono::DateTime<chrono::Utc>,) =
        sqlx::query_as("SELECT created_at FROM tasks WHERE id = $1")
            .bind(id)
            .fetch_one(&common::owner_pool(&app.owner).await)
            .await
            .unwrap();
    let tz: chrono_tz::Tz = "America/New_York".parse().unwrap();
    let mut hours = app::practices::rules::Hours::new();
    for d in ["mon", "tue", "wed", "thu", "fri"] {
        hours.insert(d.into(), vec![["08:00".into(), "17:00".into()]]);
    }
    let expected = app::tasks::rules::due_at(
        &tz,
        &app::tasks::rules::week_of(&hours),
        made,
        1440,
        Priority::Routine,
    );
    assert!(
        (row.due_at - expected).num_seconds().abs() < 5,
        "{} vs {expected}",
        row.due_at
    );
    assert_eq!(row.due_local, row.due_at.with_timezone(&tz).naive_local());

    // Practice B sees none of it.
    assert!(open_list(&app, &b_admin).await.is_empty());
    assert!(matches!(
        detail(&app, &b_admin, w.a, id).await,
        Err(AppError::Forbidden)
    ));

    // A clinician does not take from the queue; the assistant does, and the admin after
    // them is told who has it.
    let refused: Result<Taken, AppError> = app
        .call_json(&clinician, "tasks/take", json!({ "practice": w.a, "task": id }))
        .await;
    assert_eq!(refused, Err(AppError::Forbidden));
    let mine: Taken = app
        .call_json(&assistant, "tasks/take", json!({ "practice": w.a, "task": id }))
        .await
        .unwrap();
    let Taken::Yours { version } = mine else {
        panic!("{mine:?}")
    };
    let late: Taken = app
        .call_json(&admin, "tasks/take", json!({ "practice": w.a, "task": id }))
        .await
        .unwrap();
    assert_eq!(late, Taken::Theirs(Some("a.assistant".into())));

    // A step of the checklist, then waiting on the insurer; a change from an old version is
    // refused.
    let _: () = app
        .call_json(
            &assistant,
            "tasks/step",
            json!({ "practice": w.a, "task": id, "index": 0, "done": true }),
        )
        .await
        .unwrap();
    let no_step: Result<(), AppError> = app
        .call_json(
            &assistant,
            "tasks/step",
            json!({ "practice": w.a, "task": id, "index": 5, "done": true }),
        )
        .await;
    assert!(matches!(no_step, Err(AppError::Invalid(_))));
    let d = detail(&app, &assistant, w.a, id).await.unwrap();
    assert!(d.checklist[0].done && !d.checklist[1].done);
    let waiting = act(
        &app,
        &assistant,
        w.a,
        id,
        d.row.version,
        json!({ "wait": { "on": "insurer", "follow_up": null } }),
    )
    .await
    .unwrap();
    let stale = act(&app, &assistant, w.a, id, version, json!("done")).await;
    assert!(matches!(stale, Err(AppError::Invalid(m)) if m.contains("changed this task meanwhile")));
    let done = act(&app, &assistant, w.a, id, waiting, json!("done"))
        .await
        .unwrap();

    // Closed: nothing moves it but reopening.
    let resumed = act(&app, &assistant, w.a, id, done, json!("resume")).await;
    assert_eq!(
        resumed,
        Err(AppError::Invalid("This task is closed: reopen it first.".into()))
    );
    // The clinician who asked is told it is done (by number only) and sees it among theirs.
    let told = bell(&app, &clinician).await;
    assert_eq!(
        told.latest.first().map(|n| n.text.as_str()),
        Some("Task #1 is done")
    );
    assert_eq!(told.latest[0].link, format!("/p/{}/tasks?task={id}", w.a));
    let asked: Vec<TaskRow> = app
        .call_json(&clinician, "tasks/list", json!({ "which": "asked" }))
        .await
        .unwrap();
    assert_eq!(
        asked.iter().map(|r| (r.id, r.status)).collect::<Vec<_>>(),
        [(id, Status::Done)]
    );
    assert!(open_list(&app, &assistant).await.is_empty());

    // Reopened, commented with a mention, then cancelled with a reason.
    let reopened = act(&app, &clinician, w.a, id, done, json!("reopen"))
        .await
        .unwrap();
    let _: () = app
        .call_json(
            &assistant,
            "tasks/comment",
            json!({ "practice": w.a, "task": id, "text": "@a.clinician the insurer wants the notes" }),
        )
        .await
        .unwrap();
    let mention = bell(&app, &clinician).await;
    assert_eq!(mention.latest[0].text, "a.assistant mentioned you on task #1");
    let no_reason = act(
        &app,
        &assistant,
        w.a,
        id,
        reopened,
        json!({ "cancel": { "reason": " " } }),
    )
    .await;
    assert!(matches!(no_reason, Err(AppError::Invalid(_))));
    act(
        &app,
        &assistant,
        w.a,
        id,
        reopened,
        json!({ "cancel": { "reason": "Patient went elsewhere" } }),
    )
    .await
    .unwrap();

    // The history says all of it, in order, by whom.
    let d = detail(&app, &admin, w.a, id).await.unwrap();
    assert_eq!(d.row.status, Status::Cancelled);
    assert_eq!(d.cancel_reason.as_deref(), Some("Patient went elsewhere"));
    let story: Vec<(String, String)> = d
        .events
        .iter()
        .map(|e| (e.actor.clone(), e.what.clone()))
        .collect();
    let expect = [
        ("a.clinician", "Made the task"),
        ("a.assistant", "Took it"),
        (
            "a.assistant",
            "Ticked “Collect the diagnosis and the clinical notes”",
        ),
        ("a.assistant", "Waiting on the insurer"),
        ("a.assistant", "Marked it done"),
        ("a.clinician", "Reopened it"),
        ("a.assistant", "Commented"),
        ("a.assistant", "Cancelled it"),
    ];
    assert_eq!(story, expect.map(|(a, b)| (a.to_string(), b.to_string())));
    assert_eq!(
        d.events[6].comment.as_deref(),
        Some("@a.clinician the insurer wants the notes")
    );
    // Each read and change is in the access log.
    let log = |action: &str| {
        format!("SELECT count(*) FROM audit_events WHERE action = '{action}' AND subject_id = '{id}'")
    };
    assert_eq!(common::count(&app.pool, &log("task.create")).await, 1);
    assert_eq!(common::count(&app.pool, &log("task.view")).await, 2);
    assert_eq!(common::count(&app.pool, &log("task.change")).await, 7);
}

#[sqlx::test(migrations = "../migrations")]
async fn errands_are_seen_only_by_who_asked_and_the_assistants(_: PgPoolOptions, conn: PgConnectOptions) {
    let app = TestApp::spawn(conn).await;
    let w = common::world(&app.pool).await;
    let clinician = app.login(&w.a_clinician.email).await;
    let assistant = app.login(&w.a_assistant.email).await;
    let admin = app.login(&w.a_admin.email).await;
    let s = setup(&app, &clinician, w.a).await;
    let (errand, _) = create(
        &app,
        &clinician,
        w.a,
        new_task(&s, "Personal errand", "Dinner for four, Friday 8 pm"),
    )
    .await
    .unwrap();
    let (work, _) = create(
        &app,
        &clinician,
        w.a,
        new_task(&s, "Call-back", "Call back about results"),
    )
    .await
    .unwrap();
    let ids = |rows: Vec<TaskRow>| rows.into_iter().map(|r| r.id).collect::<Vec<_>>();
    // A call-back is "soon": it ranks above the routine errand.
    assert_eq!(ids(open_list(&app, &assistant).await), [work, errand]);
    assert_eq!(ids(open_list(&app, &admin).await), [work]);
    assert_eq!(detail(&app, &admin, w.a, errand).await, Err(AppError::NotFound));
    assert!(detail(&app, &clinician, w.a, errand).await.is_ok());
    // Nor does a comment, or a take, reach it.
    let comment: Result<(), AppError> = app
        .call_json(
            &admin,
            "tasks/comment",
            json!({ "practice": w.a, "task": errand, "text": "?" }),
        )
        .await;
    assert_eq!(comment, Err(AppError::NotFound));
}

/// The tasks of practice A made straight in the database, `n` of them.
async fn many_tasks(pool: &sqlx::PgPool, w: &World, n: usize) -> Vec<TaskId> {
    let mut tx = begin(pool, &Scope::person(w.a_clinician.id, [w.a]))
        .await
        .unwrap();
    let (queue,): (app::model::QueueId,) =
        sqlx::query_as("SELECT id FROM task_queues WHERE practice_id = $1")
            .bind(w.a)
            .fetch_one(&mut *tx)
            .await
            .unwrap();
    let (kind,): (app::model::TaskTypeId,) =
        sqlx::query_as("SELECT id FROM task_types WHERE practice_id = $1 AND name = 'Call-back'")
            .bind(w.a)
            .fetch_one(&mut *tx)
            .await
            .unwrap();
    let mut ids = Vec::new();
    for i in 0..n {
        let (id, _) = app::tasks::db::insert(
            &mut tx,
            &app::tasks::db::Insert {
                practice: w.a,
                type_id: kind,
                queue,
                title: &format!("Call back {i}"),
                details: "",
                priority: Priority::ALL[i % 4],
                due_at: chrono::Utc::now() + chrono::Duration::minutes(i as i64),
                patient: None,
                entry: None,
                assignee: None,
                creator: w.a_clinician.id,
                errand: false,
                checklist: &[],
            },
        )
        .await
        .unwrap();
        ids.push(id);
    }
    tx.commit().await.unwrap();
    ids
}

#[sqlx::test(migrations = "../migrations")]
async fn of_fifty_people_taking_one_task_at_once_exactly_one_gets_it(
    _: PgPoolOptions,
    conn: PgConnectOptions,
) {
    let pool = common::app_pool(&conn, 50).await;
    let w = common::world(&pool).await;
    let task = many_tasks(&pool, &w, 1).await[0];
    // Fifty takers, each their own person (the database does not care who they are).
    let people: Vec<UserId> = (0..50).map(|_| UserId(uuid::Uuid::new_v4())).collect();
    let owner = common::owner_pool(&conn).await;
    for p in &people {
        sqlx::query("INSERT INTO users (id, email, display_name) VALUES ($1, $2, 'Taker')")
            .bind(p)
            .bind(format!("{p}@example.test"))
            .execute(&owner)
            .await
            .unwrap();
    }
    let takes = people.iter().map(|p| {
        let (pool, p, practice) = (pool.clone(), *p, w.a);
        tokio::spawn(async move {
            let mut tx = begin(&pool, &Scope::person(p, [practice])).await.unwrap();
            let got = app::tasks::db::take(&mut tx, practice, task, p).await.unwrap();
            tx.commit().await.unwrap();
            got.map(|_| p)
        })
    });
    let winners: Vec<UserId> = futures::future::join_all(takes)
        .await
        .into_iter()
        .filter_map(|r| r.unwrap())
        .collect();
    assert_eq!(winners.len(), 1, "{winners:?}");
    let (holder,): (UserId,) = sqlx::query_as("SELECT assignee_id FROM tasks WHERE id = $1")
        .bind(task)
        .fetch_one(&owner)
        .await
        .unwrap();
    assert_eq!(holder, winners[0]);
}

#[sqlx::test(migrations = "../migrations")]
async fn twenty_take_next_loops_claim_a_thousand_tasks_each_once_most_urgent_first(
    _: PgPoolOptions,
    conn: PgConnectOptions,
) {
    let pool = common::app_pool(&conn, 21).await;
    let w = common::world(&pool).await;
    let all = many_tasks(&pool, &w, 1000).await;
    let loops = (0..20).map(|_| {
        let (pool, me, practice) = (pool.clone(), w.a_assistant.id, w.a);
        tokio::spawn(async move {
            let mut got = Vec::new();
            loop {
                let mut tx = begin(&pool, &Scope::person(me, [practice])).await.unwrap();
                let next = app::tasks::db::take_next(&mut tx, &[practice], me).await.unwrap();
                let (prio,): (Option<Priority>,) = match next {
                    Some((_, t)) => sqlx::query_as("SELECT priority FROM tasks WHERE id = $1")
                        .bind(t)
                        .fetch_one(&mut *tx)
                        .await
                        .unwrap(),
                    None => (None,),
                };
                tx.commit().await.unwrap();
                match next {
                    Some((_, t)) => got.push((t, prio)),
                    None => break got,
                }
            }
        })
    });
    let claimed: Vec<Vec<(TaskId, Option<Priority>)>> = futures::future::join_all(loops)
        .await
        .into_iter()
        .map(|r| r.unwrap())
        .collect();
    let mut ids: Vec<TaskId> = claimed.iter().flatten().map(|(t, _)| *t).collect();
    ids.sort();
    let mut expected = all.clone();
    expected.sort();
    assert_eq!(ids, expected, "each claimed exactly once, none skipped");
    // Each loop met the priorities in order: never a more urgent one after a less urgent.
    for mine in &claimed {
        assert!(
            mine.windows(2).all(|p| p[0].1 >= p[1].1),
            "{:?}",
            mine.iter().map(|m| m.1).collect::<Vec<_>>()
        );
    }
    assert_eq!(
        common::count(
            &common::owner_pool(&conn).await,
            "SELECT count(*) FROM tasks WHERE status = 'in_progress'"
        )
        .await,
        1000
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn the_clock_brings_waiting_tasks_back_and_escalates_late_ones_once(
    _: PgPoolOptions,
    conn: PgConnectOptions,
) {
    let app = TestApp::spawn(conn).await;
    let w = common::world(&app.pool).await;
    let clinician = app.login(&w.a_clinician.email).await;
    let assistant = app.login(&w.a_assistant.email).await;
    let admin = app.login(&w.a_admin.email).await;
    let s = setup(&app, &clinician, w.a).await;
    let (waiting, n_waiting) = create(
        &app,
        &clinician,
        w.a,
        new_task(&s, "Prior authorization", "Prior auth"),
    )
    .await
    .unwrap();
    let (late, n_late) = create(&app, &clinician, w.a, new_task(&s, "Call-back", "Call back"))
        .await
        .unwrap();
    let taken: Taken = app
        .call_json(
            &assistant,
            "tasks/take",
            json!({ "practice": w.a, "task": waiting }),
        )
        .await
        .unwrap();
    let Taken::Yours { version } = taken else {
        panic!("{taken:?}")
    };
    let follow_up = (chrono::Utc::now() + chrono::Duration::days(2)).naive_utc();
    act(
        &app,
        &assistant,
        w.a,
        waiting,
        version,
        json!({ "wait": { "on": "insurer", "follow_up": follow_up } }),
    )
    .await
    .unwrap();
    // Nothing is due yet: a round does nothing.
    let round = app::tasks::clock::tick(&app.pool, "http://127.0.0.1")
        .await
        .unwrap();
    assert_eq!(round, app::tasks::clock::Round::default());

    // Time passes: the follow-up comes and the call-back's due time goes by.
    common::exec(
        &app.pool,
        &format!("UPDATE tasks SET follow_up_at = now() - interval '1 minute' WHERE id = '{waiting}'"),
    )
    .await;
    common::exec(
        &app.pool,
        &format!("UPDATE tasks SET due_at = now() - interval '1 minute' WHERE id = '{late}'"),
    )
    .await;
    let round = app::tasks::clock::tick(&app.pool, "http://127.0.0.1")
        .await
        .unwrap();
    assert_eq!((round.back, round.escalated), (1, 1));
    // Back with the assistant who had it, who is told; the history says why.
    let d = detail(&app, &assistant, w.a, waiting).await.unwrap();
    assert_eq!((d.row.status, d.follow_up_local), (Status::InProgress, None));
    assert_eq!(
        d.events.last().map(|e| (e.actor.as_str(), e.what.as_str())),
        Some(("Switchboard", "Its follow-up time came: back at work"))
    );
    assert!(bell(&app, &assistant)
        .await
        .latest
        .iter()
        .any(|n| n.text == format!("Task #{n_waiting} is back from waiting")));
    // The late one: the practice's admin is told and e-mailed, without patient data.
    let d = detail(&app, &admin, w.a, late).await.unwrap();
    assert_eq!(
        d.events.last().map(|e| e.what.as_str()),
        Some("Past its due time: told the practice")
    );
    assert!(bell(&app, &admin)
        .await
        .latest
        .iter()
        .any(|n| n.text == format!("Task #{n_late} is past its due time")));
    let mail = format!(
        "SELECT count(*) FROM mail_outbox WHERE to_address = '{}' AND subject = 'A task is past its due time'
           AND body_text LIKE '%/p/{}/tasks?task={late}%'",
        w.a_admin.email, w.a
    );
    assert_eq!(common::count(&app.pool, &mail).await, 1);
    // Practice B's admin hears nothing of it.
    let b_admin = app.login(&w.b_admin.email).await;
    assert_eq!(bell(&app, &b_admin).await.unread, 0);

    // Once only: the next round leaves both alone.
    let round = app::tasks::clock::tick(&app.pool, "http://127.0.0.1")
        .await
        .unwrap();
    assert_eq!(round, app::tasks::clock::Round::default());
    assert_eq!(common::count(&app.pool, &mail).await, 1);

    // A practice that chose someone escalates to them instead of its admins.
    common::exec(
        &app.pool,
        &format!(
            "UPDATE practices SET task_escalation_user = '{}' WHERE id = '{}'",
            w.a_assistant.id, w.a
        ),
    )
    .await;
    common::exec(
        &app.pool,
        &format!("UPDATE tasks SET due_at = now() - interval '1 minute' WHERE id = '{waiting}'"),
    )
    .await;
    let round = app::tasks::clock::tick(&app.pool, "http://127.0.0.1")
        .await
        .unwrap();
    assert_eq!(round.escalated, 1);
    let to = |who: &str| {
        format!("SELECT count(*) FROM mail_outbox WHERE to_address = '{who}' AND subject = 'A task is past its due time'")
    };
    assert_eq!(common::count(&app.pool, &to(&w.a_assistant.email)).await, 1);
    assert_eq!(common::count(&app.pool, &to(&w.a_admin.email)).await, 1);
}
