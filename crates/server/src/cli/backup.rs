//! `docket backup` and `docket restore`: a consistent copy of the database, taken while
//! Docket runs, and putting one into an empty database.
//!
//! SQLite: `VACUUM INTO` (one read transaction; in WAL mode writers go on). PostgreSQL:
//! `pg_dump` of Docket's schema, reading a snapshot this command holds open and counts
//! in, so the summary counts exactly what the file holds (`backup/postgres.rs`).
//! Either way the file is written beside its final name and renamed when whole, so
//! there is never a half-written backup or database under the name.

mod postgres;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use docket_server::config::{Config, ConfigArgs, master_key_path};
use docket_store::identity::MasterKey;
use docket_store::{Backend, Inventory, Store, redacted_url};

#[derive(Args)]
pub struct BackupArgs {
    /// The file to write (a SQLite database, or a pg_dump custom-format archive).
    #[arg(long)]
    output: PathBuf,
    /// Replace the file if it exists.
    #[arg(long)]
    force: bool,
}

#[derive(Args)]
pub struct RestoreArgs {
    /// A file `docket backup` wrote.
    #[arg(long)]
    input: PathBuf,
}

pub async fn backup(args: BackupArgs, config: &ConfigArgs) -> anyhow::Result<ExitCode> {
    let config = Config::load(config, None)?;
    let url = &config.database_url;
    if args.output.is_dir() {
        anyhow::bail!("{} is a directory: name a file", args.output.display());
    }
    if args.output.exists() && !args.force {
        anyhow::bail!(
            "{} exists: name another file, or add --force to replace it",
            args.output.display()
        );
    }
    let (backend, inventory) = match Backend::of_url(url) {
        Some(Backend::Sqlite) => ("SQLite", backup_sqlite(url, &args).await?),
        Some(Backend::Postgres) => ("PostgreSQL", postgres::backup(url, &args).await?),
        None => anyhow::bail!("unsupported database URL `{}`", redacted_url(url)),
    };
    let bytes = std::fs::metadata(&args.output)?.len();
    tracing::info!(
        file = %args.output.display(),
        backend,
        bytes,
        tickets = inventory.tickets,
        attachments = inventory.attachments_in_database.count,
        "backup written"
    );
    println!(
        "backup of {} written to {} ({backend}, {})",
        redacted_url(url),
        args.output.display(),
        size(bytes)
    );
    print_inventory(&inventory);
    if inventory.attachments_in_bucket.count > 0 {
        println!(
            "note: the {} attachment(s) in the bucket are not in this backup: back the bucket up as well",
            inventory.attachments_in_bucket.count
        );
    }
    println!(
        "note: the master key ({}) is not in this backup, and must not be: keep a copy of it apart \
         from the backups. Without it the sealed secrets (SMTP, IMAP, Discord and AI keys, webhook \
         secrets) cannot be opened after a restore.",
        key_location(&config)
    );
    Ok(ExitCode::SUCCESS)
}

pub async fn restore(args: RestoreArgs, config: &ConfigArgs) -> anyhow::Result<ExitCode> {
    let config = Config::load(config, None)?;
    let url = &config.database_url;
    let input = &args.input;
    let format = format_of(input)?;
    // Commits still in the log would be missing from a copy of the file alone.
    if sibling(input, "-wal").exists() {
        anyhow::bail!(
            "{} has a write-ahead log beside it: it is a database in use, not a backup; take one \
             with `docket backup`",
            input.display()
        );
    }
    let (before, after) = match (format, Backend::of_url(url)) {
        (Backend::Sqlite, Some(Backend::Sqlite)) => restore_sqlite(url, input).await?,
        (Backend::Postgres, Some(Backend::Postgres)) => postgres::restore(url, input).await?,
        (Backend::Sqlite, Some(Backend::Postgres)) => anyhow::bail!(
            "{} is a SQLite backup, and the database URL names PostgreSQL: a backup restores only \
             into the backend it was taken from",
            input.display()
        ),
        (Backend::Postgres, Some(Backend::Sqlite)) => anyhow::bail!(
            "{} is a PostgreSQL backup, and the database URL names SQLite: a backup restores only \
             into the backend it was taken from",
            input.display()
        ),
        (_, None) => anyhow::bail!("unsupported database URL `{}`", redacted_url(url)),
    };
    tracing::info!(
        file = %input.display(),
        tickets = after.tickets,
        migration = after.migration.as_deref().unwrap_or(""),
        "backup restored"
    );
    println!("restored {} into {}", input.display(), redacted_url(url));
    print_inventory(&after);
    if before.migration != after.migration {
        println!(
            "note: the backup was at migration {}, and is now up to date",
            before.migration.as_deref().unwrap_or("none")
        );
    }
    if after.attachments_in_bucket.count > 0 {
        println!(
            "note: {} attachment(s) are in a bucket, not in the backup: configure the same bucket \
             (or restore its copy) before starting Docket",
            after.attachments_in_bucket.count
        );
    }
    if after.sealed_secrets > 0 {
        println!("{}", master_key_advice(&config, &after));
    }
    Ok(ExitCode::SUCCESS)
}

