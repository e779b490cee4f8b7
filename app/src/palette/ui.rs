//! The palette (Ctrl/Cmd+K) and the shortcuts list (`?`), held by the workspace frame.

use crate::model::{Me, PracticeId};
use crate::nav::Section;
use crate::palette::rules::{self, Command};
use futures::future::LocalBoxFuture;
use leptos::either::Either;
use leptos::prelude::*;

/// How many commands the palette lists at once.
const SHOWN: usize = 12;

/// Keys every page of the workspace has, before the page's own.
const ALWAYS: [(&str, &str); 3] = [
    ("Ctrl+K", "Go to a section or practice"),
    ("?", "These shortcuts"),
    ("Escape", "Close this, a menu or a panel"),
];

/// The top bar's "Go to…" button and the keys that open the palette (Ctrl/Cmd+K) and the
/// shortcuts list (`?`). The two dialogs are a chunk of their own, fetched the first time
/// one is asked for: no page's load carries code for a dialog nobody opened.
#[component]
pub fn PaletteKeys(
    me: Me,
    practice: Signal<Option<PracticeId>>,
    section: Signal<Section>,
    /// Fetches the dialogs' code (the frame holds the top bar's chunks).
    dialogs: fn() -> LocalBoxFuture<'static, DialogsFn>,
) -> impl IntoView {
    let open = RwSignal::new(false);
    let help = RwSignal::new(None::<Vec<(String, String)>>);
    let slot = NodeRef::<leptos::html::Span>::new();
    {
        let keys = window_event_listener(leptos::ev::keydown, move |ev| {
            let key = ev.key();
            if (ev.ctrl_key() || ev.meta_key()) && key.eq_ignore_ascii_case("k") {
                ev.prevent_default();
                help.set(None);
                open.update(|o| *o = !*o);
            } else if key == "?" && !typing(&ev) && !open.get_untracked() {
                ev.prevent_default();
                help.set(Some(shortcuts()));
            } else if key == "Escape" {
                open.set(false);
                help.set(None);
            }
        });
        on_cleanup(move || keys.remove());
        let asked = move || open.get() || help.with(Option::is_some);
        crate::ui::draw_when_asked(slot, asked, move |slot, owner| async move {
            let draw = dialogs().await;
            owner.with(|| draw(slot, me, practice, section, open, help));
        });
    }
    view! {
        <button type="button" class="go-to" id="palette-open" aria-keyshortcuts="Control+K" title="Go to a section or practice (Ctrl+K)" on:click=move |_| open.set(true)>
            "Go to…"
        </button>
        <span class="tools" node_ref=slot></span>
    }
}

/// Draws the dialogs into their slot, bound to the keys' signals.
pub(crate) type DialogsFn = fn(
    web_sys::Element,
    Me,
    Signal<Option<PracticeId>>,
    Signal<Section>,
    RwSignal<bool>,
    RwSignal<Option<Vec<(String, String)>>>,
);

pub(crate) fn draw_dialogs(
    slot: web_sys::Element,
    me: Me,
    practice: Signal<Option<PracticeId>>,
    section: Signal<Section>,
    open: RwSignal<bool>,
    help: RwSignal<Option<Vec<(String, String)>>>,
) {
    crate::ui::build_into(slot, view! { <Dialogs me practice section open help /> });
}

