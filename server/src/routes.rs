//! The HTTP router: server functions, static files, health, pages (any other address: the
//! app decides which page it names, or "Page not found"), and the middleware every request
//! passes (session, cross-site check, security headers).

use app::auth::session::{self, Actor, ClientAddr};
use app::state::AppState;
use app::{shell, App};
use axum::body::Body;
use axum::extract::{ConnectInfo, Path, Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Extension, Router};
use leptos::prelude::provide_context;
use leptos_axum::LeptosRoutes;
use std::net::SocketAddr;
use std::sync::Arc;
use tower::ServiceExt;
use tower_http::compression::CompressionLayer;

pub fn router(state: AppState, hub: crate::realtime::Hub) -> Router {
    let context_state = state.clone();
    Router::new()
        .route("/health", get(health))
        .route("/feeds/{file}", get(calendar_feed))
        .route(
            "/ws",
            get(crate::realtime::ws_handler).layer(axum::Extension(hub)),
        )
        // No page routes: this registers the server functions.
        .leptos_routes_with_context(
            &state,
            Vec::new(),
            move || provide_context(context_state.clone()),
            App,
        )
        .fallback(file_or_page)
        .layer(middleware::from_fn(error_status))
        .layer(middleware::from_fn_with_state(
            (state.clone(), crate::outage::Outage::default()),
            session_layer,
        ))
        .layer(middleware::from_fn(refuse_cross_site))
        .layer(middleware::from_fn(catch_panic))
        .layer(middleware::from_fn_with_state(state.clone(), security_headers))
        .layer(CompressionLayer::new())
        .with_state(state)
}

/// A built asset or public file when there is one at the address, else the page the
/// address names (rendered whole before it is sent). Pages are only read (GET, HEAD).
async fn file_or_page(State(state): State<AppState>, req: Request) -> Response {
    if !matches!(*req.method(), Method::GET | Method::HEAD) {
        return StatusCode::METHOD_NOT_ALLOWED.into_response();
    }
    let path = req.uri().path();
    let is_file = path.rsplit('/').next().is_some_and(|name| name.contains('.'));
    if is_file {
        let mut file = Request::new(Body::empty());
        *file.uri_mut() = req.uri().clone();
        *file.method_mut() = req.method().clone();
        if let Some(accept) = req.headers().get(header::ACCEPT_ENCODING) {
            file.headers_mut().insert(header::ACCEPT_ENCODING, accept.clone());
        }
        let Ok(res) = tower_http::services::ServeDir::new(&*state.leptos_options.site_root)
            .precompressed_br()
            .precompressed_gzip()
            .oneshot(file)
            .await;
        if res.status() != StatusCode::NOT_FOUND {
            return res.into_response();
        }
    }
    let options = state.leptos_options.clone();
    let render = leptos_axum::render_app_async_with_context(
        move || provide_context(state.clone()),
        move || shell(options.clone()),
    );
    render(req).await
}

async fn health(State(state): State<AppState>) -> Response {
    match sqlx::query("SELECT 1").execute(&state.pool).await {
        Ok(_) => (StatusCode::OK, "ok").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check: database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response()
        }
    }
}

