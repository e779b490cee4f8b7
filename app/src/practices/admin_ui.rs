//! The practice's Admin section (people and their roles, invitations, settings, access
//! log) and the page an invitation link opens. All are lazy routes: their code is loaded
//! when first opened, not with every page.

use crate::audit::ui::AccessLog;
use crate::error::AppError;
use crate::model::{PracticeId, Role};
use crate::practices::api::{
    practice_overview, read_invitation, read_practice_settings, InvitePerson, RemoveMember,
    SavePracticeSettings, SetMemberRole,
};
use crate::practices::model::{PracticeInfo, PracticeSettings};
use crate::practices::rules::WEEKDAYS;
use crate::practices::ui::practice_param;
use crate::shell::MeResource;
use crate::ui::{ErrorNote, PageError, RoleSelect, ZoneList};
use leptos::prelude::*;

use crate::wire::Loaded;

crate::lazy_page!(
    /// `/p/:practice/admin`.
    admin_people_page => AdminPeople
);
crate::lazy_page!(
    /// `/p/:practice/admin/settings`.
    admin_settings_page => AdminSettings
);
crate::lazy_page!(
    /// `/p/:practice/admin/log`.
    admin_log_page => AdminLog
);

/// Whether the signed-in person administers the practice in the address.
fn is_admin(practice: Signal<Option<PracticeId>>) -> Signal<bool> {
    let me = expect_context::<MeResource>();
    Signal::derive(move || {
        me.get()
            .and_then(|r| r.ok())
            .flatten()
            .zip(practice.get())
            .is_some_and(|(me, p)| {
                me.agency_admin || me.practice(p).is_some_and(|m| m.role == Role::PracticeAdmin)
            })
    })
}

/// The Admin section's frame: its own tabs (each its own lazy route, so each loads only its
/// code) around the tab's page, for the practice's admins; anyone else is refused plainly.
#[component]
fn AdminFrame(
    practice: Signal<Option<PracticeId>>,
    current: &'static str,
    children: ChildrenFn,
) -> impl IntoView {
    let admin = is_admin(practice);
    let tab = move |path: &'static str, label: &'static str| {
        let href = move || format!("/p/{}/admin{path}", practice_value(practice)());
        view! { <a href=href aria-current=(label == current).then_some("page")>{label}</a> }
    };
    // `admin` reads the signed-in person (a resource): inside a Transition, so that the server
    // waits for it and hydration sees the same.
    view! {
        <Transition>
            <Show when=move || admin.get() fallback=|| view! { <PageError error=AppError::Forbidden /> }>
                <h1 class="sr-only">{format!("Admin: {current}")}</h1>
                <nav class="tabs" aria-label="Admin">
                    {tab("", "People")}
                    {tab("/settings", "Settings")}
                    {tab("/log", "Access log")}
                </nav>
                {children()}
            </Show>
        </Transition>
    }
}

/// Who belongs to the practice (roles and removal for admins) and inviting someone.
#[component]
pub fn AdminPeople() -> impl IntoView {
    let practice = practice_param();
    let invite = ServerAction::<InvitePerson>::new();
    let set_role = ServerAction::<SetMemberRole>::new();
    let remove = ServerAction::<RemoveMember>::new();
    let overview = crate::wire::load(
        move || {
            (
                practice.get(),
                invite.version().get() + set_role.version().get() + remove.version().get(),
            )
        },
        |(p, _)| async move { practice_overview(p.ok_or(AppError::NotFound)?).await },
    );
    let admin = is_admin(practice);
    view! {
        <AdminFrame practice current="People">
            <div class="grid">
                <People practice set_role remove overview is_admin=admin />
                <section class="panel">
                    <h2>"Invite someone"</h2>
                    <InviteForm practice invite />
                </section>
            </div>
        </AdminFrame>
    }
}

/// The practice's settings, for its admins.
#[component]
pub fn AdminSettings() -> impl IntoView {
    let practice = practice_param();
    let save = ServerAction::<SavePracticeSettings>::new();
    let settings = crate::wire::load(
        move || (practice.get(), save.version().get()),
        |(p, _)| async move { read_practice_settings(p.ok_or(AppError::NotFound)?).await },
    );
    view! {
        <AdminFrame practice current="Settings">
            <SettingsForm practice save settings />
        </AdminFrame>
    }
}

