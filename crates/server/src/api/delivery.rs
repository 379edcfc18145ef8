//! Notifications out: webhook subscriptions and the delivery log (admins), and each
//! user's in-app notifications and preferences (`/auth/me/...`: one's own only).

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use docket_api::*;
use docket_core::access::Need;
use docket_store::delivery::{
    Delivery, DeliveryFilter, DeliveryStatus, NewSubscription, Preference, Subscription,
    SubscriptionPatch, UserNotification, topics,
};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::body::{Body, parse_json, require_json};
use super::tickets::PageParams;
use super::{AppState, id_page};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_subscriptions, create_subscription))
        .routes(routes!(
            get_subscription,
            update_subscription,
            delete_subscription
        ))
        .routes(routes!(rotate_subscription_secret))
        .routes(routes!(ping_subscription))
        .routes(routes!(list_delivery_log))
        .routes(routes!(get_delivery))
        .routes(routes!(retry_delivery))
        .routes(routes!(my_notifications))
        .routes(routes!(mark_my_notifications_read))
        .routes(routes!(my_preferences, set_my_preferences))
}

fn subscription_out(s: Subscription) -> SubscriptionOut {
    SubscriptionOut {
        id: s.id,
        name: s.name,
        url: s.url,
        events: s.events,
        types: s.types,
        enabled: s.enabled,
        consecutive_failures: s.consecutive_failures,
        disabled_reason: s.disabled_reason,
        created_by: s.created_by,
        created_at: s.created_at,
        updated_at: s.updated_at,
    }
}

fn delivery_out(d: Delivery) -> DeliveryOut {
    DeliveryOut {
        id: d.id,
        channel: d.channel,
        target: d.target,
        topic: d.topic,
        ticket: d.ticket_key,
        next_attempt_at: (d.status == DeliveryStatus::Pending).then_some(d.next_attempt_at),
        status: d.status.as_str().to_string(),
        attempts: d.attempts,
        last_error: d.last_error,
        created_at: d.created_at,
        delivered_at: d.delivered_at,
    }
}

fn notification_out(n: UserNotification) -> UserNotificationOut {
    UserNotificationOut {
        id: n.id,
        topic: n.topic,
        ticket: n.ticket_key,
        title: n.title,
        created_at: n.created_at,
        read_at: n.read_at,
    }
}

