//! SLA policies: which tickets a policy applies to, its targets per priority, the
//! calendar its clocks count in, and what happens at the warning, the breach and when a
//! ticket stays breached.

use chrono::Duration;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::ticket::Priority;
use crate::typedef::{FieldError, is_identifier};

/// The longest target: one year of business minutes.
pub const MAX_TARGET_MINUTES: u32 = 525_600;
/// A policy has at most this many escalations.
pub const MAX_ESCALATIONS: usize = 20;
/// An escalation has at most this many actions.
pub const MAX_ACTIONS: usize = 10;
/// Each condition list has at most this many entries.
pub const MAX_CONDITION_VALUES: usize = 100;
pub const MAX_NAME_CHARS: usize = 100;
pub const MAX_DESCRIPTION_CHARS: usize = 2000;

/// What an SLA clock measures.
#[derive(
    Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// Creation to the first public reply by an agent.
    FirstResponse,
    /// A requester's reply to the agent's next public reply.
    NextResponse,
    /// Creation to solved.
    Resolution,
}

impl Metric {
    pub const ALL: [Metric; 3] = [
        Metric::FirstResponse,
        Metric::NextResponse,
        Metric::Resolution,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Metric::FirstResponse => "first_response",
            Metric::NextResponse => "next_response",
            Metric::Resolution => "resolution",
        }
    }

    pub fn parse(s: &str) -> Option<Metric> {
        Metric::ALL.into_iter().find(|m| m.as_str() == s)
    }
}

/// The points of a running clock at which escalations fire, in the order they come.
#[derive(
    Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Threshold {
    /// `warn_at_percent` of the target has passed.
    Warning,
    /// The target has passed.
    Breach,
    /// `still_breached_after` more minutes have passed since the breach.
    StillBreached,
}

impl Threshold {
    pub const ALL: [Threshold; 3] = [
        Threshold::Warning,
        Threshold::Breach,
        Threshold::StillBreached,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Threshold::Warning => "warning",
            Threshold::Breach => "breach",
            Threshold::StillBreached => "still_breached",
        }
    }

    pub fn parse(s: &str) -> Option<Threshold> {
        Threshold::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// Targets in minutes of business time; absent = no target for that metric.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Targets {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = 60)]
    pub first_response: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = 60)]
    pub next_response: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = 480)]
    pub resolution: Option<u32>,
}

impl Targets {
    pub fn get(&self, metric: Metric) -> Option<u32> {
        match metric {
            Metric::FirstResponse => self.first_response,
            Metric::NextResponse => self.next_response,
            Metric::Resolution => self.resolution,
        }
    }
}

/// Targets for each priority.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PriorityTargets {
    #[serde(rename = "P0", default)]
    pub p0: Targets,
    #[serde(rename = "P1", default)]
    pub p1: Targets,
    #[serde(rename = "P2", default)]
    pub p2: Targets,
    #[serde(rename = "P3", default)]
    pub p3: Targets,
}

impl PriorityTargets {
    pub fn get(&self, priority: Priority) -> &Targets {
        match priority {
            Priority::P0 => &self.p0,
            Priority::P1 => &self.p1,
            Priority::P2 => &self.p2,
            Priority::P3 => &self.p3,
        }
    }
}

/// Which tickets a policy applies to. Every non-empty list must match; an empty list
/// matches any ticket.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Conditions {
    /// Ticket type slugs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schema(example = json!(["it_support"]))]
    pub types: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub priorities: Vec<Priority>,
    /// Matches a ticket carrying any of these tags.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Requester organisations, compared case-insensitively.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub organizations: Vec<String>,
}

/// What an escalation does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum Action {
    /// Send a notification (an outbox event). No recipients means the assignee and the
    /// team.
    Notify {
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        to: Vec<Recipient>,
    },
    /// Assign the ticket to a user or to a team (exactly one of them).
    Reassign {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        user_id: Option<i64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        team: Option<String>,
    },
    /// Make the ticket one priority more urgent (P0 stays P0).
    RaisePriority,
}

