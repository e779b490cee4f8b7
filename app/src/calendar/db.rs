//! Queries of calendars. Functions take a connection (a scoped transaction or a savepoint
//! inside one), so that a refused claim can be rolled back without losing the transaction.

use crate::calendar::model::{ApptType, Entry, EntryKind, Feed, Person, Room, Status};
use crate::calendar::rules::{ExceptionKind, Span, WeeklyRange};
use crate::model::{EntryId, FeedId, PatientId, PracticeId, RoomId, SeriesId, TypeId, UndoId, UserId};
use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc, Weekday};
use sqlx::postgres::types::PgRange;
use sqlx::types::Json;
use sqlx::PgConnection;
use std::ops::Bound;
use uuid::Uuid;

fn range(span: Span) -> PgRange<DateTime<Utc>> {
    PgRange {
        start: Bound::Included(span.start),
        end: Bound::Excluded(span.end),
    }
}

fn span_of(r: &PgRange<DateTime<Utc>>) -> Option<Span> {
    let start = match r.start {
        Bound::Included(t) | Bound::Excluded(t) => t,
        Bound::Unbounded => return None,
    };
    let end = match r.end {
        Bound::Included(t) | Bound::Excluded(t) => t,
        Bound::Unbounded => return None,
    };
    Some(Span::new(start, end))
}

/// The practice's name, zone and slot grid.
pub async fn practice_head(
    conn: &mut PgConnection,
    practice: PracticeId,
) -> Result<Option<(String, String, i32)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT name, time_zone, slot_minutes FROM practices WHERE id = $1 AND archived_at IS NULL",
    )
    .bind(practice)
    .fetch_optional(conn)
    .await
}

/// Members of the practice: (id, name, is a clinician).
pub async fn people(
    conn: &mut PgConnection,
    practice: PracticeId,
) -> Result<Vec<(Person, bool)>, sqlx::Error> {
    let rows: Vec<(UserId, String, bool)> = sqlx::query_as(
        "SELECT u.id, u.display_name, m.role = 'clinician'
         FROM memberships m JOIN users u ON u.id = m.user_id
         WHERE m.practice_id = $1 AND u.disabled_at IS NULL
         ORDER BY u.display_name",
    )
    .bind(practice)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, name, clinician)| (Person { id, name }, clinician))
        .collect())
}

/// What a calendar needs of its practice, in one round trip: name, zone and slot length, the
/// members (with whether each is a clinician), rooms and appointment types, each in display
/// order. None: no such practice (or archived).
pub struct SetupRows {
    pub name: String,
    pub time_zone: String,
    pub slot_minutes: i32,
    pub people: Vec<(Person, bool)>,
    pub rooms: Vec<Room>,
    pub types: Vec<ApptType>,
    pub open_weekdays: Vec<u32>,
}

type TypeRow = (TypeId, String, i32, i32, i32, String, bool, Vec<Uuid>);

fn to_type(r: TypeRow) -> ApptType {
    ApptType {
        id: r.0,
        name: r.1,
        minutes: r.2,
        buffer_before: r.3,
        buffer_after: r.4,
        color: r.5,
        needs_room: r.6,
        provider_ids: r.7.into_iter().map(UserId).collect(),
    }
}

pub async fn setup_rows(
    conn: &mut PgConnection,
    practice: PracticeId,
) -> Result<Option<SetupRows>, sqlx::Error> {
    type Row = (
        String,
        String,
        i32,
        Json<Vec<(UserId, String, bool)>>,
        Json<Vec<(RoomId, String)>>,
        Json<Vec<TypeRow>>,
        Vec<i16>,
    );
    let row: Option<Row> = sqlx::query_as(
        "SELECT p.name, p.time_zone, p.slot_minutes,
           coalesce((SELECT json_agg(json_build_array(u.id, u.display_name, m.role = 'clinician')
                                     ORDER BY u.display_name)
                     FROM memberships m JOIN users u ON u.id = m.user_id
                     WHERE m.practice_id = p.id AND u.disabled_at IS NULL), '[]'),
           coalesce((SELECT json_agg(json_build_array(r.id, r.name) ORDER BY lower(r.name))
                     FROM rooms r WHERE r.practice_id = p.id AND r.archived_at IS NULL), '[]'),
           coalesce((SELECT json_agg(json_build_array(t.id, t.name, t.minutes, t.buffer_before_minutes,
                                       t.buffer_after_minutes, t.color, t.needs_room, t.provider_ids)
                                     ORDER BY lower(t.name))
                     FROM appointment_types t WHERE t.practice_id = p.id AND t.archived_at IS NULL), '[]'),
           ARRAY(SELECT DISTINCT a.weekday FROM availability_ranges a
                 WHERE a.practice_id = p.id
                   AND (a.valid_until IS NULL OR a.valid_until >= (now() AT TIME ZONE p.time_zone)::date)
                 ORDER BY a.weekday)
         FROM practices p WHERE p.id = $1 AND p.archived_at IS NULL",
    )
    .bind(practice)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(
        |(name, time_zone, slot_minutes, people, rooms, types, weekdays)| SetupRows {
            name,
            time_zone,
            slot_minutes,
            people: people
                .0
                .into_iter()
                .map(|(id, name, clinician)| (Person { id, name }, clinician))
                .collect(),
            rooms: rooms.0.into_iter().map(|(id, name)| Room { id, name }).collect(),
            types: types.0.into_iter().map(to_type).collect(),
            // Stored ISO weekdays (Monday 1) as chrono counts them from Monday.
            open_weekdays: weekdays
                .into_iter()
                .filter_map(|d| u32::try_from(d - 1).ok())
                .collect(),
        },
    ))
}

pub async fn insert_room(
    conn: &mut PgConnection,
    practice: PracticeId,
    name: &str,
) -> Result<RoomId, sqlx::Error> {
    let (id,): (RoomId,) =
        sqlx::query_as("INSERT INTO rooms (practice_id, name) VALUES ($1, $2) RETURNING id")
            .bind(practice)
            .bind(name)
            .fetch_one(conn)
            .await?;
    Ok(id)
}

