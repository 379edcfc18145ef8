//! A ticket's summary (see `docket_core::summary`): written by the AI when the ticket is
//! solved or closed, or by staff, and edited by staff. Each write is a `Change` of the
//! ticket, so it is in the audit trail and the live stream like any edit.

use docket_core::summary::{SummaryAuthor, SummaryContent, TicketSummary};
use sea_orm::sea_query::Expr;

use super::Ticket;
use super::write::Change;
use crate::requesters::parse_summary;
use crate::{Result, Store, StoreError};

/// Who writes a summary.
#[derive(Debug, Clone)]
pub enum SummaryWriter {
    /// The AI, with its model. It never replaces what staff wrote or edited: their word
    /// is final.
    Ai { model: String },
    /// A member of staff (their audit name). Editing an AI summary keeps it marked as
    /// AI-written, edited by them.
    Staff { actor: String },
}

impl SummaryWriter {
    fn actor(&self) -> &str {
        match self {
            SummaryWriter::Ai { .. } => "ai",
            SummaryWriter::Staff { actor } => actor,
        }
    }
}

impl Store {
    /// Write the ticket's summary if the ticket is still at `expected_version` (None:
    /// whatever version). Returns the ticket as written; for the AI, None when staff had
    /// written one already (nothing changed).
    pub async fn set_ticket_summary(
        &self,
        key: &str,
        expected_version: Option<i32>,
        content: SummaryContent,
        writer: SummaryWriter,
    ) -> Result<Option<Ticket>> {
        let content = content.normalized().map_err(StoreError::Invalid)?;
        let txn = self.begin_write().await?;
        let row = Self::find_row(&txn, key, false).await?;
        if let Some(v) = expected_version
            && v != row.row_version
        {
            return Err(StoreError::VersionMismatch {
                current: row.row_version,
            });
        }
        let old = parse_summary(row.summary.as_deref());
        let at = self.clock.now();
        let new = match (&writer, &old) {
            (SummaryWriter::Ai { .. }, Some(old))
                if old.edited_by.is_some()
                    || matches!(old.written_by, SummaryAuthor::Staff { .. }) =>
            {
                return Ok(None);
            }
            (SummaryWriter::Ai { model }, _) => TicketSummary {
                content,
                written_by: SummaryAuthor::Ai {
                    model: model.clone(),
                },
                written_at: at,
                edited_by: None,
                edited_at: None,
            },
            (SummaryWriter::Staff { actor }, Some(old)) => TicketSummary {
                content,
                written_by: old.written_by.clone(),
                written_at: old.written_at,
                edited_by: Some(actor.clone()),
                edited_at: Some(at),
            },
            (SummaryWriter::Staff { actor }, None) => TicketSummary {
                content,
                written_by: SummaryAuthor::Staff { by: actor.clone() },
                written_at: at,
                edited_by: None,
                edited_at: None,
            },
        };
        if old.as_ref().is_some_and(|o| o.content == new.content) {
            txn.commit().await?;
            return Ok(Some(self.get_ticket(key, false).await?));
        }
        let text = serde_json::to_string(&new)
            .map_err(|e| StoreError::Internal(format!("a summary does not serialise: {e}")))?;
        let mut change = Change::new(row.id, writer.actor(), at);
        if let Some(v) = expected_version {
            change = change.at_version(v);
        }
        change.set("summary", Expr::value(text));
        change.event(
            "summary",
            old.map(|o| serde_json::to_value(o).unwrap_or_default()),
            Some(serde_json::to_value(&new).unwrap_or_default()),
        );
        change.commit(&txn).await?;
        let out = self
            .hydrate_on(&txn, vec![Self::find_row(&txn, key, false).await?])
            .await?;
        txn.commit().await?;
        Ok(out.into_iter().next())
    }

    /// Remove the ticket's summary.
    pub async fn clear_ticket_summary(
        &self,
        key: &str,
        expected_version: Option<i32>,
        actor: &str,
    ) -> Result<Ticket> {
        let txn = self.begin_write().await?;
        let row = Self::find_row(&txn, key, false).await?;
        if let Some(old) = parse_summary(row.summary.as_deref()) {
            let mut change = Change::new(row.id, actor, self.clock.now());
            if let Some(v) = expected_version {
                change = change.at_version(v);
            }
            change.set("summary", Expr::value(Option::<String>::None));
            change.event(
                "summary",
                Some(serde_json::to_value(old).unwrap_or_default()),
                None,
            );
            change.commit(&txn).await?;
        }
        let out = self
            .hydrate_on(&txn, vec![Self::find_row(&txn, key, false).await?])
            .await?;
        txn.commit().await?;
        Ok(out.into_iter().next().expect("one row, one ticket"))
    }
}