/// A calendar subscription feed, found by the secret token in its address.
async fn calendar_feed(
    State(state): State<AppState>,
    Extension(ClientAddr(ip)): Extension<ClientAddr>,
    Path(file): Path<String>,
) -> Response {
    let Some(token) = file.strip_suffix(".ics") else {
        return StatusCode::NOT_FOUND.into_response();
    };
    match app::calendar::feed::serve(&state.pool, session::limit_network(ip), token).await {
        Ok(body) => (
            [
                (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
                (header::CACHE_CONTROL, "private, no-store"),
            ],
            body,
        )
            .into_response(),
        Err(app::error::AppError::NotFound) => {
            (StatusCode::NOT_FOUND, "No such calendar feed.").into_response()
        }
        Err(e) => status_of(&e).into_response(),
    }
}

/// Pages that need a signed-in person; anyone else is sent to the login page.
fn needs_sign_in(path: &str) -> bool {
    path == "/" || path == "/account" || path.starts_with("/p/") || path.starts_with("/agency")
}

/// Server functions answer every error with 500; this gives each error its own status (a
/// refused or bad request is not a server failure, for monitoring and for the browser's
/// console). The body, the error itself, is unchanged.
async fn error_status(req: Request, next: Next) -> Response {
    let is_api = req.uri().path().starts_with("/api/");
    let res = next.run(req).await;
    if !is_api || res.status() != StatusCode::INTERNAL_SERVER_ERROR {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 64 * 1024).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    // A server function's error is an `AppError` in postcard, the whole body.
    if let Ok((error, [])) = postcard::take_from_bytes::<app::error::AppError>(&bytes) {
        parts.status = status_of(&error);
    }
    Response::from_parts(parts, Body::from(bytes))
}

fn status_of(error: &app::error::AppError) -> StatusCode {
    use app::error::AppError::*;
    match error {
        Unauthenticated | SecondFactor => StatusCode::UNAUTHORIZED,
        Forbidden | MfaRequired => StatusCode::FORBIDDEN,
        NotFound => StatusCode::NOT_FOUND,
        Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
        RateLimited => StatusCode::TOO_MANY_REQUESTS,
        Busy => StatusCode::CONFLICT,
        Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        Internal | Transport(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// The last resort: a request whose handling panicked (a bug: input is checked before it
/// reaches code that could) is answered 500 with the app's own error, which the page shows
/// like any other, instead of a dropped connection. Nothing of the request is logged.
async fn catch_panic(req: Request, next: Next) -> Response {
    use futures::FutureExt;
    let is_api = req.uri().path().starts_with("/api/");
    match std::panic::AssertUnwindSafe(next.run(req)).catch_unwind().await {
        Ok(res) => res,
        Err(_) => {
            tracing::error!(is_api, "a request panicked");
            let body = if is_api {
                postcard::to_allocvec(&app::error::AppError::Internal).unwrap_or_default()
            } else {
                b"Something went wrong on our side. Please try again.".to_vec()
            };
            (StatusCode::INTERNAL_SERVER_ERROR, body).into_response()
        }
    }
}

/// Resolves the session cookie once per request and puts the person in the request. While
/// the database was just found unreachable, requests are answered at once (`outage`).
async fn session_layer(
    State((state, outage)): State<(AppState, crate::outage::Outage)>,
    mut req: Request,
    next: Next,
) -> Response {
    let ip = client_of(&req, &state.settings.trusted_proxies);
    req.extensions_mut().insert(ClientAddr(ip));
    let path = req.uri().path();
    let is_static = path.starts_with("/pkg/") || path == "/health" || path == "/favicon.svg";
    if !is_static {
        use crate::outage::Turn;
        use std::time::Instant;
        let is_api = path.starts_with("/api/");
        let down = app::error::AppError::Unavailable;
        match outage.turn(Instant::now()) {
            Turn::AnswerAtOnce => return unavailable(is_api, &down),
            Turn::Probe => match sqlx::query("SELECT 1").execute(&state.pool).await {
                Ok(_) => outage.answered(),
                Err(_) => {
                    outage.failed(Instant::now());
                    return unavailable(is_api, &down);
                }
            },
            Turn::Try => {}
        }
        let resolved = session::resolve(&state, req.headers(), ip).await;
        if matches!(resolved, Err(app::error::AppError::Unavailable)) {
            outage.failed(Instant::now());
        }
        match resolved {
            Ok(Some(actor)) => {
                // How the person reads times, for whatever the request draws (`ui::time_style`).
                req.extensions_mut().insert(actor.me.time_style);
                req.extensions_mut().insert(Arc::<Actor>::new(actor));
            }
            Ok(None) => {
                if req.method() == Method::GET && needs_sign_in(req.uri().path()) {
                    let target = req.uri().path_and_query().map(|p| p.as_str()).unwrap_or("/");
                    let location = if target == "/" {
                        "/login".to_string()
                    } else {
                        format!("/login?next={}", urlencode(target))
                    };
                    return Redirect::to(&location).into_response();
                }
            }
            Err(e) => return unavailable(is_api, &e),
        }
    }
    next.run(req).await
}

/// The client's address: the TCP peer, or what a trusted proxy in front says it is.
fn client_of(req: &Request, trusted: &[app::auth::rules::Cidr]) -> Option<std::net::IpAddr> {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip())?;
    if trusted.is_empty() {
        return Some(peer);
    }
    let values = |name: &str| -> Vec<&str> {
        req.headers()
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect()
    };
    Some(app::auth::rules::client_ip(
        peer,
        &values("forwarded"),
        &values("x-forwarded-for"),
        trusted,
    ))
}

/// The outage page's look: the app's colours and type, a card in the middle.
const OUTAGE_STYLE: &str = "body{margin:0;min-height:100vh;display:grid;place-items:center;background:#f5f6f4;\
color:#1f2a2e;font:16px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif}\
main{background:#fff;border:1px solid #dde2e0;border-radius:6px;padding:1.5rem 2rem;max-width:30rem;margin:1rem}\
h1{font-size:1.25rem;margin:0 0 .5rem;color:#2f5d62}p{margin:.4rem 0}.muted{color:#5f6b70;font-size:.9rem}";

/// The answer while the database cannot be reached: server functions get the app's own
/// error (the page shows its sentence), a page says so in words and tries again by itself.
fn unavailable(is_api: bool, error: &app::error::AppError) -> Response {
    let error = match error {
        app::error::AppError::Unavailable => app::error::AppError::Unavailable,
        _ => app::error::AppError::Internal,
    };
    if is_api {
        let body = postcard::to_allocvec(&error).unwrap_or_default();
        return (StatusCode::SERVICE_UNAVAILABLE, body).into_response();
    }
    // Its own small style (the stylesheet's hashed name is the app's to know); the nonce
    // lets the security headers allow it.
    let nonce = uuid::Uuid::new_v4().simple();
    let page = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta http-equiv=\"refresh\" content=\"5\"><title>Switchboard: one moment</title>\
         <style nonce=\"{nonce}\">{OUTAGE_STYLE}</style></head>\
         <body><main><h1>One moment</h1><p>{error}</p>\
         <p class=\"muted\">This page tries again every 5 seconds.</p></main></body></html>"
    );
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::RETRY_AFTER, "5"),
        ],
        page,
    )
        .into_response()
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Refuses state-changing requests that a browser marks as coming from another site.
async fn refuse_cross_site(req: Request, next: Next) -> Response {
    if !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) && is_cross_site(&req) {
        return (StatusCode::FORBIDDEN, "Cross-site request refused.").into_response();
    }
    next.run(req).await
}

