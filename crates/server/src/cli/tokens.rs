//! `docket tokens`: API tokens.

use std::process::ExitCode;

use clap::Subcommand;
use docket_core::access::Scope;
use docket_server::config::{Config, ConfigArgs};

use super::{cli_actor, find_user, open};

#[derive(Subcommand)]
pub enum TokensCommand {
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

pub async fn run(command: TokensCommand, args: &ConfigArgs) -> anyhow::Result<ExitCode> {
    let config = Config::load(args, None)?;
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
                    Scope::parse(s.trim())
                        .ok_or_else(|| anyhow::anyhow!("unknown scope `{s}`: read, write or admin"))
                })
                .collect::<anyhow::Result<Vec<_>>>()?;
            let expires = expires_in_days.map(|d| chrono::Utc::now() + chrono::Duration::days(d));
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