/// Creates a type (`id` None) or updates one; returns its id, or None when `id` names no
/// type of this practice.
pub async fn save_type(
    conn: &mut PgConnection,
    practice: PracticeId,
    id: Option<TypeId>,
    t: &ApptType,
) -> Result<Option<TypeId>, sqlx::Error> {
    let providers: Vec<Uuid> = t.provider_ids.iter().map(|p| p.0).collect();
    // One statement for both: updates the type `id` names, or inserts when there is none.
    let row: Option<(TypeId,)> = sqlx::query_as(
        "WITH changed AS (
           UPDATE appointment_types SET name = $3, minutes = $4, buffer_before_minutes = $5,
             buffer_after_minutes = $6, color = $7, needs_room = $8, provider_ids = $9
           WHERE $2::uuid IS NOT NULL AND practice_id = $1 AND id = $2 AND archived_at IS NULL
           RETURNING id),
         added AS (
           INSERT INTO appointment_types
             (practice_id, name, minutes, buffer_before_minutes, buffer_after_minutes, color, needs_room, provider_ids)
           SELECT $1, $3, $4, $5, $6, $7, $8, $9 WHERE $2::uuid IS NULL
           RETURNING id)
         SELECT id FROM changed UNION ALL SELECT id FROM added",
    )
    .bind(practice)
    .bind(id)
    .bind(&t.name)
    .bind(t.minutes)
    .bind(t.buffer_before)
    .bind(t.buffer_after)
    .bind(&t.color)
    .bind(t.needs_room)
    .bind(&providers)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|(id,)| id))
}

/// The weekly templates of `providers` in force on any day of `[from, to]`.
pub async fn templates(
    conn: &mut PgConnection,
    practice: PracticeId,
    providers: &[UserId],
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<(UserId, WeeklyRange)>, sqlx::Error> {
    let ids: Vec<Uuid> = providers.iter().map(|p| p.0).collect();
    let rows: Vec<(UserId, i16, NaiveTime, NaiveTime, NaiveDate, Option<NaiveDate>)> = sqlx::query_as(
        "SELECT provider_id, weekday, starts, ends, valid_from, valid_until FROM availability_ranges
         WHERE practice_id = $1 AND provider_id = ANY($2) AND valid_from <= $4
           AND (valid_until IS NULL OR valid_until >= $3)
         ORDER BY provider_id, weekday, starts",
    )
    .bind(practice)
    .bind(&ids)
    .bind(from)
    .bind(to)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(p, wd, start, end, from, until)| {
            let weekday = iso_weekday(wd)?;
            Some((
                p,
                WeeklyRange {
                    weekday,
                    start,
                    end,
                    from,
                    until,
                },
            ))
        })
        .collect())
}

pub fn iso_weekday(n: i16) -> Option<Weekday> {
    match n {
        1 => Some(Weekday::Mon),
        2 => Some(Weekday::Tue),
        3 => Some(Weekday::Wed),
        4 => Some(Weekday::Thu),
        5 => Some(Weekday::Fri),
        6 => Some(Weekday::Sat),
        7 => Some(Weekday::Sun),
        _ => None,
    }
}

/// Replaces a provider's weekly template from `from` on: ranges in force then end the day
/// before (or vanish if they had not started), and `ranges` begin.
pub async fn replace_template(
    conn: &mut PgConnection,
    practice: PracticeId,
    provider: UserId,
    from: NaiveDate,
    ranges: &[WeeklyRange],
    by: UserId,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE availability_ranges SET valid_until = $3 - 1
         WHERE practice_id = $1 AND provider_id = $2 AND valid_from < $3
           AND (valid_until IS NULL OR valid_until >= $3)",
    )
    .bind(practice)
    .bind(provider)
    .bind(from)
    .execute(&mut *conn)
    .await?;
    // Ranges that had not started yet are superseded outright.
    sqlx::query(
        "DELETE FROM availability_ranges WHERE practice_id = $1 AND provider_id = $2 AND valid_from >= $3",
    )
    .bind(practice)
    .bind(provider)
    .bind(from)
    .execute(&mut *conn)
    .await?;
    for r in ranges {
        sqlx::query(
            "INSERT INTO availability_ranges (practice_id, provider_id, weekday, starts, ends, valid_from, valid_until, created_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(practice)
        .bind(provider)
        .bind(i16::try_from(r.weekday.number_from_monday()).unwrap_or(1))
        .bind(r.start)
        .bind(r.end)
        .bind(r.from)
        .bind(r.until)
        .bind(by)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Time off and extra hours of `providers` overlapping `window`.
pub async fn exceptions(
    conn: &mut PgConnection,
    practice: PracticeId,
    providers: &[UserId],
    window: Span,
) -> Result<Vec<(UserId, ExceptionKind, Span)>, sqlx::Error> {
    let ids: Vec<Uuid> = providers.iter().map(|p| p.0).collect();
    let rows: Vec<(UserId, String, PgRange<DateTime<Utc>>)> = sqlx::query_as(
        "SELECT provider_id, kind, period FROM availability_exceptions
         WHERE practice_id = $1 AND provider_id = ANY($2) AND period && $3 AND withdrawn_at IS NULL",
    )
    .bind(practice)
    .bind(&ids)
    .bind(range(window))
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(p, kind, r)| Some((p, exception_kind(&kind), span_of(&r)?)))
        .collect())
}

pub async fn insert_exception(
    conn: &mut PgConnection,
    practice: PracticeId,
    provider: UserId,
    kind: ExceptionKind,
    span: Span,
    note: &str,
    by: UserId,
) -> Result<Uuid, sqlx::Error> {
    let (id,): (Uuid,) = sqlx::query_as(
        "INSERT INTO availability_exceptions (practice_id, provider_id, kind, period, note, created_by)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(practice)
    .bind(provider)
    .bind(match kind {
        ExceptionKind::Off => "off",
        ExceptionKind::Extra => "extra",
    })
    .bind(range(span))
    .bind(note)
    .bind(by)
    .fetch_one(conn)
    .await?;
    Ok(id)
}

/// A provider's time off and extra hours that have not ended by `now`, soonest first:
/// (id, kind, span, note).
pub async fn upcoming_exceptions(
    conn: &mut PgConnection,
    practice: PracticeId,
    provider: UserId,
    now: DateTime<Utc>,
) -> Result<Vec<(Uuid, ExceptionKind, Span, String)>, sqlx::Error> {
    let rows: Vec<(Uuid, String, PgRange<DateTime<Utc>>, String)> = sqlx::query_as(
        "SELECT id, kind, period, note FROM availability_exceptions
         WHERE practice_id = $1 AND provider_id = $2 AND upper(period) > $3 AND withdrawn_at IS NULL
         ORDER BY lower(period) LIMIT 200",
    )
    .bind(practice)
    .bind(provider)
    .bind(now)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, kind, r, note)| Some((id, exception_kind(&kind), span_of(&r)?, note)))
        .collect())
}

/// The provider of a time off or extra hours that is still in force.
pub async fn exception_provider(
    conn: &mut PgConnection,
    practice: PracticeId,
    id: Uuid,
) -> Result<Option<UserId>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT provider_id FROM availability_exceptions
         WHERE practice_id = $1 AND id = $2 AND withdrawn_at IS NULL",
    )
    .bind(practice)
    .bind(id)
    .fetch_optional(conn)
    .await
}

