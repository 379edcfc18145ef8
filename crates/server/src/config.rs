//! Configuration: flags override the environment, which overrides the config file, which
//! overrides the defaults. Every setting works with no file at all.

use std::path::{Path, PathBuf};

use clap::Args;
use docket_store::Store;
use docket_store::attachments::{AttachmentPolicy, ObjectStore, S3Settings};
use docket_store::identity::MasterKey;
use serde::Deserialize;

/// The settings every command that touches the database shares.
#[derive(Debug, Clone, Args, Default)]
pub struct ConfigArgs {
    /// Config file (TOML); read if it exists. Keys: database_url, bind, data_dir, types_dir,
    /// secure_cookies, sla_sweep_seconds, job_lease_seconds, shutdown_grace_seconds,
    /// web_dir, metrics_bind, metrics_token, attachment_max_bytes, attachment_types,
    /// attachment_storage, s3_endpoint, s3_bucket, s3_region, s3_access_key_id,
    /// s3_prefix, s3_path_style.
    #[arg(long, env = "DOCKET_CONFIG", global = true)]
    pub config: Option<PathBuf>,
    /// Database URL: sqlite://path/to/docket.db or postgres://user@host/db.
    /// Default: SQLite in the data directory.
    #[arg(long, env = "DOCKET_DATABASE_URL", global = true)]
    pub database_url: Option<String>,
    /// Where Docket keeps its files (the SQLite database by default). Default: ./data
    #[arg(long, env = "DOCKET_DATA_DIR", global = true)]
    pub data_dir: Option<PathBuf>,
    /// The ticket type files to manage. Default: ./ticket-types
    #[arg(long, env = "DOCKET_TYPES_DIR", global = true)]
    pub types_dir: Option<PathBuf>,
    /// Mark the session cookie Secure (when Docket is reached over HTTPS).
    #[arg(long, env = "DOCKET_SECURE_COOKIES", global = true)]
    pub secure_cookies: Option<bool>,
    /// Seconds between escalation sweeps (SLA warnings, breaches). Default: 10
    #[arg(long, env = "DOCKET_SLA_SWEEP_SECONDS", global = true)]
    pub sla_sweep_seconds: Option<u64>,
    /// Seconds a claimed background job stays leased to this instance before another may
    /// take it over. Default: 60
    #[arg(long, env = "DOCKET_JOB_LEASE_SECONDS", global = true)]
    pub job_lease_seconds: Option<u64>,
    /// Seconds a stopping server (SIGTERM, Ctrl-C) lets requests in flight finish before
    /// dropping them. Default: 20
    #[arg(long, env = "DOCKET_SHUTDOWN_GRACE_SECONDS", global = true)]
    pub shutdown_grace_seconds: Option<u64>,
    /// A built web UI (`npm run build` in web/) to serve at `/` instead of the one built
    /// into the binary. Default: the built-in UI, else ./web/dist
    #[arg(long, env = "DOCKET_WEB_DIR", global = true)]
    pub web_dir: Option<PathBuf>,
    /// Serve Prometheus metrics at `/metrics` on this address too, without a token (keep
    /// it private: `127.0.0.1:9464`, or an internal interface). Default: none
    #[arg(long, env = "DOCKET_METRICS_BIND", global = true)]
    pub metrics_bind: Option<String>,
    /// Serve Prometheus metrics at `/metrics` on the main address to scrapers that send
    /// `Authorization: Bearer <this>`. Default: none (`/metrics` answers 404 there)
    #[arg(
        long,
        env = "DOCKET_METRICS_TOKEN",
        global = true,
        hide_env_values = true
    )]
    pub metrics_token: Option<String>,
    /// Largest file accepted as an attachment, in bytes. Default: 26214400 (25 MiB)
    #[arg(long, env = "DOCKET_ATTACHMENT_MAX_BYTES", global = true)]
    pub attachment_max_bytes: Option<u64>,
    /// Media types accepted as attachments, comma-separated patterns (`image/*,application/pdf`).
    /// Default: every type (they are always served as downloads, never run in the browser)
    #[arg(
        long,
        env = "DOCKET_ATTACHMENT_TYPES",
        global = true,
        value_delimiter = ','
    )]
    pub attachment_types: Option<Vec<String>>,
    /// Where new attachments' bytes go: `database` (default) or `s3` (an S3-compatible
    /// bucket; the s3_* settings say which, and the sealed secret `s3_secret_access_key`
    /// holds its key: `docket secrets set s3_secret_access_key`).
    #[arg(long, env = "DOCKET_ATTACHMENT_STORAGE", global = true)]
    pub attachment_storage: Option<String>,
    /// The S3-compatible service's URL (`https://s3.eu-west-1.amazonaws.com`, `http://minio:9000`).
    #[arg(long, env = "DOCKET_S3_ENDPOINT", global = true)]
    pub s3_endpoint: Option<String>,
    #[arg(long, env = "DOCKET_S3_BUCKET", global = true)]
    pub s3_bucket: Option<String>,
    /// Default: us-east-1
    #[arg(long, env = "DOCKET_S3_REGION", global = true)]
    pub s3_region: Option<String>,
    #[arg(long, env = "DOCKET_S3_ACCESS_KEY_ID", global = true)]
    pub s3_access_key_id: Option<String>,
    /// Prepended to every object key (`docket/`). Default: none
    #[arg(long, env = "DOCKET_S3_PREFIX", global = true)]
    pub s3_prefix: Option<String>,
    /// Address the bucket as `endpoint/bucket/key` (true, the default: MinIO, Ceph,
    /// Garage) or `bucket.endpoint/key` (false: AWS's preferred form).
    #[arg(long, env = "DOCKET_S3_PATH_STYLE", global = true)]
    pub s3_path_style: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    database_url: Option<String>,
    bind: Option<String>,
    data_dir: Option<PathBuf>,
    types_dir: Option<PathBuf>,
    secure_cookies: Option<bool>,
    sla_sweep_seconds: Option<u64>,
    job_lease_seconds: Option<u64>,
    shutdown_grace_seconds: Option<u64>,
    web_dir: Option<PathBuf>,
    metrics_bind: Option<String>,
    metrics_token: Option<String>,
    attachment_max_bytes: Option<u64>,
    attachment_types: Option<Vec<String>>,
    attachment_storage: Option<String>,
    s3_endpoint: Option<String>,
    s3_bucket: Option<String>,
    s3_region: Option<String>,
    s3_access_key_id: Option<String>,
    s3_prefix: Option<String>,
    s3_path_style: Option<bool>,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub database_url: String,
    pub bind: String,
    pub data_dir: PathBuf,
    pub types_dir: PathBuf,
    pub secure_cookies: bool,
    pub sla_sweep_seconds: u64,
    pub job_lease_seconds: u64,
    pub shutdown_grace_seconds: u64,
    /// A directory to serve the UI from instead of the built-in one (`WebUi::choose`).
    pub web_dir: Option<PathBuf>,
    /// A second address that serves only `/metrics`, without a token.
    pub metrics_bind: Option<String>,
    /// The bearer token `/metrics` asks for on the main address.
    pub metrics_token: Option<String>,
    pub attachments: AttachmentPolicy,
    /// Set when attachments go to an S3-compatible bucket.
    pub object_storage: Option<ObjectStorageConfig>,
}

