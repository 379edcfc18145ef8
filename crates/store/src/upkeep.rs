//! Keeping the query planner informed. Lists read their pages from indexes only when the
//! planner knows how the data is spread: PostgreSQL's autovacuum keeps its statistics,
//! SQLite keeps none until asked, and without them it picks indexes by their shape
//! alone (the queue tests saw it sort a type's tickets instead of reading the due-time
//! index).

use sea_orm::{ConnectionTrait, DbBackend};

use crate::{Result, Store};

impl Store {
    /// SQLite: gather statistics for the tables that lack them or have grown a lot since
    /// (`PRAGMA optimize`, every table, sampled: `analysis_limit` is set per connection in
    /// `connect.rs`, so a million-row table takes milliseconds). Run at start and
    /// hourly. PostgreSQL: nothing, autovacuum does it.
    pub async fn optimize(&self) -> Result<()> {
        if self.backend() == DbBackend::Sqlite {
            self.db
                .execute_unprepared("PRAGMA optimize=0x10002")
                .await?;
        }
        Ok(())
    }
}