pub async fn withdraw_exception(
    conn: &mut PgConnection,
    practice: PracticeId,
    id: Uuid,
    by: UserId,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE availability_exceptions SET withdrawn_at = now(), withdrawn_by = $3
         WHERE practice_id = $1 AND id = $2 AND withdrawn_at IS NULL",
    )
    .bind(practice)
    .bind(id)
    .bind(by)
    .execute(conn)
    .await?;
    Ok(())
}

fn exception_kind(kind: &str) -> ExceptionKind {
    if kind == "extra" {
        ExceptionKind::Extra
    } else {
        ExceptionKind::Off
    }
}

/// Claims overlapping [$3, $4), in leakproof comparisons the index can serve under
/// row-level security (see the migration `claim_bounds`): a claim lasts at most 28 hours.
const CLAIM_OVERLAPS: &str = "starts < $4 AND starts > $3 - interval '1 day 4 hours' AND ends > $3";

/// Busy claims on `resources` overlapping `window` (other than `except`'s own).
pub async fn claims(
    conn: &mut PgConnection,
    practice: PracticeId,
    resources: &[Uuid],
    window: Span,
    except: Option<EntryId>,
) -> Result<Vec<(Uuid, Span)>, sqlx::Error> {
    let sql = format!(
        "SELECT resource_id, starts, ends FROM busy_claims
         WHERE practice_id = $1 AND resource_id = ANY($2) AND {CLAIM_OVERLAPS}
           AND ($5::uuid IS NULL OR entry_id <> $5)"
    );
    let rows: Vec<(Uuid, DateTime<Utc>, DateTime<Utc>)> = sqlx::query_as(&sql)
        .bind(practice)
        .bind(resources)
        .bind(window.start)
        .bind(window.end)
        .bind(except)
        .fetch_all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(r, start, end)| (r, Span::new(start, end)))
        .collect())
}

/// What holds `resource` during `span`, for a conflict message: (resource name, entry kind,
/// entry title for meetings and blocks, start, end). Appointments are named by kind only.
pub async fn clashes(
    conn: &mut PgConnection,
    practice: PracticeId,
    resources: &[Uuid],
    span: Span,
    except: Option<EntryId>,
) -> Result<Vec<(String, EntryKind, String, DateTime<Utc>, DateTime<Utc>)>, sqlx::Error> {
    let sql = format!(
        "SELECT coalesce(u.display_name, r.name, ''), e.kind, e.title, e.starts_at, e.ends_at
         FROM busy_claims c JOIN entries e ON e.id = c.entry_id
         LEFT JOIN users u ON c.resource_kind = 'provider' AND u.id = c.resource_id
         LEFT JOIN rooms r ON c.resource_kind = 'room' AND r.id = c.resource_id
         WHERE c.practice_id = $1 AND c.resource_id = ANY($2) AND {CLAIM_OVERLAPS}
           AND ($5::uuid IS NULL OR c.entry_id <> $5)
         ORDER BY e.starts_at, c.resource_kind LIMIT 5"
    );
    sqlx::query_as(&sql)
        .bind(practice)
        .bind(resources)
        .bind(span.start)
        .bind(span.end)
        .bind(except)
        .fetch_all(conn)
        .await
}

/// A row to insert into `entries`.
pub struct EntryRow<'a> {
    pub kind: EntryKind,
    pub patient: Option<PatientId>,
    pub type_id: Option<TypeId>,
    pub provider: Option<UserId>,
    pub room: Option<RoomId>,
    pub title: &'a str,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub buffer_before: i32,
    pub buffer_after: i32,
    pub notes: &'a str,
    pub series: Option<SeriesId>,
    pub outside_availability: bool,
}

pub async fn insert_series(
    conn: &mut PgConnection,
    practice: PracticeId,
    rrule: &str,
    first_local: NaiveDateTime,
    by: UserId,
) -> Result<SeriesId, sqlx::Error> {
    let (id,): (SeriesId,) = sqlx::query_as(
        "INSERT INTO series (practice_id, rrule, first_local, created_by) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(practice)
    .bind(rrule)
    .bind(first_local)
    .bind(by)
    .fetch_one(conn)
    .await?;
    Ok(id)
}

pub async fn series_rule(
    conn: &mut PgConnection,
    practice: PracticeId,
    series: SeriesId,
) -> Result<String, sqlx::Error> {
    let (rule,): (String,) = sqlx::query_as("SELECT rrule FROM series WHERE practice_id = $1 AND id = $2")
        .bind(practice)
        .bind(series)
        .fetch_one(conn)
        .await?;
    Ok(rule)
}

pub async fn set_series_rule(
    conn: &mut PgConnection,
    practice: PracticeId,
    series: SeriesId,
    rrule: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE series SET rrule = $3 WHERE practice_id = $1 AND id = $2")
        .bind(practice)
        .bind(series)
        .bind(rrule)
        .execute(conn)
        .await?;
    Ok(())
}

/// Moves entries into another series (a series whose rule changed from them on); each is
/// that series' occurrence at its start, unless it was moved on its own.
pub async fn set_series(
    conn: &mut PgConnection,
    practice: PracticeId,
    ids: &[EntryId],
    series: SeriesId,
) -> Result<(), sqlx::Error> {
    let ids: Vec<Uuid> = ids.iter().map(|i| i.0).collect();
    sqlx::query(
        "UPDATE entries SET series_id = $3, version = version + 1, updated_at = now(),
           occurrence_start = CASE WHEN detached THEN occurrence_start ELSE starts_at END
         WHERE practice_id = $1 AND id = ANY($2)",
    )
    .bind(practice)
    .bind(ids)
    .bind(series)
    .execute(conn)
    .await?;
    Ok(())
}

/// An entry's notes (the calendar's views leave them out).
pub async fn notes(
    conn: &mut PgConnection,
    practice: PracticeId,
    id: EntryId,
) -> Result<String, sqlx::Error> {
    let (notes,): (String,) = sqlx::query_as("SELECT notes FROM entries WHERE practice_id = $1 AND id = $2")
        .bind(practice)
        .bind(id)
        .fetch_one(conn)
        .await?;
    Ok(notes)
}

pub async fn insert_entry(
    conn: &mut PgConnection,
    practice: PracticeId,
    e: &EntryRow<'_>,
    by: UserId,
) -> Result<EntryId, sqlx::Error> {
    let (id,): (EntryId,) = sqlx::query_as(
        "INSERT INTO entries (practice_id, kind, patient_id, type_id, provider_id, room_id, title,
           starts_at, ends_at, buffer_before_minutes, buffer_after_minutes, notes, series_id,
           occurrence_start, outside_availability, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13,
           CASE WHEN $13::uuid IS NULL THEN NULL ELSE $8 END, $14, $15)
         RETURNING id",
    )
    .bind(practice)
    .bind(e.kind)
    .bind(e.patient)
    .bind(e.type_id)
    .bind(e.provider)
    .bind(e.room)
    .bind(e.title)
    .bind(e.starts_at)
    .bind(e.ends_at)
    .bind(e.buffer_before)
    .bind(e.buffer_after)
    .bind(e.notes)
    .bind(e.series)
    .bind(e.outside_availability)
    .bind(by)
    .fetch_one(conn)
    .await?;
    Ok(id)
}

