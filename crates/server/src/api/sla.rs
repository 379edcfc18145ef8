//! SLA: business calendars (with iCalendar import), policies, a ticket's clocks, the
//! report (JSON or CSV) and the notification outbox.

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use docket_api::*;
use docket_core::access::Need;
use docket_core::sla::ical::holidays_from_ical;
use docket_core::sla::policy::PolicySpec;
use docket_core::sla::report::{self, GroupBy};
use docket_core::sla::spec::CalendarSpec;
use docket_store::sla::config::{StoredCalendar, StoredPolicy};
use serde_json::Value;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::body::{Body, content_type, parse_json, require_json};
use super::tickets::{PageParams, visible_ticket, visible_types};
use super::{AppState, id_page};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_calendars))
        .routes(routes!(get_calendar, put_calendar, delete_calendar))
        .routes(routes!(import_calendar))
        .routes(routes!(list_policies))
        .routes(routes!(get_policy, put_policy, delete_policy))
        .routes(routes!(ticket_sla))
        .routes(routes!(sla_report))
        .routes(routes!(list_notifications))
}

fn calendar_out(c: StoredCalendar) -> CalendarOut {
    CalendarOut {
        name: c.name,
        spec: c.spec,
        created_at: c.created_at,
        updated_at: c.updated_at,
    }
}

fn policy_out(p: StoredPolicy) -> PolicyOut {
    PolicyOut {
        name: p.spec.name.clone(),
        spec: p.spec,
        created_at: p.created_at,
        updated_at: p.updated_at,
    }
}

fn created_or_ok(created: bool) -> StatusCode {
    if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    }
}

/// List business calendars
#[utoipa::path(
    get, path = "/sla/calendars", tag = "sla",
    responses((status = 200, body = Vec<CalendarOut>))
)]
async fn list_calendars(
    State(app): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<CalendarOut>>> {
    caller.need(Need::ReadTickets)?;
    let all = app.store.calendars().await?;
    Ok(Json(all.into_iter().map(calendar_out).collect()))
}

/// Read a business calendar
#[utoipa::path(
    get, path = "/sla/calendars/{name}", tag = "sla",
    params(("name" = String, Path)),
    responses((status = 200, body = CalendarOut), (status = 404, body = Problem, content_type = "application/problem+json"))
)]
async fn get_calendar(
    State(app): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
) -> ApiResult<Json<CalendarOut>> {
    caller.need(Need::ReadTickets)?;
    Ok(Json(calendar_out(app.store.calendar(&name).await?)))
}

