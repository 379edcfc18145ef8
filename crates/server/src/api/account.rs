//! Signing in and out, the signed-in user's own account, and first-start setup.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use docket_api::*;
use docket_core::access::{Need, Via};
use docket_store::identity::{LoginOutcome, NewUser, UserPatch};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::AppState;
use super::body::{Body, parse_json, require_json};
use super::users::user_out;
use crate::auth::{Caller, SESSION_COOKIE};
use crate::error::{ApiError, ApiResult};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(login))
        .routes(routes!(logout))
        .routes(routes!(me, update_me))
        .routes(routes!(set_my_availability))
        .routes(routes!(setup_status, setup))
}

fn too_many_attempts(wait: chrono::Duration) -> ApiError {
    // Whole seconds, rounded up: a client that waits exactly this long is let in.
    let seconds = (wait.num_milliseconds() as u64).div_ceil(1000).max(1);
    ApiError::TooManyRequests {
        detail: format!("too many failed logins from this address; try again in {seconds} s"),
        retry_after: seconds,
    }
}

fn session_cookie(app: &AppState, value: &str, max_age: i64) -> HeaderValue {
    let secure = if app.secure_cookies { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}"
    ))
    .expect("cookie values are ASCII")
}

/// Sign in with email and password
///
/// Sets the session cookie (HttpOnly, SameSite=Strict) and returns the CSRF token to
/// send as `X-CSRF-Token` on every request that changes something. Wrong passwords and
/// unknown accounts get the same answer. After 5 failures of an account from one address,
/// or 20 from the address, each further try waits (429 with Retry-After): 5 seconds,
/// doubling with every failure up to 15 minutes. Other addresses are not held back.
#[utoipa::path(
    post, path = "/auth/login", tag = "account", security(()),
    request_body = LoginRequest,
    responses(
        (status = 200, body = Me, headers(("Set-Cookie" = String))),
        (status = 401, description = "Wrong email or password", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many failed attempts", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn login(
    State(app): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Body(bytes): Body,
) -> ApiResult<Response> {
    require_json(&headers)?;
    let input: LoginRequest = parse_json(&bytes)?;
    let ip = caller.ip.clone().unwrap_or_else(|| "unknown".into());
    let account = input.email.trim().to_lowercase();
    let user = match app
        .store
        .check_login(&account, &input.password, &ip)
        .await?
    {
        LoginOutcome::Ok(user) => user,
        LoginOutcome::Wrong => {
            return Err(ApiError::unauthenticated_because("wrong email or password"));
        }
        LoginOutcome::Throttled { wait } => return Err(too_many_attempts(wait)),
    };
    let user_agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok());
    let session = app
        .store
        .create_session(user.id, Some(&ip), user_agent)
        .await?;
    let max_age = (session.expires_at - chrono::Utc::now()).num_seconds();
    let me = Me {
        user: user_out(user),
        via: "session".into(),
        csrf_token: Some(session.csrf_token),
        scopes: vec![],
    };
    let mut resp = Json(me).into_response();
    resp.headers_mut().insert(
        header::SET_COOKIE,
        session_cookie(&app, &session.token, max_age),
    );
    Ok(resp)
}

/// Sign out
///
/// Ends the session: its cookie stops working at once, even if replayed.
#[utoipa::path(
    post, path = "/auth/logout", tag = "account",
    responses((status = 204, headers(("Set-Cookie" = String))), (status = 401, body = Problem, content_type = "application/problem+json"))
)]
async fn logout(State(app): State<AppState>, caller: Caller) -> ApiResult<Response> {
    caller.need(Need::SignedIn)?;
    let token = caller.session_token.as_deref().ok_or_else(|| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "Bad request",
            "logout ends a web session; revoke tokens with DELETE /tokens/{id}",
        )
    })?;
    app.store.end_session(token, &caller.actor()).await?;
    let mut resp = StatusCode::NO_CONTENT.into_response();
    resp.headers_mut()
        .insert(header::SET_COOKIE, session_cookie(&app, "", 0));
    Ok(resp)
}