/// The practice's access log, for its admins.
#[component]
pub fn AdminLog() -> impl IntoView {
    let practice = practice_param();
    let state = crate::audit::ui::log_state(practice);
    view! {
        <AdminFrame practice current="Access log">
            <AccessLog practice state />
        </AdminFrame>
    }
}

fn practice_value(practice: Signal<Option<PracticeId>>) -> impl Fn() -> String + Copy {
    move || practice.get().map(|p| p.to_string()).unwrap_or_default()
}

#[component]
fn People(
    practice: Signal<Option<PracticeId>>,
    set_role: ServerAction<SetMemberRole>,
    remove: ServerAction<RemoveMember>,
    overview: Loaded<PracticeInfo>,
    is_admin: Signal<bool>,
) -> impl IntoView {
    let outcome = move || {
        let last = set_role.value().get().or_else(|| remove.value().get());
        last.and_then(|r| r.err())
            .map(|e| view! { <ErrorNote error=e /> })
    };
    view! {
        <section class="panel wide">
            <h2>"People"</h2>
            {outcome}
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match overview.await {
                        Ok(o) => view! {
                            <table class="dense" id="admin-staff">
                                <thead><tr><th>"Name"</th><th>"E-mail"</th><th>"Role"</th><th></th></tr></thead>
                                <tbody>
                                    {o.staff.into_iter().map(|s| view! {
                                        <MemberRow member=s admin=is_admin.get_untracked() practice set_role remove />
                                    }).collect_view()}
                                </tbody>
                            </table>
                        }
                            .into_any(),
                        Err(e) => view! { <PageError error=e /> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

/// One member: their role (changeable by admins) and, after a second click, removal.
#[component]
fn MemberRow(
    member: crate::practices::model::StaffMember,
    admin: bool,
    practice: Signal<Option<PracticeId>>,
    set_role: ServerAction<SetMemberRole>,
    remove: ServerAction<RemoveMember>,
) -> impl IntoView {
    let person = member.id;
    let role = member.role;
    let confirming = RwSignal::new(false);
    let practice_id = practice_value(practice);
    let role_label = format!("Role of {}", member.display_name);
    let controls = admin.then(|| {
        view! {
            <td>
                <ActionForm action=set_role attr:class="inline role-form">
                    <input type="hidden" name="practice" prop:value=practice_id />
                    <input type="hidden" name="person" value=person.to_string() />
                    <RoleSelect selected=role label=role_label />
                    <button type="submit" class="small">"Change"</button>
                </ActionForm>
            </td>
            <td>
                <Show
                    when=move || confirming.get()
                    fallback=move || view! {
                        <button class="small link" on:click=move |_| confirming.set(true)>"Remove…"</button>
                    }
                >
                    <ActionForm action=remove attr:class="inline">
                        <input type="hidden" name="practice" prop:value=practice_id />
                        <input type="hidden" name="person" value=person.to_string() />
                        <button type="submit" class="small danger">"Remove from practice"</button>
                        <button type="button" class="small link" on:click=move |_| confirming.set(false)>"Keep"</button>
                    </ActionForm>
                </Show>
            </td>
        }
    });
    view! {
        <tr>
            <td>{member.display_name}</td>
            <td>{member.email}</td>
            {if admin { None } else { Some(view! { <td class="muted">{role.label()}</td><td></td> }) }}
            {controls}
        </tr>
    }
}

#[component]
fn InviteForm(practice: Signal<Option<PracticeId>>, invite: ServerAction<InvitePerson>) -> impl IntoView {
    view! {
        <ActionForm action=invite attr:class="stack" attr:id="invite-form">
            <input type="hidden" name="practice" prop:value=practice_value(practice) />
            <label>"Name" <input name="display_name" required maxlength="120" /></label>
            <label>"E-mail" <input type="email" name="email" required /></label>
            <label>
                "Role"
                <RoleSelect />
            </label>
            <button type="submit" class="primary" disabled=invite.pending()>"Send invitation"</button>
        </ActionForm>
        {move || invite.value().get().map(|r| match r {
            Ok(()) => view! { <p class="notice" role="status" id="invite-sent">"Invitation sent. The link works for 7 days."</p> }.into_any(),
            Err(e) => view! { <ErrorNote error=e /> }.into_any(),
        })}
    }
}

#[component]
fn SettingsForm(
    practice: Signal<Option<PracticeId>>,
    save: ServerAction<SavePracticeSettings>,
    settings: Loaded<PracticeSettings>,
) -> impl IntoView {
    view! {
        <section class="panel wide">
            <h2>"Practice settings"</h2>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    let s = match settings.await {
                        Ok(s) => s,
                        Err(e) => return view! { <PageError error=e /> }.into_any(),
                    };
                    let days = s.days().map(str::to_string);
                    view! {
                        <ActionForm action=save attr:class="settings" attr:id="settings-form">
                            <input type="hidden" name="practice" prop:value=practice_value(practice) />
                            <div class="columns">
                                <div class="stack">
                                    <label>"Name" <input name="settings[name]" value=s.name required maxlength="120" /></label>
                                    <label>
                                        "Time zone"
                                        <input name="settings[time_zone]" value=s.time_zone list="zones" required />
                                        <ZoneList />
                                    </label>
                                    <label>
                                        "Idle sign-out after (minutes)"
                                        <input type="number" name="settings[idle_logout_minutes]" value=s.idle_logout_minutes min="2" max="480" required />
                                    </label>
                                    <label>
                                        "E-mail reminders to patients (hours before; e.g. 48, 2; empty = none)"
                                        <input name="settings[reminder_hours]" value=s.reminder_hours inputmode="numeric" />
                                    </label>
                                    <label class="check">
                                        <input type="checkbox" name="settings[require_admin_mfa]" checked=s.require_admin_mfa.is_some() />
                                        "Admins must use two-factor sign-in"
                                    </label>
                                    <fieldset class="hours">
                                        <legend>{format!("Opening hours (local; e.g. {}; empty = closed)", crate::calendar::text::day_hours("08:00-12:00, 13:00-17:00"))}</legend>
                                        <p class="muted small" id="opening-what">
                                            "When the practice is open and its phone is answered. When each clinician can be booked is set "
                                            "apart, in the calendar's setup (⚙, Weekly hours)."
                                        </p>
                                        {WEEKDAYS.iter().zip(days).map(|((key, label), value)| view! {
                                            <label>
                                                <span>{*label}</span>
                                                <input name=format!("settings[{key}]") value=crate::calendar::text::day_hours(&value) />
                                            </label>
                                        }).collect_view()}
                                    </fieldset>
                                </div>
                                <div class="stack">
                                    <label>
                                        "Phone script ({assistant} becomes the assistant's first name)"
                                        <textarea name="settings[phone_script]" rows="7">{s.phone_script}</textarea>
                                    </label>
                                    <label>
                                        "Emergency rules"
                                        <textarea name="settings[emergency_rules]" rows="7">{s.emergency_rules}</textarea>
                                    </label>
                                </div>
                            </div>
                            <button type="submit" class="primary" disabled=save.pending()>"Save settings"</button>
                        </ActionForm>
                    }
                        .into_any()
                })}
            </Suspense>
            {move || save.value().get().map(|r| match r {
                Ok(()) => view! { <p class="notice" role="status" id="settings-saved">"Settings saved."</p> }.into_any(),
                Err(e) => view! { <ErrorNote error=e /> }.into_any(),
            })}
        </section>
    }
}

crate::lazy_page!(
    /// `/invite/:token`.
    invitation_page => AcceptInvitationPage
);

/// Set a password and join the practice.
#[component]
pub fn AcceptInvitationPage() -> impl IntoView {
    let token = crate::nav::token();
    let info = crate::wire::load(move || token.get(), read_invitation);
    // Joined, the server sends the browser on to the practice (a redirect).
    let accept = ServerAction::<crate::practices::api::AcceptInvitation>::new();
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