impl Action {
    /// The recipients of a Notify action, the default filled in; empty for others.
    pub fn recipients(&self) -> Vec<Recipient> {
        match self {
            Action::Notify { to } if to.is_empty() => vec![Recipient::Assignee, Recipient::Team],
            Action::Notify { to } => to.clone(),
            _ => Vec::new(),
        }
    }
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Recipient {
    /// The ticket's assignee.
    Assignee,
    /// The members of the ticket's team.
    Team,
    /// Every admin.
    Admins,
}

/// Actions to take when a clock reaches a threshold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Escalation {
    pub on: Threshold,
    /// The clocks this applies to; empty = all.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub metrics: Vec<Metric>,
    pub actions: Vec<Action>,
}

/// An SLA policy as admins write it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicySpec {
    #[schema(example = "VIP customers")]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default = "default_enabled")]
    pub enabled: bool,
    /// Policies are tried by position (lower first), then by name; the first enabled one
    /// whose conditions match applies.
    #[serde(default)]
    pub position: i32,
    #[serde(default)]
    pub conditions: Conditions,
    pub targets: PriorityTargets,
    /// The name of the business calendar the clocks count in; none = around the clock.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calendar: Option<String>,
    /// The warning fires when this share of a target has passed (1 to 99).
    #[serde(default = "default_warn_at_percent")]
    #[schema(minimum = 1, maximum = 99, example = 80)]
    pub warn_at_percent: u8,
    /// Minutes of business time after a breach at which it counts as still breached.
    #[serde(default = "default_still_breached_after")]
    #[schema(minimum = 1, example = 60)]
    pub still_breached_after: u32,
    #[serde(default)]
    pub escalations: Vec<Escalation>,
}

fn default_enabled() -> bool {
    true
}

fn default_warn_at_percent() -> u8 {
    80
}

fn default_still_breached_after() -> u32 {
    60
}

/// What a policy's conditions are matched against.
#[derive(Debug, Clone, Copy)]
pub struct TicketFacts<'a> {
    pub type_slug: &'a str,
    pub priority: Priority,
    pub tags: &'a [String],
    pub organization: Option<&'a str>,
}

impl PolicySpec {
    /// Every problem of the policy, each with its JSON pointer into the policy body.
    pub fn check(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        let mut push =
            |pointer: String, message: String| errors.push(FieldError { pointer, message });

        if let Some(message) = text_problem(&self.name, MAX_NAME_CHARS) {
            push("/name".into(), message);
        }
        if let Some(description) = &self.description
            && description.chars().count() > MAX_DESCRIPTION_CHARS
        {
            push(
                "/description".into(),
                format!("at most {MAX_DESCRIPTION_CHARS} characters"),
            );
        }

        let c = &self.conditions;
        let lists: [(&str, usize); 4] = [
            ("types", c.types.len()),
            ("priorities", c.priorities.len()),
            ("tags", c.tags.len()),
            ("organizations", c.organizations.len()),
        ];
        for (list, len) in lists {
            if len > MAX_CONDITION_VALUES {
                push(
                    format!("/conditions/{list}"),
                    format!("at most {MAX_CONDITION_VALUES} values"),
                );
            }
        }
        for (i, t) in c.types.iter().enumerate() {
            if !is_identifier(t) {
                push(
                    format!("/conditions/types/{i}"),
                    format!("{t:?} is not a type slug (a-z, 0-9 and _, starting with a letter)"),
                );
            }
        }
        for (i, tag) in c.tags.iter().enumerate() {
            let message = if tag.trim().is_empty() {
                Some("a tag cannot be empty".to_string())
            } else if *tag != tag.to_lowercase() {
                Some(format!("tags are lowercase: {:?}", tag.to_lowercase()))
            } else {
                text_problem(tag, MAX_NAME_CHARS)
            };
            if let Some(message) = message {
                push(format!("/conditions/tags/{i}"), message);
            }
        }
        for (i, org) in c.organizations.iter().enumerate() {
            if let Some(message) = text_problem(org, 200) {
                push(format!("/conditions/organizations/{i}"), message);
            }
        }
        duplicates(&c.types, "/conditions/types", &mut push);
        duplicates(&c.priorities, "/conditions/priorities", &mut push);
        duplicates(&c.tags, "/conditions/tags", &mut push);

        for p in Priority::ALL {
            for m in Metric::ALL {
                if let Some(minutes) = self.targets.get(p).get(m)
                    && !(1..=MAX_TARGET_MINUTES).contains(&minutes)
                {
                    push(
                        format!("/targets/{}/{}", p.as_str(), m.as_str()),
                        format!("a target is 1 to {MAX_TARGET_MINUTES} minutes"),
                    );
                }
            }
        }

        if let Some(calendar) = &self.calendar
            && let Some(message) = text_problem(calendar, MAX_NAME_CHARS)
        {
            push("/calendar".into(), message);
        }
        if !(1..=99).contains(&self.warn_at_percent) {
            push(
                "/warn_at_percent".into(),
                "the warning is at 1 to 99 percent of the target".into(),
            );
        }
        if !(1..=MAX_TARGET_MINUTES).contains(&self.still_breached_after) {
            push(
                "/still_breached_after".into(),
                format!("1 to {MAX_TARGET_MINUTES} minutes"),
            );
        }

        if self.escalations.len() > MAX_ESCALATIONS {
            push(
                "/escalations".into(),
                format!("at most {MAX_ESCALATIONS} escalations"),
            );
        }
        for (i, esc) in self.escalations.iter().enumerate() {
            let at = format!("/escalations/{i}");
            duplicates(&esc.metrics, &format!("{at}/metrics"), &mut push);
            if esc.actions.is_empty() {
                push(format!("{at}/actions"), "at least one action".into());
            } else if esc.actions.len() > MAX_ACTIONS {
                push(
                    format!("{at}/actions"),
                    format!("at most {MAX_ACTIONS} actions"),
                );
            }
            for (j, action) in esc.actions.iter().enumerate() {
                let at = format!("{at}/actions/{j}");
                match action {
                    Action::Notify { to } => duplicates(to, &format!("{at}/to"), &mut push),
                    Action::Reassign { user_id, team } => match (user_id, team) {
                        (Some(_), Some(_)) | (None, None) => {
                            push(at, "reassign to exactly one of user_id and team".into())
                        }
                        (Some(id), None) if *id <= 0 => {
                            push(format!("{at}/user_id"), "not a user id".into())
                        }
                        (None, Some(team)) if !is_identifier(team) => push(
                            format!("{at}/team"),
                            format!(
                                "{team:?} is not a team slug (a-z, 0-9 and _, starting with a letter)"
                            ),
                        ),
                        _ => {}
                    },
                    Action::RaisePriority => {}
                }
            }
        }
        errors
    }