/// SQLite: `VACUUM INTO` a staged file beside the output, check it, rename it into place.
async fn backup_sqlite(url: &str, args: &BackupArgs) -> anyhow::Result<Inventory> {
    let path = docket_store::sqlite_file(url)?;
    // Opening would create an empty database, and back that up.
    if !path.is_file() {
        anyhow::bail!("no database at {}: nothing to back up", path.display());
    }
    if std::fs::canonicalize(&args.output).ok() == Some(std::fs::canonicalize(&path)?) {
        anyhow::bail!("{} is the database itself", args.output.display());
    }
    let store = Store::connect(url, None).await?;
    let staged = Staged::create(&args.output)?;
    let copied = store.copy_sqlite_into(staged.path()).await;
    store.close().await;
    copied?;
    let inventory = docket_store::inspect_sqlite_file(staged.path())
        .await
        .map_err(|e| not_docket(e, &path))?;
    staged.commit(args.force)?;
    Ok(inventory)
}

/// SQLite: copy the backup beside the target, check it, migrate it, rename it into place.
/// Answers what the backup held and what the database holds now.
async fn restore_sqlite(url: &str, input: &Path) -> anyhow::Result<(Inventory, Inventory)> {
    let target = docket_store::sqlite_file(url)?;
    let target_exists = target.exists();
    if target_exists {
        let tables = docket_store::sqlite_tables(&target).await?;
        if !tables.is_empty() {
            anyhow::bail!(
                "{} already holds {} table(s) ({}): restore only into an empty database; nothing was changed",
                target.display(),
                tables.len(),
                first_few(&tables)
            );
        }
        // A write-ahead log beside an empty database is someone's open connection.
        if sibling(&target, "-wal").exists() {
            anyhow::bail!(
                "{} is in use (it has a -wal file): stop what has it open; nothing was changed",
                target.display()
            );
        }
    }
    if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
        docket_store::create_private_dir(dir)?;
    }
    let staged = Staged::create(&target)?;
    {
        let mut from = std::fs::File::open(input)
            .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", input.display()))?;
        let mut to = std::fs::OpenOptions::new()
            .write(true)
            .open(staged.path())?;
        std::io::copy(&mut from, &mut to)?;
        to.flush()?;
    }
    let before = docket_store::inspect_sqlite_file(staged.path())
        .await
        .map_err(|e| not_docket(e, input))?;
    let staged_url = format!("sqlite://{}", staged.path().display());
    let store = Store::connect(&staged_url, None).await?;
    let migrated = async {
        store.migrate().await?;
        store.inventory().await
    }
    .await;
    // Closing the last connection folds the write-ahead log into the file.
    store.close().await;
    let after = migrated?;
    if sibling(staged.path(), "-wal").exists() {
        anyhow::bail!(
            "the restored database kept a write-ahead log; nothing was changed, try again"
        );
    }
    let _ = std::fs::remove_file(sibling(staged.path(), "-shm"));
    staged.commit(target_exists)?;
    Ok((before, after))
}

/// The backend a backup file was taken from, by its first bytes.
fn format_of(path: &Path) -> anyhow::Result<Backend> {
    let mut head = [0u8; 16];
    let read = {
        use std::io::Read;
        let mut file = std::fs::File::open(path)
            .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
        file.read(&mut head)?
    };
    match &head[..read] {
        b"SQLite format 3\0" => Ok(Backend::Sqlite),
        h if h.starts_with(b"PGDMP") => Ok(Backend::Postgres),
        _ => anyhow::bail!(
            "{} is not a Docket backup: neither a SQLite database nor a pg_dump archive in \
             custom format (which `docket backup` writes)",
            path.display()
        ),
    }
}

/// A file written beside its final name (`.NAME.PID.partial`) and renamed into place
/// when whole; removed, with any SQLite files beside it, if dropped before that.
struct Staged {
    path: PathBuf,
    target: PathBuf,
    committed: bool,
}

impl Staged {
    /// An empty file readable by its owner only (backups hold everything Docket keeps).
    fn create(target: &Path) -> anyhow::Result<Staged> {
        let name = target
            .file_name()
            .ok_or_else(|| anyhow::anyhow!("{} names no file", target.display()))?;
        let path = target.with_file_name(format!(
            ".{}.{}.partial",
            name.to_string_lossy(),
            std::process::id()
        ));
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        options
            .open(&path)
            .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", path.display()))?;
        Ok(Staged {
            path,
            target: target.to_path_buf(),
            committed: false,
        })
    }

    fn path(&self) -> &Path {
        &self.path
    }