/// The bucket attachments go to, but its secret (sealed in the database).
#[derive(Debug, Clone)]
pub struct ObjectStorageConfig {
    pub endpoint: String,
    pub bucket: String,
    pub region: String,
    pub access_key_id: String,
    pub prefix: String,
    pub path_style: bool,
}

/// The sealed secret holding the bucket's secret access key.
pub const S3_SECRET: &str = "s3_secret_access_key";

impl ObjectStorageConfig {
    /// Open the bucket with the sealed secret and check that it answers, so a wrong
    /// setting stops the server at start instead of failing the first upload.
    pub async fn connect(
        &self,
        store: &Store,
        master_key: &MasterKey,
    ) -> anyhow::Result<ObjectStore> {
        let secret = store.reveal_secret(master_key, S3_SECRET).await?.ok_or_else(|| {
            anyhow::anyhow!(
                "attachment_storage is s3 but the secret `{S3_SECRET}` is not set: run `docket secrets set {S3_SECRET}`"
            )
        })?;
        let objects = ObjectStore::new(S3Settings {
            endpoint: self.endpoint.clone(),
            bucket: self.bucket.clone(),
            region: self.region.clone(),
            access_key_id: self.access_key_id.clone(),
            secret_access_key: secret,
            prefix: self.prefix.clone(),
            path_style: self.path_style,
        })
        .map_err(|e| anyhow::anyhow!("object storage: {e}"))?;
        objects.check().await.map_err(|e| {
            anyhow::anyhow!(
                "object storage at {} (bucket {}): {e}",
                self.endpoint,
                self.bucket
            )
        })?;
        Ok(objects)
    }
}

pub const DEFAULT_BIND: &str = "127.0.0.1:8080";

