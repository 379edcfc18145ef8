//! Scratch databases: each run's own SQLite file or PostgreSQL schema, made, handed to
//! the measurement and dropped after (or kept with --keep); leftovers of killed runs are
//! cleaned up first.

use super::*;

/// The database of one run, dropped at the end.
pub(crate) enum Scratch {
    Sqlite(PathBuf),
    Postgres { url: String, schema: String },
}

impl Scratch {
    async fn drop_it(self) {
        match self {
            Scratch::Sqlite(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Scratch::Postgres { url, schema } => {
                if let Ok(admin) = Database::connect(url.as_str()).await {
                    if let Err(e) = admin
                        .execute_unprepared(&format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"))
                        .await
                    {
                        eprintln!("could not drop schema {schema}: {e}");
                    }
                    let _ = admin.close().await;
                }
            }
        }
    }
}

fn scratch_name() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    format!("bench_{}_{secs}", std::process::id())
}

pub(crate) async fn cleanup_leftovers(args: &Args) {
    // Only this process's own scratch databases: named after its pid.
    let prefix = format!("bench_{}_", std::process::id());
    if let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) {
        for e in entries.flatten() {
            if e.file_name()
                .to_string_lossy()
                .starts_with(&format!("docket-{prefix}"))
            {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
    }
    if args.backend == BackendArg::Sqlite {
        return;
    }
    let Ok(admin) = Database::connect(args.postgres_url.as_str()).await else {
        return;
    };
    let schemas = admin
        .query_all_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Postgres,
            "SELECT nspname FROM pg_namespace",
        ))
        .await
        .unwrap_or_default();
    for r in schemas {
        if let Ok(name) = r.try_get::<String>("", "nspname")
            && name.starts_with(&prefix)
        {
            let _ = admin
                .execute_unprepared(&format!("DROP SCHEMA IF EXISTS \"{name}\" CASCADE"))
                .await;
        }
    }
    let _ = admin.close().await;
}

/// Run `f(backend, url, schema)` for each backend on a scratch database of its own, in
/// turn; the reports, or the first error (after Ctrl-C, what is left is dropped).
pub(crate) async fn each_backend<T, F, Fut>(
    args: &Args,
    backends: &[Backend],
    f: F,
) -> anyhow::Result<Vec<T>>
where
    F: Fn(Backend, String, Option<String>) -> Fut,
    Fut: Future<Output = anyhow::Result<T>>,
{
    let mut reports = Vec::new();
    for &backend in backends {
        let report = tokio::select! {
            r = with_scratch(backend, args, |url, schema| f(backend, url, schema)) => r,
            _ = tokio::signal::ctrl_c() => Err(anyhow!("interrupted")),
        };
        match report {
            Ok(r) => reports.push(r),
            Err(e) => {
                cleanup_leftovers(args).await;
                return Err(e.context(format!("{backend:?}")));
            }
        }
    }
    Ok(reports)
}

/// Run `f` on a scratch database of its own (its URL and PostgreSQL schema), then drop
/// the database (or keep it with --keep).
pub(crate) async fn with_scratch<T, F, Fut>(
    backend: Backend,
    args: &Args,
    f: F,
) -> anyhow::Result<T>
where
    F: FnOnce(String, Option<String>) -> Fut,
    Fut: Future<Output = anyhow::Result<T>>,
{
    let name = scratch_name();
    let (url, schema, scratch) = match backend {
        Backend::Sqlite => {
            let dir = std::env::temp_dir().join(format!("docket-{name}"));
            std::fs::create_dir_all(&dir)?;
            let url = format!("sqlite://{}", dir.join("docket.db").display());
            (url, None, Scratch::Sqlite(dir))
        }
        Backend::Postgres => {
            let admin = Database::connect(args.postgres_url.as_str())
                .await
                .with_context(|| format!("connecting to {}", args.postgres_url))?;
            admin
                .execute_unprepared(&format!("CREATE SCHEMA \"{name}\""))
                .await?;
            let _ = admin.close().await;
            (
                args.postgres_url.clone(),
                Some(name.clone()),
                Scratch::Postgres {
                    url: args.postgres_url.clone(),
                    schema: name.clone(),
                },
            )
        }
    };
    let result = f(url.clone(), schema).await;
    if args.keep {
        match &scratch {
            Scratch::Sqlite(dir) => println!("  kept: {url} (remove {} when done)", dir.display()),
            Scratch::Postgres { url, schema } => {
                println!(
                    "  kept: schema \"{schema}\" in {url} (DROP SCHEMA \"{schema}\" CASCADE when done)"
                )
            }
        }
    } else {
        scratch.drop_it().await;
    }
    result
}
