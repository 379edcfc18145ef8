//! The live stream (`GET /stream`): server-sent events parsed here over reqwest's byte
//! stream, reconnecting with `Last-Event-ID` so the server replays what was missed.

use std::collections::VecDeque;
use std::time::Duration;

use docket_api::TicketChange;
use futures::stream::BoxStream;
use futures::{Stream, StreamExt};
use reqwest::header;

use crate::client::{Answer, Call, Client, answer_error};
use crate::endpoints::STREAM;
use crate::error::{ClientError, Result};
use crate::retry::jittered;

/// What the live stream tells.
#[derive(Debug, Clone, PartialEq)]
pub enum LiveEvent {
    /// A ticket changed; refetch what you show of it.
    Ticket(TicketChange),
    /// Changes were missed (too many to replay, or the client fell behind); refetch
    /// everything you show.
    Resync,
    /// A connection was opened (the first, or after a drop): every change from now on
    /// arrives as an event, so this is the moment to read the current state once (read
    /// before it, a change made meanwhile could reach neither the read nor the stream).
    Connected,
}

/// One dispatched server-sent event.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct SseEvent {
    pub event: String,
    pub data: String,
    /// The last event id in force when it was dispatched.
    pub id: Option<String>,
}

/// The `text/event-stream` grammar, fed chunk by chunk (a line may span chunks).
#[derive(Debug, Default)]
pub(crate) struct SseParser {
    buf: Vec<u8>,
    event: String,
    data: String,
    has_data: bool,
    last_id: Option<String>,
    /// The reconnection delay the server asked for (`retry:`).
    pub retry: Option<Duration>,
}

impl SseParser {
    pub fn push(&mut self, chunk: &[u8]) -> Vec<SseEvent> {
        self.buf.extend_from_slice(chunk);
        let mut out = Vec::new();
        while let Some(end) = self.buf.iter().position(|b| *b == b'\n' || *b == b'\r') {
            // A CR at the end of what arrived may be the first half of a CRLF.
            if self.buf[end] == b'\r' && end + 1 == self.buf.len() {
                break;
            }
            let skip = if self.buf[end] == b'\r' && self.buf[end + 1] == b'\n' {
                2
            } else {
                1
            };
            let line: Vec<u8> = self.buf.drain(..end + skip).take(end).collect();
            let line = String::from_utf8_lossy(&line);
            if let Some(event) = self.line(&line) {
                out.push(event);
            }
        }
        out
    }

    fn line(&mut self, line: &str) -> Option<SseEvent> {
        if line.is_empty() {
            return self.dispatch();
        }
        if line.starts_with(':') {
            return None; // a comment: the server's keep-alive
        }
        let (field, value) = match line.split_once(':') {
            Some((f, v)) => (f, v.strip_prefix(' ').unwrap_or(v)),
            None => (line, ""),
        };
        match field {
            "event" => self.event = value.to_string(),
            "data" => {
                self.data.push_str(value);
                self.data.push('\n');
                self.has_data = true;
            }
            "id" if !value.contains('\0') => self.last_id = Some(value.to_string()),
            "retry" => {
                if let Ok(ms) = value.parse::<u64>() {
                    self.retry = Some(Duration::from_millis(ms));
                }
            }
            _ => {}
        }
        None
    }

    fn dispatch(&mut self) -> Option<SseEvent> {
        let event = std::mem::take(&mut self.event);
        let mut data = std::mem::take(&mut self.data);
        if !std::mem::take(&mut self.has_data) {
            return None;
        }
        data.pop(); // the newline after the last data line
        Some(SseEvent {
            event: if event.is_empty() {
                "message".into()
            } else {
                event
            },
            data,
            id: self.last_id.clone(),
        })
    }
}

/// The stream's state between items.
struct Live {
    client: Client,
    last_id: Option<String>,
    body: Option<BoxStream<'static, reqwest::Result<Vec<u8>>>>,
    parser: SseParser,
    queue: VecDeque<Result<LiveEvent>>,
    /// Connection attempts that failed in a row.
    failures: u32,
    /// Whether a connection was open before (then wait before the next).
    reconnecting: bool,
    done: bool,
}

impl Client {
    /// Ticket changes as they happen, for as long as the stream is polled. It reconnects
    /// by itself (the server ends streams every 15 minutes; networks fail) and resumes
    /// after the last event it yielded (`Last-Event-ID`), so nothing is missed; the server
    /// sends `Resync` when it cannot replay. Give `last_event_id` (a `TicketChange`'s
    /// `event_id`) to resume from an earlier run.
    ///
    /// Transient failures (server down, timeouts, 5xx) are retried forever with capped
    /// backoff and are not yielded; an answer a retry cannot change (401 for a revoked
    /// token, 403) is yielded as the last item. A `ticket` event whose data cannot be read
    /// is yielded as a `Decode` error and the stream goes on.
    pub fn live(
        &self,
        last_event_id: Option<i64>,
    ) -> impl Stream<Item = Result<LiveEvent>> + Send + 'static {
        let state = Live {
            client: self.clone(),
            last_id: last_event_id.map(|i| i.to_string()),
            body: None,
            parser: SseParser::default(),
            queue: VecDeque::new(),
            failures: 0,
            reconnecting: false,
            done: false,
        };
        futures::stream::unfold(state, |mut st| async move {
            loop {
                if let Some(item) = st.queue.pop_front() {
                    return Some((item, st));
                }
                if st.done {
                    return None;
                }
                let Some(body) = st.body.as_mut() else {
                    st.connect().await;
                    continue;
                };
                match tokio::time::timeout(st.client.stream_idle_timeout, body.next()).await {
                    Ok(Some(Ok(chunk))) => {
                        for event in st.parser.push(&chunk) {
                            st.take(event);
                        }
                    }
                    // Ended, failed, or silent for too long: reconnect.
                    _ => st.body = None,
                }
            }
        })
    }
}