impl Config {
    pub fn load(args: &ConfigArgs, bind: Option<String>) -> anyhow::Result<Config> {
        let default_file = Path::new("docket.toml");
        let file = match &args.config {
            Some(p) => Some(read_file(p)?),
            None if default_file.exists() => Some(read_file(default_file)?),
            None => None,
        }
        .unwrap_or_default();
        let object_storage = object_storage(args, &file)?;
        let data_dir = args
            .data_dir
            .clone()
            .or(file.data_dir)
            .unwrap_or_else(|| PathBuf::from("data"));
        let types_dir = args
            .types_dir
            .clone()
            .or(file.types_dir)
            .unwrap_or_else(|| PathBuf::from("ticket-types"));
        let database_url = match args.database_url.clone().or(file.database_url) {
            Some(url) => url,
            // The folder is created when the database is opened, not by reading settings.
            None => format!("sqlite://{}", data_dir.join("docket.db").display()),
        };
        Ok(Config {
            database_url,
            bind: bind
                .or_else(|| std::env::var("DOCKET_BIND").ok())
                .or(file.bind)
                .unwrap_or_else(|| DEFAULT_BIND.to_string()),
            secure_cookies: args.secure_cookies.or(file.secure_cookies).unwrap_or(false),
            sla_sweep_seconds: args
                .sla_sweep_seconds
                .or(file.sla_sweep_seconds)
                .unwrap_or(10)
                .max(1),
            job_lease_seconds: args
                .job_lease_seconds
                .or(file.job_lease_seconds)
                .unwrap_or(60)
                .max(1),
            shutdown_grace_seconds: args
                .shutdown_grace_seconds
                .or(file.shutdown_grace_seconds)
                .unwrap_or(crate::SHUTDOWN_GRACE.as_secs()),
            web_dir: args.web_dir.clone().or(file.web_dir),
            metrics_bind: args.metrics_bind.clone().or(file.metrics_bind),
            metrics_token: args
                .metrics_token
                .clone()
                .or(file.metrics_token)
                .filter(|t| !t.is_empty()),
            attachments: {
                let defaults = AttachmentPolicy::default();
                AttachmentPolicy {
                    max_bytes: args
                        .attachment_max_bytes
                        .or(file.attachment_max_bytes)
                        .unwrap_or(defaults.max_bytes)
                        .max(1),
                    allowed_types: args
                        .attachment_types
                        .clone()
                        .or(file.attachment_types)
                        .unwrap_or(defaults.allowed_types),
                }
            },
            object_storage,
            data_dir,
            types_dir,
        })
    }
}

fn object_storage(
    args: &ConfigArgs,
    file: &FileConfig,
) -> anyhow::Result<Option<ObjectStorageConfig>> {
    let storage = args
        .attachment_storage
        .clone()
        .or(file.attachment_storage.clone());
    match storage.as_deref() {
        None | Some("database") => return Ok(None),
        Some("s3") => {}
        Some(other) => anyhow::bail!("attachment_storage `{other}`: use database or s3"),
    }
    let required = |flag: &Option<String>, key: &Option<String>, name: &str| {
        flag.clone()
            .or(key.clone())
            .filter(|v| !v.is_empty())
            .ok_or_else(|| anyhow::anyhow!("attachment_storage is s3, so {name} is needed"))
    };
    Ok(Some(ObjectStorageConfig {
        endpoint: required(&args.s3_endpoint, &file.s3_endpoint, "s3_endpoint")?,
        bucket: required(&args.s3_bucket, &file.s3_bucket, "s3_bucket")?,
        access_key_id: required(
            &args.s3_access_key_id,
            &file.s3_access_key_id,
            "s3_access_key_id",
        )?,
        region: args
            .s3_region
            .clone()
            .or(file.s3_region.clone())
            .unwrap_or_else(|| "us-east-1".into()),
        prefix: args
            .s3_prefix
            .clone()
            .or(file.s3_prefix.clone())
            .unwrap_or_default(),
        path_style: args.s3_path_style.or(file.s3_path_style).unwrap_or(true),
    }))
}

fn read_file(path: &Path) -> anyhow::Result<FileConfig> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
    toml::from_str(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

/// Where the master key lives unless `DOCKET_MASTER_KEY` gives it.
pub fn master_key_path(config: &Config) -> PathBuf {
    config.data_dir.join("master.key")
}

/// The key secrets are sealed with: `DOCKET_MASTER_KEY` (base64 of 32 bytes), else the
/// key file in the data directory, created on first use readable by its owner only.
pub fn load_master_key(config: &Config) -> anyhow::Result<MasterKey> {
    if let Ok(text) = std::env::var("DOCKET_MASTER_KEY") {
        return MasterKey::from_base64(&text)
            .map_err(|e| anyhow::anyhow!("DOCKET_MASTER_KEY: {e}"));
    }
    let path = master_key_path(config);
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            MasterKey::from_base64(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let key = MasterKey::generate();
            write_key_file(&path, &key, false)?;
            tracing::info!(path = %path.display(), "created the master key for secrets at rest; back it up");
            Ok(key)
        }
        Err(e) => Err(anyhow::anyhow!("cannot read {}: {e}", path.display())),
    }
}

/// Write a key file readable by its owner only. Without `overwrite` an existing file is
/// an error (two instances starting at once must not each write a key).
pub fn write_key_file(path: &Path, key: &MasterKey, overwrite: bool) -> anyhow::Result<()> {
    use std::io::Write;
    if let Some(dir) = path.parent() {
        docket_store::create_private_dir(dir)?;
    }
    if overwrite {
        match std::fs::remove_file(path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e.into()),
            _ => {}
        }
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", path.display()))?;
    writeln!(file, "{}", key.to_base64())?;
    file.sync_all()?;
    Ok(())
}
