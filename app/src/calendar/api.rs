//! Server functions of calendars: thin — who may, then `book.rs` / `db.rs` / `rules.rs`.
//! Arguments travel as JSON (nested forms such as a booking do not fit URL encoding), as
//! the named fields of one object: many of them is no burden on a caller.
#![allow(clippy::too_many_arguments)]

#[cfg(feature = "ssr")]
use crate::audit::model::Action;
use crate::calendar::model::{
    ApptType, CallBack, ClaimView, DayOf, Exception, Feeds, LinkView, NewEntry, Offer, OutChoice, OutDone,
    OutRow, Outcome, Reach, Setup, Status, View, Waiting,
};
use crate::error::AppError;
use crate::model::{EntryId, FeedId, PatientId, PracticeId, RoomId, TypeId, UndoId, UserId};
use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::calendar::notices::Notice;
#[cfg(feature = "ssr")]
use crate::{
    audit::db::{self as audit, Event},
    auth::session,
    calendar::undo::{self, Change},
    calendar::{book, db},
    db::begin,
    model::Role,
    state::app_state,
};

/// Members who work the calendar. Agency admins see no patient data unless they are members.
#[cfg(feature = "ssr")]
const CALENDAR_ROLES: [Role; 3] = [Role::Assistant, Role::Clinician, Role::PracticeAdmin];

/// Opens a transaction for a member of `practice` with one of `roles`.
#[cfg(feature = "ssr")]
async fn open(
    practice: PracticeId,
    roles: &[Role],
) -> Result<(std::sync::Arc<session::Actor>, crate::db::Tx), AppError> {
    let actor = session::actor()?;
    actor.require(practice, roles)?;
    let state = app_state()?;
    let tx = begin(&state.pool, &actor.scope(practice)).await?;
    Ok((actor, tx))
}

/// Refuses dates outside the years the calendar takes, before anything computes with them.
#[cfg(feature = "ssr")]
fn in_range(days: &[NaiveDate]) -> Result<(), AppError> {
    crate::calendar::rules::dates_in_range(days).map_err(AppError::Invalid)
}

/// The practice's providers, rooms, types and zone.
#[server(endpoint = "calendar/setup", input = Json, output = crate::wire::Bin)]
pub async fn calendar_setup(practice: PracticeId) -> Result<Setup, AppError> {
    let (_, mut tx) = open(practice, &CALENDAR_ROLES).await?;
    let setup = book::setup(&mut tx, practice).await?;
    tx.commit().await?;
    Ok(setup)
}

/// Entries of `days` local days from `first_day`, and when each provider is open. Audited
/// (the view names patients).
#[server(endpoint = "calendar/view", input = Json, output = crate::wire::Bin)]
pub async fn calendar_view(practice: PracticeId, first_day: NaiveDate, days: u32) -> Result<View, AppError> {
    if !(1..=42).contains(&days) {
        return Err(AppError::invalid("A calendar view spans 1 to 42 days."));
    }
    let (actor, mut tx) = open(practice, &CALENDAR_ROLES).await?;
    in_range(&[first_day])?;
    let view = book::view(&mut tx, practice, first_day, days).await?;
    let patients: Vec<PatientId> = view.entries.iter().filter_map(|e| e.patient_id).collect();
    let detail = serde_json::json!({ "from": first_day, "days": days, "appointments": patients.len() });
    audit::record(
        &mut tx,
        Event {
            detail,
            patients,
            ..Event::of(&actor, practice, Action::CalendarView)
        },
    )
    .await?;
    tx.commit().await?;
    Ok(view)
}

/// Books an appointment, meeting or block (a series when `entry.rrule` is set). A conflict
/// or a time outside availability changes nothing and comes back as the outcome.
#[server(endpoint = "calendar/book", input = Json, output = crate::wire::Bin)]
pub async fn book_entry(practice: PracticeId, entry: NewEntry) -> Result<Outcome, AppError> {
    let (actor, mut tx) = open(practice, &CALENDAR_ROLES).await?;
    in_range(&[entry.start.date()])?;
    let mut outcome = book::book(&mut tx, practice, actor.user(), &entry).await?;
    if let Outcome::Done { ids, undo, .. } = &mut outcome {
        // The patient hears of it once, for the first of a series; one entry can be undone.
        let one = one_of(ids);
        if let Some(first) = ids.first() {
            let mail = tell_patient(&mut tx, practice, *first, Notice::Booked, one.is_some()).await?;
            if let Some(id) = one {
                *undo = Some(undo::keep(&mut tx, practice, actor.user(), id, Change::Booked, mail).await?);
            }
        }
        tx.commit().await?;
    }
    Ok(outcome)
}

