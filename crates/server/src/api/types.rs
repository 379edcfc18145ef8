//! Ticket types over the API: read them (schema, form hints, fields), plan and apply
//! changes to API-managed types, export any type as YAML, and the meta-schema.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use docket_api::*;
use docket_core::evolution::Plan;
use docket_core::typedef::{META_SCHEMA, Syntax, TypeDefinition};
use docket_store::{RegisteredType, TypeOrigin, TypeSource};
use serde_json::Value;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::AppState;
use super::body::{Body, content_type, parse_json};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use docket_core::access::Need;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_types))
        .routes(routes!(meta_schema))
        .routes(routes!(plan_type))
        .routes(routes!(apply_type))
        .routes(routes!(get_type))
        .routes(routes!(type_workflow))
        .routes(routes!(type_versions))
        .routes(routes!(export_type))
}

pub fn plan_out(plan: &Plan, ddl: Vec<String>, applied: bool) -> TypePlan {
    TypePlan {
        slug: plan.slug.clone(),
        from_version: plan.from_version,
        to_version: plan.to_version,
        noop: plan.noop,
        safety: plan.safety,
        changes: plan.changes.clone(),
        ddl,
        columns: plan.columns.clone(),
        expected_seconds: plan.expected_seconds,
        applied,
    }
}

fn source_name(s: TypeSource) -> String {
    match s {
        TypeSource::File => "file".into(),
        TypeSource::Api => "api".into(),
    }
}

fn summary(t: &RegisteredType) -> TypeSummary {
    let d = &t.stored.definition;
    TypeSummary {
        slug: d.slug.clone(),
        name: d.name.clone(),
        description: d.description.clone(),
        key_prefix: d.key_prefix.clone(),
        version: t.stored.version,
        source: source_name(t.stored.source),
        source_path: t.stored.source_path.clone(),
    }
}

/// List ticket types
#[utoipa::path(get, path = "/types", tag = "types", responses((status = 200, body = Vec<TypeSummary>)))]
async fn list_types(
    State(app): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<TypeSummary>>> {
    caller.need(Need::SignedIn)?;
    Ok(Json(
        app.store.registry().all().iter().map(summary).collect(),
    ))
}

/// A ticket type's workflow: its states, their categories and the allowed transitions
///
/// The type's own workflow, or the default one when it declares none. A status change
/// that no transition allows is refused with the allowed targets listed.
#[utoipa::path(
    get, path = "/types/{slug}/workflow", tag = "types",
    params(("slug" = String, Path)),
    responses((status = 200, body = docket_core::workflow::Workflow), (status = 404, body = Problem, content_type = "application/problem+json"))
)]
async fn type_workflow(
    State(app): State<AppState>,
    caller: Caller,
    Path(slug): Path<String>,
) -> ApiResult<Json<docket_core::workflow::Workflow>> {
    caller.need(Need::SignedIn)?;
    Ok(Json(
        app.store.registered(&slug)?.stored.definition.workflow(),
    ))
}

/// Get a ticket type with its schema, form hints and fields
#[utoipa::path(
    get, path = "/types/{slug}", tag = "types",
    params(("slug" = String, Path)),
    responses((status = 200, body = TypeDetail), (status = 404, body = Problem, content_type = "application/problem+json"))
)]
async fn get_type(
    State(app): State<AppState>,
    caller: Caller,
    Path(slug): Path<String>,
) -> ApiResult<Json<TypeDetail>> {
    caller.need(Need::SignedIn)?;
    let t = app.store.registered(&slug)?;
    let d = &t.stored.definition;
    Ok(Json(TypeDetail {
        summary: summary(&t),
        default_priority: d.default_priority(),
        schema: d.schema.clone(),
        ui: d
            .ui
            .clone()
            .unwrap_or_else(|| Value::Object(Default::default())),
        fields: t.compiled.fields.clone(),
        hidden_columns: t
            .stored
            .columns
            .iter()
            .filter(|c| c.hidden)
            .map(|c| c.name.clone())
            .collect(),
        definition: d.clone(),
    }))
}

/// Every version of a type, oldest first, with the DDL each applied
#[utoipa::path(
    get, path = "/types/{slug}/versions", tag = "types",
    params(("slug" = String, Path)),
    responses((status = 200, body = Vec<TypeVersionOut>), (status = 404, body = Problem, content_type = "application/problem+json"))
)]
async fn type_versions(
    State(app): State<AppState>,
    caller: Caller,
    Path(slug): Path<String>,
) -> ApiResult<Json<Vec<TypeVersionOut>>> {
    caller.need(Need::SignedIn)?;
    let versions = app.store.type_versions(&slug).await?;
    Ok(Json(
        versions
            .into_iter()
            .map(|v| TypeVersionOut {
                version: v.version,
                source: source_name(v.source),
                source_path: v.source_path,
                applied_by: v.applied_by,
                applied_at: v.created_at,
                ddl: v.ddl,
                changes: v.changes,
                definition: v.definition,
            })
            .collect(),
    ))
}

