//! custom_ids: everything a button, menu or modal needs is in its id, so they keep
//! working across restarts and redeploys with nothing stored. All start with `docket:`;
//! anything else (or an old shape) parses as `None` and is answered "no longer in use".

/// What a component or modal stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CustomId {
    /// Open a ticket from panel `panel` (with `topic` for a topic's button).
    Open {
        panel: i64,
        topic: Option<String>,
    },
    /// The panel's topic menu; the chosen value is the topic id.
    Menu {
        panel: i64,
    },
    /// The modal of a type's required fields, opening a ticket when submitted.
    Form {
        panel: i64,
        topic: Option<String>,
    },
    Claim {
        key: String,
    },
    /// Close: shows the optional reason modal.
    Close {
        key: String,
    },
    /// The reason modal, submitted.
    CloseReason {
        key: String,
    },
    /// The member confirms a staff close request.
    CloseConfirm {
        key: String,
    },
    /// Staff ask for the requester's history card.
    Card {
        key: String,
    },
    /// A rating from the exit survey DM.
    Survey {
        key: String,
        rating: u8,
    },
    /// The survey's comment modal, submitted.
    SurveyComment {
        key: String,
        rating: u8,
    },
}

const PREFIX: &str = "docket";

fn key_ok(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 40
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn topic_ok(topic: &str) -> bool {
    !topic.is_empty()
        && topic.len() <= 50
        && topic
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

impl CustomId {
    pub fn parse(id: &str) -> Option<CustomId> {
        let mut parts = id.split(':');
        if parts.next()? != PREFIX {
            return None;
        }
        let kind = parts.next()?;
        let rest: Vec<&str> = parts.collect();
        let panel_and_topic = |rest: &[&str]| -> Option<(i64, Option<String>)> {
            match rest {
                [p] => Some((p.parse().ok()?, None)),
                [p, t] if topic_ok(t) => Some((p.parse().ok()?, Some(t.to_string()))),
                _ => None,
            }
        };
        let key = |rest: &[&str]| -> Option<String> {
            match rest {
                [k] if key_ok(k) => Some(k.to_string()),
                _ => None,
            }
        };
        let key_rating = |rest: &[&str]| -> Option<(String, u8)> {
            match rest {
                [k, r] if key_ok(k) => {
                    let r: u8 = r.parse().ok()?;
                    (1..=5).contains(&r).then(|| (k.to_string(), r))
                }
                _ => None,
            }
        };
        Some(match kind {
            "open" => {
                let (panel, topic) = panel_and_topic(&rest)?;
                CustomId::Open { panel, topic }
            }
            "menu" => match rest.as_slice() {
                [p] => CustomId::Menu {
                    panel: p.parse().ok()?,
                },
                _ => return None,
            },
            "form" => {
                let (panel, topic) = panel_and_topic(&rest)?;
                CustomId::Form { panel, topic }
            }
            "claim" => CustomId::Claim { key: key(&rest)? },
            "close" => CustomId::Close { key: key(&rest)? },
            "close-reason" => CustomId::CloseReason { key: key(&rest)? },
            "close-confirm" => CustomId::CloseConfirm { key: key(&rest)? },
            "card" => CustomId::Card { key: key(&rest)? },
            "survey" => {
                let (key, rating) = key_rating(&rest)?;
                CustomId::Survey { key, rating }
            }
            "survey-comment" => {
                let (key, rating) = key_rating(&rest)?;
                CustomId::SurveyComment { key, rating }
            }
            _ => return None,
        })
    }
}

impl std::fmt::Display for CustomId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let with_topic =
            |f: &mut std::fmt::Formatter<'_>, kind, panel, topic: &Option<String>| match topic {
                Some(t) => write!(f, "{PREFIX}:{kind}:{panel}:{t}"),
                None => write!(f, "{PREFIX}:{kind}:{panel}"),
            };
        match self {
            CustomId::Open { panel, topic } => with_topic(f, "open", panel, topic),
            CustomId::Menu { panel } => write!(f, "{PREFIX}:menu:{panel}"),
            CustomId::Form { panel, topic } => with_topic(f, "form", panel, topic),
            CustomId::Claim { key } => write!(f, "{PREFIX}:claim:{key}"),
            CustomId::Close { key } => write!(f, "{PREFIX}:close:{key}"),
            CustomId::CloseReason { key } => write!(f, "{PREFIX}:close-reason:{key}"),
            CustomId::CloseConfirm { key } => write!(f, "{PREFIX}:close-confirm:{key}"),
            CustomId::Card { key } => write!(f, "{PREFIX}:card:{key}"),
            CustomId::Survey { key, rating } => write!(f, "{PREFIX}:survey:{key}:{rating}"),
            CustomId::SurveyComment { key, rating } => {
                write!(f, "{PREFIX}:survey-comment:{key}:{rating}")
            }
        }
    }
}

