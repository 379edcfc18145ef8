//! Teams and their members. A ticket type names the teams that handle it.

use docket_core::routing::RoutingRule;
use docket_core::typedef::is_identifier;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder,
};
use serde_json::Value;

use super::{Actor, Team, audit, check_name, field_error};
use crate::entities::{team, team_member, user};
use crate::{Result, Store, StoreError};

async fn team_row<C: ConnectionTrait>(conn: &C, slug: &str) -> Result<team::Model> {
    team::Entity::find()
        .filter(team::Column::Slug.eq(slug))
        .one(conn)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("team `{slug}`")))
}

impl Store {
    pub async fn teams(&self) -> Result<Vec<Team>> {
        let teams = team::Entity::find()
            .order_by_asc(team::Column::Slug)
            .all(&self.db)
            .await?;
        let members = team_member::Entity::find().all(&self.db).await?;
        Ok(teams
            .into_iter()
            .map(|t| Team {
                members: members
                    .iter()
                    .filter(|m| m.team_id == t.id)
                    .map(|m| m.user_id)
                    .collect(),
                id: t.id,
                slug: t.slug,
                name: t.name,
                description: t.description,
                routing: RoutingRule::parse(&t.routing_rule).unwrap_or_default(),
            })
            .collect())
    }

    pub async fn team(&self, slug: &str) -> Result<Team> {
        let t = team_row(&self.db, slug).await?;
        let members = team_member::Entity::find()
            .filter(team_member::Column::TeamId.eq(t.id))
            .order_by_asc(team_member::Column::UserId)
            .all(&self.db)
            .await?;
        Ok(Team {
            members: members.into_iter().map(|m| m.user_id).collect(),
            id: t.id,
            slug: t.slug,
            name: t.name,
            description: t.description,
            routing: RoutingRule::parse(&t.routing_rule).unwrap_or_default(),
        })
    }

    pub async fn create_team(
        &self,
        slug: &str,
        name: &str,
        description: &str,
        actor: &Actor,
    ) -> Result<Team> {
        let mut errors = Vec::new();
        if !is_identifier(slug) {
            errors.push(field_error(
                "/slug",
                "lower-case letters, digits and _, starting with a letter",
            ));
        }
        check_name(name, "/name", &mut errors);
        if !errors.is_empty() {
            return Err(StoreError::Invalid(errors));
        }
        let txn = self.begin_write().await?;
        if team::Entity::find()
            .filter(team::Column::Slug.eq(slug))
            .one(&txn)
            .await?
            .is_some()
        {
            return Err(StoreError::Conflict(format!("team `{slug}` exists")));
        }
        let at = self.clock.now();
        team::Entity::insert(team::ActiveModel {
            slug: Set(slug.to_string()),
            name: Set(name.trim().to_string()),
            description: Set(description.to_string()),
            created_at: Set(at),
            updated_at: Set(at),
            ..Default::default()
        })
        .exec(&txn)
        .await?;
        audit(
            &txn,
            self.clock.now(),
            actor,
            "team.create",
            &format!("team:{slug}"),
            serde_json::json!({"name": name}),
        )
        .await?;
        txn.commit().await?;
        self.team(slug).await
    }

    pub async fn update_team(
        &self,
        slug: &str,
        name: Option<&str>,
        description: Option<&str>,
        routing: Option<RoutingRule>,
        actor: &Actor,
    ) -> Result<Team> {
        let mut errors = Vec::new();
        if let Some(n) = name {
            check_name(n, "/name", &mut errors);
        }
        if !errors.is_empty() {
            return Err(StoreError::Invalid(errors));
        }
        let txn = self.begin_write().await?;
        let t = team_row(&txn, slug).await?;
        let mut am: team::ActiveModel = t.into();
        if let Some(n) = name {
            am.name = Set(n.trim().to_string());
        }
        if let Some(d) = description {
            am.description = Set(d.to_string());
        }
        if let Some(r) = routing {
            am.routing_rule = Set(r.as_str().to_string());
        }
        am.updated_at = Set(self.clock.now());
        am.update(&txn).await?;
        audit(
            &txn,
            self.clock.now(),
            actor,
            "team.update",
            &format!("team:{slug}"),
            serde_json::json!({"name": name, "description": description, "routing": routing}),
        )
        .await?;
        txn.commit().await?;
        self.team(slug).await
    }

    pub async fn delete_team(&self, slug: &str, actor: &Actor) -> Result<()> {
        let txn = self.begin_write().await?;
        let t = team_row(&txn, slug).await?;
        // tickets.team_id has no foreign key (SQLite cannot add one to an existing
        // table): the team's tickets lose their team here, each as a change of its own
        // (event, version, live update).
        crate::tickets::write::clear_team(&txn, t.id, slug, &actor.name, self.clock.now()).await?;
        team::Entity::delete_by_id(t.id).exec(&txn).await?;
        audit(
            &txn,
            self.clock.now(),
            actor,
            "team.delete",
            &format!("team:{slug}"),
            Value::Null,
        )
        .await?;
        txn.commit().await?;
        // This instance forgets at once; the others when the notification arrives.
        self.principals.forget_all();
        Ok(())
    }

    pub async fn set_team_member(
        &self,
        slug: &str,
        user_id: i64,
        member: bool,
        actor: &Actor,
    ) -> Result<Team> {
        let txn = self.begin_write().await?;
        let t = team_row(&txn, slug).await?;
        if user::Entity::find_by_id(user_id).one(&txn).await?.is_none() {
            return Err(StoreError::NotFound(format!("user {user_id}")));
        }
        let existing = team_member::Entity::find_by_id((t.id, user_id))
            .one(&txn)
            .await?;
        match (member, existing) {
            (true, None) => {
                team_member::Entity::insert(team_member::ActiveModel {
                    team_id: Set(t.id),
                    user_id: Set(user_id),
                    created_at: Set(self.clock.now()),
                })
                .exec(&txn)
                .await?;
                audit(
                    &txn,
                    self.clock.now(),
                    actor,
                    "team.member.add",
                    &format!("team:{slug}"),
                    serde_json::json!({"user_id": user_id}),
                )
                .await?;
            }
            (false, Some(_)) => {
                team_member::Entity::delete_by_id((t.id, user_id))
                    .exec(&txn)
                    .await?;
                audit(
                    &txn,
                    self.clock.now(),
                    actor,
                    "team.member.remove",
                    &format!("team:{slug}"),
                    serde_json::json!({"user_id": user_id}),
                )
                .await?;
            }
            _ => {}
        }
        txn.commit().await?;
        // This instance forgets at once; the others when the notification arrives.
        self.principals.forget_all();
        self.team(slug).await
    }
}
