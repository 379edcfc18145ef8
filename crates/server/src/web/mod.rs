//! The web UI: the files `npm run build` wrote to `web/dist`, served at `/`, from the
//! binary (release builds, `embedded.rs`) or from a directory (development, or an
//! override of the built-in UI). Any path that is not a file and looks like a screen
//! (`/queue`, `/tickets/IT-4`) gets `index.html`, so the UI's router can draw it;
//! `/api/...` never does, so API clients get problems, not HTML.

mod embedded;

use std::path::PathBuf;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use tower::ServiceExt;
use tower_http::services::ServeDir;

pub use embedded::{EmbeddedFile, built_in};

use crate::api::AppState;

/// Where the UI's files come from.
#[derive(Debug)]
pub enum WebUi {
    /// A directory `npm run build` wrote (`DOCKET_WEB_DIR`).
    Dir(PathBuf),
    /// Files built into the binary.
    Embedded(&'static [EmbeddedFile]),
}

impl WebUi {
    /// The UI `docket serve` uses: the configured directory, else the one built into the
    /// binary, else `web/dist` (a debug build run from the repository).
    pub fn choose(configured: Option<PathBuf>) -> WebUi {
        match configured {
            Some(dir) => WebUi::Dir(dir),
            None if built_in().iter().any(|f| f.path == "/index.html") => {
                WebUi::Embedded(built_in())
            }
            None => WebUi::Dir(PathBuf::from("web/dist")),
        }
    }

    /// Whether there is a UI to serve (an `index.html`).
    pub fn is_built(&self) -> bool {
        match self {
            WebUi::Dir(dir) => dir.join("index.html").is_file(),
            WebUi::Embedded(files) => embedded::find(files, "/index.html").is_some(),
        }
    }

    /// Where it comes from, for the log.
    pub fn describe(&self) -> String {
        match self {
            WebUi::Dir(dir) => dir.display().to_string(),
            WebUi::Embedded(files) => format!("built in ({} files)", files.len()),
        }
    }
}

/// Hashed build output (`/assets/index-3f9a.js`) never changes under its name.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// `index.html` names the current assets; browsers must ask again every time.
const REVALIDATE: &str = "no-cache";
/// Scripts and styles only from this origin. Mantine sets inline `style` attributes, so
/// inline styles stay allowed; inline scripts do not.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
img-src 'self' data: blob:; connect-src 'self'; font-src 'self' data:; object-src 'none'; \
base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

/// The fallback of the whole app: the UI for everything outside the API.
pub async fn serve_ui(State(app): State<AppState>, request: Request) -> Response {
    let path = request.uri().path();
    if path == "/api" || path.starts_with("/api/") {
        return crate::api::meta::not_found().await.into_response();
    }
    if !matches!(*request.method(), Method::GET | Method::HEAD) {
        return crate::api::meta::not_found().await.into_response();
    }
    let Some(ui) = app.web.as_deref() else {
        return not_built(None);
    };
    let built = match ui {
        WebUi::Dir(dir) => tokio::fs::try_exists(dir.join("index.html"))
            .await
            .unwrap_or(false),
        WebUi::Embedded(_) => ui.is_built(),
    };
    if !built {
        return not_built(Some(ui));
    }
    let is_asset = path.starts_with("/assets/");
    // A follow link's token is in its path: no link on that page may pass it on.
    let is_follow_page = path.starts_with("/follow/");
    // A screen's path has no extension in its last segment; a missing file does. Nothing
    // under /assets/ is a screen (and must not be cached for good as one).
    let is_screen = !is_asset && !path.rsplit('/').next().unwrap_or("").contains('.');
    let response = match ui {
        WebUi::Dir(dir) => {
            // `npm run build` writes `.br` and `.gz` siblings; ServeDir sends the one the
            // browser accepts, with Content-Encoding (Vary is ours to set, below).
            let files = ServeDir::new(dir).precompressed_br().precompressed_gzip();
            match files.oneshot(request).await {
                Ok(r) => r.map(Body::new),
                Err(never) => match never {},
            }
        }
        WebUi::Embedded(files) => embedded::serve(files, path, request.headers()),
    };
    let mut response = if response.status() == StatusCode::NOT_FOUND && is_screen {
        index(ui).await
    } else {
        response
    };
    let cache = if is_asset && response.status().is_success() {
        IMMUTABLE
    } else {
        REVALIDATE
    };
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    // The same URL answers in brotli, gzip or plain by Accept-Encoding: shared caches
    // must key on it, or one client gets an encoding it did not ask for.
    headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    // A follow page's token must not leave in a Referer; elsewhere only same-origin
    // requests carry one.
    let referrer = if is_follow_page {
        "no-referrer"
    } else {
        "same-origin"
    };
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static(referrer));
    response
}

async fn index(ui: &WebUi) -> Response {
    let html = |bytes: Vec<u8>| {
        ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], bytes).into_response()
    };
    match ui {
        WebUi::Dir(dir) => match tokio::fs::read(dir.join("index.html")).await {
            Ok(bytes) => html(bytes),
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the web UI's index.html");
                not_built(Some(ui))
            }
        },
        WebUi::Embedded(files) => match embedded::find(files, "/index.html") {
            Some(f) => html(f.bytes.to_vec()),
            None => not_built(Some(ui)),
        },
    }
}

/// What `/` says when the UI was not built: how to build it. The API works regardless.
fn not_built(ui: Option<&WebUi>) -> Response {
    let dir = ui.map(WebUi::describe).unwrap_or_default();
    let page = format!(
        "<!doctype html><meta charset=utf-8><title>Docket</title>\
         <h1>Docket is running; its web UI is not built</h1>\
         <p>No <code>index.html</code> in <code>{}</code>. Build the UI with \
         <code>scripts/run</code> (which builds and serves), or <code>cd web &amp;&amp; npm ci \
         &amp;&amp; npm run build</code>, or point <code>DOCKET_WEB_DIR</code> at a build.</p>\
         <p>The API is at <a href=\"/api/v1/docs\">/api/v1</a>.</p>",
        html_escape(&dir)
    );
    (StatusCode::SERVICE_UNAVAILABLE, Html(page)).into_response()
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
