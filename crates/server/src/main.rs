//! The `docket` command: the arguments, and which `cli` module runs each subcommand.

mod cli;

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use docket_server::config::ConfigArgs;

use cli::admin::AdminCommand;
use cli::attachments::AttachmentsCommand;
use cli::mail::MailCommand;
use cli::secrets::SecretsCommand;
use cli::teams::TeamsCommand;
use cli::tokens::TokensCommand;
use cli::types::TypesCommand;
use cli::users::UsersCommand;

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
        /// The Discord adapter, run beside the server when its bot token is set.
        #[command(flatten)]
        discord: cli::discord::DiscordArgs,
    },
    /// Run the Discord adapter against a Docket server (docs/discord.md).
    Discord {
        #[command(flatten)]
        discord: cli::discord::DiscordArgs,
    },
    /// Create or upgrade the core tables.
    Migrate,
    /// Write a consistent copy of the database to a file, safe while Docket runs.
    Backup(cli::backup::BackupArgs),
    /// Restore a backup into an empty database.
    Restore(cli::backup::RestoreArgs),
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
    /// Attachment storage.
    Attachments {
        #[command(subcommand)]
        command: AttachmentsCommand,
    },
    /// Inbound email.
    Mail {
        #[command(subcommand)]
        command: MailCommand,
    },
}

fn init_tracing() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("DOCKET_LOG")
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn"));
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    // One JSON object a line (with the request's span and its id) for log collectors.
    if docket_server::json_logs() {
        logs.json()
            .with_current_span(true)
            .with_span_list(false)
            .init();
    } else {
        logs.init();
    }
}

fn main() -> ExitCode {
    limit_malloc_arenas();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async_main())
}

/// glibc gives every thread that allocates under contention an arena of its own (up to
/// eight per core), and memory freed in one is not returned to the system while others
/// hold pages of it: SQLite's connection threads and the runtime's workers made the
/// idle server 9 MB larger (docs/benchmarks.md, "Queues at a million tickets"). Two
/// arenas keep allocation from contending on one lock. Before any thread exists.
fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: mallopt only sets an allocator parameter; called before any other
        // thread runs.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, 2);
        }
    }
}

async fn async_main() -> ExitCode {
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

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let args = &cli.config;
    match cli.command {
        Command::Openapi => {
            print!("{}", docket_server::api::openapi_json());
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve { bind, discord } => cli::serve::serve(args, bind, &discord).await,
        Command::Discord { discord } => cli::discord::run(&discord).await,
        Command::Migrate => cli::serve::migrate(args).await,
        Command::Backup(backup) => cli::backup::backup(backup, args).await,
        Command::Restore(restore) => cli::backup::restore(restore, args).await,
        Command::Types { command } => cli::types::run(command, args).await,
        Command::Admin { command } => cli::admin::run(command, args).await,
        Command::Users { command } => cli::users::run(command, args).await,
        Command::Teams { command } => cli::teams::run(command, args).await,
        Command::Tokens { command } => cli::tokens::run(command, args).await,
        Command::Secrets { command } => cli::secrets::run(command, args).await,
        Command::Attachments { command } => cli::attachments::run(command, args).await,
        Command::Mail { command } => cli::mail::run(command, args).await,
    }
}
