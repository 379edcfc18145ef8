//! Health, the OpenAPI document and its reference page (self-contained: it needs no
//! network, unlike the usual CDN-hosted viewers).

use std::sync::Arc;

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use docket_api::{Health, Problem};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::AppState;
use crate::error::ApiError;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(health))
}

/// The routes that serve the API description itself (not part of the description).
pub fn docs_router(doc: Arc<utoipa::openapi::OpenApi>) -> Router<AppState> {
    let json = Arc::new(
        doc.to_pretty_json()
            .expect("the OpenAPI document serializes"),
    );
    Router::new()
        .route(
            "/openapi.json",
            get(move || {
                let json = json.clone();
                async move {
                    (
                        [(header::CONTENT_TYPE, "application/json")],
                        json.as_str().to_string(),
                    )
                }
            }),
        )
        .route(
            "/docs",
            get(|| async { Html(include_str!("reference.html")) }),
        )
}

/// Health
///
/// 200 when the database answers; 503 otherwise.
#[utoipa::path(
    get, path = "/health", tag = "meta", security(()),
    responses((status = 200, body = Health), (status = 503, body = Problem, content_type = "application/problem+json"))
)]
async fn health(State(app): State<AppState>) -> Result<Json<Health>, ApiError> {
    let generation = app.store.schema_generation().await.map_err(|e| {
        // Anyone may ask: the database's words go to the log only.
        tracing::error!(error = %e, "health check: the database does not answer");
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "Unavailable",
            "the database does not answer; the server log has the details",
        )
    })?;
    Ok(Json(Health {
        status: "ok".into(),
        database: format!("{:?}", app.store.backend()).to_lowercase(),
        schema_generation: generation,
    }))
}

/// Liveness for load balancers, outside the versioned API.
pub async fn healthz(state: State<AppState>) -> Response {
    health(state).await.into_response()
}

pub async fn not_found() -> ApiError {
    ApiError::not_found("no such endpoint; the API is under /api/v1 (reference at /api/v1/docs)")
}
