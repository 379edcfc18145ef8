//! What an operator watches (the server's `/metrics`): the work waiting in the shared
//! queues, and how full the connection pools are. Each count reads an index range of
//! what is due or waiting, never a whole table, so a scrape stays cheap at a million
//! tickets.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, Query, SelectStatement};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend};

use crate::delivery::DeliveryStatus;
use crate::{Result, Store};

/// Every queue of the jobs table, as its rows name it.
pub const JOB_QUEUES: [&str; 4] = [
    crate::sla::clocks::QUEUE,
    crate::sla::RECOMPUTE_QUEUE,
    crate::ai::QUEUE,
    crate::mailboxes::QUEUE,
];

/// Work waiting in one queue: how many items are due, and since when the oldest is.
#[derive(Debug, Clone, PartialEq)]
pub struct Waiting {
    /// A job queue's name, or a delivery channel.
    pub name: String,
    pub due: i64,
    /// When the oldest due item became due (None when nothing is due).
    pub oldest_due: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Backlog {
    /// Jobs whose time has come, leased or not, by queue (every queue, zeros included).
    pub jobs: Vec<Waiting>,
    /// Pending deliveries whose next attempt is due, by channel.
    pub deliveries_due: Vec<Waiting>,
    /// Deliveries that gave up (dead), by channel: an admin may send them again.
    pub deliveries_dead: Vec<(String, i64)>,
    /// Outbox entries not yet turned into deliveries.
    pub outbox: Waiting,
    /// The store's now, which `oldest_due` is measured against.
    pub at: DateTime<Utc>,
}

/// One pool's connections.
#[derive(Debug, Clone, PartialEq)]
pub struct PoolUse {
    /// `main` (PostgreSQL's one pool), or SQLite's `writer` and `readers`.
    pub name: &'static str,
    pub open: u32,
    pub idle: u32,
    pub max: u32,
}

fn col(name: &str) -> Alias {
    Alias::new(name)
}

/// `SELECT <group>, COUNT(*), MIN(<at>) FROM <table> WHERE ... GROUP BY <group>`.
fn due_by(table: &str, group: &str, at: &str) -> SelectStatement {
    Query::select()
        .column(col(group))
        .expr_as(Expr::col(col("id")).count(), col("n"))
        .expr_as(Func::min(Expr::col(col(at))), col("oldest"))
        .from(col(table))
        .group_by_col(col(group))
        .to_owned()
}

impl Store {
    /// The queues' backlog, read from the shared tables (every instance's work, not
    /// only this one's).
    pub async fn backlog(&self) -> Result<Backlog> {
        let now = self.clock.now();
        let reader = &self.reader;

        // One range per queue of the (queue, run_at) index.
        let jobs_stmt = due_by("jobs", "queue", "run_at")
            .and_where(Expr::col(col("queue")).is_in(JOB_QUEUES))
            .and_where(Expr::col(col("run_at")).lte(now))
            .to_owned();
        let mut jobs: Vec<Waiting> = JOB_QUEUES
            .iter()
            .map(|q| Waiting {
                name: q.to_string(),
                due: 0,
                oldest_due: None,
            })
            .collect();
        for found in waiting(reader, &jobs_stmt, "queue").await? {
            if let Some(slot) = jobs.iter_mut().find(|w| w.name == found.name) {
                *slot = found;
            }
        }

        // The (status, next_attempt_at) index.
        let due_stmt = due_by("deliveries", "channel", "next_attempt_at")
            .and_where(Expr::col(col("status")).eq(DeliveryStatus::Pending.as_str()))
            .and_where(Expr::col(col("next_attempt_at")).lte(now))
            .to_owned();
        let deliveries_due = waiting(reader, &due_stmt, "channel").await?;
        let dead_stmt = due_by("deliveries", "channel", "next_attempt_at")
            .and_where(Expr::col(col("status")).eq(DeliveryStatus::Dead.as_str()))
            .to_owned();
        let deliveries_dead = waiting(reader, &dead_stmt, "channel")
            .await?
            .into_iter()
            .map(|w| (w.name, w.due))
            .collect();

        // The dispatched_at index: undispatched entries are its NULL range.
        let outbox_stmt = Query::select()
            .expr_as(Expr::col(col("id")).count(), col("n"))
            .expr_as(Func::min(Expr::col(col("created_at"))), col("oldest"))
            .from(col("outbox"))
            .and_where(Expr::col(col("dispatched_at")).is_null())
            .to_owned();
        let row = reader.query_one(&outbox_stmt).await?;
        let outbox = Waiting {
            name: "outbox".into(),
            due: row
                .as_ref()
                .map(|r| r.try_get::<i64>("", "n"))
                .transpose()?
                .unwrap_or(0),
            oldest_due: row
                .map(|r| r.try_get::<Option<DateTime<Utc>>>("", "oldest"))
                .transpose()?
                .flatten(),
        };
        Ok(Backlog {
            jobs,
            deliveries_due,
            deliveries_dead,
            outbox,
            at: now,
        })
    }

    /// How full the connection pools are, now. Reads no table.
    pub fn pool_use(&self) -> Vec<PoolUse> {
        match self.backend() {
            DbBackend::Sqlite => vec![
                sqlite_pool_use("writer", &self.db),
                sqlite_pool_use("readers", &self.reader),
            ],
            _ => {
                let pool = self.db.get_postgres_connection_pool();
                vec![PoolUse {
                    name: "main",
                    open: pool.size(),
                    idle: pool.num_idle() as u32,
                    max: pool.options().get_max_connections(),
                }]
            }
        }
    }
}

fn sqlite_pool_use(name: &'static str, db: &DatabaseConnection) -> PoolUse {
    let pool = db.get_sqlite_connection_pool();
    PoolUse {
        name,
        open: pool.size(),
        idle: pool.num_idle() as u32,
        max: pool.options().get_max_connections(),
    }
}

async fn waiting(
    conn: &DatabaseConnection,
    stmt: &SelectStatement,
    group: &str,
) -> Result<Vec<Waiting>> {
    let mut found = Vec::new();
    for row in conn.query_all(stmt).await? {
        found.push(Waiting {
            name: row.try_get("", group)?,
            due: row.try_get("", "n")?,
            oldest_due: row.try_get("", "oldest")?,
        });
    }
    Ok(found)
}
