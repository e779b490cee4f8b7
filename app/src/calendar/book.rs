//! Booking on the server: the steps shared by the server functions (placing an entry and
//! its claims, naming conflicts, offering free slots), in the caller's transaction.

use crate::audit::model::Action;
use crate::calendar::db;
use crate::calendar::model::{
    Clash, DayEntry, DayOf, Entry, EntryKind, Exception, NewEntry, Offer, Outcome, Person, Reach, Setup,
    Status, View,
};
use crate::calendar::rules::{self, local_to_utc, Calendar, ExceptionKind, Rrule, SlotShape, Span};
use crate::db::Tx;
use crate::error::AppError;
use crate::model::{EntryId, PracticeId, RoomId, SeriesId, TypeId, UserId};
use crate::realtime::LiveEvent;
use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use chrono_tz::Tz;
use sqlx::{Acquire, PgConnection};
use std::collections::HashMap;
use uuid::Uuid;

/// The live event every calendar change publishes (ids only).
pub fn live(practice: PracticeId, entry: Option<EntryId>) -> LiveEvent {
    LiveEvent::practice(practice, crate::realtime::Kind::Calendar, entry.map(|e| e.0))
}

pub async fn zone(conn: &mut PgConnection, practice: PracticeId) -> Result<(String, Tz, i32), AppError> {
    let (name, zone, slot) = db::practice_head(conn, practice)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((name, parse_zone(&zone)?, slot))
}

/// The practice's zone. Names are checked when saved and repaired at start; one that still
/// cannot be read is a clear refusal for this practice alone, never a server error.
pub fn parse_zone(zone: &str) -> Result<Tz, AppError> {
    crate::practices::rules::zone(zone).ok_or_else(|| {
        tracing::error!("practice has an unknown time zone");
        AppError::invalid(BAD_ZONE)
    })
}

/// What a practice whose stored time zone cannot be read answers.
pub const BAD_ZONE: &str =
    "This practice's time zone is not one we know: a practice admin can choose one in Settings.";

fn local(tz: &Tz, t: DateTime<Utc>) -> NaiveDateTime {
    t.with_timezone(tz).naive_local()
}

pub async fn setup(conn: &mut PgConnection, practice: PracticeId) -> Result<Setup, AppError> {
    Ok(setup_and_zone(conn, practice).await?.0)
}

/// The setup and the parsed zone, from one query.
pub async fn setup_and_zone(conn: &mut PgConnection, practice: PracticeId) -> Result<(Setup, Tz), AppError> {
    let rows = db::setup_rows(conn, practice).await?.ok_or(AppError::NotFound)?;
    let tz = parse_zone(&rows.time_zone)?;
    let now = Utc::now();
    let now_local = local(&tz, now);
    let setup = Setup {
        practice_name: rows.name,
        time_zone: tz.name().to_string(),
        slot_minutes: rows.slot_minutes,
        providers: rows
            .people
            .iter()
            .filter(|(_, c)| *c)
            .map(|(p, _)| p.clone())
            .collect(),
        staff: rows.people.into_iter().map(|(p, _)| p).collect(),
        rooms: rows.rooms,
        types: rows.types,
        now_local,
        utc_offset_minutes: i32::try_from((now_local - now.naive_utc()).num_minutes()).unwrap_or(0),
        open_weekdays: rows.open_weekdays,
    };
    Ok((setup, tz))
}

/// The instants of local days `[first, first + days)`.
fn day_window(tz: &Tz, first: NaiveDate, days: u32) -> Span {
    let start = local_to_utc(tz, first.and_time(chrono::NaiveTime::MIN));
    let end = local_to_utc(
        tz,
        (first + Duration::days(i64::from(days))).and_time(chrono::NaiveTime::MIN),
    );
    Span::new(start, end)
}

pub async fn view(
    conn: &mut PgConnection,
    practice: PracticeId,
    first_day: NaiveDate,
    days: u32,
) -> Result<View, AppError> {
    let (setup, tz) = setup_and_zone(conn, practice).await?;
    let window = day_window(&tz, first_day, days);
    let entries = db::entries(conn, practice, tz.name(), window).await?;
    let providers: Vec<UserId> = setup.providers.iter().map(|p| p.id).collect();
    let open = availability(conn, practice, &tz, &providers, window).await?;
    Ok(View {
        first_day,
        days,
        entries,
        open: providers
            .iter()
            .map(|p| {
                let spans = open.get(p).cloned().unwrap_or_default();
                (
                    *p,
                    spans
                        .iter()
                        .map(|s| (local(&tz, s.start), local(&tz, s.end)))
                        .collect(),
                )
            })
            .collect(),
    })
}

/// Each provider's open spans in `window`.
async fn availability(
    conn: &mut PgConnection,
    practice: PracticeId,
    tz: &Tz,
    providers: &[UserId],
    window: Span,
) -> Result<HashMap<UserId, Vec<Span>>, AppError> {
    let from = local(tz, window.start).date() - Duration::days(1);
    let to = local(tz, window.end).date() + Duration::days(1);
    let templates = db::templates(conn, practice, providers, from, to).await?;
    let exceptions = db::exceptions(conn, practice, providers, window).await?;
    let mut out = HashMap::new();
    for p in providers {
        let t: Vec<_> = templates
            .iter()
            .filter(|(q, _)| q == p)
            .map(|(_, r)| r.clone())
            .collect();
        let x: Vec<_> = exceptions
            .iter()
            .filter(|(q, _, _)| q == p)
            .map(|(_, k, s)| (*k, *s))
            .collect();
        out.insert(*p, rules::availability(tz, &t, &x, window));
    }
    Ok(out)
}

