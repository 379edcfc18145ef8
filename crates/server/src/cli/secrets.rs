//! `docket secrets`: secrets at rest and the master key that seals them.

use std::process::ExitCode;

use clap::Subcommand;
use docket_server::config::{Config, ConfigArgs};
use docket_server::config::{load_master_key, master_key_path, write_key_file};
use docket_store::identity::MasterKey;

use super::{cli_actor, open, read_password};

#[derive(Subcommand)]
pub enum SecretsCommand {
    /// Re-seal every secret with a new master key and replace the key file (or print the
    /// new key when DOCKET_MASTER_KEY supplies it).
    RotateKey,
    /// Seal a secret (an object storage key, an SMTP password...): the value comes from
    /// the environment variable DOCKET_SECRET_VALUE, else the first line of standard input.
    Set {
        /// Its name: lower-case letters, digits, `_`, `.` and `-` (`s3_secret_access_key`).
        name: String,
    },
}

pub async fn run(command: SecretsCommand, args: &ConfigArgs) -> anyhow::Result<ExitCode> {
    let config = Config::load(args, None)?;
    if let SecretsCommand::Set { name } = command {
        let store = open(&config).await?;
        let value = read_password("DOCKET_SECRET_VALUE")?;
        if value.is_empty() {
            anyhow::bail!("the value is empty");
        }
        let info = store
            .set_secret(&load_master_key(&config)?, &name, &value, &cli_actor())
            .await?;
        println!("sealed `{}`", info.name);
        return Ok(ExitCode::SUCCESS);
    }
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