/// The ticket tag naming the panel a ticket was opened from: the adapter finds the
/// panel's support roles, log channel and options again from the ticket alone.
pub fn panel_tag(panel: i64) -> String {
    format!("discord-panel-{panel}")
}

pub fn panel_from_tags(tags: &[String]) -> Option<i64> {
    tags.iter()
        .find_map(|t| t.strip_prefix("discord-panel-")?.parse().ok())
}

/// A comment's reference to the Discord message it came from or went to.
pub fn message_ref(message_id: u64) -> String {
    format!("discord:{message_id}")
}

/// The nonce of the message a web reply (comment `comment_id`) is posted as: the same
/// on every try, so Discord makes one message however often it is sent (at most 25
/// characters, as Discord allows).
pub fn reply_nonce(comment_id: i64) -> String {
    format!("dkt-c{comment_id}")
}

/// The note that a ticket's channel was deleted in Discord: one per channel, however
/// often the deletion is seen (a gateway replay, the catch-up).
pub fn channel_deleted_ref(channel_id: u64) -> String {
    format!("discord:channel-deleted:{channel_id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_id_round_trips() {
        let all = [
            CustomId::Open {
                panel: 3,
                topic: None,
            },
            CustomId::Open {
                panel: 3,
                topic: Some("billing".into()),
            },
            CustomId::Menu { panel: 12 },
            CustomId::Form {
                panel: 12,
                topic: Some("bug_report".into()),
            },
            CustomId::Claim {
                key: "DSC-7".into(),
            },
            CustomId::Close {
                key: "DSC-7".into(),
            },
            CustomId::CloseReason {
                key: "DSC-7".into(),
            },
            CustomId::CloseConfirm {
                key: "DSC-7".into(),
            },
            CustomId::Card {
                key: "DSC-7".into(),
            },
            CustomId::Survey {
                key: "DSC-7".into(),
                rating: 5,
            },
            CustomId::SurveyComment {
                key: "DSC-7".into(),
                rating: 1,
            },
        ];
        for id in all {
            let text = id.to_string();
            assert!(text.len() <= 100, "Discord's limit: {text}");
            assert_eq!(CustomId::parse(&text), Some(id), "{text}");
        }
    }

    #[test]
    fn foreign_and_old_ids_are_none() {
        for text in [
            "",
            "close:42",
            "docket",
            "docket:open",
            "docket:open:x",
            "docket:open:1:Bad Topic",
            "docket:claim:",
            "docket:claim:a/b",
            "docket:survey:DSC-1:9",
            "docket:survey:DSC-1",
            "docket:launch:1",
            "docket:claim:DSC-1:extra",
        ] {
            assert_eq!(CustomId::parse(text), None, "{text}");
        }
    }

    #[test]
    fn panel_tags_round_trip() {
        let tags = vec!["vip".to_string(), panel_tag(42)];
        assert_eq!(panel_from_tags(&tags), Some(42));
        assert_eq!(panel_from_tags(&["discord-panel-x".to_string()]), None);
    }
}