/// Create or replace a business calendar
///
/// Working intervals per weekday in a time zone, and holidays (dated or yearly). SLA
/// targets of the policies that use the calendar count only its working time; the clocks
/// of open tickets are recomputed.
#[utoipa::path(
    put, path = "/sla/calendars/{name}", tag = "sla",
    params(("name" = String, Path)),
    request_body = CalendarSpec,
    responses(
        (status = 200, body = CalendarOut, description = "Replaced"),
        (status = 201, body = CalendarOut, description = "Created"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
async fn put_calendar(
    State(app): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
    headers: HeaderMap,
    Body(bytes): Body,
) -> ApiResult<(StatusCode, Json<CalendarOut>)> {
    caller.need(Need::Admin)?;
    require_json(&headers)?;
    let spec: CalendarSpec = parse_json(&bytes)?;
    let (c, created) = app.store.put_calendar(&name, spec, &caller.actor()).await?;
    Ok((created_or_ok(created), Json(calendar_out(c))))
}

/// Delete a business calendar no policy uses
#[utoipa::path(
    delete, path = "/sla/calendars/{name}", tag = "sla",
    params(("name" = String, Path)),
    responses(
        (status = 204),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
    )
)]
async fn delete_calendar(
    State(app): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
) -> ApiResult<StatusCode> {
    caller.need(Need::Admin)?;
    app.store.delete_calendar(&name, &caller.actor()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Import holidays from an iCalendar file
///
/// Send the file (`text/calendar`, as exported by Google Calendar, Outlook or a public
/// holiday feed). All-day events become dated holidays, one per day they cover; yearly
/// events become yearly holidays. They are added to the calendar's holidays, or replace
/// them with `?replace=true`.
#[utoipa::path(
    post, path = "/sla/calendars/{name}/import", tag = "sla",
    params(("name" = String, Path), ("replace" = Option<bool>, Query, description = "Replace the calendar's holidays instead of adding to them")),
    request_body(content = String, content_type = "text/calendar"),
    responses(
        (status = 200, body = CalendarImport),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 415, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
async fn import_calendar(
    State(app): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    Body(bytes): Body,
) -> ApiResult<Json<CalendarImport>> {
    caller.need(Need::Admin)?;
    let mut replace = false;
    for (k, v) in form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
        match (k.as_ref(), v.as_ref()) {
            ("replace", "true") => replace = true,
            ("replace", "false") => replace = false,
            ("replace", _) => {
                return Err(ApiError::invalid_field(
                    StatusCode::BAD_REQUEST,
                    "/query/replace",
                    "replace is true or false",
                ));
            }
            (other, _) => {
                return Err(ApiError::invalid_field(
                    StatusCode::BAD_REQUEST,
                    &format!("/query/{other}"),
                    format!("unknown query parameter `{other}`"),
                ));
            }
        }
    }
    let ct = content_type(&headers);
    if ct != "text/calendar" {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Unsupported media type",
            format!("send the file as text/calendar (got `{ct}`)"),
        ));
    }
    let text = std::str::from_utf8(&bytes).map_err(|e| {
        ApiError::invalid_field(
            StatusCode::UNPROCESSABLE_ENTITY,
            "",
            format!("the file is not UTF-8: {e}"),
        )
    })?;
    // "line N: why", or just why when the file as a whole is the problem (line 0).
    let holidays = holidays_from_ical(text).map_err(|e| {
        ApiError::invalid_field(StatusCode::UNPROCESSABLE_ENTITY, "", e.to_string())
    })?;
    let imported = holidays.len();
    let (c, added) = app
        .store
        .import_holidays(&name, holidays, replace, &caller.actor())
        .await?;
    Ok(Json(CalendarImport {
        imported,
        added,
        calendar: calendar_out(c),
    }))
}

/// List SLA policies, in the order they are tried
#[utoipa::path(
    get, path = "/sla/policies", tag = "sla",
    responses((status = 200, body = Vec<PolicyOut>))
)]
async fn list_policies(
    State(app): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<PolicyOut>>> {
    caller.need(Need::ReadTickets)?;
    let all = app.store.policies().await?;
    Ok(Json(all.into_iter().map(policy_out).collect()))
}

/// Read an SLA policy
#[utoipa::path(
    get, path = "/sla/policies/{name}", tag = "sla",
    params(("name" = String, Path)),
    responses((status = 200, body = PolicyOut), (status = 404, body = Problem, content_type = "application/problem+json"))
)]
async fn get_policy(
    State(app): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
) -> ApiResult<Json<PolicyOut>> {
    caller.need(Need::ReadTickets)?;
    Ok(Json(policy_out(app.store.policy(&name).await?)))
}

