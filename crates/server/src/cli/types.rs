//! `docket types`: check, plan, apply and export ticket type files.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;
use docket_core::evolution::Safety;
use docket_core::typedef::META_SCHEMA;
use docket_server::config::{Config, ConfigArgs};
use docket_server::typefiles;
use docket_store::StoreError;

use super::open;

#[derive(Subcommand)]
pub enum TypesCommand {
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

/// The checked type files under `paths`; problems are printed with their places.
pub fn load_files(paths: &[PathBuf]) -> Result<Vec<typefiles::TypeFile>, ExitCode> {
    typefiles::load(paths).map_err(|errors| {
        for e in &errors {
            eprintln!("{e}");
        }
        eprintln!("{} problem(s) found", errors.len());
        ExitCode::FAILURE
    })
}

/// The configuration and the checked type files named by `paths` (default: the types
/// directory).
fn config_and_files(
    args: &ConfigArgs,
    paths: Vec<PathBuf>,
) -> anyhow::Result<Result<(Config, Vec<typefiles::TypeFile>), ExitCode>> {
    let config = Config::load(args, None)?;
    let paths = if paths.is_empty() {
        vec![config.types_dir.clone()]
    } else {
        paths
    };
    Ok(load_files(&paths).map(|files| (config, files)))
}

pub async fn run(command: TypesCommand, args: &ConfigArgs) -> anyhow::Result<ExitCode> {
    match command {
        TypesCommand::MetaSchema => {
            println!("{META_SCHEMA}");
            Ok(ExitCode::SUCCESS)
        }
        TypesCommand::Check { paths } => check(args, paths),
        TypesCommand::Plan { paths } => plan(args, paths).await,
        TypesCommand::Apply {
            paths,
            allow_destructive,
        } => apply(args, paths, allow_destructive).await,
        TypesCommand::Export { slugs } => export(args, slugs).await,
    }
}

fn check(args: &ConfigArgs, paths: Vec<PathBuf>) -> anyhow::Result<ExitCode> {
    let (_, files) = match config_and_files(args, paths)? {
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

async fn plan(args: &ConfigArgs, paths: Vec<PathBuf>) -> anyhow::Result<ExitCode> {
    let (config, files) = match config_and_files(args, paths)? {
        Ok(cf) => cf,
        Err(code) => return Ok(code),
    };
    let store = open(&config).await?;
    let mut worst = Safety::Safe;
    for f in &files {
        let planned = match store.plan_type(&f.definition).await {
            Ok(p) => p,
            Err(e) => {
                eprintln!("{}: {e}", f.path.display());
                worst = Safety::Refused;
                continue;
            }
        };
        let (plan, ddl) = (planned.plan, planned.ddl);
        if !plan.noop {
            worst = worst.max(plan.safety);
        }
        print!("{}", typefiles::describe(&plan, &ddl));
    }
    Ok(if worst == Safety::Refused {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

async fn apply(
    args: &ConfigArgs,
    paths: Vec<PathBuf>,
    allow_destructive: bool,
) -> anyhow::Result<ExitCode> {
    let (config, files) = match config_and_files(args, paths)? {
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

async fn export(args: &ConfigArgs, slugs: Vec<String>) -> anyhow::Result<ExitCode> {
    let config = Config::load(args, None)?;
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
