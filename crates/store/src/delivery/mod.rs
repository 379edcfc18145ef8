//! Notifications out. Every ticket change worth telling lands in the outbox in the
//! transaction of the change (`outbox.rs`, topics read off the change's events by
//! `topics.rs`); the dispatcher (`dispatch.rs`) turns each entry into deliveries (a
//! webhook subscription, an email address) and in-app notifications, and marks it
//! dispatched; the delivery queue (`queue.rs`) leases due deliveries to the server's
//! worker, which sends them and reports each attempt (retries with backoff, then dead).
//!
//! - `subscriptions.rs`: webhook subscriptions (their signing secrets are sealed).
//! - `inbox.rs`: each user's in-app notifications (the bell) and their preferences.
//! - `email.rs`: the email settings (SMTP relay, sender) and the admins' templates.
//! - `mentions.rs`: who an `@mention` in a comment names.

mod dispatch;
mod email;
mod inbox;
mod mentions;
pub mod outbox;
mod queue;
mod subscriptions;
pub mod topics;

pub use dispatch::DispatchOptions;
pub use email::EmailTemplate;
pub use inbox::{Preference, UserNotification};
pub use queue::{
    Attempt, DEFERRED_WAIT, Delivery, DeliveryFilter, DeliveryStatus, MAX_ATTEMPTS, Outcome,
    WEBHOOK_DISABLE_AFTER,
};
pub use subscriptions::{NewSubscription, Subscription, SubscriptionPatch};

/// Delivery channels.
pub const WEBHOOK: &str = "webhook";
pub const EMAIL: &str = "email";