    /// The policy that applies when no other does: no conditions, around the clock.
    pub fn default_policy() -> PolicySpec {
        let targets = |first: u32, resolution: u32| Targets {
            first_response: Some(first),
            next_response: Some(first),
            resolution: Some(resolution),
        };
        let notify = |to: &[Recipient]| Action::Notify { to: to.to_vec() };
        use Recipient::{Admins, Assignee, Team};
        PolicySpec {
            name: "default".into(),
            description: Some("Applies when no other policy matches.".into()),
            enabled: true,
            position: 1000,
            conditions: Conditions::default(),
            targets: PriorityTargets {
                p0: targets(15, 2 * 60),
                p1: targets(60, 8 * 60),
                p2: targets(4 * 60, 24 * 60),
                p3: targets(8 * 60, 72 * 60),
            },
            calendar: None,
            warn_at_percent: default_warn_at_percent(),
            still_breached_after: default_still_breached_after(),
            escalations: vec![
                Escalation {
                    on: Threshold::Warning,
                    metrics: Vec::new(),
                    actions: vec![notify(&[Assignee, Team])],
                },
                Escalation {
                    on: Threshold::Breach,
                    metrics: Vec::new(),
                    actions: vec![notify(&[Assignee, Team, Admins])],
                },
                Escalation {
                    on: Threshold::StillBreached,
                    metrics: Vec::new(),
                    actions: vec![notify(&[Admins])],
                },
            ],
        }
    }

    /// Whether the ticket meets every condition (whether the policy is enabled is not
    /// looked at; [`select`] does that).
    pub fn matches(&self, facts: &TicketFacts) -> bool {
        let c = &self.conditions;
        (c.types.is_empty() || c.types.iter().any(|t| t == facts.type_slug))
            && (c.priorities.is_empty() || c.priorities.contains(&facts.priority))
            && (c.tags.is_empty()
                || facts.tags.iter().any(|tag| {
                    let tag = tag.to_lowercase();
                    c.tags.iter().any(|want| want.to_lowercase() == tag)
                }))
            && (c.organizations.is_empty()
                || facts.organization.is_some_and(|org| {
                    let org = org.trim().to_lowercase();
                    c.organizations
                        .iter()
                        .any(|want| want.trim().to_lowercase() == org)
                }))
    }

