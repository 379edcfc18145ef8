//! The `docket` subcommands, one module per concern; the helpers they share are here.

pub mod admin;
pub mod attachments;
pub mod backup;
pub mod discord;
pub mod mail;
pub mod secrets;
pub mod serve;
pub mod teams;
pub mod tokens;
pub mod types;
pub mod users;

use docket_core::access::Role;
use docket_server::config::Config;
use docket_store::Store;
use docket_store::identity::{Actor, User};

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

fn parse_role(s: &str) -> anyhow::Result<Role> {
    Role::parse(s).ok_or_else(|| anyhow::anyhow!("unknown role `{s}`: admin, agent or viewer"))
}

/// Connect to the configured database and bring it up to date.
async fn open(config: &Config) -> anyhow::Result<Store> {
    let store = Store::connect(&config.database_url, None).await?;
    store.migrate().await?;
    Ok(store)
}
