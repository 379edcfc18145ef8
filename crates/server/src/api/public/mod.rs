//! What anyone may use without an account: published ticket types as forms
//! (`forms.rs`) and follow links (`follow.rs`); and the admins' settings of a type's
//! form (`settings.rs`). Anonymous writes are throttled per client address (and per
//! email or ticket) through the store, so every instance counts alike.

mod follow;
mod forms;
mod settings;

use std::net::SocketAddr;

use axum::extract::ConnectInfo;
use axum::http::Extensions;
use docket_store::public::Limit;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::AppState;
use crate::error::{ApiError, ApiResult};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(forms::list_forms))
        .routes(routes!(forms::get_form, forms::submit_form))
        .routes(routes!(follow::get_followed))
        .routes(routes!(follow::reply_to_followed))
        .routes(routes!(
            settings::get_public_form_settings,
            settings::put_public_form_settings
        ))
}

/// The client's address as the connection shows it.
fn client_address(extensions: &Extensions) -> String {
    extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

/// Count an anonymous write against its limits: 429 with Retry-After when one is full.
async fn throttle(app: &AppState, limits: &[Limit]) -> ApiResult<docket_store::public::Attempt> {
    match app.store.take_public_attempt(limits).await? {
        Ok(attempt) => Ok(attempt),
        Err(wait) => {
            let seconds = (wait.num_milliseconds().max(0) as u64)
                .div_ceil(1000)
                .max(1);
            Err(ApiError::TooManyRequests {
                detail: format!("too many submissions; try again in {seconds} s"),
                retry_after: seconds,
            })
        }
    }
}