/// A provider's time off and extra hours that have not ended yet, in local time.
pub async fn exceptions_ahead(
    conn: &mut PgConnection,
    practice: PracticeId,
    provider: UserId,
) -> Result<Vec<Exception>, AppError> {
    let (_, tz, _) = zone(conn, practice).await?;
    Ok(db::upcoming_exceptions(conn, practice, provider, Utc::now())
        .await?
        .into_iter()
        .map(|(id, kind, span, note)| Exception {
            id,
            kind,
            start_local: local(&tz, span.start),
            end_local: local(&tz, span.end),
            note,
        })
        .collect())
}

/// Refuses a note (time off, extra hours, a waitlist entry) over 500 characters.
pub fn check_note(note: &str) -> Result<(), AppError> {
    if note.chars().count() > 500 {
        return Err(AppError::invalid("The note is at most 500 characters."));
    }
    Ok(())
}

/// Records extra hours on one local day: from today on, with a short note.
pub async fn add_extra_hours(
    conn: &mut PgConnection,
    practice: PracticeId,
    provider: UserId,
    (day, from, to): (NaiveDate, NaiveTime, NaiveTime),
    note: &str,
    by: UserId,
) -> Result<(), AppError> {
    let (_, tz, _) = zone(conn, practice).await?;
    require_provider(conn, practice, provider).await?;
    if day < local(&tz, Utc::now()).date() {
        return Err(AppError::invalid("Extra hours can be added from today on."));
    }
    check_note(note)?;
    let span = rules::hours_on(&tz, day, from, to).map_err(AppError::Invalid)?;
    db::insert_exception(
        conn,
        practice,
        provider,
        ExceptionKind::Extra,
        span,
        note.trim(),
        by,
    )
    .await?;
    Ok(())
}

/// Refuses a provider who is not a clinician of the practice.
pub async fn require_provider(
    conn: &mut PgConnection,
    practice: PracticeId,
    provider: UserId,
) -> Result<(), AppError> {
    let people = db::people(conn, practice).await?;
    if people.iter().any(|(p, c)| *c && p.id == provider) {
        Ok(())
    } else {
        Err(AppError::invalid("Choose one of the practice's clinicians."))
    }
}

/// Everything needed to place one entry at one time.
struct Placement<'a> {
    kind: EntryKind,
    provider: Option<UserId>,
    room: Option<RoomId>,
    attendees: &'a [UserId],
    shape: SlotShape,
    /// Only appointments must fall inside availability.
    check_availability: bool,
    override_availability: bool,
}

impl Placement<'_> {
    fn resources(&self) -> Vec<(Uuid, &'static str)> {
        let mut out: Vec<(Uuid, &'static str)> = Vec::new();
        if let Some(p) = self.provider {
            out.push((p.0, "provider"));
        }
        for a in self.attendees {
            if !out.iter().any(|(id, _)| *id == a.0) {
                out.push((a.0, "provider"));
            }
        }
        if let Some(r) = self.room {
            out.push((r.0, "room"));
        }
        out
    }
}

/// Why an entry could not be placed.
enum Refusal {
    Clash(Clash),
    Unavailable,
}

/// Checks availability and claims the entry's resources inside a savepoint, so that a
/// refused claim leaves the caller's transaction usable. `make` inserts (or updates) the
/// entry row and returns its id.
async fn place<F>(
    tx: &mut Tx,
    practice: PracticeId,
    tz: &Tz,
    p: &Placement<'_>,
    start: DateTime<Utc>,
    except: Option<EntryId>,
    make: F,
) -> Result<Result<EntryId, Refusal>, AppError>
where
    F: for<'c> AsyncFnOnce(&'c mut PgConnection, bool) -> Result<EntryId, sqlx::Error>,
{
    let slot = Span::new(start, start + p.shape.length);
    let mut outside = false;
    if p.check_availability {
        if let Some(provider) = p.provider {
            let open = availability(tx, practice, tz, &[provider], slot).await?;
            let inside = open
                .get(&provider)
                .is_some_and(|o| o.iter().any(|s| s.contains(&slot)));
            if !inside {
                if !p.override_availability {
                    return Ok(Err(Refusal::Unavailable));
                }
                outside = true;
            }
        }
    }
    let blocked = p.shape.blocked(start);
    let resources = p.resources();
    let mut sp = Acquire::begin(&mut **tx).await?;
    let id = make(&mut *sp, outside).await?;
    match db::claim(&mut sp, practice, id, &resources, blocked).await {
        Ok(()) => {
            sp.commit().await?;
            Ok(Ok(id))
        }
        Err(e) if db::is_overlap(&e) => {
            sp.rollback().await?;
            let ids: Vec<Uuid> = resources.iter().map(|r| r.0).collect();
            let found = db::clashes(tx, practice, &ids, blocked, except).await?;
            let clash = found
                .into_iter()
                .next()
                .map(|(resource, kind, title, s, e)| Clash {
                    resource,
                    what: match kind {
                        EntryKind::Appointment => "an appointment".to_string(),
                        EntryKind::Meeting => format!("a meeting ({title})"),
                        EntryKind::Block => {
                            format!("{} (blocked)", if title.is_empty() { "time" } else { &title })
                        }
                    },
                    start_local: local(tz, s),
                    end_local: local(tz, e),
                })
                .unwrap_or(Clash {
                    resource: String::new(),
                    what: "another booking".into(),
                    start_local: local(tz, blocked.start),
                    end_local: local(tz, blocked.end),
                });
            Ok(Err(Refusal::Clash(clash)))
        }
        Err(e) => Err(e.into()),
    }
}

/// Checks what a booking form sent and books it: one entry, or every occurrence of a series.
pub async fn book(tx: &mut Tx, practice: PracticeId, by: UserId, n: &NewEntry) -> Result<Outcome, AppError> {
    book_into(tx, practice, by, n, None).await
}