impl Live {
    async fn connect(&mut self) {
        let wait = if self.failures > 0 {
            jittered(self.client.retry.backoff(self.failures))
        } else if self.reconnecting {
            self.parser.retry.unwrap_or(Duration::from_secs(2))
        } else {
            Duration::ZERO
        };
        tokio::time::sleep(wait).await;
        match open(&self.client, self.last_id.clone()).await {
            Ok(body) => {
                self.failures = 0;
                self.reconnecting = true;
                // Keep the server's retry: across connections; drop any half line.
                self.parser = SseParser {
                    retry: self.parser.retry,
                    ..SseParser::default()
                };
                self.body = Some(body);
                self.queue.push_back(Ok(LiveEvent::Connected));
            }
            Err(e) if e.is_retryable() => self.failures = self.failures.saturating_add(1),
            Err(e) => {
                self.queue.push_back(Err(e));
                self.done = true;
            }
        }
    }

    fn take(&mut self, event: SseEvent) {
        match event.event.as_str() {
            "ticket" => {
                let item = serde_json::from_str::<TicketChange>(&event.data)
                    .map(LiveEvent::Ticket)
                    .map_err(|e| ClientError::Decode {
                        status: 200,
                        message: format!("stream event `ticket`: {e}"),
                    });
                self.queue.push_back(item);
            }
            "resync" => self.queue.push_back(Ok(LiveEvent::Resync)),
            _ => {} // events of later servers this client does not know
        }
        if event.id.is_some() {
            self.last_id = event.id;
        }
    }
}

/// One connection to the stream, resuming after `last_id`.
async fn open(
    client: &Client,
    last_id: Option<String>,
) -> Result<BoxStream<'static, reqwest::Result<Vec<u8>>>> {
    let call = Call {
        headers: last_id
            .map(|id| ("Last-Event-ID", id))
            .into_iter()
            .collect(),
        ..Call::default()
    };
    let req = client
        .request(&STREAM.endpoint, &call)?
        .header(header::ACCEPT, "text/event-stream");
    let unavailable = |reason: String| ClientError::Unavailable {
        reason,
        status: None,
        retry_after: None,
        problem: None,
    };
    // Only the wait for the answer's head is bounded here; the body lasts.
    let resp = tokio::time::timeout(client.request_timeout(), req.send())
        .await
        .map_err(|_| unavailable("timed out waiting for the stream".into()))?
        .map_err(|e| unavailable(format!("stream: {e}")))?;
    let status = resp.status().as_u16();
    let is_events = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("text/event-stream"));
    if status == STREAM.endpoint.status && is_events {
        return Ok(resp.bytes_stream().map(|r| r.map(|b| b.to_vec())).boxed());
    }
    let headers = resp.headers().clone();
    let body = tokio::time::timeout(client.request_timeout(), resp.bytes())
        .await
        .ok()
        .and_then(|r| r.ok())
        .map(|b| b.to_vec())
        .unwrap_or_default();
    Err(answer_error(&Answer {
        status,
        headers,
        body,
        uncertain: false,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_events_split_anywhere() {
        let text = "retry: 2000\r\n\r\n: keep-alive\n\nevent: ticket\nid: 7\ndata: {\"a\":\ndata: 1}\r\n\r\nevent: resync\ndata: {}\n\n";
        // Every split point gives the same events.
        for cut in 0..text.len() {
            let mut p = SseParser::default();
            let mut events = p.push(&text.as_bytes()[..cut]);
            events.extend(p.push(&text.as_bytes()[cut..]));
            assert_eq!(p.retry, Some(Duration::from_millis(2000)), "cut {cut}");
            assert_eq!(
                events,
                vec![
                    SseEvent {
                        event: "ticket".into(),
                        data: "{\"a\":\n1}".into(),
                        id: Some("7".into())
                    },
                    SseEvent {
                        event: "resync".into(),
                        data: "{}".into(),
                        id: Some("7".into())
                    },
                ],
                "cut {cut}"
            );
        }
    }

    #[test]
    fn an_event_without_data_is_not_dispatched() {
        let mut p = SseParser::default();
        assert!(p.push(b"event: ticket\nid: 3\n\n").is_empty());
        // The id stays in force for the next event.
        let e = p.push(b"data: x\n\n");
        assert_eq!(e[0].id.as_deref(), Some("3"));
        assert_eq!(e[0].event, "message");
    }
}