pub async fn insert_attendees(
    conn: &mut PgConnection,
    practice: PracticeId,
    entry: EntryId,
    people: &[UserId],
) -> Result<(), sqlx::Error> {
    let ids: Vec<Uuid> = people.iter().map(|p| p.0).collect();
    sqlx::query(
        "INSERT INTO entry_attendees (practice_id, entry_id, user_id) SELECT $1, $2, unnest($3::uuid[])",
    )
    .bind(practice)
    .bind(entry)
    .bind(&ids)
    .execute(conn)
    .await?;
    Ok(())
}

/// Makes the practice's claims change one transaction at a time, until this one ends.
///
/// The exclusion constraint alone keeps claims apart, but two transactions inserting
/// overlapping claims at once each wait for the other's uncommitted row: PostgreSQL reports
/// a deadlock (40P01) after `deadlock_timeout`, with a pooled connection held all the while,
/// and 200 such bookings ran the pool dry. Taken first, this lock has the later one wait
/// its turn and then meet the committed claim: a plain overlap (23P01), the conflict answer.
/// One lock per practice keeps the order trivial (no deadlock between two locks); claims
/// are written in short transactions, and practices never wait for each other.
pub async fn lock_claims(conn: &mut PgConnection, practice: PracticeId) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended('busy_claims ' || $1::text, 0))")
        .bind(practice)
        .execute(conn)
        .await?;
    Ok(())
}

/// Claims `span` on each resource for `entry`. The exclusion constraint refuses an overlap
/// (SQLSTATE 23P01, see [`is_overlap`]).
pub async fn claim(
    conn: &mut PgConnection,
    practice: PracticeId,
    entry: EntryId,
    resources: &[(Uuid, &str)],
    span: Span,
) -> Result<(), sqlx::Error> {
    lock_claims(&mut *conn, practice).await?;
    let ids: Vec<Uuid> = resources.iter().map(|r| r.0).collect();
    let kinds: Vec<&str> = resources.iter().map(|r| r.1).collect();
    sqlx::query(
        "INSERT INTO busy_claims (practice_id, entry_id, resource_id, resource_kind, span)
         SELECT $1, $2, r, k, $5 FROM unnest($3::uuid[], $4::text[]) AS t(r, k)",
    )
    .bind(practice)
    .bind(entry)
    .bind(&ids)
    .bind(&kinds)
    .bind(range(span))
    .execute(conn)
    .await?;
    Ok(())
}

/// Releases every claim of `entry` (cancelled, or about to be claimed anew when moved).
pub async fn release(
    conn: &mut PgConnection,
    practice: PracticeId,
    entry: EntryId,
) -> Result<(), sqlx::Error> {
    lock_claims(&mut *conn, practice).await?;
    sqlx::query("DELETE FROM busy_claims WHERE entry_id = $1")
        .bind(entry)
        .execute(conn)
        .await?;
    Ok(())
}

/// Whether an error is the exclusion constraint refusing an overlapping claim.
pub fn is_overlap(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.code().as_deref() == Some("23P01"))
}

pub async fn record_history(
    conn: &mut PgConnection,
    practice: PracticeId,
    entry: EntryId,
    actor: Option<UserId>,
    action: &str,
    changes: serde_json::Value,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO entry_history (practice_id, entry_id, actor_user_id, action, changes) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(practice)
    .bind(entry)
    .bind(actor)
    .bind(action)
    .bind(changes)
    .execute(conn)
    .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct EntrySqlRow {
    id: EntryId,
    kind: EntryKind,
    title: String,
    patient_id: Option<PatientId>,
    type_id: Option<TypeId>,
    provider_id: Option<UserId>,
    room_id: Option<RoomId>,
    attendees: Vec<Uuid>,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    start_local: NaiveDateTime,
    end_local: NaiveDateTime,
    status: Status,
    series_id: Option<SeriesId>,
    rrule: Option<String>,
    time_zone: String,
    outside_availability: bool,
    version: i32,
}

/// An entry's columns; `zone` is the SQL naming the practice's time zone (`p.time_zone`
/// joined, or a parameter where many rows are read). Only meetings have attendees.
fn entry_columns(zone: &str) -> String {
    format!(
        "e.id, e.kind, coalesce(pt.full_name, e.title) AS title, e.patient_id, e.type_id, e.provider_id,
       e.room_id,
       CASE WHEN e.kind = 'meeting'
            THEN coalesce((SELECT array_agg(a.user_id) FROM entry_attendees a WHERE a.entry_id = e.id), '{{}}')
            ELSE '{{}}' END AS attendees,
       e.starts_at, e.ends_at, e.starts_at AT TIME ZONE {zone} AS start_local,
       e.ends_at AT TIME ZONE {zone} AS end_local, e.status, e.series_id,
       CASE WHEN e.series_id IS NOT NULL
            THEN (SELECT s.rrule FROM series s WHERE s.id = e.series_id) END AS rrule,
       {zone}::text AS time_zone,
       e.outside_availability, e.version"
    )
}

fn to_entry(r: EntrySqlRow) -> Entry {
    Entry {
        id: r.id,
        kind: r.kind,
        title: r.title,
        patient_id: r.patient_id,
        type_id: r.type_id,
        provider_id: r.provider_id,
        room_id: r.room_id,
        attendees: r.attendees.into_iter().map(UserId).collect(),
        starts_at: r.starts_at,
        ends_at: r.ends_at,
        start_local: r.start_local,
        end_local: r.end_local,
        status: r.status,
        series_id: r.series_id,
        // Only occurrences of a series have a rule (and need the zone parsed).
        repeats: r.rrule.and_then(|text| {
            let rule = crate::calendar::rules::Rrule::parse(&text).ok()?;
            Some(rule.describe(&r.time_zone.parse::<chrono_tz::Tz>().ok()?))
        }),
        outside_availability: r.outside_availability,
        version: r.version,
    }
}

/// Entries overlapping `window`, cancelled ones left out, in start order, local times in
/// `zone` (the practice's). (Entries last at most a day, so the start-time index bounds the
/// scan on both sides.)
pub async fn entries(
    conn: &mut PgConnection,
    practice: PracticeId,
    zone: &str,
    window: Span,
) -> Result<Vec<Entry>, sqlx::Error> {
    let sql = format!(
        "SELECT {}
         FROM entries e LEFT JOIN patients pt ON pt.id = e.patient_id
         WHERE e.practice_id = $1 AND e.starts_at < $3 AND e.starts_at > $2 - interval '1 day'
           AND e.ends_at > $2 AND e.status <> 'cancelled'
         ORDER BY e.starts_at, e.id",
        entry_columns("$4")
    );
    let rows: Vec<EntrySqlRow> = sqlx::query_as(&sql)
        .bind(practice)
        .bind(window.start)
        .bind(window.end)
        .bind(zone)
        .fetch_all(conn)
        .await?;
    Ok(rows.into_iter().map(to_entry).collect())
}

/// One entry, locked for an update when `lock`.
pub async fn entry(
    conn: &mut PgConnection,
    practice: PracticeId,
    id: EntryId,
    lock: bool,
) -> Result<Option<Entry>, sqlx::Error> {
    let sql = format!(
        "SELECT {}
         FROM entries e JOIN practices p ON p.id = e.practice_id
         LEFT JOIN patients pt ON pt.id = e.patient_id
         WHERE e.practice_id = $1 AND e.id = $2 {}",
        entry_columns("p.time_zone"),
        if lock { "FOR UPDATE OF e" } else { "" }
    );
    let row: Option<EntrySqlRow> = sqlx::query_as(&sql)
        .bind(practice)
        .bind(id)
        .fetch_optional(conn)
        .await?;
    Ok(row.map(to_entry))
}

/// Moves an entry (times, provider, room) and bumps its version. `detach`: an occurrence
/// moved on its own, which later edits of its series leave alone.
#[allow(clippy::too_many_arguments)]
pub async fn update_placement(
    conn: &mut PgConnection,
    practice: PracticeId,
    id: EntryId,
    at: Span,
    provider: Option<UserId>,
    room: Option<RoomId>,
    outside_availability: bool,
    detach: bool,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE entries SET starts_at = $3, ends_at = $4, provider_id = $5, room_id = $6,
           outside_availability = $7, detached = detached OR ($8 AND series_id IS NOT NULL),
           version = version + 1, updated_at = now()
         WHERE practice_id = $1 AND id = $2",
    )
    .bind(practice)
    .bind(id)
    .bind(at.start)
    .bind(at.end)
    .bind(provider)
    .bind(room)
    .bind(outside_availability)
    .bind(detach)
    .execute(conn)
    .await?;
    Ok(())
}

