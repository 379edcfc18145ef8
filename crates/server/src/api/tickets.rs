//! Tickets: create (with Idempotency-Key), read, list with filters, update (with
//! If-Match), soft delete and restore, comments and the audit trail.

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use docket_api::*;
use docket_core::ticket::SourceChannel;
use docket_store::{
    CoreField, Filter, FilterOp, ListQuery, NewTicket, RequesterRef, SortKey, Ticket, TicketPatch,
};
use sha2::{Digest, Sha256};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::body::{Body, parse_json, require_json};
use super::{AppState, id_page};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use docket_core::access::{Need, Principal};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_tickets, create_ticket))
        .routes(routes!(get_ticket, update_ticket, delete_ticket))
        .routes(routes!(restore_ticket))
        .routes(routes!(route_ticket))
        .routes(routes!(list_events))
}

/// The teams that handle a type (none for an unknown type).
fn type_teams(app: &AppState, slug: &str) -> Vec<String> {
    app.store
        .registry()
        .get(slug)
        .map(|t| t.stored.definition.teams.clone())
        .unwrap_or_default()
}

/// A ticket the caller may see; another team's ticket does not exist as far as they
/// can tell (404, not 403, so that keys do not leak).
pub(super) async fn visible_ticket(
    app: &AppState,
    p: &Principal,
    key: &str,
    include_deleted: bool,
) -> ApiResult<Ticket> {
    let t = app.store.get_ticket(key, include_deleted).await?;
    if !p.sees_type(&type_teams(app, &t.type_slug)) {
        return Err(ApiError::not_found(format!("ticket {key} not found")));
    }
    Ok(t)
}

/// The types whose tickets the caller may see (None: all of them).
pub(super) fn visible_types(app: &AppState, p: &Principal) -> Option<Vec<String>> {
    if p.is_admin() {
        return None;
    }
    Some(app.store.types_handled_by(&p.teams))
}

pub fn ticket_out(t: Ticket) -> TicketOut {
    TicketOut {
        id: t.id,
        key: t.key,
        type_slug: t.type_slug,
        type_version: t.type_version,
        title: t.title,
        body: t.body,
        status: t.status,
        status_category: t.status_category,
        priority: t.priority,
        requester: t.requester.map(super::requesters::requester_out),
        assignee_id: t.assignee_id,
        team: t.team,
        source: t.source_channel,
        source_ref: t.source_ref,
        tags: t.tags,
        fields: t.fields,
        version: t.version,
        created_at: t.created_at,
        updated_at: t.updated_at,
        first_response_at: t.first_response_at,
        resolved_at: t.resolved_at,
        closed_at: t.closed_at,
        deleted_at: t.deleted_at,
        summary: t.summary,
        triage: t.triage,
        possible_duplicate_of: t.possible_duplicate_of,
        sla: SlaDue {
            first_response_due_at: t.first_response_due_at,
            next_response_due_at: t.next_response_due_at,
            resolution_due_at: t.resolution_due_at,
            due_at: t.sla_due_at,
        },
    }
}

fn etag(version: i32) -> HeaderValue {
    HeaderValue::from_str(&format!("\"{version}\"")).expect("digits are a valid header")
}

pub(super) fn with_etag(status: StatusCode, t: Ticket) -> Response {
    let tag = etag(t.version);
    let location = HeaderValue::from_str(&format!("/api/v1/tickets/{}", t.key)).ok();
    let mut resp = (status, Json(ticket_out(t))).into_response();
    resp.headers_mut().insert(header::ETAG, tag);
    if status == StatusCode::CREATED
        && let Some(l) = location
    {
        resp.headers_mut().insert(header::LOCATION, l);
    }
    resp
}

