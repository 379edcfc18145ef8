//! Routing as pure logic: which member of a team a ticket goes to, by the team's rule.
//!
//! The store loads the teams' rules and round-robin cursors, their members and each
//! member's open work under locks (`docket-store`'s `routing.rs`), and asks a `Router`
//! one ticket after another; the router counts each pick at once, so a batch of creates
//! sees its own assignments (capacity and fairness hold within a batch too).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::access::{Role, UserKind};

/// How a team's new tickets reach an agent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RoutingRule {
    /// Nobody is picked: agents claim or assign tickets themselves.
    #[default]
    Manual,
    /// Eligible members in turn (by user id, after the last one picked).
    RoundRobin,
    /// The eligible member with the fewest open tickets (ties in turn).
    LeastOpen,
    /// Among eligible members whose skills cover most of the ticket's tags and the
    /// skills asked for, the one with the fewest open tickets; when none has any, the
    /// least loaded of all eligible members.
    Skills,
}

impl RoutingRule {
    pub fn as_str(self) -> &'static str {
        match self {
            RoutingRule::Manual => "manual",
            RoutingRule::RoundRobin => "round_robin",
            RoutingRule::LeastOpen => "least_open",
            RoutingRule::Skills => "skills",
        }
    }

    pub fn parse(s: &str) -> Option<RoutingRule> {
        [
            RoutingRule::Manual,
            RoutingRule::RoundRobin,
            RoutingRule::LeastOpen,
            RoutingRule::Skills,
        ]
        .into_iter()
        .find(|r| r.as_str() == s)
    }
}

/// Whether a user takes routed tickets now.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Availability {
    #[default]
    Present,
    /// Routing skips the user; tickets already assigned stay.
    Away,
}

impl Availability {
    pub fn as_str(self) -> &'static str {
        match self {
            Availability::Present => "present",
            Availability::Away => "away",
        }
    }

    pub fn parse(s: &str) -> Option<Availability> {
        [Availability::Present, Availability::Away]
            .into_iter()
            .find(|a| a.as_str() == s)
    }
}

/// A team member as routing sees them.
#[derive(Debug, Clone, PartialEq)]
pub struct Agent {
    pub id: i64,
    pub role: Role,
    pub kind: UserKind,
    pub active: bool,
    pub availability: Availability,
    /// The most open tickets routing gives them; 0: none.
    pub capacity: i32,
    /// Open tickets assigned to them now (status category new, open or pending).
    pub open: i64,
    pub skills: Vec<String>,
}

impl Agent {
    /// A person working tickets: active, an agent or admin (not a viewer, not a
    /// service account).
    fn staff(&self) -> bool {
        self.active
            && self.kind == UserKind::Person
            && matches!(self.role, Role::Agent | Role::Admin)
    }

    fn present(&self) -> bool {
        self.staff() && self.availability == Availability::Present
    }

    fn eligible(&self) -> bool {
        self.present() && self.open < i64::from(self.capacity)
    }
}

/// A team as routing sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct TeamRoute {
    pub rule: RoutingRule,
    /// The user picked last (round-robin continues after them).
    pub cursor: Option<i64>,
    pub members: BTreeSet<i64>,
}

/// What routing decided for one ticket.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decision {
    pub rule: RoutingRule,
    /// None: nobody eligible (or a manual team); the ticket keeps what it had.
    pub assignee_id: Option<i64>,
    /// Why, in words (for the audit event and the API).
    pub reason: String,
    /// The wanted skills the pick has (skills rule).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub matched_skills: Vec<String>,
    /// The skills rule found nobody with the skills and fell back to least open work.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub fallback: bool,
}

/// Teams and their members, with open work counted as picks are made.
#[derive(Debug, Clone, Default)]
pub struct Router {
    pub teams: HashMap<i64, TeamRoute>,
    pub agents: BTreeMap<i64, Agent>,
    /// Teams whose cursor moved (to be stored).
    pub moved: BTreeSet<i64>,
}

