//! Calendars: booking, double-booking refused (also under concurrency), availability and its
//! override, status changes, moves, series (with DST), free slots, and who may do what.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use app::calendar::api::PatientHit;
use app::calendar::model::{
    CallBack, ClaimView, DayOf, Exception, LinkView, Offer, OutDone, OutRow, Outcome, Setup, Status, View,
    Waiting,
};
use app::error::AppError;
use app::model::{EntryId, PatientId, RoomId, TypeId, UndoId};
use chrono::{NaiveDateTime, Timelike};
use common::{assert_refused_json, TestApp, World};
use serde_json::json;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

fn at(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
}

/// A practice A set up for booking: a room, a 30-minute type with 5/10-minute buffers that
/// needs a room, the clinician working Mon-Fri 09:00-12:00 and 13:00-17:00 from 2027, a patient.
struct Desk {
    app: TestApp,
    w: World,
    assistant: reqwest::Client,
    room: RoomId,
    visit: TypeId,
    patient: PatientId,
}

async fn desk(conn: PgConnectOptions) -> Desk {
    desk_with(conn, |_| {}).await
}

async fn desk_with(conn: PgConnectOptions, tweak: impl FnOnce(&mut server::config::Config)) -> Desk {
    let app = TestApp::spawn_with(conn, tweak).await;
    let w = common::world(&app.pool).await;
    let assistant = app.login(&w.a_assistant.email).await;
    let a = w.a;
    let room: RoomId = app
        .call_json(
            &assistant,
            "calendar/add-room",
            json!({ "practice": a, "name": "Exam 1" }),
        )
        .await
        .unwrap();
    let visit: TypeId = app
        .call_json(
            &assistant,
            "calendar/save-type",
            json!({ "practice": a, "id": null, "appt_type": {
                "id": uuid::Uuid::nil(), "name": "Visit", "minutes": 30, "buffer_before": 5, "buffer_after": 10,
                "color": "#3B6EA5", "needs_room": true, "provider_ids": [] } }),
        )
        .await
        .unwrap();
    let week = ["09:00-12:00, 13:00-17:00"; 5]
        .iter()
        .map(|s| s.to_string())
        .chain(["".into(), "".into()]);
    let () = app
        .call_json(
            &assistant,
            "calendar/weekly-hours",
            json!({ "practice": a, "provider": w.a_clinician.id, "from": "2027-01-01", "days": week.collect::<Vec<_>>() }),
        )
        .await
        .unwrap();
    let patient: PatientId = app
        .call_json(
            &assistant,
            "calendar/add-patient",
            json!({ "practice": a, "name": "  Ada   Lovelace ", "born": "1985-12-10", "phone": "+1 (555) 0100", "email": "ada@example.com" }),
        )
        .await
        .unwrap();
    Desk {
        app,
        w,
        assistant,
        room,
        visit,
        patient,
    }
}

impl Desk {
    /// Each call is refused to practice B's admin and clinician and to the agency admin (not
    /// members of A), and to a request without a session.
    async fn refused_to_outsiders(&self, calls: &[(&str, serde_json::Value)]) {
        let outsiders = [
            self.w.b_admin.email.as_str(),
            self.w.b_clinician.email.as_str(),
            self.w.agency.email.as_str(),
        ];
        for (endpoint, args) in calls {
            assert_refused_json(&self.app, &outsiders, endpoint, args.clone()).await;
            common::assert_needs_sign_in_json(&self.app, endpoint, args.clone()).await;
        }
    }

    /// Adds a patient of practice A.
    async fn add_patient(&self, name: &str, phone: &str, email: &str) -> PatientId {
        self.app
            .call_json(
                &self.assistant,
                "calendar/add-patient",
                json!({ "practice": self.w.a, "name": name, "born": "", "phone": phone, "email": email }),
            )
            .await
            .unwrap()
    }

    fn appointment(&self, start: &str) -> serde_json::Value {
        json!({
            "kind": "appointment", "patient": self.patient, "type_id": self.visit,
            "provider": self.w.a_clinician.id, "room": self.room, "attendees": [], "title": "",
            "start": at(start), "minutes": null, "notes": "", "rrule": null,
            "override_availability": false, "skip_conflicts": false
        })
    }

    async fn book(&self, entry: serde_json::Value) -> Outcome {
        self.app
            .call_json(
                &self.assistant,
                "calendar/book",
                json!({ "practice": self.w.a, "entry": entry }),
            )
            .await
            .unwrap()
    }

    async fn view(&self, first: &str, days: u32) -> View {
        self.app
            .call_json(
                &self.assistant,
                "calendar/view",
                json!({ "practice": self.w.a, "first_day": first, "days": days }),
            )
            .await
            .unwrap()
    }
}

