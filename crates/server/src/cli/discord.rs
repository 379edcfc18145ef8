//! `docket discord`: the Discord adapter (`crates/discord`) as a process of its own,
//! talking to a Docket server through its API with a service account's token. `docket
//! serve` runs the same adapter beside the server when `DOCKET_DISCORD_BOT_TOKEN` is set.

use std::net::SocketAddr;
use std::process::ExitCode;

use clap::Args;

/// The adapter's settings; every one also from the environment.
#[derive(Debug, Clone, Args, Default)]
pub struct DiscordArgs {
    /// The bot's token (Developer Portal → Bot).
    #[arg(long, env = "DOCKET_DISCORD_BOT_TOKEN", hide_env_values = true)]
    pub bot_token: Option<String>,
    /// The application's id (Developer Portal → General Information).
    #[arg(long, env = "DOCKET_DISCORD_APPLICATION_ID")]
    pub application_id: Option<u64>,
    /// The application's public key, 64 hex digits (General Information).
    #[arg(long, env = "DOCKET_DISCORD_PUBLIC_KEY")]
    pub public_key: Option<String>,
    /// An API token (read + write) of the service account the adapter acts as.
    #[arg(long, env = "DOCKET_DISCORD_DOCKET_TOKEN", hide_env_values = true)]
    pub docket_token: Option<String>,
    /// Docket's address. Default: the server `docket serve` runs, else http://127.0.0.1:8080
    #[arg(long, env = "DOCKET_DISCORD_DOCKET_URL")]
    pub docket_url: Option<String>,
    /// Where `POST /interactions` listens (Discord's Interactions Endpoint URL points
    /// here through your HTTPS proxy). Default: 127.0.0.1:8090
    #[arg(long, env = "DOCKET_DISCORD_BIND")]
    pub discord_bind: Option<SocketAddr>,
    /// Docket's web UI address, named in `/docket link` replies. Default: the Docket URL
    #[arg(long, env = "DOCKET_DISCORD_WEB_URL")]
    pub web_url: Option<String>,
}

impl DiscordArgs {
    /// Whether the adapter is configured at all (`docket serve` runs it then).
    pub fn configured(&self) -> bool {
        self.bot_token.is_some()
    }

    /// The adapter's configuration, naming every setting that is missing.
    pub fn config(&self, default_docket_url: &str) -> anyhow::Result<docket_discord::Config> {
        let mut missing = Vec::new();
        if self.bot_token.is_none() {
            missing.push("DOCKET_DISCORD_BOT_TOKEN");
        }
        if self.application_id.is_none() {
            missing.push("DOCKET_DISCORD_APPLICATION_ID");
        }
        if self.public_key.is_none() {
            missing.push("DOCKET_DISCORD_PUBLIC_KEY");
        }
        if self.docket_token.is_none() {
            missing.push("DOCKET_DISCORD_DOCKET_TOKEN");
        }
        if !missing.is_empty() {
            anyhow::bail!(
                "the Discord adapter needs {} (see docs/discord.md)",
                missing.join(", ")
            );
        }
        let docket_url = self
            .docket_url
            .clone()
            .unwrap_or_else(|| default_docket_url.to_string());
        let mut config = docket_discord::Config::new(
            docket_url,
            self.docket_token.clone().unwrap_or_default(),
            self.bot_token.clone().unwrap_or_default(),
            self.application_id.unwrap_or_default(),
            self.public_key.clone().unwrap_or_default(),
            self.discord_bind
                .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 8090))),
        );
        config.web_url = self.web_url.clone();
        Ok(config)
    }
}

/// Run the adapter until Ctrl-C or SIGTERM.
pub async fn run(args: &DiscordArgs) -> anyhow::Result<ExitCode> {
    let config = args.config("http://127.0.0.1:8080")?;
    let adapter = docket_discord::Adapter::new(config).await?;
    tracing::info!(interactions = %adapter.local_addr(), "the Discord adapter is running");
    adapter.run(super::serve::shutdown_signal()).await?;
    Ok(ExitCode::SUCCESS)
}

/// Start the adapter beside `docket serve`, reaching the server at `bind`. A failure to
/// start is logged, not fatal: the helpdesk keeps serving without Discord.
pub async fn spawn_beside_server(
    args: &DiscordArgs,
    bind: &str,
) -> Option<tokio::task::JoinHandle<()>> {
    let local = format!("http://{}", bind.replace("0.0.0.0", "127.0.0.1"));
    let config = match args.config(&local) {
        Ok(c) => c,
        Err(e) => {
            tracing::error!("{e:#}; serving without Discord");
            return None;
        }
    };
    let adapter = match docket_discord::Adapter::new(config).await {
        Ok(a) => a,
        Err(e) => {
            tracing::error!(error = %e, "the Discord adapter could not start; serving without Discord");
            return None;
        }
    };
    tracing::info!(interactions = %adapter.local_addr(), "the Discord adapter is running");
    Some(tokio::spawn(async move {
        if let Err(e) = adapter.run(super::serve::shutdown_signal()).await {
            tracing::error!(error = %e, "the Discord adapter stopped");
        }
    }))
}
