//! What the server's AI needs from the database: the admin's settings (one row with a
//! version every instance polls), the key (a sealed secret, `AI_KEY_SECRET`), token
//! usage per day, feature and model, and the `ai` jobs queue (summaries on close, triage
//! on create) on the shared jobs table.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use docket_core::access::{Role, UserKind};
use docket_core::ai::{AI_KEY_SECRET, AiSettings, TriageMode, TriageSuggestion};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, OnConflict, Order, Query};
use sea_orm::{ConnectionTrait, TransactionTrait};
use serde_json::{Value, json};

use crate::identity::{Actor, MasterKey, audit};
use crate::jobs::{self, ClaimedJob};
use crate::settings_row::{self, Versioned};
use crate::tickets::write::Change;
use crate::{Result, Store, StoreError};
use crate::{Ticket, TicketPatch};

/// The jobs queue of AI work.
pub const QUEUE: &str = "ai";

const TABLE: &str = "ai_settings";

fn col(name: &str) -> Alias {
    Alias::new(name)
}

/// The job key of a ticket's summary.
pub fn summary_job(ticket_id: i64) -> String {
    format!("ai-summary:{ticket_id}")
}

/// The job key of a ticket's triage.
pub fn triage_job(ticket_id: i64) -> String {
    format!("ai-triage:{ticket_id}")
}

/// The settings as stored, with their version.
pub type StoredAiSettings = Versioned<AiSettings>;

/// One day's calls of one feature and model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AiUsageRow {
    pub day: NaiveDate,
    pub feature: String,
    pub model: String,
    pub calls: i64,
    pub failures: i64,
    pub prompt_tokens: i64,
    pub completion_tokens: i64,
}

/// A claimed AI job.
#[derive(Debug, Clone)]
pub struct AiJob {
    pub id: i64,
    pub key: String,
    pub ticket_id: Option<i64>,
    /// Including this one.
    pub attempts: i32,
    pub run_at: DateTime<Utc>,
}

impl From<ClaimedJob> for AiJob {
    fn from(j: ClaimedJob) -> AiJob {
        AiJob {
            id: j.id,
            key: j.key,
            ticket_id: j.ticket_id,
            attempts: j.attempts,
            run_at: j.run_at,
        }
    }
}

async fn bump_version<C: ConnectionTrait>(
    conn: &C,
    settings: Option<&AiSettings>,
    actor: &str,
    at: DateTime<Utc>,
) -> Result<()> {
    settings_row::bump(conn, TABLE, settings, actor, at).await
}

impl Store {
    /// The settings (the defaults, switched off, at version 0 when never set).
    pub async fn ai_settings(&self) -> Result<StoredAiSettings> {
        settings_row::read(&self.db, TABLE).await
    }

    /// The settings' version alone: what every instance polls.
    pub async fn ai_settings_version(&self) -> Result<i64> {
        settings_row::version(&self.db, TABLE).await
    }

    /// Replace the settings (checked; each bad field named), audited.
    pub async fn put_ai_settings(
        &self,
        settings: AiSettings,
        actor: &Actor,
    ) -> Result<StoredAiSettings> {
        let settings = settings.normalized().map_err(StoreError::Invalid)?;
        let txn = self.begin_write().await?;
        bump_version(&txn, Some(&settings), &actor.name, self.clock.now()).await?;
        audit(
            &txn,
            self.clock.now(),
            actor,
            "ai.settings",
            "ai",
            json!({"enabled": settings.enabled, "base_url": settings.base_url}),
        )
        .await?;
        txn.commit().await?;
        self.ai_settings().await
    }

    /// Set the AI server's key (sealed; never returned) and tell every instance.
    pub async fn set_ai_key(&self, key: &MasterKey, value: &str, actor: &Actor) -> Result<()> {
        if value.trim().is_empty() {
            return Err(StoreError::invalid("/key", "the key is empty"));
        }
        if value.chars().any(|c| c.is_control()) {
            return Err(StoreError::invalid(
                "/key",
                "the key holds characters a header cannot carry",
            ));
        }
        self.set_secret(key, AI_KEY_SECRET, value.trim(), actor)
            .await
            .map_err(|e| match e {
                // Never echo anything about the value back.
                StoreError::Invalid(_) => StoreError::invalid("/key", "between 1 byte and 64 KiB"),
                other => other,
            })?;
        let txn = self.begin_write().await?;
        bump_version(&txn, None, &actor.name, self.clock.now()).await?;
        txn.commit().await?;
        Ok(())
    }

