//! Scripted failures other than rate limits: the next calls to a route answer an error
//! of the test's choosing (Missing Permissions, a 500, ...), without touching the state;
//! or are carried out and then answered with an error (the answer lost on the way, as a
//! 502 from Discord's edge after the message was made); or are carried out and answered
//! late (a slow Discord, or a caller that dies before the answer arrives).

use std::time::Duration;

use crate::calls::path_matches;

/// Whether the call is carried out before the scripted error answers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Effect {
    /// Nothing happens: the error is the whole answer.
    None,
    /// The call does what it asks; its answer is replaced by the error.
    Done,
}

#[derive(Debug, Clone)]
struct Fault {
    method: String,
    pattern: String,
    remaining: u32,
    status: u16,
    code: u64,
    message: String,
    effect: Effect,
}

#[derive(Debug, Clone)]
struct Delay {
    method: String,
    pattern: String,
    remaining: u32,
    delay: Duration,
}

/// What a fault makes of one call.
pub(crate) struct Taken {
    pub status: u16,
    pub code: u64,
    pub message: String,
    pub effect: Effect,
}

#[derive(Debug, Default)]
pub(crate) struct Faults {
    queued: Vec<Fault>,
    delays: Vec<Delay>,
}

fn matches(method: &str, pattern: &str, call_method: &str, path: &str) -> bool {
    (method == "*" || method == call_method) && path_matches(pattern, path)
}

impl Faults {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn inject(
        &mut self,
        method: &str,
        pattern: &str,
        count: u32,
        status: u16,
        code: u64,
        message: &str,
        effect: Effect,
    ) {
        self.queued.push(Fault {
            method: method.to_ascii_uppercase(),
            pattern: pattern.to_string(),
            remaining: count,
            status,
            code,
            message: message.to_string(),
            effect,
        });
    }

    pub(crate) fn delay(&mut self, method: &str, pattern: &str, count: u32, delay: Duration) {
        self.delays.push(Delay {
            method: method.to_ascii_uppercase(),
            pattern: pattern.to_string(),
            remaining: count,
            delay,
        });
    }

    /// Takes one use of the first fault for this call.
    pub(crate) fn take(&mut self, method: &str, path: &str) -> Option<Taken> {
        let index = self
            .queued
            .iter()
            .position(|f| f.remaining > 0 && matches(&f.method, &f.pattern, method, path))?;
        let fault = &mut self.queued[index];
        fault.remaining -= 1;
        let taken = Taken {
            status: fault.status,
            code: fault.code,
            message: fault.message.clone(),
            effect: fault.effect,
        };
        if fault.remaining == 0 {
            self.queued.remove(index);
        }
        Some(taken)
    }

    /// Takes one use of the first delay for this call.
    pub(crate) fn take_delay(&mut self, method: &str, path: &str) -> Option<Duration> {
        let index = self
            .delays
            .iter()
            .position(|d| d.remaining > 0 && matches(&d.method, &d.pattern, method, path))?;
        let delay = &mut self.delays[index];
        delay.remaining -= 1;
        let wait = delay.delay;
        if delay.remaining == 0 {
            self.delays.remove(index);
        }
        Some(wait)
    }
}