/// The live (scheduled or confirmed) occurrences of `series` a change of `from` reaches,
/// locked, in order: with `following`, those whose occurrence is not before `from`'s;
/// otherwise those still to come. Occurrences edited on their own are left out unless
/// `detached` (but `from` itself is always in).
pub async fn series_entries(
    conn: &mut PgConnection,
    practice: PracticeId,
    series: SeriesId,
    from: EntryId,
    following: bool,
    detached: bool,
) -> Result<Vec<Entry>, sqlx::Error> {
    let sql = format!(
        "SELECT {}
         FROM entries e JOIN practices p ON p.id = e.practice_id
         LEFT JOIN patients pt ON pt.id = e.patient_id
         WHERE e.practice_id = $1 AND e.series_id = $2 AND e.status IN ('scheduled', 'confirmed')
           AND (e.id = $3 OR (($5 OR NOT e.detached) AND CASE WHEN $4
                 THEN e.occurrence_start >= (SELECT occurrence_start FROM entries WHERE id = $3)
                 ELSE e.starts_at > now() END))
         ORDER BY e.occurrence_start, e.id
         FOR UPDATE OF e",
        entry_columns("p.time_zone")
    );
    let rows: Vec<EntrySqlRow> = sqlx::query_as(&sql)
        .bind(practice)
        .bind(series)
        .bind(from)
        .bind(following)
        .bind(detached)
        .fetch_all(conn)
        .await?;
    Ok(rows.into_iter().map(to_entry).collect())
}

pub async fn update_status(
    conn: &mut PgConnection,
    practice: PracticeId,
    id: EntryId,
    status: Status,
    reason: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE entries SET status = $3, cancel_reason = $4, version = version + 1, updated_at = now()
         WHERE practice_id = $1 AND id = $2",
    )
    .bind(practice)
    .bind(id)
    .bind(status)
    .bind(reason)
    .execute(conn)
    .await?;
    Ok(())
}

/// The buffers an entry was booked with, in minutes.
pub async fn buffers(conn: &mut PgConnection, id: EntryId) -> Result<(i32, i32), sqlx::Error> {
    sqlx::query_as("SELECT buffer_before_minutes, buffer_after_minutes FROM entries WHERE id = $1")
        .bind(id)
        .fetch_one(conn)
        .await
}

/// The patient's name and e-mail, if the patient is the practice's.
pub async fn patient(
    conn: &mut PgConnection,
    practice: PracticeId,
    id: PatientId,
) -> Result<Option<(String, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT full_name, email FROM patients WHERE practice_id = $1 AND id = $2 AND archived_at IS NULL",
    )
    .bind(practice)
    .bind(id)
    .fetch_optional(conn)
    .await
}

/// Patients whose name contains `query` (case-insensitive), or born on the date it names.
pub async fn search_patients(
    conn: &mut PgConnection,
    practice: PracticeId,
    query: &str,
    born: Option<NaiveDate>,
) -> Result<Vec<(PatientId, String, Option<NaiveDate>, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, full_name, date_of_birth, phone FROM patients
         WHERE practice_id = $1 AND archived_at IS NULL
           AND (($3::date IS NOT NULL AND date_of_birth = $3)
                OR ($3::date IS NULL AND lower(full_name) LIKE '%' || lower($2) || '%'))
         ORDER BY lower(full_name) LIMIT 20",
    )
    .bind(practice)
    .bind(query)
    .bind(born)
    .fetch_all(conn)
    .await
}

pub async fn insert_patient(
    conn: &mut PgConnection,
    practice: PracticeId,
    name: &str,
    born: Option<NaiveDate>,
    phone: &str,
    email: &str,
) -> Result<PatientId, sqlx::Error> {
    let (id,): (PatientId,) = sqlx::query_as(
        "INSERT INTO patients (practice_id, full_name, date_of_birth, phone, email) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(practice)
    .bind(name)
    .bind(born)
    .bind(phone)
    .bind(email)
    .fetch_one(conn)
    .await?;
    Ok(id)
}

type FeedRow = (
    FeedId,
    Option<UserId>,
    Option<String>,
    String,
    String,
    DateTime<Utc>,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
);

/// Live feeds of the practice; only those of `provider` when given.
pub async fn feeds(
    conn: &mut PgConnection,
    practice: PracticeId,
    provider: Option<UserId>,
) -> Result<Vec<Feed>, sqlx::Error> {
    let rows: Vec<FeedRow> = sqlx::query_as(
        "SELECT f.id, f.provider_id, p.display_name, f.label, c.display_name, f.created_at, f.last_read_at,
                f.expires_at
         FROM calendar_feeds f JOIN users c ON c.id = f.created_by
         LEFT JOIN users p ON p.id = f.provider_id
         WHERE f.practice_id = $1 AND f.revoked_at IS NULL AND (f.expires_at IS NULL OR f.expires_at > now())
           AND ($2::uuid IS NULL OR f.provider_id = $2)
         ORDER BY f.created_at",
    )
    .bind(practice)
    .bind(provider)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Feed {
            id: r.0,
            provider: r.1.map(|id| Person {
                id,
                name: r.2.unwrap_or_default(),
            }),
            label: r.3,
            created_by: r.4,
            created_at: r.5,
            last_read_at: r.6,
            expires_at: r.7,
        })
        .collect())
}