/// Books `n`; `into` books it as the given starts of an existing series instead (those a
/// series' changed rule adds), ignoring `n.start` and `n.rrule`.
async fn book_into(
    tx: &mut Tx,
    practice: PracticeId,
    by: UserId,
    n: &NewEntry,
    into: Option<(SeriesId, Vec<NaiveDateTime>)>,
) -> Result<Outcome, AppError> {
    let (setup, tz) = setup_and_zone(tx, practice).await?;
    let title = n.title.trim();
    let notes = n.notes.trim();
    if title.chars().count() > 120 || notes.chars().count() > 4000 {
        return Err(AppError::invalid(
            "The title is at most 120 characters, the notes 4,000.",
        ));
    }
    let room = match n.room {
        Some(r) if !setup.rooms.iter().any(|x| x.id == r) => {
            return Err(AppError::invalid("Choose one of the practice's rooms."))
        }
        r => r,
    };
    let staff_ok = |u: &UserId| setup.staff.iter().any(|s| s.id == *u);
    let (shape, type_id, provider, patient) = match n.kind {
        EntryKind::Appointment => {
            let t = n
                .type_id
                .and_then(|id| setup.types.iter().find(|t| t.id == id))
                .ok_or_else(|| AppError::invalid("Choose the appointment type."))?;
            let provider = n
                .provider
                .ok_or_else(|| AppError::invalid("Choose the provider."))?;
            if !setup.providers.iter().any(|p| p.id == provider) || !t.allows(provider) {
                return Err(AppError::invalid(format!(
                    "{} is not booked with that provider.",
                    t.name
                )));
            }
            if t.needs_room && room.is_none() {
                return Err(AppError::invalid(format!("{} needs a room: choose one.", t.name)));
            }
            let patient = n
                .patient
                .ok_or_else(|| AppError::invalid("Choose the patient."))?;
            db::patient(tx, practice, patient)
                .await?
                .ok_or_else(|| AppError::invalid("Choose the patient."))?;
            let shape = SlotShape {
                length: Duration::minutes(t.minutes.into()),
                before: Duration::minutes(t.buffer_before.into()),
                after: Duration::minutes(t.buffer_after.into()),
            };
            (shape, Some(t.id), Some(provider), Some(patient))
        }
        EntryKind::Meeting | EntryKind::Block => {
            let minutes = n
                .minutes
                .filter(|m| (5..=720).contains(m))
                .ok_or_else(|| AppError::invalid("Give the length in minutes (5 to 720)."))?;
            if title.is_empty() {
                return Err(AppError::invalid(
                    "Give it a title (\"Lunch\", \"Staff meeting\").",
                ));
            }
            let provider = match n.kind {
                EntryKind::Block => Some(
                    n.provider
                        .filter(staff_ok)
                        .ok_or_else(|| AppError::invalid("Choose whose time it blocks."))?,
                ),
                _ => None,
            };
            if n.kind == EntryKind::Meeting && (n.attendees.is_empty() || !n.attendees.iter().all(staff_ok)) {
                return Err(AppError::invalid(
                    "Choose the meeting's attendees among the practice's people.",
                ));
            }
            let shape = SlotShape {
                length: Duration::minutes(minutes.into()),
                before: Duration::zero(),
                after: Duration::zero(),
            };
            (shape, None, provider, None)
        }
    };
    let attendees: &[UserId] = if n.kind == EntryKind::Meeting {
        &n.attendees
    } else {
        &[]
    };
    let placement = Placement {
        kind: n.kind,
        provider,
        room,
        attendees,
        shape,
        check_availability: n.kind == EntryKind::Appointment,
        override_availability: n.override_availability,
    };
    // One start, or the series' starts.
    let (starts, series) = match into {
        Some((series, starts)) => (starts, Some(series)),
        None => match n.rrule.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
            None => (vec![n.start], None),
            Some(text) => {
                let rule = Rrule::parse_in(text, &tz).map_err(AppError::Invalid)?;
                let series = db::insert_series(tx, practice, &rule.to_text(), n.start, by).await?;
                let starts = rule.expand(&tz, n.start).map_err(AppError::Invalid)?;
                (starts, Some(series))
            }
        },
    };
    let mut ids = Vec::new();
    let mut clashes = Vec::new();
    let mut unavailable = false;
    for start_local in &starts {
        // A single entry may name its instant (the offer picked); a series' are computed.
        let start = match series {
            None => rules::instant_of(&tz, *start_local, n.at),
            Some(_) => local_to_utc(&tz, *start_local),
        };
        let row = db::EntryRow {
            kind: placement.kind,
            patient,
            type_id,
            provider,
            room,
            title,
            starts_at: start,
            ends_at: start + shape.length,
            buffer_before: minutes(shape.before),
            buffer_after: minutes(shape.after),
            notes,
            series,
            outside_availability: false,
        };
        let placed = place(
            tx,
            practice,
            &tz,
            &placement,
            start,
            None,
            async |conn: &mut PgConnection, outside: bool| {
                let row = db::EntryRow {
                    outside_availability: outside,
                    ..row
                };
                let id = db::insert_entry(conn, practice, &row, by).await?;
                if !attendees.is_empty() {
                    db::insert_attendees(conn, practice, id, attendees).await?;
                }
                db::record_history(
                    conn,
                    practice,
                    id,
                    Some(by),
                    "created",
                    serde_json::json!({ "start": start, "outside_availability": outside }),
                )
                .await?;
                Ok(id)
            },
        )
        .await?;
        match placed {
            Ok(id) => ids.push(id),
            Err(Refusal::Clash(c)) => clashes.push((*start_local, c)),
            Err(Refusal::Unavailable) if series.is_none() => unavailable = true,
            Err(Refusal::Unavailable) => clashes.push((
                *start_local,
                Clash {
                    resource: provider_name(&setup.providers, provider),
                    what: "not available then".into(),
                    start_local: *start_local,
                    end_local: *start_local + shape.length,
                },
            )),
        }
    }
    if unavailable || (!clashes.is_empty() && (!n.skip_conflicts || ids.is_empty())) {
        let offers = match (type_id, provider) {
            (Some(t), Some(p)) => {
                let from = local_to_utc(&tz, n.start);
                offers_near(tx, practice, &tz, &setup, t, p, from, 5, Prefer::SameProvider).await?
            }
            _ => vec![],
        };
        return Ok(if unavailable {
            Outcome::Unavailable { offers }
        } else {
            Outcome::Conflict { clashes, offers }
        });
    }
    for id in &ids {
        crate::realtime::db::publish(tx, &live(practice, Some(*id))).await?;
    }
    record_audit(
        tx,
        practice,
        Some(by),
        Action::AppointmentBook,
        patient,
        ids.first().copied(),
        serde_json::Value::Null,
    )
    .await?;
    Ok(Outcome::Done {
        ids,
        skipped: clashes.into_iter().map(|(t, _)| t).collect(),
        undo: None,
    })
}

