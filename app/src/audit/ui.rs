//! The access log as a practice admin reads it: newest first, a page at a time, filtered by
//! person, patient ("who saw this patient?"), action and the practice's local days.

use crate::audit::api::practice_audit;
use crate::audit::model::{Action, AuditPage, AuditRow};
use crate::calendar::api::find_patients;
use crate::calendar::forms_ui::DateField;
use crate::error::AppError;
use crate::model::{PatientId, PracticeId};
use crate::practices::api::practice_overview;
use crate::ui::PageError;
use leptos::prelude::*;

/// A filter as applied (the form's fields only take effect on "Show"; a patient's name in
/// the table applies at once).
#[derive(Clone, Debug, Default, PartialEq)]
struct Filter {
    person: String,
    patient: Option<PatientId>,
    action: String,
    from: String,
    to: String,
    /// Paging back: events older than this id.
    before: Option<i64>,
}

/// The filter as applied and what it reads: made by the page, outside any `Transition` (whose
/// children the server draws more than once: a resource made there would be read, and the
/// read recorded, twice).
#[derive(Clone, Copy)]
pub struct LogState {
    applied: RwSignal<Filter>,
    log: crate::wire::Loaded<(Vec<crate::practices::model::StaffMember>, AuditPage)>,
}

/// The access log's state for the practice in `practice`.
pub fn log_state(practice: Signal<Option<PracticeId>>) -> LogState {
    let applied = RwSignal::new(Filter::default());
    let log = crate::wire::load(
        move || (practice.get(), applied.get()),
        |(p, f)| async move {
            let p = p.ok_or(AppError::NotFound)?;
            let opt = |s: String| (!s.is_empty()).then_some(s);
            let staff = practice_overview(p).await?.staff;
            let page = practice_audit(
                p,
                opt(f.person),
                f.patient.map(|p| p.to_string()),
                opt(f.action),
                opt(f.from),
                opt(f.to),
                f.before,
            )
            .await?;
            Ok::<_, AppError>((staff, page))
        },
    );
    LogState { applied, log }
}

/// The filter form and the table of events of the practice. One resource reads both the
/// people (for the filter) and the events, and one `Transition` shows both: a page with one
/// resource per part did not hydrate reliably when opened directly.
#[component]
pub fn AccessLog(practice: Signal<Option<PracticeId>>, state: LogState) -> impl IntoView {
    let LogState { applied, log } = state;
    let person = RwSignal::new(String::new());
    let action = RwSignal::new(String::new());
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let apply = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        applied.update(|f| {
            *f = Filter {
                person: person.get_untracked(),
                patient: f.patient,
                action: action.get_untracked(),
                from: from.get_untracked(),
                to: to.get_untracked(),
                before: None,
            }
        });
    };
    let choose_patient = Callback::new(move |p: Option<PatientId>| {
        applied.update(|f| {
            f.patient = p;
            f.before = None;
        })
    });
    view! {
        <section class="panel wide" id="access-log">
            <h2>"Access log"</h2>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    let (staff, page) = match log.await {
                        Ok(found) => found,
                        Err(e) => return view! { <PageError error=e /> }.into_any(),
                    };
                    view! {
                        <form class="filters" on:submit=apply>
                            <label>
                                "Person"
                                <select bind:value=person id="audit-person">
                                    <option value="">"Everyone"</option>
                                    {staff.into_iter().map(|s| view! { <option value=s.id.to_string()>{s.display_name}</option> }).collect_view()}
                                </select>
                            </label>
                            <label>
                                "What"
                                <select bind:value=action id="audit-action">
                                    <option value="">"Everything"</option>
                                    {Action::ALL.iter().map(|a| view! { <option value=a.name()>{a.words()}</option> }).collect_view()}
                                </select>
                            </label>
                            <label>"From" <DateField id="audit-from" value=from /></label>
                            <label>"To" <DateField id="audit-to" value=to /></label>
                            <button type="submit">"Show"</button>
                        </form>
                        <PatientFilter practice page=page.clone() choose=choose_patient />
                        <AuditTable page choose=choose_patient applied />
                    }
                    .into_any()
                })}
            </Transition>
        </section>
    }
}