pub async fn insert_feed(
    conn: &mut PgConnection,
    practice: PracticeId,
    provider: Option<UserId>,
    label: &str,
    token_hash: &[u8],
    by: UserId,
    expires_at: Option<DateTime<Utc>>,
) -> Result<FeedId, sqlx::Error> {
    let (id,): (FeedId,) = sqlx::query_as(
        "INSERT INTO calendar_feeds (practice_id, provider_id, label, token_hash, created_by, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(practice)
    .bind(provider)
    .bind(label)
    .bind(token_hash)
    .bind(by)
    .bind(expires_at)
    .fetch_one(conn)
    .await?;
    Ok(id)
}

/// Revokes a live feed; returns whose it was (None inside: the practice's), or None when
/// the practice has no such live feed.
pub async fn revoke_feed(
    conn: &mut PgConnection,
    practice: PracticeId,
    id: FeedId,
) -> Result<Option<Option<UserId>>, sqlx::Error> {
    let row: Option<(Option<UserId>,)> = sqlx::query_as(
        "UPDATE calendar_feeds SET revoked_at = now()
         WHERE practice_id = $1 AND id = $2 AND revoked_at IS NULL RETURNING provider_id",
    )
    .bind(practice)
    .bind(id)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|(p,)| p))
}

/// The live feed a token names: (feed, practice, provider). Run in an all-practices scope:
/// the token is all there is to go on.
pub async fn feed_by_token(
    conn: &mut PgConnection,
    token_hash: &[u8],
) -> Result<Option<(FeedId, PracticeId, Option<UserId>)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT f.id, f.practice_id, f.provider_id FROM calendar_feeds f
         JOIN practices p ON p.id = f.practice_id
         WHERE f.token_hash = $1 AND f.revoked_at IS NULL AND p.archived_at IS NULL
           AND (f.expires_at IS NULL OR f.expires_at > now())
           -- A feed is good only while the person who made it may still see the calendar.
           AND (EXISTS (SELECT 1 FROM memberships m
                        WHERE m.practice_id = f.practice_id AND m.user_id = f.created_by)
                OR EXISTS (SELECT 1 FROM agency_admins a WHERE a.user_id = f.created_by))",
    )
    .bind(token_hash)
    .fetch_optional(conn)
    .await
}

/// Revokes the practice's feeds that `person` made or that carry their calendar: their
/// membership changed, and what they were allowed to share may have too.
pub async fn revoke_feeds_of(
    conn: &mut PgConnection,
    practice: PracticeId,
    person: UserId,
) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query(
        "UPDATE calendar_feeds SET revoked_at = now()
         WHERE practice_id = $1 AND (created_by = $2 OR provider_id = $2) AND revoked_at IS NULL",
    )
    .bind(practice)
    .bind(person)
    .execute(conn)
    .await?
    .rows_affected())
}

pub async fn touch_feed(conn: &mut PgConnection, id: FeedId) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE calendar_feeds SET last_read_at = now() WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// The practice's choice about patient names in feeds.
pub async fn feed_patient_names(conn: &mut PgConnection, practice: PracticeId) -> Result<bool, sqlx::Error> {
    let (on,): (bool,) = sqlx::query_as("SELECT feed_patient_names FROM practices WHERE id = $1")
        .bind(practice)
        .fetch_one(conn)
        .await?;
    Ok(on)
}

pub async fn set_feed_patient_names(
    conn: &mut PgConnection,
    practice: PracticeId,
    on: bool,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE practices SET feed_patient_names = $2 WHERE id = $1")
        .bind(practice)
        .bind(on)
        .execute(conn)
        .await?;
    Ok(())
}

/// What a feed carries of an entry: (id, kind, start, end, changed, version, status,
/// type name, patient name (empty unless `names`), title, room name, provider name).
pub type FeedEntryRow = (
    EntryId,
    EntryKind,
    DateTime<Utc>,
    DateTime<Utc>,
    DateTime<Utc>,
    i32,
    Status,
    String,
    String,
    String,
    String,
    String,
    // The patient, when the feed names patients.
    Option<PatientId>,
);

/// Live entries starting in `window`, of `provider` (as provider or attendee) when given.
pub async fn feed_entries(
    conn: &mut PgConnection,
    practice: PracticeId,
    provider: Option<UserId>,
    window: Span,
    names: bool,
) -> Result<Vec<FeedEntryRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT e.id, e.kind, e.starts_at, e.ends_at, e.updated_at, e.version, e.status,
           coalesce(t.name, ''), CASE WHEN $5 THEN coalesce(pt.full_name, '') ELSE '' END,
           e.title, coalesce(r.name, ''), coalesce(u.display_name, ''), pt.id
         FROM entries e
         LEFT JOIN users u ON u.id = e.provider_id
         LEFT JOIN appointment_types t ON t.id = e.type_id
         LEFT JOIN patients pt ON $5 AND pt.id = e.patient_id
         LEFT JOIN rooms r ON r.id = e.room_id
         WHERE e.practice_id = $1 AND e.starts_at >= $2 AND e.starts_at < $3
           AND e.status <> 'cancelled'
           AND ($4::uuid IS NULL OR e.provider_id = $4
                OR EXISTS (SELECT 1 FROM entry_attendees a WHERE a.entry_id = e.id AND a.user_id = $4))
         ORDER BY e.starts_at, e.id
         LIMIT 20000",
    )
    .bind(practice)
    .bind(window.start)
    .bind(window.end)
    .bind(provider)
    .bind(names)
    .fetch_all(conn)
    .await
}

/// What a notice to a patient says: (practice name, zone, start, provider name, patient
/// e-mail, status).
pub type NoticeFacts = (String, String, DateTime<Utc>, String, String, Status);

