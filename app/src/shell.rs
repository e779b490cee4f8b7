//! The HTML document, the router and the page frame every signed-in page shares.

use crate::auth::api::{Login, Logout};
use crate::auth::ui::LoginPage;
use crate::practices::ui::{Home, Section, Workspace};
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Title};
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::{path, SsrMode};

/// The document the server renders around the app.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    // The Content-Security-Policy is set by the server's middleware from this document's nonce.
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light" />
                <leptos_meta::HashedStylesheet options=options.clone() id="leptos" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// Actions of signing in and out, shared so that the signed-in person is re-read after either.
#[derive(Clone, Copy)]
pub struct AuthActions {
    pub login: ServerAction<Login>,
    pub logout: ServerAction<Logout>,
    /// Accepting an invitation signs a new person in.
    pub accept: ServerAction<crate::practices::api::AcceptInvitation>,
}

/// The signed-in person, read once per page load and again after login/logout.
pub type MeResource = Resource<Result<Option<crate::model::Me>, crate::error::AppError>>;

/// Every page is rendered whole before it is sent (`SsrMode::Async`): the data behind it are
/// a few fast queries, and a streamed page can start hydrating before its last chunk has
/// arrived, which Leptos cannot recover from.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let actions = AuthActions {
        login: ServerAction::<Login>::new(),
        logout: ServerAction::<Logout>::new(),
        accept: ServerAction::new(),
    };
    provide_context(actions);
    let me: MeResource = Resource::new(
        move || {
            (
                actions.login.version().get(),
                actions.logout.version().get(),
                actions.accept.version().get(),
            )
        },
        |_| crate::auth::api::who_am_i(),
    );
    provide_context(me);

    view! {
        <Title text="Switchboard" />
        <Router>
            <Routes fallback=|| view! { <crate::ui::NotFound /> }>
                <Route path=path!("/login") view=LoginPage ssr=SsrMode::Async />
                <Route path=path!("/") view=Home ssr=SsrMode::Async />
                <Route path=path!("/agency/mail") view=crate::mail::ui::SentMailPage ssr=SsrMode::Async />
                <Route
                    path=path!("/invite/:token")
                    view=crate::practices::admin_ui::AcceptInvitationPage
                    ssr=SsrMode::Async
                />
                <ParentRoute path=path!("/p/:practice") view=Workspace ssr=SsrMode::Async>
                    <Route path=path!("") view=Section ssr=SsrMode::Async />
                    <Route path=path!(":section") view=Section ssr=SsrMode::Async />
                </ParentRoute>
            </Routes>
        </Router>
    }
}