pub fn is_cross_site(req: &Request<Body>) -> bool {
    let headers = req.headers();
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        if !matches!(site, "same-origin" | "none") {
            return true;
        }
    }
    foreign_origin(headers)
}

/// The request names an `Origin` that is not this host. No Origin: not a browser (browsers
/// send it with every POST and WebSocket handshake), so there is nothing to forge.
pub fn foreign_origin(headers: &axum::http::HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let origin_host = origin.split_once("://").map(|(_, rest)| rest).unwrap_or("");
    origin_host != host
}

/// Security headers. A built asset under `/pkg/` (WASM, JS, CSS: never a document) gets
/// only `nosniff` and a long cache life: the document-only headers would add ~280 bytes to
/// each of the dozens of WASM chunks a page can load (the size budget counts them), and do
/// nothing there.
async fn security_headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let is_pkg = req.uri().path().starts_with("/pkg/");
    let res = next.run(req).await;
    let https = state.settings.public_url.starts_with("https://");
    let asset = is_pkg && res.status() == StatusCode::OK;
    let mut res = if asset {
        res
    } else {
        with_content_security_policy(res).await
    };
    let h = res.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if https {
        // Served over HTTPS (behind the TLS proxy): browsers keep to it from now on.
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    if asset {
        // File names carry a content hash: they never change, so nothing revalidates them
        // or asks for ranges.
        h.remove(header::LAST_MODIFIED);
        h.remove(header::ACCEPT_RANGES);
        h.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("max-age=31536000, immutable"),
        );
        return res;
    }
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(), geolocation=(), microphone=(self)"),
    );
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

