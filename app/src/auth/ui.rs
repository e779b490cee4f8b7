//! The login page.

use crate::auth::api::{demo_accounts, Login, DEMO_PASSWORD};
use crate::ui::ErrorNote;
use leptos::prelude::*;

crate::lazy_page!(
    /// `/login`.
    login_page => LoginPage
);

#[component]
pub fn LoginPage() -> impl IntoView {
    // Signed in, the server sends the browser on to the next page (a redirect).
    let login = ServerAction::<Login>::new();
    let query = crate::nav::query();
    let next = move || query.read().get("next").unwrap_or_default();
    let reason = move || query.read().get("reason");
    let demo = crate::wire::load(|| (), |_| demo_accounts());
    let pending = login.pending();
    // Once the password was right and a code is asked for, the code field stays.
    let login_value = login.value();
    let needs_code = Memo::new(move |before: Option<&bool>| {
        before.copied().unwrap_or(false)
            || matches!(login_value.get(), Some(Err(crate::error::AppError::SecondFactor)))
    });

    view! {
        <main class="centered login">
            <div class="card narrow">
                <h1 class="brand">"Switchboard"</h1>
                <p class="muted">"Sign in to your practices."</p>
                {move || {
                    let text = match reason().as_deref() {
                        Some("idle") => "You were signed out after a period of inactivity.",
                        Some("reset") => "Your new password is set. Sign in with it.",
                        Some("ended") => "Your session ended (you signed out in another window, or it expired). Sign in again.",
                        _ => return None,
                    };
                    Some(view! { <p class="notice" role="status" id="login-reason">{text}</p> })
                }}
                <ActionForm action=login attr:class="stack" attr:id="login-form">
                    <label>
                        "E-mail"
                        <input type="email" name="email" autocomplete="username" required autofocus />
                    </label>
                    <label>
                        "Password"
                        <input type="password" name="password" autocomplete="current-password" required />
                    </label>
                    <Show when=move || needs_code.get()>
                        <label>
                            "Code from your authenticator app"
                            <input name="code" id="login-code" inputmode="numeric" autocomplete="one-time-code" required autofocus />
                        </label>
                    </Show>
                    <input type="hidden" name="next" prop:value=next />
                    <button type="submit" class="primary" disabled=pending>
                        {move || if pending.get() { "Signing in…" } else { "Sign in" }}
                    </button>
                </ActionForm>
                {move || {
                    login_value.get().and_then(|r| r.err()).map(|e| match e {
                        crate::error::AppError::SecondFactor => view! { <p class="notice" role="status">{e.to_string()}</p> }.into_any(),
                        e => view! { <ErrorNote error=e /> }.into_any(),
                    })
                }}
                <p class="small"><a href="/forgot" id="forgot-link">"Forgot your password?"</a></p>
            </div>
            <Suspense>
                {move || Suspend::new(async move {
                    let accounts = demo.await.unwrap_or_default();
                    (!accounts.is_empty())
                        .then(|| {
                            view! {
                                <div class="card narrow demo">
                                    <h2>"Demo accounts"</h2>
                                    <p class="muted">
                                        "Every demo account's password is " <code>{DEMO_PASSWORD}</code> "."
                                    </p>
                                    <table class="dense">
                                        <tbody>
                                            {accounts
                                                .into_iter()
                                                .map(|a| {
                                                    view! {
                                                        <tr>
                                                            <td>{a.display_name}</td>
                                                            <td><code>{a.email}</code></td>
                                                            <td class="muted">{a.what}</td>
                                                        </tr>
                                                    }
                                                })
                                                .collect_view()}
                                        </tbody>
                                    </table>
                                </div>
                            }
                        })
                })}
            </Suspense>
        </main>
    }
}