    /// The target for a metric at a priority, if the policy sets one.
    pub fn target(&self, priority: Priority, metric: Metric) -> Option<Duration> {
        self.targets
            .get(priority)
            .get(metric)
            .map(|minutes| Duration::minutes(i64::from(minutes)))
    }

    /// How much business time after the clock's start a threshold is reached.
    pub fn threshold_amount(&self, target: Duration, threshold: Threshold) -> Duration {
        match threshold {
            Threshold::Warning => {
                let ms = i128::from(target.num_milliseconds());
                let seconds = (ms * i128::from(self.warn_at_percent) / 100).div_euclid(1000);
                Duration::seconds(seconds as i64)
            }
            Threshold::Breach => target,
            Threshold::StillBreached => target
                .checked_add(&Duration::minutes(i64::from(self.still_breached_after)))
                .unwrap_or(Duration::MAX),
        }
    }

    /// The actions of every escalation on this threshold that covers the metric, in the
    /// order they are written.
    pub fn actions_for(&self, threshold: Threshold, metric: Metric) -> Vec<&Action> {
        self.escalations
            .iter()
            .filter(|e| e.on == threshold && (e.metrics.is_empty() || e.metrics.contains(&metric)))
            .flat_map(|e| e.actions.iter())
            .collect()
    }
}

/// The first enabled policy (by position, then name) whose conditions match.
pub fn select<'a>(policies: &'a [PolicySpec], facts: &TicketFacts) -> Option<&'a PolicySpec> {
    policies
        .iter()
        .filter(|p| p.enabled && p.matches(facts))
        .min_by(|a, b| (a.position, &a.name).cmp(&(b.position, &b.name)))
}

/// One step more urgent; P0 stays P0.
pub fn raise(p: Priority) -> Priority {
    match p {
        Priority::P0 | Priority::P1 => Priority::P0,
        Priority::P2 => Priority::P1,
        Priority::P3 => Priority::P2,
    }
}

/// Why a name-like text is not acceptable, if it is not.
fn text_problem(s: &str, max: usize) -> Option<String> {
    if s.trim().is_empty() {
        Some("cannot be empty".into())
    } else if s.chars().count() > max {
        Some(format!("at most {max} characters"))
    } else if s.chars().any(char::is_control) {
        Some("cannot contain control characters".into())
    } else {
        None
    }
}

