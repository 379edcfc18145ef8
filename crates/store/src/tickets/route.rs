//! Routing an existing ticket again by its team's rule (`POST /tickets/{key}/route`).

use docket_core::routing::{Decision, wanted_skills};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};

use super::Ticket;
use super::write::Change;
use crate::entities::ticket_tag;
use crate::routing::{OPEN_CATEGORIES, Routing};
use crate::{Result, Store, StoreError};

impl Store {
    /// Assign a ticket by its team's rule, as a `Change` (event, version, live update).
    /// `skills` are looked for besides the ticket's tags (AI triage supplies them). A
    /// manual team, or nobody eligible, leaves the assignee as it is; the decision says
    /// why (and, when routing ran, the `routing` event records it).
    pub async fn route_ticket(
        &self,
        key: &str,
        skills: &[String],
        actor: &str,
    ) -> Result<(Ticket, Decision)> {
        if skills.len() > super::MAX_TAGS {
            return Err(StoreError::invalid(
                "/skills",
                format!("at most {} skills", super::MAX_TAGS),
            ));
        }
        let txn = self.begin_write().await?;
        let row = Self::find_row(&txn, key, false).await?;
        // Tickets before teams and users: the order every routing transaction locks in.
        crate::sla::escalate::lock_ticket(&txn, row.id).await?;
        let row = Self::find_row(&txn, key, false).await?;
        let Some(team) = row.team_id else {
            return Err(StoreError::Conflict(format!(
                "ticket {key} has no team to route it by"
            )));
        };
        let mut routing = Routing::load(&txn, [team]).await?;
        if routing.routes(team)
            && let Some(current) = row.assignee_id
            && OPEN_CATEGORIES.contains(&row.status_category.as_str())
        {
            routing.release(current);
        }
        let tags: Vec<String> = ticket_tag::Entity::find()
            .select_only()
            .column(ticket_tag::Column::Tag)
            .filter(ticket_tag::Column::TicketId.eq(row.id))
            .into_tuple()
            .all(&txn)
            .await?;
        let decision = routing.pick(team, &wanted_skills(&tags, skills));
        if !routing.routes(team) {
            txn.rollback().await?;
            return Ok((self.get_ticket(key, false).await?, decision));
        }
        let mut change = Change::new(row.id, actor, self.clock.now());
        if let Some(new) = decision.assignee_id {
            change.field(
                "assignee_id",
                "assignee_id",
                row.assignee_id,
                Some(new),
                Some(new),
            );
        }
        change.event("routing", None, Some(routing.event(team, &decision)));
        change.commit(&txn).await?;
        routing.save(&txn).await?;
        txn.commit().await?;
        Ok((self.get_ticket(key, false).await?, decision))
    }
}
