//! `/forgot` and `/reset/:token`: asking for a reset link and using it (lazy routes).

use crate::auth::reset::{RequestPasswordReset, ResetPassword};
use crate::ui::{Card, ErrorNote};
use leptos::prelude::*;

crate::lazy_page!(
    /// `/forgot` and `/reset/:token`: one chunk for two small pages opened together.
    password_pages => PasswordPages
);

#[component]
fn PasswordPages() -> impl IntoView {
    match crate::nav::page() {
        crate::nav::Page::Forgot => view! { <ForgotPage /> }.into_any(),
        _ => view! { <ResetPage /> }.into_any(),
    }
}

#[component]
pub fn ForgotPage() -> impl IntoView {
    let ask = ServerAction::<RequestPasswordReset>::new();
    view! {
        <Card>
            <p class="muted">"Forgot your password? We'll e-mail you a link to set a new one."</p>
            <ActionForm action=ask attr:class="stack" attr:id="forgot-form">
                <label>"E-mail" <input type="email" name="email" autocomplete="username" required autofocus /></label>
                <button type="submit" class="primary" disabled=ask.pending()>"Send the link"</button>
            </ActionForm>
            {move || ask.value().get().map(|r| match r {
                Ok(msg) => view! { <p class="notice" role="status" id="reset-sent">{msg}</p> }.into_any(),
                Err(e) => view! { <ErrorNote error=e /> }.into_any(),
            })}
            <p><a href="/login">"Back to sign in"</a></p>
        </Card>
    }
}

#[component]
pub fn ResetPage() -> impl IntoView {
    let token = crate::nav::token();
    let reset = ServerAction::<ResetPassword>::new();
    view! {
        <Card>
            <p class="muted">"Choose a new password (at least 12 characters). You'll sign in with it next."</p>
            <ActionForm action=reset attr:class="stack" attr:id="reset-form">
                <input type="hidden" name="token" prop:value=token />
                <label>"New password" <input type="password" name="password" autocomplete="new-password" required minlength="12" /></label>
                <label>"Repeat it" <input type="password" name="confirm" autocomplete="new-password" required /></label>
                <button type="submit" class="primary" disabled=reset.pending()>"Set password"</button>
            </ActionForm>
            {move || reset.value().get().and_then(Result::err).map(|e| view! { <ErrorNote error=e /> })}
        </Card>
    }
}
