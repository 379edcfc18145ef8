//! `docket attachments`: moving the files of an installation that switches to object
//! storage.

use std::process::ExitCode;

use clap::Subcommand;
use docket_server::config::{Config, ConfigArgs, load_master_key};

use super::open;

#[derive(Subcommand)]
pub enum AttachmentsCommand {
    /// Move the files kept in the database into the configured S3-compatible bucket
    /// (attachment_storage = s3). Safe to run while Docket serves, and to run again after
    /// an interruption: each file is readable throughout.
    MoveToBucket,
}

pub async fn run(command: AttachmentsCommand, args: &ConfigArgs) -> anyhow::Result<ExitCode> {
    let AttachmentsCommand::MoveToBucket = command;
    let config = Config::load(args, None)?;
    let Some(bucket) = &config.object_storage else {
        anyhow::bail!(
            "no object storage is configured: set attachment_storage = \"s3\" and the s3_* settings"
        );
    };
    let store = open(&config).await?;
    let objects = bucket.connect(&store, &load_master_key(&config)?).await?;
    let moved = store
        .with_object_store(objects)
        .move_attachments_to_bucket(100)
        .await?;
    println!("moved {moved} file(s) to bucket {}", bucket.bucket);
    Ok(ExitCode::SUCCESS)
}
