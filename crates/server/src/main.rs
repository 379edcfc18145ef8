//! The `docket` command.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use docket_core::typedef::META_SCHEMA;
use docket_server::config::{Config, ConfigArgs};
use docket_server::typefiles;
use docket_store::{Store, StoreError};

#[derive(Parser)]
#[command(
    name = "docket",
    version,
    about = "Docket: a configurable ticketing platform"
)]
struct Cli {
    #[command(flatten)]
    config: ConfigArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server: migrate, apply safe changes from the types directory, serve the API.
    Serve {
        /// Address to listen on (env DOCKET_BIND). Default: 127.0.0.1:8080
        #[arg(long)]
        bind: Option<String>,
    },
    /// Create or upgrade the core tables.
    Migrate,
    /// Ticket type files.
    Types {
        #[command(subcommand)]
        command: TypesCommand,
    },
    /// Print the OpenAPI document.
    Openapi,
}

#[derive(Subcommand)]
enum TypesCommand {
    /// Check type files (no database needed). Errors are printed as file:line:column.
    Check { paths: Vec<PathBuf> },
    /// Show what applying the type files would change, with the SQL.
    Plan { paths: Vec<PathBuf> },
    /// Apply the type files' changes.
    Apply {
        paths: Vec<PathBuf>,
        /// Also apply destructive changes (removing fields keeps their columns hidden).
        #[arg(long)]
        allow_destructive: bool,
    },
    /// Print every type in the database as YAML (all, or the slugs given).
    Export { slugs: Vec<String> },
    /// Print the JSON Schema type files are checked against.
    MetaSchema,
}

fn init_tracing() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("DOCKET_LOG")
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing();
    match run(cli).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn open(config: &Config) -> anyhow::Result<Store> {
    let store = Store::connect(&config.database_url, None).await?;
    store.migrate().await?;
    Ok(store)
}

fn paths_or_default(paths: Vec<PathBuf>, config: &Config) -> Vec<PathBuf> {
    if paths.is_empty() {
        vec![config.types_dir.clone()]
    } else {
        paths
    }
}

/// The configuration and the checked type files named by `paths` (default: the types
/// directory); problems are printed with their places.
fn config_and_files(
    args: &ConfigArgs,
    paths: Vec<PathBuf>,
) -> anyhow::Result<Result<(Config, Vec<typefiles::TypeFile>), ExitCode>> {
    let config = Config::load(args, None)?;
    let paths = paths_or_default(paths, &config);
    Ok(load_files(&paths).map(|files| (config, files)))
}

