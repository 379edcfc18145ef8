//! The requester's memory: profiles, the context card, staff notes and merges. A requester
//! is visible to a caller through the tickets the caller may see (admins see all); one
//! they cannot see does not exist as far as they can tell (404), so ids cannot be probed.

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use docket_api::*;
use docket_core::access::{Need, Principal};
use docket_store::{
    NoteWriter, Requester, RequesterCard, RequesterMerge, RequesterNote, RequesterPatch,
    RequesterProfile, RequesterQuery,
};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::body::{Body, parse_json, require_json};
use super::tickets::visible_types;
use super::{AppState, id_page};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_requesters))
        .routes(routes!(get_requester, update_requester))
        .routes(routes!(get_card))
        .routes(routes!(list_notes, add_note))
        .routes(routes!(update_note, delete_note))
        .routes(routes!(merge_requester))
}

pub(crate) fn requester_out(r: Requester) -> RequesterOut {
    RequesterOut {
        id: r.id,
        name: r.name,
        email: r.email,
        organization: r.organization,
        identities: r
            .identities
            .into_iter()
            .map(|(kind, value)| IdentityOut {
                kind,
                value,
                label: None,
            })
            .collect(),
    }
}

fn note_out(n: RequesterNote) -> NoteOut {
    NoteOut {
        id: n.id,
        requester_id: n.requester_id,
        body: n.body,
        author_id: n.author_id,
        author_name: n.author_name,
        created_at: n.created_at,
        updated_at: n.updated_at,
        updated_by: n.updated_by,
    }
}

fn count_out(c: docket_store::Count) -> CountOut {
    CountOut {
        name: c.name,
        count: c.count,
    }
}

fn profile_out(p: RequesterProfile) -> RequesterProfileOut {
    RequesterProfileOut {
        id: p.requester.id,
        name: p.requester.name,
        email: p.requester.email,
        organization: p.requester.organization,
        identities: p
            .identities
            .into_iter()
            .map(|i| IdentityOut {
                kind: i.kind,
                value: i.value,
                label: i.label,
            })
            .collect(),
        created_at: p.created_at,
        ticket_count: p.ticket_count,
        open_count: p.open_count,
        first_seen: p.first_seen,
        last_seen: p.last_seen,
        topics: TopicsOut {
            types: p.topics.types.into_iter().map(count_out).collect(),
            tags: p.topics.tags.into_iter().map(count_out).collect(),
            summaries: p.topics.summaries.into_iter().map(count_out).collect(),
        },
    }
}

fn card_out(c: RequesterCard) -> RequesterCardOut {
    RequesterCardOut {
        requester: requester_out(c.requester),
        ticket_count: c.ticket_count,
        open_count: c.open_count,
        previous: c
            .previous
            .into_iter()
            .map(|t| PastTicketOut {
                key: t.key,
                title: t.title,
                type_slug: t.type_slug,
                status: t.status,
                status_category: t.status_category,
                created_at: t.created_at,
                resolved_at: t.resolved_at,
                summary: t.summary,
            })
            .collect(),
        open_points: c.open_points,
        open_points_from: c.open_points_from,
        notes: c.notes.into_iter().map(note_out).collect(),
    }
}

fn writer<'a>(p: &Principal, actor: &'a docket_store::identity::Actor) -> NoteWriter<'a> {
    NoteWriter {
        user_id: p.user_id,
        is_admin: p.is_admin(),
        actor,
    }
}

