//! PostgreSQL backups with PostgreSQL's own programs: `pg_dump` of Docket's schema in
//! custom format, `pg_restore` of it in one transaction. They reach the database
//! through libpq's environment (`docket_store::libpq_env`), never a password on their
//! command line.

use std::path::Path;
use std::process::{Command, Output, Stdio};

use docket_store::{Inventory, Store, redacted_url};

use super::{BackupArgs, Staged, first_few};

/// The titles' trigram index names an operator class of `pg_trgm`, which lives outside
/// Docket's schema and so outside the dump (migration 000019). A restore leaves it out
/// and `migrate` builds it wherever the extension is (`store/src/indexes.rs`).
const TRIGRAM_INDEX: &str = "ix_tickets_title_trgm";

/// Dump the schema the store works in, reading a snapshot held open meanwhile, so the
/// counts are the file's.
pub(super) async fn backup(url: &str, args: &BackupArgs) -> anyhow::Result<Inventory> {
    let store = Store::connect(url, None).await?;
    let schema = store.current_schema().await?.ok_or_else(|| {
        anyhow::anyhow!(
            "{} has no schema on its search path: nothing to back up",
            redacted_url(url)
        )
    })?;
    let server = store.postgres_major_version().await?;
    let client = major_version("pg_dump", server).await?;
    if client < server {
        anyhow::bail!(
            "pg_dump is version {client} and the server {server}, and pg_dump cannot dump a newer \
             server: {}",
            install_hint(server)
        );
    }
    let snapshot = store.export_snapshot().await?;
    let inventory = match snapshot.inventory().await {
        Ok(inventory) => inventory,
        Err(docket_store::StoreError::NotFound(_)) => anyhow::bail!(
            "schema `{schema}` of {} holds no Docket tables: nothing to back up",
            redacted_url(url)
        ),
        Err(e) => return Err(e.into()),
    };
    let staged = Staged::create(&args.output)?;
    let dumped = run(
        "pg_dump",
        &[
            "--format=custom".into(),
            "--no-password".into(),
            format!("--schema={}", pattern(&schema)),
            format!("--snapshot={}", snapshot.id()),
            format!("--file={}", staged.path().display()),
            // A connection string without a database name: the rest comes from the
            // environment (`PGDATABASE`...).
            "--dbname=application_name=docket-backup".into(),
        ],
        &docket_store::libpq_env(url)?,
    )
    .await;
    let _ = snapshot.release().await;
    store.close().await;
    dumped?;
    // The archive reads back, and holds the schema asked for.
    let toc = table_of_contents(staged.path()).await?;
    if dumped_schema(&toc).as_deref() != Some(schema.as_str()) {
        anyhow::bail!("pg_dump wrote an archive without Docket's tables of schema `{schema}`");
    }
    staged.commit(args.force)?;
    Ok(inventory)
}

