//! The practice's Admin section (people and invitations) and the page an invitation link
//! opens.

use crate::model::{PracticeId, Role};
use crate::practices::api::{practice_overview, read_invitation, InvitePerson};
use crate::shell::MeResource;
use crate::ui::ErrorNote;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

/// `/p/:practice/admin`: who belongs to the practice, and inviting someone.
#[component]
pub fn AdminSection(practice: Memo<Option<PracticeId>>) -> impl IntoView {
    let me = expect_context::<MeResource>();
    let invite = ServerAction::<InvitePerson>::new();
    let overview = Resource::new(
        move || (practice.get(), invite.version().get()),
        |(p, _)| async move {
            match p {
                Some(p) => practice_overview(p).await,
                None => Err(crate::error::AppError::NotFound),
            }
        },
    );
    let is_admin = move || {
        me.get()
            .and_then(|r| r.ok())
            .flatten()
            .zip(practice.get())
            .is_some_and(|(me, p)| {
                me.agency_admin || me.practice(p).is_some_and(|m| m.role == Role::PracticeAdmin)
            })
    };
    view! {
        <div class="grid">
            <section class="panel">
                <h2>"People"</h2>
                <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                    {move || Suspend::new(async move {
                        overview.await.map(|o| view! {
                            <table class="dense" id="admin-staff">
                                <thead><tr><th>"Name"</th><th>"E-mail"</th><th>"Role"</th></tr></thead>
                                <tbody>
                                    {o.staff.into_iter().map(|s| view! {
                                        <tr><td>{s.display_name}</td><td>{s.email}</td><td class="muted">{s.role.label()}</td></tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        })
                    })}
                </Suspense>
            </section>
            <section class="panel">
                <h2>"Invite someone"</h2>
                <Show
                    when=is_admin
                    fallback=|| view! { <p class="muted">"Only the practice's admins invite people."</p> }
                >
                    <ActionForm action=invite attr:class="stack" attr:id="invite-form">
                        <input type="hidden" name="practice" prop:value=move || practice.get().map(|p| p.to_string()).unwrap_or_default() />
                        <label>"Name" <input name="display_name" required maxlength="120" /></label>
                        <label>"E-mail" <input type="email" name="email" required /></label>
                        <label>
                            "Role"
                            <select name="role">
                                {Role::ALL.into_iter().map(|r| view! { <option value=r.as_str()>{r.label()}</option> }).collect_view()}
                            </select>
                        </label>
                        <button type="submit" class="primary" disabled=invite.pending()>"Send invitation"</button>
                    </ActionForm>
                    {move || invite.value().get().map(|r| match r {
                        Ok(()) => view! { <p class="notice" role="status" id="invite-sent">"Invitation sent. The link works for 7 days."</p> }.into_any(),
                        Err(e) => view! { <ErrorNote error=e /> }.into_any(),
                    })}
                </Show>
            </section>
        </div>
    }
}

/// `/invite/:token`: set a password and join the practice.
#[component]
pub fn AcceptInvitationPage() -> impl IntoView {
    let params = use_params_map();
    let token = move || params.read().get("token").unwrap_or_default();
    let info = Resource::new(token, read_invitation);
    let accept = expect_context::<crate::shell::AuthActions>().accept;
    view! {
        <main class="centered">
            <div class="card narrow">
                <h1 class="brand">"Switchboard"</h1>
                <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                    {move || Suspend::new(async move {
                        match info.await {
                            Ok(i) => view! {
                                <p id="invitation">
                                    {format!("{}, you're invited to {} as {}.", i.display_name, i.practice_name, i.role.label().to_lowercase())}
                                </p>
                                <ActionForm action=accept attr:class="stack" attr:id="accept-form">
                                    <input type="hidden" name="token" prop:value=token />
                                    {if i.has_account {
                                        view! {
                                            <p class="muted">{format!("You already have an account ({}); accept, then sign in with your password.", i.email)}</p>
                                            <input type="hidden" name="password" value="" />
                                            <input type="hidden" name="confirm" value="" />
                                        }.into_any()
                                    } else {
                                        view! {
                                            <p class="muted">{format!("Choose a password for {} (at least 12 characters).", i.email)}</p>
                                            <label>"Password" <input type="password" name="password" autocomplete="new-password" required minlength="12" /></label>
                                            <label>"Repeat it" <input type="password" name="confirm" autocomplete="new-password" required /></label>
                                        }.into_any()
                                    }}
                                    <button type="submit" class="primary">"Join"</button>
                                </ActionForm>
                                {move || accept.value().get().and_then(|r| r.err()).map(|e| view! { <ErrorNote error=e /> })}
                            }.into_any(),
                            Err(e) => view! { <ErrorNote error=e /> }.into_any(),
                        }
                    })}
                </Suspense>
            </div>
        </main>
    }
}
