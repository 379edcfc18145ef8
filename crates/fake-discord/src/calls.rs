//! The log of every REST request the fake received, for assertions and waiting.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::sync::watch;

use crate::lock;

/// One REST request as it arrived and how it was answered.
#[derive(Debug, Clone)]
pub struct Call {
    pub method: String,
    /// Without the `/api/v10` prefix: `/channels/123/messages`.
    pub path: String,
    pub query: Option<String>,
    /// The JSON body, or for multipart the `payload_json` part; `Null` when none.
    pub body: Value,
    /// Multipart file parts: (field name, filename, size in bytes).
    pub files: Vec<(String, String, usize)>,
    /// The `X-Audit-Log-Reason` header, if sent.
    pub audit_log_reason: Option<String>,
    /// What the fake answered (401, 429 and 404 included).
    pub status: u16,
    pub at: Instant,
}

impl Call {
    /// `"POST /channels/123/messages"`.
    pub fn route(&self) -> String {
        format!("{} {}", self.method, self.path)
    }

    /// Whether `method` matches and `pattern` matches the path segment by segment, `*`
    /// standing for any one segment: `is("POST", "/channels/*/messages")`.
    pub fn is(&self, method: &str, pattern: &str) -> bool {
        self.method.eq_ignore_ascii_case(method) && path_matches(pattern, &self.path)
    }
}

/// Segment-wise match of a path against a pattern where `*` is any one segment.
pub fn path_matches(pattern: &str, path: &str) -> bool {
    let pattern: Vec<&str> = pattern.trim_matches('/').split('/').collect();
    let path: Vec<&str> = path.trim_matches('/').split('/').collect();
    pattern.len() == path.len()
        && pattern
            .iter()
            .zip(&path)
            .all(|(want, got)| *want == "*" || want == got)
}

pub(crate) struct CallLog {
    calls: Mutex<Vec<Call>>,
    count: watch::Sender<usize>,
}

impl CallLog {
    pub(crate) fn new() -> CallLog {
        CallLog {
            calls: Mutex::new(Vec::new()),
            count: watch::Sender::new(0),
        }
    }

    pub(crate) fn record(&self, call: Call) {
        let mut calls = lock(&self.calls);
        calls.push(call);
        self.count.send_replace(calls.len());
    }

    pub(crate) fn all(&self) -> Vec<Call> {
        lock(&self.calls).clone()
    }

    /// The first call (already logged or still to come) that `predicate` accepts, or
    /// `None` after `timeout`.
    pub(crate) async fn wait_for(
        &self,
        mut predicate: impl FnMut(&Call) -> bool,
        timeout: Duration,
    ) -> Option<Call> {
        let mut seen = 0;
        let mut changes = self.count.subscribe();
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            {
                let calls = lock(&self.calls);
                if let Some(call) = calls[seen..].iter().find(|c| predicate(c)) {
                    return Some(call.clone());
                }
                seen = calls.len();
            }
            changes.borrow_and_update();
            // Re-check what arrived between the scan and the subscription mark.
            if lock(&self.calls).len() != seen {
                continue;
            }
            match tokio::time::timeout_at(deadline, changes.changed()).await {
                Ok(Ok(())) => continue,
                _ => return None,
            }
        }
    }
}
