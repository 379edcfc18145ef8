//! Routing's wire types: a team's rule, a user's availability, and routing a ticket by
//! its team's rule (`POST /tickets/{key}/route`).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub use docket_core::routing::{Availability, RoutingRule};

use crate::TicketOut;

/// Set whether a user takes routed tickets.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AvailabilityUpdate {
    pub availability: Availability,
}

/// Route a ticket by its team's rule. The body may be empty.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RouteRequest {
    /// Skills to look for besides the ticket's tags (the `skills` rule), e.g. from
    /// triage.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skills: Vec<String>,
}

/// What routing decided.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RoutingDecisionOut {
    pub rule: RoutingRule,
    /// The agent picked; null when the team assigns by hand or nobody is eligible (the
    /// ticket keeps its assignee).
    pub assignee_id: Option<i64>,
    /// Why, in words.
    pub reason: String,
    /// The asked-for skills the agent has (`skills` rule).
    #[serde(default)]
    pub matched_skills: Vec<String>,
    /// Nobody had the skills: the least loaded eligible agent was picked.
    #[serde(default)]
    pub fallback: bool,
}

/// A ticket routed by its team's rule.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RouteOut {
    pub ticket: TicketOut,
    pub routing: RoutingDecisionOut,
}