    /// Flush the file to disk and rename it to its target; an existing target is
    /// replaced only when `replace`.
    fn commit(mut self, replace: bool) -> anyhow::Result<()> {
        std::fs::File::open(&self.path)?.sync_all()?;
        if !replace && self.target.exists() {
            anyhow::bail!(
                "{} appeared meanwhile; left as it is",
                self.target.display()
            );
        }
        std::fs::rename(&self.path, &self.target).map_err(|e| {
            anyhow::anyhow!(
                "cannot rename {} to {}: {e}",
                self.path.display(),
                self.target.display()
            )
        })?;
        self.committed = true;
        // The rename itself is on disk once its directory is.
        if let Some(dir) = self.target.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::File::open(dir)?.sync_all()?;
        }
        Ok(())
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if !self.committed {
            for suffix in ["", "-wal", "-shm", "-journal"] {
                let _ = std::fs::remove_file(sibling(&self.path, suffix));
            }
        }
    }
}

/// `path` with `suffix` appended to its name (`docket.db-wal`).
fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// A store error about a file that is not a Docket database, said so.
fn not_docket(e: docket_store::StoreError, path: &Path) -> anyhow::Error {
    match e {
        docket_store::StoreError::NotFound(_) => anyhow::anyhow!(
            "{} holds no Docket tables: not a Docket database",
            path.display()
        ),
        other => other.into(),
    }
}

/// The same lines after a backup and after its restore, so the two compare line by line.
fn print_inventory(inventory: &Inventory) {
    let db = inventory.attachments_in_database;
    let bucket = inventory.attachments_in_bucket;
    let lines = [
        (
            "migration",
            inventory.migration.clone().unwrap_or_else(|| "none".into()),
        ),
        ("ticket types", inventory.ticket_types.to_string()),
        ("tickets", inventory.tickets.to_string()),
        ("extension rows", inventory.extension_rows.to_string()),
        ("comments", inventory.comments.to_string()),
        (
            "attachments",
            format!("{} in the database ({})", db.count, size(db.bytes)),
        ),
        (
            "in a bucket",
            format!(
                "{} ({}), not in the backup",
                bucket.count,
                size(bucket.bytes)
            ),
        ),
        (
            "sealed secrets",
            match inventory.secret_key_ids.as_slice() {
                [] => "0".into(),
                ids => format!(
                    "{} (master key {})",
                    inventory.sealed_secrets,
                    ids.join(", ")
                ),
            },
        ),
    ];
    for (name, value) in lines {
        println!("  {name:<15} {value}");
    }
}

/// Where this installation's master key is, for the operator to copy.
fn key_location(config: &Config) -> String {
    if std::env::var_os("DOCKET_MASTER_KEY").is_some() {
        "DOCKET_MASTER_KEY".into()
    } else {
        master_key_path(config).display().to_string()
    }
}

/// Whether the master key configured here opens the restored secrets. Reads the key
/// without making one (`load_master_key` would, and a new key opens nothing). Advice
/// only: the restore is done whatever it finds.
fn master_key_advice(config: &Config, restored: &Inventory) -> String {
    let sealed_with = restored.secret_key_ids.join(", ");
    let id_of = |text: String| MasterKey::from_base64(&text).map(|k| Some(k.id().to_string()));
    let id = match std::env::var("DOCKET_MASTER_KEY") {
        Ok(text) => id_of(text),
        Err(_) => match std::fs::read_to_string(master_key_path(config)) {
            Ok(text) => id_of(text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e.to_string()),
        },
    };
    match id.transpose() {
        Some(Ok(id)) if restored.secret_key_ids.contains(&id) => {
            format!("the master key here ({id}) opens the sealed secrets")
        }
        Some(Ok(id)) => format!(
            "warning: the master key here ({id}, {}) did not seal the restored secrets (master key \
             {sealed_with}): put the backed-up installation's key there before starting Docket, or \
             its secrets cannot be opened",
            key_location(config)
        ),
        Some(Err(e)) => format!(
            "warning: the master key in {} cannot be read ({e}): put the backed-up installation's \
             key ({sealed_with}) there before starting Docket",
            key_location(config)
        ),
        None => format!(
            "note: put the backed-up installation's master key ({sealed_with}) in {} or \
             DOCKET_MASTER_KEY before starting Docket: it would otherwise make a new key, which \
             cannot open the {} sealed secret(s)",
            master_key_path(config).display(),
            restored.sealed_secrets
        ),
    }
}

fn first_few(names: &[String]) -> String {
    let mut shown = names.iter().take(3).cloned().collect::<Vec<_>>().join(", ");
    if names.len() > 3 {
        shown.push_str(", ...");
    }
    shown
}

fn size(bytes: u64) -> String {
    const MB: f64 = 1024.0 * 1024.0;
    match bytes as f64 {
        b if b >= 1024.0 * MB => format!("{:.1} GB", b / (1024.0 * MB)),
        b if b >= MB => format!("{:.1} MB", b / MB),
        b if b >= 1024.0 => format!("{:.1} kB", b / 1024.0),
        _ => format!("{bytes} bytes"),
    }
}
