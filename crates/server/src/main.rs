//! The `docket` command.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use docket_core::access::{Role, Scope, UserKind};
use docket_core::typedef::META_SCHEMA;
use docket_server::config::{Config, ConfigArgs};
use docket_server::config::{load_master_key, master_key_path, write_key_file};
use docket_server::typefiles;
use docket_store::identity::{Actor, MasterKey, NewUser, User, UserPatch};
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
    /// The first admin account.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Users and service accounts.
    Users {
        #[command(subcommand)]
        command: UsersCommand,
    },
    /// Teams and their members.
    Teams {
        #[command(subcommand)]
        command: TeamsCommand,
    },
    /// API tokens.
    Tokens {
        #[command(subcommand)]
        command: TokensCommand,
    },
    /// Secrets at rest.
    Secrets {
        #[command(subcommand)]
        command: SecretsCommand,
    },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create an admin. The password is read from DOCKET_ADMIN_PASSWORD, else from the
    /// first line of standard input.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
    },
}

#[derive(Subcommand)]
enum UsersCommand {
    /// List users.
    List,
    /// Create a person (password from DOCKET_USER_PASSWORD or standard input, if given)
    /// or, with --service, a service account.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// admin, agent or viewer.
        #[arg(long, default_value = "agent")]
        role: String,
        /// A service account: no password, API tokens only.
        #[arg(long)]
        service: bool,
        /// Read a password from standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Change a user's role.
    SetRole { user: String, role: String },
    /// Deactivate a user: their sessions end and their tokens stop working.
    Deactivate { user: String },
    /// Reactivate a user.
    Activate { user: String },
}

#[derive(Subcommand)]
enum TeamsCommand {
    /// List teams and their members.
    List,
    /// Create a team.
    Create {
        slug: String,
        name: String,
        #[arg(long, default_value = "")]
        description: String,
    },
    /// Add a user (id or email) to a team.
    AddMember { team: String, user: String },
    /// Remove a user (id or email) from a team.
    RemoveMember { team: String, user: String },
}

#[derive(Subcommand)]
enum TokensCommand {
    /// Create a token; it is printed once.
    Create {
        /// The owner (id or email), typically a service account.
        #[arg(long)]
        user: String,
        #[arg(long)]
        name: String,
        /// Comma-separated: read, write, admin.
        #[arg(long, default_value = "read")]
        scopes: String,
        /// Expire after this many days (default: never).
        #[arg(long)]
        expires_in_days: Option<i64>,
    },
    /// List tokens (all, or one user's).
    List {
        #[arg(long)]
        user: Option<String>,
    },
    /// Revoke a token.
    Revoke { id: i64 },
}