    /// Clear the key (no error when none was set).
    pub async fn clear_ai_key(&self, actor: &Actor) -> Result<()> {
        match self.delete_secret(AI_KEY_SECRET, actor).await {
            Ok(()) | Err(StoreError::NotFound(_)) => {}
            Err(e) => return Err(e),
        }
        let txn = self.begin_write().await?;
        bump_version(&txn, None, &actor.name, self.clock.now()).await?;
        txn.commit().await?;
        Ok(())
    }

    /// Whether a key is set.
    pub async fn ai_key_is_set(&self) -> Result<bool> {
        Ok(self
            .secrets()
            .await?
            .iter()
            .any(|s| s.name == AI_KEY_SECRET))
    }

    /// Count one call (and its tokens) on `day`.
    pub async fn record_ai_usage(
        &self,
        day: NaiveDate,
        feature: &str,
        model: &str,
        failed: bool,
        prompt_tokens: i64,
        completion_tokens: i64,
    ) -> Result<()> {
        let add = |c: &str| {
            Expr::col((col("ai_usage"), col(c))).add(Expr::col((col("excluded"), col(c))))
        };
        let stmt = Query::insert()
            .into_table(col("ai_usage"))
            .columns(
                [
                    "day",
                    "feature",
                    "model",
                    "calls",
                    "failures",
                    "prompt_tokens",
                    "completion_tokens",
                ]
                .map(col),
            )
            .values_panic([
                day.format("%Y-%m-%d").to_string().into(),
                feature.into(),
                model.chars().take(200).collect::<String>().into(),
                1i64.into(),
                i64::from(failed).into(),
                prompt_tokens.into(),
                completion_tokens.into(),
            ])
            .on_conflict(
                OnConflict::columns(["day", "feature", "model"].map(col))
                    .values([
                        (col("calls"), add("calls")),
                        (col("failures"), add("failures")),
                        (col("prompt_tokens"), add("prompt_tokens")),
                        (col("completion_tokens"), add("completion_tokens")),
                    ])
                    .to_owned(),
            )
            .to_owned();
        self.db.execute(&stmt).await?;
        Ok(())
    }

