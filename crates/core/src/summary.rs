//! A ticket's summary: what the issue was, how it was resolved, what is still open. Written
//! by the AI when a ticket is solved or closed, or by staff; staff may edit either, and the
//! summary keeps who wrote it first, so the UI can mark it as AI-written.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::typedef::FieldError;

pub const MAX_ISSUE: usize = 2000;
pub const MAX_RESOLUTION: usize = 4000;
pub const MAX_NEXT_ACTION: usize = 1000;
pub const MAX_POINTS: usize = 20;
pub const MAX_POINT: usize = 500;
pub const MAX_TOPICS: usize = 10;
pub const MAX_TOPIC: usize = 64;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Sentiment {
    Positive,
    Neutral,
    Negative,
    Frustrated,
}

impl Sentiment {
    pub const ALL: [Sentiment; 4] = [
        Sentiment::Positive,
        Sentiment::Neutral,
        Sentiment::Negative,
        Sentiment::Frustrated,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Sentiment::Positive => "positive",
            Sentiment::Neutral => "neutral",
            Sentiment::Negative => "negative",
            Sentiment::Frustrated => "frustrated",
        }
    }

    pub fn parse(s: &str) -> Option<Sentiment> {
        Sentiment::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// What a summary says; the part staff write and edit.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SummaryContent {
    pub issue: String,
    pub resolution: String,
    #[serde(default)]
    pub open_points: Vec<String>,
    #[serde(default)]
    pub sentiment: Option<Sentiment>,
    #[serde(default)]
    pub next_best_action: String,
    /// Short topic labels (`vpn`, `billing`); the requester's profile counts them.
    #[serde(default)]
    pub topics: Vec<String>,
}

/// Who wrote a summary first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SummaryAuthor {
    /// The AI, with the model that wrote it.
    Ai { model: String },
    /// A member of staff (their audit name).
    Staff { by: String },
}

/// A stored summary: its content and where it came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TicketSummary {
    #[serde(flatten)]
    pub content: SummaryContent,
    pub written_by: SummaryAuthor,
    pub written_at: DateTime<Utc>,
    /// The last member of staff who edited it, and when (None: as first written).
    #[serde(default)]
    pub edited_by: Option<String>,
    #[serde(default)]
    pub edited_at: Option<DateTime<Utc>>,
}

impl SummaryContent {
    /// Trimmed, empty points and topics dropped, topics lowercased and unique; or what is
    /// wrong, by field.
    pub fn normalized(mut self) -> Result<SummaryContent, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut text = |value: &mut String, pointer: &str, max: usize, required: bool| {
            *value = value.trim().to_string();
            if required && value.is_empty() {
                errors.push(error(pointer, "must not be empty".into()));
            } else if value.chars().count() > max {
                errors.push(error(pointer, format!("at most {max} characters")));
            }
        };
        text(&mut self.issue, "/issue", MAX_ISSUE, true);
        text(&mut self.resolution, "/resolution", MAX_RESOLUTION, false);
        text(
            &mut self.next_best_action,
            "/next_best_action",
            MAX_NEXT_ACTION,
            false,
        );
        let points: Vec<String> = self
            .open_points
            .iter()
            .map(|p| p.trim().to_string())
            .filter(|p| !p.is_empty())
            .collect();
        if points.len() > MAX_POINTS {
            errors.push(error(
                "/open_points",
                format!("at most {MAX_POINTS} points"),
            ));
        }
        for (i, p) in points.iter().enumerate() {
            if p.chars().count() > MAX_POINT {
                errors.push(error(
                    &format!("/open_points/{i}"),
                    format!("at most {MAX_POINT} characters"),
                ));
            }
        }
        self.open_points = points;
        let mut topics: Vec<String> = Vec::new();
        for t in &self.topics {
            let t = t.trim().to_lowercase();
            if !t.is_empty() && !topics.contains(&t) {
                topics.push(t);
            }
        }
        if topics.len() > MAX_TOPICS {
            errors.push(error("/topics", format!("at most {MAX_TOPICS} topics")));
        }
        for (i, t) in topics.iter().enumerate() {
            if t.chars().count() > MAX_TOPIC {
                errors.push(error(
                    &format!("/topics/{i}"),
                    format!("at most {MAX_TOPIC} characters"),
                ));
            }
        }
        self.topics = topics;
        if errors.is_empty() {
            Ok(self)
        } else {
            Err(errors)
        }
    }
}

fn error(pointer: &str, message: String) -> FieldError {
    FieldError {
        pointer: pointer.to_string(),
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_is_trimmed_and_checked_by_field() {
        let ok = SummaryContent {
            issue: "  VPN drops  ".into(),
            open_points: vec![" ".into(), "call back".into()],
            topics: vec!["VPN".into(), "vpn ".into(), "network".into()],
            ..Default::default()
        }
        .normalized()
        .unwrap();
        assert_eq!(ok.issue, "VPN drops");
        assert_eq!(ok.open_points, vec!["call back"]);
        assert_eq!(ok.topics, vec!["vpn", "network"]);

        let errors = SummaryContent {
            issue: " ".into(),
            topics: vec!["x".repeat(MAX_TOPIC + 1)],
            ..Default::default()
        }
        .normalized()
        .unwrap_err();
        let pointers: Vec<&str> = errors.iter().map(|e| e.pointer.as_str()).collect();
        assert_eq!(pointers, vec!["/issue", "/topics/0"]);
    }

    #[test]
    fn a_stored_summary_reads_back_equal() {
        let s = TicketSummary {
            content: SummaryContent {
                issue: "Printer jams".into(),
                sentiment: Some(Sentiment::Frustrated),
                ..Default::default()
            },
            written_by: SummaryAuthor::Ai {
                model: "gpt-4o-mini".into(),
            },
            written_at: DateTime::from_timestamp(1_700_000_000, 0).unwrap(),
            edited_by: None,
            edited_at: None,
        };
        let text = serde_json::to_string(&s).unwrap();
        assert_eq!(serde_json::from_str::<TicketSummary>(&text).unwrap(), s);
    }
}