/// Create a ticket
///
/// The type's own fields go under `fields` and are validated against the type's schema;
/// every failing field is reported at once, and a value is accepted only if it is stored
/// exactly as sent (see the admin guide). Send an `Idempotency-Key` header to make
/// retries safe: the same key with the same body returns the ticket created first, as it
/// is now. A requester named by `id` must be one the caller can see (through tickets of
/// their teams); one named by email or Discord id that only another team sees gets a
/// record of this ticket's team instead.
#[utoipa::path(
    post, path = "/tickets", tag = "tickets",
    request_body = TicketCreate,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes retries of this create safe (at most 200 characters)")),
    responses(
        (status = 201, description = "Created (or replayed: see the Idempotent-Replayed header)", body = TicketOut,
            headers(("ETag" = String, description = "The ticket's version"), ("Location" = String))),
        (status = 404, description = "A replay of a ticket the caller may no longer see (deleted, or its type no longer handled by their teams)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Idempotency-Key reused with a different body", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn create_ticket(
    State(app): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Body(bytes): Body,
) -> ApiResult<Response> {
    let p = caller.need(Need::WriteTickets)?;
    require_json(&headers)?;
    let input: TicketCreate = parse_json(&bytes)?;

    let idempotency = idempotency_key(&headers, p, &bytes)?;
    let new = NewTicket {
        type_slug: input.type_slug,
        title: input.title,
        body: input.body,
        status: input.status,
        priority: input.priority,
        requester: input.requester.map(|r| RequesterRef {
            id: r.id,
            name: r.name,
            email: r.email,
            discord_id: r.discord_id,
            discord_name: r.discord_name,
            organization: r.organization,
            may_replace_organization: p.is_admin(),
        }),
        assignee_id: input.assignee_id,
        team: input.team,
        source_channel: input.source.unwrap_or(SourceChannel::Api),
        source_ref: input.source_ref,
        tags: input.tags,
        fields: input.fields,
        actor: p.actor(),
        idempotency,
        handled_by: (!p.is_admin()).then(|| p.teams.clone()),
        route_skills: Vec::new(),
    };
    let (ticket, replayed) = app.store.create_ticket(new).await?;
    let mut resp = with_etag(StatusCode::CREATED, ticket);
    if replayed {
        resp.headers_mut()
            .insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    Ok(resp)
}

/// Get a ticket
#[utoipa::path(
    get, path = "/tickets/{key}", tag = "tickets",
    params(("key" = String, Path, description = "The ticket key, e.g. IT-1042")),
    responses(
        (status = 200, body = TicketOut, headers(("ETag" = String, description = "Send it back in If-Match to update"))),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
async fn get_ticket(
    State(app): State<AppState>,
    caller: Caller,
    Path(key): Path<String>,
) -> ApiResult<Response> {
    let p = caller.need(Need::ReadTickets)?;
    Ok(with_etag(
        StatusCode::OK,
        visible_ticket(&app, p, &key, false).await?,
    ))
}

pub(super) fn if_match(headers: &HeaderMap) -> ApiResult<Option<i32>> {
    let raw = headers.get(header::IF_MATCH).ok_or_else(|| {
        ApiError::new(
            StatusCode::PRECONDITION_REQUIRED,
            "Precondition required",
            "send the ticket's ETag in If-Match (or * to overwrite whatever is there)",
        )
    })?;
    let s = raw.to_str().unwrap_or("").trim();
    if s == "*" {
        return Ok(None);
    }
    let v = s.trim_start_matches("W/").trim_matches('"');
    v.parse::<i32>().map(Some).map_err(|_| {
        ApiError::new(
            StatusCode::PRECONDITION_FAILED,
            "Precondition failed",
            format!("`{s}` is not an ETag of this API"),
        )
    })
}

/// Update a ticket
///
/// Requires `If-Match` with the ETag from a read: if someone else changed the ticket
/// since, the update is refused with 412 and nothing is written.
#[utoipa::path(
    patch, path = "/tickets/{key}", tag = "tickets",
    request_body = TicketUpdate,
    params(
        ("key" = String, Path),
        ("If-Match" = String, Header, description = "The ETag of the version being changed, or *"),
    ),
    responses(
        (status = 200, body = TicketOut, headers(("ETag" = String))),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "The ticket changed since it was read", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match missing", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn update_ticket(
    State(app): State<AppState>,
    caller: Caller,
    Path(key): Path<String>,
    headers: HeaderMap,
    Body(bytes): Body,
) -> ApiResult<Response> {
    let p = caller.need(Need::WriteTickets)?;
    visible_ticket(&app, p, &key, false).await?;
    require_json(&headers)?;
    let input: TicketUpdate = parse_json(&bytes)?;
    let expected = if_match(&headers)?;
    let patch = TicketPatch {
        title: input.title,
        body: input.body,
        status: input.status,
        priority: input.priority,
        assignee_id: input.assignee_id,
        team: input.team,
        tags: input.tags,
        fields: input.fields,
        actor: p.actor(),
    };
    Ok(with_etag(
        StatusCode::OK,
        app.store.update_ticket(&key, expected, patch).await?,
    ))
}

/// Delete a ticket (soft)
///
/// The ticket leaves every list and read; its data stays and `restore` brings it back.
#[utoipa::path(
    delete, path = "/tickets/{key}", tag = "tickets",
    params(("key" = String, Path)),
    responses((status = 204), (status = 404, body = Problem, content_type = "application/problem+json"))
)]
async fn delete_ticket(
    State(app): State<AppState>,
    caller: Caller,
    Path(key): Path<String>,
) -> ApiResult<StatusCode> {
    let p = caller.need(Need::WriteTickets)?;
    visible_ticket(&app, p, &key, false).await?;
    app.store.set_deleted(&key, true, &p.actor()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Restore a deleted ticket
#[utoipa::path(
    post, path = "/tickets/{key}/restore", tag = "tickets",
    params(("key" = String, Path)),
    responses((status = 200, body = TicketOut), (status = 404, body = Problem, content_type = "application/problem+json"))
)]
async fn restore_ticket(
    State(app): State<AppState>,
    caller: Caller,
    Path(key): Path<String>,
) -> ApiResult<Response> {
    let p = caller.need(Need::WriteTickets)?;
    visible_ticket(&app, p, &key, true).await?;
    app.store.set_deleted(&key, false, &p.actor()).await?;
    Ok(with_etag(
        StatusCode::OK,
        app.store.get_ticket(&key, false).await?,
    ))
}

/// Assign a ticket by its team's rule
///
/// The team's rule (`manual`, `round_robin`, `least_open`, `skills`) picks an eligible
/// member: active agent or admin, present, under capacity. `skills` (optional) are
/// looked for besides the ticket's tags. A manual team, or nobody eligible, leaves the
/// assignee as it is; `routing.reason` says why. For admins and members of the ticket's
/// team.
#[utoipa::path(
    post, path = "/tickets/{key}/route", tag = "tickets",
    params(("key" = String, Path)),
    request_body(content = RouteRequest, description = "Optional; an empty body routes by tags alone"),
    responses(
        (status = 200, body = RouteOut, headers(("ETag" = String))),
        (status = 403, description = "Not a member of the ticket's team", body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The ticket has no team", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
async fn route_ticket(
    State(app): State<AppState>,
    caller: Caller,
    Path(key): Path<String>,
    headers: HeaderMap,
    Body(bytes): Body,
) -> ApiResult<Response> {
    let p = caller.need(Need::WriteTickets)?;
    let t = visible_ticket(&app, p, &key, false).await?;
    if !p.is_admin() && !t.team.as_ref().is_some_and(|team| p.teams.contains(team)) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "Forbidden",
            "only admins and members of the ticket's team route it",
        ));
    }
    let input: RouteRequest = if bytes.is_empty() {
        RouteRequest::default()
    } else {
        require_json(&headers)?;
        parse_json(&bytes)?
    };
    let (ticket, decision) = app
        .store
        .route_ticket(&key, &input.skills, &p.actor())
        .await?;
    let version = ticket.version;
    let out = RouteOut {
        ticket: ticket_out(ticket),
        routing: RoutingDecisionOut {
            rule: decision.rule,
            assignee_id: decision.assignee_id,
            reason: decision.reason,
            matched_skills: decision.matched_skills,
            fallback: decision.fallback,
        },
    };
    let mut resp = Json(out).into_response();
    resp.headers_mut().insert(header::ETAG, etag(version));
    Ok(resp)
}

/// The query parameters of the list, parsed by hand because extension filters are
/// dynamic (`f.<field>[.op]`); anything unknown is an error, never silently ignored.
pub(super) fn parse_list_query(raw: Option<&str>) -> ApiResult<ListQuery> {
    let mut q = ListQuery::default();
    let mut errors = Vec::new();
    let mut bad = |param: &str, message: String| {
        errors.push(docket_core::typedef::FieldError {
            pointer: format!("/query/{param}"),
            message,
        })
    };
    let pairs: Vec<(String, String)> = form_urlencoded::parse(raw.unwrap_or("").as_bytes())
        .into_owned()
        .collect();
    for (name, value) in pairs {
        match name.as_str() {
            "type" => q.type_slug = Some(value),
            "q" => q.q = Some(value),
            "tag" => q.tags.push(value),
            "cursor" => q.cursor = Some(value),
            "include_deleted" => match value.as_str() {
                "true" => q.include_deleted = true,
                "false" => q.include_deleted = false,
                _ => bad(&name, "use true or false".into()),
            },
            "limit" => match value.parse::<u64>() {
                Ok(n) if (1..=200).contains(&n) => q.limit = Some(n),
                _ => bad(&name, "limit is a number from 1 to 200".into()),
            },
            "sort" => {
                for part in value.split(',').filter(|p| !p.is_empty()) {
                    let (descending, field) = match part.strip_prefix('-') {
                        Some(f) => (true, f),
                        None => (false, part),
                    };
                    match parse_target(field) {
                        Some(target) => q.sort.push(SortKey { target, descending }),
                        None => bad("sort", format!("cannot sort by `{field}`")),
                    }
                }
            }
            _ => match parse_filter(&name, &value) {
                Some(f) => q.filters.push(f),
                None => bad(&name, format!("unknown query parameter `{name}`")),
            },
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Invalid {
            status: StatusCode::BAD_REQUEST,
            detail: errors
                .iter()
                .map(|e| e.message.clone())
                .collect::<Vec<_>>()
                .join("; "),
            errors,
        });
    }
    Ok(q)
}

fn parse_target(name: &str) -> Option<docket_store::list::Target> {
    use docket_store::list::Target;
    match name.strip_prefix("f.") {
        Some(f) if docket_core::typedef::is_identifier(f) => Some(Target::Field(f.to_string())),
        Some(_) => None,
        None => CoreField::parse(name).map(Target::Core),
    }
}

fn parse_filter(name: &str, value: &str) -> Option<Filter> {
    // `name`, `name.op`, `f.field` or `f.field.op`.
    let (target, op) = match name.rsplit_once('.') {
        Some((head, op)) if FilterOp::parse(op).is_some() && parse_target(head).is_some() => {
            (parse_target(head)?, FilterOp::parse(op)?)
        }
        _ => (parse_target(name)?, FilterOp::Eq),
    };
    if target == docket_store::list::Target::Core(CoreField::Id) {
        return None;
    }
    let values = if op == FilterOp::In {
        value.split(',').map(str::to_string).collect()
    } else {
        vec![value.to_string()]
    };
    Some(Filter {
        target,
        op,
        values,
        param: name.to_string(),
    })
}

/// Merge repeated `name=` filters into one "any of" filter.
fn merge_repeated(filters: Vec<Filter>) -> Vec<Filter> {
    let mut out: Vec<Filter> = Vec::new();
    for f in filters {
        if f.op == FilterOp::Eq
            && let Some(prev) = out
                .iter_mut()
                .find(|p| p.op == FilterOp::Eq && p.target == f.target)
        {
            prev.values.extend(f.values);
            continue;
        }
        out.push(f);
    }
    out
}

/// List tickets
///
/// Filters: `type`, `status`, `status_category`, `priority`, `assignee_id`,
/// `requester_id`, `team` (slug), `source`, `created_at`, `updated_at`, `title`, the SLA
/// due times `first_response_due_at`, `next_response_due_at`, `resolution_due_at` and
/// `sla_due_at`, the earliest of them (e.g. `sla_due_at.lte=<time>&sort=sla_due_at` for
/// "breaching soon"), and a type's own fields
/// as `f.<field>` (needs `type`). Each takes an operator suffix: `.eq` (default), `.ne`,
/// `.gt`, `.gte`, `.lt`, `.lte`, `.in` (comma-separated), `.null` (true/false),
/// `.contains` (text). Repeating a parameter means "any of". `tag` (repeatable: all of),
/// `q` full-text search, `sort` (comma-separated, `-` for descending, e.g.
/// `-priority,f.due_date`), `limit` (1-200, default 25), `cursor` from `next_cursor`.
/// An unknown parameter is an error.
#[utoipa::path(
    get, path = "/tickets", tag = "tickets",
    params(
        ("type" = Option<String>, Query, description = "Ticket type slug (required for f.* filters and sorts)"),
        ("status" = Option<String>, Query),
        ("status_category" = Option<String>, Query, description = "new, open, pending, solved or closed"),
        ("priority" = Option<String>, Query, description = "P0-P3; also priority.lte=P1 etc."),
        ("team" = Option<String>, Query, description = "A team's slug; team.null=true for tickets without a team"),
        ("assignee_id" = Option<i64>, Query, description = "A user's id; assignee_id.null=true for unassigned tickets"),
        ("requester_id" = Option<i64>, Query, description = "A requester's id"),
        ("source" = Option<String>, Query, description = "Where tickets came from: api, web, email, discord, webhook, agent"),
        ("source_ref" = Option<String>, Query, description = "The source's own reference (a Discord channel id, an email's Message-ID)"),
        ("tag" = Option<String>, Query, description = "Tickets with this tag (repeat for all of several)"),
        ("q" = Option<String>, Query, description = "Full-text search over the key, title, body, searchable fields and comments: every word must match (prefixes match). Without `sort`, the best matches come first (the ticket's own text counts more than its comments; the newest 200 matches are ranked and listed: add words or filters to narrow a common one, or give a `sort` to page through every match)"),
        ("sort" = Option<String>, Query, description = "e.g. -created_at or f.affected_users,-id"),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 200),
        ("cursor" = Option<String>, Query),
        ("include_deleted" = Option<bool>, Query),
    ),
    responses(
        (status = 200, body = TicketPage),
        (status = 400, description = "Unknown or malformed parameter, named in errors", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn list_tickets(
    State(app): State<AppState>,
    caller: Caller,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<TicketPage>> {
    let p = caller.need(Need::ReadTickets)?;
    let mut q = parse_list_query(raw.as_deref())?;
    q.filters = merge_repeated(q.filters);
    if q.include_deleted && !p.is_admin() {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "Forbidden",
            "only admins list deleted tickets",
        ));
    }
    q.visible_types = visible_types(&app, p);
    if let (Some(slug), Some(visible)) = (&q.type_slug, &q.visible_types)
        && app.store.registry().get(slug).is_some()
        && !visible.contains(slug)
    {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "Forbidden",
            format!("none of your teams handles tickets of type `{slug}`"),
        ));
    }
    let page = app.store.list_tickets(&q).await.map_err(|e| match e {
        docket_store::StoreError::Invalid(errors) => ApiError::Invalid {
            status: StatusCode::BAD_REQUEST,
            detail: errors
                .iter()
                .map(|e| e.message.clone())
                .collect::<Vec<_>>()
                .join("; "),
            errors,
        },
        other => other.into(),
    })?;
    Ok(Json(TicketPage {
        items: page.items.into_iter().map(ticket_out).collect(),
        next_cursor: page.next_cursor,
    }))
}