/// Export a type as a YAML type file
#[utoipa::path(
    get, path = "/types/{slug}/export", tag = "types",
    params(("slug" = String, Path)),
    responses(
        (status = 200, description = "The type file, as YAML (application/yaml)"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
async fn export_type(
    State(app): State<AppState>,
    caller: Caller,
    Path(slug): Path<String>,
) -> ApiResult<Response> {
    caller.need(Need::SignedIn)?;
    let t = app.store.registered(&slug)?;
    let text = t.stored.definition.to_yaml();
    Ok((
        [
            (header::CONTENT_TYPE, "application/yaml".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{slug}.yaml\""),
            ),
        ],
        text,
    )
        .into_response())
}

/// The JSON Schema every type file is checked against
#[utoipa::path(
    get, path = "/types/meta-schema", tag = "types",
    responses((status = 200, description = "JSON Schema 2020-12", content_type = "application/schema+json", body = Object))
)]
async fn meta_schema(caller: Caller) -> ApiResult<Response> {
    caller.need(Need::SignedIn)?;
    Ok((
        [(header::CONTENT_TYPE, "application/schema+json")],
        META_SCHEMA,
    )
        .into_response())
}

/// Read a definition from a body: JSON `{definition, allow_destructive}`, or a YAML type
/// file (`application/yaml`, with `?allow_destructive=true`), whose errors carry lines.
fn read_definition(
    headers: &HeaderMap,
    bytes: &[u8],
    query: Option<&str>,
) -> ApiResult<(TypeDefinition, bool, Option<String>)> {
    let ct = content_type(headers);
    let allow_from_query = form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .any(|(k, v)| k == "allow_destructive" && v == "true");
    match ct.as_str() {
        "application/yaml" | "application/x-yaml" | "text/yaml" => {
            let text = std::str::from_utf8(bytes)
                .map_err(|_| ApiError::bad_request("the YAML body is not UTF-8"))?;
            let def = TypeDefinition::parse(text, Syntax::Yaml, None)?;
            Ok((def, allow_from_query, Some(text.to_string())))
        }
        c if c == "application/json" || c.ends_with("+json") => {
            let input: TypeApply = parse_json(bytes)?;
            let def = TypeDefinition::check_value(input.definition)?;
            Ok((def, input.allow_destructive || allow_from_query, None))
        }
        other => Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Unsupported media type",
            format!(
                "send application/json ({{\"definition\": ...}}) or application/yaml (a type file); got `{other}`"
            ),
        )),
    }
}

/// Plan a type change
///
/// Shows what applying the definition would do (the SQL, each change and whether it is
/// safe, destructive or refused, with the tickets that block it) without changing
/// anything. Send JSON `{"definition": {...}}` or a YAML type file as `application/yaml`.
#[utoipa::path(
    post, path = "/types/plan", tag = "types",
    request_body(content(
        (TypeApply = "application/json"),
        (String = "application/yaml"),
    )),
    responses(
        (status = 200, body = TypePlan),
        (status = 422, description = "The definition is invalid; type_errors say where", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn plan_type(
    State(app): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
    Body(bytes): Body,
) -> ApiResult<Json<TypePlan>> {
    caller.need(Need::Admin)?;
    let (def, _, _) = read_definition(&headers, &bytes, query.as_deref())?;
    let planned = app.store.plan_type(&def).await?;
    Ok(Json(plan_out(&planned.plan, planned.ddl, false)))
}

/// Apply a type change (creates the type if it is new)
///
/// Plans again and applies in one transaction: a new type version with its DDL. A
/// destructive plan needs `allow_destructive: true`; a refused one never applies. Types
/// managed by files are read-only here.
#[utoipa::path(
    post, path = "/types/apply", tag = "types",
    request_body(content(
        (TypeApply = "application/json"),
        (String = "application/yaml"),
    )),
    params(("allow_destructive" = Option<bool>, Query, description = "For YAML bodies")),
    responses(
        (status = 200, description = "Applied (or nothing to do: see noop)", body = TypePlan),
        (status = 403, description = "The type is managed by a file", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The plan is destructive or refused; the plan is in the problem", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
async fn apply_type(
    State(app): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
    Body(bytes): Body,
) -> ApiResult<Json<TypePlan>> {
    let p = caller.need(Need::Admin)?;
    let (def, allow, text) = read_definition(&headers, &bytes, query.as_deref())?;
    let origin = TypeOrigin {
        source: TypeSource::Api,
        path: None,
        text,
        actor: p.actor(),
    };
    let applied = app.store.apply_type(&def, &origin, allow).await?;
    let was_applied = applied.version.is_some();
    Ok(Json(plan_out(&applied.plan, applied.ddl, was_applied)))
}