/// Report the second and later occurrence of each value.
fn duplicates<T: PartialEq + std::fmt::Debug>(
    values: &[T],
    pointer: &str,
    push: &mut impl FnMut(String, String),
) {
    for (i, v) in values.iter().enumerate() {
        if values[..i].contains(v) {
            push(format!("{pointer}/{i}"), format!("{v:?} is listed twice"));
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn facts<'a>(
        type_slug: &'a str,
        priority: Priority,
        tags: &'a [String],
        organization: Option<&'a str>,
    ) -> TicketFacts<'a> {
        TicketFacts {
            type_slug,
            priority,
            tags,
            organization,
        }
    }

    fn policy(name: &str, position: i32, conditions: serde_json::Value) -> PolicySpec {
        serde_json::from_value(json!({
            "name": name,
            "position": position,
            "conditions": conditions,
            "targets": {"P1": {"first_response": 30}}
        }))
        .unwrap()
    }

    #[test]
    fn conditions_match() {
        let p = policy(
            "vip",
            0,
            json!({
                "types": ["it_support", "complaint"],
                "priorities": ["P0", "P1"],
                "tags": ["vip", "escalated"],
                "organizations": ["ACME Corp"]
            }),
        );
        let tags = vec!["billing".to_string(), "VIP".to_string()];
        let none: Vec<String> = vec![];
        assert!(p.matches(&facts("it_support", Priority::P1, &tags, Some("acme corp"))));
        assert!(p.matches(&facts("complaint", Priority::P0, &tags, Some("ACME CORP"))));
        assert!(!p.matches(&facts("it_support", Priority::P2, &tags, Some("acme corp"))));
        assert!(!p.matches(&facts(
            "discord_support",
            Priority::P1,
            &tags,
            Some("ACME Corp")
        )));
        assert!(!p.matches(&facts("it_support", Priority::P1, &none, Some("ACME Corp"))));
        assert!(!p.matches(&facts("it_support", Priority::P1, &tags, None)));
        assert!(!p.matches(&facts("it_support", Priority::P1, &tags, Some("ACME"))));

        let any = policy("any", 0, json!({}));
        assert!(any.matches(&facts("x", Priority::P3, &none, None)));
        // Each list on its own.
        let orgs = policy("orgs", 0, json!({"organizations": ["Straße AG"]}));
        // Case folding is lowercasing, not full Unicode folding: ß is not SS.
        assert!(!orgs.matches(&facts("x", Priority::P3, &none, Some("STRASSE AG"))));
        assert!(orgs.matches(&facts("x", Priority::P3, &none, Some("straße ag"))));
    }

    #[test]
    fn selection_by_position_then_name_skipping_disabled() {
        let mut disabled = policy("a_disabled", -10, json!({}));
        disabled.enabled = false;
        let policies = vec![
            PolicySpec::default_policy(),
            policy("zeta", 5, json!({"priorities": ["P0"]})),
            policy("beta", 5, json!({"priorities": ["P0", "P1"]})),
            disabled,
            policy("alpha", 10, json!({})),
            policy("tagged", 1, json!({"tags": ["vip"]})),
        ];
        let none: Vec<String> = vec![];
        let vip = vec!["vip".to_string()];
        let pick = |priority, tags| select(&policies, &facts("t", priority, tags, None)).unwrap();
        assert_eq!(pick(Priority::P0, &none).name, "beta");
        assert_eq!(pick(Priority::P1, &none).name, "beta");
        assert_eq!(pick(Priority::P2, &none).name, "alpha");
        assert_eq!(pick(Priority::P2, &vip).name, "tagged");
        assert_eq!(
            select(&policies[..1], &facts("t", Priority::P3, &none, None))
                .unwrap()
                .name,
            "default"
        );
        assert!(select(&policies[1..3], &facts("t", Priority::P3, &none, None)).is_none());
    }

    #[test]
    fn the_default_policy() {
        let p = PolicySpec::default_policy();
        assert!(p.check().is_empty(), "{:?}", p.check());
        assert_eq!(p.name, "default");
        assert_eq!(p.position, 1000);
        assert!(p.enabled && p.calendar.is_none());
        let minutes = |pr, m| p.target(pr, m).unwrap().num_minutes();
        use Metric::*;
        use Priority::*;
        for (pr, first, resolution) in [
            (P0, 15, 120),
            (P1, 60, 480),
            (P2, 240, 1440),
            (P3, 480, 4320),
        ] {
            assert_eq!(minutes(pr, FirstResponse), first);
            assert_eq!(minutes(pr, NextResponse), first);
            assert_eq!(minutes(pr, Resolution), resolution);
        }
        assert_eq!((p.warn_at_percent, p.still_breached_after), (80, 60));
        assert_eq!(
            p.actions_for(Threshold::Warning, Resolution),
            vec![&Action::Notify {
                to: vec![Recipient::Assignee, Recipient::Team]
            }]
        );
        assert_eq!(
            p.actions_for(Threshold::Breach, FirstResponse)[0].recipients(),
            vec![Recipient::Assignee, Recipient::Team, Recipient::Admins]
        );
        assert_eq!(
            p.actions_for(Threshold::StillBreached, NextResponse),
            vec![&Action::Notify {
                to: vec![Recipient::Admins]
            }]
        );
    }

    #[test]
    fn thresholds() {
        let mut p = PolicySpec::default_policy();
        let target = Duration::minutes(15);
        assert_eq!(
            p.threshold_amount(target, Threshold::Warning),
            Duration::minutes(12)
        );
        assert_eq!(p.threshold_amount(target, Threshold::Breach), target);
        assert_eq!(
            p.threshold_amount(target, Threshold::StillBreached),
            Duration::minutes(75)
        );
        // 7 minutes at 33%: 138.6 s, rounded down.
        p.warn_at_percent = 33;
        assert_eq!(
            p.threshold_amount(Duration::minutes(7), Threshold::Warning),
            Duration::seconds(138)
        );
        assert_eq!(
            p.threshold_amount(Duration::minutes(1), Threshold::Warning),
            Duration::seconds(19)
        );
    }

    #[test]
    fn actions_by_threshold_and_metric() {
        let p: PolicySpec = serde_json::from_value(json!({
            "name": "x",
            "targets": {},
            "escalations": [
                {"on": "breach", "metrics": ["resolution"], "actions": [{"action": "raise_priority"}]},
                {"on": "breach", "actions": [{"action": "notify"}]},
                {"on": "warning", "metrics": ["first_response", "next_response"],
                 "actions": [{"action": "reassign", "team": "tier2"}]}
            ]
        }))
        .unwrap();
        assert_eq!(
            p.actions_for(Threshold::Breach, Metric::Resolution),
            vec![&Action::RaisePriority, &Action::Notify { to: vec![] }]
        );
        assert_eq!(
            p.actions_for(Threshold::Breach, Metric::FirstResponse),
            vec![&Action::Notify { to: vec![] }]
        );
        assert_eq!(
            p.actions_for(Threshold::Warning, Metric::Resolution).len(),
            0
        );
        assert_eq!(
            p.actions_for(Threshold::Warning, Metric::NextResponse),
            vec![&Action::Reassign {
                user_id: None,
                team: Some("tier2".into())
            }]
        );
        assert!(
            p.actions_for(Threshold::StillBreached, Metric::Resolution)
                .is_empty()
        );
        assert_eq!(
            Action::Notify { to: vec![] }.recipients(),
            vec![Recipient::Assignee, Recipient::Team]
        );
    }

    #[test]
    fn check_reports_every_problem_with_its_pointer() {
        let p: PolicySpec = serde_json::from_value(json!({
            "name": "bad\u{7}name",
            "conditions": {
                "types": ["IT Support", "complaint", "complaint"],
                "tags": ["VIP", "", "ok"],
                "organizations": ["  "]
            },
            "targets": {"P0": {"first_response": 0}, "P3": {"resolution": 525601}},
            "calendar": "",
            "warn_at_percent": 100,
            "still_breached_after": 0,
            "escalations": [
                {"on": "warning", "metrics": ["resolution", "resolution"], "actions": []},
                {"on": "breach", "actions": [
                    {"action": "notify", "to": ["admins", "team", "admins"]},
                    {"action": "reassign"},
                    {"action": "reassign", "user_id": 3, "team": "ops"},
                    {"action": "reassign", "team": "Ops Team"},
                    {"action": "reassign", "user_id": 0},
                    {"action": "reassign", "user_id": 7}
                ]}
            ]
        }))
        .unwrap();
        let pointers: Vec<String> = p.check().into_iter().map(|e| e.pointer).collect();
        assert_eq!(
            pointers,
            vec![
                "/name",
                "/conditions/types/0",
                "/conditions/tags/0",
                "/conditions/tags/1",
                "/conditions/organizations/0",
                "/conditions/types/2",
                "/targets/P0/first_response",
                "/targets/P3/resolution",
                "/calendar",
                "/warn_at_percent",
                "/still_breached_after",
                "/escalations/0/metrics/1",
                "/escalations/0/actions",
                "/escalations/1/actions/0/to/2",
                "/escalations/1/actions/1",
                "/escalations/1/actions/2",
                "/escalations/1/actions/3/team",
                "/escalations/1/actions/4/user_id",
            ]
        );

        let mut many = PolicySpec::default_policy();
        many.name = "x".repeat(101);
        many.escalations = vec![many.escalations[0].clone(); 21];
        let pointers: Vec<String> = many.check().into_iter().map(|e| e.pointer).collect();
        assert_eq!(pointers, vec!["/name", "/escalations"]);
    }

    #[test]
    fn serde_shapes() {
        let body = json!({
            "name": "VIP customers",
            "description": "Faster answers for ACME",
            "position": 10,
            "conditions": {"types": ["it_support"], "priorities": ["P0", "P1"], "tags": ["vip"],
                           "organizations": ["ACME Corp"]},
            "targets": {
                "P0": {"first_response": 10, "next_response": 10, "resolution": 60},
                "P1": {"first_response": 30, "resolution": 240},
                "P2": {},
                "P3": {"resolution": 2880}
            },
            "calendar": "office_berlin",
            "warn_at_percent": 75,
            "still_breached_after": 30,
            "escalations": [
                {"on": "warning", "actions": [{"action": "notify", "to": ["assignee"]}]},
                {"on": "breach", "metrics": ["first_response"],
                 "actions": [{"action": "reassign", "user_id": 42}, {"action": "notify"}]},
                {"on": "still_breached", "actions": [{"action": "raise_priority"},
                                                      {"action": "reassign", "team": "tier2"}]}
            ]
        });
        let p: PolicySpec = serde_json::from_value(body.clone()).unwrap();
        assert!(p.check().is_empty(), "{:?}", p.check());
        assert!(p.enabled, "enabled unless said otherwise");
        assert_eq!(p.targets.p1.next_response, None);
        assert_eq!(
            p.target(Priority::P3, Metric::Resolution),
            Some(Duration::hours(48))
        );
        assert_eq!(p.target(Priority::P2, Metric::Resolution), None);
        // What is written is what is read back.
        assert_eq!(serde_json::to_value(&p).unwrap(), {
            let mut b = body;
            b["enabled"] = json!(true);
            b
        });
        let default = PolicySpec::default_policy();
        let text = serde_json::to_string(&default).unwrap();
        assert_eq!(serde_json::from_str::<PolicySpec>(&text).unwrap(), default);

        // Defaults of a minimal body.
        let min: PolicySpec = serde_json::from_value(json!({"name": "m", "targets": {}})).unwrap();
        assert_eq!(
            (
                min.enabled,
                min.position,
                min.warn_at_percent,
                min.still_breached_after
            ),
            (true, 0, 80, 60)
        );
        assert_eq!(min.conditions, Conditions::default());

        // Typos are refused, not ignored.
        for bad in [
            json!({"name": "m", "targets": {}, "warn_at": 50}),
            json!({"name": "m", "targets": {"p1": {}}}),
            json!({"name": "m", "targets": {"P1": {"first_respons": 5}}}),
            json!({"name": "m", "targets": {}, "conditions": {"tag": ["x"]}}),
            json!({"name": "m", "targets": {}, "escalations": [{"on": "breached", "actions": []}]}),
            json!({"name": "m", "targets": {}, "escalations": [{"on": "breach",
                   "actions": [{"action": "notify", "too": ["admins"]}]}]}),
            json!({"name": "m", "targets": {}, "escalations": [{"on": "breach",
                   "actions": [{"action": "page"}]}]}),
            json!({"name": "m", "targets": {}, "warn_at_percent": 300}),
        ] {
            assert!(
                serde_json::from_value::<PolicySpec>(bad.clone()).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn openapi_schemas() {
        use utoipa::PartialSchema;
        let action = serde_json::to_value(Action::schema()).unwrap();
        let text = action.to_string();
        for name in [
            "notify",
            "reassign",
            "raise_priority",
            "user_id",
            "\"action\"",
        ] {
            assert!(text.contains(name), "{name} missing from {text}");
        }
        let policy = serde_json::to_value(PolicySpec::schema()).unwrap();
        assert!(
            policy["required"]
                .as_array()
                .unwrap()
                .contains(&json!("targets"))
        );
        let targets = serde_json::to_value(PriorityTargets::schema()).unwrap();
        assert!(targets["properties"]["P0"].is_object(), "{targets}");
    }

    #[test]
    fn names_and_raising() {
        for m in Metric::ALL {
            assert_eq!(Metric::parse(m.as_str()), Some(m));
            assert_eq!(serde_json::to_value(m).unwrap(), json!(m.as_str()));
        }
        for t in Threshold::ALL {
            assert_eq!(Threshold::parse(t.as_str()), Some(t));
            assert_eq!(serde_json::to_value(t).unwrap(), json!(t.as_str()));
        }
        assert_eq!(Metric::parse("resolved"), None);
        assert!(
            Threshold::Warning < Threshold::Breach && Threshold::Breach < Threshold::StillBreached
        );
        assert_eq!(raise(Priority::P3), Priority::P2);
        assert_eq!(raise(Priority::P2), Priority::P1);
        assert_eq!(raise(Priority::P1), Priority::P0);
        assert_eq!(raise(Priority::P0), Priority::P0);
    }
}