fn minutes(d: Duration) -> i32 {
    i32::try_from(d.num_minutes()).unwrap_or(0)
}

fn provider_name(providers: &[Person], id: Option<UserId>) -> String {
    id.and_then(|id| providers.iter().find(|p| p.id == id))
        .map(|p| p.name.clone())
        .unwrap_or_default()
}

async fn record_audit(
    tx: &mut Tx,
    practice: PracticeId,
    by: Option<UserId>,
    action: Action,
    patient: Option<crate::model::PatientId>,
    entry: Option<EntryId>,
    detail: serde_json::Value,
) -> Result<(), AppError> {
    crate::audit::db::record(
        tx,
        crate::audit::db::Event {
            practice: Some(practice),
            actor: by,
            subject_type: Some("entry"),
            subject_id: entry.map(|e| e.to_string()),
            patient: patient.map(|p| p.0),
            detail,
            ..crate::audit::db::Event::new(action)
        },
    )
    .await?;
    Ok(())
}

/// What a move asks for.
pub struct Move {
    pub id: EntryId,
    pub version: i32,
    pub start: NaiveDateTime,
    pub provider: Option<UserId>,
    pub room: Option<RoomId>,
    pub override_availability: bool,
    /// The instant of the offer picked (see `NewEntry::at`).
    pub at: Option<DateTime<Utc>>,
}

const STALE: &str = "Someone changed this entry a moment ago: look again, then try once more.";

/// Moves one entry; an occurrence of a series moved this way keeps its own time when the
/// series is edited later.
pub async fn move_entry(tx: &mut Tx, practice: PracticeId, by: UserId, m: Move) -> Result<Outcome, AppError> {
    let here = setup_and_zone(tx, practice).await?;
    move_one(tx, practice, &here, Some(by), m, true).await
}

/// A move the patient made (claiming an offered slot): no member of staff did it.
pub async fn move_for_patient(tx: &mut Tx, practice: PracticeId, m: Move) -> Result<Outcome, AppError> {
    let here = setup_and_zone(tx, practice).await?;
    move_one(tx, practice, &here, None, m, true).await
}

/// Moves the occurrences of a series that `reach` covers by as much as `m` moves the one it
/// names (same wall-clock shift, and to `m`'s provider and room). All or nothing: any
/// occurrence that does not fit is reported and nothing is committed by the caller.
pub async fn move_series(
    tx: &mut Tx,
    practice: PracticeId,
    by: UserId,
    m: Move,
    reach: Reach,
) -> Result<Outcome, AppError> {
    let e = db::entry(tx, practice, m.id, true)
        .await?
        .ok_or(AppError::NotFound)?;
    let series = match (e.series_id, reach) {
        (Some(series), Reach::Following | Reach::All) => series,
        _ => return move_entry(tx, practice, by, m).await,
    };
    if e.version != m.version {
        return Err(AppError::invalid(STALE));
    }
    let shift = m.start - e.start_local;
    let here = setup_and_zone(tx, practice).await?;
    let targets = db::series_entries(tx, practice, series, e.id, reach == Reach::Following, false).await?;
    // Free them all first: a shift may land one occurrence where the next one was.
    for t in &targets {
        db::release(tx, practice, t.id).await?;
    }
    let mut ids = Vec::new();
    let mut clashes = Vec::new();
    for t in targets {
        let start = t.start_local + shift;
        let one = Move {
            id: t.id,
            version: t.version,
            start,
            provider: m.provider,
            room: m.room,
            override_availability: m.override_availability,
            at: None,
        };
        match move_one(tx, practice, &here, Some(by), one, false).await? {
            Outcome::Done { .. } => ids.push(t.id),
            Outcome::Conflict { clashes: c, .. } => clashes.extend(c),
            Outcome::Unavailable { .. } => clashes.push((
                start,
                Clash {
                    resource: String::new(),
                    what: "outside the provider's hours".into(),
                    start_local: start,
                    end_local: start + (t.end_local - t.start_local),
                },
            )),
        }
    }
    if clashes.is_empty() {
        Ok(Outcome::Done {
            ids,
            skipped: vec![],
            undo: None,
        })
    } else {
        Ok(Outcome::Conflict {
            clashes,
            offers: vec![],
        })
    }
}

