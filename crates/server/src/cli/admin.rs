//! `docket admin`: the first admin account.

use std::process::ExitCode;

use clap::Subcommand;
use docket_core::access::{Role, UserKind};
use docket_server::config::{Config, ConfigArgs};
use docket_store::identity::NewUser;

use super::{cli_actor, open, read_password};

#[derive(Subcommand)]
pub enum AdminCommand {
    /// Create an admin. The password is read from DOCKET_ADMIN_PASSWORD, else from the
    /// first line of standard input.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
    },
}

pub async fn run(command: AdminCommand, args: &ConfigArgs) -> anyhow::Result<ExitCode> {
    let AdminCommand::Create { email, name } = command;
    let config = Config::load(args, None)?;
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
