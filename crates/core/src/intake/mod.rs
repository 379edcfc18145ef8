//! Inbound webhooks as pure logic: how a source's payload becomes a ticket
//! (`mapping.rs`: the mapping document, its checks against a type, and applying it to a
//! payload) and how a delivery proves it comes from the source (`signature.rs`: HMAC
//! schemes, checked in constant time over the raw bytes). The server reads the headers
//! and the store keeps sources, secrets and the delivery log.

pub mod mapping;
pub mod signature;

pub use mapping::{Mapped, MappedTicket, Mapping, PriorityMapping};
pub use signature::{Refusal, Scheme};