/// Gives a series a new rule from the occurrence `id` on (`Following`), or for every
/// occurrence still to come (`All`). Occurrences the new rule keeps stay as they are (same
/// booking, status and confirmation), those it leaves out are cancelled and the missing ones
/// are booked; occurrences moved on their own stay where they are. All of them form a new
/// series (later edits reach it) and the old one ends before them. All or nothing: a
/// conflict is reported and the caller commits nothing, unless `skip_conflicts`.
#[allow(clippy::too_many_arguments)]
pub async fn change_rule(
    tx: &mut Tx,
    practice: PracticeId,
    by: UserId,
    id: EntryId,
    version: i32,
    rrule: &str,
    reach: Reach,
    override_availability: bool,
    skip_conflicts: bool,
) -> Result<Outcome, AppError> {
    let e = db::entry(tx, practice, id, true)
        .await?
        .ok_or(AppError::NotFound)?;
    let Some(old) = e.series_id else {
        return Err(AppError::invalid(
            "Only a repeating booking has a rule to change.",
        ));
    };
    if reach == Reach::This {
        return Err(AppError::invalid(
            "A new rule changes this and the following occurrences, or all still to come: choose which.",
        ));
    }
    if e.version != version {
        return Err(AppError::invalid(STALE));
    }
    if !matches!(e.status, Status::Scheduled | Status::Confirmed) {
        return Err(AppError::invalid(
            "Change the rule from an occurrence that is still to come.",
        ));
    }
    let (_, tz, _) = zone(tx, practice).await?;
    let rule = Rrule::parse_in(rrule, &tz).map_err(AppError::Invalid)?;
    let following = reach == Reach::Following;
    let targets = db::series_entries(tx, practice, old, e.id, following, true).await?;
    let plain: Vec<EntryId> = db::series_entries(tx, practice, old, e.id, following, false)
        .await?
        .iter()
        .map(|t| t.id)
        .collect();
    let first = if following {
        e.start_local
    } else {
        targets
            .iter()
            .map(|t| t.start_local)
            .min()
            .unwrap_or(e.start_local)
    };
    let mut missing = rule.expand(&tz, first).map_err(AppError::Invalid)?;
    let (mut kept, mut dropped) = (Vec::new(), Vec::new());
    for t in &targets {
        let moved_alone = !plain.contains(&t.id);
        // An occurrence moved on its own stands for the new one of its day, if any.
        let same =
            |s: &NaiveDateTime| *s == t.start_local || (moved_alone && s.date() == t.start_local.date());
        if let Some(i) = missing.iter().position(same) {
            missing.remove(i);
            kept.push(t.id);
        } else if moved_alone {
            kept.push(t.id);
        } else {
            dropped.push(t.id);
        }
    }
    // The old series ends the day before the new rule's first occurrence (a rule has at
    // most one occurrence a day).
    let old_rule = Rrule::parse(&db::series_rule(tx, practice, old).await?).map_err(AppError::Invalid)?;
    let day_before = local_to_utc(&tz, first.date().and_time(NaiveTime::MIN)) - Duration::seconds(1);
    let last = match old_rule.end {
        rules::End::Until(u) => u.min(day_before),
        _ => day_before,
    };
    let ended = Rrule {
        end: rules::End::Until(last),
        ..old_rule
    };
    db::set_series_rule(tx, practice, old, &ended.to_text()).await?;
    let series = db::insert_series(tx, practice, &rule.to_text(), first, by).await?;
    for t in &dropped {
        change_status(
            tx,
            practice,
            Some(by),
            *t,
            None,
            Status::Cancelled,
            Some("Left out when the series' repeat rule changed"),
        )
        .await?;
    }
    db::set_series(tx, practice, &kept, series).await?;
    record_audit(
        tx,
        practice,
        Some(by),
        Action::AppointmentRule,
        e.patient_id,
        Some(e.id),
        serde_json::Value::Null,
    )
    .await?;
    for k in &kept {
        db::record_history(
            tx,
            practice,
            *k,
            Some(by),
            "rule",
            serde_json::json!({ "rule": rule.to_text() }),
        )
        .await?;
        crate::realtime::db::publish(tx, &live(practice, Some(*k))).await?;
    }
    if missing.is_empty() {
        return Ok(Outcome::Done {
            ids: kept,
            skipped: vec![],
            undo: None,
        });
    }
    let n = NewEntry {
        kind: e.kind,
        patient: e.patient_id,
        type_id: e.type_id,
        provider: e.provider_id,
        room: e.room_id,
        attendees: e.attendees.clone(),
        // An appointment's title is its patient's name, which is not stored on it.
        title: if e.kind == EntryKind::Appointment {
            String::new()
        } else {
            e.title.clone()
        },
        start: first,
        at: None,
        minutes: i32::try_from((e.ends_at - e.starts_at).num_minutes()).ok(),
        notes: db::notes(tx, practice, e.id).await?,
        rrule: None,
        override_availability,
        skip_conflicts,
    };
    Ok(
        match book_into(tx, practice, by, &n, Some((series, missing))).await? {
            Outcome::Done { ids, skipped, .. } => Outcome::Done {
                ids: kept.into_iter().chain(ids).collect(),
                skipped,
                undo: None,
            },
            refused => refused,
        },
    )
}

/// Cancels the occurrences of a series that `reach` covers (those moved on their own too);
/// returns how many.
#[allow(clippy::too_many_arguments)]
pub async fn cancel_series(
    tx: &mut Tx,
    practice: PracticeId,
    by: UserId,
    id: EntryId,
    version: i32,
    reason: Option<&str>,
    reach: Reach,
) -> Result<usize, AppError> {
    let e = db::entry(tx, practice, id, true)
        .await?
        .ok_or(AppError::NotFound)?;
    let series = match (e.series_id, reach) {
        (Some(series), Reach::Following | Reach::All) => series,
        _ => {
            change_status(
                tx,
                practice,
                Some(by),
                id,
                Some(version),
                Status::Cancelled,
                reason,
            )
            .await?;
            return Ok(1);
        }
    };
    if e.version != version {
        return Err(AppError::invalid(STALE));
    }
    let targets = db::series_entries(tx, practice, series, id, reach == Reach::Following, true).await?;
    for t in &targets {
        change_status(tx, practice, Some(by), t.id, None, Status::Cancelled, reason).await?;
    }
    Ok(targets.len())
}