fn load_files(paths: &[PathBuf]) -> Result<Vec<typefiles::TypeFile>, ExitCode> {
    typefiles::load(paths).map_err(|errors| {
        for e in &errors {
            eprintln!("{e}");
        }
        eprintln!("{} problem(s) found", errors.len());
        ExitCode::FAILURE
    })
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Openapi => {
            print!("{}", docket_server::api::openapi_json());
            Ok(ExitCode::SUCCESS)
        }
        Command::Types {
            command: TypesCommand::MetaSchema,
        } => {
            println!("{META_SCHEMA}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Types {
            command: TypesCommand::Check { paths },
        } => {
            let (_, files) = match config_and_files(&cli.config, paths)? {
                Ok(cf) => cf,
                Err(code) => return Ok(code),
            };
            for f in &files {
                println!(
                    "{}: ok ({}, {} fields)",
                    f.path.display(),
                    f.definition.slug,
                    f.definition.schema["properties"]
                        .as_object()
                        .map_or(0, |p| p.len())
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Types {
            command: TypesCommand::Plan { paths },
        } => {
            let (config, files) = match config_and_files(&cli.config, paths)? {
                Ok(cf) => cf,
                Err(code) => return Ok(code),
            };
            let store = open(&config).await?;
            let mut worst = docket_core::evolution::Safety::Safe;
            for f in &files {
                let planned = match store.plan_type(&f.definition).await {
                    Ok(p) => p,
                    Err(e) => {
                        eprintln!("{}: {e}", f.path.display());
                        worst = docket_core::evolution::Safety::Refused;
                        continue;
                    }
                };
                let (plan, ddl) = (planned.plan, planned.ddl);
                if !plan.noop {
                    worst = worst.max(plan.safety);
                }
                print!("{}", typefiles::describe(&plan, &ddl));
            }
            Ok(if worst == docket_core::evolution::Safety::Refused {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            })
        }
        Command::Types {
            command:
                TypesCommand::Apply {
                    paths,
                    allow_destructive,
                },
        } => {
            let (config, files) = match config_and_files(&cli.config, paths)? {
                Ok(cf) => cf,
                Err(code) => return Ok(code),
            };
            let store = open(&config).await?;
            let mut failed = false;
            for f in &files {
                match store
                    .apply_type(
                        &f.definition,
                        &typefiles::origin(f, "docket types apply"),
                        allow_destructive,
                    )
                    .await
                {
                    Ok(applied) => {
                        print!("{}", typefiles::describe(&applied.plan, &applied.ddl));
                        if let Some(v) = applied.version {
                            println!("  applied as version {}", v.version);
                        }
                    }
                    Err(StoreError::PlanRefused(refused)) => {
                        print!("{}", typefiles::describe(&refused.plan, &refused.ddl));
                        println!("  not applied");
                        failed = true;
                    }
                    Err(e) => {
                        eprintln!("{}: {e}", f.path.display());
                        failed = true;
                    }
                }
            }
            Ok(if failed {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            })
        }
        Command::Types {
            command: TypesCommand::Export { slugs },
        } => {
            let config = Config::load(&cli.config, None)?;
            let store = open(&config).await?;
            let all = store.registry().all();
            let unknown: Vec<&String> = slugs
                .iter()
                .filter(|s| !all.iter().any(|t| &t.stored.slug == *s))
                .collect();
            if !unknown.is_empty() {
                for s in unknown {
                    eprintln!("no ticket type `{s}` in the database");
                }
                return Ok(ExitCode::FAILURE);
            }
            let mut first = true;
            for t in all
                .iter()
                .filter(|t| slugs.is_empty() || slugs.contains(&t.stored.slug))
            {
                if !first {
                    println!("---");
                }
                first = false;
                print!("{}", t.stored.definition.to_yaml());
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Migrate => {
            let config = Config::load(&cli.config, None)?;
            open(&config).await?;
            println!("database is up to date");
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve { bind } => {
            let config = Config::load(&cli.config, bind)?;
            let store = open(&config).await?;
            if config.types_dir.exists() {
                let files = match load_files(&[config.types_dir.clone()]) {
                    Ok(f) => f,
                    Err(code) => return Ok(code),
                };
                match typefiles::apply_safe(&store, &files).await {
                    Ok(applied) => {
                        for a in applied.iter().filter(|a| a.version.is_some()) {
                            tracing::info!(slug = %a.plan.slug, version = a.plan.to_version, "ticket type applied");
                        }
                    }
                    Err(plans) => {
                        eprintln!(
                            "refusing to start: these type changes are not safe to apply automatically:\n{plans}"
                        );
                        eprintln!(
                            "review them with `docket types plan`, then apply with `docket types apply --allow-destructive` or change the files"
                        );
                        return Ok(ExitCode::FAILURE);
                    }
                }
            } else {
                tracing::warn!(dir = %config.types_dir.display(), "types directory not found; serving the types already in the database");
            }
            let listener = tokio::net::TcpListener::bind(&config.bind)
                .await
                .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", config.bind))?;
            let addr = listener.local_addr()?;
            tracing::info!(%addr, database = %config.database_url, "serving the Docket API at http://{addr}/api/v1 (reference: http://{addr}/api/v1/docs)");
            docket_server::serve(store, listener, shutdown_signal()).await?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down");
}
