//! A typed client of Docket's REST API (`/api/v1`), on the wire types the server itself
//! uses (`docket-api`), for integrations such as the Discord adapter and for tests.
//!
//! ```no_run
//! # async fn run() -> Result<(), docket_client::ClientError> {
//! use docket_client::{Client, api::TicketUpdate};
//! let docket = Client::new("http://127.0.0.1:8080", "dkt_...")?;
//! let ticket = docket.get_ticket("IT-1042").await?;
//! let patch = TicketUpdate { status: Some("open".into()), ..Default::default() };
//! match docket.update_ticket("IT-1042", ticket.etag.as_deref(), &patch).await {
//!     Err(e) if e.is_precondition_failed() => { /* someone else changed it: re-read */ }
//!     other => { other?; }
//! }
//! # Ok(()) }
//! ```
//!
//! Every call has a connect and a request timeout, and retries what is safe to retry
//! (`RetryPolicy`); creates carry an Idempotency-Key reused by every retry. Errors are one
//! enum, `ClientError`. The operations the client calls are declared in `endpoints`,
//! which a test checks against the committed OpenAPI document.

mod attachments;
mod client;
mod directory;
mod discord;
pub mod endpoints;
mod error;
mod idempotency;
mod reports;
mod requesters;
mod retry;
mod sse;
mod tickets;

/// The wire types, as the server defines them.
pub use docket_api as api;
/// Workflows are core's type, served as is.
pub use docket_core::workflow::{Transition, Workflow, WorkflowState};

pub use client::{Client, ClientBuilder, Created, Versioned};
pub use error::{ClientError, Result};
pub use idempotency::new_idempotency_key;
pub use reports::SlaReportQuery;
pub use requesters::RequesterQuery;
pub use retry::RetryPolicy;
pub use sse::LiveEvent;
pub use tickets::{CommentQuery, PageQuery, TicketQuery};