pub async fn notice_facts(
    conn: &mut PgConnection,
    practice: PracticeId,
    entry: EntryId,
) -> Result<Option<NoticeFacts>, sqlx::Error> {
    sqlx::query_as(
        "SELECT p.name, p.time_zone, e.starts_at, coalesce(u.display_name, ''), pt.email, e.status
         FROM entries e JOIN practices p ON p.id = e.practice_id
         JOIN patients pt ON pt.id = e.patient_id
         LEFT JOIN users u ON u.id = e.provider_id
         WHERE e.practice_id = $1 AND e.id = $2",
    )
    .bind(practice)
    .bind(entry)
    .fetch_optional(conn)
    .await
}

/// Records a notice; None for a reminder (entry, lead, start) made before.
pub async fn insert_notice(
    conn: &mut PgConnection,
    practice: PracticeId,
    entry: EntryId,
    kind: &str,
    lead_hours: i32,
    starts_at: DateTime<Utc>,
    token_hash: &[u8],
) -> Result<Option<Uuid>, sqlx::Error> {
    let row: Option<(Uuid,)> = sqlx::query_as(
        "INSERT INTO appointment_notices (practice_id, entry_id, kind, lead_hours, starts_at, token_hash)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (entry_id, lead_hours, starts_at) WHERE kind = 'reminder' DO NOTHING RETURNING id",
    )
    .bind(practice)
    .bind(entry)
    .bind(kind)
    .bind(lead_hours)
    .bind(starts_at)
    .bind(token_hash)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|(id,)| id))
}

/// Appointments due a reminder now, over every practice: (practice, entry, lead hours).
/// Booked or moved after the reminder fell due, an appointment gets none (the booking
/// mail told the patient).
pub async fn due_reminders(
    conn: &mut PgConnection,
    per_practice: i64,
) -> Result<Vec<(PracticeId, EntryId, i32)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT practice_id, id, lead FROM (
         SELECT e.practice_id, e.id, l.lead, e.starts_at,
                row_number() OVER (PARTITION BY e.practice_id ORDER BY e.starts_at) AS n
         FROM entries e JOIN practices p ON p.id = e.practice_id
         JOIN patients pt ON pt.id = e.patient_id
         CROSS JOIN LATERAL unnest(p.reminder_hours) AS l(lead)
         WHERE e.starts_at > now() AND e.starts_at <= now() + interval '14 days'
           AND e.starts_at <= now() + make_interval(hours => l.lead)
           AND e.updated_at < e.starts_at - make_interval(hours => l.lead)
           AND e.kind = 'appointment' AND e.status IN ('scheduled', 'confirmed')
           AND pt.email <> '' AND p.archived_at IS NULL
           AND NOT EXISTS (SELECT 1 FROM appointment_notices n
             WHERE n.entry_id = e.id AND n.kind = 'reminder' AND n.lead_hours = l.lead AND n.starts_at = e.starts_at)
         ) due WHERE n <= $1 ORDER BY starts_at",
    )
    .bind(per_practice)
    .fetch_all(conn)
    .await
}

/// The notice a link's token names: (notice, practice, entry). All-practices scope.
pub async fn notice_by_token(
    conn: &mut PgConnection,
    token_hash: &[u8],
) -> Result<Option<(Uuid, PracticeId, EntryId)>, sqlx::Error> {
    sqlx::query_as("SELECT id, practice_id, entry_id FROM appointment_notices WHERE token_hash = $1")
        .bind(token_hash)
        .fetch_optional(conn)
        .await
}

pub async fn answer_notice(conn: &mut PgConnection, id: Uuid, answer: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE appointment_notices SET answered_at = now(), answer = $2 WHERE id = $1")
        .bind(id)
        .bind(answer)
        .execute(conn)
        .await?;
    Ok(())
}

/// A provider's live appointments overlapping `window`: (id, version, patient name, type
/// name, start, patient has an e-mail address).
pub async fn appointments_of(
    conn: &mut PgConnection,
    practice: PracticeId,
    provider: UserId,
    window: Span,
) -> Result<Vec<(EntryId, i32, String, String, DateTime<Utc>, bool, PatientId)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT e.id, e.version, pt.full_name, coalesce(t.name, ''), e.starts_at, pt.email <> '', pt.id
         FROM entries e JOIN patients pt ON pt.id = e.patient_id
         LEFT JOIN appointment_types t ON t.id = e.type_id
         WHERE e.practice_id = $1 AND e.provider_id = $2 AND e.kind = 'appointment'
           AND e.status IN ('scheduled', 'confirmed')
           AND e.starts_at < $4 AND e.starts_at > $3 - interval '1 day' AND e.ends_at > $3
         ORDER BY e.starts_at",
    )
    .bind(practice)
    .bind(provider)
    .bind(window.start)
    .bind(window.end)
    .fetch_all(conn)
    .await
}

pub async fn insert_waiting(
    conn: &mut PgConnection,
    practice: PracticeId,
    entry: EntryId,
    (earliest, latest): (NaiveDate, NaiveDate),
    note: &str,
    by: UserId,
) -> Result<Uuid, sqlx::Error> {
    let (id,): (Uuid,) = sqlx::query_as(
        "INSERT INTO waitlist (practice_id, entry_id, patient_id, type_id, earliest, latest, note, created_by)
         SELECT practice_id, id, patient_id, type_id, $3, $4, $5, $6 FROM entries WHERE practice_id = $1 AND id = $2
         RETURNING id",
    )
    .bind(practice)
    .bind(entry)
    .bind(earliest)
    .bind(latest)
    .bind(note)
    .bind(by)
    .fetch_one(conn)
    .await?;
    Ok(id)
}

/// An open waitlist row: (id, entry, patient name, has e-mail, type, type name, provider
/// of the appointment, its start, earliest, latest, has an open offer, the patient).
pub type WaitingRow = (
    Uuid,
    EntryId,
    String,
    bool,
    TypeId,
    String,
    Option<UserId>,
    DateTime<Utc>,
    NaiveDate,
    NaiveDate,
    bool,
    PatientId,
);

pub async fn open_waiting(
    conn: &mut PgConnection,
    practice: PracticeId,
) -> Result<Vec<WaitingRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT w.id, w.entry_id, pt.full_name, pt.email <> '', w.type_id, t.name, e.provider_id, e.starts_at,
           w.earliest, w.latest,
           EXISTS (SELECT 1 FROM waitlist_offers o WHERE o.waitlist_id = w.id AND o.outcome IS NULL),
           w.patient_id
         FROM waitlist w JOIN patients pt ON pt.id = w.patient_id
         JOIN appointment_types t ON t.id = w.type_id JOIN entries e ON e.id = w.entry_id
         WHERE w.practice_id = $1 AND w.closed IS NULL AND e.status IN ('scheduled', 'confirmed')
         ORDER BY w.created_at LIMIT 100",
    )
    .bind(practice)
    .fetch_all(conn)
    .await
}