/// The paging parameters of comment and event lists. The struct documents them for
/// OpenAPI; `parse` reads them (and refuses unknown ones).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub(crate) struct PageParams {
    /// Items per page, 1-200 (default 50).
    limit: Option<u64>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
}

impl PageParams {
    /// `(after_id, limit)`; unknown parameters are errors here too.
    pub(crate) fn parse(raw: Option<&str>) -> ApiResult<(Option<i64>, u64)> {
        Self::parse_with(raw, |_, _| Ok(false))
    }

    /// `parse` for a list with filters of its own: `filter` takes each other parameter
    /// and answers whether it knew it.
    pub(crate) fn parse_with(
        raw: Option<&str>,
        mut filter: impl FnMut(&str, &str) -> ApiResult<bool>,
    ) -> ApiResult<(Option<i64>, u64)> {
        let bad = |param: &str, message: &str| {
            ApiError::invalid_field(StatusCode::BAD_REQUEST, &format!("/query/{param}"), message)
        };
        let (mut after, mut limit) = (None, 50);
        for (name, value) in form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
            if filter(&name, &value)? {
                continue;
            }
            match name.as_ref() {
                "limit" => {
                    limit = value
                        .parse::<u64>()
                        .ok()
                        .filter(|n| (1..=200).contains(n))
                        .ok_or_else(|| bad("limit", "limit is a number from 1 to 200"))?
                }
                "cursor" => {
                    after = Some(
                        value
                            .parse::<i64>()
                            .map_err(|_| bad("cursor", "not a cursor of this list"))?,
                    )
                }
                other => return Err(bad(other, &format!("unknown query parameter `{other}`"))),
            }
        }
        Ok((after, limit))
    }
}

