//! `docket secrets`: secrets at rest and the master key that seals them.

use std::process::ExitCode;

use clap::Subcommand;
use docket_server::config::{Config, ConfigArgs};
use docket_server::config::{load_master_key, master_key_path, write_key_file};
use docket_store::identity::MasterKey;

use super::{cli_actor, open};

#[derive(Subcommand)]
pub enum SecretsCommand {
    /// Re-seal every secret with a new master key and replace the key file (or print the
    /// new key when DOCKET_MASTER_KEY supplies it).
    RotateKey,
}

pub async fn run(command: SecretsCommand, args: &ConfigArgs) -> anyhow::Result<ExitCode> {
    let SecretsCommand::RotateKey = command;
    let config = Config::load(args, None)?;
    let store = open(&config).await?;
    let old = load_master_key(&config)?;
    let new = MasterKey::generate();
    if std::env::var("DOCKET_MASTER_KEY").is_ok() {
        let n = store.rotate_master_key(&old, &new, &cli_actor()).await?;
        println!(
            "re-sealed {n} secret(s). Set DOCKET_MASTER_KEY to the new key on every instance:"
        );
        println!("{}", new.to_base64());
        return Ok(ExitCode::SUCCESS);
    }
    // The new key is on disk before any secret is sealed with it, so no failure can
    // leave secrets that only a lost key opens.
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
    Ok(ExitCode::SUCCESS)
}