/// Moves one entry, with the practice's setup and zone read once by the caller (a series or
/// a clinician's absence moves many). `detach`: the occurrence keeps its own time later.
pub async fn move_one(
    tx: &mut Tx,
    practice: PracticeId,
    here: &(Setup, Tz),
    by: Option<UserId>,
    m: Move,
    detach: bool,
) -> Result<Outcome, AppError> {
    let (setup, tz) = (&here.0, here.1);
    let e = db::entry(tx, practice, m.id, true)
        .await?
        .ok_or(AppError::NotFound)?;
    if e.version != m.version {
        return Err(AppError::invalid(STALE));
    }
    if !e.status.holds_time() || matches!(e.status, Status::Completed | Status::NoShow) {
        return Err(AppError::invalid(
            "A cancelled, completed or missed entry cannot be moved.",
        ));
    }
    let provider = if e.kind == EntryKind::Meeting {
        None
    } else {
        m.provider.or(e.provider_id)
    };
    if let (EntryKind::Appointment, Some(p)) = (e.kind, provider) {
        let t = e.type_id.and_then(|t| setup.types.iter().find(|x| x.id == t));
        if !setup.providers.iter().any(|x| x.id == p) || t.is_some_and(|t| !t.allows(p)) {
            return Err(AppError::invalid(
                "That provider does not see this type of appointment.",
            ));
        }
    }
    let room = m.room.or(e.room_id);
    if room.is_some_and(|r| !setup.rooms.iter().any(|x| x.id == r)) {
        return Err(AppError::invalid("Choose one of the practice's rooms."));
    }
    let (before, after) = db::buffers(tx, m.id).await?;
    let shape = SlotShape {
        length: e.ends_at - e.starts_at,
        before: Duration::minutes(before.into()),
        after: Duration::minutes(after.into()),
    };
    let start = rules::instant_of(&tz, m.start, m.at);
    let placement = Placement {
        kind: e.kind,
        provider,
        room,
        attendees: &e.attendees,
        shape,
        check_availability: e.kind == EntryKind::Appointment,
        override_availability: m.override_availability,
    };
    let old = (e.starts_at, e.provider_id, e.room_id);
    let placed = place(
        tx,
        practice,
        &tz,
        &placement,
        start,
        Some(m.id),
        async |conn: &mut PgConnection, outside: bool| {
            db::release(conn, practice, m.id).await?;
            db::update_placement(
                conn,
                practice,
                m.id,
                Span::new(start, start + shape.length),
                provider,
                room,
                outside,
                detach,
            )
            .await?;
            db::record_history(
                conn,
                practice,
                m.id,
                by,
                "moved",
                serde_json::json!({
                    "start": [old.0, start],
                    "provider": [old.1, provider],
                    "room": [old.2, room],
                    "outside_availability": outside,
                }),
            )
            .await?;
            Ok(m.id)
        },
    )
    .await?;
    match placed {
        Ok(id) => {
            crate::realtime::db::publish(tx, &live(practice, Some(id))).await?;
            record_audit(
                tx,
                practice,
                by,
                Action::AppointmentMove,
                e.patient_id,
                Some(id),
                serde_json::Value::Null,
            )
            .await?;
            Ok(Outcome::Done {
                ids: vec![id],
                skipped: vec![],
                undo: None,
            })
        }
        Err(refusal) => {
            let offers = match (e.type_id, provider) {
                (Some(t), Some(p)) => {
                    offers_near(tx, practice, &tz, setup, t, p, start, 5, Prefer::SameProvider).await?
                }
                _ => vec![],
            };
            Ok(match refusal {
                Refusal::Unavailable => Outcome::Unavailable { offers },
                Refusal::Clash(c) => Outcome::Conflict {
                    clashes: vec![(m.start, c)],
                    offers,
                },
            })
        }
    }
}

/// Why an undone booking is cancelled (its history says who undid it).
const UNDONE_BOOKING: &str = "Booking undone";

/// Puts entry `e` back as `before` (undo): its time claimed again, refused and nothing
/// changed if someone took it since, or released if `before` is cancelled (an undone
/// booking). Availability is not asked: the entry was there before.
pub async fn put_back(
    tx: &mut Tx,
    practice: PracticeId,
    by: UserId,
    e: &Entry,
    before: &db::Before,
) -> Result<(), AppError> {
    let (_, tz, _) = zone(tx, practice).await?;
    let length = e.ends_at - e.starts_at;
    let span = Span::new(before.starts_at, before.starts_at + length);
    if before.status.holds_time() {
        let (ahead, behind) = db::buffers(tx, e.id).await?;
        let placement = Placement {
            kind: e.kind,
            provider: before.provider_id,
            room: before.room_id,
            attendees: &e.attendees,
            shape: SlotShape {
                length,
                before: Duration::minutes(ahead.into()),
                after: Duration::minutes(behind.into()),
            },
            check_availability: false,
            override_availability: true,
        };
        let placed = place(
            tx,
            practice,
            &tz,
            &placement,
            before.starts_at,
            Some(e.id),
            async |conn: &mut PgConnection, _| {
                db::release(conn, practice, e.id).await?;
                db::restore(conn, practice, e.id, span, before, None).await?;
                Ok(e.id)
            },
        )
        .await?;
        if let Err(refusal) = placed {
            return Err(AppError::invalid(match refusal {
                Refusal::Clash(c) => format!(
                    "Its old time is taken now ({} has {}): nothing changed.",
                    if c.resource.is_empty() {
                        "the calendar"
                    } else {
                        &c.resource
                    },
                    c.what
                ),
                Refusal::Unavailable => "Its old time is not free now: nothing changed.".to_owned(),
            }));
        }
    } else {
        db::release(tx, practice, e.id).await?;
        db::restore(tx, practice, e.id, span, before, Some(UNDONE_BOOKING)).await?;
    }
    db::record_history(
        tx,
        practice,
        e.id,
        Some(by),
        "undone",
        serde_json::json!({
            "start": [e.starts_at, before.starts_at],
            "provider": [e.provider_id, before.provider_id],
            "room": [e.room_id, before.room_id],
            "status": [e.status.as_str(), before.status.as_str()],
        }),
    )
    .await?;
    crate::realtime::db::publish(tx, &live(practice, Some(e.id))).await?;
    let change = serde_json::json!({ "to": before.status.as_str() });
    record_audit(
        tx,
        practice,
        Some(by),
        Action::AppointmentUndo,
        e.patient_id,
        Some(e.id),
        change,
    )
    .await?;
    Ok(())
}

