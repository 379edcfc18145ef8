//! `docket mail pipe`: one message from standard input, for an MTA's pipe transport
//! (Postfix `pipe`, an aliases `|command`), taken in as the IMAP poller takes mail in.
//! The exit code is what the MTA acts on (sysexits.h): 0 accepted (a ticket, a comment,
//! a note, a duplicate, or kept without a ticket), 65 unusable input (the MTA bounces
//! it), 67 no such mailbox, 75 try again later (the database is down, the mailbox is
//! disabled: the MTA keeps the message queued), 78 Docket's configuration is broken.

use std::io::Read;
use std::process::ExitCode;

use clap::Subcommand;
use docket_server::config::{Config, ConfigArgs, load_master_key};
use docket_server::mail::take_in;
use docket_store::mailboxes::Outcome;
use docket_store::{Store, StoreError};

pub const EX_DATAERR: u8 = 65;
pub const EX_NOUSER: u8 = 67;
pub const EX_TEMPFAIL: u8 = 75;
pub const EX_CONFIG: u8 = 78;

#[derive(Subcommand)]
pub enum MailCommand {
    /// Take in one raw message (RFC 822) from standard input through a mailbox.
    Pipe {
        /// The mailbox's name.
        #[arg(long)]
        mailbox: String,
    },
}

pub async fn run(command: MailCommand, args: &ConfigArgs) -> anyhow::Result<ExitCode> {
    let MailCommand::Pipe { mailbox } = command;
    let fail = |code: u8, why: String| {
        eprintln!("docket mail pipe: {why}");
        Ok(ExitCode::from(code))
    };
    let config = match Config::load(args, None) {
        Ok(c) => c,
        Err(e) => return fail(EX_CONFIG, format!("configuration: {e:#}")),
    };
    let mut raw = Vec::new();
    if let Err(e) = std::io::stdin().read_to_end(&mut raw) {
        return fail(EX_TEMPFAIL, format!("reading the message: {e}"));
    }
    // Not `open`: a pipe must not migrate, and any database trouble is temporary.
    let store = match Store::connect(&config.database_url, None).await {
        Ok(s) => s,
        Err(e) => return fail(EX_TEMPFAIL, format!("the database: {e}")),
    };
    let store = match &config.object_storage {
        Some(bucket) => {
            let key = match load_master_key(&config) {
                Ok(k) => k,
                Err(e) => return fail(EX_CONFIG, format!("the master key: {e:#}")),
            };
            match bucket.connect(&store, &key).await {
                Ok(objects) => store.with_object_store(objects),
                Err(e) => return fail(EX_TEMPFAIL, format!("object storage: {e:#}")),
            }
        }
        None => store,
    };
    let found = match store.mailbox_by_name(&mailbox).await {
        Ok(m) => m,
        Err(StoreError::NotFound(_)) => {
            return fail(EX_NOUSER, format!("no mailbox `{mailbox}`"));
        }
        Err(e) => return fail(EX_TEMPFAIL, format!("the database: {e}")),
    };
    if !found.settings.enabled {
        return fail(EX_TEMPFAIL, format!("mailbox `{mailbox}` is disabled"));
    }
    // The ticket types, which `connect` does not load (`migrate` does).
    if let Err(e) = store.refresh_types().await {
        return fail(EX_TEMPFAIL, format!("the database: {e}"));
    }
    match take_in(&store, &config.attachments, &found, &raw).await {
        Ok(received) => {
            let key = received.ticket_key.as_deref().unwrap_or("-");
            let detail = received.detail.as_deref().unwrap_or("");
            println!("{} {key} {detail}", received.outcome.as_str());
            if received.outcome == Outcome::Refused {
                return fail(EX_DATAERR, format!("refused: {detail}"));
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => fail(EX_TEMPFAIL, format!("not taken in: {e}")),
    }
}
