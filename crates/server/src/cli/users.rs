//! `docket users`: people and service accounts.

use std::process::ExitCode;

use clap::Subcommand;
use docket_core::access::UserKind;
use docket_server::config::{Config, ConfigArgs};
use docket_store::identity::{NewUser, User, UserPatch};

use super::{cli_actor, find_user, open, parse_role, read_password};

#[derive(Subcommand)]
pub enum UsersCommand {
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

pub async fn run(command: UsersCommand, args: &ConfigArgs) -> anyhow::Result<ExitCode> {
    let config = Config::load(args, None)?;
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
            let password = if password_stdin || std::env::var("DOCKET_USER_PASSWORD").is_ok() {
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