/// List webhook subscriptions
#[utoipa::path(
    get, path = "/webhook-subscriptions", tag = "webhooks",
    responses((status = 200, body = SubscriptionList))
)]
async fn list_subscriptions(
    State(app): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<SubscriptionList>> {
    caller.need(Need::Admin)?;
    let items = app.store.subscriptions().await?;
    Ok(Json(SubscriptionList {
        items: items.into_iter().map(subscription_out).collect(),
        topics: topics::ALL.iter().map(|t| t.to_string()).collect(),
    }))
}

/// Subscribe a URL to ticket events
///
/// Each event is POSTed as JSON, signed: `X-Docket-Timestamp` (unix seconds) and
/// `X-Docket-Signature: v1=<hex HMAC-SHA256 of "<timestamp>.<body>">` with the secret in
/// this answer (shown once).
#[utoipa::path(
    post, path = "/webhook-subscriptions", tag = "webhooks",
    request_body = SubscriptionCreate,
    responses(
        (status = 201, body = SubscriptionWithSecret),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
async fn create_subscription(
    State(app): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Body(bytes): Body,
) -> ApiResult<(StatusCode, Json<SubscriptionWithSecret>)> {
    caller.need(Need::Admin)?;
    require_json(&headers)?;
    let input: SubscriptionCreate = parse_json(&bytes)?;
    let (s, secret) = app
        .store
        .create_subscription(
            &app.master_key,
            NewSubscription {
                name: input.name,
                url: input.url,
                events: input.events,
                types: input.types,
                enabled: input.enabled,
            },
            &caller.actor(),
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(SubscriptionWithSecret {
            subscription: subscription_out(s),
            secret,
        }),
    ))
}

/// Get a webhook subscription
#[utoipa::path(
    get, path = "/webhook-subscriptions/{id}", tag = "webhooks",
    params(("id" = i64, Path)),
    responses((status = 200, body = SubscriptionOut), (status = 404, body = Problem, content_type = "application/problem+json"))
)]
async fn get_subscription(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<SubscriptionOut>> {
    caller.need(Need::Admin)?;
    Ok(Json(subscription_out(app.store.subscription(id).await?)))
}

/// Change a webhook subscription
#[utoipa::path(
    patch, path = "/webhook-subscriptions/{id}", tag = "webhooks",
    params(("id" = i64, Path)),
    request_body = SubscriptionUpdate,
    responses(
        (status = 200, body = SubscriptionOut),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
async fn update_subscription(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Body(bytes): Body,
) -> ApiResult<Json<SubscriptionOut>> {
    caller.need(Need::Admin)?;
    require_json(&headers)?;
    let input: SubscriptionUpdate = parse_json(&bytes)?;
    let s = app
        .store
        .update_subscription(
            id,
            SubscriptionPatch {
                name: input.name,
                url: input.url,
                events: input.events,
                types: input.types,
                enabled: input.enabled,
            },
        )
        .await?;
    Ok(Json(subscription_out(s)))
}

/// Delete a webhook subscription (its deliveries stay in the log)
#[utoipa::path(
    delete, path = "/webhook-subscriptions/{id}", tag = "webhooks",
    params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = Problem, content_type = "application/problem+json"))
)]
async fn delete_subscription(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    caller.need(Need::Admin)?;
    app.store.delete_subscription(id, &caller.actor()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Replace a subscription's signing secret (the old one stops working at once)
#[utoipa::path(
    post, path = "/webhook-subscriptions/{id}/rotate-secret", tag = "webhooks",
    params(("id" = i64, Path)),
    responses((status = 200, body = SubscriptionWithSecret), (status = 404, body = Problem, content_type = "application/problem+json"))
)]
async fn rotate_subscription_secret(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<SubscriptionWithSecret>> {
    caller.need(Need::Admin)?;
    let secret = app
        .store
        .rotate_subscription_secret(&app.master_key, id, &caller.actor())
        .await?;
    Ok(Json(SubscriptionWithSecret {
        subscription: subscription_out(app.store.subscription(id).await?),
        secret,
    }))
}

/// Send a `ping` event to a subscription now, to try its endpoint
#[utoipa::path(
    post, path = "/webhook-subscriptions/{id}/ping", tag = "webhooks",
    params(("id" = i64, Path)),
    responses((status = 202, body = DeliveryOut), (status = 404, body = Problem, content_type = "application/problem+json"))
)]
async fn ping_subscription(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<(StatusCode, Json<DeliveryOut>)> {
    caller.need(Need::Admin)?;
    let d = app
        .store
        .ping_subscription(id, &caller.actor().name)
        .await?;
    Ok((StatusCode::ACCEPTED, Json(delivery_out(d))))
}

/// Parameters of the delivery log.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
struct DeliveryParams {
    /// `pending`, `delivered` or `dead`.
    status: Option<String>,
    /// `webhook` or `email`.
    channel: Option<String>,
    /// A subscription id or an email address.
    target: Option<String>,
    /// A ticket's key.
    ticket: Option<String>,
    /// Items per page, 1-200 (default 50).
    limit: Option<u64>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
}

/// The delivery log, newest first
#[utoipa::path(
    get, path = "/deliveries", tag = "webhooks",
    params(DeliveryParams),
    responses((status = 200, body = DeliveryPage), (status = 400, body = Problem, content_type = "application/problem+json"))
)]
async fn list_delivery_log(
    State(app): State<AppState>,
    caller: Caller,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<DeliveryPage>> {
    caller.need(Need::Admin)?;
    let mut filter = DeliveryFilter::default();
    let (before, limit) = PageParams::parse_with(raw.as_deref(), |name, value| {
        match name {
            "status" => {
                filter.status = Some(DeliveryStatus::parse(value).ok_or_else(|| {
                    ApiError::invalid_field(
                        StatusCode::BAD_REQUEST,
                        "/query/status",
                        "status is pending, delivered or dead",
                    )
                })?)
            }
            "channel" => filter.channel = Some(value.to_string()),
            "target" => filter.target = Some(value.to_string()),
            "ticket" => filter.ticket_key = Some(value.to_string()),
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    let items = app.store.deliveries(&filter, before, limit + 1).await?;
    let (items, next_cursor) = id_page(items, limit, |d| d.id);
    Ok(Json(DeliveryPage {
        items: items.into_iter().map(delivery_out).collect(),
        next_cursor,
    }))
}

/// One delivery: what it sends and every attempt
#[utoipa::path(
    get, path = "/deliveries/{id}", tag = "webhooks",
    params(("id" = i64, Path)),
    responses((status = 200, body = DeliveryDetail), (status = 404, body = Problem, content_type = "application/problem+json"))
)]
async fn get_delivery(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<DeliveryDetail>> {
    caller.need(Need::Admin)?;
    let (d, attempts) = app.store.delivery(id).await?;
    Ok(Json(DeliveryDetail {
        body: d.body.clone(),
        delivery: delivery_out(d),
        attempts: attempts
            .into_iter()
            .map(|a| DeliveryAttemptOut {
                at: a.at,
                outcome: a.outcome,
                code: a.code,
                error: a.error,
                duration_ms: a.duration_ms,
            })
            .collect(),
    }))
}

/// Send a delivery again now, with a fresh round of attempts
#[utoipa::path(
    post, path = "/deliveries/{id}/retry", tag = "webhooks",
    params(("id" = i64, Path)),
    responses(
        (status = 200, body = DeliveryOut),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already delivered", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn retry_delivery(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<DeliveryOut>> {
    caller.need(Need::Admin)?;
    Ok(Json(delivery_out(app.store.retry_delivery(id).await?)))
}

/// Parameters of the bell.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
struct BellParams {
    /// Only unread ones.
    unread: Option<bool>,
    /// Items per page, 1-200 (default 50).
    limit: Option<u64>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
}

/// The signed-in user's notifications, newest first
#[utoipa::path(
    get, path = "/auth/me/notifications", tag = "account",
    params(BellParams),
    responses((status = 200, body = UserNotificationPage))
)]
async fn my_notifications(
    State(app): State<AppState>,
    caller: Caller,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<UserNotificationPage>> {
    let p = caller.need(Need::SignedIn)?;
    let mut unread_only = false;
    let (before, limit) = PageParams::parse_with(raw.as_deref(), |name, value| {
        if name != "unread" {
            return Ok(false);
        }
        unread_only = value.parse().map_err(|_| {
            ApiError::invalid_field(
                StatusCode::BAD_REQUEST,
                "/query/unread",
                "unread is true or false",
            )
        })?;
        Ok(true)
    })?;
    let items = app
        .store
        .user_notifications(p.user_id, unread_only, before, limit + 1)
        .await?;
    let (items, next_cursor) = id_page(items, limit, |n| n.id);
    Ok(Json(UserNotificationPage {
        items: items.into_iter().map(notification_out).collect(),
        next_cursor,
        unread: app.store.unread_notification_count(p.user_id).await?,
    }))
}

/// Mark the signed-in user's notifications read
#[utoipa::path(
    post, path = "/auth/me/notifications/read", tag = "account",
    request_body = MarkRead,
    responses((status = 200, body = MarkedRead), (status = 422, body = Problem, content_type = "application/problem+json"))
)]
async fn mark_my_notifications_read(
    State(app): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Body(bytes): Body,
) -> ApiResult<Json<MarkedRead>> {
    let p = caller.need(Need::OwnWrite)?;
    require_json(&headers)?;
    let input: MarkRead = parse_json(&bytes)?;
    let marked = app
        .store
        .mark_notifications_read(p.user_id, input.ids.as_deref())
        .await?;
    Ok(Json(MarkedRead {
        marked,
        unread: app.store.unread_notification_count(p.user_id).await?,
    }))
}