/// The entry a change made, if it made one (a series' change cannot be undone).
#[cfg(feature = "ssr")]
fn one_of(ids: &[EntryId]) -> Option<EntryId> {
    match ids {
        [one] => Some(*one),
        _ => None,
    }
}

/// Moves an entry to another start (and provider or room). `version` is the one the person
/// saw: a change made meanwhile by someone else is refused, not overwritten.
#[server(endpoint = "calendar/move", input = Json, output = crate::wire::Bin)]
pub async fn move_entry(
    practice: PracticeId,
    id: EntryId,
    version: i32,
    start: NaiveDateTime,
    provider: Option<UserId>,
    room: Option<RoomId>,
    override_availability: bool,
    reach: Option<Reach>,
    at: Option<chrono::DateTime<chrono::Utc>>,
    notify: Option<bool>,
) -> Result<Outcome, AppError> {
    let (actor, mut tx) = open(practice, &CALENDAR_ROLES).await?;
    in_range(&[start.date()])?;
    let before = undo::before(&mut tx, practice, id).await?;
    let m = book::Move {
        id,
        version,
        start,
        provider,
        room,
        override_availability,
        at,
    };
    let mut outcome =
        book::move_series(&mut tx, practice, actor.user(), m, reach.unwrap_or(Reach::This)).await?;
    if let Outcome::Done { ids, undo, .. } = &mut outcome {
        // The patient hears of it once, for the first of a series (unless the person
        // chose not to tell them); one entry moved can be undone.
        let one = one_of(ids);
        let mail = match ids.first() {
            Some(first) if notify != Some(false) => {
                tell_patient(&mut tx, practice, *first, Notice::Moved, one.is_some()).await?
            }
            _ => None,
        };
        if let Some(id) = one {
            *undo = Some(undo::keep(&mut tx, practice, actor.user(), id, Change::Moved(before), mail).await?);
        }
        tx.commit().await?;
    }
    Ok(outcome)
}

/// Gives a series a new repeat rule (RFC 5545) from this occurrence on (`Following`) or for
/// all still to come (`All`); see `book::change_rule`. The patient hears of it once.
#[server(endpoint = "calendar/rule", input = Json, output = crate::wire::Bin)]
pub async fn change_rule(
    practice: PracticeId,
    id: EntryId,
    version: i32,
    rrule: String,
    reach: Reach,
    override_availability: bool,
    skip_conflicts: bool,
) -> Result<Outcome, AppError> {
    let (actor, mut tx) = open(practice, &CALENDAR_ROLES).await?;
    let outcome = book::change_rule(
        &mut tx,
        practice,
        actor.user(),
        id,
        version,
        &rrule,
        reach,
        override_availability,
        skip_conflicts,
    )
    .await?;
    if let Outcome::Done { ids, .. } = &outcome {
        if let Some(first) = ids.first() {
            tell_patient(&mut tx, practice, *first, Notice::Repeats, false).await?;
        }
        tx.commit().await?;
    }
    Ok(outcome)
}

/// Mails the patient of an appointment (meetings and blocks have none) through the outbox;
/// `held` while the change can be undone. Returns the mail queued.
#[cfg(feature = "ssr")]
async fn tell_patient(
    tx: &mut crate::db::Tx,
    practice: PracticeId,
    entry: EntryId,
    notice: Notice,
    held: bool,
) -> Result<Option<uuid::Uuid>, AppError> {
    let url = &app_state()?.settings.public_url;
    let hold = if held {
        crate::calendar::model::UNDO_SECONDS
    } else {
        0
    };
    crate::calendar::notices::notify_held(tx, url, practice, entry, notice, hold).await
}

