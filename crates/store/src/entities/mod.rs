//! sea-orm entities for the core tables (see the migrations crate for their DDL).

pub mod comment;
pub mod idempotency_key;
pub mod requester;
pub mod requester_identity;
pub mod ticket;
pub mod ticket_event;
pub mod ticket_tag;
pub mod ticket_type;
