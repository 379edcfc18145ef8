//! `--memory`: the server binary (`docket serve`, a child process) on the seeded desk,
//! its resident memory (VmRSS, and the peak VmHWM, from /proc/<pid>/status) idle after
//! start-up and a warm-up, then under many clients at once: some holding the live stream
//! (`GET /api/v1/stream`) open as agents, the rest looping the six list shapes as the
//! viewer. RSS is sampled every 100 ms during the load.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use docket_store::Backend;

use super::desk::Desk;
use super::shapes::Shape;
use crate::{ms, percentile};

#[derive(Debug, Clone)]
pub struct MemoryArgs {
    pub docket_bin: Option<PathBuf>,
    pub stream_clients: usize,
    pub list_clients: usize,
    pub seconds: u64,
    pub types_dir: PathBuf,
}

#[derive(Debug, Clone)]
pub struct MemoryResult {
    pub binary: PathBuf,
    pub idle_rss_kb: u64,
    pub idle_hwm_kb: u64,
    pub peak_rss_kb: u64,
    pub hwm_after_kb: u64,
    pub streams_open: usize,
    pub list_samples: Vec<Duration>,
    pub list_errors: usize,
    pub first_error: Option<String>,
    pub rss_samples: usize,
    pub seconds: f64,
}

/// The first of: the flag, `docket` next to this program, ./target/release/docket.
fn binary(arg: &Option<PathBuf>) -> anyhow::Result<PathBuf> {
    let candidates: Vec<PathBuf> = match arg {
        Some(p) => vec![p.clone()],
        None => std::env::current_exe()
            .ok()
            .and_then(|p| p.parent().map(|d| d.join("docket")))
            .into_iter()
            .chain([PathBuf::from("target/release/docket")])
            .collect(),
    };
    candidates
        .into_iter()
        .find(|p| p.is_file())
        .with_context(|| "no docket binary: build it (`cargo build --release -p docket-server`) or pass --docket-bin")
}

/// VmRSS and VmHWM of a process, in kB.
fn memory_kb(pid: u32) -> anyhow::Result<(u64, u64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    Ok((field("VmRSS:"), field("VmHWM:")))
}

/// Raise this process's open-file limit to its hard limit: each client is a socket, and
/// the server (a child) inherits the limit. Returns the soft limit now in force.
fn raise_fd_limit() -> u64 {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit write and read only the struct passed.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) == 0 && lim.rlim_cur < lim.rlim_max {
            lim.rlim_cur = lim.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &lim);
            libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim);
        }
    }
    // rlim_t is u64 on Linux, not on every target.
    #[allow(clippy::unnecessary_cast)]
    let soft = lim.rlim_cur as u64;
    soft
}

/// The database URL a `docket serve` of the desk gets: PostgreSQL's schema goes in the
/// connect options.
pub fn child_url(url: &str, schema: Option<&str>) -> String {
    match schema {
        Some(s) => format!(
            "{url}{}options[search_path]={s}",
            if url.contains('?') { '&' } else { '?' }
        ),
        None => url.to_string(),
    }
}

/// The server process (std's: tokio's `process` feature is not built in this
/// workspace) and its data folder.
struct Child {
    process: std::process::Child,
    dir: PathBuf,
}

