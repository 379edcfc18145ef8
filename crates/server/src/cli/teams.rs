//! `docket teams`: teams and their members.

use std::process::ExitCode;

use clap::Subcommand;
use docket_server::config::{Config, ConfigArgs};
use docket_store::RoutingRule;
use docket_store::identity::Team;

use super::{cli_actor, find_user, open};

#[derive(Subcommand)]
pub enum TeamsCommand {
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
    /// Set how a team's new tickets reach an agent: manual, round_robin, least_open or
    /// skills.
    Routing {
        team: String,
        #[arg(value_parser = parse_rule)]
        rule: RoutingRule,
    },
}

fn parse_rule(s: &str) -> Result<RoutingRule, String> {
    RoutingRule::parse(s)
        .ok_or_else(|| format!("`{s}`: one of manual, round_robin, least_open, skills"))
}

fn print_team(t: &Team) {
    println!(
        "{:<20} {:<30} routing: {:<12} members: {:?}",
        t.slug,
        t.name,
        t.routing.as_str(),
        t.members
    );
}

pub async fn run(command: TeamsCommand, args: &ConfigArgs) -> anyhow::Result<ExitCode> {
    let config = Config::load(args, None)?;
    let store = open(&config).await?;
    let team = match command {
        TeamsCommand::List => {
            for t in store.teams().await? {
                print_team(&t);
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
        TeamsCommand::Routing { team, rule } => {
            store
                .update_team(&team, None, None, Some(rule), &cli_actor())
                .await?
        }
        TeamsCommand::RemoveMember { team, user } => {
            let u = find_user(&store, &user).await?;
            store
                .set_team_member(&team, u.id, false, &cli_actor())
                .await?
        }
    };
    print_team(&team);
    Ok(ExitCode::SUCCESS)
}
