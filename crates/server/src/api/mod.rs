//! The REST API, `/api/v1`. Each feature module exposes its `router()`; this module
//! assembles them with the OpenAPI document that describes them.

pub mod body;
mod meta;
pub mod tickets;
pub mod types;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use docket_store::Store;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

/// Largest request body accepted (type definitions and tickets alike).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
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
    tags(
        (name = "tickets", description = "Tickets, their comments and audit trail"),
        (name = "types", description = "Ticket types: schemas, form hints, plan and apply"),
        (name = "meta", description = "Health and API description")
    )
)]
struct ApiDoc;

/// The API's routes and their OpenAPI document (paths relative to `/api/v1`).
pub fn api() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(tickets::router())
        .merge(types::router())
        .merge(meta::router())
        .split_for_parts()
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

pub fn app(store: Store) -> Router {
    let (routes, doc) = api();
    let doc = Arc::new(doc);
    let state = AppState { store };
    Router::new()
        .nest("/api/v1", routes.merge(meta::docs_router(doc)))
        .route("/healthz", axum::routing::get(meta::healthz))
        .fallback(meta::not_found)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}