/// Moves an entry along its status (arrived, in room, …); cancelling needs a reason, may
/// reach later occurrences of a series (`reach`) and tells the patient unless `notify` is
/// false. A change of one entry can be undone: returns how.
#[server(endpoint = "calendar/status", input = Json, output = crate::wire::Bin)]
pub async fn set_status(
    practice: PracticeId,
    id: EntryId,
    version: i32,
    status: Status,
    reason: Option<String>,
    reach: Option<Reach>,
    notify: Option<bool>,
) -> Result<Option<UndoId>, AppError> {
    let (actor, mut tx) = open(practice, &CALENDAR_ROLES).await?;
    let before = undo::before(&mut tx, practice, id).await?;
    let one = match (status, reach.unwrap_or(Reach::This)) {
        (_, Reach::This) => {
            let by = Some(actor.user());
            book::change_status(
                &mut tx,
                practice,
                by,
                id,
                Some(version),
                status,
                reason.as_deref(),
            )
            .await?;
            true
        }
        (Status::Cancelled, reach) => {
            book::cancel_series(
                &mut tx,
                practice,
                actor.user(),
                id,
                version,
                reason.as_deref(),
                reach,
            )
            .await?;
            false
        }
        _ => {
            return Err(AppError::invalid(
                "Only cancelling reaches several occurrences; change the others one by one.",
            ))
        }
    };
    let mail = if status == Status::Cancelled && notify != Some(false) {
        tell_patient(&mut tx, practice, id, Notice::Cancelled, one).await?
    } else {
        None
    };
    let undo = if one {
        Some(undo::keep(&mut tx, practice, actor.user(), id, Change::Status(before), mail).await?)
    } else {
        None
    };
    tx.commit().await?;
    Ok(undo)
}

/// Undoes a change its maker made a moment ago (see `undo::undo`). Returns the entry.
#[server(endpoint = "calendar/undo", input = Json, output = crate::wire::Bin)]
pub async fn undo_change(practice: PracticeId, undo: UndoId) -> Result<EntryId, AppError> {
    let (actor, mut tx) = open(practice, &CALENDAR_ROLES).await?;
    let entry = undo::undo(&mut tx, practice, actor.user(), undo).await?;
    tx.commit().await?;
    Ok(entry)
}

/// The next free slots for a type across `providers` (empty: every allowed provider) from
/// `from` to `to` (local dates, inclusive).
#[server(endpoint = "calendar/slots", input = Json, output = crate::wire::Bin)]
pub async fn free_slots(
    practice: PracticeId,
    type_id: TypeId,
    providers: Vec<UserId>,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<Offer>, AppError> {
    if to < from || (to - from).num_days() > 62 {
        return Err(AppError::invalid(
            "Search at most two months, with the last day after the first.",
        ));
    }
    let (_, mut tx) = open(practice, &CALENDAR_ROLES).await?;
    in_range(&[from, to])?;
    let offers = book::search(&mut tx, practice, type_id, &providers, from, to, 20).await?;
    tx.commit().await?;
    Ok(offers)
}

/// A patient found by the booking form.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PatientHit {
    pub id: PatientId,
    pub name: String,
    pub born: Option<NaiveDate>,
    pub phone: String,
}

/// Patients by part of the name, or by date of birth (typed as the person writes dates). Audited.
#[server(endpoint = "calendar/patients", input = Json, output = crate::wire::Bin)]
pub async fn find_patients(practice: PracticeId, query: String) -> Result<Vec<PatientHit>, AppError> {
    let query = query.trim().to_string();
    if query.chars().count() < 2 {
        return Ok(vec![]);
    }
    let (actor, mut tx) = open(practice, &CALENDAR_ROLES).await?;
    // A date of birth as the person writes dates (or 1950-03-15).
    let born = crate::calendar::text::parse_typed_date(&query, chrono::Datelike::year(&chrono::Utc::now()));
    let rows = db::search_patients(&mut tx, practice, &query, born).await?;
    let detail = serde_json::json!({ "found": rows.len() });
    audit::record(
        &mut tx,
        Event {
            detail,
            patients: rows.iter().map(|r| r.0).collect(),
            ..Event::of(&actor, practice, Action::PatientSearch)
        },
    )
    .await?;
    tx.commit().await?;
    Ok(rows
        .into_iter()
        .map(|(id, name, born, phone)| PatientHit {
            id,
            name,
            born,
            phone,
        })
        .collect())
}