pub async fn close_waiting(
    conn: &mut PgConnection,
    practice: PracticeId,
    id: Uuid,
    why: &str,
) -> Result<Option<PatientId>, sqlx::Error> {
    sqlx::query_scalar(
        "UPDATE waitlist SET closed = $3, closed_at = now() WHERE practice_id = $1 AND id = $2 AND closed IS NULL
         RETURNING patient_id",
    )
    .bind(practice)
    .bind(id)
    .bind(why)
    .fetch_optional(conn)
    .await
}

#[allow(clippy::too_many_arguments)]
pub async fn insert_offer(
    conn: &mut PgConnection,
    practice: PracticeId,
    waiting: Uuid,
    group: Uuid,
    starts_at: DateTime<Utc>,
    provider: UserId,
    room: Option<RoomId>,
    token_hash: &[u8],
    by: UserId,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO waitlist_offers (practice_id, waitlist_id, slot_group, starts_at, provider_id, room_id, token_hash, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(practice)
    .bind(waiting)
    .bind(group)
    .bind(starts_at)
    .bind(provider)
    .bind(room)
    .bind(token_hash)
    .bind(by)
    .execute(conn)
    .await?;
    Ok(())
}

/// The offer a link's token names: (offer, practice, group). All-practices scope.
pub async fn offer_by_token(
    conn: &mut PgConnection,
    token_hash: &[u8],
) -> Result<Option<(Uuid, PracticeId, Uuid)>, sqlx::Error> {
    sqlx::query_as("SELECT id, practice_id, slot_group FROM waitlist_offers WHERE token_hash = $1")
        .bind(token_hash)
        .fetch_optional(conn)
        .await
}

/// The offers of one slot, locked (so that claims of it take turns): (offer, waitlist row,
/// its appointment, its patient's e-mail, start, provider, room, outcome).
pub type OfferRow = (
    Uuid,
    Uuid,
    EntryId,
    String,
    DateTime<Utc>,
    UserId,
    Option<RoomId>,
    Option<String>,
);

pub async fn offers_of_group(conn: &mut PgConnection, group: Uuid) -> Result<Vec<OfferRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT o.id, o.waitlist_id, w.entry_id, pt.email, o.starts_at, o.provider_id, o.room_id, o.outcome
         FROM waitlist_offers o JOIN waitlist w ON w.id = o.waitlist_id JOIN patients pt ON pt.id = w.patient_id
         WHERE o.slot_group = $1 ORDER BY o.id FOR UPDATE OF o",
    )
    .bind(group)
    .fetch_all(conn)
    .await
}

pub async fn settle_offer(conn: &mut PgConnection, id: Uuid, outcome: &str) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE waitlist_offers SET outcome = $2, answered_at = now() WHERE id = $1 AND outcome IS NULL",
    )
    .bind(id)
    .bind(outcome)
    .execute(conn)
    .await?;
    Ok(())
}

/// Where an entry was and what it was before a change: what undo puts back.
#[derive(Clone, Copy, Debug, sqlx::FromRow)]
pub struct Before {
    pub starts_at: DateTime<Utc>,
    pub provider_id: Option<UserId>,
    pub room_id: Option<RoomId>,
    pub outside_availability: bool,
    pub status: Status,
}

impl Before {
    pub fn of(e: &Entry) -> Before {
        Before {
            starts_at: e.starts_at,
            provider_id: e.provider_id,
            room_id: e.room_id,
            outside_availability: e.outside_availability,
            status: e.status,
        }
    }
}

/// A change its maker may undo, as kept.
#[derive(sqlx::FromRow)]
pub struct UndoRow {
    pub entry_id: EntryId,
    pub made_by: UserId,
    pub kind: String,
    /// The entry's version the change left.
    pub version: i32,
    #[sqlx(flatten)]
    pub before: Before,
    pub mail_id: Option<Uuid>,
    pub undone: bool,
    /// Still inside the time undo is offered.
    pub fresh: bool,
}

/// Keeps what a change of `entry` replaced (`kind`: booked, moved, status), the version it
/// left and the patient's notice it queued.
#[allow(clippy::too_many_arguments)]
pub async fn insert_undo(
    conn: &mut PgConnection,
    practice: PracticeId,
    entry: EntryId,
    by: UserId,
    kind: &str,
    version: i32,
    before: &Before,
    mail: Option<Uuid>,
) -> Result<UndoId, sqlx::Error> {
    let (id,): (UndoId,) = sqlx::query_as(
        "INSERT INTO entry_undos (practice_id, entry_id, made_by, kind, version, starts_at, provider_id,
                                  room_id, outside_availability, status, mail_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
    )
    .bind(practice)
    .bind(entry)
    .bind(by)
    .bind(kind)
    .bind(version)
    .bind(before.starts_at)
    .bind(before.provider_id)
    .bind(before.room_id)
    .bind(before.outside_availability)
    .bind(before.status)
    .bind(mail)
    .fetch_one(conn)
    .await?;
    Ok(id)
}

/// A kept change, locked (two clicks on Undo: one undoes, the other finds it undone).
pub async fn undo_row(
    conn: &mut PgConnection,
    practice: PracticeId,
    id: UndoId,
    within_seconds: i64,
) -> Result<Option<UndoRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT entry_id, made_by, kind, version, starts_at, provider_id, room_id, outside_availability,
                status, mail_id, undone_at IS NOT NULL AS undone,
                made_at > now() - make_interval(secs => $3) AS fresh
         FROM entry_undos WHERE practice_id = $1 AND id = $2 FOR UPDATE",
    )
    .bind(practice)
    .bind(id)
    .bind(within_seconds as f64)
    .fetch_optional(conn)
    .await
}

pub async fn mark_undone(conn: &mut PgConnection, id: UndoId) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE entry_undos SET undone_at = now() WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Removes the kept changes older than a day (housekeeping: their undo ran out long ago).
pub async fn purge_undos(conn: &mut PgConnection) -> Result<u64, sqlx::Error> {
    let gone = sqlx::query("DELETE FROM entry_undos WHERE made_at < now() - interval '1 day'")
        .execute(conn)
        .await?;
    Ok(gone.rows_affected())
}

/// Puts an entry's place and status back (undo), keeping its length; bumps its version.
pub async fn restore(
    conn: &mut PgConnection,
    practice: PracticeId,
    id: EntryId,
    at: Span,
    before: &Before,
    reason: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE entries SET starts_at = $3, ends_at = $4, provider_id = $5, room_id = $6,
           outside_availability = $7, status = $8, cancel_reason = $9,
           version = version + 1, updated_at = now()
         WHERE practice_id = $1 AND id = $2",
    )
    .bind(practice)
    .bind(id)
    .bind(at.start)
    .bind(at.end)
    .bind(before.provider_id)
    .bind(before.room_id)
    .bind(before.outside_availability)
    .bind(before.status)
    .bind(reason)
    .execute(conn)
    .await?;
    Ok(())
}
