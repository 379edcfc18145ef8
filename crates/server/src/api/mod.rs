//! The REST API, `/api/v1`. Each feature module exposes its `router()`; this module
//! assembles them with the OpenAPI document that describes them.

mod account;
mod admin;
mod ai;
mod attachments;
pub mod body;
mod closing;
mod comments;
mod delivery;
mod discord;
mod email;
mod intake;
mod live;
mod mailboxes;
mod merging;
pub(crate) mod meta;
mod organizations;
mod public;
mod requesters;
mod sla;
mod summaries;
mod teams;
pub mod tickets;
mod tokens;
pub mod types;
mod users;
mod views;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use docket_store::Store;
use docket_store::identity::MasterKey;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;

/// Largest request body accepted (type definitions and tickets alike).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    /// Seals and opens secrets at rest.
    pub master_key: Arc<MasterKey>,
    /// Mark the session cookie `Secure` (serve over HTTPS, directly or behind a proxy).
    pub secure_cookies: bool,
    /// Fans ticket changes out to live streams (`GET /stream`).
    pub live: Arc<live::LiveHub>,
    /// The built web UI served at `/`, if any.
    pub web: Option<Arc<crate::web::WebUi>>,
    /// The AI client of the current settings (`crate::ai`).
    pub ai: Arc<crate::ai::AiRuntime>,
    /// What files are accepted as attachments.
    pub attachments: Arc<docket_store::attachments::AttachmentPolicy>,
    /// What this process counts for `/metrics`.
    pub metrics: Arc<crate::metrics::Metrics>,
}

impl AppState {
    pub fn new(store: Store, master_key: MasterKey, secure_cookies: bool) -> AppState {
        AppState {
            store,
            master_key: Arc::new(master_key),
            secure_cookies,
            live: Arc::default(),
            web: None,
            ai: Arc::default(),
            attachments: Arc::default(),
            metrics: Arc::default(),
        }
    }

    /// Count into these metrics (shared with the background loops), whose token
    /// `/metrics` asks for.
    pub fn with_metrics(mut self, metrics: Arc<crate::metrics::Metrics>) -> AppState {
        self.metrics = metrics;
        self
    }

    pub fn with_attachments(
        mut self,
        policy: docket_store::attachments::AttachmentPolicy,
    ) -> AppState {
        self.attachments = Arc::new(policy);
        self
    }

    /// Serve the web UI built into `dir` (its `index.html` and `assets/`).
    pub fn with_web_dir(self, dir: std::path::PathBuf) -> AppState {
        self.with_web(crate::web::WebUi::Dir(dir))
    }

    /// Serve this web UI at `/`.
    pub fn with_web(mut self, ui: crate::web::WebUi) -> AppState {
        self.web = Some(Arc::new(ui));
        self
    }
}

/// Cut a list fetched with `limit + 1` items to `limit`, with the cursor of the next page
/// (the last item's id) when there is one.
pub(crate) fn id_page<T>(
    mut items: Vec<T>,
    limit: u64,
    id: impl Fn(&T) -> i64,
) -> (Vec<T>, Option<String>) {
    if items.len() as u64 > limit {
        items.truncate(limit as usize);
        let next = items.last().map(|i| id(i).to_string());
        (items, next)
    } else {
        (items, None)
    }
}

/// The two ways to authenticate, declared for every operation unless it says otherwise.
struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "An API token (POST /tokens, or `docket tokens create`)",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                crate::auth::SESSION_COOKIE,
                "The web session cookie from POST /auth/login; unsafe methods also need the X-CSRF-Token header",
            ))),
        );
        // Every operation that needs a caller can answer 401 and 403; say so once here
        // rather than in each handler.
        let problem = || {
            utoipa::openapi::ResponseBuilder::new().content(
                "application/problem+json",
                utoipa::openapi::ContentBuilder::new()
                    .schema(Some(utoipa::openapi::Ref::from_schema_name("Problem")))
                    .build(),
            )
        };
        for item in openapi.paths.paths.values_mut() {
            for op in [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.patch,
                &mut item.delete,
            ]
            .into_iter()
            .flatten()
            {
                let public = op
                    .security
                    .as_ref()
                    .is_some_and(|s| s.iter().all(|r| r == &Default::default()));
                if public {
                    continue;
                }
                let responses = &mut op.responses.responses;
                responses.entry("401".into()).or_insert_with(|| {
                    problem()
                        .description("Not signed in, or the token is unknown, revoked or expired")
                        .build()
                        .into()
                });
                responses.entry("403".into()).or_insert_with(|| {
                    problem()
                        .description("Signed in, but not allowed to do this")
                        .build()
                        .into()
                });
            }
        }
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Docket API",
        version = "1",
        description = "One REST API for Docket: ticket types defined by JSON Schema files, tickets with typed extension fields, comments and audit trails.\n\nErrors are RFC 9457 problem documents (`application/problem+json`); validation problems list every failing field with its JSON pointer.",
        license(name = "AGPL-3.0-or-later", identifier = "AGPL-3.0-or-later")
    ),
    servers((url = "/api/v1")),
    security(("bearer" = []), ("session" = [])),
    tags(
        (name = "tickets", description = "Tickets, their comments and audit trail"),
        (name = "requesters", description = "Requesters' profiles, context cards and staff notes; organisations"),
        (name = "types", description = "Ticket types: schemas, form hints, plan and apply"),
        (name = "account", description = "Signing in and out, your own account, first-start setup"),
        (name = "users", description = "People and service accounts"),
        (name = "teams", description = "Teams and the ticket types they handle"),
        (name = "tokens", description = "API tokens"),
        (name = "admin", description = "Secrets and the audit log"),
        (name = "ai", description = "AI settings, key, health and usage; draft replies, image moderation, triage"),
        (name = "sla", description = "SLA calendars, policies, clocks, reports and notifications"),
        (name = "email", description = "Email out: SMTP settings, the relay's password, test sends and the templates of the emails Docket sends"),
        (name = "webhooks", description = "Webhook subscriptions (ticket events POSTed, signed) and the delivery log"),
        (name = "intake", description = "Inbound webhooks: sources that turn other systems' signed POSTs into tickets, and their delivery logs"),
        (name = "mailboxes", description = "Inbound email: mailboxes whose mail becomes tickets and comments, their checks and logs, and raw mail posted in"),
        (name = "public", description = "Without an account: published ticket types as public forms, and follow links to a ticket"),
        (name = "meta", description = "Health and API description")
    )
)]
struct ApiDoc;