/// Adds a patient (the minimal record a booking needs).
#[server(endpoint = "calendar/add-patient", input = Json, output = crate::wire::Bin)]
pub async fn add_patient(
    practice: PracticeId,
    name: String,
    born: String,
    phone: String,
    email: String,
) -> Result<PatientId, AppError> {
    let checked =
        crate::calendar::rules::check_patient(&name, &born, &phone, &email).map_err(AppError::Invalid)?;
    let (actor, mut tx) = open(practice, &CALENDAR_ROLES).await?;
    let id = db::insert_patient(
        &mut tx,
        practice,
        &checked.name,
        checked.born,
        &checked.phone,
        &checked.email,
    )
    .await?;
    let event = Event {
        subject_type: Some("patient"),
        subject_id: Some(id.to_string()),
        patient: Some(id.0),
        ..Event::of(&actor, practice, Action::PatientCreate)
    };
    audit::record(&mut tx, event).await?;
    tx.commit().await?;
    Ok(id)
}

/// Adds a room. Practice admins and assistants.
#[server(endpoint = "calendar/add-room", input = Json, output = crate::wire::Bin)]
pub async fn add_room(practice: PracticeId, name: String) -> Result<RoomId, AppError> {
    let name = name.trim().to_string();
    if name.is_empty() || name.chars().count() > 80 {
        return Err(AppError::invalid(
            "Enter the room's name (at most 80 characters).",
        ));
    }
    let (_, mut tx) = open(practice, &[Role::Assistant, Role::PracticeAdmin]).await?;
    if book::setup(&mut tx, practice)
        .await?
        .rooms
        .iter()
        .any(|r| r.name.eq_ignore_ascii_case(&name))
    {
        return Err(AppError::invalid("There is already a room of that name."));
    }
    let id = db::insert_room(&mut tx, practice, &name).await?;
    crate::realtime::db::publish(&mut tx, &book::live(practice, None)).await?;
    tx.commit().await?;
    Ok(id)
}

/// Creates (`id` None) or changes an appointment type. Practice admins and assistants.
#[server(endpoint = "calendar/save-type", input = Json, output = crate::wire::Bin)]
pub async fn save_type(
    practice: PracticeId,
    id: Option<TypeId>,
    appt_type: ApptType,
) -> Result<TypeId, AppError> {
    let (_, mut tx) = open(practice, &[Role::Assistant, Role::PracticeAdmin]).await?;
    let setup = book::setup(&mut tx, practice).await?;
    let providers: Vec<UserId> = setup.providers.iter().map(|p| p.id).collect();
    let checked = crate::calendar::rules::check_type(&appt_type, &providers).map_err(AppError::Invalid)?;
    if setup
        .types
        .iter()
        .any(|t| Some(t.id) != id && t.name.eq_ignore_ascii_case(&checked.name))
    {
        return Err(AppError::invalid("There is already a type of that name."));
    }
    let saved = db::save_type(&mut tx, practice, id, &checked)
        .await?
        .ok_or(AppError::NotFound)?;
    crate::realtime::db::publish(&mut tx, &book::live(practice, None)).await?;
    tx.commit().await?;
    Ok(saved)
}

/// Sets a provider's weekly hours from `from` on: one text per weekday, Monday first
/// ("08:00-12:00, 13:00-17:00"; empty: not working). The provider themself, assistants and
/// practice admins. Returns where the hours fall outside the practice's opening hours.
#[server(endpoint = "calendar/weekly-hours", input = Json, output = crate::wire::Bin)]
pub async fn set_weekly_hours(
    practice: PracticeId,
    provider: UserId,
    from: NaiveDate,
    days: Vec<String>,
) -> Result<Vec<String>, AppError> {
    let (actor, mut tx) = open(practice, &CALENDAR_ROLES).await?;
    in_range(&[from])?;
    may_change_hours(&actor, practice, provider)?;
    book::require_provider(&mut tx, practice, provider).await?;
    let ranges = crate::calendar::rules::weekly_from_text(&days, from).map_err(AppError::Invalid)?;
    db::replace_template(&mut tx, practice, provider, from, &ranges, actor.user()).await?;
    crate::realtime::db::publish(&mut tx, &book::live(practice, None)).await?;
    let opening = crate::practices::db::settings(&mut tx, practice)
        .await?
        .map(|s| [s.mon, s.tue, s.wed, s.thu, s.fri, s.sat, s.sun])
        .unwrap_or_default();
    tx.commit().await?;
    Ok(crate::calendar::rules::outside_opening(&days, &opening))
}

