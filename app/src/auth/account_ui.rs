//! `/account`: the signed-in person's own account, how they read times and dates, and
//! two-factor sign-in (a lazy route).

use crate::auth::api::set_time_style;
use crate::auth::mfa::{account_security, BeginTotp, ConfirmTotp, DisableTotp, Security};
use crate::error::AppError;
use crate::model::TimeStyle;
use crate::nav::Redirect;
use crate::shell::MeResource;
use crate::ui::ErrorNote;
use leptos::prelude::*;

crate::lazy_page!(
    /// `/account`.
    account_page => AccountPage
);

/// The person's name and address, and two-factor sign-in: set up, recovery codes, off.
#[component]
pub fn AccountPage() -> impl IntoView {
    let begin = ServerAction::<BeginTotp>::new();
    let confirm = ServerAction::<ConfirmTotp>::new();
    let disable = ServerAction::<DisableTotp>::new();
    let security = crate::wire::load(
        move || (confirm.version().get(), disable.version().get()),
        |_| account_security(),
    );
    let me = expect_context::<MeResource>();
    view! {
        <main class="centered">
            <div class="card account" id="account">
                <h1 class="brand">"Switchboard"</h1>
                <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                    {move || Suspend::new(async move {
                        match me.await {
                            Ok(Some(me)) => view! {
                                <h2>{me.display_name.clone()}</h2>
                                <p class="muted">{me.email.clone()}</p>
                                {me.must_enrol_mfa().then(|| view! {
                                    <p class="notice" role="status" id="mfa-required">
                                        "Your practice requires two-factor sign-in of its admins. Set it up to continue."
                                    </p>
                                })}
                                {(!me.must_enrol_mfa()).then(|| view! { <TimeStyleForm style=me.time_style /> })}
                            }.into_any(),
                            Ok(None) => view! { <Redirect path="/login?next=/account" /> }.into_any(),
                            Err(e) => view! { <ErrorNote error=e /> }.into_any(),
                        }
                    })}
                </Suspense>
                <h3>"Two-factor sign-in"</h3>
                <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                    {move || Suspend::new(async move {
                        match security.await {
                            Ok(s) if s.totp_enabled => view! { <TotpOn security=s disable /> }.into_any(),
                            Ok(_) => view! { <TotpSetup begin confirm /> }.into_any(),
                            Err(AppError::Unauthenticated) => ().into_any(),
                            Err(e) => view! { <ErrorNote error=e /> }.into_any(),
                        }
                    })}
                </Suspense>
                <RecoveryCodes confirm />
                <p><a href="/">"Back to Switchboard"</a></p>
            </div>
        </main>
    }
}

/// How the person reads times and dates, on every page: 24- or 12-hour times, the day or the
/// month first. The page shows an example of each choice.
#[component]
fn TimeStyleForm(style: TimeStyle) -> impl IntoView {
    let twelve_hour = RwSignal::new(style.twelve_hour);
    let month_first = RwSignal::new(style.month_first);
    let saved = RwSignal::new(false);
    let error = RwSignal::new(None::<AppError>);
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let style = TimeStyle {
            twelve_hour: twelve_hour.get_untracked(),
            month_first: month_first.get_untracked(),
        };
        leptos::task::spawn_local(async move {
            match set_time_style(style).await {
                Ok(()) => {
                    crate::ui::set_time_style(style);
                    error.set(None);
                    saved.set(true);
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let choice = move |id: &'static str,
                       on: RwSignal<bool>,
                       off_label: &'static str,
                       on_label: &'static str| {
        view! {
            <select id=id on:change=move |ev| { on.set(event_target_value(&ev) == "on"); saved.set(false); }>
                <option value="off" selected=move || !on.get()>{off_label}</option>
                <option value="on" selected=move || on.get()>{on_label}</option>
            </select>
        }
    };
    view! {
        <h3>"Times and dates"</h3>
        <form class="stack time-style" id="time-style" on:submit=save>
            <label>"Times" {choice("time-clock", twelve_hour, "24-hour: 14:30", "12-hour: 2:30 pm")}</label>
            <label>"Dates" {choice("time-dates", month_first, "Day first: Tue 1 Dec", "Month first: Tue, Dec 1")}</label>
            <p class="muted small">"Every page writes times and dates this way, and time fields take either way of typing them."</p>
            <button type="submit" id="time-style-save">"Save"</button>
            <p role="status" id="time-style-saved">{move || saved.get().then_some("Saved. Pages you open now use it.")}</p>
            {move || error.get().map(|e| view! { <ErrorNote error=e /> })}
        </form>
    }
}

#[component]
fn TotpOn(security: Security, disable: ServerAction<DisableTotp>) -> impl IntoView {
    view! {
        <p id="mfa-on">
            "On. Signing in asks for a code from your authenticator app. "
            {format!("{} unused recovery codes left.", security.recovery_codes_left)}
        </p>
        {(!security.required).then(|| view! {
            <details>
                <summary>"Turn it off"</summary>
                <ActionForm action=disable attr:class="stack">
                    <label>"Your password" <input type="password" name="password" autocomplete="current-password" required /></label>
                    <button type="submit">"Turn off two-factor sign-in"</button>
                </ActionForm>
            </details>
        })}
        {move || disable.value().get().and_then(Result::err).map(|e| view! { <ErrorNote error=e /> })}
    }
}

#[component]
fn TotpSetup(begin: ServerAction<BeginTotp>, confirm: ServerAction<ConfirmTotp>) -> impl IntoView {
    let started = move || begin.value().get().and_then(Result::ok);
    view! {
        <p class="muted">"Off. With it on, signing in also asks for a code from an authenticator app on your phone."</p>
        <Show
            when=move || started().is_some()
            fallback=move || view! {
                <button class="primary" id="mfa-start" on:click=move |_| { begin.dispatch(BeginTotp {}); }>
                    "Set up two-factor sign-in"
                </button>
                {move || begin.value().get().and_then(Result::err).map(|e| view! { <ErrorNote error=e /> })}
            }
        >
            {move || started().map(|e| view! {
                <ol class="steps">
                    <li>"Scan this code with your authenticator app:"</li>
                </ol>
                <div class="qr" inner_html=e.qr_svg></div>
                <p class="muted small">"Or type this key into the app: " <code id="mfa-secret">{e.secret}</code></p>
                <ActionForm action=confirm attr:class="stack" attr:id="mfa-confirm">
                    <label>
                        "The 6-digit code the app shows"
                        <input name="code" inputmode="numeric" autocomplete="one-time-code" required maxlength="7" />
                    </label>
                    <button type="submit" class="primary" disabled=confirm.pending()>"Turn on"</button>
                </ActionForm>
                {move || confirm.value().get().and_then(Result::err).map(|e| view! { <ErrorNote error=e /> })}
            })}
        </Show>
    }
}

/// The recovery codes, shown once right after enrolment.
#[component]
fn RecoveryCodes(confirm: ServerAction<ConfirmTotp>) -> impl IntoView {
    move || {
        confirm.value().get().and_then(Result::ok).map(|codes| {
            view! {
                <div class="notice" id="recovery-codes">
                    <p>"Two-factor sign-in is on. Keep these recovery codes somewhere safe: each one signs you in once if you lose your phone. They are shown only now."</p>
                    <ul class="codes">{codes.into_iter().map(|c| view! { <li><code>{c}</code></li> }).collect_view()}</ul>
                </div>
            }
        })
    }
}
