//! The access log as a practice admin reads it: newest first, filtered by person and by
//! the practice's local days.

use crate::audit::api::{practice_audit, AuditRow, AUDIT_PAGE};
use crate::error::AppError;
use crate::model::PracticeId;
use crate::practices::api::practice_overview;
use crate::ui::PageError;
use leptos::prelude::*;

/// A filter as applied (the form's fields only take effect on "Show").
#[derive(Clone, Debug, Default, PartialEq)]
struct Filter {
    person: String,
    from: String,
    to: String,
}

/// The filter form and the table of events of the practice. One resource reads both the
/// people (for the filter) and the events, and one `Transition` shows both: a page with one
/// resource per part did not hydrate reliably when opened directly.
#[component]
pub fn AccessLog(practice: Signal<Option<PracticeId>>) -> impl IntoView {
    let applied = RwSignal::new(Filter::default());
    let log = crate::wire::load(
        move || (practice.get(), applied.get()),
        |(p, f)| async move {
            let p = p.ok_or(AppError::NotFound)?;
            let opt = |s: String| (!s.is_empty()).then_some(s);
            let staff = practice_overview(p).await?.staff;
            let rows = practice_audit(p, opt(f.person), opt(f.from), opt(f.to)).await?;
            Ok::<_, AppError>((staff, rows))
        },
    );
    let person = RwSignal::new(String::new());
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let apply = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        applied.set(Filter {
            person: person.get_untracked(),
            from: from.get_untracked(),
            to: to.get_untracked(),
        });
    };
    view! {
        <section class="panel wide" id="access-log">
            <h2>"Access log"</h2>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    let (staff, rows) = match log.await {
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
                            <label>"From" <input type="date" bind:value=from id="audit-from" /></label>
                            <label>"To" <input type="date" bind:value=to id="audit-to" /></label>
                            <button type="submit">"Show"</button>
                        </form>
                        <AuditTable rows />
                    }
                    .into_any()
                })}
            </Transition>
        </section>
    }
}

#[component]
fn AuditTable(rows: Vec<AuditRow>) -> impl IntoView {
    if rows.is_empty() {
        return view! { <p class="muted" id="audit-events">"No events match."</p> }.into_any();
    }
    let summary = if rows.len() as i64 >= AUDIT_PAGE {
        format!("The newest {AUDIT_PAGE} events; narrow the dates to see older ones.")
    } else {
        let n = rows.len();
        format!(
            "{n} event{}, times in the practice's time zone.",
            if n == 1 { "" } else { "s" }
        )
    };
    // One shape per branch, each a whole table: a branch inside <tbody> does not hydrate.
    let rows = rows
        .into_iter()
        .map(|r| {
            let about = r.subject_name.or(r.subject_type).unwrap_or_else(|| "—".into());
            let detail = if r.detail.is_empty() {
                "—".to_string()
            } else {
                r.detail
            };
            view! {
                <tr>
                    <td class="nowrap">{r.at_local}</td>
                    <td>{r.actor.unwrap_or_else(|| "—".into())}</td>
                    <td><code>{r.action}</code></td>
                    <td>{about}</td>
                    <td class="muted"><code>{detail}</code></td>
                    <td class="muted">{r.ip.unwrap_or_else(|| "—".into())}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <p class="muted small">{summary}</p>
        <div class="scroll">
            <table class="dense" id="audit-events">
                <thead>
                    <tr><th>"When"</th><th>"Who"</th><th>"What"</th><th>"About"</th><th>"Details"</th><th>"From"</th></tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}