/// A provider's weekly hours in force on `on`, as the form shows them (Monday first).
#[server(endpoint = "calendar/weekly-hours-get", input = Json, output = crate::wire::Bin)]
pub async fn weekly_hours(
    practice: PracticeId,
    provider: UserId,
    on: NaiveDate,
) -> Result<Vec<String>, AppError> {
    let (_, mut tx) = open(practice, &CALENDAR_ROLES).await?;
    in_range(&[on])?;
    let ranges: Vec<_> = db::templates(&mut tx, practice, &[provider], on, on)
        .await?
        .into_iter()
        .map(|(_, r)| r)
        .collect();
    tx.commit().await?;
    Ok(crate::calendar::rules::weekly_to_text(&ranges))
}

/// A provider's time off and extra hours that have not ended yet, soonest first.
#[server(endpoint = "calendar/exceptions", input = Json, output = crate::wire::Bin)]
pub async fn hour_exceptions(practice: PracticeId, provider: UserId) -> Result<Vec<Exception>, AppError> {
    let (_, mut tx) = open(practice, &CALENDAR_ROLES).await?;
    let list = book::exceptions_ahead(&mut tx, practice, provider).await?;
    tx.commit().await?;
    Ok(list)
}

/// One-off extra hours for a provider on one local day (e.g. a Saturday clinic).
#[server(endpoint = "calendar/extra-hours", input = Json, output = crate::wire::Bin)]
pub async fn add_extra_hours(
    practice: PracticeId,
    provider: UserId,
    day: NaiveDate,
    from: NaiveTime,
    to: NaiveTime,
    note: String,
) -> Result<(), AppError> {
    let (actor, mut tx) = open(practice, &CALENDAR_ROLES).await?;
    in_range(&[day])?;
    may_change_hours(&actor, practice, provider)?;
    book::add_extra_hours(&mut tx, practice, provider, (day, from, to), &note, actor.user()).await?;
    crate::realtime::db::publish(&mut tx, &book::live(practice, None)).await?;
    tx.commit().await?;
    Ok(())
}

/// Withdraws time off or extra hours. Appointments moved away for time off stay where they
/// were moved; the time is bookable again.
#[server(endpoint = "calendar/exception-withdraw", input = Json, output = crate::wire::Bin)]
pub async fn withdraw_exception(practice: PracticeId, id: uuid::Uuid) -> Result<(), AppError> {
    let (actor, mut tx) = open(practice, &CALENDAR_ROLES).await?;
    let provider = db::exception_provider(&mut tx, practice, id)
        .await?
        .ok_or(AppError::NotFound)?;
    may_change_hours(&actor, practice, provider)?;
    db::withdraw_exception(&mut tx, practice, id, actor.user()).await?;
    audit::record(
        &mut tx,
        Event {
            subject_type: Some("exception"),
            subject_id: Some(id.to_string()),
            detail: serde_json::json!({ "provider": provider }),
            ..Event::of(&actor, practice, Action::CalendarExceptionWithdraw)
        },
    )
    .await?;
    crate::realtime::db::publish(&mut tx, &book::live(practice, None)).await?;
    tx.commit().await?;
    Ok(())
}

/// The calendar feeds a person may see: a clinician their own, assistants and practice
/// admins every feed of the practice.
#[server(endpoint = "calendar/feeds", input = Json, output = crate::wire::Bin)]
pub async fn calendar_feeds(practice: PracticeId) -> Result<Feeds, AppError> {
    let (actor, mut tx) = open(practice, &CALENDAR_ROLES).await?;
    let role = actor.role_in(practice);
    let only = (role == Some(Role::Clinician)).then(|| actor.user());
    let feeds = db::feeds(&mut tx, practice, only).await?;
    let patient_names = db::feed_patient_names(&mut tx, practice).await?;
    tx.commit().await?;
    Ok(Feeds {
        feeds,
        patient_names,
        may_set_names: role == Some(Role::PracticeAdmin),
    })
}

/// Makes a subscription feed of one provider's entries (`provider`), or of the whole
/// practice (None; assistants and practice admins), working for `days` or until revoked.
/// Returns the secret address, shown once.
#[server(endpoint = "calendar/feed-add", input = Json, output = crate::wire::Bin)]
pub async fn add_feed(
    practice: PracticeId,
    provider: Option<UserId>,
    label: String,
    days: Option<u32>,
) -> Result<String, AppError> {
    let (actor, mut tx) = open(practice, &CALENDAR_ROLES).await?;
    if actor.role_in(practice) == Some(Role::Clinician) && provider != Some(actor.user()) {
        return Err(AppError::Forbidden);
    }
    let (id, path) =
        crate::calendar::feed::create(&mut tx, practice, provider, &label, days, actor.user()).await?;
    let event = Event {
        subject_type: Some("feed"),
        subject_id: Some(id.to_string()),
        ..Event::of(&actor, practice, Action::CalendarFeedCreate)
    };
    audit::record(&mut tx, event).await?;
    tx.commit().await?;
    Ok(format!("{}{path}", app_state()?.settings.public_url))
}