fn me_of(caller: &Caller, user: docket_store::identity::User) -> Me {
    let p = caller.principal.as_ref().expect("signed in");
    let (via, scopes) = match &p.via {
        Via::Session => ("session", vec![]),
        Via::Token { scopes, .. } => ("token", scopes.clone()),
    };
    Me {
        user: user_out(user),
        via: via.into(),
        csrf_token: caller.csrf_token.clone(),
        scopes,
    }
}

/// The signed-in user
#[utoipa::path(
    get, path = "/auth/me", tag = "account",
    responses((status = 200, body = Me), (status = 401, body = Problem, content_type = "application/problem+json"))
)]
async fn me(State(app): State<AppState>, caller: Caller) -> ApiResult<Json<Me>> {
    let p = caller.need(Need::SignedIn)?;
    let user = app.store.user(p.user_id).await?;
    Ok(Json(me_of(&caller, user)))
}

/// Change your own name or password
///
/// A new password needs the current one, and ends every other session.
#[utoipa::path(
    patch, path = "/auth/me", tag = "account",
    request_body = MeUpdate,
    responses(
        (status = 200, body = Me),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
async fn update_me(
    State(app): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Body(bytes): Body,
) -> ApiResult<Json<Me>> {
    let p = caller.need(Need::OwnWrite)?;
    require_json(&headers)?;
    let input: MeUpdate = parse_json(&bytes)?;
    if input.password.is_some() {
        let current = input.current_password.as_deref().unwrap_or("");
        let ip = caller.ip.clone().unwrap_or_else(|| "unknown".into());
        match app.store.check_login(&p.email, current, &ip).await? {
            LoginOutcome::Ok(_) => {}
            LoginOutcome::Wrong => {
                return Err(ApiError::invalid_field(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "/current_password",
                    "the current password is wrong",
                ));
            }
            LoginOutcome::Throttled { wait } => return Err(too_many_attempts(wait)),
        }
    }
    let user = app
        .store
        .update_user(
            p.user_id,
            UserPatch {
                display_name: input.display_name,
                password: input.password,
                keep_session: caller.session_token.clone(),
                ..Default::default()
            },
            &caller.actor(),
        )
        .await?;
    Ok(Json(me_of(&caller, user)))
}

/// Set your own availability
///
/// `away`: routing gives you no new tickets (what you have stays yours); `present`:
/// back in turn.
#[utoipa::path(
    put, path = "/auth/me/availability", tag = "account",
    request_body = AvailabilityUpdate,
    responses(
        (status = 200, body = Me),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
async fn set_my_availability(
    State(app): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Body(bytes): Body,
) -> ApiResult<Json<Me>> {
    let p = caller.need(Need::OwnWrite)?;
    require_json(&headers)?;
    let input: AvailabilityUpdate = parse_json(&bytes)?;
    let user = app
        .store
        .set_availability(p.user_id, input.availability, &caller.actor())
        .await?;
    Ok(Json(me_of(&caller, user)))
}

/// Whether the first admin still has to be created
#[utoipa::path(get, path = "/setup", tag = "account", security(()), responses((status = 200, body = SetupStatus)))]
async fn setup_status(State(app): State<AppState>) -> ApiResult<Json<SetupStatus>> {
    Ok(Json(SetupStatus {
        needed: app.store.active_admin_count().await? == 0,
    }))
}

/// Create the first admin with the one-time setup token
///
/// `docket serve` prints the token when no admin exists (or use `docket admin create`).
#[utoipa::path(
    post, path = "/setup", tag = "account", security(()),
    request_body = SetupRequest,
    responses(
        (status = 201, body = UserOut),
        (status = 403, description = "Setup is done, or the token is wrong", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
async fn setup(
    State(app): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Body(bytes): Body,
) -> ApiResult<(StatusCode, Json<UserOut>)> {
    require_json(&headers)?;
    let input: SetupRequest = parse_json(&bytes)?;
    let user = app
        .store
        .complete_setup(
            &input.token,
            NewUser {
                email: input.email,
                display_name: input.display_name,
                role: Role::Admin,
                kind: UserKind::Person,
                password: Some(input.password),
                skills: vec![],
                capacity: None,
            },
            caller.ip.clone(),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(user_out(user))))
}