impl Router {
    /// The rule of a team (manual for a team unknown here).
    pub fn rule(&self, team: i64) -> RoutingRule {
        self.teams
            .get(&team)
            .map_or(RoutingRule::Manual, |t| t.rule)
    }

    /// A ticket leaves a user (it is being routed again): their open work drops by one.
    pub fn release(&mut self, user: i64) {
        if let Some(a) = self.agents.get_mut(&user) {
            a.open = (a.open - 1).max(0);
        }
    }

    /// Pick the agent of `team` for a ticket wanting `wanted` skills (its tags and any
    /// skills given, lower-case), and count the ticket as theirs.
    pub fn pick(&mut self, team: i64, wanted: &[String]) -> Decision {
        let Some(t) = self.teams.get(&team) else {
            return nobody(RoutingRule::Manual, "the team assigns by hand".into());
        };
        let rule = t.rule;
        if rule == RoutingRule::Manual {
            return nobody(rule, "the team assigns by hand".into());
        }
        // Members in turn: those after the cursor first, then from the start.
        let cursor = t.cursor.unwrap_or(i64::MIN);
        let (after, upto): (Vec<i64>, Vec<i64>) = t.members.iter().partition(|&&id| id > cursor);
        let turn: Vec<&Agent> = after
            .iter()
            .chain(&upto)
            .filter_map(|id| self.agents.get(id))
            .collect();
        let eligible: Vec<&Agent> = turn.iter().copied().filter(|a| a.eligible()).collect();
        if eligible.is_empty() {
            return nobody(rule, why_nobody(&turn));
        }
        let least = |among: &[&Agent]| -> i64 {
            // The first in turn among the least loaded.
            let min = among.iter().map(|a| a.open).min().unwrap_or(0);
            among
                .iter()
                .find(|a| a.open == min)
                .map(|a| a.id)
                .unwrap_or(0)
        };
        let (chosen, reason, matched, fallback) = match rule {
            RoutingRule::Manual => unreachable!("handled above"),
            RoutingRule::RoundRobin => (eligible[0].id, "next in turn".to_string(), vec![], false),
            RoutingRule::LeastOpen => {
                let id = least(&eligible);
                (
                    id,
                    format!("fewest open tickets ({})", self.agents[&id].open),
                    vec![],
                    false,
                )
            }
            RoutingRule::Skills => {
                let score = |a: &Agent| a.skills.iter().filter(|s| wanted.contains(s)).count();
                let best = eligible.iter().map(|a| score(a)).max().unwrap_or(0);
                if best == 0 {
                    let id = least(&eligible);
                    let reason = if wanted.is_empty() {
                        format!(
                            "no skills asked for; fewest open tickets ({})",
                            self.agents[&id].open
                        )
                    } else {
                        format!(
                            "no eligible agent has any of the skills {}; fewest open tickets ({})",
                            wanted.join(", "),
                            self.agents[&id].open
                        )
                    };
                    (id, reason, vec![], true)
                } else {
                    let skilled: Vec<&Agent> = eligible
                        .iter()
                        .copied()
                        .filter(|a| score(a) == best)
                        .collect();
                    let id = least(&skilled);
                    let matched: Vec<String> = wanted
                        .iter()
                        .filter(|s| self.agents[&id].skills.contains(s))
                        .cloned()
                        .collect();
                    let reason = format!(
                        "skills {}; fewest open tickets ({})",
                        matched.join(", "),
                        self.agents[&id].open
                    );
                    (id, reason, matched, false)
                }
            }
        };
        if let Some(a) = self.agents.get_mut(&chosen) {
            a.open += 1;
        }
        if let Some(t) = self.teams.get_mut(&team) {
            t.cursor = Some(chosen);
        }
        self.moved.insert(team);
        Decision {
            rule,
            assignee_id: Some(chosen),
            reason,
            matched_skills: matched,
            fallback,
        }
    }
}

fn nobody(rule: RoutingRule, reason: String) -> Decision {
    Decision {
        rule,
        assignee_id: None,
        reason,
        matched_skills: vec![],
        fallback: false,
    }
}

