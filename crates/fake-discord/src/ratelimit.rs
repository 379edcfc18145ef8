//! Discord's rate-limit protocol: every answer carries its bucket's `X-RateLimit-*`
//! headers; tests inject 429s (per route or global) or turn on a real per-bucket limit
//! so a client's waiting is exercised.
//!
//! Buckets are keyed like Discord's: the route with ids replaced by placeholders,
//! except the major parameter (`channels/{id}`, `guilds/{id}`, `webhooks/{id}/{token}`),
//! so `POST /channels/1/messages` and `POST /channels/2/messages` count separately.

use std::collections::HashMap;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::calls::path_matches;

/// Limit reported when no real limit is configured (never reached by counting).
const NOMINAL_LIMIT: u32 = 50;

#[derive(Debug, Clone)]
struct Injection {
    method: String,
    pattern: String,
    remaining: u32,
    retry_after: f64,
    scope: &'static str,
}

#[derive(Debug, Default)]
pub(crate) struct RateLimits {
    injections: Vec<Injection>,
    global: Vec<f64>,
    limit: Option<(u32, Duration)>,
    /// (bucket, major) -> (window start, requests counted in it).
    windows: HashMap<String, (Instant, u32)>,
}

/// What to do with one request.
pub(crate) struct Decision {
    /// `Some(retry_after seconds)`: answer 429.
    pub limited: Option<f64>,
    pub global: bool,
    pub headers: Vec<(&'static str, String)>,
}

impl RateLimits {
    pub(crate) fn inject(
        &mut self,
        method: &str,
        pattern: &str,
        count: u32,
        retry_after: f64,
        shared: bool,
    ) {
        self.injections.push(Injection {
            method: method.to_ascii_uppercase(),
            pattern: pattern.to_string(),
            remaining: count,
            retry_after,
            scope: if shared { "shared" } else { "user" },
        });
    }

    pub(crate) fn inject_global(&mut self, count: u32, retry_after: f64) {
        self.global
            .extend(std::iter::repeat_n(retry_after, count as usize));
    }

    pub(crate) fn set_limit(&mut self, limit: Option<(u32, Duration)>) {
        self.limit = limit;
        self.windows.clear();
    }

    /// Count the request and decide. `segments` is the path after `/api/v10`.
    pub(crate) fn check(&mut self, method: &str, path: &str, segments: &[&str]) -> Decision {
        let (bucket, major) = bucket_of(method, segments);
        let now = Instant::now();
        if !self.global.is_empty() {
            let retry_after = self.global.remove(0);
            return Decision {
                limited: Some(retry_after),
                global: true,
                headers: vec![
                    ("x-ratelimit-global", "true".into()),
                    ("x-ratelimit-scope", "global".into()),
                    ("retry-after", retry_header(retry_after)),
                ],
            };
        }
        let (limit, remaining, reset_after) = match self.limit {
            Some((limit, window)) => {
                let entry = self
                    .windows
                    .entry(format!("{bucket}:{major}"))
                    .or_insert((now, 0));
                if now.duration_since(entry.0) >= window {
                    *entry = (now, 0);
                }
                entry.1 += 1;
                let reset_after = window
                    .saturating_sub(now.duration_since(entry.0))
                    .as_secs_f64();
                if entry.1 > limit {
                    let mut headers = bucket_headers(&bucket, limit, 0, reset_after);
                    headers.push(("x-ratelimit-scope", "user".into()));
                    headers.push(("retry-after", retry_header(reset_after)));
                    return Decision {
                        limited: Some(reset_after),
                        global: false,
                        headers,
                    };
                }
                (limit, limit - entry.1, reset_after)
            }
            None => (NOMINAL_LIMIT, NOMINAL_LIMIT - 1, 1.0),
        };
        if let Some(index) = self.injections.iter().position(|i| {
            i.remaining > 0
                && (i.method == "*" || i.method == method)
                && path_matches(&i.pattern, path)
        }) {
            let injection = &mut self.injections[index];
            injection.remaining -= 1;
            let (retry_after, scope) = (injection.retry_after, injection.scope);
            if injection.remaining == 0 {
                self.injections.remove(index);
            }
            let mut headers = bucket_headers(&bucket, limit, 0, retry_after);
            headers.push(("x-ratelimit-scope", scope.into()));
            headers.push(("retry-after", retry_header(retry_after)));
            return Decision {
                limited: Some(retry_after),
                global: false,
                headers,
            };
        }
        Decision {
            limited: None,
            global: false,
            headers: bucket_headers(&bucket, limit, remaining, reset_after),
        }
    }
}

/// `Retry-After` is whole seconds on Discord (the body's `retry_after` is precise).
fn retry_header(seconds: f64) -> String {
    (seconds.ceil() as u64).to_string()
}

fn bucket_headers(
    bucket: &str,
    limit: u32,
    remaining: u32,
    reset_after: f64,
) -> Vec<(&'static str, String)> {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0);
    vec![
        ("x-ratelimit-limit", limit.to_string()),
        ("x-ratelimit-remaining", remaining.to_string()),
        ("x-ratelimit-reset", format!("{:.3}", now + reset_after)),
        ("x-ratelimit-reset-after", format!("{reset_after:.3}")),
        ("x-ratelimit-bucket", bucket.to_string()),
    ]
}

/// (bucket hash, major parameter) of a route.
pub(crate) fn bucket_of(method: &str, segments: &[&str]) -> (String, String) {
    let mut template = String::from(method);
    let mut major = String::new();
    let mut previous = "";
    for (i, segment) in segments.iter().enumerate() {
        template.push('/');
        let is_major = i == 1 && matches!(previous, "channels" | "guilds" | "webhooks")
            || i == 2 && segments[0] == "webhooks";
        if is_major {
            major.push_str(segment);
            major.push('/');
            template.push_str("{major}");
        } else if segment.bytes().all(|b| b.is_ascii_digit()) && !segment.is_empty() {
            template.push_str("{id}");
        } else {
            template.push_str(segment);
        }
        previous = segment;
    }
    (format!("{:016x}", fnv1a(template.as_bytes())), major)
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, b| {
        (hash ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_keep_the_major_parameter_apart() {
        let (a, major_a) = bucket_of("POST", &["channels", "1", "messages"]);
        let (b, major_b) = bucket_of("POST", &["channels", "2", "messages"]);
        assert_eq!(a, b);
        assert_ne!(major_a, major_b);
        let (c, _) = bucket_of("GET", &["channels", "1", "messages"]);
        assert_ne!(a, c);
        let (d, _) = bucket_of("PATCH", &["channels", "1", "messages", "5"]);
        let (e, _) = bucket_of("PATCH", &["channels", "1", "messages", "6"]);
        assert_eq!(d, e);
    }

    #[test]
    fn a_real_limit_answers_429_past_the_count() {
        let mut limits = RateLimits::default();
        limits.set_limit(Some((2, Duration::from_secs(60))));
        let segs = ["channels", "1", "messages"];
        assert!(
            limits
                .check("POST", "/channels/1/messages", &segs)
                .limited
                .is_none()
        );
        assert!(
            limits
                .check("POST", "/channels/1/messages", &segs)
                .limited
                .is_none()
        );
        assert!(
            limits
                .check("POST", "/channels/1/messages", &segs)
                .limited
                .is_some()
        );
        // Another channel is another bucket instance.
        assert!(
            limits
                .check(
                    "POST",
                    "/channels/2/messages",
                    &["channels", "2", "messages"]
                )
                .limited
                .is_none()
        );
    }
}