/// Moves an entry along its status. `by` is None for a patient's e-mail link; `version`,
/// when given, must be the one the person saw.
pub async fn change_status(
    tx: &mut Tx,
    practice: PracticeId,
    by: Option<UserId>,
    id: EntryId,
    version: Option<i32>,
    status: Status,
    reason: Option<&str>,
) -> Result<(), AppError> {
    let e = db::entry(tx, practice, id, true)
        .await?
        .ok_or(AppError::NotFound)?;
    if version.is_some_and(|v| v != e.version) {
        return Err(AppError::invalid(STALE));
    }
    if !e.status.next().contains(&status) {
        return Err(AppError::invalid(format!(
            "An entry that is {} cannot become {}.",
            e.status.label().to_lowercase(),
            status.label().to_lowercase()
        )));
    }
    let (_, tz, _) = zone(tx, practice).await?;
    if !status.fits_day(e.start_local.date(), local(&tz, Utc::now()).date()) {
        return Err(AppError::invalid(match status {
            Status::Arrived | Status::InRoom => {
                "A patient arrives on the day of the appointment: mark it then."
            }
            _ => "An appointment is completed or missed on its day or after, not before.",
        }));
    }
    let reason = match status {
        Status::Cancelled => {
            let r = reason.map(str::trim).unwrap_or_default();
            if r.is_empty() || r.chars().count() > 500 {
                return Err(AppError::invalid(
                    "Say why it is cancelled (at most 500 characters).",
                ));
            }
            Some(r)
        }
        _ => None,
    };
    db::update_status(tx, practice, id, status, reason).await?;
    if status == Status::Cancelled {
        db::release(tx, practice, id).await?;
    }
    db::record_history(
        tx,
        practice,
        id,
        by,
        "status",
        serde_json::json!({ "status": [e.status.as_str(), status.as_str()], "reason": reason }),
    )
    .await?;
    crate::realtime::db::publish(tx, &live(practice, Some(id))).await?;
    let change = serde_json::json!({ "from": e.status.as_str(), "to": status.as_str() });
    record_audit(
        tx,
        practice,
        by,
        Action::AppointmentStatus,
        e.patient_id,
        Some(id),
        change,
    )
    .await?;
    Ok(())
}

/// Which offers come first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Prefer {
    /// The given provider's next times, then the type's other providers' (a conflict).
    SameProvider,
    /// The soonest, with the given provider or another (a clinician who is out).
    Soonest,
}

/// Free slots for type `t` from `from` over the next four weeks, with `provider` or another
/// provider the type allows, ordered as `prefer` says.
#[allow(clippy::too_many_arguments)]
pub async fn offers_near(
    conn: &mut PgConnection,
    practice: PracticeId,
    tz: &Tz,
    setup: &Setup,
    t: TypeId,
    provider: UserId,
    from: DateTime<Utc>,
    limit: usize,
    prefer: Prefer,
) -> Result<Vec<Offer>, AppError> {
    let others = other_providers(setup, t, provider);
    let window = four_weeks(from);
    if prefer == Prefer::Soonest || others.is_empty() {
        let all: Vec<UserId> = std::iter::once(provider).chain(others).collect();
        return find(conn, practice, tz, setup, t, &all, window, limit).await;
    }
    let own = find(conn, practice, tz, setup, t, &[provider], window, limit).await?;
    let others = find(conn, practice, tz, setup, t, &others, window, limit).await?;
    Ok(rules::own_first(own, others, limit))
}

/// The providers other than `provider` whom type `t` allows.
fn other_providers(setup: &Setup, t: TypeId, provider: UserId) -> Vec<UserId> {
    let Some(ty) = setup.types.iter().find(|x| x.id == t) else {
        return Vec::new();
    };
    setup
        .providers
        .iter()
        .map(|p| p.id)
        .filter(|p| *p != provider && ty.allows(*p))
        .collect()
}

/// Four weeks from `from`, or from now if that is later.
fn four_weeks(from: DateTime<Utc>) -> Span {
    let from = from.max(Utc::now());
    Span::new(from, from + Duration::days(28))
}