/// "Who saw this patient?": the patient filtered by, or a search to choose one.
#[component]
fn PatientFilter(
    practice: Signal<Option<PracticeId>>,
    page: AuditPage,
    choose: Callback<Option<PatientId>>,
) -> impl IntoView {
    if let Some(name) = page.patient_name {
        return view! {
            <p class="audit-patient" id="audit-patient">
                "Everyone who saw or changed the record of " <strong>{name}</strong> " · "
                <button type="button" class="link" on:click=move |_| choose.run(None)>"All patients"</button>
            </p>
        }
        .into_any();
    }
    let query = RwSignal::new(String::new());
    let hits = RwSignal::new(Vec::new());
    let search = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (Some(p), q) = (practice.get_untracked(), query.get_untracked()) else {
            return;
        };
        leptos::task::spawn_local(async move {
            hits.set(find_patients(p, q).await.unwrap_or_default());
        });
    };
    view! {
        <form class="filters" on:submit=search>
            <label>"Patient" <input type="search" bind:value=query id="audit-patient-search" placeholder="Name or date of birth" /></label>
            <button type="submit">"Find"</button>
            <span class="hits">
                {move || hits.get().into_iter().map(|h| {
                    let id = h.id;
                    view! { <button type="button" class="link" on:click=move |_| choose.run(Some(id))>{h.name}</button> }
                }).collect_view()}
            </span>
        </form>
    }
    .into_any()
}

#[component]
fn AuditTable(
    page: AuditPage,
    choose: Callback<Option<PatientId>>,
    applied: RwSignal<Filter>,
) -> impl IntoView {
    if page.rows.is_empty() {
        return view! { <p class="muted" id="audit-events">"No events match."</p> }.into_any();
    }
    let paged = applied.with_untracked(|f| f.before.is_some());
    let oldest = page.rows.last().map(|r| r.id);
    let n = page.rows.len();
    let summary = format!(
        "{n} event{}{}, newest first; times in the practice's time zone.",
        if n == 1 { "" } else { "s" },
        if page.older { " of more" } else { "" },
    );
    // One shape per branch, each a whole table: a branch inside <tbody> does not hydrate.
    let rows = page.rows.into_iter().map(|r| row(r, choose)).collect_view();
    view! {
        <p class="muted small">{summary}</p>
        <div class="scroll">
            <table class="dense" id="audit-events">
                <thead>
                    <tr><th>"When"</th><th>"Who"</th><th>"What"</th><th>"Patients"</th><th>"About"</th><th>"Details"</th><th>"From"</th></tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
        <nav class="pager" aria-label="Pages of the log" hidden=!(paged || page.older)>
            <button type="button" disabled=!paged on:click=move |_| applied.update(|f| f.before = None)>"Newest"</button>
            <button type="button" id="audit-older" disabled=!page.older
                on:click=move |_| applied.update(|f| f.before = oldest)>"Older"</button>
        </nav>
    }
    .into_any()
}

fn row(r: AuditRow, choose: Callback<Option<PatientId>>) -> impl IntoView {
    let about = r.subject_name.or(r.subject_type).unwrap_or_else(|| "—".into());
    let detail = if r.detail.is_empty() {
        "—".to_string()
    } else {
        r.detail
    };
    let more = r.patient_count - r.patients.len() as i64;
    let patients = r
        .patients
        .into_iter()
        .map(|(id, name)| {
            view! { <button type="button" class="link patient" title="Who saw this patient" on:click=move |_| choose.run(Some(id))>{name}</button> }
        })
        .collect_view();
    view! {
        <tr>
            <td class="nowrap">{r.at_local}</td>
            <td class="nowrap">{r.actor.unwrap_or_else(|| "—".into())}</td>
            <td title=r.action>{r.what}</td>
            <td class="patients">{patients}{(more > 0).then(|| format!(" and {more} more"))}</td>
            <td>{about}</td>
            <td class="muted"><code>{detail}</code></td>
            <td class="muted">{r.ip.unwrap_or_else(|| "—".into())}</td>
        </tr>
    }
}