/// Restore into the database of `url`, which must have nothing in the dump's schema, and
/// whose search path must lead to it. Answers what the backup held and what the
/// database holds after migrating.
pub(super) async fn restore(url: &str, input: &Path) -> anyhow::Result<(Inventory, Inventory)> {
    let toc = table_of_contents(input).await?;
    let schema = dumped_schema(&toc).ok_or_else(|| {
        anyhow::anyhow!(
            "{} is a pg_dump archive without Docket's tables: not a Docket backup",
            input.display()
        )
    })?;
    let store = Store::connect(url, None).await?;
    let target = store.restore_target(&schema).await?;
    if !target.relations.is_empty() {
        anyhow::bail!(
            "schema `{schema}` of {} already holds {} table(s) or sequence(s) ({}): restore only \
             into an empty database; nothing was changed",
            redacted_url(url),
            target.relations.len(),
            first_few(&target.relations)
        );
    }
    if target.works_in.as_deref() != Some(schema.as_str()) {
        anyhow::bail!(
            "the backup holds schema `{schema}`, but Docket on {} would work in {}: put \
             `options=-c%20search_path%3D{schema}` in the database URL (or restore into a database \
             whose search path leads to `{schema}`); nothing was changed",
            redacted_url(url),
            target
                .works_in
                .as_deref()
                .map_or("no schema".to_string(), |s| format!("`{s}`"))
        );
    }
    store.create_trigram_extension().await?;
    store.close().await;
    let list = restore_list(&toc, &schema, target.schema_exists);
    let list_file = ListFile::write(&list)?;
    run(
        "pg_restore",
        &[
            "--no-owner".into(),
            "--no-privileges".into(),
            "--exit-on-error".into(),
            // All or nothing: a failure leaves the database as it was.
            "--single-transaction".into(),
            "--no-password".into(),
            format!("--use-list={}", list_file.0.display()),
            "--dbname=application_name=docket-restore".into(),
            input.display().to_string(),
        ],
        &docket_store::libpq_env(url)?,
    )
    .await?;
    // A fresh connection, whose search path finds the new schema.
    let store = Store::connect(url, None).await?;
    let restored = async {
        let before = store.inventory().await?;
        store.migrate().await?;
        Ok::<_, anyhow::Error>((before, store.inventory().await?))
    }
    .await;
    store.close().await;
    restored
}

/// `pg_restore --list`: the archive's table of contents, one entry a line.
async fn table_of_contents(archive: &Path) -> anyhow::Result<String> {
    run(
        "pg_restore",
        &["--list".into(), archive.display().to_string()],
        &[],
    )
    .await
    .map_err(|e| {
        anyhow::anyhow!(
            "cannot read {}: {e:#} (an archive made by a newer pg_dump needs a pg_restore at least as new)",
            archive.display()
        )
    })
}

/// The words of a table-of-contents entry after its ids: `<id>; <tableoid> <oid> <kind>
/// <schema> <name> <owner>`, the kind being one word or more (`TABLE DATA`).
fn entry(line: &str) -> Option<Vec<&str>> {
    if line.starts_with(';') {
        return None;
    }
    let (_, rest) = line.split_once("; ")?;
    Some(rest.split_whitespace().skip(2).collect())
}

/// The schema of the archive's `seaql_migrations` table: Docket's.
fn dumped_schema(toc: &str) -> Option<String> {
    toc.lines().find_map(|line| match entry(line)?.as_slice() {
        ["TABLE", schema, "seaql_migrations", _owner] => Some(schema.to_string()),
        _ => None,
    })
}

