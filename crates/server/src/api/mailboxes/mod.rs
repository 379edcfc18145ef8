//! Inbound email: mailboxes (admins only: a mailbox creates tickets in any team's type
//! without a user behind it). `admin.rs` manages them, tests their connection, checks
//! them now and shows their logs; `raw.rs` takes raw mail that providers post.

mod admin;
mod raw;

use utoipa_axum::{router::OpenApiRouter, routes};

use super::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(admin::list_mailboxes, admin::create_mailbox))
        .routes(routes!(
            admin::get_mailbox,
            admin::replace_mailbox,
            admin::delete_mailbox
        ))
        .routes(routes!(admin::test_mailbox))
        .routes(routes!(admin::check_mailbox))
        .routes(routes!(admin::mailbox_log))
        .routes(routes!(raw::receive_raw))
}