/// Pages get a Content-Security-Policy whose only allowed inline scripts are those carrying
/// the nonce Leptos put in this very document (read back from the HTML, so the header and
/// the page can never disagree); everything else gets a policy that allows no script.
async fn with_content_security_policy(res: Response) -> Response {
    const NONE: &str = "default-src 'self'; frame-ancestors 'none'; object-src 'none'";
    let is_html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    if !is_html {
        let mut res = res;
        res.headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(NONE));
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 8 * 1024 * 1024).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let policy = match find_nonce(&bytes) {
        Some(nonce) => page_policy(nonce),
        None => NONE.to_string(),
    };
    if let Ok(value) = HeaderValue::from_str(&policy) {
        parts.headers.insert(header::CONTENT_SECURITY_POLICY, value);
    }
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(bytes))
}

fn page_policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; \
         frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'"
    )
}

/// The first `nonce="…"` of a document, if it is a plausible base64url nonce.
fn find_nonce(html: &[u8]) -> Option<&str> {
    let marker = b"nonce=\"";
    let start = html.windows(marker.len()).position(|w| w == marker)? + marker.len();
    let len = html[start..].iter().position(|&b| b == b'"')?;
    let nonce = std::str::from_utf8(&html[start..start + len]).ok()?;
    let plausible = (16..=64).contains(&nonce.len())
        && nonce
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    plausible.then_some(nonce)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn post(headers: &[(&str, &str)]) -> Request<Body> {
        let mut b = Request::builder().method("POST").uri("/api/x");
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        b.body(Body::empty()).unwrap_or_default()
    }

    #[test]
    fn cross_site_posts_are_recognised() {
        assert!(!is_cross_site(&post(&[
            ("host", "a.test"),
            ("origin", "https://a.test")
        ])));
        assert!(is_cross_site(&post(&[
            ("host", "a.test"),
            ("origin", "https://evil.test")
        ])));
        assert!(is_cross_site(&post(&[
            ("host", "a.test"),
            ("sec-fetch-site", "cross-site")
        ])));
        assert!(!is_cross_site(&post(&[
            ("host", "a.test"),
            ("sec-fetch-site", "same-origin")
        ])));
        assert!(!is_cross_site(&post(&[("host", "a.test")])));
    }

    #[test]
    fn refusals_are_not_server_errors() {
        use app::error::AppError;
        assert_eq!(
            status_of(&AppError::invalid("x")),
            StatusCode::UNPROCESSABLE_ENTITY
        );
        assert_eq!(status_of(&AppError::Forbidden), StatusCode::FORBIDDEN);
        assert_eq!(status_of(&AppError::Internal), StatusCode::INTERNAL_SERVER_ERROR);
    }

    #[test]
    fn only_workspace_pages_need_sign_in() {
        assert!(needs_sign_in("/"));
        assert!(needs_sign_in("/p/123/inbox"));
        assert!(needs_sign_in("/account"));
        assert!(!needs_sign_in("/login"));
        assert!(!needs_sign_in("/pkg/switchboard.js"));
    }

    #[test]
    fn the_documents_own_nonce_is_found_and_nothing_else() {
        let html = br#"<script type="module" nonce="AbCdEfGhIjKlMnOpQrSt_-">x</script>"#;
        assert_eq!(find_nonce(html), Some("AbCdEfGhIjKlMnOpQrSt_-"));
        assert_eq!(find_nonce(br#"<p>no scripts</p>"#), None);
        assert_eq!(find_nonce(br#"<script nonce="x' 'unsafe-inline">"#), None);
    }

    #[test]
    fn next_paths_are_encoded() {
        assert_eq!(urlencode("/p/1/inbox?x=a b"), "/p/1/inbox%3Fx%3Da%20b");
    }
}