/// Revokes a feed: its address stops working at once.
#[server(endpoint = "calendar/feed-revoke", input = Json, output = crate::wire::Bin)]
pub async fn revoke_feed(practice: PracticeId, id: FeedId) -> Result<(), AppError> {
    let (actor, mut tx) = open(practice, &CALENDAR_ROLES).await?;
    let whose = db::revoke_feed(&mut tx, practice, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if actor.role_in(practice) == Some(Role::Clinician) && whose != Some(actor.user()) {
        return Err(AppError::Forbidden);
    }
    let event = Event {
        subject_type: Some("feed"),
        subject_id: Some(id.to_string()),
        ..Event::of(&actor, practice, Action::CalendarFeedRevoke)
    };
    audit::record(&mut tx, event).await?;
    tx.commit().await?;
    Ok(())
}

/// Whether the practice's feeds name patients. Practice admins.
#[server(endpoint = "calendar/feed-names", input = Json, output = crate::wire::Bin)]
pub async fn set_feed_names(practice: PracticeId, on: bool) -> Result<(), AppError> {
    let (actor, mut tx) = open(practice, &[Role::PracticeAdmin]).await?;
    db::set_feed_patient_names(&mut tx, practice, on).await?;
    let event = Event {
        detail: serde_json::json!({ "patient_names": on }),
        ..Event::of(&actor, practice, Action::CalendarFeedNames)
    };
    audit::record(&mut tx, event).await?;
    tx.commit().await?;
    Ok(())
}

/// What a patient's e-mail link shows: the appointment's practice, time and provider. The
/// secret token is the only credential.
#[server(endpoint = "appointment/link", input = Json, output = crate::wire::Bin)]
pub async fn appointment_link(token: String) -> Result<LinkView, AppError> {
    crate::calendar::notices::show(&app_state()?.pool, session::client_network(), &token).await
}

/// The patient confirms (`confirm`) or cancels the appointment from the e-mail link.
#[server(endpoint = "appointment/answer", input = Json, output = crate::wire::Bin)]
pub async fn answer_appointment(token: String, confirm: bool) -> Result<LinkView, AppError> {
    crate::calendar::notices::answer(&app_state()?.pool, session::client_network(), &token, confirm).await
}

/// A clinician changes only their own hours (and marks only themself out); assistants and
/// practice admins anyone's.
#[cfg(feature = "ssr")]
fn may_change_hours(actor: &session::Actor, practice: PracticeId, provider: UserId) -> Result<(), AppError> {
    if actor.role_in(practice) == Some(Role::Clinician) && actor.user() != provider {
        return Err(AppError::Forbidden);
    }
    Ok(())
}

/// The appointments a provider's absence from `from` to `to` (local times) touches, each with
/// proposed new slots. Changes nothing. Audited (it lists patients).
#[server(endpoint = "calendar/out-plan", input = Json, output = crate::wire::Bin)]
pub async fn plan_out(
    practice: PracticeId,
    provider: UserId,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> Result<Vec<OutRow>, AppError> {
    let (actor, mut tx) = open(practice, &CALENDAR_ROLES).await?;
    in_range(&[from.date(), to.date()])?;
    may_change_hours(&actor, practice, provider)?;
    let rows = crate::calendar::out::plan(&mut tx, practice, actor.user(), provider, (from, to)).await?;
    tx.rollback().await?;
    let (_, mut tx) = open(practice, &CALENDAR_ROLES).await?;
    let detail = serde_json::json!({ "provider": provider, "appointments": rows.len() });
    audit::record(
        &mut tx,
        Event {
            detail,
            patients: rows.iter().map(|r| r.patient_id).collect(),
            ..Event::of(&actor, practice, Action::CalendarOutPlan)
        },
    )
    .await?;
    tx.commit().await?;
    Ok(rows)
}

/// Marks the provider out and moves the chosen appointments in one transaction (a slot taken
/// meanwhile changes nothing and says so); each moved patient is e-mailed, or put on the
/// call-back list when there is no address.
#[server(endpoint = "calendar/out-apply", input = Json, output = crate::wire::Bin)]
pub async fn apply_out(
    practice: PracticeId,
    provider: UserId,
    from: NaiveDateTime,
    to: NaiveDateTime,
    note: String,
    choices: Vec<OutChoice>,
) -> Result<OutDone, AppError> {
    let (actor, mut tx) = open(practice, &CALENDAR_ROLES).await?;
    in_range(&[from.date(), to.date()])?;
    may_change_hours(&actor, practice, provider)?;
    let moved = crate::calendar::out::apply(
        &mut tx,
        practice,
        actor.user(),
        provider,
        (from, to),
        &note,
        &choices,
    )
    .await?;
    let url = app_state()?.settings.public_url.clone();
    let mut emailed = 0;
    for id in &moved {
        if crate::calendar::notices::notify(&mut tx, &url, practice, *id, Notice::Moved).await? {
            emailed += 1;
        } else {
            let reason = "Appointment moved (provider out): tell the patient the new time.";
            if let Some(task) =
                crate::tasks::db::insert_call_back(&mut tx, practice, *id, reason, actor.user()).await?
            {
                crate::tasks::notices::announce(&mut tx, practice, task).await?;
            }
        }
    }
    let detail = serde_json::json!({ "provider": provider, "moved": moved.len(), "emailed": emailed });
    audit::record(
        &mut tx,
        Event {
            detail,
            ..Event::of(&actor, practice, Action::CalendarOutApply)
        },
    )
    .await?;
    tx.commit().await?;
    Ok(OutDone {
        moved: moved.len(),
        emailed,
        call_backs: moved.len() - emailed,
    })
}

/// Patients to phone (no e-mail address) about changes, oldest first. Audited.
#[server(endpoint = "calendar/call-backs", input = Json, output = crate::wire::Bin)]
pub async fn call_backs(practice: PracticeId) -> Result<Vec<CallBack>, AppError> {
    let (actor, mut tx) = open(practice, &CALENDAR_ROLES).await?;
    let list = crate::tasks::db::open_call_backs(&mut tx, practice).await?;
    let detail = serde_json::json!({ "open": list.len() });
    audit::record(
        &mut tx,
        Event {
            detail,
            patients: list.iter().map(|c| c.patient_id).collect(),
            ..Event::of(&actor, practice, Action::CalendarCallBacks)
        },
    )
    .await?;
    tx.commit().await?;
    Ok(list)
}

/// Marks a call-back done.
#[server(endpoint = "calendar/call-back-done", input = Json, output = crate::wire::Bin)]
pub async fn finish_call_back(practice: PracticeId, id: crate::model::TaskId) -> Result<(), AppError> {
    let (actor, mut tx) = open(practice, &CALENDAR_ROLES).await?;
    let Some(patient) = crate::tasks::db::finish_call_back(&mut tx, practice, id, actor.user()).await? else {
        return Err(AppError::NotFound);
    };
    audit::record(
        &mut tx,
        Event {
            patient: Some(patient.0),
            ..Event::of(&actor, practice, Action::CalendarCallBackDone)
        },
    )
    .await?;
    crate::realtime::db::publish(&mut tx, &book::live(practice, None)).await?;
    crate::tasks::notices::announce(&mut tx, practice, id).await?;
    tx.commit().await?;
    Ok(())
}

/// Puts the patient of an appointment on the waitlist for an earlier slot between `earliest`
/// and `latest` (local dates).
#[server(endpoint = "calendar/waitlist-add", input = Json, output = crate::wire::Bin)]
pub async fn add_to_waitlist(
    practice: PracticeId,
    entry: EntryId,
    earliest: NaiveDate,
    latest: NaiveDate,
    note: String,
) -> Result<uuid::Uuid, AppError> {
    let (actor, mut tx) = open(practice, &CALENDAR_ROLES).await?;
    in_range(&[earliest, latest])?;
    let (id, patient) =
        crate::calendar::waitlist::add(&mut tx, practice, actor.user(), entry, (earliest, latest), &note)
            .await?;
    audit::record(
        &mut tx,
        Event {
            patient: Some(patient.0),
            subject_type: Some("entry"),
            subject_id: Some(entry.to_string()),
            ..Event::of(&actor, practice, Action::WaitlistAdd)
        },
    )
    .await?;
    // No live event: the calendar itself did not change (and an open details panel, which
    // follows its entry, would be drawn anew and lose its note).
    tx.commit().await?;
    Ok(id)
}

/// The open waitlist, each with the earliest free slot found for them. Audited.
#[server(endpoint = "calendar/waitlist", input = Json, output = crate::wire::Bin)]
pub async fn waitlist(practice: PracticeId) -> Result<Vec<Waiting>, AppError> {
    let (actor, mut tx) = open(practice, &CALENDAR_ROLES).await?;
    let list = crate::calendar::waitlist::list(&mut tx, practice).await?;
    let detail = serde_json::json!({ "waiting": list.len() });
    audit::record(
        &mut tx,
        Event {
            detail,
            patients: list.iter().map(|w| w.patient_id).collect(),
            ..Event::of(&actor, practice, Action::WaitlistView)
        },
    )
    .await?;
    tx.commit().await?;
    Ok(list)
}

/// Offers a free slot by e-mail to the waiting patients `ids`; returns how many were written to.
#[server(endpoint = "calendar/waitlist-offer", input = Json, output = crate::wire::Bin)]
pub async fn offer_slot(practice: PracticeId, slot: Offer, ids: Vec<uuid::Uuid>) -> Result<usize, AppError> {
    let (actor, mut tx) = open(practice, &CALENDAR_ROLES).await?;
    in_range(&[slot.start_local.date(), slot.end_local.date()])?;
    let url = app_state()?.settings.public_url.clone();
    let sent = crate::calendar::waitlist::offer(&mut tx, &url, practice, actor.user(), &slot, &ids).await?;
    let detail = serde_json::json!({ "offered_to": sent });
    audit::record(
        &mut tx,
        Event {
            detail,
            ..Event::of(&actor, practice, Action::WaitlistOffer)
        },
    )
    .await?;
    tx.commit().await?;
    Ok(sent)
}

/// Takes a patient off the waitlist.
#[server(endpoint = "calendar/waitlist-remove", input = Json, output = crate::wire::Bin)]
pub async fn remove_from_waitlist(practice: PracticeId, id: uuid::Uuid) -> Result<(), AppError> {
    let (actor, mut tx) = open(practice, &CALENDAR_ROLES).await?;
    let Some(patient) = db::close_waiting(&mut tx, practice, id, "removed").await? else {
        return Err(AppError::NotFound);
    };
    audit::record(
        &mut tx,
        Event {
            patient: Some(patient.0),
            ..Event::of(&actor, practice, Action::WaitlistRemove)
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// What a waitlist offer's link shows. The secret token is the only credential.
#[server(endpoint = "appointment/offer", input = Json, output = crate::wire::Bin)]
pub async fn slot_offer(token: String) -> Result<ClaimView, AppError> {
    crate::calendar::waitlist::show(&app_state()?.pool, session::client_network(), &token).await
}

/// The patient takes the offered slot (the first to do so gets it).
#[server(endpoint = "appointment/claim", input = Json, output = crate::wire::Bin)]
pub async fn claim_slot(token: String) -> Result<ClaimView, AppError> {
    let state = app_state()?;
    crate::calendar::waitlist::claim(
        &state.pool,
        &state.settings.public_url,
        session::client_network(),
        &token,
    )
    .await
}

/// Today in every practice the person works the calendar of (each practice's own day),
/// for the overlay. Audited per practice.
#[server(endpoint = "calendar/today", input = Json, output = crate::wire::Bin)]
pub async fn today_across() -> Result<Vec<DayOf>, AppError> {
    let actor = session::actor()?;
    let state = app_state()?;
    let mut out = Vec::new();
    for p in &actor.me.practices {
        if !CALENDAR_ROLES.contains(&p.role) {
            continue;
        }
        let mut tx = begin(&state.pool, &actor.scope(p.id)).await?;
        // A practice whose zone cannot be read is left out; the others still show.
        let day = match book::day_of(&mut tx, p.id, actor.user()).await {
            Err(AppError::Invalid(why)) if why == book::BAD_ZONE => continue,
            day => day?,
        };
        let detail = serde_json::json!({ "today": true, "entries": day.entries.len() });
        audit::record(
            &mut tx,
            Event {
                detail,
                patients: day.entries.iter().filter_map(|e| e.patient_id).collect(),
                ..Event::of(&actor, p.id, Action::CalendarView)
            },
        )
        .await?;
        tx.commit().await?;
        out.push(day);
    }
    Ok(out)
}
