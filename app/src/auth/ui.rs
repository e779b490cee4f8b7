//! The login page.

use crate::auth::api::{demo_accounts, DEMO_PASSWORD};
use crate::shell::AuthActions;
use crate::ui::ErrorNote;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

#[component]
pub fn LoginPage() -> impl IntoView {
    let actions = expect_context::<AuthActions>();
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_default();
    let reason = move || query.read().get("reason");
    let demo = Resource::new(|| (), |_| demo_accounts());
    let pending = actions.login.pending();

    view! {
        <main class="centered login">
            <div class="card narrow">
                <h1 class="brand">"Switchboard"</h1>
                <p class="muted">"Sign in to your practices."</p>
                {move || {
                    (reason().as_deref() == Some("idle"))
                        .then(|| {
                            view! {
                                <p class="notice" role="status">
                                    "You were signed out after a period of inactivity."
                                </p>
                            }
                        })
                }}
                <ActionForm action=actions.login attr:class="stack" attr:id="login-form">
                    <label>
                        "E-mail"
                        <input type="email" name="email" autocomplete="username" required autofocus />
                    </label>
                    <label>
                        "Password"
                        <input type="password" name="password" autocomplete="current-password" required />
                    </label>
                    <input type="hidden" name="next" prop:value=next />
                    <button type="submit" class="primary" disabled=pending>
                        {move || if pending.get() { "Signing in…" } else { "Sign in" }}
                    </button>
                </ActionForm>
                {move || {
                    actions.login.value().get().and_then(|r| r.err()).map(|e| view! { <ErrorNote error=e /> })
                }}
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