fn why_nobody(members: &[&Agent]) -> String {
    if members.is_empty() {
        "nobody eligible: the team has no members".into()
    } else if !members.iter().any(|a| a.staff()) {
        "nobody eligible: no member is an active agent or admin".into()
    } else if !members.iter().any(|a| a.present()) {
        "nobody eligible: every agent is away".into()
    } else {
        "nobody eligible: every present agent is at capacity".into()
    }
}

/// The skills a ticket asks for: its tags and the skills given (triage), lower-case,
/// each once.
pub fn wanted_skills(tags: &[String], extra: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in tags.iter().chain(extra) {
        let s = s.trim().to_lowercase();
        if !s.is_empty() && !out.contains(&s) {
            out.push(s);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agent(id: i64, open: i64, capacity: i32, skills: &[&str]) -> Agent {
        Agent {
            id,
            role: Role::Agent,
            kind: UserKind::Person,
            active: true,
            availability: Availability::Present,
            capacity,
            open,
            skills: skills.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn router(rule: RoutingRule, agents: Vec<Agent>) -> Router {
        let members = agents.iter().map(|a| a.id).collect();
        Router {
            teams: HashMap::from([(
                1,
                TeamRoute {
                    rule,
                    cursor: None,
                    members,
                },
            )]),
            agents: agents.into_iter().map(|a| (a.id, a)).collect(),
            moved: BTreeSet::new(),
        }
    }

    #[test]
    fn round_robin_takes_turns_and_skips_the_full() {
        let mut r = router(
            RoutingRule::RoundRobin,
            vec![
                agent(1, 0, 10, &[]),
                agent(2, 0, 1, &[]),
                agent(3, 0, 10, &[]),
            ],
        );
        let picks: Vec<_> = (0..5)
            .map(|_| r.pick(1, &[]).assignee_id.unwrap())
            .collect();
        assert_eq!(picks, [1, 2, 3, 1, 3]);
    }

    #[test]
    fn least_open_and_ties_in_turn() {
        let mut r = router(
            RoutingRule::LeastOpen,
            vec![
                agent(1, 3, 10, &[]),
                agent(2, 1, 10, &[]),
                agent(3, 1, 10, &[]),
            ],
        );
        let picks: Vec<_> = (0..4)
            .map(|_| r.pick(1, &[]).assignee_id.unwrap())
            .collect();
        assert_eq!(picks, [2, 3, 2, 3]);
    }

    #[test]
    fn skills_prefer_the_best_cover_then_fall_back() {
        let mut r = router(
            RoutingRule::Skills,
            vec![
                agent(1, 0, 10, &["vpn"]),
                agent(2, 5, 10, &["vpn", "mac"]),
                agent(3, 0, 10, &[]),
            ],
        );
        let d = r.pick(1, &["vpn".into(), "mac".into()]);
        assert_eq!((d.assignee_id, d.fallback), (Some(2), false));
        assert_eq!(d.matched_skills, ["vpn", "mac"]);
        let d = r.pick(1, &["printer".into()]);
        assert_eq!((d.assignee_id, d.fallback), (Some(3), true));
        assert!(d.reason.contains("printer"), "{}", d.reason);
    }

    #[test]
    fn nobody_eligible_says_why() {
        let mut away = agent(1, 0, 10, &[]);
        away.availability = Availability::Away;
        let mut viewer = agent(2, 0, 10, &[]);
        viewer.role = Role::Viewer;
        let mut r = router(
            RoutingRule::RoundRobin,
            vec![away, viewer, agent(3, 0, 0, &[])],
        );
        let d = r.pick(1, &[]);
        assert_eq!(d.assignee_id, None);
        assert!(d.reason.contains("capacity"), "{}", d.reason);
        let mut r = router(RoutingRule::LeastOpen, vec![]);
        assert!(r.pick(1, &[]).reason.contains("no members"));
    }

    #[test]
    fn wanted_skills_are_lower_case_and_unique() {
        assert_eq!(
            wanted_skills(&["VPN".into(), "mac".into()], &["vpn".into(), " ".into()]),
            ["vpn", "mac"]
        );
    }
}