#[derive(Subcommand)]
enum SecretsCommand {
    /// Re-seal every secret with a new master key and replace the key file (or print the
    /// new key when DOCKET_MASTER_KEY supplies it).
    RotateKey,
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

/// The CLI acts as itself in the audit log.
fn cli_actor() -> Actor {
    let who = std::env::var("USER").unwrap_or_else(|_| "unknown".into());
    Actor::new(format!("cli ({who})"), None)
}

/// A password from an environment variable, else the first line of standard input.
fn read_password(var: &str) -> anyhow::Result<String> {
    if let Ok(p) = std::env::var(var) {
        return Ok(p);
    }
    eprintln!("password (or set {var}):");
    let mut line = String::new();
    std::io::stdin().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\n', '\r']).to_string())
}

/// A user named by id or email.
async fn find_user(store: &Store, reference: &str) -> anyhow::Result<User> {
    let found = match reference.parse::<i64>() {
        Ok(id) => Some(store.user(id).await?),
        Err(_) => store.user_by_email(reference).await?,
    };
    found.ok_or_else(|| anyhow::anyhow!("no user `{reference}`"))
}

fn print_user(u: &User) {
    println!(
        "{:>4}  {:<32} {:<8} {:<8} {:<24} {}{}",
        u.id,
        u.email,
        u.role.as_str(),
        u.kind.as_str(),
        u.teams.join(","),
        u.display_name,
        if u.active { "" } else { "  (inactive)" }
    );
}

fn parse_role(s: &str) -> anyhow::Result<Role> {
    Role::parse(s).ok_or_else(|| anyhow::anyhow!("unknown role `{s}`: admin, agent or viewer"))
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
        Command::Admin {
            command: AdminCommand::Create { email, name },
        } => {
            let config = Config::load(&cli.config, None)?;
            let store = open(&config).await?;
            let password = read_password("DOCKET_ADMIN_PASSWORD")?;
            let user = store
                .create_user(
                    NewUser {
                        email,
                        display_name: name,
                        role: Role::Admin,
                        kind: UserKind::Person,
                        password: Some(password),
                        skills: vec![],
                        capacity: None,
                    },
                    &cli_actor(),
                )
                .await?;
            println!("created admin {} (id {})", user.email, user.id);
            Ok(ExitCode::SUCCESS)
        }
        Command::Users { command } => {
            let config = Config::load(&cli.config, None)?;
            let store = open(&config).await?;
            let activate = matches!(command, UsersCommand::Activate { .. });
            match command {
                UsersCommand::List => {
                    for u in store.users().await? {
                        print_user(&u);
                    }
                }
                UsersCommand::Create {
                    email,
                    name,
                    role,
                    service,
                    password_stdin,
                } => {
                    let password =
                        if password_stdin || std::env::var("DOCKET_USER_PASSWORD").is_ok() {
                            Some(read_password("DOCKET_USER_PASSWORD")?)
                        } else {
                            None
                        };
                    let user = store
                        .create_user(
                            NewUser {
                                email,
                                display_name: name,
                                role: parse_role(&role)?,
                                kind: if service {
                                    UserKind::Service
                                } else {
                                    UserKind::Person
                                },
                                password,
                                skills: vec![],
                                capacity: None,
                            },
                            &cli_actor(),
                        )
                        .await?;
                    print_user(&user);
                }
                UsersCommand::SetRole { user, role } => {
                    let u = find_user(&store, &user).await?;
                    let patch = UserPatch {
                        role: Some(parse_role(&role)?),
                        ..Default::default()
                    };
                    print_user(&store.update_user(u.id, patch, &cli_actor()).await?);
                }
                UsersCommand::Deactivate { user } | UsersCommand::Activate { user } => {
                    let u = find_user(&store, &user).await?;
                    let patch = UserPatch {
                        active: Some(activate),
                        ..Default::default()
                    };
                    print_user(&store.update_user(u.id, patch, &cli_actor()).await?);
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Teams { command } => {
            let config = Config::load(&cli.config, None)?;
            let store = open(&config).await?;
            let team = match command {
                TeamsCommand::List => {
                    for t in store.teams().await? {
                        println!("{:<20} {:<30} members: {:?}", t.slug, t.name, t.members);
                    }
                    return Ok(ExitCode::SUCCESS);
                }
                TeamsCommand::Create {
                    slug,
                    name,
                    description,
                } => {
                    store
                        .create_team(&slug, &name, &description, &cli_actor())
                        .await?
                }
                TeamsCommand::AddMember { team, user } => {
                    let u = find_user(&store, &user).await?;
                    store
                        .set_team_member(&team, u.id, true, &cli_actor())
                        .await?
                }
                TeamsCommand::RemoveMember { team, user } => {
                    let u = find_user(&store, &user).await?;
                    store
                        .set_team_member(&team, u.id, false, &cli_actor())
                        .await?
                }
            };
            println!(
                "{:<20} {:<30} members: {:?}",
                team.slug, team.name, team.members
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Tokens { command } => {
            let config = Config::load(&cli.config, None)?;
            let store = open(&config).await?;
            match command {
                TokensCommand::Create {
                    user,
                    name,
                    scopes,
                    expires_in_days,
                } => {
                    let u = find_user(&store, &user).await?;
                    let scopes = scopes
                        .split(',')
                        .map(|s| {
                            Scope::parse(s.trim()).ok_or_else(|| {
                                anyhow::anyhow!("unknown scope `{s}`: read, write or admin")
                            })
                        })
                        .collect::<anyhow::Result<Vec<_>>>()?;
                    let expires =
                        expires_in_days.map(|d| chrono::Utc::now() + chrono::Duration::days(d));
                    let (token, info) = store
                        .create_token(u.id, &name, &scopes, expires, u.id, &cli_actor())
                        .await?;
                    eprintln!(
                        "token {} for {} (shown once; store it now):",
                        info.id, u.email
                    );
                    println!("{token}");
                }
                TokensCommand::List { user } => {
                    let owner = match user {
                        Some(u) => Some(find_user(&store, &u).await?.id),
                        None => None,
                    };
                    for t in store.tokens(owner).await? {
                        let scopes: Vec<&str> = t.scopes.iter().map(|s| s.as_str()).collect();
                        let state = if t.revoked_at.is_some() {
                            "revoked"
                        } else {
                            "active"
                        };
                        println!(
                            "{:>4}  user {:<4} {:<14} {:<18} {:<8} {}",
                            t.id,
                            t.user_id,
                            t.prefix,
                            scopes.join(","),
                            state,
                            t.name
                        );
                    }
                }
                TokensCommand::Revoke { id } => {
                    store.revoke_token(id, &cli_actor()).await?;
                    println!("token {id} revoked");
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Secrets {
            command: SecretsCommand::RotateKey,
        } => {
            let config = Config::load(&cli.config, None)?;
            let store = open(&config).await?;
            let old = load_master_key(&config)?;
            let new = MasterKey::generate();
            if std::env::var("DOCKET_MASTER_KEY").is_ok() {
                let n = store.rotate_master_key(&old, &new, &cli_actor()).await?;
                println!(
                    "re-sealed {n} secret(s). Set DOCKET_MASTER_KEY to the new key on every instance:"
                );
                println!("{}", new.to_base64());
            } else {
                // The new key is on disk before any secret is sealed with it, so no
                // failure can leave secrets that only a lost key opens.
                let path = master_key_path(&config);
                let staged = path.with_extension("key.new");
                write_key_file(&staged, &new, true)?;
                let n = match store.rotate_master_key(&old, &new, &cli_actor()).await {
                    Ok(n) => n,
                    Err(e) => {
                        let _ = std::fs::remove_file(&staged);
                        return Err(e.into());
                    }
                };
                if let Err(e) = std::fs::rename(&staged, &path) {
                    eprintln!(
                        "the secrets are now sealed with the key in {}; move it to {} ({e})",
                        staged.display(),
                        path.display()
                    );
                    return Ok(ExitCode::FAILURE);
                }
                println!(
                    "re-sealed {n} secret(s); {} now holds the new key (id {})",
                    path.display(),
                    new.id()
                );
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
            tracing::info!(%addr, database = %docket_store::redacted_url(&config.database_url), "serving Docket at http://{addr}/ (API: http://{addr}/api/v1, reference: http://{addr}/api/v1/docs)");
            let master_key = load_master_key(&config)?;
            if store.active_admin_count().await? == 0 {
                let token = store
                    .create_setup_token(chrono::Duration::hours(24))
                    .await?;
                eprintln!(
                    "\nNo admin exists yet. Create one with `docket admin create --email you@example.com --name \"Your Name\"`,\n\
                     or POST {{\"token\", \"email\", \"display_name\", \"password\"}} to http://{addr}/api/v1/setup\n\
                     within 24 hours with this one-time token:\n\n    {token}\n"
                );
            }
            let sweeper = docket_server::spawn_sla_sweeper(
                store.clone(),
                docket_store::sla::escalate::SweepOptions {
                    owner: docket_server::instance_name(),
                    lease: chrono::Duration::seconds(config.job_lease_seconds as i64),
                    batch: 100,
                },
                std::time::Duration::from_secs(config.sla_sweep_seconds),
            );
            if !config.web_dir.join("index.html").is_file() {
                tracing::warn!(dir = %config.web_dir.display(), "the web UI is not built there; `/` explains how to build it (the API works regardless)");
            }
            let state = docket_server::api::AppState::new(store, master_key, config.secure_cookies)
                .with_web_dir(config.web_dir.clone());
            docket_server::serve(state, listener, shutdown_signal()).await?;
            sweeper.abort();
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
