//! `/agency`: the agency admin's page (a lazy route).

use crate::agency::api::{agency_practices, AssignPerson, CreatePractice};
use crate::agency::model::AgencyPractice;
use crate::error::AppError;
use crate::nav::Redirect;
use crate::shell::MeResource;
use crate::ui::{ErrorNote, RoleSelect, SignOut, ZoneList};
use leptos::prelude::*;

/// The bar on top of the agency's pages.
#[component]
pub fn AgencyBar(current: &'static str) -> impl IntoView {
    let link = move |href: &'static str, label: &'static str| {
        view! { <a href=href aria-current=(label == current).then_some("page")>{label}</a> }
    };
    view! {
        <crate::ui::SkipLink />
        <header class="topbar">
            <a class="brand" href="/">"Switchboard"</a>
            <nav class="sections" aria-label="Agency">
                {link("/agency", "Practices")}
                {link("/agency/mail", "Sent mail")}
                {link("/account", "Account")}
            </nav>
            <div class="who">
                <SignOut />
            </div>
        </header>
    }
}

/// Renders `page` for agency admins only.
pub fn agency_only(page: impl Fn() -> AnyView + Send + Sync + 'static) -> impl IntoView {
    let me = expect_context::<MeResource>();
    let page = std::sync::Arc::new(page);
    view! {
        <Suspense fallback=|| view! { <p class="muted pad">"Loading…"</p> }>
            {move || {
                let page = page.clone();
                Suspend::new(async move {
                match me.await {
                    Ok(Some(me)) if me.must_enrol_mfa() => view! { <Redirect path="/account" /> }.into_any(),
                    Ok(Some(me)) if me.agency_admin => page(),
                    Ok(Some(_)) => view! { <crate::ui::PageError error=AppError::Forbidden /> }.into_any(),
                    _ => view! { <Redirect path="/login" /> }.into_any(),
                }
            })}}
        </Suspense>
    }
}

crate::lazy_page!(
    /// `/agency` and `/agency/mail`, which only agency admins open: one chunk.
    agency_pages => AgencyPages
);

#[component]
fn AgencyPages() -> impl IntoView {
    match crate::nav::page() {
        crate::nav::Page::SentMail => view! { <crate::mail::ui::SentMailPage /> }.into_any(),
        _ => view! { <AgencyPage /> }.into_any(),
    }
}

/// The agency's practices, creating one, and putting people into practices.
#[component]
pub fn AgencyPage() -> impl IntoView {
    let create = ServerAction::<CreatePractice>::new();
    let assign = ServerAction::<AssignPerson>::new();
    let practices = crate::wire::load(
        move || (create.version().get(), assign.version().get()),
        |_| agency_practices(),
    );
    // A new practice joins the practice switcher of the page the form leads to.
    let me = expect_context::<MeResource>();
    Effect::watch(move || create.version().get(), move |_, _, _| me.refetch(), false);
    view! {
        <div class="app">
            <AgencyBar current="Practices" />
            <main class="content" id="content" tabindex="-1">
                {agency_only(move || view! {
                    <h1 class="page-title">"Agency: practices and people"</h1>
                    <div class="grid">
                        <PracticeTable practices />
                        <div class="stack-panels">
                            <NewPractice create />
                            <Assign assign practices />
                        </div>
                    </div>
                }.into_any())}
            </main>
        </div>
    }
}

#[component]
fn PracticeTable(practices: crate::wire::Loaded<Vec<AgencyPractice>>) -> impl IntoView {
    view! {
        <section class="panel">
            <h2>"Practices"</h2>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match practices.await {
                        Ok(list) => view! {
                            <table class="dense" id="agency-practices">
                                <thead><tr><th>"Practice"</th><th>"Time zone"</th><th>"People"</th><th>"Assistants"</th></tr></thead>
                                <tbody>
                                    {list.into_iter().map(|p| view! {
                                        <tr>
                                            <td><a href=format!("/p/{}/admin", p.id)>{p.name}</a></td>
                                            <td class="muted">{p.time_zone}</td>
                                            <td>{p.members}</td>
                                            <td>{if p.assistants.is_empty() { "none yet".to_string() } else { p.assistants }}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        }.into_any(),
                        Err(e) => view! { <ErrorNote error=e /> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn NewPractice(create: ServerAction<CreatePractice>) -> impl IntoView {
    view! {
        <section class="panel">
            <h2>"New practice"</h2>
            <ActionForm action=create attr:class="stack" attr:id="new-practice">
                <label>"Name" <input name="name" required maxlength="120" /></label>
                <label>
                    "Time zone"
                    <input name="time_zone" list="zones" required placeholder="America/New_York" />
                    <ZoneList />
                </label>
                <button type="submit" class="primary" disabled=create.pending()>"Create practice"</button>
            </ActionForm>
            {move || create.value().get().and_then(Result::err).map(|e| view! { <ErrorNote error=e /> })}
        </section>
    }
}

#[component]
fn Assign(
    assign: ServerAction<AssignPerson>,
    practices: crate::wire::Loaded<Vec<AgencyPractice>>,
) -> impl IntoView {
    view! {
        <section class="panel">
            <h2>"Put a person in a practice"</h2>
            <p class="muted small">"For people who already have an account, e.g. an assistant taking on another practice."</p>
            <ActionForm action=assign attr:class="stack" attr:id="assign-form">
                <label>"E-mail" <input type="email" name="email" required /></label>
                <label>
                    "Practice"
                    // The whole <select> at once: Suspense markers inside it would not hydrate.
                    <Transition fallback=|| view! { <select disabled></select> }>
                        {move || Suspend::new(async move {
                            let list = practices.await.unwrap_or_default();
                            view! {
                                <select name="practice" required>
                                    {list.into_iter().map(|p| view! { <option value=p.id.to_string()>{p.name}</option> }).collect_view()}
                                </select>
                            }
                        })}
                    </Transition>
                </label>
                <label>
                    "Role"
                    <RoleSelect />
                </label>
                <button type="submit" class="primary" disabled=assign.pending()>"Assign"</button>
            </ActionForm>
            {move || assign.value().get().map(|r| match r {
                Ok(()) => view! { <p class="notice" role="status" id="assigned">"Done: the person now works in that practice."</p> }.into_any(),
                Err(e) => view! { <ErrorNote error=e /> }.into_any(),
            })}
        </section>
    }
}