/// A ticket's audit trail, oldest first
#[utoipa::path(
    get, path = "/tickets/{key}/events", tag = "tickets",
    params(("key" = String, Path), PageParams),
    responses((status = 200, body = EventPage), (status = 404, body = Problem, content_type = "application/problem+json"))
)]
async fn list_events(
    State(app): State<AppState>,
    caller: Caller,
    Path(key): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<EventPage>> {
    let p = caller.need(Need::ReadTickets)?;
    // A deleted ticket's trail is for those who may restore it, as the ticket is.
    let include_deleted = p.can(Need::WriteTickets).is_ok();
    visible_ticket(&app, p, &key, include_deleted).await?;
    let (after, limit) = PageParams::parse(raw.as_deref())?;
    let items = app.store.events(&key, after, limit + 1).await?;
    let (items, next_cursor) = id_page(items, limit, |e| e.id);
    Ok(Json(EventPage {
        next_cursor,
        items: items
            .into_iter()
            .map(|e| EventOut {
                id: e.id,
                actor: e.actor,
                field: e.field,
                old: e.old_value,
                new: e.new_value,
                at: e.created_at,
            })
            .collect(),
    }))
}

/// The request's `Idempotency-Key`, scoped to the caller, with a hash of what makes the
/// request itself (`fingerprint`): the same key with another request is a conflict.
pub(super) fn idempotency_key(
    headers: &HeaderMap,
    p: &Principal,
    fingerprint: &[u8],
) -> ApiResult<Option<docket_store::IdempotencyKey>> {
    let Some(v) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let key = v
        .to_str()
        .ok()
        .filter(|k| !k.is_empty() && k.len() <= 200)
        .ok_or_else(|| {
            ApiError::bad_request("Idempotency-Key must be 1 to 200 visible ASCII characters")
        })?;
    Ok(Some(docket_store::IdempotencyKey {
        // Keys are per caller: two integrations may pick the same key.
        scope: format!("user:{}", p.user_id),
        key: key.to_string(),
        request_hash: base64::engine::general_purpose::STANDARD.encode(Sha256::digest(fingerprint)),
    }))
}
