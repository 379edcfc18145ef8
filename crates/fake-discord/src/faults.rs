//! Scripted failures other than rate limits: the next calls to a route answer an error
//! of the test's choosing (Missing Permissions, a 500, ...), without touching the state.

use crate::calls::path_matches;

#[derive(Debug, Clone)]
struct Fault {
    method: String,
    pattern: String,
    remaining: u32,
    status: u16,
    code: u64,
    message: String,
}

#[derive(Debug, Default)]
pub(crate) struct Faults {
    queued: Vec<Fault>,
}

impl Faults {
    pub(crate) fn inject(
        &mut self,
        method: &str,
        pattern: &str,
        count: u32,
        status: u16,
        code: u64,
        message: &str,
    ) {
        self.queued.push(Fault {
            method: method.to_ascii_uppercase(),
            pattern: pattern.to_string(),
            remaining: count,
            status,
            code,
            message: message.to_string(),
        });
    }

    /// Takes one use of the first fault for this call: (status, code, message).
    pub(crate) fn take(&mut self, method: &str, path: &str) -> Option<(u16, u64, String)> {
        let index = self.queued.iter().position(|f| {
            f.remaining > 0
                && (f.method == "*" || f.method == method)
                && path_matches(&f.pattern, path)
        })?;
        let fault = &mut self.queued[index];
        fault.remaining -= 1;
        let answer = (fault.status, fault.code, fault.message.clone());
        if fault.remaining == 0 {
            self.queued.remove(index);
        }
        Some(answer)
    }
}
