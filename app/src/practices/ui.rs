//! The workspace frame (top bar, practice switcher, navigation, idle guard) and the
//! practice's pages.

use crate::model::{Me, PracticeId};
use crate::practices::api::practice_overview;
use crate::shell::{AuthActions, MeResource};
use crate::ui::{ErrorNote, Placeholder};
use leptos::prelude::*;
use leptos_router::components::{Outlet, Redirect, A};
use leptos_router::hooks::{use_navigate, use_params_map};

/// The sections of a practice workspace: (path, label, key for the keyboard shortcut).
pub const SECTIONS: [(&str, &str, &str); 7] = [
    ("inbox", "Inbox", "i"),
    ("calendar", "Calendar", "c"),
    ("tasks", "Tasks", "t"),
    ("phone", "Phone", "p"),
    ("timesheets", "Timesheets", "s"),
    ("patients", "Patients", "n"),
    ("admin", "Admin", "a"),
];

/// `/`: send the person to their first practice, or to sign in.
#[component]
pub fn Home() -> impl IntoView {
    let me = expect_context::<MeResource>();
    view! {
        <Suspense fallback=|| view! { <p class="muted pad">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match me.await {
                    Ok(Some(me)) => match me.practices.first() {
                        Some(p) => view! { <Redirect path=format!("/p/{}/inbox", p.id) /> }.into_any(),
                        None => view! { <NoPractice me /> }.into_any(),
                    },
                    Ok(None) => view! { <Redirect path="/login" /> }.into_any(),
                    Err(e) => view! { <ErrorNote error=e /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn NoPractice(me: Me) -> impl IntoView {
    let agency = me.agency_admin;
    view! {
        <main class="centered">
            <div class="card narrow" id="home">
                <h1>{format!("Welcome, {}", me.display_name)}</h1>
                {if agency {
                    view! {
                        <p>"You administer the agency."</p>
                        <ul>
                            <li><a href="/agency/mail">"Sent mail"</a></li>
                        </ul>
                    }
                        .into_any()
                } else {
                    view! {
                        <p>"You are not a member of any practice yet. Ask your practice admin for an invitation."</p>
                    }
                        .into_any()
                }}
                <SignOut />
            </div>
        </main>
    }
}

fn practice_param() -> Memo<Option<PracticeId>> {
    let params = use_params_map();
    Memo::new(move |_| params.read().get("practice").and_then(|p| p.parse().ok()))
}

fn section_param() -> Memo<String> {
    let params = use_params_map();
    Memo::new(move |_| {
        params
            .read()
            .get("section")
            .unwrap_or_else(|| "inbox".to_string())
    })
}

/// `/p/:practice/...`: the frame of a practice's pages.
#[component]
pub fn Workspace() -> impl IntoView {
    let me = expect_context::<MeResource>();
    let practice = practice_param();
    crate::realtime::ui::provide_live_feed();
    view! {
        <Suspense fallback=|| view! { <p class="muted pad">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let me = match me.await {
                    Ok(Some(me)) => me,
                    Ok(None) => return view! { <Redirect path="/login" /> }.into_any(),
                    Err(e) => return view! { <ErrorNote error=e /> }.into_any(),
                };
                let member = me.clone();
                // Re-checked on every navigation without re-creating the frame.
                let allowed = move || {
                    practice.get().is_some_and(|id| member.practice(id).is_some() || member.agency_admin)
                };
                view! {
                    <div class="app">
                        <TopBar me=me.clone() />
                        <IdleGuard timeout_seconds=me.idle_timeout_seconds />
                        <main class="content">
                            <Show when=allowed fallback=|| view! { <NoAccess /> }>
                                <Outlet />
                            </Show>
                        </main>
                    </div>
                }
                    .into_any()
            })}
        </Suspense>
    }
}

#[component]
fn NoAccess() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(resp) = use_context::<leptos_axum::ResponseOptions>() {
        resp.set_status(http::StatusCode::FORBIDDEN);
    }
    view! {
        <div class="card narrow" id="no-access">
            <h1>"No access"</h1>
            <p>"You don't have access to this practice."</p>
            <a href="/">"Back to your practices"</a>
        </div>
    }
}

#[component]
fn TopBar(me: Me) -> impl IntoView {
    let practice = practice_param();
    let section = section_param();
    let navigate = use_navigate();
    let switch = move |ev: leptos::ev::Event| {
        let id = event_target_value(&ev);
        navigate(
            &format!("/p/{id}/{}", section.get_untracked()),
            Default::default(),
        );
    };
    let current_id = move || practice.get().map(|p| p.to_string()).unwrap_or_default();
    let practices = me.practices.clone();
    // Alt+<key> opens a section (the keys are announced with aria-keyshortcuts).
    #[cfg(feature = "hydrate")]
    {
        let navigate = use_navigate();
        let keys = window_event_listener(leptos::ev::keydown, move |ev| {
            if !ev.alt_key() || ev.ctrl_key() || ev.meta_key() {
                return;
            }
            let Some((path, _, _)) = SECTIONS
                .iter()
                .find(|(_, _, key)| ev.key().eq_ignore_ascii_case(key))
            else {
                return;
            };
            if let Some(p) = practice.get_untracked() {
                ev.prevent_default();
                navigate(&format!("/p/{p}/{path}"), Default::default());
            }
        });
        on_cleanup(move || keys.remove());
    }
    view! {
        <header class="topbar">
            <a class="brand" href="/">"Switchboard"</a>
            <label class="switcher">
                <span class="sr-only">"Practice"</span>
                <select id="practice-switcher" on:change=switch prop:value=current_id>
                    {practices
                        .into_iter()
                        .map(|p| {
                            let id = p.id.to_string();
                            view! {
                                <option value=id.clone() selected=move || current_id() == id>
                                    {format!("{} · {}", p.name, short_zone(&p.time_zone))}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </label>
            <nav class="sections" aria-label="Sections">
                {SECTIONS
                    .iter()
                    .map(|(path, label, key)| {
                        let href = move || format!("/p/{}/{}", current_id(), path);
                        view! {
                            <A href=href attr:aria-keyshortcuts=format!("Alt+{key}")>
                                {*label}
                            </A>
                        }
                    })
                    .collect_view()}
            </nav>
            <div class="who">
                <span class="name" id="signed-in-as">{me.display_name.clone()}</span>
                <SignOut />
            </div>
        </header>
    }
}

/// "America/Los_Angeles" → "Los Angeles".
pub fn short_zone(zone: &str) -> String {
    zone.rsplit('/').next().unwrap_or(zone).replace('_', " ")
}

#[component]
fn SignOut() -> impl IntoView {
    let actions = expect_context::<AuthActions>();
    view! {
        <ActionForm action=actions.logout attr:class="inline">
            <button type="submit" class="link" id="sign-out">"Sign out"</button>
        </ActionForm>
    }
}

/// Warns a minute before the idle logout and signs out when the time is up. The server
/// enforces the timeout on its own; this only keeps the person informed. Activity (keys,
/// clicks) renews the session at most every 20 seconds.
#[component]
fn IdleGuard(timeout_seconds: i32) -> impl IntoView {
    let remaining = RwSignal::new(None::<i64>);
    let last_renewal = RwSignal::new(0.0_f64);
    let renew = move || {
        #[cfg(feature = "hydrate")]
        {
            last_renewal.set(js_sys::Date::now());
            remaining.set(None);
            leptos::task::spawn_local(async move {
                let _ = crate::auth::api::keepalive().await;
            });
        }
    };
    #[cfg(feature = "hydrate")]
    {
        let timeout_ms = f64::from(timeout_seconds) * 1000.0;
        let warn_ms = (timeout_ms / 3.0).min(60_000.0);
        last_renewal.set(js_sys::Date::now());
        let signing_out = RwSignal::new(false);
        let on_activity = move || {
            let quiet = js_sys::Date::now() - last_renewal.get_untracked() > 20_000.0;
            if quiet && remaining.get_untracked().is_none() {
                renew();
            }
        };
        let keys = window_event_listener(leptos::ev::keydown, move |_| on_activity());
        let clicks = window_event_listener(leptos::ev::pointerdown, move |_| on_activity());
        let tick = move || {
            let left = last_renewal.get_untracked() + timeout_ms - js_sys::Date::now();
            if left <= 0.0 {
                if !signing_out.get_untracked() {
                    signing_out.set(true);
                    leptos::task::spawn_local(async move {
                        let _ = crate::auth::api::logout().await;
                        if let Some(w) = web_sys::window() {
                            let _ = w.location().assign("/login?reason=idle");
                        }
                    });
                }
            } else if left <= warn_ms {
                remaining.set(Some((left / 1000.0).ceil() as i64));
            } else if remaining.get_untracked().is_some() {
                remaining.set(None);
            }
        };
        let timer = set_interval_with_handle(tick, std::time::Duration::from_millis(1000)).ok();
        on_cleanup(move || {
            keys.remove();
            clicks.remove();
            if let Some(t) = timer {
                t.clear();
            }
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (timeout_seconds, last_renewal);
    view! {
        <Show when=move || remaining.get().is_some()>
            <div class="idle-warning" role="alertdialog" aria-live="assertive" id="idle-warning">
                <p>
                    {move || format!("You'll be signed out in {} s for inactivity.", remaining.get().unwrap_or(0))}
                </p>
                <button class="primary" on:click=move |_| renew()>"Stay signed in"</button>
            </div>
        </Show>
    }
}

/// The practice's phone script with `{assistant}` replaced by the reader's first name.
pub fn fill_script(script: &str, me: Option<&Me>) -> String {
    let first = me
        .and_then(|m| m.display_name.split_whitespace().next())
        .unwrap_or("your name");
    script.replace("{assistant}", first)
}

/// One section of a practice's workspace.
#[component]
pub fn Section() -> impl IntoView {
    let section = section_param();
    let practice = practice_param();
    move || {
        match section.get().as_str() {
        "inbox" => view! { <Inbox practice=practice /> }.into_any(),
        "calendar" => view! { <Placeholder title="Calendar" what="Shared calendars arrive with issue #3." /> }.into_any(),
        "tasks" => view! { <Placeholder title="Tasks" what="The practice's task queue arrives with a later issue." /> }.into_any(),
        "phone" => view! { <Placeholder title="Phone" what="The browser softphone arrives with a later issue." /> }.into_any(),
        "timesheets" => view! { <Placeholder title="Timesheets" what="Time tracking arrives with a later issue." /> }.into_any(),
        "patients" => view! { <Placeholder title="Patients" what="Patient records arrive with a later issue." /> }.into_any(),
        "admin" => view! { <crate::practices::admin_ui::AdminSection practice=practice /> }.into_any(),
        _ => view! { <crate::ui::NotFound /> }.into_any(),
    }
    }
}

#[component]
fn Inbox(practice: Memo<Option<PracticeId>>) -> impl IntoView {
    let overview = Resource::new(
        move || practice.get(),
        |p| async move {
            match p {
                Some(p) => practice_overview(p).await,
                None => Err(crate::error::AppError::NotFound),
            }
        },
    );
    // Resources are created here, never inside a Suspend: nested creation breaks hydration.
    let loading = || view! { <p class="muted">"Loading…"</p> };
    view! {
        <div class="grid">
            <Suspense fallback=loading>
                {move || Suspend::new(async move {
                    let me = expect_context::<MeResource>().await.ok().flatten();
                    match overview.await {
                        Ok(o) => view! {
                            <section class="panel">
                                <h2 id="practice-name">{o.name}</h2>
                                <p class="muted">{format!("Local time zone: {}", o.time_zone)}</p>
                                <h3>"Phone script"</h3>
                                <p class="prewrap">{fill_script(&o.phone_script, me.as_ref())}</p>
                                <h3>"Emergencies"</h3>
                                <p class="prewrap">{o.emergency_rules}</p>
                            </section>
                        }
                            .into_any(),
                        Err(e) => view! { <ErrorNote error=e /> }.into_any(),
                    }
                })}
            </Suspense>
            <div class="stack-panels">
                <crate::realtime::ui::OnlineNow practice=practice />
                <section class="panel">
                    <h2>"People"</h2>
                    <Suspense fallback=loading>
                        {move || Suspend::new(async move {
                            overview.await.map(|o| view! {
                                <table class="dense" id="staff">
                                    <tbody>
                                        {o.staff.into_iter().map(|s| view! {
                                            <tr>
                                                <td>{s.display_name}</td>
                                                <td class="muted">{s.role.label()}</td>
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            }).ok()
                        })}
                    </Suspense>
                </section>
            </div>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zones_are_shown_by_their_city() {
        assert_eq!(short_zone("America/Los_Angeles"), "Los Angeles");
        assert_eq!(short_zone("UTC"), "UTC");
    }

    #[test]
    fn the_script_names_the_assistant_reading_it() {
        let me = Me {
            id: crate::model::UserId(uuid::Uuid::nil()),
            display_name: "Maya Okafor".into(),
            email: "m@x.test".into(),
            agency_admin: false,
            practices: vec![],
            idle_timeout_seconds: 900,
            time_zone: "UTC".into(),
        };
        assert_eq!(fill_script("This is {assistant}.", Some(&me)), "This is Maya.");
        assert_eq!(fill_script("This is {assistant}.", None), "This is your name.");
    }
}