/// The palette (`open`) and the shortcuts list (`help`: its rows).
#[component]
fn Dialogs(
    me: Me,
    practice: Signal<Option<PracticeId>>,
    section: Signal<Section>,
    open: RwSignal<bool>,
    help: RwSignal<Option<Vec<(String, String)>>>,
) -> impl IntoView {
    let typed = RwSignal::new(String::new());
    let active = RwSignal::new(0usize);
    // Each opening starts afresh.
    Effect::new(move |_| {
        if open.get() {
            typed.set(String::new());
            active.set(0);
        }
    });
    let me = StoredValue::new(me);
    let all = Memo::new(move |_| {
        let key = section.with(|s| s.key().to_owned());
        me.with_value(|me| rules::commands(me, practice.get(), &key))
    });
    let shown = Memo::new(move |_| {
        all.with(|all| {
            typed.with(|t| {
                rules::narrow(all, t, SHOWN)
                    .into_iter()
                    .cloned()
                    .collect::<Vec<Command>>()
            })
        })
    });
    let choose = move |i: usize| {
        if let Some(c) = shown.with_untracked(|s| s.get(i).cloned()) {
            open.set(false);
            crate::nav::go(&c.href, false);
        }
    };
    let on_keys = move |ev: leptos::ev::KeyboardEvent| {
        let count = shown.with_untracked(Vec::len);
        match ev.key().as_str() {
            "ArrowDown" if count > 0 => {
                ev.prevent_default();
                active.update(|a| *a = (*a + 1) % count);
            }
            "ArrowUp" if count > 0 => {
                ev.prevent_default();
                active.update(|a| *a = (*a + count - 1) % count);
            }
            "Enter" => {
                ev.prevent_default();
                choose(active.get_untracked());
            }
            _ => {}
        }
    };
    let input = NodeRef::<leptos::html::Input>::new();
    Effect::new(move |_| {
        if let Some(i) = input.get() {
            let _ = i.focus();
        }
    });
    view! {
        {move || open.get().then(|| view! {
            <div class="overlay" on:click=move |_| open.set(false)>
                <div class="palette" id="palette" role="dialog" aria-modal="true" aria-label="Go to" on:click=|ev| ev.stop_propagation()>
                    <input
                        node_ref=input
                        type="text"
                        role="combobox"
                        aria-expanded="true"
                        aria-controls="palette-list"
                        aria-autocomplete="list"
                        aria-activedescendant=move || format!("palette-{}", active.get())
                        placeholder="Go to a section or practice…"
                        prop:value=move || typed.get()
                        on:input=move |ev| {
                            typed.set(event_target_value(&ev));
                            active.set(0);
                        }
                        on:keydown=on_keys
                    />
                    <ul id="palette-list" role="listbox" aria-label="Places">
                        {move || {
                            let list = shown.get();
                            if list.is_empty() {
                                return Either::Left(view! { <li class="muted">"Nothing matches."</li> });
                            }
                            Either::Right(list.into_iter()
                                .enumerate()
                                .map(|(i, c)| view! {
                                    <li
                                        id=format!("palette-{i}")
                                        role="option"
                                        aria-selected=move || (active.get() == i).to_string()
                                        on:mousemove=move |_| active.set(i)
                                        on:click=move |_| choose(i)
                                    >
                                        <span>{c.label}</span>
                                        <span class="muted small">{c.hint}</span>
                                    </li>
                                })
                                .collect_view())
                        }}
                    </ul>
                </div>
            </div>
        })}
        {move || help.with(Option::is_some).then(|| view! {
            <div class="overlay" on:click=move |_| help.set(None)>
                <div class="palette shortcuts" id="shortcuts" role="dialog" aria-modal="true" aria-labelledby="shortcuts-title" on:click=|ev| ev.stop_propagation()>
                    <h2 id="shortcuts-title">"Keyboard shortcuts"</h2>
                    <table class="dense">
                        <tbody>
                            {move || help.get().unwrap_or_default().into_iter().map(|(keys, what)| view! {
                                <tr><td><kbd>{keys}</kbd></td><td>{what}</td></tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                    <label class="check">
                        <input type="checkbox" id="single-keys" prop:checked=crate::ui::single_keys_on()
                            on:change=move |ev| crate::ui::remember(crate::ui::SINGLE_KEYS, (!event_target_checked(&ev)).then_some("off")) />
                        "Single-key shortcuts (the calendar's letters and arrows)"
                    </label>
                    <button type="button" autofocus on:click=move |_| help.set(None)>"Close"</button>
                </div>
            </div>
        })}
    }
}

/// The shortcuts of the page as shown: the workspace's own, then every element that
/// announces a key (`aria-keyshortcuts`: the sections, the page's buttons), by its label.
fn shortcuts() -> Vec<(String, String)> {
    use wasm_bindgen::JsCast;
    let mut rows: Vec<(String, String)> = ALWAYS.iter().map(|(k, w)| ((*k).into(), (*w).into())).collect();
    let Some(found) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.query_selector_all("[aria-keyshortcuts]").ok())
    else {
        return rows;
    };
    for i in 0..found.length() {
        let Some(el) = found.get(i).and_then(|n| n.dyn_into::<web_sys::Element>().ok()) else {
            continue;
        };
        // Written as the browser's standard names ("Control+K"), shown as people write them.
        let keys = el
            .get_attribute("aria-keyshortcuts")
            .unwrap_or_default()
            .replace("Control", "Ctrl");
        let what = el
            .get_attribute("aria-label")
            .or_else(|| el.text_content())
            .unwrap_or_default()
            .trim()
            .to_owned();
        if !keys.is_empty() && !rows.iter().any(|(k, _)| *k == keys) {
            rows.push((keys, what));
        }
    }
    rows
}

/// Whether a key went to a field being typed in (then `?` is a question mark).
fn typing(ev: &leptos::ev::KeyboardEvent) -> bool {
    use wasm_bindgen::JsCast;
    ev.target()
        .and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok())
        .is_some_and(|el| {
            matches!(el.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT") || el.is_content_editable()
        })
}