    /// Usage from `from` to `to` (both included), by day, feature and model.
    pub async fn ai_usage(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<AiUsageRow>> {
        let stmt = Query::select()
            .columns(
                [
                    "day",
                    "feature",
                    "model",
                    "calls",
                    "failures",
                    "prompt_tokens",
                    "completion_tokens",
                ]
                .map(col),
            )
            .from(col("ai_usage"))
            .and_where(Expr::col(col("day")).gte(from.format("%Y-%m-%d").to_string()))
            .and_where(Expr::col(col("day")).lte(to.format("%Y-%m-%d").to_string()))
            .order_by(col("day"), Order::Asc)
            .order_by(col("feature"), Order::Asc)
            .order_by(col("model"), Order::Asc)
            .to_owned();
        let mut out = Vec::new();
        for r in self.db.query_all(&stmt).await? {
            let day: String = r.try_get("", "day")?;
            out.push(AiUsageRow {
                day: NaiveDate::parse_from_str(&day, "%Y-%m-%d").map_err(|e| {
                    StoreError::Internal(format!("a usage day does not parse: {e}"))
                })?,
                feature: r.try_get("", "feature")?,
                model: r.try_get("", "model")?,
                calls: r.try_get("", "calls")?,
                failures: r.try_get("", "failures")?,
                prompt_tokens: r.try_get("", "prompt_tokens")?,
                completion_tokens: r.try_get("", "completion_tokens")?,
            });
        }
        Ok(out)
    }

    /// Lease up to `limit` due AI jobs to `owner`.
    pub async fn claim_ai_jobs(
        &self,
        owner: &str,
        lease: Duration,
        limit: u64,
    ) -> Result<Vec<AiJob>> {
        let txn = self.begin_write().await?;
        let claimed = jobs::claim(&txn, QUEUE, owner, self.clock.now(), lease, limit).await?;
        txn.commit().await?;
        Ok(claimed.into_iter().map(AiJob::from).collect())
    }

    /// The job is done (or dropped): remove it unless it was scheduled again meanwhile.
    pub async fn finish_ai_job(&self, job: &AiJob) -> Result<()> {
        jobs::finish_unless_rescheduled(&self.db, &job.key, job.run_at).await
    }

    /// The job failed and is tried again at `retry_at`.
    pub async fn retry_ai_job(
        &self,
        job: &AiJob,
        owner: &str,
        error: &str,
        retry_at: DateTime<Utc>,
    ) -> Result<()> {
        let txn = self.db.begin().await?;
        jobs::failed(&txn, job.id, owner, error, retry_at).await?;
        txn.commit().await?;
        Ok(())
    }

    /// The ticket's key by id (None when gone or deleted).
    pub async fn ticket_key(&self, ticket_id: i64) -> Result<Option<String>> {
        let stmt = Query::select()
            .column(col("key"))
            .from(col("tickets"))
            .and_where(Expr::col(col("id")).eq(ticket_id))
            .and_where(Expr::col(col("deleted_at")).is_null())
            .to_owned();
        Ok(match self.db.query_one(&stmt).await? {
            Some(r) => Some(r.try_get("", "key")?),
            None => None,
        })
    }
}

/// Schedule the summary job of a ticket that just reached solved or closed, in the
/// transaction of that change.
pub(crate) async fn schedule_summary<C: ConnectionTrait>(
    conn: &C,
    ticket_id: i64,
    at: DateTime<Utc>,
) -> Result<()> {
    jobs::put(
        conn,
        QUEUE,
        &summary_job(ticket_id),
        Some(ticket_id),
        Some(at),
        at,
    )
    .await
}

/// The AI settings as stored, inside the caller's transaction (None: never set, or
/// unreadable, which counts as off).
pub(crate) async fn settings_in<C: ConnectionTrait>(conn: &C) -> Result<Option<AiSettings>> {
    let stmt = Query::select()
        .column(col("settings"))
        .from(col("ai_settings"))
        .and_where(Expr::col(col("id")).eq(1))
        .to_owned();
    let Some(row) = conn.query_one(&stmt).await? else {
        return Ok(None);
    };
    let text: String = row.try_get("", "settings")?;
    Ok(serde_json::from_str::<AiSettings>(&text).ok())
}

/// Schedule the triage jobs of newly created tickets `(id, type slug)` whose type's
/// triage mode is not off: one statement for the batch.
pub(crate) async fn schedule_triage<C: ConnectionTrait>(
    conn: &C,
    settings: Option<&AiSettings>,
    created: &[(i64, &str)],
    at: DateTime<Utc>,
) -> Result<()> {
    let Some(settings) = settings else {
        return Ok(());
    };
    let jobs: Vec<jobs::Schedule> = created
        .iter()
        .filter(|(_, slug)| settings.triage_mode(slug) != TriageMode::Off)
        .map(|(id, _)| (triage_job(*id), Some(*id), Some(at)))
        .collect();
    if jobs.is_empty() {
        return Ok(());
    }
    jobs::put_many(conn, QUEUE, &jobs, at).await
}

/// At most this many tags in use are offered to triage.
pub const MAX_TRIAGE_TAGS: u64 = 200;

impl Store {
    /// The tags in use on a type's tickets (the most used first, at most
    /// `MAX_TRIAGE_TAGS`) and the skills of active agents: what triage may choose from.
    pub async fn triage_choices(&self, type_slug: &str) -> Result<(Vec<String>, Vec<String>)> {
        let stmt = Query::select()
            .column((col("ticket_tags"), col("tag")))
            .from(col("ticket_tags"))
            .inner_join(
                col("tickets"),
                Expr::col((col("tickets"), col("id")))
                    .equals((col("ticket_tags"), col("ticket_id"))),
            )
            .and_where(Expr::col((col("tickets"), col("type_slug"))).eq(type_slug))
            .group_by_col((col("ticket_tags"), col("tag")))
            .order_by_expr(Expr::cust("COUNT(*)"), Order::Desc)
            .order_by((col("ticket_tags"), col("tag")), Order::Asc)
            .limit(MAX_TRIAGE_TAGS)
            .to_owned();
        let mut tags = Vec::new();
        for r in self.db.query_all(&stmt).await? {
            tags.push(r.try_get::<String>("", "tag")?);
        }
        // Skills of those routing can pick: active people who work tickets.
        let mut skills: Vec<String> = self
            .users()
            .await?
            .into_iter()
            .filter(|u| u.active && u.kind == UserKind::Person && u.role != Role::Viewer)
            .flat_map(|u| u.skills)
            .collect();
        skills.sort();
        skills.dedup();
        skills.truncate(200);
        Ok((tags, skills))
    }

