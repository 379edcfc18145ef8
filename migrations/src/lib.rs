//! Migrations for Docket's core tables. Extension tables (`ext_<slug>`) are not here:
//! they follow the type files at run time (see docket-store's `types` module).

pub use sea_orm_migration::prelude::*;

mod m20261121_000001_core;
mod m20261121_000002_identity;
mod m20261121_000003_sla;
mod m20261122_000004_workspace;
mod m20261204_000005_write_path;
mod m20261205_000006_search_index_flushes;
mod m20261205_000007_requester_memory;
mod m20261205_000008_routing;
mod m20261205_000009_ai;
mod m20261206_000010_attachments;
mod m20261206_000011_discord;
mod m20261207_000012_intake_webhooks;
mod m20261207_000013_delivery;
mod m20261208_000014_email_out;
mod m20261208_000015_mailboxes;
mod m20261208_000016_public_forms;
mod m20261209_000017_queue_indexes;
mod m20261209_000018_comment_search;
mod m20261209_000019_title_trigrams;
mod m20261210_000020_requester_lookups;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261121_000001_core::Migration),
            Box::new(m20261121_000002_identity::Migration),
            Box::new(m20261121_000003_sla::Migration),
            Box::new(m20261122_000004_workspace::Migration),
            Box::new(m20261204_000005_write_path::Migration),
            Box::new(m20261205_000006_search_index_flushes::Migration),
            Box::new(m20261205_000007_requester_memory::Migration),
            Box::new(m20261205_000008_routing::Migration),
            Box::new(m20261205_000009_ai::Migration),
            Box::new(m20261206_000010_attachments::Migration),
            Box::new(m20261206_000011_discord::Migration),
            Box::new(m20261207_000012_intake_webhooks::Migration),
            Box::new(m20261207_000013_delivery::Migration),
            Box::new(m20261208_000014_email_out::Migration),
            Box::new(m20261208_000015_mailboxes::Migration),
            Box::new(m20261208_000016_public_forms::Migration),
            Box::new(m20261209_000017_queue_indexes::Migration),
            Box::new(m20261209_000018_comment_search::Migration),
            Box::new(m20261209_000019_title_trigrams::Migration),
            Box::new(m20261210_000020_requester_lookups::Migration),
        ]
    }
}