/// Create or replace an SLA policy
///
/// The first enabled policy (lowest `position`) whose conditions match a ticket governs
/// it. The clocks of every open ticket are recomputed.
#[utoipa::path(
    put, path = "/sla/policies/{name}", tag = "sla",
    params(("name" = String, Path)),
    request_body = PolicySpec,
    responses(
        (status = 200, body = PolicyOut, description = "Replaced"),
        (status = 201, body = PolicyOut, description = "Created"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
async fn put_policy(
    State(app): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
    headers: HeaderMap,
    Body(bytes): Body,
) -> ApiResult<(StatusCode, Json<PolicyOut>)> {
    caller.need(Need::Admin)?;
    require_json(&headers)?;
    // The name is the path's; a body may repeat it but not contradict it.
    let mut value: Value = parse_json(&bytes)?;
    if let Value::Object(map) = &mut value {
        match map.get("name") {
            None => {
                map.insert("name".into(), Value::String(name.clone()));
            }
            Some(Value::String(n)) if *n == name => {}
            Some(_) => {
                return Err(ApiError::invalid_field(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "/name",
                    format!("the name in the body must be the path's, `{name}`"),
                ));
            }
        }
    }
    let spec: PolicySpec = parse_json(value.to_string().as_bytes())?;
    let (p, created) = app.store.put_policy(&name, spec, &caller.actor()).await?;
    Ok((created_or_ok(created), Json(policy_out(p))))
}

/// Delete an SLA policy
#[utoipa::path(
    delete, path = "/sla/policies/{name}", tag = "sla",
    params(("name" = String, Path)),
    responses((status = 204), (status = 404, body = Problem, content_type = "application/problem+json"))
)]
async fn delete_policy(
    State(app): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
) -> ApiResult<StatusCode> {
    caller.need(Need::Admin)?;
    app.store.delete_policy(&name, &caller.actor()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A ticket's SLA clocks, their history and the escalations fired
#[utoipa::path(
    get, path = "/tickets/{key}/sla", tag = "sla",
    params(("key" = String, Path)),
    responses((status = 200, body = TicketSlaOut), (status = 404, body = Problem, content_type = "application/problem+json"))
)]
async fn ticket_sla(
    State(app): State<AppState>,
    caller: Caller,
    Path(key): Path<String>,
) -> ApiResult<Json<TicketSlaOut>> {
    let p = caller.need(Need::ReadTickets)?;
    visible_ticket(&app, p, &key, false).await?;
    let sla = app.store.ticket_sla(&key).await?;
    Ok(Json(TicketSlaOut {
        policy: sla.policy,
        calendar: sla.calendar,
        clocks: sla
            .clocks
            .into_iter()
            .map(|c| ClockOut {
                metric: c.metric,
                cycle: c.cycle,
                phase: c.phase,
                started_at: c.started_at,
                stopped_at: c.stopped_at,
                due_at: c.due_at,
                breached_at: c.breached_at,
                target_seconds: c.target_seconds,
                elapsed_seconds: c.elapsed_seconds,
                remaining_seconds: c.remaining_seconds,
            })
            .collect(),
        events: sla
            .events
            .into_iter()
            .map(|e| ClockEventOut {
                metric: e.metric,
                cycle: e.cycle,
                kind: e.kind,
                at: e.at,
                reason: e.reason,
            })
            .collect(),
        escalations: sla
            .escalations
            .into_iter()
            .map(|e| EscalationOut {
                metric: e.metric,
                cycle: e.cycle,
                threshold: e.threshold,
                reached_at: e.reached_at,
                fired_at: e.fired_at,
                superseded: e.superseded,
            })
            .collect(),
    }))
}

/// The query of the SLA report; documented here, read by `ReportQuery::parse`.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
struct ReportParams {
    /// Start of the period (RFC 3339; clocks that started at or after it). Default: 30
    /// days before `to`.
    from: Option<DateTime<Utc>>,
    /// End of the period (exclusive). Default: now.
    to: Option<DateTime<Utc>>,
    /// `priority` (default), `type`, `team` or `assignee`.
    group_by: Option<GroupBy>,
    /// `json` (default) or `csv`; `Accept: text/csv` also asks for CSV.
    format: Option<String>,
}

struct ReportQuery {
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
    group_by: GroupBy,
    csv: bool,
}

