//! The inbox's server function: the person's practices, their clocks, and what needs doing
//! across them, ranked (`rules.rs`).

use crate::error::AppError;
use crate::inbox::model::Inbox;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

#[cfg(feature = "ssr")]
use crate::{
    audit::db::{self as audit, Event},
    audit::model::Action,
    auth::session,
    db::{begin, Scope},
    inbox::{
        db,
        model::{Item, PracticeNow, Ranked, Visit},
        rules,
    },
    model::PracticeId,
    state::app_state,
    tasks::{model::Priority, rules as sla},
};

/// Everything that needs the person now, across every practice they serve, most urgent
/// first: their tasks and the queues' (where they work them), appointments to confirm for
/// each practice's next open day and patients waiting. Audited per practice, naming the
/// patients shown.
#[server(endpoint = "inbox/items", input = Json, output = crate::wire::Bin)]
pub async fn inbox_items() -> Result<Inbox, AppError> {
    let actor = session::actor()?;
    let me = actor.user();
    let practices: Vec<PracticeId> = actor.me.practices.iter().map(|p| p.id).collect();
    let desk: Vec<PracticeId> = actor
        .me
        .practices
        .iter()
        .filter(|p| sla::DESK.contains(&p.role))
        .map(|p| p.id)
        .collect();
    let state = app_state()?;
    let mut tx = begin(&state.pool, &Scope::person(me, practices.iter().copied())).await?;
    let clocks = db::clocks(&mut tx, &practices).await?;
    let tasks = crate::tasks::db::inbox(&mut tx, &practices, &desk, me).await?;
    let linked =
        crate::tasks::db::patients_of(&mut tx, &tasks.iter().map(|t| t.id).collect::<Vec<_>>()).await?;
    let visits = db::visits(&mut tx, &practices).await?;
    let now = chrono::Utc::now();
    let mut out = Inbox {
        practices: Vec::new(),
        items: Vec::new(),
    };
    let mut shown: Vec<(PracticeId, crate::model::PatientId)> = linked;
    for (id, name, zone, hours) in clocks {
        let tz = crate::calendar::book::parse_zone(&zone)?;
        let week = sla::week_of(&hours);
        let local_now = now.with_timezone(&tz).naive_local();
        let today = local_now.date();
        let open_now = sla::open_at(&tz, &week, now);
        out.practices.push(PracticeNow {
            id,
            name: name.clone(),
            local_now,
            open_now,
        });
        for t in tasks.iter().filter(|t| t.practice == id) {
            out.items.push(Ranked {
                minutes_left: sla::open_minutes(&tz, &week, now, t.due_at, t.priority),
                priority: t.priority,
                open_now,
                item: Item::Task(t.clone()),
            });
        }
        let next_open = rules::next_open_day(&week, today);
        for v in visits.iter().filter(|v| v.practice_id == id) {
            let day = v.start_local.date();
            let Some(need) = rules::visit_need(
                v.status,
                day,
                today,
                next_open,
                desk.contains(&id),
                v.provider_id == me,
            ) else {
                continue;
            };
            let (priority, minutes_left) = match need {
                crate::inbox::model::Need::Confirm => {
                    let by = crate::calendar::rules::local_to_utc(&tz, rules::confirm_by(&week, day));
                    (
                        Priority::Soon,
                        sla::open_minutes(&tz, &week, now, by, Priority::Soon),
                    )
                }
                // A patient in the waiting room: the wall clock, from the appointment's time.
                crate::inbox::model::Need::Waiting => (Priority::Urgent, (v.starts_at - now).num_minutes()),
            };
            shown.push((id, v.patient_id));
            out.items.push(Ranked {
                item: Item::Visit(Visit {
                    practice: id,
                    practice_name: name.clone(),
                    entry: v.id,
                    version: v.version,
                    patient: v.patient.clone(),
                    provider: v.provider.clone(),
                    start_local: v.start_local,
                    need,
                }),
                priority,
                minutes_left,
                open_now,
            });
        }
    }
    rules::rank(&mut out.items);
    for p in &out.practices {
        let rows = out.items.iter().filter(|r| r.item.practice() == p.id).count();
        let patients: Vec<_> = shown
            .iter()
            .filter(|(q, _)| *q == p.id)
            .map(|(_, pa)| *pa)
            .collect();
        audit::record(
            &mut tx,
            Event {
                patients,
                detail: serde_json::json!({ "rows": rows }),
                ..Event::of(&actor, p.id, Action::InboxView)
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(out)
}