/// The free-slot search of the booking form.
pub async fn search(
    conn: &mut PgConnection,
    practice: PracticeId,
    t: TypeId,
    providers: &[UserId],
    from: NaiveDate,
    to: NaiveDate,
    limit: usize,
) -> Result<Vec<Offer>, AppError> {
    let (setup, tz) = setup_and_zone(conn, practice).await?;
    let ty = setup
        .types
        .iter()
        .find(|x| x.id == t)
        .ok_or_else(|| AppError::invalid("Choose the appointment type."))?;
    let chosen: Vec<UserId> = if providers.is_empty() {
        setup
            .providers
            .iter()
            .map(|p| p.id)
            .filter(|p| ty.allows(*p))
            .collect()
    } else {
        providers.to_vec()
    };
    if chosen.iter().any(|p| !setup.providers.iter().any(|x| x.id == *p)) {
        return Err(AppError::invalid("Choose among the practice's clinicians."));
    }
    let window = day_window(&tz, from, u32::try_from((to - from).num_days() + 1).unwrap_or(1));
    let window = Span::new(window.start.max(Utc::now()), window.end);
    if window.is_empty() {
        return Ok(vec![]);
    }
    // Many more than are shown, so that each day and clinician gets its share (not the whole
    // list one clinician's morning); a short search shows more of each day.
    let found = find(conn, practice, &tz, &setup, t, &chosen, window, limit * 6).await?;
    let groups = usize::try_from((to - from).num_days() + 1).unwrap_or(1) * chosen.len();
    let per_group = (limit / groups.max(1)).max(4);
    Ok(rules::spread(
        found,
        |o| (o.start_local.date(), o.provider),
        per_group,
        limit,
    ))
}

#[allow(clippy::too_many_arguments)]
pub async fn find(
    conn: &mut PgConnection,
    practice: PracticeId,
    tz: &Tz,
    setup: &Setup,
    t: TypeId,
    providers: &[UserId],
    window: Span,
    limit: usize,
) -> Result<Vec<Offer>, AppError> {
    let Some(ty) = setup.types.iter().find(|x| x.id == t) else {
        return Ok(vec![]);
    };
    let shape = SlotShape {
        length: Duration::minutes(ty.minutes.into()),
        before: Duration::minutes(ty.buffer_before.into()),
        after: Duration::minutes(ty.buffer_after.into()),
    };
    let open = availability(conn, practice, tz, providers, window).await?;
    let mut resources: Vec<Uuid> = providers.iter().map(|p| p.0).collect();
    let rooms: Vec<RoomId> = if ty.needs_room {
        setup.rooms.iter().map(|r| r.id).collect()
    } else {
        vec![]
    };
    resources.extend(rooms.iter().map(|r| r.0));
    let step = Duration::minutes(i64::from(setup.slot_minutes.max(5)));
    // Free slots are usually near: the window is searched a piece at a time, the pieces
    // doubling from two days, so that only the bookings of the first days are read. A slot
    // may start in one piece and end in the next; each piece keeps only slots starting in it.
    let mut slots = Vec::new();
    let mut piece_start = window.start;
    let mut days = 2;
    while piece_start < window.end && slots.len() < limit {
        let piece_end = (piece_start + Duration::days(days)).min(window.end);
        let search = Span::new(piece_start, (piece_end + shape.length).min(window.end));
        let wide = Span::new(search.start - Duration::hours(4), search.end + Duration::hours(4));
        let claims = db::claims(conn, practice, &resources, wide, None).await?;
        let busy_of =
            |id: Uuid| rules::normalize(claims.iter().filter(|(r, _)| *r == id).map(|(_, s)| *s).collect());
        let calendars: Vec<Calendar> = providers
            .iter()
            .map(|p| Calendar {
                open: open.get(p).cloned().unwrap_or_default(),
                busy: busy_of(p.0),
            })
            .collect();
        let room_calendars: Vec<Calendar> = rooms
            .iter()
            .map(|r| Calendar {
                open: vec![wide],
                busy: busy_of(r.0),
            })
            .collect();
        let found = rules::find_slots(
            &calendars,
            ty.needs_room.then_some(room_calendars.as_slice()),
            &shape,
            search,
            step,
            limit - slots.len(),
        );
        slots.extend(found.into_iter().filter(|s| s.start < piece_end));
        piece_start = piece_end;
        days *= 2;
    }
    Ok(slots
        .into_iter()
        .map(|s| Offer {
            provider: providers[s.provider],
            provider_name: provider_name(&setup.providers, Some(providers[s.provider])),
            room: s.room.map(|i| rooms[i]),
            starts_at: s.start,
            start_local: local(tz, s.start),
            end_local: local(tz, s.start + shape.length),
            second_pass: rules::is_second_pass(tz, s.start),
        })
        .collect())
}

/// Today in `practice` (its own day), as `me` sees it: their own entries marked.
pub async fn day_of(tx: &mut Tx, practice: PracticeId, me: UserId) -> Result<DayOf, AppError> {
    let (setup, tz) = setup_and_zone(tx, practice).await?;
    let window = day_window(&tz, setup.now_local.date(), 1);
    let name_of = |id: Option<UserId>| provider_name(&setup.staff, id);
    let entries = db::entries(tx, practice, tz.name(), window)
        .await?
        .into_iter()
        .map(|e| DayEntry {
            id: e.id,
            patient_id: e.patient_id,
            starts_at: e.starts_at,
            start_local: e.start_local,
            end_local: e.end_local,
            what: match e.kind {
                EntryKind::Appointment => e
                    .type_id
                    .and_then(|t| setup.types.iter().find(|x| x.id == t))
                    .map(|t| t.name.clone())
                    .unwrap_or_default(),
                EntryKind::Meeting => "Meeting".into(),
                EntryKind::Block => "Blocked".into(),
            },
            provider: name_of(e.provider_id),
            mine: e.provider_id == Some(me) || e.attendees.contains(&me),
            title: e.title,
            status: e.status,
        })
        .collect();
    Ok(DayOf {
        practice,
        name: setup.practice_name,
        time_zone: setup.time_zone,
        entries,
    })
}