/// The table of contents to restore: without creating the schema when it exists (a
/// dump of `public` would fail on `CREATE SCHEMA public`; its comment needs its owner),
/// and without the trigram index ([`TRIGRAM_INDEX`]). Left-out entries are commented.
fn restore_list(toc: &str, schema: &str, schema_exists: bool) -> String {
    let mut out = String::with_capacity(toc.len());
    for line in toc.lines() {
        let skip = match entry(line).as_deref() {
            Some(["SCHEMA", "-", s, _]) | Some(["COMMENT", "-", "SCHEMA", s, _]) => {
                schema_exists && *s == schema
            }
            Some(["INDEX", s, name, _]) => *s == schema && *name == TRIGRAM_INDEX,
            _ => false,
        };
        if skip {
            out.push(';');
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// A schema name as a pg_dump pattern that matches it alone: double-quoted, so case,
/// `*`, `?` and `.` are taken literally.
fn pattern(schema: &str) -> String {
    format!("\"{}\"", schema.replace('"', "\"\""))
}

/// The restore's table of contents in a file of its own, removed when dropped.
struct ListFile(std::path::PathBuf);

impl ListFile {
    fn write(list: &str) -> anyhow::Result<ListFile> {
        let path = std::env::temp_dir().join(format!("docket-restore-{}.list", std::process::id()));
        std::fs::write(&path, list)
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
        Ok(ListFile(path))
    }
}

impl Drop for ListFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// The major version of a PostgreSQL program on PATH (`pg_dump (PostgreSQL) 15.20`: 15).
async fn major_version(program: &str, server: u32) -> anyhow::Result<u32> {
    let mut command = Command::new(program);
    command.arg("--version");
    let out = output(command).await.map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => anyhow::anyhow!(
            "{program} is not installed (or not in PATH): {}",
            install_hint(server)
        ),
        _ => anyhow::anyhow!("cannot run {program}: {e}"),
    })?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.split_whitespace()
        .find_map(|word| {
            let digits: String = word.chars().take_while(char::is_ascii_digit).collect();
            digits.parse().ok()
        })
        .ok_or_else(|| anyhow::anyhow!("cannot tell {program}'s version from `{}`", text.trim()))
}

fn install_hint(server: u32) -> String {
    format!(
        "install PostgreSQL {server}'s client programs or newer (Debian and Ubuntu: apt-get install \
         postgresql-client-{server}) and put them first in PATH"
    )
}

/// Run a PostgreSQL program to the end; its output, or its error output as the error.
async fn run(program: &str, args: &[String], env: &[(&str, String)]) -> anyhow::Result<String> {
    let mut command = Command::new(program);
    command
        .args(args)
        .envs(env.iter().map(|(name, value)| (name, value)))
        .stdin(Stdio::null());
    let out = output(command).await.map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => anyhow::anyhow!(
            "{program} is not installed (or not in PATH): install PostgreSQL's client programs"
        ),
        _ => anyhow::anyhow!("cannot run {program}: {e}"),
    })?;
    if !out.status.success() {
        let errors = String::from_utf8_lossy(&out.stderr);
        let errors: Vec<&str> = errors
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        anyhow::bail!("{program} failed ({}): {}", out.status, errors.join(" | "));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Run a program to the end on a thread of its own (a dump takes minutes; the
/// runtime's threads keep the snapshot's connection).
async fn output(mut command: Command) -> std::io::Result<Output> {
    tokio::task::spawn_blocking(move || command.output())
        .await
        .map_err(std::io::Error::other)?
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOC: &str = ";\n; Archive created at 2026-12-06 12:21:43 UTC\n;\n\
        5; 2615 2200 SCHEMA - public pg_database_owner\n\
        3399; 0 0 COMMENT - SCHEMA public pg_database_owner\n\
        218; 1259 16480 TABLE public seaql_migrations docket\n\
        3392; 0 16480 TABLE DATA public seaql_migrations docket\n\
        3250; 1259 16479 INDEX public ix_tickets_title_trgm docket\n\
        3251; 1259 16481 INDEX public ix_tickets_queue docket\n";

    #[test]
    fn the_schema_is_that_of_docket_s_migrations_table() {
        assert_eq!(dumped_schema(TOC).as_deref(), Some("public"));
        assert_eq!(dumped_schema("; nothing\n7; 2615 1 SCHEMA - s1 me\n"), None);
    }

    #[test]
    fn an_existing_schema_is_not_created_again_and_the_trigram_index_waits_for_migrate() {
        let list = restore_list(TOC, "public", true);
        let kept: Vec<&str> = list.lines().filter(|l| !l.starts_with(';')).collect();
        assert_eq!(
            kept,
            [
                "218; 1259 16480 TABLE public seaql_migrations docket",
                "3392; 0 16480 TABLE DATA public seaql_migrations docket",
                "3251; 1259 16481 INDEX public ix_tickets_queue docket",
            ]
        );
        let list = restore_list(TOC, "public", false);
        assert!(list.contains("\n5; 2615 2200 SCHEMA - public"), "{list}");
    }

    #[test]
    fn schema_patterns_are_literal() {
        assert_eq!(pattern("t_1"), "\"t_1\"");
        assert_eq!(pattern("We\"ird*"), "\"We\"\"ird*\"");
    }
}
