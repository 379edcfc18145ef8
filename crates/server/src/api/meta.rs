//! Health and readiness, the OpenAPI document and its reference page (self-contained:
//! it needs no network, unlike the usual CDN-hosted viewers).
//!
//! Every check answers within [`PROBE_TIMEOUT`], database down or not: a load balancer
//! whose probe times out cannot tell a dead instance from a slow one, and keeps it.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use docket_api::{Health, Problem};
use docket_store::StoreError;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::AppState;
use crate::error::ApiError;

/// The longest any health or readiness check waits for the database.
pub const PROBE_TIMEOUT: Duration = Duration::from_millis(800);

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
    let generation = tokio::time::timeout(PROBE_TIMEOUT, app.store.schema_generation())
        .await
        .unwrap_or_else(|_| Err(StoreError::Internal("no answer in time".into())))
        .map_err(|e| {
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

/// `/healthz`, outside the versioned API: the same as `/api/v1/health`.
pub async fn healthz(state: State<AppState>) -> Response {
    health(state).await.into_response()
}

/// `/livez`: the process answers requests. It asks nothing of the database, so an
/// orchestrator does not restart instances that are fine while the database is down.
pub async fn livez() -> Response {
    Json(serde_json::json!({ "status": "live" })).into_response()
}

/// `/readyz`: whether this instance can serve requests now, for load balancers. 200
/// when the database answers a trivial query and its schema has every migration this
/// binary expects; 503 naming the failed check (`database` or `schema`) otherwise. The
/// reasons go to the log, not to the (unauthenticated) caller.
pub async fn readyz(State(app): State<AppState>) -> Response {
    let check = async {
        app.store
            .ping()
            .await
            .map_err(|e| ("database", e.to_string()))?;
        match app.store.pending_migrations().await {
            Ok(pending) if pending.is_empty() => Ok(()),
            Ok(pending) => Err((
                "schema",
                format!("migrations not applied: {}", pending.join(", ")),
            )),
            Err(e) => Err(("database", e.to_string())),
        }
    };
    let failed = match tokio::time::timeout(PROBE_TIMEOUT, check).await {
        Ok(Ok(())) => return Json(serde_json::json!({ "status": "ready" })).into_response(),
        Ok(Err(failed)) => failed,
        Err(_) => ("database", format!("no answer within {PROBE_TIMEOUT:?}")),
    };
    tracing::warn!(check = failed.0, reason = %failed.1, "not ready");
    (
        StatusCode::SERVICE_UNAVAILABLE,
        Json(serde_json::json!({ "status": "unavailable", "failed": failed.0 })),
    )
        .into_response()
}

pub async fn not_found() -> ApiError {
    ApiError::not_found("no such endpoint; the API is under /api/v1 (reference at /api/v1/docs)")
}
