//! The HTML document, the router and the page frame every signed-in page shares.

use crate::auth::api::Login;
use crate::auth::ui::LoginPage;
use crate::practices::admin_ui::{AdminLogRoute, AdminPeopleRoute, AdminSettingsRoute, InvitationRoute};
use crate::practices::ui::{Home, Inbox, Section, Workspace};
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Title};
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::{path, Lazy, SsrMode};

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

/// Actions that sign a person in, shared so that the signed-in person is re-read after them.
/// (Signing out is a plain form post that leaves the page.)
#[derive(Clone, Copy)]
pub struct AuthActions {
    pub login: ServerAction<Login>,
    /// Accepting an invitation signs a new person in.
    pub accept: ServerAction<crate::practices::api::AcceptInvitation>,
}

/// The signed-in person, read once per page load and again after login/logout.
pub type MeResource = crate::wire::Loaded<Option<crate::model::Me>>;

/// Every page is rendered whole before it is sent (`SsrMode::Async`): the data behind it are
/// a few fast queries, and a streamed page can start hydrating before its last chunk has
/// arrived, which Leptos cannot recover from.
///
/// Pages that not everyone opens every day are lazy routes (`Lazy<…>`): their view code is a
/// separate WASM chunk fetched when the page is first opened (preloaded when it is the page
/// being loaded), which keeps the first load of every page small.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let actions = AuthActions {
        login: ServerAction::<Login>::new(),
        accept: ServerAction::new(),
    };
    provide_context(actions);
    let me: MeResource = crate::wire::load(
        move || (actions.login.version().get(), actions.accept.version().get()),
        |_| crate::auth::api::who_am_i(),
    );
    provide_context(me);

    view! {
        <Title text="Switchboard" />
        <Router>
            <Routes fallback=|| view! { <crate::ui::NotFound /> }>
                <Route path=path!("/login") view=LoginPage ssr=SsrMode::Async />
                <Route path=path!("/") view=Home ssr=SsrMode::Async />
                <Route path=path!("/account") view={Lazy::<crate::auth::account_ui::AccountRoute>::new()} ssr=SsrMode::Async />
                <Route path=path!("/forgot") view={Lazy::<crate::auth::reset_ui::ForgotRoute>::new()} ssr=SsrMode::Async />
                <Route path=path!("/reset/:token") view={Lazy::<crate::auth::reset_ui::ResetRoute>::new()} ssr=SsrMode::Async />
                <Route path=path!("/agency") view={Lazy::<crate::agency::ui::AgencyRoute>::new()} ssr=SsrMode::Async />
                <Route path=path!("/agency/mail") view={Lazy::<crate::mail::ui::SentMailRoute>::new()} ssr=SsrMode::Async />
                <Route path=path!("/a/:token") view={Lazy::<crate::calendar::link_ui::AppointmentLinkRoute>::new()} ssr=SsrMode::Async />
                <Route path=path!("/w/:token") view={Lazy::<crate::calendar::link_ui::SlotOfferRoute>::new()} ssr=SsrMode::Async />
                <Route path=path!("/invite/:token") view={Lazy::<InvitationRoute>::new()} ssr=SsrMode::Async />
                <ParentRoute path=path!("/p/:practice") view=Workspace ssr=SsrMode::Async>
                    <Route path=path!("") view=Inbox ssr=SsrMode::Async />
                    <Route path=path!("inbox") view=Inbox ssr=SsrMode::Async />
                    <Route path=path!("admin") view={Lazy::<AdminPeopleRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("admin/settings") view={Lazy::<AdminSettingsRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("admin/log") view={Lazy::<AdminLogRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("today") view={Lazy::<crate::calendar::today_ui::TodayRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("calendar") view={Lazy::<crate::calendar::ui::CalendarRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!(":section") view=Section ssr=SsrMode::Async />
                </ParentRoute>
            </Routes>
        </Router>
    }
}