/// The query parameters of a list: each known one parsed, anything else refused.
fn query_pairs(raw: Option<&str>) -> Vec<(String, String)> {
    form_urlencoded::parse(raw.unwrap_or("").as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn bad_param(name: &str, message: &str) -> ApiError {
    ApiError::invalid_field(
        StatusCode::BAD_REQUEST,
        &format!("/query/{name}"),
        message.to_string(),
    )
}

fn limit_param(v: &str, name: &str) -> ApiResult<u64> {
    v.parse::<u64>()
        .ok()
        .filter(|n| (1..=200).contains(n))
        .ok_or_else(|| bad_param(name, "limit is a number from 1 to 200"))
}

/// Find requesters
///
/// Requesters you see (through tickets your teams handle), newest first. `q` matches part
/// of a name, email, organisation or identity; `organization` one organisation.
#[utoipa::path(
    get, path = "/requesters", tag = "requesters",
    params(
        ("q" = Option<String>, Query),
        ("organization" = Option<String>, Query),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 200),
        ("cursor" = Option<String>, Query),
    ),
    responses((status = 200, body = RequesterPage), (status = 400, body = Problem, content_type = "application/problem+json"))
)]
async fn list_requesters(
    State(app): State<AppState>,
    caller: Caller,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<RequesterPage>> {
    let p = caller.need(Need::ReadTickets)?;
    let mut query = RequesterQuery {
        limit: 50,
        ..Default::default()
    };
    for (k, v) in query_pairs(raw.as_deref()) {
        match k.as_str() {
            "q" => query.q = Some(v),
            "organization" => query.organization = Some(v),
            "limit" => query.limit = limit_param(&v, &k)?,
            "cursor" => {
                query.before = Some(
                    v.parse()
                        .map_err(|_| bad_param(&k, "not a cursor of this list"))?,
                )
            }
            other => {
                return Err(bad_param(
                    other,
                    &format!("unknown query parameter `{other}`"),
                ));
            }
        }
    }
    let limit = query.limit;
    query.limit += 1;
    let types = visible_types(&app, p);
    let items = app.store.requesters(&query, types.as_deref()).await?;
    let (items, next_cursor) = id_page(items, limit, |r| r.requester.id);
    Ok(Json(RequesterPage {
        items: items
            .into_iter()
            .map(|r| RequesterListItemOut {
                requester: requester_out(r.requester),
                created_at: r.created_at,
            })
            .collect(),
        next_cursor,
    }))
}

/// A requester's profile
///
/// Identities, organisation, counts, first and last seen and recent topics, over the
/// tickets you may see. A merged requester's id leads to the record it was merged into.
/// Their tickets: `GET /tickets?requester_id={id}`.
#[utoipa::path(
    get, path = "/requesters/{id}", tag = "requesters",
    params(("id" = i64, Path)),
    responses((status = 200, body = RequesterProfileOut), (status = 404, body = Problem, content_type = "application/problem+json"))
)]
async fn get_requester(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<RequesterProfileOut>> {
    let p = caller.need(Need::ReadTickets)?;
    let types = visible_types(&app, p);
    Ok(Json(profile_out(
        app.store.requester_profile(id, types.as_deref()).await?,
    )))
}

/// Correct a requester's name or organisation
///
/// An agent may set an organisation that is not known yet, on a requester without tickets
/// outside their teams' types; replacing a known one is for admins (SLA policies select
/// on it). Audited.
#[utoipa::path(
    patch, path = "/requesters/{id}", tag = "requesters",
    params(("id" = i64, Path)),
    request_body = RequesterUpdate,
    responses(
        (status = 200, body = RequesterOut),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
async fn update_requester(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Body(bytes): Body,
) -> ApiResult<Json<RequesterOut>> {
    let p = caller.need(Need::WriteTickets)?;
    require_json(&headers)?;
    let input: RequesterUpdate = parse_json(&bytes)?;
    let types = visible_types(&app, p);
    let updated = app
        .store
        .update_requester(
            id,
            types.as_deref(),
            RequesterPatch {
                name: input.name,
                organization: input.organization,
            },
            &caller.actor(),
        )
        .await?;
    Ok(Json(requester_out(updated)))
}

/// A requester's context card
///
/// What staff should know when this requester comes back: their latest tickets with
/// summaries, the open points of the last summary and the latest staff notes. `exclude`
/// leaves out the ticket being looked at (its key).
#[utoipa::path(
    get, path = "/requesters/{id}/card", tag = "requesters",
    params(("id" = i64, Path), ("exclude" = Option<String>, Query)),
    responses((status = 200, body = RequesterCardOut), (status = 404, body = Problem, content_type = "application/problem+json"))
)]
async fn get_card(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<RequesterCardOut>> {
    let p = caller.need(Need::ReadTickets)?;
    let mut exclude = None;
    for (k, v) in query_pairs(raw.as_deref()) {
        match k.as_str() {
            "exclude" => exclude = Some(v),
            other => {
                return Err(bad_param(
                    other,
                    &format!("unknown query parameter `{other}`"),
                ));
            }
        }
    }
    let types = visible_types(&app, p);
    Ok(Json(card_out(
        app.store
            .requester_card(id, types.as_deref(), exclude.as_deref())
            .await?,
    )))
}

/// A requester's staff notes
///
/// Private notes, newest first: requesters never see them.
#[utoipa::path(
    get, path = "/requesters/{id}/notes", tag = "requesters",
    params(("id" = i64, Path), ("limit" = Option<u32>, Query, minimum = 1, maximum = 200)),
    responses((status = 200, body = NotePage), (status = 404, body = Problem, content_type = "application/problem+json"))
)]
async fn list_notes(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<NotePage>> {
    let p = caller.need(Need::ReadTickets)?;
    let mut limit = 200;
    for (k, v) in query_pairs(raw.as_deref()) {
        match k.as_str() {
            "limit" => limit = limit_param(&v, &k)?,
            other => {
                return Err(bad_param(
                    other,
                    &format!("unknown query parameter `{other}`"),
                ));
            }
        }
    }
    let types = visible_types(&app, p);
    let notes = app
        .store
        .requester_notes(id, types.as_deref(), limit)
        .await?;
    Ok(Json(NotePage {
        items: notes.into_iter().map(note_out).collect(),
    }))
}

/// Add a staff note
#[utoipa::path(
    post, path = "/requesters/{id}/notes", tag = "requesters",
    params(("id" = i64, Path)),
    request_body = NoteInput,
    responses(
        (status = 201, body = NoteOut),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
async fn add_note(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Body(bytes): Body,
) -> ApiResult<(StatusCode, Json<NoteOut>)> {
    let p = caller.need(Need::WriteTickets)?;
    require_json(&headers)?;
    let input: NoteInput = parse_json(&bytes)?;
    let types = visible_types(&app, p);
    let actor = caller.actor();
    let note = app
        .store
        .add_requester_note(id, types.as_deref(), &input.body, writer(p, &actor))
        .await?;
    Ok((StatusCode::CREATED, Json(note_out(note))))
}

/// Edit a staff note (its author, or an admin)
#[utoipa::path(
    patch, path = "/requesters/{id}/notes/{note_id}", tag = "requesters",
    params(("id" = i64, Path), ("note_id" = i64, Path)),
    request_body = NoteInput,
    responses(
        (status = 200, body = NoteOut),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
async fn update_note(
    State(app): State<AppState>,
    caller: Caller,
    Path((id, note_id)): Path<(i64, i64)>,
    headers: HeaderMap,
    Body(bytes): Body,
) -> ApiResult<Json<NoteOut>> {
    let p = caller.need(Need::WriteTickets)?;
    require_json(&headers)?;
    let input: NoteInput = parse_json(&bytes)?;
    let types = visible_types(&app, p);
    let actor = caller.actor();
    let note = app
        .store
        .update_requester_note(
            id,
            note_id,
            types.as_deref(),
            &input.body,
            writer(p, &actor),
        )
        .await?;
    Ok(Json(note_out(note)))
}

/// Delete a staff note (its author, or an admin)
///
/// The audit log keeps what it said.
#[utoipa::path(
    delete, path = "/requesters/{id}/notes/{note_id}", tag = "requesters",
    params(("id" = i64, Path), ("note_id" = i64, Path)),
    responses(
        (status = 204),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
async fn delete_note(
    State(app): State<AppState>,
    caller: Caller,
    Path((id, note_id)): Path<(i64, i64)>,
) -> ApiResult<StatusCode> {
    let p = caller.need(Need::WriteTickets)?;
    let types = visible_types(&app, p);
    let actor = caller.actor();
    app.store
        .delete_requester_note(id, note_id, types.as_deref(), writer(p, &actor))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Merge another requester into this one
///
/// The other record's identities, tickets, replies and notes move here; this record keeps
/// its own name and email and takes the other's where it has none. When the two belong to
/// different organisations, choose one in `organization`. The merged id keeps leading
/// here. Agents may merge only requesters without tickets outside their teams' types.
#[utoipa::path(
    post, path = "/requesters/{id}/merge", tag = "requesters",
    params(("id" = i64, Path)),
    request_body = MergeInput,
    responses(
        (status = 200, body = RequesterOut),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
async fn merge_requester(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Body(bytes): Body,
) -> ApiResult<Json<RequesterOut>> {
    let p = caller.need(Need::WriteTickets)?;
    require_json(&headers)?;
    let input: MergeInput = parse_json(&bytes)?;
    let types = visible_types(&app, p);
    let merged = app
        .store
        .merge_requesters(
            &RequesterMerge {
                target: id,
                source: input.source,
                organization: input.organization,
            },
            types.as_deref(),
            &caller.actor(),
        )
        .await?;
    Ok(Json(requester_out(merged)))
}
