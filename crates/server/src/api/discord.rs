//! The Discord integration's side of the API: panels (admins configure them, the
//! adapter reads them, deploys them and asks whether a member may open a ticket),
//! and staff members' linked Discord accounts (by a one-time code the bot hands out, or
//! set by an admin). The adapter itself (`crates/discord`) calls only these and the
//! ticket API.

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use docket_api::*;
use docket_core::access::Need;
use docket_core::typedef::FieldError;
use docket_store::discord::{DiscordAccount as StoredAccount, Panel};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::AppState;
use super::body::{Body, parse_json, require_json};
use super::tickets::if_match;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_panels, create_panel))
        .routes(routes!(get_panel, replace_panel, delete_panel))
        .routes(routes!(deploy_panel))
        .routes(routes!(record_deployment))
        .routes(routes!(panel_eligibility))
        .routes(routes!(create_link_code))
        .routes(routes!(discord_account))
        .routes(routes!(
            my_discord_account,
            redeem_link_code,
            unlink_my_discord
        ))
        .routes(routes!(set_user_discord))
}

fn panel_out(p: Panel) -> ApiResult<PanelOut> {
    let input: PanelInput = serde_json::from_value(p.definition)
        .map_err(|e| internal(format!("panel {} is stored unreadable: {e}", p.id)))?;
    Ok(PanelOut {
        id: p.id,
        input,
        version: p.version,
        deploy_requested_at: p.deploy_requested_at,
        deployment: p.deployment.and_then(|d| serde_json::from_value(d).ok()),
        created_at: p.created_at,
        updated_at: p.updated_at,
    })
}

fn account_out(a: StoredAccount) -> DiscordAccount {
    DiscordAccount {
        user_id: a.user_id,
        discord_id: a.discord_id,
        discord_name: a.discord_name,
        linked_at: a.linked_at,
    }
}

/// A Discord id (a snowflake): digits only, as Discord sends them.
fn snowflake(value: &str, pointer: &str, errors: &mut Vec<FieldError>) {
    if value.is_empty() || value.len() > 20 || !value.bytes().all(|b| b.is_ascii_digit()) {
        errors.push(FieldError {
            pointer: pointer.into(),
            message: "a Discord id is its digits (enable Developer Mode, then Copy ID)".into(),
        });
    }
}

fn length(value: &str, min: usize, max: usize, pointer: &str, errors: &mut Vec<FieldError>) {
    let n = value.trim().chars().count();
    if n < min || value.chars().count() > max {
        errors.push(FieldError {
            pointer: pointer.into(),
            message: if min > 0 {
                format!("{min} to {max} characters (Discord's limit)")
            } else {
                format!("at most {max} characters (Discord's limit)")
            },
        });
    }
}

/// Everything Discord or Docket would refuse later, refused now with where and why.
async fn check_panel(app: &AppState, p: &PanelInput) -> ApiResult<()> {
    let mut errors = Vec::new();
    length(&p.name, 1, 100, "/name", &mut errors);
    snowflake(&p.guild_id, "/guild_id", &mut errors);
    snowflake(&p.channel_id, "/channel_id", &mut errors);
    length(&p.title, 1, 256, "/title", &mut errors);
    length(&p.description, 0, 4096, "/description", &mut errors);
    length(&p.button_label, 1, 80, "/button_label", &mut errors);
    length(&p.welcome_message, 0, 2000, "/welcome_message", &mut errors);
    for (field, value) in [
        ("category_id", &p.category_id),
        ("ping_role_id", &p.ping_role_id),
        ("log_channel_id", &p.log_channel_id),
    ] {
        if let Some(v) = value {
            snowflake(v, &format!("/{field}"), &mut errors);
        }
    }
    let known_type = |slug: &str| app.store.registry().get(slug).is_some();
    if p.topics.len() > 25 {
        errors.push(FieldError {
            pointer: "/topics".into(),
            message: "a select menu holds at most 25 topics".into(),
        });
    }
    for (i, t) in p.topics.iter().enumerate() {
        let at = |f: &str| format!("/topics/{i}/{f}");
        if t.id.is_empty()
            || t.id.len() > 32
            || !t
                .id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
        {
            errors.push(FieldError {
                pointer: at("id"),
                message: "1 to 32 lower-case letters, digits, `_` or `-`".into(),
            });
        }
        if p.topics[..i].iter().any(|o| o.id == t.id) {
            errors.push(FieldError {
                pointer: at("id"),
                message: format!("another topic has the id `{}`", t.id),
            });
        }
        length(&t.label, 1, 100, &at("label"), &mut errors);
        if let Some(d) = &t.description {
            length(d, 0, 100, &at("description"), &mut errors);
        }
        if !known_type(&t.ticket_type) {
            errors.push(FieldError {
                pointer: at("ticket_type"),
                message: format!("no ticket type `{}`", t.ticket_type),
            });
        }
    }
    match &p.ticket_type {
        Some(slug) if !known_type(slug) => errors.push(FieldError {
            pointer: "/ticket_type".into(),
            message: format!("no ticket type `{slug}`"),
        }),
        None if p.topics.is_empty() => errors.push(FieldError {
            pointer: "/ticket_type".into(),
            message: "a panel without topics opens tickets of this type".into(),
        }),
        _ => {}
    }
    for (i, r) in p.support_roles.iter().enumerate() {
        snowflake(
            &r.role_id,
            &format!("/support_roles/{i}/role_id"),
            &mut errors,
        );
        if let Some(team) = &r.team
            && app.store.team(team).await.is_err()
        {
            errors.push(FieldError {
                pointer: format!("/support_roles/{i}/team"),
                message: format!("no team `{team}`"),
            });
        }
    }
    if let Some(i) = &p.inactivity
        && (i.warn_after_hours == 0 || i.close_after_hours == 0)
    {
        errors.push(FieldError {
            pointer: "/inactivity".into(),
            message: "both periods are at least one hour".into(),
        });
    }
    if let Some(name) = &p.working_hours
        && app.store.calendar(name).await.is_err()
    {
        errors.push(FieldError {
            pointer: "/working_hours".into(),
            message: format!("no business calendar `{name}` (see /sla/calendars)"),
        });
    }
    refuse(errors, "the panel has invalid settings")
}