    /// Store a triage suggestion on the ticket (a `Change` by `ai`: audited, streamed).
    pub async fn set_ticket_triage(&self, key: &str, suggestion: &TriageSuggestion) -> Result<()> {
        let text = serde_json::to_string(suggestion)
            .map_err(|e| StoreError::Internal(format!("a triage does not serialise: {e}")))?;
        let txn = self.begin_write().await?;
        let row = Self::find_row(&txn, key, false).await?;
        let old: Option<Value> = row
            .triage
            .as_deref()
            .and_then(|t| serde_json::from_str(t).ok());
        let mut change = Change::new(row.id, "ai", self.clock.now());
        change.set("triage", Expr::value(text));
        change.event(
            "triage",
            old,
            Some(serde_json::to_value(suggestion).unwrap_or_default()),
        );
        change.commit(&txn).await?;
        txn.commit().await?;
        Ok(())
    }

    /// Apply the ticket's triage suggestion as `actor`: its priority, its tags added to
    /// the ticket's, its team; each through the ordinary update (a `Change`), then the
    /// suggestion is marked applied. 409 when there is none or it was applied already.
    pub async fn apply_ticket_triage(&self, key: &str, actor: &str) -> Result<Ticket> {
        let ticket = self.get_ticket(key, false).await?;
        let Some(mut suggestion) = ticket.triage.clone() else {
            return Err(StoreError::Conflict(format!(
                "ticket {key} has no triage suggestion"
            )));
        };
        if suggestion.applied_at.is_some() {
            return Err(StoreError::Conflict(format!(
                "the triage suggestion of {key} was applied already"
            )));
        }
        let mut tags = ticket.tags.clone();
        for t in &suggestion.tags {
            if !tags.contains(t) {
                tags.push(t.clone());
            }
        }
        let patch = TicketPatch {
            priority: suggestion.priority,
            tags: (tags != ticket.tags).then_some(tags),
            team: suggestion.team.clone().map(Some),
            actor: actor.to_string(),
            ..Default::default()
        };
        self.update_ticket(key, None, patch).await?;
        suggestion.applied_at = Some(self.clock.now());
        suggestion.applied_by = Some(actor.to_string());
        let text = serde_json::to_string(&suggestion)
            .map_err(|e| StoreError::Internal(format!("a triage does not serialise: {e}")))?;
        let txn = self.begin_write().await?;
        let row = Self::find_row(&txn, key, false).await?;
        let mut change = Change::new(row.id, actor, self.clock.now());
        change.set("triage", Expr::value(text));
        change.event(
            "triage_applied",
            None,
            Some(serde_json::to_value(&suggestion).unwrap_or_default()),
        );
        change.commit(&txn).await?;
        txn.commit().await?;
        // The suggested skills (and a new team) reach an agent by the team's rule when
        // nobody has the ticket yet; a manual team leaves it as it is.
        let ticket = self.get_ticket(key, false).await?;
        if ticket.assignee_id.is_none() && ticket.team.is_some() {
            return Ok(self.route_ticket(key, &suggestion.skills, actor).await?.0);
        }
        Ok(ticket)
    }
}