fn done(o: Outcome) -> Vec<EntryId> {
    match o {
        Outcome::Done { ids, .. } => ids,
        other => panic!("expected the booking to be made, got {other:?}"),
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn a_slot_is_booked_once_and_the_conflict_names_what_is_in_the_way(
    _: PgPoolOptions,
    conn: PgConnectOptions,
) {
    let d = desk(conn).await;
    // Monday 1 March 2027, 10:00 New York.
    let first = done(d.book(d.appointment("2027-03-01 10:00")).await);
    assert_eq!(first.len(), 1);

    // 10:30 overlaps the first one's 10-minute buffer after (it is busy until 10:40).
    match d.book(d.appointment("2027-03-01 10:30")).await {
        Outcome::Conflict { clashes, offers } => {
            assert_eq!(clashes.len(), 1);
            let (_, clash) = &clashes[0];
            assert_eq!(clash.resource, "a.clinician");
            assert_eq!(clash.what, "an appointment", "no patient name in a conflict");
            assert_eq!(clash.start_local, at("2027-03-01 10:00"));
            // The next free start on the 15-minute grid: busy until 10:40, 5 minutes before -> 10:45.
            assert_eq!(
                offers.first().map(|o| o.start_local),
                Some(at("2027-03-01 10:45"))
            );
            assert!(offers.iter().all(|o| o.start_local >= at("2027-03-01 10:45")));
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
    let view = d.view("2027-03-01", 1).await;
    assert_eq!(view.entries.len(), 1, "the refused booking left nothing behind");
    assert_eq!(view.entries[0].title, "Ada Lovelace");
    assert_eq!(view.entries[0].start_local, at("2027-03-01 10:00"));
    assert_eq!(
        view.open
            .iter()
            .find(|(p, _)| *p == d.w.a_clinician.id)
            .map(|(_, s)| s.clone()),
        Some(vec![
            (at("2027-03-01 09:00"), at("2027-03-01 12:00")),
            (at("2027-03-01 13:00"), at("2027-03-01 17:00"))
        ])
    );
    assert_eq!(
        common::count(&d.app.pool, "SELECT count(*) FROM entries").await,
        1
    );
    assert_eq!(
        common::count(
            &d.app.pool,
            "SELECT count(*) FROM audit_events WHERE action = 'calendar.view'"
        )
        .await,
        1,
        "reading the calendar is audited"
    );
    assert_eq!(
        common::count(
            &d.app.pool,
            "SELECT count(*) FROM entry_history WHERE action = 'created'"
        )
        .await,
        1
    );
    d.app.close().await;
}

#[sqlx::test(migrations = "../migrations")]
async fn booking_outside_the_providers_hours_needs_the_override_and_is_recorded(
    _: PgPoolOptions,
    conn: PgConnectOptions,
) {
    let d = desk(conn).await;
    match d.book(d.appointment("2027-03-01 12:15")).await {
        Outcome::Unavailable { offers } => {
            assert_eq!(
                offers.first().map(|o| o.start_local),
                Some(at("2027-03-01 13:00")),
                "right after lunch: {offers:?}"
            );
        }
        other => panic!("lunch time is not bookable without the override: {other:?}"),
    }
    let mut entry = d.appointment("2027-03-01 12:15");
    entry["override_availability"] = json!(true);
    done(d.book(entry).await);
    let view = d.view("2027-03-01", 1).await;
    assert!(view.entries[0].outside_availability);
    assert_eq!(
        common::count(
            &d.app.pool,
            "SELECT count(*) FROM entry_history WHERE changes->>'outside_availability' = 'true'"
        )
        .await,
        1
    );
    d.app.close().await;
}

#[sqlx::test(migrations = "../migrations")]
async fn of_many_concurrent_bookings_of_one_slot_exactly_one_succeeds(
    _: PgPoolOptions,
    conn: PgConnectOptions,
) {
    let d = desk(conn).await;
    let d = &d;
    let attempts = (0..16).map(|i| {
        // Overlapping starts between 10:00 and 10:25.
        let start = format!("2027-03-02 10:{:02}", (i % 6) * 5);
        let entry = d.appointment(&start);
        async move { d.book(entry).await }
    });
    let outcomes = futures::future::join_all(attempts).await;
    let made = outcomes
        .iter()
        .filter(|o| matches!(o, Outcome::Done { .. }))
        .count();
    let refused = outcomes
        .iter()
        .filter(|o| matches!(o, Outcome::Conflict { .. }))
        .count();
    assert_eq!((made, refused), (1, 15), "{outcomes:?}");
    assert_eq!(
        common::count(&d.app.pool, "SELECT count(*) FROM entries").await,
        1
    );
    assert_eq!(
        common::count(&d.app.pool, "SELECT count(*) FROM busy_claims").await,
        2,
        "provider and room"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn statuses_follow_the_front_desk_and_cancelling_frees_the_time(
    _: PgPoolOptions,
    conn: PgConnectOptions,
) {
    let d = desk(conn).await;
    let a = d.w.a;
    let set = |id: EntryId, version: i32, status: &'static str, reason: Option<&'static str>| {
        d.app.call_json::<()>(
            &d.assistant,
            "calendar/status",
            json!({ "practice": a, "id": id, "version": version, "status": status, "reason": reason }),
        )
    };
    // Arrival is for the appointment's own day; completed or missed, not before it.
    let ahead = done(d.book(d.appointment("2027-03-03 09:00")).await)[0];
    for early in ["arrived", "no_show"] {
        assert!(
            matches!(set(ahead, 1, early, None).await, Err(AppError::Invalid(m)) if m.contains("day")),
            "{early} weeks ahead"
        );
    }
    set(ahead, 1, "confirmed", None).await.unwrap();
    // Today in the practice's zone (New York), early, outside the clinician's hours.
    let today = chrono::Utc::now()
        .with_timezone(&"America/New_York".parse::<chrono_tz::Tz>().unwrap())
        .date_naive();
    let mut visit = d.appointment(&format!("{today} 06:00"));
    visit["override_availability"] = json!(true);
    let id = done(d.book(visit).await)[0];
    let status =
        |version: i32, status: &'static str, reason: Option<&'static str>| set(id, version, status, reason);
    status(1, "arrived", None).await.unwrap();
    assert!(
        matches!(status(1, "in_room", None).await, Err(AppError::Invalid(m)) if m.contains("changed")),
        "stale version"
    );
    assert!(
        matches!(status(2, "scheduled", None).await, Err(AppError::Invalid(_))),
        "no going back"
    );
    assert!(
        matches!(status(2, "cancelled", Some("  ")).await, Err(AppError::Invalid(m)) if m.contains("why"))
    );
    status(2, "cancelled", Some("Patient called, feeling better"))
        .await
        .unwrap();
    assert!(
        d.view(&today.to_string(), 1).await.entries.is_empty(),
        "cancelled entries leave the calendar"
    );
    assert_eq!(
        common::count(
            &d.app.pool,
            "SELECT count(*) FROM entries WHERE status = 'cancelled'"
        )
        .await,
        1,
        "kept, not deleted"
    );
    let mut again = d.appointment(&format!("{today} 06:00"));
    again["override_availability"] = json!(true);
    done(d.book(again).await);
    assert_eq!(
        common::count(
            &d.app.pool,
            "SELECT count(*) FROM entry_history WHERE action = 'status'"
        )
        .await,
        3,
        "confirmed, arrived, cancelled; nothing of the refused"
    );
    d.app.close().await;
}

#[sqlx::test(migrations = "../migrations")]
async fn moving_checks_the_new_time_like_a_booking(_: PgPoolOptions, conn: PgConnectOptions) {
    let d = desk(conn).await;
    let a = d.w.a;
    let first = done(d.book(d.appointment("2027-03-04 09:00")).await)[0];
    done(d.book(d.appointment("2027-03-04 11:00")).await);
    let mv = |start: &str, version: i32| {
        d.app.call_json::<Outcome>(
            &d.assistant,
            "calendar/move",
            json!({ "practice": a, "id": first, "version": version, "start": at(start), "provider": null, "room": null, "override_availability": false }),
        )
    };
    assert!(matches!(
        mv("2027-03-04 11:15", 1).await.unwrap(),
        Outcome::Conflict { .. }
    ));
    assert!(matches!(
        mv("2027-03-04 12:30", 1).await.unwrap(),
        Outcome::Unavailable { .. }
    ));
    done(mv("2027-03-04 09:30", 1).await.unwrap());
    // Moving onto its own old time (overlapping itself) is fine.
    done(mv("2027-03-04 09:15", 2).await.unwrap());
    let view = d.view("2027-03-04", 1).await;
    let moved = view.entries.iter().find(|e| e.id == first).unwrap();
    assert_eq!((moved.start_local, moved.version), (at("2027-03-04 09:15"), 3));
    assert_eq!(
        common::count(
            &d.app.pool,
            "SELECT count(*) FROM entry_history WHERE action = 'moved'"
        )
        .await,
        2
    );
    d.app.close().await;
}

#[sqlx::test(migrations = "../migrations")]
async fn a_weekly_series_keeps_its_local_time_across_dst_and_reports_conflicts(
    _: PgPoolOptions,
    conn: PgConnectOptions,
) {
    let d = desk(conn).await;
    // Something already on Monday 15 March at 09:00.
    done(d.book(d.appointment("2027-03-15 09:00")).await);
    let mut series = d.appointment("2027-03-08 09:00");
    series["rrule"] = json!("FREQ=WEEKLY;COUNT=3");
    match d.book(series.clone()).await {
        Outcome::Conflict { clashes, .. } => {
            assert_eq!(
                clashes.iter().map(|(t, _)| *t).collect::<Vec<_>>(),
                vec![at("2027-03-15 09:00")]
            );
        }
        other => panic!("expected the conflicting occurrence to be reported: {other:?}"),
    }
    assert_eq!(
        common::count(&d.app.pool, "SELECT count(*) FROM entries").await,
        1,
        "nothing of the series was kept"
    );
    series["skip_conflicts"] = json!(true);
    match d.book(series).await {
        Outcome::Done { ids, skipped, .. } => {
            assert_eq!(ids.len(), 2);
            assert_eq!(skipped, vec![at("2027-03-15 09:00")]);
        }
        other => panic!("{other:?}"),
    }
    let view = d.view("2027-03-08", 21).await;
    let series: Vec<_> = view.entries.iter().filter(|e| e.series_id.is_some()).collect();
    assert_eq!(series.len(), 2);
    // 8 March is EST (UTC-5), 22 March EDT (UTC-4): same 09:00 on the wall.
    assert!(series.iter().all(|e| e.start_local.time().hour() == 9));
    assert_eq!(series[0].starts_at.hour(), 14);
    assert_eq!(series[1].starts_at.hour(), 13);
    d.app.close().await;
}

#[sqlx::test(migrations = "../migrations")]
async fn free_slots_honour_hours_bookings_buffers_and_rooms(_: PgPoolOptions, conn: PgConnectOptions) {
    let d = desk(conn).await;
    done(d.book(d.appointment("2027-03-01 09:00")).await);
    let offers: Vec<Offer> = d
        .app
        .call_json(
            &d.assistant,
            "calendar/slots",
            json!({ "practice": d.w.a, "type_id": d.visit, "providers": [], "from": "2027-03-01", "to": "2027-03-01" }),
        )
        .await
        .unwrap();
    let starts: Vec<NaiveDateTime> = offers.iter().map(|o| o.start_local).collect();
    // Busy 08:55-09:40 with buffers; the next start that keeps 5 minutes before: 09:45.
    assert_eq!(starts.first(), Some(&at("2027-03-01 09:45")));
    assert!(starts.iter().all(
        |s| *s + chrono::Duration::minutes(30) <= at("2027-03-01 12:00") || *s >= at("2027-03-01 13:00")
    ));
    assert!(offers.iter().all(|o| o.room == Some(d.room)));
    let bad: Result<Vec<Offer>, _> = d
        .app
        .call_json(
            &d.assistant,
            "calendar/slots",
            json!({ "practice": d.w.a, "type_id": d.visit, "providers": [], "from": "2027-03-05", "to": "2027-03-01" }),
        )
        .await;
    assert!(matches!(bad, Err(AppError::Invalid(_))));
    d.app.close().await;
}

#[sqlx::test(migrations = "../migrations")]
async fn a_meeting_keeps_every_attendee_busy_and_lists_them(_: PgPoolOptions, conn: PgConnectOptions) {
    let d = desk(conn).await;
    let people = [d.w.a_clinician.id, d.w.a_assistant.id];
    let meeting = json!({
        "kind": "meeting", "patient": null, "type_id": null, "provider": null, "room": null,
        "attendees": people, "title": "Staff meeting", "start": at("2027-03-01 12:00"), "minutes": 60,
        "notes": "", "rrule": null, "override_availability": false, "skip_conflicts": false
    });
    done(d.book(meeting).await);
    let appointment = d.book(d.appointment("2027-03-02 09:00")).await;
    done(appointment);
    let view = d.view("2027-03-01", 2).await;
    let listed: Vec<_> = view
        .entries
        .iter()
        .map(|e| (e.title.as_str(), e.attendees.clone()))
        .collect();
    assert_eq!(
        listed,
        [("Staff meeting", people.to_vec()), ("Ada Lovelace", vec![])],
        "the meeting names its attendees; an appointment has none"
    );
    // The clinician is in the meeting: a visit whose buffer runs into it is refused.
    match d.book(d.appointment("2027-03-01 11:30")).await {
        Outcome::Conflict { .. } => {}
        other => panic!("expected a conflict, got {other:?}"),
    }
    d.app.close().await;
}

/// Free slots from `from` over two weeks, as the assistant sees them.
async fn slots_from(d: &Desk, from: &str) -> Vec<NaiveDateTime> {
    let to = at(&format!("{from} 00:00")).date() + chrono::Duration::days(14);
    let offers: Vec<Offer> = d
        .app
        .call_json(
            &d.assistant,
            "calendar/slots",
            json!({ "practice": d.w.a, "type_id": d.visit, "providers": [], "from": from, "to": to }),
        )
        .await
        .unwrap();
    offers.iter().map(|o| o.start_local).collect()
}

#[sqlx::test(migrations = "../migrations")]
async fn extra_hours_open_a_day_off_until_withdrawn(_: PgPoolOptions, conn: PgConnectOptions) {
    let d = desk(conn).await;
    let a = d.w.a;
    let provider = d.w.a_clinician.id;
    // No hours at weekends: a search from Saturday offers Monday first, twenty slots in order.
    let before = slots_from(&d, "2027-03-06").await;
    assert_eq!(before.len(), 20);
    assert!(before.windows(2).all(|w| w[0] < w[1]));
    assert_eq!(before[0].date(), at("2027-03-08 00:00").date());

    // The clinician adds a Saturday clinic for themself.
    let clinician = d.app.login(&d.w.a_clinician.email).await;
    let extra = json!({ "practice": a, "provider": provider, "day": "2027-03-06",
                        "from": "10:00:00", "to": "12:00:00", "note": "Saturday clinic" });
    let () = d
        .app
        .call_json(&clinician, "calendar/extra-hours", extra.clone())
        .await
        .unwrap();
    let with = slots_from(&d, "2027-03-06").await;
    assert_eq!(with[0].date(), at("2027-03-06 00:00").date());
    assert!(with
        .iter()
        .filter(|s| s.date() == at("2027-03-06 00:00").date())
        .all(
            |s| *s >= at("2027-03-06 10:00") && *s + chrono::Duration::minutes(30) <= at("2027-03-06 12:00")
        ));
    done(d.book(d.appointment("2027-03-06 10:30")).await);

    let list = |who: reqwest::Client| {
        let app = &d.app;
        async move {
            app.call_json::<Vec<Exception>>(
                &who,
                "calendar/exceptions",
                json!({ "practice": a, "provider": provider }),
            )
            .await
            .unwrap()
        }
    };
    let ahead = list(d.assistant.clone()).await;
    assert_eq!(ahead.len(), 1);
    assert_eq!(ahead[0].kind, app::calendar::rules::ExceptionKind::Extra);
    assert_eq!(
        (ahead[0].start_local, ahead[0].end_local),
        (at("2027-03-06 10:00"), at("2027-03-06 12:00"))
    );
    assert_eq!(ahead[0].note, "Saturday clinic");

    // Bad input is refused with a reason and adds nothing; a clinician changes only their own hours.
    let mut bad = Vec::new();
    for (field, value) in [
        ("to", json!("09:00:00")),
        ("day", json!("2020-01-04")),
        ("note", json!("x".repeat(501))),
        ("provider", json!(d.w.a_admin.id)),
        ("provider", json!(d.w.b_clinician.id)),
    ] {
        let mut args = extra.clone();
        args[field] = value;
        bad.push(
            d.app
                .call_json::<()>(&d.assistant, "calendar/extra-hours", args)
                .await,
        );
    }
    assert!(
        bad.iter().all(|r| matches!(r, Err(AppError::Invalid(_)))),
        "{bad:?}"
    );
    let mut someone_else = extra.clone();
    someone_else["provider"] = json!(d.w.a_admin.id);
    let refused = d
        .app
        .call_json::<()>(&clinician, "calendar/extra-hours", someone_else)
        .await;
    assert_eq!(refused, Err(AppError::Forbidden));
    assert_eq!(list(d.assistant.clone()).await.len(), 1);

    // Another practice never sees nor withdraws it, even naming its own practice.
    let id = ahead[0].id;
    let withdraw = json!({ "practice": a, "id": id });
    d.refused_to_outsiders(&[
        (
            "calendar/exceptions",
            json!({ "practice": a, "provider": provider }),
        ),
        ("calendar/extra-hours", extra.clone()),
        ("calendar/exception-withdraw", withdraw.clone()),
    ])
    .await;
    let b_admin = d.app.login(&d.w.b_admin.email).await;
    let across = d
        .app
        .call_json::<()>(
            &b_admin,
            "calendar/exception-withdraw",
            json!({ "practice": d.w.b, "id": id }),
        )
        .await;
    assert_eq!(across, Err(AppError::NotFound));
    assert_eq!(list(d.assistant.clone()).await.len(), 1);

    // Withdrawn: Saturday is closed again (the booking made meanwhile stays), and the
    // withdrawal is kept with who did it.
    let () = d
        .app
        .call_json(&d.assistant, "calendar/exception-withdraw", withdraw.clone())
        .await
        .unwrap();
    assert!(list(d.assistant.clone()).await.is_empty());
    assert_eq!(slots_from(&d, "2027-03-06").await, before);
    assert_eq!(d.view("2027-03-06", 1).await.entries.len(), 1);
    let again = d
        .app
        .call_json::<()>(&d.assistant, "calendar/exception-withdraw", withdraw)
        .await;
    assert_eq!(again, Err(AppError::NotFound));
    let kept = format!(
        "SELECT count(*) FROM availability_exceptions WHERE id = '{id}' AND withdrawn_by = '{}'",
        d.w.a_assistant.id.0
    );
    assert_eq!(common::count(&d.app.pool, &kept).await, 1);
    let audited = format!(
        "SELECT count(*) FROM audit_events WHERE action = 'calendar.exception_withdraw' AND subject_id = '{id}'
           AND practice_id = '{}' AND actor_user_id = '{}'",
        d.w.a, d.w.a_assistant.id
    );
    assert_eq!(
        common::count(&d.app.pool, &audited).await,
        1,
        "the withdrawal is in the access log"
    );
    d.app.close().await;
}

#[sqlx::test(migrations = "../migrations")]
async fn bad_input_is_refused_with_a_reason_and_changes_nothing(_: PgPoolOptions, conn: PgConnectOptions) {
    let d = desk(conn).await;
    let a = d.w.a;
    let before = common::count(&d.app.pool, "SELECT count(*) FROM entries").await;
    for (field, value, says) in [
        ("patient", json!(null), "patient"),
        ("type_id", json!(null), "type"),
        ("room", json!(null), "room"),
        ("provider", json!(d.w.a_assistant.id), "provider"),
        ("rrule", json!("FREQ=YEARLY"), "YEARLY"),
    ] {
        let mut entry = d.appointment("2027-03-01 10:00");
        entry[field] = value;
        let result: Result<Outcome, AppError> = d
            .app
            .call_json(
                &d.assistant,
                "calendar/book",
                json!({ "practice": a, "entry": entry }),
            )
            .await;
        assert!(
            matches!(&result, Err(AppError::Invalid(m)) if m.contains(says)),
            "{field}: {result:?}"
        );
    }
    for (name, born, phone, email) in [
        ("", "", "", ""),
        ("Someone", "2999-01-01", "", ""),
        ("Someone", "", "call me", ""),
        ("Someone", "", "", "not-an-address"),
    ] {
        let r: Result<PatientId, AppError> = d
            .app
            .call_json(
                &d.assistant,
                "calendar/add-patient",
                json!({ "practice": a, "name": name, "born": born, "phone": phone, "email": email }),
            )
            .await;
        assert!(
            matches!(r, Err(AppError::Invalid(_))),
            "{name:?} {born:?} {phone:?} {email:?}"
        );
    }
    let week = vec!["09:00-08:00".to_string(); 7];
    let r: Result<(), AppError> = d
        .app
        .call_json(
            &d.assistant,
            "calendar/weekly-hours",
            json!({ "practice": a, "provider": d.w.a_clinician.id, "from": "2027-01-01", "days": week }),
        )
        .await;
    assert!(matches!(r, Err(AppError::Invalid(m)) if m.starts_with("Monday")));
    assert_eq!(
        common::count(&d.app.pool, "SELECT count(*) FROM entries").await,
        before
    );
    assert_eq!(
        common::count(&d.app.pool, "SELECT count(*) FROM patients").await,
        1
    );
    let hits: Vec<PatientHit> = d
        .app
        .call_json(
            &d.assistant,
            "calendar/patients",
            json!({ "practice": a, "query": "lovel" }),
        )
        .await
        .unwrap();
    assert_eq!(
        hits.iter().map(|h| h.name.as_str()).collect::<Vec<_>>(),
        vec!["Ada Lovelace"]
    );
    let setup: Setup = d
        .app
        .call_json(&d.assistant, "calendar/setup", json!({ "practice": a }))
        .await
        .unwrap();
    assert_eq!(setup.types[0].color, "#3b6ea5", "colours are stored lower-case");
    // Editing a type keeps its id; a second type may not take its name.
    let mut visit = serde_json::to_value(&setup.types[0]).unwrap();
    visit["minutes"] = json!(45);
    let same: TypeId = d
        .app
        .call_json(
            &d.assistant,
            "calendar/save-type",
            json!({ "practice": a, "id": d.visit, "appt_type": visit.clone() }),
        )
        .await
        .unwrap();
    assert_eq!(same, d.visit);
    let twin: Result<TypeId, AppError> = d
        .app
        .call_json(
            &d.assistant,
            "calendar/save-type",
            json!({ "practice": a, "id": null, "appt_type": visit }),
        )
        .await;
    assert!(matches!(twin, Err(AppError::Invalid(m)) if m.contains("already")));
    let setup: Setup = d
        .app
        .call_json(&d.assistant, "calendar/setup", json!({ "practice": a }))
        .await
        .unwrap();
    assert_eq!((setup.types.len(), setup.types[0].minutes), (1, 45));
    assert_eq!(
        setup.providers.iter().map(|p| p.id).collect::<Vec<_>>(),
        vec![d.w.a_clinician.id]
    );
    d.app.close().await;
}

#[sqlx::test(migrations = "../migrations")]
async fn another_practice_and_too_small_roles_are_refused(_: PgPoolOptions, conn: PgConnectOptions) {
    let d = desk(conn).await;
    let a = d.w.a;
    let id = done(d.book(d.appointment("2027-03-01 10:00")).await)[0];
    let calls = [
        ("calendar/setup", json!({ "practice": a })),
        (
            "calendar/view",
            json!({ "practice": a, "first_day": "2027-03-01", "days": 1 }),
        ),
        (
            "calendar/book",
            json!({ "practice": a, "entry": d.appointment("2027-03-01 14:00") }),
        ),
        (
            "calendar/move",
            json!({ "practice": a, "id": id, "version": 1, "start": at("2027-03-01 15:00"), "provider": null, "room": null, "override_availability": false }),
        ),
        (
            "calendar/status",
            json!({ "practice": a, "id": id, "version": 1, "status": "arrived", "reason": null }),
        ),
        (
            "calendar/slots",
            json!({ "practice": a, "type_id": d.visit, "providers": [], "from": "2027-03-01", "to": "2027-03-02" }),
        ),
        ("calendar/patients", json!({ "practice": a, "query": "Ada" })),
        (
            "calendar/add-patient",
            json!({ "practice": a, "name": "Eve", "born": "", "phone": "", "email": "" }),
        ),
        ("calendar/add-room", json!({ "practice": a, "name": "Exam 9" })),
        (
            "calendar/save-type",
            json!({ "practice": a, "id": d.visit, "appt_type": { "id": d.visit, "name": "Hijacked", "minutes": 30, "buffer_before": 0, "buffer_after": 0, "color": "#000000", "needs_room": false, "provider_ids": [] } }),
        ),
        (
            "calendar/weekly-hours",
            json!({ "practice": a, "provider": d.w.a_clinician.id, "from": "2027-01-01", "days": vec![""; 7] }),
        ),
        (
            "calendar/weekly-hours-get",
            json!({ "practice": a, "provider": d.w.a_clinician.id, "on": "2027-03-01" }),
        ),
    ];
    d.refused_to_outsiders(&calls).await;
    // Within the practice, a clinician does not set up rooms or types, nor someone else's hours.
    let clinician = [d.w.a_clinician.email.as_str()];
    assert_refused_json(
        &d.app,
        &clinician,
        "calendar/add-room",
        json!({ "practice": a, "name": "Exam 9" }),
    )
    .await;
    assert_refused_json(&d.app, &clinician, "calendar/save-type", calls[9].1.clone()).await;
    let other_clinician: Result<(), AppError> = d
        .app
        .call_json(
            &d.app.login(&d.w.a_clinician.email).await,
            "calendar/weekly-hours",
            json!({ "practice": a, "provider": d.w.a_assistant.id, "from": "2027-01-01", "days": vec![""; 7] }),
        )
        .await;
    assert_eq!(other_clinician, Err(AppError::Forbidden));
    // Nothing changed, and B's people cannot see A's entry by passing B's own practice either.
    let b_admin = d.app.login(&d.w.b_admin.email).await;
    let view: View = d
        .app
        .call_json(
            &b_admin,
            "calendar/view",
            json!({ "practice": d.w.b, "first_day": "2027-03-01", "days": 7 }),
        )
        .await
        .unwrap();
    assert!(view.entries.is_empty());
    let moved: Result<Outcome, AppError> = d
        .app
        .call_json(&b_admin, "calendar/move", json!({ "practice": d.w.b, "id": id, "version": 1, "start": at("2027-03-01 15:00"), "provider": null, "room": null, "override_availability": false }))
        .await;
    assert_eq!(
        moved,
        Err(AppError::NotFound),
        "an id of another practice is not found in one's own"
    );
    let view = d.view("2027-03-01", 1).await;
    assert_eq!(
        (
            view.entries.len(),
            view.entries[0].version,
            view.entries[0].start_local
        ),
        (1, 1, at("2027-03-01 10:00"))
    );
    assert_eq!(common::count(&d.app.pool, "SELECT count(*) FROM rooms").await, 1);
    d.app.close().await;
}

#[sqlx::test(migrations = "../migrations")]
async fn row_level_security_keeps_calendars_apart(_: PgPoolOptions, conn: PgConnectOptions) {
    let d = desk(conn).await;
    done(d.book(d.appointment("2027-03-01 10:00")).await);
    let mut tx = app::db::begin(&d.app.pool, &app::db::Scope::person(d.w.b_admin.id, [d.w.b]))
        .await
        .unwrap();
    for table in [
        "patients",
        "rooms",
        "appointment_types",
        "availability_ranges",
        "entries",
        "busy_claims",
        "entry_history",
        "appointment_notices",
        "calendar_feeds",
        "call_backs",
        "waitlist",
        "waitlist_offers",
    ] {
        let (n,): (i64,) = sqlx::query_as(&format!("SELECT count(*) FROM {table}"))
            .fetch_one(&mut *tx)
            .await
            .unwrap();
        assert_eq!(n, 0, "{table} of A seen from B's scope");
    }
    let updated = sqlx::query("UPDATE entries SET notes = 'x'")
        .execute(&mut *tx)
        .await
        .unwrap();
    assert_eq!(updated.rows_affected(), 0);
    let insert = sqlx::query("INSERT INTO rooms (practice_id, name) VALUES ($1, 'Sneaky')")
        .bind(d.w.a)
        .execute(&mut *tx)
        .await;
    assert!(insert.is_err(), "inserting into A from B's scope is refused");
    tx.rollback().await.unwrap();
    d.app.close().await;
}

/// The secret path of a feed's address ("/feeds/….ics").
fn feed_path(url: &str) -> String {
    let at = url.find("/feeds/").expect("a feed address");
    url[at..].to_string()
}

async fn fetch_feed(app: &TestApp, path: &str) -> (reqwest::StatusCode, String) {
    let res = reqwest::get(app.url(path)).await.unwrap();
    (res.status(), res.text().await.unwrap())
}

#[sqlx::test(migrations = "../migrations")]
async fn a_feed_carries_local_times_names_patients_only_when_allowed_and_can_be_revoked(
    _: PgPoolOptions,
    conn: PgConnectOptions,
) {
    let d = desk(conn).await;
    let a = d.w.a;
    // A Monday two to three weeks ahead (feeds reach 180 days ahead), 10:00 New York time,
    // booked on purpose outside the test hours (which start in 2027).
    let today = chrono::Utc::now().date_naive();
    let monday = today
        + chrono::Duration::days(14 - i64::from(chrono::Datelike::weekday(&today).num_days_from_monday()));
    let mut entry = d.appointment(&format!("{monday} 10:00"));
    entry["override_availability"] = json!(true);
    let id = done(d.book(entry).await)[0];

    let clinician = d.app.login(&d.w.a_clinician.email).await;
    let url: String = d
        .app
        .call_json(
            &clinician,
            "calendar/feed-add",
            json!({ "practice": a, "provider": d.w.a_clinician.id, "label": "Phone" }),
        )
        .await
        .unwrap();
    let path = feed_path(&url);
    let res = reqwest::get(d.app.url(&path)).await.unwrap();
    assert_eq!(res.headers()["content-type"], "text/calendar; charset=utf-8");
    let ics = res.text().await.unwrap();
    let day = monday.format("%Y%m%d");
    assert!(ics.contains(&format!("UID:{id}@switchboard\r\n")), "{ics}");
    assert!(ics.contains(&format!("DTSTART;TZID=America/New_York:{day}T100000\r\n")));
    assert!(ics.contains(&format!("DTEND;TZID=America/New_York:{day}T103000\r\n")));
    assert!(ics.contains("BEGIN:VTIMEZONE\r\nTZID:America/New_York\r\n"));
    assert!(ics.contains("SUMMARY:Visit\r\nLOCATION:Exam 1\r\n"));
    assert!(
        !ics.contains("Lovelace"),
        "no patient names unless the practice allows them"
    );

    // The practice admin lets feeds name patients; the clinician may not.
    let refused: Result<(), AppError> = d
        .app
        .call_json(
            &clinician,
            "calendar/feed-names",
            json!({ "practice": a, "on": true }),
        )
        .await;
    assert_eq!(refused, Err(AppError::Forbidden));
    let admin = d.app.login(&d.w.a_admin.email).await;
    let () = d
        .app
        .call_json(
            &admin,
            "calendar/feed-names",
            json!({ "practice": a, "on": true }),
        )
        .await
        .unwrap();
    let (_, ics) = fetch_feed(&d.app, &path).await;
    assert!(ics.contains("SUMMARY:Ada Lovelace · Visit\r\n"), "{ics}");
    assert!(
        common::count(
            &d.app.pool,
            "SELECT count(*) FROM audit_events WHERE action = 'calendar.feed_read'"
        )
        .await
            >= 2,
        "every read of a feed is audited"
    );

    // The list shows it with its last read; revoking stops the address at once.
    let feeds: app::calendar::model::Feeds = d
        .app
        .call_json(&clinician, "calendar/feeds", json!({ "practice": a }))
        .await
        .unwrap();
    assert_eq!(feeds.feeds.len(), 1);
    assert!(feeds.feeds[0].last_read_at.is_some() && feeds.patient_names && !feeds.may_set_names);
    let () = d
        .app
        .call_json(
            &clinician,
            "calendar/feed-revoke",
            json!({ "practice": a, "id": feeds.feeds[0].id }),
        )
        .await
        .unwrap();
    assert_eq!(fetch_feed(&d.app, &path).await.0, reqwest::StatusCode::NOT_FOUND);
    assert_eq!(
        fetch_feed(&d.app, "/feeds/not-a-token.ics").await.0,
        reqwest::StatusCode::NOT_FOUND
    );
    d.app.close().await;
}

#[sqlx::test(migrations = "../migrations")]
async fn feeds_never_cross_practices_or_roles(_: PgPoolOptions, conn: PgConnectOptions) {
    let d = desk(conn).await;
    let (a, b) = (d.w.a, d.w.b);
    let today = chrono::Utc::now().date_naive();
    let mut entry = d.appointment(&format!("{} 10:00", today + chrono::Duration::days(7)));
    entry["override_availability"] = json!(true);
    done(d.book(entry).await);
    let a_feed: String = d
        .app
        .call_json(
            &d.assistant,
            "calendar/feed-add",
            json!({ "practice": a, "provider": null, "label": "" }),
        )
        .await
        .unwrap();
    let a_feed_id = d
        .app
        .call_json::<app::calendar::model::Feeds>(&d.assistant, "calendar/feeds", json!({ "practice": a }))
        .await
        .unwrap()
        .feeds[0]
        .id;
    assert!(fetch_feed(&d.app, &feed_path(&a_feed))
        .await
        .1
        .contains("BEGIN:VEVENT"));

    // B's whole-practice feed carries none of A's entries.
    let b_admin = d.app.login(&d.w.b_admin.email).await;
    let b_feed: String = d
        .app
        .call_json(
            &b_admin,
            "calendar/feed-add",
            json!({ "practice": b, "provider": null, "label": "" }),
        )
        .await
        .unwrap();
    let (status, ics) = fetch_feed(&d.app, &feed_path(&b_feed)).await;
    assert_eq!(status, reqwest::StatusCode::OK);
    assert!(!ics.contains("BEGIN:VEVENT"), "{ics}");

    // Outsiders can neither list, make, revoke nor configure A's feeds.
    let calls = [
        ("calendar/feeds", json!({ "practice": a })),
        (
            "calendar/feed-add",
            json!({ "practice": a, "provider": null, "label": "" }),
        ),
        ("calendar/feed-revoke", json!({ "practice": a, "id": a_feed_id })),
        ("calendar/feed-names", json!({ "practice": a, "on": true })),
    ];
    d.refused_to_outsiders(&calls).await;
    // B's admin cannot revoke A's feed through B either.
    let revoked: Result<(), AppError> = d
        .app
        .call_json(
            &b_admin,
            "calendar/feed-revoke",
            json!({ "practice": b, "id": a_feed_id }),
        )
        .await;
    assert_eq!(revoked, Err(AppError::NotFound));
    // A clinician makes feeds of their own calendar only, and cannot revoke the practice's.
    let clinician = [d.w.a_clinician.email.as_str()];
    assert_refused_json(&d.app, &clinician, "calendar/feed-add", calls[1].1.clone()).await;
    assert_refused_json(
        &d.app,
        &clinician,
        "calendar/feed-add",
        json!({ "practice": a, "provider": d.w.a_assistant.id, "label": "" }),
    )
    .await;
    assert_refused_json(&d.app, &clinician, "calendar/feed-revoke", calls[2].1.clone()).await;
    assert!(
        fetch_feed(&d.app, &feed_path(&a_feed))
            .await
            .1
            .contains("BEGIN:VEVENT"),
        "A's feed still works"
    );
    assert_eq!(
        common::count(
            &d.app.pool,
            "SELECT count(*) FROM practices WHERE feed_patient_names"
        )
        .await,
        0
    );
    // Row-level security: B's scope sees none of A's feeds.
    let mut tx = app::db::begin(&d.app.pool, &app::db::Scope::Link { practice: b })
        .await
        .unwrap();
    let (n,): (i64,) = sqlx::query_as("SELECT count(*) FROM calendar_feeds WHERE practice_id = $1")
        .bind(a)
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(n, 0);
    tx.rollback().await.unwrap();
    d.app.close().await;
}

/// A Monday two to three weeks ahead, as "YYYY-MM-DD" (inside feeds' and links' reach).
fn monday_ahead() -> chrono::NaiveDate {
    let today = chrono::Utc::now().date_naive();
    today + chrono::Duration::days(14 - i64::from(chrono::Datelike::weekday(&today).num_days_from_monday()))
}

/// The (subject, body) of every queued mail to `to`, oldest first.
async fn outbox(app: &TestApp, to: &str) -> Vec<(String, String)> {
    let mut tx = app::db::begin(&app.pool, &app::db::Scope::All { user: None })
        .await
        .unwrap();
    let rows = sqlx::query_as(
        "SELECT subject, body_text FROM mail_outbox WHERE to_address = $1 ORDER BY created_at",
    )
    .bind(to)
    .fetch_all(&mut *tx)
    .await
    .unwrap();
    tx.rollback().await.unwrap();
    rows
}

/// The secret of the link in a notice's body.
fn link_token(body: &str) -> String {
    let at = body.find("/a/").expect("a link") + 3;
    body[at..].split_whitespace().next().unwrap().to_string()
}

#[sqlx::test(migrations = "../migrations")]
async fn a_cancellation_by_the_practice_tells_the_patient_once_without_a_link(
    _: PgPoolOptions,
    conn: PgConnectOptions,
) {
    let d = desk(conn).await;
    let day = monday_ahead();
    let booked = |time: &str| {
        let mut entry = d.appointment(&format!("{day} {time}"));
        entry["override_availability"] = json!(true);
        d.book(entry)
    };
    let id = done(booked("10:00").await)[0];
    let cancel = |version: i32, reason: &str| {
        d.app.call_json::<()>(
            &d.assistant,
            "calendar/status",
            json!({ "practice": d.w.a, "id": id, "version": version, "status": "cancelled", "reason": reason }),
        )
    };
    assert!(cancel(1, " ").await.is_err(), "a cancellation needs a reason");
    assert_eq!(
        outbox(&d.app, "ada@example.com").await.len(),
        1,
        "the booking's notice only"
    );

    cancel(1, "Dr out sick; patient's rash worse").await.unwrap();
    let mails = outbox(&d.app, "ada@example.com").await;
    assert_eq!(mails.len(), 2);
    let (subject, body) = &mails[1];
    assert_eq!(subject, "Your appointment is cancelled");
    assert!(
        body.contains("Practice A has cancelled your appointment."),
        "{body}"
    );
    let when = format!("{} at 10:00 (America/New_York)", day.format("%A, %-d %B %Y"));
    assert!(body.contains(&format!("When: {when}\n")), "{body}");
    assert!(body.contains("please call the practice"), "{body}");
    assert!(
        !body.contains("/a/") && !body.contains("Lovelace") && !body.contains("rash"),
        "no link to answer, no patient data, not the reason: {body}"
    );

    // A patient who cancels from their own link is not told what they just did.
    done(booked("11:00").await);
    let mails = outbox(&d.app, "ada@example.com").await;
    let token = link_token(&mails.last().unwrap().1);
    let answered: LinkView = d
        .app
        .call_json(
            &d.app.client(),
            "appointment/answer",
            json!({ "token": token, "confirm": false }),
        )
        .await
        .unwrap();
    assert_eq!(answered.status, Status::Cancelled);
    assert_eq!(outbox(&d.app, "ada@example.com").await.len(), mails.len());
}

/// Runs `sql` as the database's owner (past row-level security and the app's grants).
async fn as_owner(app: &TestApp, sql: &str) {
    use sqlx::Connection;
    let mut c = sqlx::PgConnection::connect_with(&app.owner).await.unwrap();
    sqlx::query(sql).execute(&mut c).await.unwrap();
}

/// Counts as the database's owner: rows no application transaction may see.
async fn owner_count(app: &TestApp, sql: &str) -> i64 {
    use sqlx::Connection;
    let mut c = sqlx::PgConnection::connect_with(&app.owner).await.unwrap();
    sqlx::query_scalar(sql).fetch_one(&mut c).await.unwrap()
}

#[sqlx::test(migrations = "../migrations")]
async fn a_change_is_undone_by_its_maker_for_a_while_and_its_notice_never_leaves(
    _: PgPoolOptions,
    conn: PgConnectOptions,
) {
    let d = desk(conn).await;
    let a = d.w.a;
    let mails = || async { outbox(&d.app, "ada@example.com").await.len() };
    let undo = |client: &reqwest::Client, undo: UndoId| {
        let client = client.clone();
        let app = &d.app;
        async move {
            app.call_json::<EntryId>(&client, "calendar/undo", json!({ "practice": a, "undo": undo }))
                .await
        }
    };
    let said = |r: Result<EntryId, AppError>, words: &str| match r {
        Err(AppError::Invalid(m)) => assert!(m.contains(words), "{m}"),
        other => panic!("expected a refusal saying {words:?}, got {other:?}"),
    };
    let undo_of = |o: Outcome| match o {
        Outcome::Done { undo: Some(u), .. } => u,
        other => panic!("expected a change that can be undone, got {other:?}"),
    };
    let view = || async { d.view("2027-03-01", 1).await.entries };
    let now = || async {
        let e = view().await;
        assert_eq!(e.len(), 1, "{e:?}");
        (e[0].start_local, e[0].version, e[0].status)
    };
    let move_to = |id: EntryId, version: i32, start: &str, notify: bool| {
        d.app.call_json::<Outcome>(
            &d.assistant,
            "calendar/move",
            json!({ "practice": a, "id": id, "version": version, "start": at(start), "provider": null,
                    "room": null, "override_availability": false, "notify": notify }),
        )
    };

    // A booking: its notice waits while it can be undone; undone, the appointment is
    // cancelled, its time free, and the patient hears nothing.
    let booked = d.book(d.appointment("2027-03-01 10:00")).await;
    let first = done(booked.clone())[0];
    assert_eq!(mails().await, 1);
    assert_eq!(
        common::count(
            &d.app.pool,
            "SELECT count(*) FROM mail_outbox WHERE next_attempt_at > now() + interval '20 seconds'"
        )
        .await,
        1,
        "the notice is held"
    );
    let u = undo_of(booked);
    assert_eq!(undo(&d.assistant, u).await, Ok(first));
    assert_eq!(mails().await, 0);
    assert!(view().await.is_empty(), "an undone booking leaves the calendar");
    said(undo(&d.assistant, u).await, "already");

    // A move, undone: back where it was; its notice withdrawn, the booking's kept. Only who
    // made it may undo it.
    let id = done(d.book(d.appointment("2027-03-01 10:00")).await)[0];
    assert_eq!(mails().await, 1);
    let m = undo_of(move_to(id, 1, "2027-03-01 11:00", true).await.unwrap());
    assert_eq!(mails().await, 2);
    let admin = d.app.login(&d.w.a_admin.email).await;
    assert!(
        matches!(
            undo(&admin, m).await,
            Err(AppError::NotFound | AppError::Forbidden)
        ),
        "another member of the practice"
    );
    assert_eq!(undo(&d.assistant, m).await, Ok(id));
    assert_eq!(mails().await, 1);
    assert_eq!(now().await, (at("2027-03-01 10:00"), 3, Status::Scheduled));

    // Not telling the patient: no notice at all.
    let _ = undo_of(move_to(id, 3, "2027-03-01 11:00", false).await.unwrap());
    assert_eq!(mails().await, 1);

    // A cancellation, undone: the appointment holds its time again.
    let cancelled: Option<UndoId> = d
        .app
        .call_json(
            &d.assistant,
            "calendar/status",
            json!({ "practice": a, "id": id, "version": 4, "status": "cancelled", "reason": "Feeling better" }),
        )
        .await
        .unwrap();
    assert_eq!(mails().await, 2, "the cancellation notice, held");
    assert_eq!(undo(&d.assistant, cancelled.unwrap()).await, Ok(id));
    assert_eq!(mails().await, 1);
    assert_eq!(now().await, (at("2027-03-01 11:00"), 6, Status::Scheduled));
    assert!(
        matches!(
            d.book(d.appointment("2027-03-01 11:00")).await,
            Outcome::Conflict { .. }
        ),
        "its time is held again"
    );

    // Refused, changing nothing: someone changed it since; too late; its notice has left;
    // its old time is taken now.
    let m = undo_of(move_to(id, 6, "2027-03-01 14:00", true).await.unwrap());
    let _: Option<UndoId> = d
        .app
        .call_json(
            &d.assistant,
            "calendar/status",
            json!({ "practice": a, "id": id, "version": 7, "status": "confirmed", "reason": null }),
        )
        .await
        .unwrap();
    said(undo(&d.assistant, m).await, "since");
    assert_eq!(now().await, (at("2027-03-01 14:00"), 8, Status::Confirmed));

    let m = undo_of(move_to(id, 8, "2027-03-01 15:00", true).await.unwrap());
    as_owner(
        &d.app,
        "UPDATE entry_undos SET made_at = now() - interval '1 minute'",
    )
    .await;
    said(undo(&d.assistant, m).await, "too late");

    let m = undo_of(move_to(id, 9, "2027-03-01 16:00", true).await.unwrap());
    as_owner(
        &d.app,
        "UPDATE mail_outbox SET sent_at = now() WHERE sent_at IS NULL",
    )
    .await;
    said(undo(&d.assistant, m).await, "left");
    assert_eq!(now().await.0, at("2027-03-01 16:00"));

    let m = undo_of(move_to(id, 10, "2027-03-01 09:00", true).await.unwrap());
    let mut other = d.appointment("2027-03-01 16:00");
    other["patient"] = json!(d.add_patient("Grace Hopper", "", "").await);
    done(d.book(other).await);
    said(undo(&d.assistant, m).await, "taken");
    assert_eq!(
        view().await.iter().find(|e| e.id == id).map(|e| e.start_local),
        Some(at("2027-03-01 09:00"))
    );

    // The history and the access log name every undo that happened, and only those.
    let undone = "SELECT count(*) FROM entry_history WHERE action = 'undone'";
    assert_eq!(common::count(&d.app.pool, undone).await, 3);
    let logged = "SELECT count(*) FROM audit_events WHERE action = 'appointment.undo'";
    assert_eq!(common::count(&d.app.pool, logged).await, 3);
    d.refused_to_outsiders(&[("calendar/undo", json!({ "practice": a, "undo": m }))])
        .await;

    // Housekeeping removes the kept changes a day old, and only those.
    let kept = "SELECT count(*) FROM entry_undos";
    let all = owner_count(&d.app, kept).await;
    assert!(all > 2, "{all} changes kept");
    as_owner(
        &d.app,
        "UPDATE entry_undos SET made_at = now() - interval '2 days' WHERE id IN (SELECT id FROM entry_undos ORDER BY made_at LIMIT 2)",
    )
    .await;
    assert_eq!(server::housekeeping(&d.app.pool).await.unwrap(), 2);
    assert_eq!(owner_count(&d.app, kept).await, all - 2);
    d.app.close().await;
}

#[sqlx::test(migrations = "../migrations")]
async fn weekly_hours_outside_the_opening_hours_are_saved_with_a_warning(
    _: PgPoolOptions,
    conn: PgConnectOptions,
) {
    let d = desk(conn).await;
    as_owner(
        &d.app,
        &format!(
            r#"UPDATE practices SET business_hours = '{{"mon": [["08:00", "17:00"]], "tue": [["08:00", "17:00"]]}}'
               WHERE id = '{}'"#,
            d.w.a
        ),
    )
    .await;
    let set = |days: [&str; 7]| {
        d.app.call_json::<Vec<String>>(
            &d.assistant,
            "calendar/weekly-hours",
            json!({ "practice": d.w.a, "provider": d.w.a_clinician.id, "from": "2027-01-01", "days": days }),
        )
    };
    assert_eq!(
        set(["08:00-12:00", "13:00-17:00", "", "", "", "", ""]).await,
        Ok(vec![])
    );
    let warned = set(["07:30-12:00", "13:00-17:00", "09:00-12:00", "", "", "", ""])
        .await
        .unwrap();
    assert_eq!(
        warned,
        vec![
            "Monday: 07:30-12:00 is outside the practice's opening hours (08:00-17:00).".to_string(),
            "Wednesday: the practice is closed then, yet this clinician can be booked.".to_string(),
        ]
    );
    let hours: Vec<String> = d
        .app
        .call_json(
            &d.assistant,
            "calendar/weekly-hours-get",
            json!({ "practice": d.w.a, "provider": d.w.a_clinician.id, "on": "2027-01-04" }),
        )
        .await
        .unwrap();
    assert_eq!(
        hours[0], "07:30-12:00",
        "saved all the same: the clinician's hours are theirs"
    );
    d.app.close().await;
}

#[sqlx::test(migrations = "../migrations")]
async fn patients_hear_of_bookings_and_moves_and_confirm_or_cancel_by_link(
    _: PgPoolOptions,
    conn: PgConnectOptions,
) {
    let d = desk(conn).await;
    let day = monday_ahead();
    let mut entry = d.appointment(&format!("{day} 10:00"));
    entry["override_availability"] = json!(true);
    let id = done(d.book(entry).await)[0];
    let mails = outbox(&d.app, "ada@example.com").await;
    assert_eq!(mails.len(), 1);
    let (subject, body) = &mails[0];
    assert_eq!(subject, "Your appointment is booked");
    let when = format!("{} at 10:00 (America/New_York)", day.format("%A, %-d %B %Y"));
    assert!(
        body.contains("Practice A has booked an appointment for you."),
        "{body}"
    );
    assert!(body.contains(&format!("When: {when}\n")), "{body}");
    assert!(
        !body.contains("Lovelace") && !body.contains("Visit"),
        "no patient data in the mail: {body}"
    );

    // The patient opens the link (no sign-in) and confirms.
    let patient = d.app.client();
    let token = link_token(body);
    let shown: LinkView = d
        .app
        .call_json(&patient, "appointment/link", json!({ "token": token }))
        .await
        .unwrap();
    assert_eq!(
        (shown.status, shown.open, shown.when.as_str()),
        (Status::Scheduled, true, when.as_str())
    );
    // The patient's own look at it is in the access log, naming them and no member of staff.
    let viewed = format!(
        "SELECT count(*) FROM audit_events WHERE action = 'appointment.link_view' AND practice_id = '{}'
           AND actor_user_id IS NULL AND patient_ids = ARRAY['{}'::uuid]",
        d.w.a, d.patient
    );
    assert_eq!(common::count(&d.app.pool, &viewed).await, 1);
    let confirmed: LinkView = d
        .app
        .call_json(
            &patient,
            "appointment/answer",
            json!({ "token": token, "confirm": true }),
        )
        .await
        .unwrap();
    assert_eq!(confirmed.status, Status::Confirmed);
    let view = d.view(&day.to_string(), 1).await;
    assert_eq!(
        (view.entries[0].status, view.entries[0].version),
        (Status::Confirmed, 2)
    );

    // Moved: the patient is told again, with a new link, and cancels with it.
    let moved = d
        .app
        .call_json::<Outcome>(
            &d.assistant,
            "calendar/move",
            json!({ "practice": d.w.a, "id": id, "version": 2, "start": at(&format!("{day} 11:00")), "provider": null, "room": null, "override_availability": true }),
        )
        .await
        .unwrap();
    done(moved);
    let mails = outbox(&d.app, "ada@example.com").await;
    assert_eq!(mails.len(), 2);
    assert_eq!(mails[1].0, "Your appointment has moved");
    assert!(mails[1].1.contains("at 11:00 (America/New_York)"));
    let token2 = link_token(&mails[1].1);
    // Moved back and there again: told each time.
    for (version, time) in [(3, "10:00"), (4, "11:00")] {
        let args = json!({ "practice": d.w.a, "id": id, "version": version, "start": at(&format!("{day} {time}")),
                           "provider": null, "room": null, "override_availability": true });
        done(
            d.app
                .call_json::<Outcome>(&d.assistant, "calendar/move", args)
                .await
                .unwrap(),
        );
    }
    assert_eq!(outbox(&d.app, "ada@example.com").await.len(), 4);
    let cancelled: LinkView = d
        .app
        .call_json(
            &patient,
            "appointment/answer",
            json!({ "token": token2, "confirm": false }),
        )
        .await
        .unwrap();
    assert_eq!((cancelled.status, cancelled.open), (Status::Cancelled, false));
    assert!(
        d.view(&day.to_string(), 1).await.entries.is_empty(),
        "cancelled: off the calendar"
    );
    assert_eq!(
        common::count(&d.app.pool, "SELECT count(*) FROM busy_claims").await,
        0,
        "its time is free again"
    );
    assert_eq!(
        common::count(
            &d.app.pool,
            "SELECT count(*) FROM entry_history WHERE action = 'status' AND actor_user_id IS NULL"
        )
        .await,
        2,
        "the patient's answers are in the history"
    );

    // A cancelled appointment cannot be confirmed again; an unknown link finds nothing.
    let again: Result<LinkView, AppError> = d
        .app
        .call_json(
            &patient,
            "appointment/answer",
            json!({ "token": token, "confirm": true }),
        )
        .await;
    assert!(matches!(again, Err(AppError::Invalid(_))), "{again:?}");
    let unknown: Result<LinkView, AppError> = d
        .app
        .call_json(&patient, "appointment/link", json!({ "token": "made-up" }))
        .await;
    assert_eq!(unknown, Err(AppError::NotFound));
    assert_eq!(
        common::count(
            &d.app.pool,
            "SELECT count(*) FROM audit_events WHERE action = 'appointment.patient_answer'"
        )
        .await,
        2
    );
    d.app.close().await;
}

#[sqlx::test(migrations = "../migrations")]
async fn reminders_go_out_once_per_lead_time_through_smtp(_: PgPoolOptions, conn: PgConnectOptions) {
    let (sink, url) = common::SmtpSink::start();
    let d = desk_with(conn, |c| c.smtp_url = Some(url.clone())).await;
    let soon = chrono::Utc::now() + chrono::Duration::hours(30);
    let tz: chrono_tz::Tz = "America/New_York".parse().unwrap();
    let local = soon.with_timezone(&tz).format("%Y-%m-%d %H:00").to_string();
    let mut entry = d.appointment(&local);
    entry["override_availability"] = json!(true);
    done(d.book(entry).await);
    // The booking's notice waits while the booking can be undone: past that, it leaves.
    as_owner(&d.app, "UPDATE mail_outbox SET next_attempt_at = now()").await;
    assert_eq!(sink.wait_for(1).await[0].to, vec!["ada@example.com".to_string()]);
    // Booked just now, inside the 48-hour lead: the booking mail was the reminder.
    let url = "http://127.0.0.1";
    assert_eq!(
        app::calendar::notices::queue_reminders(&d.app.pool, url)
            .await
            .unwrap(),
        0
    );
    // Booked three days ago instead: one reminder, once, however often the worker looks.
    common::exec(
        &d.app.pool,
        "UPDATE entries SET updated_at = now() - interval '3 days'",
    )
    .await;
    assert_eq!(
        app::calendar::notices::queue_reminders(&d.app.pool, url)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        app::calendar::notices::queue_reminders(&d.app.pool, url)
            .await
            .unwrap(),
        0
    );
    let received = sink.wait_for(2).await;
    assert!(
        received[1].raw.contains("Subject: Appointment reminder"),
        "{}",
        received[1].raw
    );
    // Another lead time the appointment is inside of: one more reminder, then none.
    common::exec(&d.app.pool, "UPDATE practices SET reminder_hours = '{48, 36, 2}'").await;
    assert_eq!(
        app::calendar::notices::queue_reminders(&d.app.pool, url)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        app::calendar::notices::queue_reminders(&d.app.pool, url)
            .await
            .unwrap(),
        0
    );
    assert_eq!(sink.wait_for(3).await.len(), 3);
    d.app.close().await;
}

#[sqlx::test(migrations = "../migrations")]
async fn a_clinician_out_moves_every_affected_appointment_at_once(_: PgPoolOptions, conn: PgConnectOptions) {
    let d = desk(conn).await;
    let a = d.w.a;
    let bob = d.add_patient("Bob Byrne", "555 0199", "").await;
    let ada_id = done(d.book(d.appointment("2027-03-01 10:00")).await)[0];
    let mut second = d.appointment("2027-03-01 11:00");
    second["patient"] = json!(bob);
    let bob_id = done(d.book(second).await)[0];
    let out = |choices: serde_json::Value| {
        json!({ "practice": a, "provider": d.w.a_clinician.id, "from": at("2027-03-01 00:00"),
                "to": at("2027-03-02 00:00"), "note": "Conference", "choices": choices })
    };

    // The plan proposes a slot for each, the second's clear of the first's; it changes nothing.
    let rows: Vec<OutRow> = d
        .app
        .call_json(
            &d.assistant,
            "calendar/out-plan",
            json!({ "practice": a, "provider": d.w.a_clinician.id, "from": at("2027-03-01 00:00"), "to": at("2027-03-02 00:00") }),
        )
        .await
        .unwrap();
    assert_eq!(
        rows.iter().map(|r| r.id).collect::<Vec<_>>(),
        vec![ada_id, bob_id]
    );
    assert_eq!((rows[0].has_email, rows[1].has_email), (true, false));
    let (first, second) = (&rows[0].offers[0], &rows[1].offers[0]);
    assert_eq!(first.start_local, at("2027-03-02 09:00"), "the nearest free time");
    assert!(
        second.start_local >= first.end_local + chrono::Duration::minutes(15),
        "{second:?}"
    );
    assert_eq!(d.view("2027-03-01", 1).await.entries.len(), 2);
    assert_eq!(
        common::count(&d.app.pool, "SELECT count(*) FROM availability_exceptions").await,
        0
    );

    // A chosen time that is not free (the provider is out then) changes nothing at all.
    let mut bad = rows[1].offers[0].clone();
    bad.start_local = at("2027-03-01 14:00");
    let refused: Result<OutDone, AppError> = d
        .app
        .call_json(
            &d.assistant,
            "calendar/out-apply",
            out(json!([{ "id": ada_id, "version": 1, "to": first }, { "id": bob_id, "version": 1, "to": bad }])),
        )
        .await;
    assert!(matches!(refused, Err(AppError::Invalid(_))), "{refused:?}");
    assert_eq!(d.view("2027-03-01", 1).await.entries.len(), 2);
    assert_eq!(
        common::count(&d.app.pool, "SELECT count(*) FROM availability_exceptions").await,
        0
    );

    // Accepting both: moved together, Ada e-mailed, Bob on the call-back list.
    let applied: OutDone = d
        .app
        .call_json(
            &d.assistant,
            "calendar/out-apply",
            out(json!([{ "id": ada_id, "version": 1, "to": first }, { "id": bob_id, "version": 1, "to": second }])),
        )
        .await
        .unwrap();
    assert_eq!((applied.moved, applied.emailed, applied.call_backs), (2, 1, 1));
    assert!(d.view("2027-03-01", 1).await.entries.is_empty());
    let next_day = d.view("2027-03-02", 1).await;
    assert_eq!(
        next_day.entries.iter().map(|e| e.start_local).collect::<Vec<_>>(),
        vec![first.start_local, second.start_local]
    );
    assert!(
        next_day.open[0]
            .1
            .iter()
            .all(|(s, _)| s.date().to_string() == "2027-03-02"),
        "open hours of the day after are untouched"
    );
    assert_eq!(
        outbox(&d.app, "ada@example.com").await.last().unwrap().0,
        "Your appointment has moved"
    );
    let list: Vec<CallBack> = d
        .app
        .call_json(&d.assistant, "calendar/call-backs", json!({ "practice": a }))
        .await
        .unwrap();
    assert_eq!(
        (list.len(), list[0].patient.as_str(), list[0].phone.as_str()),
        (1, "Bob Byrne", "555 0199")
    );
    // The call-back is a task of the front desk's, linked to Bob and his appointment.
    let task: app::tasks::model::TaskDetail = d
        .app
        .call_json(
            &d.assistant,
            "tasks/task",
            json!({ "practice": a, "task": list[0].id }),
        )
        .await
        .unwrap();
    assert_eq!(
        (
            task.row.type_name.as_str(),
            task.row.title.as_str(),
            task.row.status,
            task.patient.as_ref().map(|p| p.1.as_str()),
            task.entry.map(|e| e.0),
        ),
        (
            "Call-back",
            app::tasks::db::CALL_BACK_TITLE,
            app::tasks::model::Status::New,
            Some("Bob Byrne"),
            Some(bob_id.0),
        )
    );
    let () = d
        .app
        .call_json(
            &d.assistant,
            "calendar/call-back-done",
            json!({ "practice": a, "id": list[0].id }),
        )
        .await
        .unwrap();
    let done = format!(
        "SELECT count(*) FROM audit_events WHERE action = 'calendar.call_back_done' AND practice_id = '{a}'
           AND patient_ids = ARRAY['{}'::uuid]",
        list[0].patient_id
    );
    assert_eq!(
        common::count(&d.app.pool, &done).await,
        1,
        "marking it done is audited, naming the patient"
    );
    let list: Vec<CallBack> = d
        .app
        .call_json(&d.assistant, "calendar/call-backs", json!({ "practice": a }))
        .await
        .unwrap();
    assert!(list.is_empty());
    let task: app::tasks::model::TaskDetail = d
        .app
        .call_json(
            &d.assistant,
            "tasks/task",
            json!({ "practice": a, "task": task.row.id }),
        )
        .await
        .unwrap();
    assert_eq!(task.row.status, app::tasks::model::Status::Done);
    assert_eq!(
        task.events.last().map(|e| e.what.as_str()),
        Some("Marked it done")
    );

    // Outsiders are refused everything; a clinician marks only themself out.
    let calls = [
        (
            "calendar/out-plan",
            json!({ "practice": a, "provider": d.w.a_clinician.id, "from": at("2027-03-03 00:00"), "to": at("2027-03-04 00:00") }),
        ),
        ("calendar/out-apply", out(json!([]))),
        ("calendar/call-backs", json!({ "practice": a })),
        (
            "calendar/call-back-done",
            json!({ "practice": a, "id": uuid::Uuid::nil() }),
        ),
    ];
    d.refused_to_outsiders(&calls).await;
    let clinician = [d.w.a_clinician.email.as_str()];
    assert_refused_json(
        &d.app,
        &clinician,
        "calendar/out-plan",
        json!({ "practice": a, "provider": d.w.a_admin.id, "from": at("2027-03-03 00:00"), "to": at("2027-03-04 00:00") }),
    )
    .await;
    assert_eq!(
        common::count(&d.app.pool, "SELECT count(*) FROM availability_exceptions").await,
        1
    );
    d.app.close().await;
}

#[sqlx::test(migrations = "../migrations")]
async fn a_series_moves_and_cancels_this_following_or_all_and_keeps_its_exceptions(
    _: PgPoolOptions,
    conn: PgConnectOptions,
) {
    let d = desk(conn).await;
    let a = d.w.a;
    let mut series = d.appointment("2027-03-01 09:00");
    series["rrule"] = json!("FREQ=WEEKLY;COUNT=4");
    let ids = done(d.book(series).await);
    assert_eq!(ids.len(), 4);
    let starts = |view: View| -> Vec<(EntryId, NaiveDateTime)> {
        view.entries
            .iter()
            .filter(|e| e.series_id.is_some())
            .map(|e| (e.id, e.start_local))
            .collect()
    };
    let version = |view: &View, id: EntryId| view.entries.iter().find(|e| e.id == id).unwrap().version;
    let move_to = |id: EntryId, version: i32, start: &str, reach: &str| {
        json!({ "practice": a, "id": id, "version": version, "start": at(start), "provider": null,
                "room": null, "override_availability": false, "reach": reach })
    };
    let call_move = async |args: serde_json::Value| -> Outcome {
        d.app
            .call_json(&d.assistant, "calendar/move", args)
            .await
            .unwrap()
    };

    // The second alone to 10:00: an exception of the series.
    done(call_move(move_to(ids[1], 1, "2027-03-08 10:00", "this")).await);
    // All to 11:00 from the first: the others follow, the exception keeps its time.
    done(call_move(move_to(ids[0], 1, "2027-03-01 11:00", "all")).await);
    let view = d.view("2027-03-01", 28).await;
    assert_eq!(
        starts(view.clone()),
        vec![
            (ids[0], at("2027-03-01 11:00")),
            (ids[1], at("2027-03-08 10:00")),
            (ids[2], at("2027-03-15 11:00")),
            (ids[3], at("2027-03-22 11:00")),
        ]
    );
    // The third and following a day later (Tuesday): the first stays.
    done(
        call_move(move_to(
            ids[2],
            version(&view, ids[2]),
            "2027-03-16 11:00",
            "following",
        ))
        .await,
    );
    let view = d.view("2027-03-01", 28).await;
    assert_eq!(
        starts(view.clone()).iter().map(|(_, t)| *t).collect::<Vec<_>>(),
        vec![
            at("2027-03-01 11:00"),
            at("2027-03-08 10:00"),
            at("2027-03-16 11:00"),
            at("2027-03-23 11:00")
        ]
    );

    // A shift that does not fit for one occurrence changes none of them.
    let mut other = d.appointment("2027-03-23 14:00");
    other["patient"] = json!(d.patient);
    done(d.book(other).await);
    match call_move(move_to(
        ids[2],
        version(&view, ids[2]),
        "2027-03-16 14:00",
        "following",
    ))
    .await
    {
        Outcome::Conflict { clashes, .. } => assert_eq!(clashes[0].0, at("2027-03-23 14:00")),
        other => panic!("expected the clash of the fourth occurrence: {other:?}"),
    }
    let after = d.view("2027-03-01", 28).await;
    assert_eq!(starts(after.clone()), starts(view.clone()), "nothing moved");

    // Cancelling the third and following; then all that is left, the exception included.
    let cancel = |id: EntryId, version: i32, reach: &str| json!({ "practice": a, "id": id, "version": version, "status": "cancelled", "reason": "Course ended", "reach": reach });
    let () = d
        .app
        .call_json(
            &d.assistant,
            "calendar/status",
            cancel(ids[2], version(&after, ids[2]), "following"),
        )
        .await
        .unwrap();
    let view = d.view("2027-03-01", 28).await;
    assert_eq!(
        starts(view.clone()).iter().map(|(id, _)| *id).collect::<Vec<_>>(),
        vec![ids[0], ids[1]]
    );
    let () = d
        .app
        .call_json(
            &d.assistant,
            "calendar/status",
            cancel(ids[0], version(&view, ids[0]), "all"),
        )
        .await
        .unwrap();
    assert!(starts(d.view("2027-03-01", 28).await).is_empty());
    // Other statuses apply to one occurrence only.
    let refused: Result<(), AppError> = d
        .app
        .call_json(
            &d.assistant,
            "calendar/status",
            json!({ "practice": a, "id": ids[0], "version": 1, "status": "arrived", "reason": null, "reach": "all" }),
        )
        .await;
    assert!(matches!(refused, Err(AppError::Invalid(_))));
    d.app.close().await;
}

#[sqlx::test(migrations = "../migrations")]
async fn a_series_takes_a_new_rule_keeping_the_occurrences_it_still_has(
    _: PgPoolOptions,
    conn: PgConnectOptions,
) {
    let d = desk(conn).await;
    let a = d.w.a;
    let mut series = d.appointment("2027-03-01 09:00");
    series["rrule"] = json!("FREQ=WEEKLY;COUNT=6");
    let ids = done(d.book(series).await);
    assert_eq!(ids.len(), 6, "Mondays 1 March to 5 April");
    let entry = |view: &View, id: EntryId| view.entries.iter().find(|e| e.id == id).cloned();
    // The occurrences of series from 1 March, twelve weeks.
    let series_view = async || {
        let mut v = d.view("2027-03-01", 42).await;
        v.entries.extend(d.view("2027-04-12", 42).await.entries);
        v.entries.retain(|e| e.series_id.is_some());
        v
    };
    // The third is confirmed; the fourth moved alone to 10:00.
    let () = d
        .app
        .call_json(
            &d.assistant,
            "calendar/status",
            json!({ "practice": a, "id": ids[2], "version": 1, "status": "confirmed", "reason": null, "reach": null }),
        )
        .await
        .unwrap();
    done(
        d.app
            .call_json(
                &d.assistant,
                "calendar/move",
                json!({ "practice": a, "id": ids[3], "version": 1, "start": at("2027-03-22 10:00"), "provider": null,
                        "room": null, "override_availability": false, "reach": "this" }),
            )
            .await
            .unwrap(),
    );
    let rule = |id: EntryId, version: i32, rrule: &str, reach: &str| {
        json!({ "practice": a, "id": id, "version": version, "rrule": rrule, "reach": reach,
                "override_availability": false, "skip_conflicts": false })
    };
    let change = async |args: serde_json::Value| -> Result<Outcome, AppError> {
        d.app.call_json(&d.assistant, "calendar/rule", args).await
    };
    let before = series_view().await;

    // Refused with a reason, changing nothing: one occurrence alone, a rule not offered,
    // a stale version, a booking that does not repeat.
    for (args, why) in [
        (
            rule(ids[2], 2, "FREQ=WEEKLY;INTERVAL=2", "this"),
            "this one alone",
        ),
        (rule(ids[2], 2, "FREQ=YEARLY", "following"), "yearly"),
        (rule(ids[2], 1, "FREQ=WEEKLY;INTERVAL=2", "following"), "stale"),
    ] {
        assert!(matches!(change(args).await, Err(AppError::Invalid(_))), "{why}");
    }
    let single = done(d.book(d.appointment("2027-03-03 09:00")).await)[0];
    assert!(matches!(
        change(rule(single, 1, "FREQ=WEEKLY", "all")).await,
        Err(AppError::Invalid(_))
    ));
    assert_eq!(series_view().await, before);

    // From the third on, every two weeks, three times: 15 March, 29 March, 12 April.
    let mails_before = outbox(&d.app, "ada@example.com").await.len();
    let made = done(
        change(rule(ids[2], 2, "FREQ=WEEKLY;INTERVAL=2;COUNT=3", "following"))
            .await
            .unwrap(),
    );
    assert_eq!(
        &made[..3],
        &[ids[2], ids[3], ids[4]],
        "kept: the confirmed, the moved, the 29th"
    );
    assert_eq!(made.len(), 4, "and 12 April booked");
    let view = series_view().await;
    let series_starts: Vec<(EntryId, NaiveDateTime)> =
        view.entries.iter().map(|e| (e.id, e.start_local)).collect();
    assert_eq!(
        series_starts,
        vec![
            (ids[0], at("2027-03-01 09:00")),
            (ids[1], at("2027-03-08 09:00")),
            (ids[2], at("2027-03-15 09:00")),
            (ids[3], at("2027-03-22 10:00")),
            (ids[4], at("2027-03-29 09:00")),
            (made[3], at("2027-04-12 09:00")),
        ]
    );
    let third = entry(&view, ids[2]).unwrap();
    assert_eq!(
        third.status,
        Status::Confirmed,
        "a kept occurrence keeps its confirmation"
    );
    assert_eq!(third.repeats.as_deref(), Some("Every 2 weeks, 3 times"));
    assert_ne!(third.series_id, entry(&before, ids[2]).unwrap().series_id);
    assert_eq!(entry(&view, made[3]).unwrap().series_id, third.series_id);
    assert_eq!(
        entry(&view, ids[0]).unwrap().repeats.as_deref(),
        Some("Every week, until 2027-03-14"),
        "the old series ends before the new rule"
    );
    // 5 April is cancelled, with its reason, not deleted.
    let mut tx = app::db::begin(&d.app.pool, &app::db::Scope::All { user: None })
        .await
        .unwrap();
    let (status, reason): (String, Option<String>) =
        sqlx::query_as("SELECT status::text, cancel_reason FROM entries WHERE id = $1")
            .bind(ids[5])
            .fetch_one(&mut *tx)
            .await
            .unwrap();
    tx.rollback().await.unwrap();
    assert_eq!(status, "cancelled");
    assert!(reason.unwrap().contains("repeat rule changed"));
    // The patient hears once; the mail names no patient.
    let mails = outbox(&d.app, "ada@example.com").await;
    assert_eq!(mails.len(), mails_before + 1);
    let (subject, body) = mails.last().unwrap();
    assert_eq!(subject, "Your repeating appointments have changed");
    assert!(
        body.contains("15 March 2027") && !body.contains("Lovelace"),
        "{body}"
    );

    // A new rule that runs into another booking changes nothing, unless told to leave the
    // clashing occurrence out.
    let mut other = d.appointment("2027-04-19 09:00");
    other["patient"] = json!(d.add_patient("Grace Hopper", "555 0101", "").await);
    done(d.book(other).await);
    let weekly = |version: i32, skip: bool| {
        let mut args = rule(ids[2], version, "FREQ=WEEKLY;COUNT=6", "all");
        args["skip_conflicts"] = json!(skip);
        args
    };
    let v = third.version;
    match change(weekly(v, false)).await.unwrap() {
        Outcome::Conflict { clashes, .. } => {
            assert_eq!(
                clashes.iter().map(|c| c.0).collect::<Vec<_>>(),
                vec![at("2027-04-19 09:00")]
            )
        }
        other => panic!("expected the 19 April clash, got {other:?}"),
    }
    assert_eq!(series_view().await, view, "nothing changed");
    let made = done(change(weekly(v, true)).await.unwrap());
    let view = series_view().await;
    let weekly_starts: Vec<NaiveDateTime> = view
        .entries
        .iter()
        .filter(|e| e.series_id == entry(&view, ids[2]).unwrap().series_id)
        .map(|e| e.start_local)
        .collect();
    assert_eq!(
        weekly_starts,
        vec![
            at("2027-03-15 09:00"),
            at("2027-03-22 10:00"),
            at("2027-03-29 09:00"),
            at("2027-04-05 09:00"),
            at("2027-04-12 09:00"),
        ],
        "the moved one stands for 22 March; 19 April is left out"
    );
    assert_eq!(made.len(), 5);
    // Each change that took is in the practice's access log, naming the patient.
    let logged = common::count(
        &d.app.pool,
        &format!(
            "SELECT count(*) FROM audit_events WHERE action = 'appointment.rule' AND patient_id = '{}'",
            d.patient
        ),
    )
    .await;
    assert_eq!(logged, 2);

    // Practice B's people, the agency admin and a request without a session are refused.
    d.refused_to_outsiders(&[("calendar/rule", rule(ids[2], 1, "FREQ=DAILY;COUNT=2", "all"))])
        .await;
    d.app.close().await;
}

#[sqlx::test(migrations = "../migrations")]
async fn the_first_waiting_patient_to_claim_a_freed_slot_gets_it(_: PgPoolOptions, conn: PgConnectOptions) {
    let d = desk(conn).await;
    let a = d.w.a;
    let cy = d.add_patient("Cy Young", "", "cy@example.com").await;
    let ada_id = done(d.book(d.appointment("2027-03-10 09:00")).await)[0];
    let mut later = d.appointment("2027-03-10 10:00");
    later["patient"] = json!(cy);
    let cy_id = done(d.book(later).await)[0];
    for id in [ada_id, cy_id] {
        let _: uuid::Uuid = d
            .app
            .call_json(
                &d.assistant,
                "calendar/waitlist-add",
                json!({ "practice": a, "entry": id, "earliest": "2027-03-01", "latest": "2027-03-09", "note": "" }),
            )
            .await
            .unwrap();
    }
    let twice: Result<uuid::Uuid, AppError> = d
        .app
        .call_json(
            &d.assistant,
            "calendar/waitlist-add",
            json!({ "practice": a, "entry": ada_id, "earliest": "2027-03-01", "latest": "2027-03-09", "note": "" }),
        )
        .await;
    assert!(matches!(twice, Err(AppError::Invalid(_))), "{twice:?}");
    let list: Vec<Waiting> = d
        .app
        .call_json(&d.assistant, "calendar/waitlist", json!({ "practice": a }))
        .await
        .unwrap();
    assert_eq!(list.len(), 2);
    let slot = list[0].slot.clone().expect("a free slot in the window");
    assert_eq!(slot.start_local.date().to_string(), "2027-03-01");
    assert_eq!(list[1].slot.as_ref(), Some(&slot), "the same slot suits both");
    // The mail names the clinician as the practice has them, whatever the request says.
    let mut forged = slot.clone();
    forged.provider_name = "Dr Evil, call 555-0100".into();
    let sent: usize = d
        .app
        .call_json(
            &d.assistant,
            "calendar/waitlist-offer",
            json!({ "practice": a, "slot": forged, "ids": [list[0].id, list[1].id] }),
        )
        .await
        .unwrap();
    assert_eq!(sent, 2);
    let token = |mails: Vec<(String, String)>| {
        let (subject, body) = mails.last().unwrap().clone();
        assert_eq!(subject, "An earlier appointment is available");
        assert!(
            !body.contains("Lovelace") && !body.contains("Young") && !body.contains("Visit"),
            "{body}"
        );
        assert!(
            body.contains("With: a.clinician") && !body.contains("Evil"),
            "{body}"
        );
        let at = body.find("/w/").unwrap() + 3;
        body[at..].split_whitespace().next().unwrap().to_string()
    };
    let (ada_token, cy_token) = (
        token(outbox(&d.app, "ada@example.com").await),
        token(outbox(&d.app, "cy@example.com").await),
    );

    // Ada opens her offer: the access log has it, naming her and no member of staff.
    let patient = d.app.client();
    let shown: ClaimView = d
        .app
        .call_json(&patient, "appointment/offer", json!({ "token": ada_token }))
        .await
        .unwrap();
    assert!(!shown.claimed && !shown.gone);
    let opened = format!(
        "SELECT count(*) FROM audit_events WHERE action = 'waitlist.offer_view' AND actor_user_id IS NULL
           AND patient_ids = ARRAY['{}'::uuid]",
        d.patient
    );
    assert_eq!(common::count(&d.app.pool, &opened).await, 1);

    // Both claim at the same moment: exactly one gets it.
    let claim = |t: String| {
        let (app, patient) = (&d.app, patient.clone());
        async move {
            app.call_json::<ClaimView>(&patient, "appointment/claim", json!({ "token": t }))
                .await
                .unwrap()
        }
    };
    let (r1, r2) = tokio::join!(claim(ada_token.clone()), claim(cy_token.clone()));
    assert!(r1.claimed != r2.claimed, "{r1:?} {r2:?}");
    assert!(r1.gone != r2.gone);
    let (winner, loser, loser_email, loser_token) = if r1.claimed {
        (ada_id, cy_id, "cy@example.com", cy_token)
    } else {
        (cy_id, ada_id, "ada@example.com", ada_token)
    };
    let view = d.view("2027-03-01", 10).await;
    let start_of = |id: EntryId| view.entries.iter().find(|e| e.id == id).unwrap().start_local;
    assert_eq!(start_of(winner), slot.start_local);
    assert!(
        start_of(loser).date().to_string() == "2027-03-10",
        "the other keeps their appointment"
    );
    assert_eq!(
        outbox(&d.app, loser_email).await.last().unwrap().0,
        "The earlier appointment has been taken"
    );
    let again: ClaimView = d
        .app
        .call_json(&patient, "appointment/claim", json!({ "token": loser_token }))
        .await
        .unwrap();
    assert!(again.gone && !again.claimed);
    let list: Vec<Waiting> = d
        .app
        .call_json(&d.assistant, "calendar/waitlist", json!({ "practice": a }))
        .await
        .unwrap();
    assert_eq!(
        list.iter().map(|w| w.entry_id).collect::<Vec<_>>(),
        vec![loser],
        "the winner left the waitlist"
    );
    let unknown: Result<ClaimView, AppError> = d
        .app
        .call_json(&patient, "appointment/offer", json!({ "token": "made-up" }))
        .await;
    assert_eq!(unknown, Err(AppError::NotFound));

    let calls = [
        (
            "calendar/waitlist-add",
            json!({ "practice": a, "entry": loser, "earliest": "2027-03-01", "latest": "2027-03-09", "note": "" }),
        ),
        ("calendar/waitlist", json!({ "practice": a })),
        (
            "calendar/waitlist-offer",
            json!({ "practice": a, "slot": slot, "ids": [list[0].id] }),
        ),
        (
            "calendar/waitlist-remove",
            json!({ "practice": a, "id": list[0].id }),
        ),
    ];
    d.refused_to_outsiders(&calls).await;
    let () = d
        .app
        .call_json(
            &d.assistant,
            "calendar/waitlist-remove",
            json!({ "practice": a, "id": list[0].id }),
        )
        .await
        .unwrap();
    let removed = format!(
        "SELECT count(*) FROM audit_events WHERE action = 'waitlist.remove' AND practice_id = '{a}'
           AND actor_user_id = '{}' AND patient_ids = ARRAY['{}'::uuid]",
        d.w.a_assistant.id, list[0].patient_id
    );
    assert_eq!(
        common::count(&d.app.pool, &removed).await,
        1,
        "taking someone off is audited"
    );
    let list: Vec<Waiting> = d
        .app
        .call_json(&d.assistant, "calendar/waitlist", json!({ "practice": a }))
        .await
        .unwrap();
    assert!(list.is_empty());
    d.app.close().await;
}

#[sqlx::test(migrations = "../migrations")]
async fn the_overlay_of_today_shows_each_practice_of_the_person_only(
    _: PgPoolOptions,
    conn: PgConnectOptions,
) {
    let d = desk(conn).await;
    let tz: chrono_tz::Tz = "America/New_York".parse().unwrap();
    let today = chrono::Utc::now().with_timezone(&tz).date_naive();
    let mut entry = d.appointment(&format!("{today} 12:00"));
    entry["override_availability"] = json!(true);
    let id = done(d.book(entry).await)[0];
    let days: Vec<DayOf> = d
        .app
        .call_json(&d.assistant, "calendar/today", json!({}))
        .await
        .unwrap();
    assert_eq!(days.len(), 1);
    assert_eq!((days[0].practice, days[0].entries.len()), (d.w.a, 1));
    let e = &days[0].entries[0];
    assert_eq!(
        (e.id, e.title.as_str(), e.what.as_str()),
        (id, "Ada Lovelace", "Visit")
    );
    assert_eq!(e.start_local, at(&format!("{today} 12:00")));
    assert!(!e.mine, "the assistant is not its clinician");
    // The clinician's own entries are marked as theirs (My day shows them first).
    let clinician = d.app.login(&d.w.a_clinician.email).await;
    let theirs: Vec<DayOf> = d
        .app
        .call_json(&clinician, "calendar/today", json!({}))
        .await
        .unwrap();
    assert!(theirs[0].entries.iter().all(|e| e.mine) && !theirs[0].entries.is_empty());
    // Another practice's people see their own practice's day, never A's.
    let b_admin = d.app.login(&d.w.b_admin.email).await;
    let days: Vec<DayOf> = d
        .app
        .call_json(&b_admin, "calendar/today", json!({}))
        .await
        .unwrap();
    assert_eq!(days.iter().map(|x| x.practice).collect::<Vec<_>>(), vec![d.w.b]);
    assert!(days[0].entries.is_empty());
    common::assert_needs_sign_in_json(&d.app, "calendar/today", json!({})).await;
    d.app.close().await;
}

/// Posts `args` to a server function and returns the status with the decoded error, if any:
/// bursts count answers by status, so none may be left unread.
async fn answer_of(
    app: &TestApp,
    client: &reqwest::Client,
    endpoint: &str,
    args: serde_json::Value,
) -> (u16, Result<Outcome, AppError>) {
    let res = client
        .post(app.url(&format!("/api/{endpoint}")))
        .header("accept", "application/x-postcard")
        .json(&args)
        .send()
        .await
        .expect("request");
    let status = res.status().as_u16();
    let body = res.bytes().await.expect("body");
    let decoded = if status < 400 {
        Ok(postcard::from_bytes(&body).expect("outcome"))
    } else {
        Err(postcard::from_bytes(&body).unwrap_or(AppError::Internal))
    };
    (status, decoded)
}

/// Of `answers`, (done, conflicts); panics on anything else, naming what came.
fn one_winner(answers: &[(u16, Result<Outcome, AppError>)]) -> (usize, usize) {
    let mut done = 0;
    let mut conflicts = 0;
    for (status, answer) in answers {
        match answer {
            Ok(Outcome::Done { .. }) => done += 1,
            Ok(Outcome::Conflict { .. }) => conflicts += 1,
            other => panic!("every loser gets the conflict answer; got {status} {other:?}"),
        }
    }
    (done, conflicts)
}

#[sqlx::test(migrations = "../migrations")]
async fn two_hundred_bookings_of_one_slot_at_once_give_one_booking_and_199_conflicts(
    _: PgPoolOptions,
    conn: PgConnectOptions,
) {
    // The production pool size: the burst must not exhaust it into errors.
    let d = desk_with(conn, |c| c.pool_size = 20).await;
    let d = &d;
    let attempts = (0..200).map(|i| {
        let start = format!("2027-03-02 10:{:02}", (i % 6) * 5);
        let args = json!({ "practice": d.w.a, "entry": d.appointment(&start) });
        async move { answer_of(&d.app, &d.assistant, "calendar/book", args).await }
    });
    let answers = futures::future::join_all(attempts).await;
    assert_eq!(one_winner(&answers), (1, 199));
    assert_eq!(
        common::count(&d.app.pool, "SELECT count(*) FROM entries").await,
        1
    );
    assert_eq!(
        common::count(&d.app.pool, "SELECT count(*) FROM busy_claims").await,
        2
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn two_hundred_bookings_of_one_room_by_two_clinicians_give_one_booking(
    _: PgPoolOptions,
    conn: PgConnectOptions,
) {
    let d = desk_with(conn, |c| c.pool_size = 20).await;
    // A second clinician, so that half the bookings meet the first only in the room.
    let (second,): (uuid::Uuid,) = {
        let mut tx = app::db::begin(&d.app.pool, &app::db::Scope::All { user: None })
            .await
            .unwrap();
        let row = (
            app::auth::db::create_account(&mut tx, "second@example.test", "Second", None)
                .await
                .unwrap()
                .0,
        );
        sqlx::query("INSERT INTO memberships (practice_id, user_id, role) VALUES ($1, $2, 'clinician')")
            .bind(d.w.a)
            .bind(row.0)
            .execute(&mut *tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        row
    };
    let d = &d;
    let attempts = (0..200).map(|i| {
        let mut entry = d.appointment(&format!("2027-03-02 10:{:02}", (i % 3) * 5));
        if i % 2 == 1 {
            entry["provider"] = json!(second);
        }
        // The second clinician has no weekly hours: booked over that, as the desk may.
        entry["override_availability"] = json!(true);
        let args = json!({ "practice": d.w.a, "entry": entry });
        async move { answer_of(&d.app, &d.assistant, "calendar/book", args).await }
    });
    let answers = futures::future::join_all(attempts).await;
    assert_eq!(one_winner(&answers), (1, 199));
    assert_eq!(
        common::count(&d.app.pool, "SELECT count(*) FROM entries").await,
        1
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn two_hundred_moves_into_one_slot_at_once_move_one_and_leave_the_rest(
    _: PgPoolOptions,
    conn: PgConnectOptions,
) {
    let d = desk_with(conn, |c| c.pool_size = 20).await;
    // 200 appointments, an hour apart from 2027-02-01 on (over the override: nights too).
    let mut ids = Vec::new();
    for i in 0..200 {
        let start = at("2027-02-01 00:00") + chrono::Duration::hours(i);
        let mut entry = d.appointment(&start.format("%Y-%m-%d %H:%M").to_string());
        entry["override_availability"] = json!(true);
        ids.push(done(d.book(entry).await)[0]);
    }
    let d = &d;
    let attempts = ids.iter().map(|id| {
        let args = json!({ "practice": d.w.a, "id": id, "version": 1, "start": at("2027-03-02 10:00"),
                           "provider": null, "room": null, "override_availability": false });
        async move { answer_of(&d.app, &d.assistant, "calendar/move", args).await }
    });
    let answers = futures::future::join_all(attempts).await;
    assert_eq!(one_winner(&answers), (1, 199));
    assert_eq!(
        common::count(
            &d.app.pool,
            "SELECT count(*) FROM entries WHERE starts_at = '2027-03-02 10:00 America/New_York'"
        )
        .await,
        1
    );
    assert_eq!(
        common::count(&d.app.pool, "SELECT count(*) FROM busy_claims").await,
        400
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn malformed_calendar_input_is_answered_422_in_words_of_ours_and_changes_nothing(
    _: PgPoolOptions,
    conn: PgConnectOptions,
) {
    let d = desk(conn).await;
    let a = d.w.a;
    let entry_with = |field: &str, value: serde_json::Value| {
        let mut e = d.appointment("2027-03-02 10:00");
        e[field] = value;
        json!({ "practice": a, "entry": e })
    };
    let view = |first: serde_json::Value, days: serde_json::Value| json!({ "practice": a, "first_day": first, "days": days });
    let cases: Vec<(&str, &str, serde_json::Value)> = vec![
        (
            "impossible date",
            "calendar/view",
            view(json!("2026-02-30"), json!(7)),
        ),
        (
            "hour 24",
            "calendar/book",
            entry_with("start", json!("2027-03-02T24:00:00")),
        ),
        (
            "negative days",
            "calendar/view",
            view(json!("2027-03-01"), json!(-1)),
        ),
        (
            "days overflowing",
            "calendar/view",
            view(json!("2027-03-01"), json!(99999999999u64)),
        ),
        (
            "year 262143",
            "calendar/view",
            view(json!("+262143-12-31"), json!(7)),
        ),
        (
            "year -262143",
            "calendar/view",
            view(json!("-262143-01-01"), json!(7)),
        ),
        (
            "year 9999",
            "calendar/book",
            entry_with("start", json!("9999-03-02T10:00:00")),
        ),
        (
            "year -1000",
            "calendar/book",
            entry_with("start", json!("-1000-03-02T10:00:00")),
        ),
        (
            "far start",
            "calendar/book",
            entry_with("start", json!("+262000-03-02T10:00:00")),
        ),
        (
            "unknown kind",
            "calendar/book",
            entry_with("kind", json!("party")),
        ),
        ("missing field", "calendar/book", json!({ "practice": a })),
        ("not json", "calendar/book", json!("just text")),
        (
            "NUL in notes",
            "calendar/book",
            entry_with("notes", json!("call back\u{0}")),
        ),
        (
            "NUL in a patient's name",
            "calendar/add-patient",
            json!({ "practice": a, "name": "Ada\u{0}", "born": "", "phone": "", "email": "" }),
        ),
        (
            "far slot search",
            "calendar/slots",
            json!({ "practice": a, "type_id": d.visit, "providers": [], "from": "+262143-01-01", "to": "+262143-01-02" }),
        ),
        (
            "far move",
            "calendar/move",
            json!({ "practice": a, "id": uuid::Uuid::nil(), "version": 1, "start": "+262143-12-31T23:00:00", "provider": null, "room": null, "override_availability": false }),
        ),
        (
            "series ending in 2201",
            "calendar/book",
            entry_with("rrule", json!("FREQ=DAILY;UNTIL=22010101")),
        ),
        (
            "weekly hours from year -1000",
            "calendar/weekly-hours",
            json!({ "practice": a, "provider": d.w.a_clinician.id, "from": "-1000-01-01", "days": ["", "", "", "", "", "", ""] }),
        ),
        (
            "weekly hours text over 64 KiB",
            "calendar/weekly-hours",
            json!({ "practice": a, "provider": d.w.a_clinician.id, "from": "2027-01-01", "days": ["x".repeat(70_000), "", "", "", "", "", ""] }),
        ),
        (
            "extra hours in year 9999",
            "calendar/extra-hours",
            json!({ "practice": a, "provider": d.w.a_clinician.id, "day": "9999-01-01", "from": "09:00:00", "to": "10:00:00", "note": "" }),
        ),
    ];
    let before = common::count(&d.app.pool, "SELECT count(*) FROM entries").await;
    for (what, endpoint, args) in cases {
        let res = d
            .assistant
            .post(d.app.url(&format!("/api/{endpoint}")))
            .header("accept", "application/x-postcard")
            .json(&args)
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        let body = res.bytes().await.unwrap();
        let error: AppError =
            postcard::from_bytes(&body).unwrap_or_else(|_| panic!("{what}: {status} {body:?}"));
        assert_eq!(status, 422, "{what}: {error:?}");
        let AppError::Invalid(message) = &error else {
            panic!("{what}: {error:?}")
        };
        // Short, ours, and quoting nothing of what was sent.
        assert!(message.len() < 200, "{what}: {message}");
        for echoed in [
            "262143",
            "9999",
            "party",
            "xxxx",
            "2026-02-30",
            "unknown variant",
            "expected",
        ] {
            assert!(!message.contains(echoed), "{what} echoes {echoed:?}: {message}");
        }
    }
    assert_eq!(
        common::count(&d.app.pool, "SELECT count(*) FROM entries").await,
        before
    );
    assert_eq!(
        common::count(&d.app.pool, "SELECT count(*) FROM patients").await,
        1,
        "only the desk's patient"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_practice_with_an_unreadable_zone_stops_nobody_elses_calendar_or_reminders(
    _: PgPoolOptions,
    conn: PgConnectOptions,
) {
    let d = desk(conn.clone()).await;
    let (a, b) = (d.w.a, d.w.b);
    // Practice B books too: its admin sets up a type and a patient, and books over the
    // clinician's (unset) hours 30 hours from now; so does A.
    let b_admin = d.app.login(&d.w.b_admin.email).await;
    let b_visit: TypeId = d
        .app
        .call_json(
            &b_admin,
            "calendar/save-type",
            json!({ "practice": b, "id": null, "appt_type": {
            "id": uuid::Uuid::nil(), "name": "Visit", "minutes": 30, "buffer_before": 0, "buffer_after": 0,
            "color": "#3B6EA5", "needs_room": false, "provider_ids": [] } }),
        )
        .await
        .unwrap();
    let b_patient: PatientId = d
        .app
        .call_json(
            &b_admin,
            "calendar/add-patient",
            json!({ "practice": b, "name": "Bea Brown", "born": "",
            "phone": "", "email": "bea@example.com" }),
        )
        .await
        .unwrap();
    let tz: chrono_tz::Tz = "America/New_York".parse().unwrap();
    let soon = (chrono::Utc::now() + chrono::Duration::hours(30)).with_timezone(&tz);
    let start = at(&soon.format("%Y-%m-%d %H:00").to_string());
    let booked: Outcome = d
        .app
        .call_json(
            &b_admin,
            "calendar/book",
            json!({ "practice": b, "entry": {
            "kind": "appointment", "patient": b_patient, "type_id": b_visit, "provider": d.w.b_clinician.id,
            "room": null, "attendees": [], "title": "", "start": start, "minutes": null, "notes": "",
            "rrule": null, "override_availability": true, "skip_conflicts": false } }),
        )
        .await
        .unwrap();
    done(booked);
    let mut entry = d.appointment(&start.format("%Y-%m-%d %H:%M").to_string());
    entry["override_availability"] = json!(true);
    done(d.book(entry).await);
    common::exec(
        &d.app.pool,
        "UPDATE entries SET updated_at = now() - interval '3 days'",
    )
    .await;
    // A's zone was stored before zones were checked, as a name the server cannot use.
    common::exec(
        &d.app.pool,
        &format!("UPDATE practices SET time_zone = 'localtime' WHERE id = '{a}'"),
    )
    .await;

    // Reminders: B's goes out; A's failure holds nobody back.
    let queued = app::calendar::notices::queue_reminders(&d.app.pool, "http://127.0.0.1").await;
    assert_eq!(queued, Ok(1));
    assert_eq!(
        common::count(
            &d.app.pool,
            &format!(
                "SELECT count(*) FROM appointment_notices WHERE kind = 'reminder' AND practice_id = '{b}'"
            )
        )
        .await,
        1
    );
    // A's calendar says what is wrong (422), rather than failing.
    let view: Result<View, AppError> = d
        .app
        .call_json(
            &d.assistant,
            "calendar/view",
            json!({ "practice": a, "first_day": "2027-03-01", "days": 7 }),
        )
        .await;
    assert_eq!(view, Err(AppError::Invalid(app::calendar::book::BAD_ZONE.into())));
    // "My day" of someone in both practices still shows B.
    common::exec(
        &d.app.pool,
        &format!(
            "INSERT INTO memberships (practice_id, user_id, role) VALUES ('{b}', '{}', 'assistant')",
            d.w.a_assistant.id
        ),
    )
    .await;
    let days: Vec<DayOf> = d
        .app
        .call_json(&d.assistant, "calendar/today", json!({}))
        .await
        .unwrap();
    assert_eq!(days.iter().map(|day| day.practice).collect::<Vec<_>>(), vec![b]);

    // A name that says which zone it meant is repaired when a node starts.
    common::exec(
        &d.app.pool,
        &format!("UPDATE practices SET time_zone = 'posix/America/Chicago' WHERE id = '{a}'"),
    )
    .await;
    let node = TestApp::spawn(conn).await;
    assert_eq!(
        common::count(
            &d.app.pool,
            &format!("SELECT count(*) FROM practices WHERE id = '{a}' AND time_zone = 'America/Chicago'")
        )
        .await,
        1
    );
    let view: Result<View, AppError> = d
        .app
        .call_json(
            &d.assistant,
            "calendar/view",
            json!({ "practice": a, "first_day": "2027-03-01", "days": 7 }),
        )
        .await;
    assert!(view.is_ok(), "{view:?}");
    node.close().await;
}

#[sqlx::test(migrations = "../migrations")]
async fn a_feed_lasts_only_while_its_maker_belongs_to_the_practice(_: PgPoolOptions, conn: PgConnectOptions) {
    let d = desk(conn).await;
    let a = d.w.a;
    let clinician = d.app.login(&d.w.a_clinician.email).await;
    let own: String = d
        .app
        .call_json(
            &clinician,
            "calendar/feed-add",
            json!({ "practice": a, "provider": d.w.a_clinician.id, "label": "" }),
        )
        .await
        .unwrap();
    let whole: String = d
        .app
        .call_json(
            &d.assistant,
            "calendar/feed-add",
            json!({ "practice": a, "provider": null, "label": "" }),
        )
        .await
        .unwrap();
    assert_eq!(fetch_feed(&d.app, &feed_path(&own)).await.0, 200);
    assert_eq!(fetch_feed(&d.app, &feed_path(&whole)).await.0, 200);

    // The clinician's role changes: the feeds they made, and of their calendar, are revoked.
    let admin = d.app.login(&d.w.a_admin.email).await;
    let changed: Result<(), AppError> = d
        .app
        .call(
            &admin,
            "practices/set_role",
            &[
                ("practice", &a.to_string()),
                ("person", &d.w.a_clinician.id.to_string()),
                ("role", "assistant"),
            ],
        )
        .await;
    assert_eq!(changed, Ok(()));
    assert_eq!(fetch_feed(&d.app, &feed_path(&own)).await.0, 404);
    assert_eq!(
        fetch_feed(&d.app, &feed_path(&whole)).await.0,
        200,
        "others' feeds stay"
    );

    // However a membership ends, a feed of someone no longer in the practice is read by nobody.
    common::exec(
        &d.app.pool,
        &format!("DELETE FROM memberships WHERE user_id = '{}'", d.w.a_assistant.id),
    )
    .await;
    assert_eq!(fetch_feed(&d.app, &feed_path(&whole)).await.0, 404);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_counted_series_is_booked_whole_or_refused_never_cut_short(
    _: PgPoolOptions,
    conn: PgConnectOptions,
) {
    let d = desk(conn).await;
    // Every 12 months on the 29th, 3 times: 2027, 2028 and 2029 (the old five-year cut
    // would have kept two, while the details said "3 times").
    let mut entry = d.appointment("2027-01-29 10:00");
    entry["rrule"] = json!("FREQ=MONTHLY;INTERVAL=12;BYMONTHDAY=29;COUNT=3");
    entry["override_availability"] = json!(true);
    assert_eq!(done(d.book(entry).await).len(), 3);
    // A count the rule never reaches is refused, and nothing is booked.
    let before = common::count(&d.app.pool, "SELECT count(*) FROM entries").await;
    let mut entry = d.appointment("2027-02-28 10:00");
    entry["rrule"] = json!("FREQ=MONTHLY;INTERVAL=12;BYMONTHDAY=30;COUNT=2");
    let refused: Result<Outcome, AppError> = d
        .app
        .call_json(
            &d.assistant,
            "calendar/book",
            json!({ "practice": d.w.a, "entry": entry }),
        )
        .await;
    assert!(
        matches!(&refused, Err(AppError::Invalid(m)) if m.contains("only 1 of its 2")),
        "{refused:?}"
    );
    assert_eq!(
        common::count(&d.app.pool, "SELECT count(*) FROM entries").await,
        before
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn in_the_hour_clocks_go_back_offers_bookings_and_moves_keep_their_instant(
    _: PgPoolOptions,
    conn: PgConnectOptions,
) {
    let d = desk(conn).await;
    let a = d.w.a;
    // Practice A is in New York, where 2027-11-07 01:00-02:00 happens twice (EDT, then EST).
    // The clinician works that Sunday night from 01:00 to 03:00: three hours of real time.
    let week: Vec<String> = ["09:00-12:00, 13:00-17:00"; 5]
        .iter()
        .map(|s| s.to_string())
        .chain(["".into(), "01:00-03:00".into()])
        .collect();
    let () = d
        .app
        .call_json(
            &d.assistant,
            "calendar/weekly-hours",
            json!({ "practice": a, "provider": d.w.a_clinician.id, "from": "2027-01-01", "days": week }),
        )
        .await
        .unwrap();
    let offers: Vec<Offer> = d
        .app
        .call_json(
            &d.assistant,
            "calendar/slots",
            json!({ "practice": a, "type_id": d.visit, "providers": [], "from": "2027-11-07", "to": "2027-11-07" }),
        )
        .await
        .unwrap();
    let utc = |s: &str| {
        chrono::DateTime::parse_from_rfc3339(s)
            .unwrap()
            .with_timezone(&chrono::Utc)
    };
    let half_past_one: Vec<&Offer> = offers
        .iter()
        .filter(|o| o.start_local == at("2027-11-07 01:30"))
        .collect();
    assert_eq!(
        half_past_one
            .iter()
            .map(|o| (o.starts_at, o.second_pass))
            .collect::<Vec<_>>(),
        vec![
            (utc("2027-11-07T05:30:00Z"), false),
            (utc("2027-11-07T06:30:00Z"), true)
        ],
        "both 01:30s are offered, each with its instant: {offers:?}"
    );
    let (first, second) = (half_past_one[0].starts_at, half_past_one[1].starts_at);
    let starts_at = |id: EntryId| {
        let pool = d.app.pool.clone();
        async move {
            let mut tx = app::db::begin(&pool, &app::db::Scope::All { user: None })
                .await
                .unwrap();
            let (t,): (chrono::DateTime<chrono::Utc>,) =
                sqlx::query_as("SELECT starts_at FROM entries WHERE id = $1")
                    .bind(id)
                    .fetch_one(&mut *tx)
                    .await
                    .unwrap();
            t
        }
    };
    let done = |o: Outcome| match o {
        Outcome::Done { ids, .. } => ids[0],
        other => panic!("{other:?}"),
    };

    // Moving an appointment to the second 01:30 lands it there, not on the first.
    let id = done(d.book(d.appointment("2027-11-07 02:15")).await);
    let moved: Outcome = d
        .app
        .call_json(
            &d.assistant,
            "calendar/move",
            json!({ "practice": a, "id": id, "version": 1, "start": at("2027-11-07 01:30"), "provider": null,
                    "room": null, "override_availability": false, "at": second }),
        )
        .await
        .unwrap();
    done(moved);
    assert_eq!(starts_at(id).await, second);

    // The first 01:30 is still free, and booking it (its instant named) takes that one.
    let mut entry = d.appointment("2027-11-07 01:30");
    entry["at"] = json!(first);
    let booked = done(d.book(entry).await);
    assert_eq!(starts_at(booked).await, first);

    // An instant that is not the local time asked for is not taken: the local time wins.
    let mut entry = d.appointment("2027-11-07 02:20");
    entry["at"] = json!(second);
    let later = done(d.book(entry).await);
    assert_eq!(starts_at(later).await, utc("2027-11-07T07:20:00Z"));
}

#[sqlx::test(migrations = "../migrations")]
async fn a_feed_made_to_last_a_while_stops_by_itself(_: PgPoolOptions, conn: PgConnectOptions) {
    let d = desk(conn).await;
    let a = d.w.a;
    let make = |days: serde_json::Value| {
        d.app.call_json::<String>(
            &d.assistant,
            "calendar/feed-add",
            json!({ "practice": a, "provider": null, "label": "Locum", "days": days }),
        )
    };
    let url = make(json!(30)).await.unwrap();
    let path = feed_path(&url);
    assert_eq!(fetch_feed(&d.app, &path).await.0, 200);
    let feeds: app::calendar::model::Feeds = d
        .app
        .call_json(&d.assistant, "calendar/feeds", json!({ "practice": a }))
        .await
        .unwrap();
    let ends = feeds.feeds[0].expires_at.expect("an expiry");
    let in_30_days = chrono::Utc::now() + chrono::Duration::days(30);
    assert!((ends - in_30_days).num_seconds().abs() < 60, "{ends}");
    // A year at most; never zero days.
    for days in [0, 367] {
        let refused = make(json!(days)).await;
        assert!(
            matches!(refused, Err(AppError::Invalid(m)) if m.contains("366")),
            "{days}"
        );
    }
    // Once the time has come, the address answers as a revoked one and leaves the list.
    common::exec(
        &d.app.pool,
        "UPDATE calendar_feeds SET expires_at = now() - interval '1 second'",
    )
    .await;
    assert_eq!(fetch_feed(&d.app, &path).await.0, 404);
    let feeds: app::calendar::model::Feeds = d
        .app
        .call_json(&d.assistant, "calendar/feeds", json!({ "practice": a }))
        .await
        .unwrap();
    assert!(feeds.feeds.is_empty());
}