impl Child {
    /// SIGTERM (a graceful stop), then SIGKILL after 10 s.
    async fn stop(mut self) {
        // SAFETY: a signal to our own child, by its id.
        unsafe {
            libc::kill(self.process.id() as i32, libc::SIGTERM);
        }
        let started = Instant::now();
        while matches!(self.process.try_wait(), Ok(None)) {
            if started.elapsed() > Duration::from_secs(10) {
                let _ = self.process.kill();
                let _ = self.process.wait();
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

async fn start(
    bin: &Path,
    url: &str,
    schema: Option<&str>,
    types_dir: &Path,
) -> anyhow::Result<(Child, String)> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let dir =
        std::env::temp_dir().join(format!("docket-bench-memory-{}-{port}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let log = std::fs::File::create(dir.join("server.log"))?;
    let process = std::process::Command::new(bin)
        .arg("serve")
        .env("DOCKET_DATABASE_URL", child_url(url, schema))
        .env("DOCKET_DATA_DIR", &dir)
        .env("DOCKET_TYPES_DIR", types_dir)
        .env("DOCKET_WEB_DIR", dir.join("no-web"))
        .env("DOCKET_BIND", format!("127.0.0.1:{port}"))
        .env("DOCKET_LOG", "warn")
        .env_remove("DOCKET_CONFIG")
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log)
        .spawn()
        .with_context(|| format!("starting {}", bin.display()))?;
    let mut child = Child { process, dir };
    let base = format!("http://127.0.0.1:{port}/api/v1");
    let health = reqwest::Client::new();
    let started = Instant::now();
    loop {
        if let Ok(Some(status)) = child.process.try_wait() {
            let log = std::fs::read_to_string(child.dir.join("server.log")).unwrap_or_default();
            bail!("docket serve exited ({status}):\n{log}");
        }
        if let Ok(r) = health.get(format!("{base}/health")).send().await
            && r.status().is_success()
        {
            break;
        }
        if started.elapsed() > Duration::from_secs(300) {
            child.stop().await;
            bail!("docket serve did not answer /health within 300 s");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    Ok((child, base))
}

fn urls(base: &str, shapes: &[Shape]) -> Vec<String> {
    // Interleaved: the n-th variant of every shape, then the next.
    let most = shapes.iter().map(|s| s.variants.len()).max().unwrap_or(0);
    (0..most)
        .flat_map(|k| {
            shapes
                .iter()
                .map(move |s| format!("{base}/tickets?{}", s.variants[k % s.variants.len()].query))
        })
        .collect()
}

pub async fn measure(
    args: &MemoryArgs,
    backend: Backend,
    url: &str,
    schema: Option<&str>,
    desk: &Desk,
    shapes: &[Shape],
) -> anyhow::Result<MemoryResult> {
    let bin = binary(&args.docket_bin)?;
    let clients = args.stream_clients + args.list_clients;
    let limit = raise_fd_limit();
    if limit < clients as u64 + 200 {
        println!(
            "  note: the open-file limit is {limit}, too low for {clients} clients (and the server inherits it)"
        );
    }
    let (child, base) = start(&bin, url, schema, &args.types_dir).await?;
    let pid = child.process.id();
    let result = load(args, &base, pid, desk, shapes).await;
    child.stop().await;
    let mut r = result?;
    r.binary = bin;
    println!(
        "  memory ({backend:?}, {}): idle {} MB (peak so far {} MB); under {} stream + {} list clients for {:.0} s: peak RSS {} MB ({} samples; VmHWM {} MB), {} streams open, list p50 {} p99 {} over {} requests, {} failed{}",
        r.binary.display(),
        mb(r.idle_rss_kb),
        mb(r.idle_hwm_kb),
        args.stream_clients,
        args.list_clients,
        r.seconds,
        mb(r.peak_rss_kb),
        r.rss_samples,
        mb(r.hwm_after_kb),
        r.streams_open,
        ms(percentile(&r.list_samples, 50.0)),
        ms(percentile(&r.list_samples, 99.0)),
        r.list_samples.len(),
        r.list_errors,
        r.first_error
            .as_ref()
            .map(|e| format!(" (the first: {e})"))
            .unwrap_or_default()
    );
    Ok(r)
}

pub fn mb(kb: u64) -> String {
    format!("{:.1}", kb as f64 / 1024.0)
}

async fn load(
    args: &MemoryArgs,
    base: &str,
    pid: u32,
    desk: &Desk,
    shapes: &[Shape],
) -> anyhow::Result<MemoryResult> {
    let urls = Arc::new(urls(base, shapes));
    let viewer = crate::client_with_token(&desk.viewer.token)?;
    // Warm-up: every list once, a stream opened and closed; then let it settle.
    for u in urls.iter() {
        super::shapes::get(&viewer, u).await?;
    }
    drop(viewer.get(format!("{base}/stream")).send().await?);
    tokio::time::sleep(Duration::from_secs(3)).await;
    let (idle_rss_kb, idle_hwm_kb) = memory_kb(pid)?;

    // The streams: each its own connection, held open until the end, as the agents.
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()?;
    let tokens: Vec<&str> = desk
        .agents
        .iter()
        .map(|a| a.token.as_str())
        .chain([desk.viewer.token.as_str()])
        .collect();
    let mut opening = Vec::new();
    for k in 0..args.stream_clients {
        let req = client
            .get(format!("{base}/stream"))
            .bearer_auth(tokens[k % tokens.len()])
            .send();
        opening.push(tokio::spawn(req));
    }
    let mut streams = Vec::new();
    let mut first_error: Option<String> = None;
    for o in opening {
        match o.await? {
            Ok(r) if r.status().is_success() => streams.push(r),
            Ok(r) => {
                first_error.get_or_insert(format!("stream: {}", r.status()));
            }
            Err(e) => {
                first_error.get_or_insert(format!("stream: {e}"));
            }
        }
    }

    // The list clients, and the sampler, for the given time.
    let deadline = Instant::now() + Duration::from_secs(args.seconds);
    let next = Arc::new(AtomicUsize::new(0));
    let errors = Arc::new(AtomicUsize::new(0));
    let first = Arc::new(std::sync::Mutex::new(first_error));
    let list_client = reqwest::Client::builder()
        .pool_max_idle_per_host(args.list_clients)
        .timeout(Duration::from_secs(120))
        .build()?;
    let started = Instant::now();
    let mut loopers = Vec::new();
    for _ in 0..args.list_clients {
        let (urls, next, errors, first) =
            (urls.clone(), next.clone(), errors.clone(), first.clone());
        let client = list_client.clone();
        let token = desk.viewer.token.clone();
        loopers.push(tokio::spawn(async move {
            let mut samples = Vec::new();
            while Instant::now() < deadline {
                let u = &urls[next.fetch_add(1, Ordering::Relaxed) % urls.len()];
                let t = Instant::now();
                let r = async {
                    let resp = client.get(u).bearer_auth(&token).send().await?;
                    let status = resp.status();
                    resp.bytes().await?;
                    anyhow::ensure!(status.is_success(), "{u}: {status}");
                    anyhow::Ok(())
                }
                .await;
                match r {
                    Ok(()) => samples.push(t.elapsed()),
                    Err(e) => {
                        errors.fetch_add(1, Ordering::Relaxed);
                        if let Ok(mut f) = first.lock() {
                            f.get_or_insert(e.to_string());
                        }
                    }
                }
            }
            samples
        }));
    }
    let mut peak_rss_kb = 0;
    let mut rss_samples = 0;
    while Instant::now() < deadline {
        let (rss, _) = memory_kb(pid)?;
        peak_rss_kb = peak_rss_kb.max(rss);
        rss_samples += 1;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut list_samples = Vec::new();
    for l in loopers {
        list_samples.extend(l.await?);
    }
    let seconds = started.elapsed().as_secs_f64();
    let (rss, hwm_after_kb) = memory_kb(pid)?;
    peak_rss_kb = peak_rss_kb.max(rss);
    let streams_open = streams.len();
    drop(streams);
    let first_error = first.lock().ok().and_then(|f| f.clone());
    Ok(MemoryResult {
        binary: PathBuf::new(),
        idle_rss_kb,
        idle_hwm_kb,
        peak_rss_kb,
        hwm_after_kb,
        streams_open,
        list_samples,
        list_errors: errors.load(Ordering::Relaxed),
        first_error,
        rss_samples,
        seconds,
    })
}
