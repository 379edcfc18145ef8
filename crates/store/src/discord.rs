//! What the Discord integration keeps in Docket: panels (an admin's configuration,
//! stored as the JSON document the API validated, with where each was last posted),
//! staff members' linked Discord accounts and the one-time codes that link them, and the
//! questions the adapter asks about a member (their open tickets, their last one).

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder,
};
use serde_json::Value;

use crate::entities::{discord_account, discord_link_code, discord_panel};
use crate::identity::{Actor, audit};
use crate::{Result, Store, StoreError, sha256_hex};

/// How long a link code works.
pub const LINK_CODE_LIFETIME: Duration = Duration::minutes(15);

#[derive(Debug, Clone, PartialEq)]
pub struct Panel {
    pub id: i64,
    pub name: String,
    /// The panel's configuration, as the API validated it.
    pub definition: Value,
    pub version: i32,
    pub deploy_requested_at: Option<DateTime<Utc>>,
    /// Where it was last posted, as the adapter reported it.
    pub deployment: Option<Value>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DiscordAccount {
    pub user_id: i64,
    pub discord_id: String,
    pub discord_name: Option<String>,
    pub linked_at: DateTime<Utc>,
}

/// A member's ticket opened from Discord, still open.
#[derive(Debug, Clone, PartialEq)]
pub struct MemberTicket {
    pub key: String,
    pub channel_id: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl Store {
    pub async fn panels(&self) -> Result<Vec<Panel>> {
        Ok(discord_panel::Entity::find()
            .order_by_asc(discord_panel::Column::Id)
            .all(&self.db)
            .await?
            .into_iter()
            .map(to_panel)
            .collect())
    }

    pub async fn panel(&self, id: i64) -> Result<Panel> {
        find_panel(&self.db, id).await.map(to_panel)
    }

    pub async fn create_panel(
        &self,
        name: &str,
        definition: &Value,
        actor: &Actor,
    ) -> Result<Panel> {
        let at = self.clock.now();
        let txn = self.begin_write().await?;
        let row = discord_panel::ActiveModel {
            name: Set(name.to_string()),
            definition: Set(definition.to_string()),
            version: Set(1),
            deploy_requested_at: Set(None),
            deployment: Set(None),
            created_at: Set(at),
            updated_at: Set(at),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        audit(
            &txn,
            self.clock.now(),
            actor,
            "discord_panel.create",
            &format!("panel:{}", row.id),
            serde_json::json!({"name": name}),
        )
        .await?;
        txn.commit().await?;
        Ok(to_panel(row))
    }

    /// Replace a panel's configuration; with `expected_version`, only if nobody changed
    /// it since (If-Match).
    pub async fn replace_panel(
        &self,
        id: i64,
        name: &str,
        definition: &Value,
        expected_version: Option<i32>,
        actor: &Actor,
    ) -> Result<Panel> {
        let txn = self.begin_write().await?;
        let current = find_panel(&txn, id).await?;
        if expected_version.is_some_and(|v| v != current.version) {
            return Err(StoreError::VersionMismatch {
                current: current.version,
            });
        }
        let mut row: discord_panel::ActiveModel = current.clone().into();
        row.name = Set(name.to_string());
        row.definition = Set(definition.to_string());
        row.version = Set(current.version + 1);
        row.updated_at = Set(self.clock.now());
        let row = row.update(&txn).await?;
        audit(
            &txn,
            self.clock.now(),
            actor,
            "discord_panel.update",
            &format!("panel:{id}"),
            serde_json::json!({"name": name, "version": row.version}),
        )
        .await?;
        txn.commit().await?;
        Ok(to_panel(row))
    }

    pub async fn delete_panel(&self, id: i64, actor: &Actor) -> Result<()> {
        let txn = self.begin_write().await?;
        let current = find_panel(&txn, id).await?;
        discord_panel::Entity::delete_by_id(id).exec(&txn).await?;
        audit(
            &txn,
            self.clock.now(),
            actor,
            "discord_panel.delete",
            &format!("panel:{id}"),
            serde_json::json!({"name": current.name}),
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// Ask the adapter to post the panel, or edit its posted message.
    pub async fn request_panel_deploy(&self, id: i64, actor: &Actor) -> Result<Panel> {
        let txn = self.begin_write().await?;
        let current = find_panel(&txn, id).await?;
        let mut row: discord_panel::ActiveModel = current.into();
        row.deploy_requested_at = Set(Some(self.clock.now()));
        let row = row.update(&txn).await?;
        audit(
            &txn,
            self.clock.now(),
            actor,
            "discord_panel.deploy",
            &format!("panel:{id}"),
            serde_json::json!({"version": row.version}),
        )
        .await?;
        txn.commit().await?;
        Ok(to_panel(row))
    }

    /// Where the adapter posted the panel.
    pub async fn record_panel_deployment(&self, id: i64, deployment: &Value) -> Result<Panel> {
        let current = find_panel(&self.db, id).await?;
        let mut row: discord_panel::ActiveModel = current.into();
        row.deployment = Set(Some(deployment.to_string()));
        Ok(to_panel(row.update(&self.db).await?))
    }

    /// A member's open tickets opened from Discord among these types, oldest first.
    pub async fn member_open_tickets(
        &self,
        discord_id: &str,
        types: &[String],
    ) -> Result<Vec<MemberTicket>> {
        self.member_tickets(discord_id, types, true).await
    }

    /// When the member last opened a ticket from Discord among these types.
    pub async fn member_last_opened(
        &self,
        discord_id: &str,
        types: &[String],
    ) -> Result<Option<DateTime<Utc>>> {
        Ok(self
            .member_tickets(discord_id, types, false)
            .await?
            .into_iter()
            .map(|t| t.created_at)
            .max())
    }

    async fn member_tickets(
        &self,
        discord_id: &str,
        types: &[String],
        open_only: bool,
    ) -> Result<Vec<MemberTicket>> {
        if types.is_empty() {
            return Ok(Vec::new());
        }
        let t = |c: &str| Expr::col((Alias::new("t"), Alias::new(c)));
        let mut q = Query::select();
        q.columns([
            (Alias::new("t"), Alias::new("key")),
            (Alias::new("t"), Alias::new("source_ref")),
            (Alias::new("t"), Alias::new("created_at")),
        ])
        .from_as(Alias::new("tickets"), Alias::new("t"))
        .inner_join(
            Alias::new("requester_identities"),
            Expr::col((
                Alias::new("requester_identities"),
                Alias::new("requester_id"),
            ))
            .equals((Alias::new("t"), Alias::new("requester_id"))),
        )
        .and_where(
            Expr::col((Alias::new("requester_identities"), Alias::new("kind"))).eq("discord"),
        )
        .and_where(
            Expr::col((Alias::new("requester_identities"), Alias::new("value"))).eq(discord_id),
        )
        .and_where(t("source_channel").eq("discord"))
        .and_where(t("type_slug").is_in(types.iter().cloned()))
        .and_where(t("deleted_at").is_null())
        .order_by((Alias::new("t"), Alias::new("id")), sea_orm::Order::Asc);
        if open_only {
            q.and_where(t("status_category").is_not_in(["resolved", "closed"]));
        }
        let mut out = Vec::new();
        for row in self.db.query_all(&q).await? {
            out.push(MemberTicket {
                key: row.try_get("", "key")?,
                channel_id: row.try_get("", "source_ref")?,
                created_at: row.try_get("", "created_at")?,
            });
        }
        out.dedup_by(|a, b| a.key == b.key);
        Ok(out)
    }

    /// A one-time code for this Discord account, to be redeemed by a signed-in user.
    pub async fn create_link_code(
        &self,
        discord_id: &str,
        discord_name: Option<&str>,
    ) -> Result<(String, DateTime<Utc>)> {
        let code = crate::identity::crypto::link_code();
        let expires_at = self.clock.now() + LINK_CODE_LIFETIME;
        // Old codes of nobody's go with each new one.
        discord_link_code::Entity::delete_many()
            .filter(discord_link_code::Column::ExpiresAt.lt(self.clock.now()))
            .exec(&self.db)
            .await?;
        discord_link_code::ActiveModel {
            code_hash: Set(sha256_hex(code.as_bytes())),
            discord_id: Set(discord_id.to_string()),
            discord_name: Set(discord_name.map(str::to_string)),
            expires_at: Set(expires_at),
        }
        .insert(&self.db)
        .await?;
        Ok((code, expires_at))
    }

    /// Link the code's Discord account to `user_id` (replacing what either had).
    pub async fn redeem_link_code(
        &self,
        code: &str,
        user_id: i64,
        actor: &Actor,
    ) -> Result<DiscordAccount> {
        let normalized = code.trim().to_ascii_uppercase();
        let txn = self.begin_write().await?;
        let found = discord_link_code::Entity::find_by_id(sha256_hex(normalized.as_bytes()))
            .one(&txn)
            .await?
            .filter(|c| c.expires_at > self.clock.now())
            .ok_or_else(|| {
                StoreError::invalid(
                    "/code",
                    "the code is unknown or expired; ask the bot for a new one",
                )
            })?;
        discord_link_code::Entity::delete_by_id(found.code_hash.clone())
            .exec(&txn)
            .await?;
        let account = link(
            &txn,
            user_id,
            &found.discord_id,
            found.discord_name.as_deref(),
            self.clock.now(),
        )
        .await?;
        audit(
            &txn,
            self.clock.now(),
            actor,
            "discord_account.link",
            &format!("user:{user_id}"),
            serde_json::json!({"discord_id": found.discord_id}),
        )
        .await?;
        txn.commit().await?;
        Ok(account)
    }

    /// Set or clear a user's Discord account (admins).
    pub async fn set_discord_account(
        &self,
        user_id: i64,
        discord: Option<(&str, Option<&str>)>,
        actor: &Actor,
    ) -> Result<Option<DiscordAccount>> {
        self.user(user_id).await?;
        let txn = self.begin_write().await?;
        let account = match discord {
            Some((id, name)) => Some(link(&txn, user_id, id, name, self.clock.now()).await?),
            None => {
                discord_account::Entity::delete_by_id(user_id)
                    .exec(&txn)
                    .await?;
                None
            }
        };
        audit(
            &txn,
            self.clock.now(),
            actor,
            if account.is_some() {
                "discord_account.link"
            } else {
                "discord_account.unlink"
            },
            &format!("user:{user_id}"),
            serde_json::json!({"discord_id": discord.map(|d| d.0)}),
        )
        .await?;
        txn.commit().await?;
        Ok(account)
    }

    pub async fn discord_account_of_user(&self, user_id: i64) -> Result<Option<DiscordAccount>> {
        Ok(discord_account::Entity::find_by_id(user_id)
            .one(&self.db)
            .await?
            .map(to_account))
    }

    pub async fn discord_account(&self, discord_id: &str) -> Result<Option<DiscordAccount>> {
        Ok(discord_account::Entity::find()
            .filter(discord_account::Column::DiscordId.eq(discord_id))
            .one(&self.db)
            .await?
            .map(to_account))
    }
}

/// One Discord account per user and one user per Discord account: a new link replaces
/// both sides' old ones.
async fn link<C: ConnectionTrait>(
    conn: &C,
    user_id: i64,
    discord_id: &str,
    discord_name: Option<&str>,
    at: DateTime<Utc>,
) -> Result<DiscordAccount> {
    discord_account::Entity::delete_many()
        .filter(
            discord_account::Column::UserId
                .eq(user_id)
                .or(discord_account::Column::DiscordId.eq(discord_id)),
        )
        .exec(conn)
        .await?;
    let row = discord_account::ActiveModel {
        user_id: Set(user_id),
        discord_id: Set(discord_id.to_string()),
        discord_name: Set(discord_name.map(str::to_string)),
        linked_at: Set(at),
    }
    .insert(conn)
    .await?;
    Ok(to_account(row))
}

async fn find_panel<C: ConnectionTrait>(conn: &C, id: i64) -> Result<discord_panel::Model> {
    discord_panel::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("panel {id}")))
}

fn to_panel(m: discord_panel::Model) -> Panel {
    Panel {
        id: m.id,
        name: m.name,
        definition: serde_json::from_str(&m.definition).unwrap_or(Value::Null),
        version: m.version,
        deploy_requested_at: m.deploy_requested_at,
        deployment: m.deployment.and_then(|d| serde_json::from_str(&d).ok()),
        created_at: m.created_at,
        updated_at: m.updated_at,
    }
}

fn to_account(m: discord_account::Model) -> DiscordAccount {
    DiscordAccount {
        user_id: m.user_id,
        discord_id: m.discord_id,
        discord_name: m.discord_name,
        linked_at: m.linked_at,
    }
}