/// How each topic reaches the signed-in user
#[utoipa::path(
    get, path = "/auth/me/notification-preferences", tag = "account",
    responses((status = 200, body = NotificationPreferences))
)]
async fn my_preferences(
    State(app): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<NotificationPreferences>> {
    let p = caller.need(Need::SignedIn)?;
    preferences_out(&app, p.user_id).await
}

/// Change how topics reach the signed-in user (topics not named stay as they are)
#[utoipa::path(
    put, path = "/auth/me/notification-preferences", tag = "account",
    request_body = NotificationPreferences,
    responses((status = 200, body = NotificationPreferences), (status = 422, body = Problem, content_type = "application/problem+json"))
)]
async fn set_my_preferences(
    State(app): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Body(bytes): Body,
) -> ApiResult<Json<NotificationPreferences>> {
    let p = caller.need(Need::OwnWrite)?;
    require_json(&headers)?;
    let input: NotificationPreferences = parse_json(&bytes)?;
    let prefs: Vec<(String, Preference)> = input
        .items
        .into_iter()
        .map(|i| {
            (
                i.topic,
                Preference {
                    email: i.email,
                    in_app: i.in_app,
                },
            )
        })
        .collect();
    app.store
        .set_notification_preferences(p.user_id, &prefs)
        .await?;
    preferences_out(&app, p.user_id).await
}

async fn preferences_out(app: &AppState, user_id: i64) -> ApiResult<Json<NotificationPreferences>> {
    let items = app.store.notification_preferences(user_id).await?;
    Ok(Json(NotificationPreferences {
        items: items
            .into_iter()
            .map(|(topic, p)| NotificationPreference {
                topic,
                email: p.email,
                in_app: p.in_app,
            })
            .collect(),
    }))
}
