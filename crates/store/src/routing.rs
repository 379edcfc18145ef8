//! Routing: the team rows, members and open work a pick needs, read under locks, and
//! the cursors written back. The pick itself is `docket_core::routing::Router`.
//!
//! Locks (PostgreSQL; SQLite has one writer): the routed teams' rows, in id order,
//! `FOR NO KEY UPDATE` (the rule and round-robin cursor live there; membership changes
//! only take a key-share lock on the team and are not held up), then the rows of their
//! members, in id order, also `FOR NO KEY UPDATE`: an agent in two teams is routed by
//! one transaction at a time, so two teams never both fill their last free place. Open
//! work is counted after both, so it includes every routed assignment committed before
//! and none can be added until this transaction ends. Every transaction that routes
//! takes these locks after the ticket rows it locks (tickets, then teams, then users),
//! so routing adds no deadlock to the ones ticket writes already avoid.

use std::collections::{BTreeSet, HashMap};

use docket_core::access::{Role, UserKind};
use docket_core::routing::{Agent, Availability, Decision, Router, RoutingRule, TeamRoute};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, LockType, Order, Query};
use sea_orm::{ConnectionTrait, DbBackend};
use serde_json::{Value, json};

use crate::Result;

/// Status categories of open work (what capacity counts).
pub(crate) const OPEN_CATEGORIES: [&str; 3] = ["new", "open", "pending"];

/// Routed teams and their members, read under the routing locks.
pub(crate) struct Routing {
    router: Router,
    slugs: HashMap<i64, String>,
}

impl Routing {
    /// Lock the teams (those whose rule is not manual matter) and their members, and
    /// read their open work.
    pub(crate) async fn load<C: ConnectionTrait>(
        conn: &C,
        team_ids: impl IntoIterator<Item = i64>,
    ) -> Result<Routing> {
        let ids: BTreeSet<i64> = team_ids.into_iter().collect();
        let mut router = Router::default();
        let mut slugs = HashMap::new();
        if ids.is_empty() {
            return Ok(Routing { router, slugs });
        }
        let postgres = conn.get_database_backend() == DbBackend::Postgres;
        let mut stmt = Query::select();
        stmt.columns(["id", "slug", "routing_rule", "routing_cursor"].map(Alias::new))
            .from(Alias::new("teams"))
            .and_where(Expr::col(Alias::new("id")).is_in(ids.iter().copied()))
            .order_by(Alias::new("id"), Order::Asc);
        if postgres {
            stmt.lock(LockType::NoKeyUpdate);
        }
        for row in conn.query_all(&stmt).await? {
            let id: i64 = row.try_get("", "id")?;
            let rule: String = row.try_get("", "routing_rule")?;
            slugs.insert(id, row.try_get::<String>("", "slug")?);
            let rule = RoutingRule::parse(&rule).unwrap_or_default();
            if rule != RoutingRule::Manual {
                router.teams.insert(
                    id,
                    TeamRoute {
                        rule,
                        cursor: row.try_get("", "routing_cursor")?,
                        members: BTreeSet::new(),
                    },
                );
            }
        }
        if router.teams.is_empty() {
            return Ok(Routing { router, slugs });
        }
        let stmt = Query::select()
            .columns(["team_id", "user_id"].map(Alias::new))
            .from(Alias::new("team_members"))
            .and_where(Expr::col(Alias::new("team_id")).is_in(router.teams.keys().copied()))
            .to_owned();
        let mut users = BTreeSet::new();
        for row in conn.query_all(&stmt).await? {
            let team: i64 = row.try_get("", "team_id")?;
            let user: i64 = row.try_get("", "user_id")?;
            users.insert(user);
            if let Some(t) = router.teams.get_mut(&team) {
                t.members.insert(user);
            }
        }
        if users.is_empty() {
            return Ok(Routing { router, slugs });
        }
        let mut stmt = Query::select();
        stmt.columns(
            [
                "id",
                "role",
                "kind",
                "active",
                "availability",
                "capacity",
                "skills",
            ]
            .map(Alias::new),
        )
        .from(Alias::new("users"))
        .and_where(Expr::col(Alias::new("id")).is_in(users.iter().copied()))
        .order_by(Alias::new("id"), Order::Asc);
        if postgres {
            stmt.lock(LockType::NoKeyUpdate);
        }
        for row in conn.query_all(&stmt).await? {
            let id: i64 = row.try_get("", "id")?;
            let role: String = row.try_get("", "role")?;
            let kind: String = row.try_get("", "kind")?;
            let availability: String = row.try_get("", "availability")?;
            let skills: String = row.try_get("", "skills")?;
            router.agents.insert(
                id,
                Agent {
                    id,
                    role: Role::parse(&role).unwrap_or(Role::Viewer),
                    kind: UserKind::parse(&kind).unwrap_or(UserKind::Service),
                    active: row.try_get("", "active")?,
                    availability: Availability::parse(&availability).unwrap_or_default(),
                    capacity: row.try_get("", "capacity")?,
                    open: 0,
                    skills: serde_json::from_str(&skills).unwrap_or_default(),
                },
            );
        }
        let stmt = Query::select()
            .column(Alias::new("assignee_id"))
            .expr_as(Expr::col(Alias::new("id")).count(), Alias::new("open"))
            .from(Alias::new("tickets"))
            .and_where(Expr::col(Alias::new("assignee_id")).is_in(users.iter().copied()))
            .and_where(Expr::col(Alias::new("deleted_at")).is_null())
            .and_where(Expr::col(Alias::new("status_category")).is_in(OPEN_CATEGORIES))
            .group_by_col(Alias::new("assignee_id"))
            .to_owned();
        for row in conn.query_all(&stmt).await? {
            let id: i64 = row.try_get("", "assignee_id")?;
            let open: i64 = row.try_get("", "open")?;
            if let Some(a) = router.agents.get_mut(&id) {
                a.open = open;
            }
        }
        Ok(Routing { router, slugs })
    }

    /// Whether the team routes by a rule (as read under the lock).
    pub(crate) fn routes(&self, team: i64) -> bool {
        self.router.rule(team) != RoutingRule::Manual
    }

    /// A ticket routed again leaves its assignee: it no longer counts as theirs.
    pub(crate) fn release(&mut self, user: i64) {
        self.router.release(user);
    }

    /// Pick the agent for a ticket of `team` wanting `wanted` skills.
    pub(crate) fn pick(&mut self, team: i64, wanted: &[String]) -> Decision {
        self.router.pick(team, wanted)
    }

    /// The audit event's value for a decision.
    pub(crate) fn event(&self, team: i64, decision: &Decision) -> Value {
        let mut v = serde_json::to_value(decision).unwrap_or(Value::Null);
        if let Value::Object(m) = &mut v {
            m.insert("team".into(), json!(self.slugs.get(&team)));
        }
        v
    }

    /// Write the cursors that moved.
    pub(crate) async fn save<C: ConnectionTrait>(&self, conn: &C) -> Result<()> {
        for team in &self.router.moved {
            let Some(cursor) = self.router.teams.get(team).and_then(|t| t.cursor) else {
                continue;
            };
            let stmt = Query::update()
                .table(Alias::new("teams"))
                .value(Alias::new("routing_cursor"), cursor)
                .and_where(Expr::col(Alias::new("id")).eq(*team))
                .to_owned();
            conn.execute(&stmt).await?;
        }
        Ok(())
    }
}