/// The API's routes and their OpenAPI document (paths relative to `/api/v1`).
pub fn api() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let (routes, mut doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(tickets::router())
        .merge(comments::router())
        .merge(attachments::router())
        .merge(delivery::router())
        .merge(email::router())
        .merge(discord::router())
        .merge(intake::router())
        .merge(mailboxes::router())
        .merge(closing::router())
        .merge(types::router())
        .merge(account::router())
        .merge(users::router())
        .merge(teams::router())
        .merge(tokens::router())
        .merge(admin::router())
        .merge(ai::router())
        .merge(sla::router())
        .merge(live::router())
        .merge(views::router())
        .merge(requesters::router())
        .merge(organizations::router())
        .merge(summaries::router())
        .merge(merging::router())
        .merge(public::router())
        .merge(meta::router())
        .split_for_parts();
    // After the merge: the modifier looks at every operation.
    SecuritySchemes.modify(&mut doc);
    (routes, doc)
}

/// The OpenAPI document as committed in openapi/openapi.json.
pub fn openapi_json() -> String {
    let (_, doc) = api();
    let mut text = doc
        .to_pretty_json()
        .expect("the OpenAPI document serializes");
    text.push('\n');
    text
}

/// A NUL in a path or query (`%00`) would reach the database as text PostgreSQL cannot
/// hold; no key, filter or search has a use for it.
async fn refuse_nul_in_uri(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let uri = request.uri();
    let raw = [uri.path(), uri.query().unwrap_or("")];
    if raw.iter().any(|part| part.contains("%00")) {
        return crate::error::ApiError::bad_request(
            "the address contains a NUL character (%00), which no path or parameter accepts",
        )
        .into_response();
    }
    next.run(request).await
}

/// A request's path as the log writes it: a follow link's token is a key to a ticket,
/// so it is left out (the query is left out too: searches may name people).
pub(crate) fn redacted_path(path: &str) -> String {
    for prefix in ["/api/v1/public/follow/", "/follow/"] {
        if let Some(rest) = path.strip_prefix(prefix) {
            let tail = rest.find('/').map_or("", |i| &rest[i..]);
            return format!("{prefix}<token>{tail}");
        }
    }
    path.to_string()
}

pub fn app(state: AppState) -> Router {
    let (routes, doc) = api();
    let doc = Arc::new(doc);
    Router::new()
        .nest("/api/v1", routes.merge(meta::docs_router(doc)))
        .route("/healthz", axum::routing::get(meta::healthz))
        .route("/livez", axum::routing::get(meta::livez))
        .route("/readyz", axum::routing::get(meta::readyz))
        .route(
            "/metrics",
            axum::routing::get(crate::metrics::scrape_with_token),
        )
        .fallback(crate::web::serve_ui)
        .layer(axum::middleware::from_fn(refuse_nul_in_uri))
        // A router's layers wrap each route, so this one sees the matched route.
        .layer(axum::middleware::from_fn_with_state(
            state.metrics.clone(),
            crate::metrics::track,
        ))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(
            tower_http::trace::TraceLayer::new_for_http()
                .make_span_with(|request: &axum::http::Request<axum::body::Body>| {
                    let id = request
                        .extensions()
                        .get::<crate::request_id::RequestId>()
                        .map(|r| r.0.as_str())
                        .unwrap_or("");
                    // Info, so that whatever is logged while serving the request carries
                    // its id (the span writes no line of its own).
                    tracing::info_span!(
                        "request",
                        request_id = %id,
                        method = %request.method(),
                        path = %redacted_path(request.uri().path()),
                    )
                })
                .on_request(())
                .on_response(
                    |response: &axum::http::Response<axum::body::Body>,
                     latency: std::time::Duration,
                     _: &tracing::Span| {
                        // The access log: one line per answered request.
                        tracing::info!(
                            target: "docket::access",
                            status = response.status().as_u16(),
                            ms = latency.as_secs_f64() * 1e3,
                            "answered"
                        );
                    },
                )
                .on_failure(()),
        )
        // Outermost: the id exists before the span and marks every answer.
        .layer(axum::middleware::from_fn(crate::request_id::assign))
        .with_state(state)
}

#[cfg(test)]
mod tests {
    use super::redacted_path;

    #[test]
    fn follow_tokens_stay_out_of_the_log() {
        assert_eq!(
            redacted_path("/api/v1/public/follow/1.2.abc/comments"),
            "/api/v1/public/follow/<token>/comments"
        );
        assert_eq!(redacted_path("/follow/1.2.abc"), "/follow/<token>");
        assert_eq!(
            redacted_path("/api/v1/tickets/IT-1"),
            "/api/v1/tickets/IT-1"
        );
    }
}
