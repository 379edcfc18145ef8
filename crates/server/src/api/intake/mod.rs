//! Inbound webhooks: sources that turn another system's signed POSTs into tickets.
//! `sources.rs` is the admins' side (sources, their secrets and delivery logs);
//! `receive.rs` the senders' endpoint, where the signature is the only credential.

mod receive;
mod sources;

use utoipa_axum::{router::OpenApiRouter, routes};

use super::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(sources::list_sources, sources::create_source))
        .routes(routes!(
            sources::get_source,
            sources::replace_source,
            sources::delete_source,
            receive::receive_delivery
        ))
        .routes(routes!(sources::rotate_secret))
        .routes(routes!(sources::list_deliveries))
}
