//! The top bar's availability control: one state for all practices, and each practice's own.

use crate::availability::api::my_availability;
use crate::availability::model::InPractice;
use crate::availability::rules;
use crate::error::AppError;
use crate::model::{Me, PracticeId};
use crate::realtime::ui::LiveFeed;
use crate::realtime::Kind;
use futures::future::LocalBoxFuture;
use leptos::prelude::*;

/// Shows the person's availability (the practice at hand's); its menu, fetched the first
/// time it opens, sets it for all practices or one. Browser-only data: drawn after
/// hydration, never on the server.
#[component]
pub fn AvailabilityControl(
    me: Me,
    practice: Signal<Option<PracticeId>>,
    /// Fetches the menu's code (the frame holds the top bar's chunks).
    menu: fn() -> LocalBoxFuture<'static, MenuFn>,
) -> impl IntoView {
    let mine = RwSignal::new(None::<Vec<InPractice>>);
    let error = RwSignal::new(None::<AppError>);
    let reread = RwSignal::new(0u32);
    if let Some(feed) = use_context::<LiveFeed>() {
        feed.on(Kind::Availability, practice, move || reread.update(|n| *n += 1));
    }
    Effect::new(move |_| {
        reread.track();
        leptos::task::spawn_local(async move { crate::ui::settle(my_availability().await, mine, error) });
    });
    let shown = move || mine.with(|m| m.as_deref().and_then(|m| rules::shown(m, practice.get())));
    let mixed = move || mine.with(|m| m.as_deref().is_some_and(rules::mixed));
    let opened = RwSignal::new(false);
    let slot = NodeRef::<leptos::html::Span>::new();
    crate::ui::draw_when_asked(
        slot,
        move || opened.get(),
        move |slot, owner| async move {
            let draw = menu().await;
            owner.with(|| draw(slot, me, mine, error));
        },
    );
    view! {
        <details class="menu availability" id="availability"
            on:toggle=move |_| opened.set(true)
            on:keydown=move |ev: leptos::ev::KeyboardEvent| if ev.key() == "Escape" { crate::ui::close_menu(&ev) }
        >
            <summary title="Your availability: whether you take calls and tasks">
                <span class=move || format!("dot {}", shown().map(|a| a.as_str()).unwrap_or("unknown")) aria-hidden="true"></span>
                <span id="availability-now">{move || shown().map(|a| a.label()).unwrap_or("Availability")}</span>
                <span class="muted small" hidden=move || !mixed()>" (varies)"</span>
            </summary>
            <span class="tools" node_ref=slot></span>
        </details>
    }
}

/// Draws the menu into its slot, bound to the control's state (from the top bar's menus chunk).
pub(crate) type MenuFn =
    fn(web_sys::Element, Me, RwSignal<Option<Vec<InPractice>>>, RwSignal<Option<AppError>>);

pub(crate) fn draw_menu(
    slot: web_sys::Element,
    me: Me,
    mine: RwSignal<Option<Vec<InPractice>>>,
    error: RwSignal<Option<AppError>>,
) {
    crate::ui::build_into(slot, view! { <Menu me mine error /> })
}

/// The menu: one state for all practices, and each practice's own.
#[component]
fn Menu(me: Me, mine: RwSignal<Option<Vec<InPractice>>>, error: RwSignal<Option<AppError>>) -> impl IntoView {
    use crate::availability::api::set_availability;
    use crate::availability::model::Availability;
    let set = move |availability: Availability, practice: Option<PracticeId>| {
        leptos::task::spawn_local(async move {
            crate::ui::settle(set_availability(availability, practice).await, mine, error)
        });
    };
    let state_of = move |id: PracticeId| {
        mine.with(|m| {
            m.as_ref()
                .and_then(|m| m.iter().find(|a| a.practice == id))
                .map(|a| a.now.as_str())
                .unwrap_or_default()
        })
    };
    view! {
        <div class="availability-panel" role="group" aria-label="Your availability">
            <p class="small muted">"All your practices"</p>
            <div class="choices" id="availability-all">
                {Availability::ALL
                    .into_iter()
                    .map(|a| view! {
                        <button type="button" data-state=a.as_str() on:click=move |ev| {
                            set(a, None);
                            crate::ui::close_menu(&ev);
                        }>
                            <span class=format!("dot {}", a.as_str()) aria-hidden="true"></span>
                            {a.label()}
                        </button>
                    })
                    .collect_view()}
            </div>
            <table class="dense" id="availability-each">
                <tbody>
                    {me.practices
                        .into_iter()
                        .map(|p| {
                            let id = p.id;
                            view! {
                                <tr>
                                    <td>{p.name.clone()}</td>
                                    <td>
                                        <select
                                            aria-label=format!("Availability at {}", p.name)
                                            data-practice=id.to_string()
                                            prop:value=move || state_of(id)
                                            on:change=move |ev| {
                                                if let Some(a) = Availability::parse(&event_target_value(&ev)) {
                                                    set(a, Some(id));
                                                }
                                            }
                                        >
                                            {Availability::ALL
                                                .into_iter()
                                                .map(|a| view! { <option value=a.as_str()>{a.label()}</option> })
                                                .collect_view()}
                                        </select>
                                    </td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
            {move || error.get().map(|e| view! { <crate::ui::ErrorNote error=e /> })}
        </div>
    }
}
