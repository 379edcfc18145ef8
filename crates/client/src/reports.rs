//! The SLA report, image moderation and health: the calls that are neither tickets nor
//! people.

use chrono::{DateTime, Utc};
use docket_api::{GroupBy, Health, ModerateImageIn, ModerationOut, SlaReportOut};

use crate::client::{Call, Client};
use crate::endpoints::*;
use crate::error::Result;
use crate::tickets::wire_str;

/// The period and grouping of the SLA report (the server's defaults when absent: the 30
/// days before now, by priority).
#[derive(Debug, Clone, Default)]
pub struct SlaReportQuery {
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub group_by: Option<GroupBy>,
}

impl Client {
    /// The SLA report as JSON.
    pub async fn sla_report(&self, query: &SlaReportQuery) -> Result<SlaReportOut> {
        let mut q = Vec::new();
        let time = |t: DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        if let Some(from) = query.from {
            q.push(("from", time(from)));
        }
        if let Some(to) = query.to {
            q.push(("to", time(to)));
        }
        if let Some(g) = query.group_by {
            q.push(("group_by", wire_str(&g)));
        }
        let call = Call {
            query: q,
            ..Call::default()
        };
        self.call(&SLA_REPORT, call, None).await.map(|v| v.value)
    }

    /// Check an image (by URL or content) with the configured AI; 409 when AI is not
    /// configured, `Unavailable` when the AI server fails (after retries).
    pub async fn moderate_image(&self, image: &ModerateImageIn) -> Result<ModerationOut> {
        self.call(&MODERATE_IMAGE, Call::default(), Some(image))
            .await
            .map(|v| v.value)
    }

    /// The server's and its database's health (a 503 reads as `Unavailable`).
    pub async fn health(&self) -> Result<Health> {
        self.call(&HEALTH, Call::default(), None)
            .await
            .map(|v| v.value)
    }
}