impl ReportQuery {
    fn parse(raw: Option<&str>, headers: &HeaderMap) -> ApiResult<ReportQuery> {
        let bad = |param: &str, message: String| {
            ApiError::invalid_field(StatusCode::BAD_REQUEST, &format!("/query/{param}"), message)
        };
        let accept = headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let mut q = ReportQuery {
            from: None,
            to: None,
            group_by: GroupBy::Priority,
            csv: accept.contains("text/csv"),
        };
        for (name, value) in form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
            match name.as_ref() {
                "from" | "to" => {
                    let t = DateTime::parse_from_rfc3339(&value)
                        .map_err(|_| bad(&name, format!("`{value}` is not an RFC 3339 time")))?
                        .with_timezone(&Utc);
                    if name == "from" {
                        q.from = Some(t);
                    } else {
                        q.to = Some(t);
                    }
                }
                "group_by" => {
                    q.group_by = GroupBy::parse(&value).ok_or_else(|| {
                        bad(
                            "group_by",
                            "group_by is priority, type, team or assignee".into(),
                        )
                    })?
                }
                "format" => match value.as_ref() {
                    "csv" => q.csv = true,
                    "json" => q.csv = false,
                    _ => return Err(bad("format", "format is json or csv".into())),
                },
                other => return Err(bad(other, format!("unknown query parameter `{other}`"))),
            }
        }
        Ok(q)
    }
}

/// The SLA report
///
/// Met and breached counts and rates, and the median and 90th percentile of business
/// time to first response, next response and resolution, for the clocks that started in
/// the period, grouped by priority, type, team or assignee. A clock counts as met when
/// it stopped in time, as breached when it passed its target (stopped or not); clocks
/// still running in time are not counted yet.
#[utoipa::path(
    get, path = "/sla/report", tag = "sla",
    params(ReportParams),
    responses(
        (status = 200, description = "The report; CSV with format=csv or Accept: text/csv", content(
            (SlaReportOut = "application/json"),
            (String = "text/csv"),
        )),
        (status = 400, body = Problem, content_type = "application/problem+json"),
    )
)]
async fn sla_report(
    State(app): State<AppState>,
    caller: Caller,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> ApiResult<Response> {
    caller.need(Need::Admin)?;
    let q = ReportQuery::parse(raw.as_deref(), &headers)?;
    let to = q.to.unwrap_or_else(|| app.store.clock().now());
    let from = q.from.unwrap_or(to - chrono::Duration::days(30));
    if from >= to {
        return Err(ApiError::invalid_field(
            StatusCode::BAD_REQUEST,
            "/query/from",
            "from must be before to",
        ));
    }
    let records = app.store.sla_clock_records(from, to, q.group_by).await?;
    let rows = report::aggregate(&records);
    let surveys = app.store.survey_records(from, to, q.group_by).await?;
    if q.csv {
        let body = report::to_csv(&rows, &report::satisfaction(&surveys), q.group_by);
        let mut resp = body.into_response();
        resp.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/csv; charset=utf-8"),
        );
        resp.headers_mut().insert(
            header::CONTENT_DISPOSITION,
            HeaderValue::from_static("attachment; filename=\"sla-report.csv\""),
        );
        return Ok(resp);
    }
    Ok(Json(SlaReportOut {
        from,
        to,
        group_by: q.group_by,
        total: report::totals(&records),
        rows,
        satisfaction: report::satisfaction(&surveys),
        satisfaction_total: report::satisfaction_total(&surveys),
    })
    .into_response())
}

/// Notifications from the outbox, oldest first
///
/// SLA warnings, breaches and "still breached" reminders, with whom they are for. The
/// email, webhook and Discord channels deliver them; this list is what they deliver.
/// Agents see those about tickets they may see.
#[utoipa::path(
    get, path = "/notifications", tag = "sla",
    params(PageParams),
    responses((status = 200, body = NotificationPage))
)]
async fn list_notifications(
    State(app): State<AppState>,
    caller: Caller,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<NotificationPage>> {
    let p = caller.need(Need::ReadTickets)?;
    let (after, limit) = PageParams::parse(raw.as_deref())?;
    let types = visible_types(&app, p);
    let items = app
        .store
        .sla_notifications(after, limit + 1, types.as_deref())
        .await?;
    let (items, next_cursor) = id_page(items, limit, |e| e.id);
    Ok(Json(NotificationPage {
        next_cursor,
        items: items
            .into_iter()
            .map(|e| NotificationOut {
                id: e.id,
                topic: e.topic,
                ticket: e.ticket_key,
                payload: e.payload,
                created_at: e.created_at,
            })
            .collect(),
    }))
}
