//! sea-orm entities for the core tables (see the migrations crate for their DDL).

pub mod api_token;
pub mod audit_entry;
pub mod comment;
pub mod idempotency_key;
pub mod login_attempt;
pub mod outbox_entry;
pub mod requester;
pub mod requester_identity;
pub mod saved_view;
pub mod secret;
pub mod session;
pub mod setup_token;
pub mod sla_calendar;
pub mod sla_clock;
pub mod sla_clock_event;
pub mod sla_escalation;
pub mod sla_policy;
pub mod team;
pub mod team_member;
pub mod ticket;
pub mod ticket_event;
pub mod ticket_tag;
pub mod ticket_type;
pub mod user;
