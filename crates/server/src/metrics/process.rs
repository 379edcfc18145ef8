//! The process metrics every Prometheus client library exports, under their usual names
//! (`process_*`), so existing dashboards and alerts work. Read from /proc on Linux;
//! elsewhere only the start time is known.

use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

use super::exposition::Exposition;

static STARTED: OnceLock<SystemTime> = OnceLock::new();

/// Note the start time: when the server's metrics are made (else at the first scrape).
pub fn mark_start() {
    STARTED.get_or_init(SystemTime::now);
}

pub fn write(out: &mut Exposition) {
    mark_start();
    let started = STARTED
        .get()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0.0, |d| d.as_secs_f64());
    out.gauge(
        "process_start_time_seconds",
        "Start time of the process since the Unix epoch, in seconds.",
        started,
    );
    #[cfg(target_os = "linux")]
    linux::write(out);
}

#[cfg(target_os = "linux")]
mod linux {
    use super::Exposition;

    pub fn write(out: &mut Exposition) {
        // SAFETY: sysconf reads a constant of the system; it has no preconditions.
        let (ticks, page) = unsafe {
            (
                libc::sysconf(libc::_SC_CLK_TCK),
                libc::sysconf(libc::_SC_PAGESIZE),
            )
        };
        if let Some((cpu_ticks, virtual_bytes, resident_pages)) = stat() {
            if ticks > 0 {
                out.family(
                    "process_cpu_seconds_total",
                    "counter",
                    "Total user and system CPU time spent in seconds.",
                );
                out.sample(
                    "process_cpu_seconds_total",
                    &[],
                    cpu_ticks as f64 / ticks as f64,
                );
            }
            out.gauge(
                "process_virtual_memory_bytes",
                "Virtual memory size in bytes.",
                virtual_bytes as f64,
            );
            out.gauge(
                "process_resident_memory_bytes",
                "Resident memory size in bytes.",
                (resident_pages * page.max(0) as u64) as f64,
            );
        }
        if let Ok(fds) = std::fs::read_dir("/proc/self/fd") {
            out.gauge(
                "process_open_fds",
                "Number of open file descriptors.",
                fds.count() as f64,
            );
        }
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit writes into the struct it is given, which lives on this stack.
        if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } == 0 {
            out.gauge(
                "process_max_fds",
                "Maximum number of open file descriptors.",
                limit.rlim_cur as f64,
            );
        }
    }

    /// utime + stime (clock ticks), vsize (bytes) and rss (pages) from /proc/self/stat.
    fn stat() -> Option<(u64, u64, u64)> {
        let text = std::fs::read_to_string("/proc/self/stat").ok()?;
        // The command name (field 2) is in parentheses and may hold spaces: count the
        // fields after its closing one, which is field 3.
        let rest = &text[text.rfind(')')? + 1..];
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let field = |n: usize| fields.get(n - 3)?.parse::<u64>().ok();
        Some((field(14)? + field(15)?, field(23)?, field(24)?))
    }
}