/// 422 naming every failing field, or nothing when none failed.
fn refuse(errors: Vec<FieldError>, detail: &str) -> ApiResult<()> {
    if errors.is_empty() {
        return Ok(());
    }
    Err(ApiError::Invalid {
        status: StatusCode::UNPROCESSABLE_ENTITY,
        detail: detail.into(),
        errors,
    })
}

/// The ticket types a panel opens.
fn panel_types(p: &PanelInput) -> Vec<String> {
    let mut types: Vec<String> = p.topics.iter().map(|t| t.ticket_type.clone()).collect();
    types.extend(p.ticket_type.clone());
    types.sort();
    types.dedup();
    types
}

/// List the Discord panels
#[utoipa::path(
    get, path = "/discord/panels", tag = "discord",
    responses((status = 200, body = PanelList))
)]
async fn list_panels(State(app): State<AppState>, caller: Caller) -> ApiResult<Json<PanelList>> {
    caller.need(Need::ReadTickets)?;
    let items = app
        .store
        .panels()
        .await?
        .into_iter()
        .map(panel_out)
        .collect::<ApiResult<_>>()?;
    Ok(Json(PanelList { items }))
}

/// Create a panel
#[utoipa::path(
    post, path = "/discord/panels", tag = "discord",
    request_body = PanelInput,
    responses(
        (status = 201, body = PanelOut),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
async fn create_panel(
    State(app): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Body(bytes): Body,
) -> ApiResult<(StatusCode, Json<PanelOut>)> {
    caller.need(Need::Admin)?;
    require_json(&headers)?;
    let input: PanelInput = parse_json(&bytes)?;
    check_panel(&app, &input).await?;
    let definition = serde_json::to_value(&input).map_err(|e| internal(e.to_string()))?;
    let p = app
        .store
        .create_panel(&input.name, &definition, &caller.actor())
        .await?;
    Ok((StatusCode::CREATED, Json(panel_out(p)?)))
}

/// Get a panel
#[utoipa::path(
    get, path = "/discord/panels/{id}", tag = "discord",
    params(("id" = i64, Path)),
    responses((status = 200, body = PanelOut), (status = 404, body = Problem, content_type = "application/problem+json"))
)]
async fn get_panel(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<PanelOut>> {
    caller.need(Need::ReadTickets)?;
    Ok(Json(panel_out(app.store.panel(id).await?)?))
}

/// Replace a panel's settings
///
/// Optional `If-Match` with the panel's `version` refuses the change if someone else
/// changed it since. The posted message changes on the next deploy.
#[utoipa::path(
    put, path = "/discord/panels/{id}", tag = "discord",
    params(("id" = i64, Path), ("If-Match" = Option<String>, Header, description = "The panel's version, quoted")),
    request_body = PanelInput,
    responses(
        (status = 200, body = PanelOut),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 412, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
async fn replace_panel(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Body(bytes): Body,
) -> ApiResult<Json<PanelOut>> {
    caller.need(Need::Admin)?;
    require_json(&headers)?;
    // Optional here: an admin's form, not a race-prone workflow.
    let expected = if headers.contains_key(axum::http::header::IF_MATCH) {
        if_match(&headers)?
    } else {
        None
    };
    let input: PanelInput = parse_json(&bytes)?;
    check_panel(&app, &input).await?;
    let definition = serde_json::to_value(&input).map_err(|e| internal(e.to_string()))?;
    let p = app
        .store
        .replace_panel(id, &input.name, &definition, expected, &caller.actor())
        .await?;
    Ok(Json(panel_out(p)?))
}

/// Delete a panel
///
/// The adapter removes its posted message when it sees the panel gone (or, when it was
/// stopped meanwhile, at the first press of one of its buttons).
#[utoipa::path(
    delete, path = "/discord/panels/{id}", tag = "discord",
    params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = Problem, content_type = "application/problem+json"))
)]
async fn delete_panel(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    caller.need(Need::Admin)?;
    app.store.delete_panel(id, &caller.actor()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Deploy a panel
///
/// The adapter posts the panel in its channel, or edits the message it posted before,
/// within a few seconds; `deployment` then says where.
#[utoipa::path(
    post, path = "/discord/panels/{id}/deploy", tag = "discord",
    params(("id" = i64, Path)),
    responses((status = 200, body = PanelOut), (status = 404, body = Problem, content_type = "application/problem+json"))
)]
async fn deploy_panel(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<PanelOut>> {
    caller.need(Need::Admin)?;
    Ok(Json(panel_out(
        app.store.request_panel_deploy(id, &caller.actor()).await?,
    )?))
}

/// Record where a panel was posted (the adapter)
#[utoipa::path(
    put, path = "/discord/panels/{id}/deployment", tag = "discord",
    params(("id" = i64, Path)),
    request_body = PanelDeployment,
    responses(
        (status = 200, body = PanelOut),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
async fn record_deployment(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Body(bytes): Body,
) -> ApiResult<Json<PanelOut>> {
    caller.need(Need::WriteTickets)?;
    require_json(&headers)?;
    let mut input: PanelDeployment = parse_json(&bytes)?;
    let mut errors = Vec::new();
    snowflake(&input.channel_id, "/channel_id", &mut errors);
    snowflake(&input.message_id, "/message_id", &mut errors);
    refuse(errors, "not a Discord message")?;
    input.deployed_at = Some(app.store.clock().now());
    let value = serde_json::to_value(&input).map_err(|e| internal(e.to_string()))?;
    Ok(Json(panel_out(
        app.store.record_panel_deployment(id, &value).await?,
    )?))
}

/// The query of the eligibility check.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
struct EligibilityQuery {
    /// The member's Discord id.
    discord_id: String,
}

/// Whether a member may open a ticket from a panel now
///
/// Checks the panel's limit of open tickets per member, its cooldown and its working
/// hours; says when to try again.
#[utoipa::path(
    get, path = "/discord/panels/{id}/eligibility", tag = "discord",
    params(("id" = i64, Path), EligibilityQuery),
    responses(
        (status = 200, body = PanelEligibility),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
async fn panel_eligibility(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<PanelEligibility>> {
    caller.need(Need::WriteTickets)?;
    let discord_id = form_urlencoded::parse(raw.as_deref().unwrap_or("").as_bytes())
        .find(|(k, _)| k == "discord_id")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    let mut errors = Vec::new();
    snowflake(&discord_id, "/query/discord_id", &mut errors);
    refuse(errors, "name the member by their Discord id")?;
    let panel = panel_out(app.store.panel(id).await?)?.input;
    let types = panel_types(&panel);
    let now = app.store.clock().now();
    let open = app.store.member_open_tickets(&discord_id, &types).await?;
    let open_tickets: Vec<OpenDiscordTicket> = open
        .iter()
        .map(|t| OpenDiscordTicket {
            key: t.key.clone(),
            channel_id: t.channel_id.clone(),
        })
        .collect();
    let refuse = |reason: &str, retry_at| PanelEligibility {
        allowed: false,
        reason: Some(reason.into()),
        open_tickets: open_tickets.clone(),
        retry_at,
    };
    if panel.max_open_per_member > 0 && open.len() >= panel.max_open_per_member as usize {
        return Ok(Json(refuse("limit", None)));
    }
    if panel.cooldown_seconds > 0
        && let Some(last) = app.store.member_last_opened(&discord_id, &types).await?
    {
        let until = last + chrono::Duration::seconds(i64::from(panel.cooldown_seconds));
        if until > now {
            return Ok(Json(refuse("cooldown", Some(until))));
        }
    }
    if let Some(name) = &panel.working_hours {
        let calendar = app
            .store
            .calendar(name)
            .await?
            .spec
            .to_calendar()
            .map_err(|_| internal(format!("calendar {name} no longer compiles")))?;
        let opens_at = calendar.add_business(now, chrono::Duration::zero());
        if opens_at != Some(now) {
            return Ok(Json(refuse("closed", opens_at)));
        }
    }
    Ok(Json(PanelEligibility {
        allowed: true,
        reason: None,
        open_tickets,
        retry_at: None,
    }))
}

/// A code that links a Discord account to a Docket user (the adapter)
///
/// The bot gives it to the member who asked (`/docket link`); they enter it in the web
/// UI while signed in. It works once, for 15 minutes.
#[utoipa::path(
    post, path = "/discord/link-codes", tag = "discord",
    request_body = DiscordLinkRequest,
    responses(
        (status = 201, body = DiscordLinkCode),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
async fn create_link_code(
    State(app): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Body(bytes): Body,
) -> ApiResult<(StatusCode, Json<DiscordLinkCode>)> {
    caller.need(Need::WriteTickets)?;
    require_json(&headers)?;
    let input: DiscordLinkRequest = parse_json(&bytes)?;
    let mut errors = Vec::new();
    snowflake(&input.discord_id, "/discord_id", &mut errors);
    refuse(errors, "not a Discord id")?;
    let (code, expires_at) = app
        .store
        .create_link_code(&input.discord_id, input.discord_name.as_deref())
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(DiscordLinkCode { code, expires_at }),
    ))
}

/// The Docket user a Discord account is linked to
#[utoipa::path(
    get, path = "/discord/accounts/{discord_id}", tag = "discord",
    params(("discord_id" = String, Path)),
    responses((status = 200, body = DiscordAccount), (status = 404, body = Problem, content_type = "application/problem+json"))
)]
async fn discord_account(
    State(app): State<AppState>,
    caller: Caller,
    Path(discord_id): Path<String>,
) -> ApiResult<Json<DiscordAccount>> {
    caller.need(Need::ReadTickets)?;
    let found = app.store.discord_account(&discord_id).await?;
    found.map(|a| Json(account_out(a))).ok_or_else(|| {
        ApiError::not_found(format!("no user is linked to Discord account {discord_id}"))
    })
}

/// The signed-in user's linked Discord account
#[utoipa::path(
    get, path = "/auth/me/discord", tag = "account",
    responses((status = 200, body = DiscordAccount), (status = 404, body = Problem, content_type = "application/problem+json"))
)]
async fn my_discord_account(
    State(app): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<DiscordAccount>> {
    let p = caller.need(Need::SignedIn)?;
    let found = app.store.discord_account_of_user(p.user_id).await?;
    found
        .map(|a| Json(account_out(a)))
        .ok_or_else(|| ApiError::not_found("no Discord account is linked"))
}

/// Link the signed-in user's Discord account with a code from the bot
#[utoipa::path(
    post, path = "/auth/me/discord", tag = "account",
    request_body = DiscordLinkRedeem,
    responses(
        (status = 200, body = DiscordAccount),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
async fn redeem_link_code(
    State(app): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Body(bytes): Body,
) -> ApiResult<Json<DiscordAccount>> {
    let p = caller.need(Need::OwnWrite)?;
    require_json(&headers)?;
    let input: DiscordLinkRedeem = parse_json(&bytes)?;
    let account = app
        .store
        .redeem_link_code(&input.code, p.user_id, &caller.actor())
        .await?;
    Ok(Json(account_out(account)))
}

/// Unlink the signed-in user's Discord account
#[utoipa::path(
    delete, path = "/auth/me/discord", tag = "account",
    responses((status = 204))
)]
async fn unlink_my_discord(State(app): State<AppState>, caller: Caller) -> ApiResult<StatusCode> {
    let p = caller.need(Need::OwnWrite)?;
    app.store
        .set_discord_account(p.user_id, None, &caller.actor())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Set or clear a user's Discord account (admins)
#[utoipa::path(
    put, path = "/users/{id}/discord", tag = "users",
    params(("id" = i64, Path)),
    request_body = DiscordAccountUpdate,
    responses(
        (status = 200, body = Option<DiscordAccount>),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
async fn set_user_discord(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Body(bytes): Body,
) -> ApiResult<Json<Option<DiscordAccount>>> {
    caller.need(Need::Admin)?;
    require_json(&headers)?;
    let input: DiscordAccountUpdate = parse_json(&bytes)?;
    if let Some(discord_id) = &input.discord_id {
        let mut errors = Vec::new();
        snowflake(discord_id, "/discord_id", &mut errors);
        refuse(errors, "not a Discord id")?;
    }
    let account = app
        .store
        .set_discord_account(
            id,
            input
                .discord_id
                .as_deref()
                .map(|d| (d, input.discord_name.as_deref())),
            &caller.actor(),
        )
        .await?;
    Ok(Json(account.map(account_out)))
}

/// A fault of Docket's own (logged, not shown), as the store reports them.
fn internal(message: String) -> ApiError {
    docket_store::StoreError::Internal(message).into()
}
