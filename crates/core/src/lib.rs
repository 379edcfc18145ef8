//! docket-core: Docket's domain types and pure logic. No IO, no async: everything here
//! is a function of its inputs, so it is tested with plain unit and property tests.

pub mod access;
pub mod ai;
pub mod convert;
pub mod duplicates;
pub mod email_settings;
pub mod evolution;
pub mod fields;
pub mod intake;
pub mod mail_templates;
pub mod mentions;
pub mod routing;
pub mod sla;
pub mod stored;
pub mod summary;
pub mod ticket;
pub mod typedef;
pub mod workflow;
mod yaml_out;
