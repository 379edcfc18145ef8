//! Fetching from every enabled mailbox over IMAP. Each mailbox's check is a leased job
//! (store `mailboxes`): an instance connects only while it holds the lease and renews it
//! as it goes, so two instances never fetch from one mailbox at once. A check fetches
//! by UID above the persisted state, takes each message in (`intake::take_in`), saves
//! the state after each, then marks it processed (seen or moved). With IDLE the session
//! stays and waits for news; without, it ends and the next check is scheduled after the
//! mailbox's interval. Errors end the session, are recorded for the admins, and back
//! off (doubling from 30 s, at most 10 min). Every IMAP command has a timeout.

use std::sync::Arc;
use std::time::Duration;

use docket_mail::{ImapMailbox, UidState};
use docket_store::Store;
use docket_store::attachments::AttachmentPolicy;
use docket_store::identity::MasterKey;
use docket_store::mailboxes::{LeasedMailbox, Mailbox, Outcome};

use super::{imap_settings, take_in};

/// How often `docket serve` looks for mailboxes due for a check.
pub const INTERVAL: Duration = Duration::from_secs(5);
/// A session's hold on its mailbox; renewed well within it.
const LEASE_SECONDS: i64 = 120;
/// The longest IDLE wait before the lease is renewed (servers also drop IDLE after 30
/// minutes).
const IDLE_WAIT: Duration = Duration::from_secs(50);
/// Mailboxes one instance checks at once.
const CLAIM_LIMIT: u64 = 16;

/// What one check took in.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct CheckSummary {
    pub fetched: usize,
    pub outcomes: Vec<(Outcome, Option<String>)>,
}

#[derive(Clone)]
pub struct Poller {
    store: Store,
    key: Arc<MasterKey>,
    policy: Arc<AttachmentPolicy>,
    owner: String,
}

impl Poller {
    pub fn new(
        store: Store,
        key: Arc<MasterKey>,
        policy: Arc<AttachmentPolicy>,
        owner: String,
    ) -> Poller {
        Poller {
            store,
            key,
            policy,
            owner,
        }
    }

    fn lease() -> chrono::Duration {
        chrono::Duration::seconds(LEASE_SECONDS)
    }

    /// Connect to a mailbox, log in and select its folder, then log out: whether its
    /// settings work.
    pub async fn test_connection(&self, mailbox: &Mailbox) -> Result<(), String> {
        let session = self.connect(mailbox).await?;
        session.logout().await;
        Ok(())
    }

    async fn connect(&self, mailbox: &Mailbox) -> Result<ImapMailbox, String> {
        let password = self
            .store
            .mailbox_password(&self.key, mailbox.id)
            .await
            .map_err(|e| e.to_string())?
            .ok_or("the mailbox has no password; set one")?;
        // connect has timeouts of its own for each step; this bounds the whole.
        let settings = imap_settings(mailbox, password);
        match tokio::time::timeout(super::IMAP_TIMEOUT * 3, ImapMailbox::connect(settings)).await {
            Ok(Ok(session)) => Ok(session),
            Ok(Err(e)) => Err(format!("IMAP: {e}")),
            Err(_) => Err("IMAP: connecting timed out".into()),
        }
    }

    /// Check one mailbox now, outside its schedule ("check now"), under its lease;
    /// `Ok(None)` when another session holds it (it is being checked already).
    pub async fn check_now(
        &self,
        id: i64,
    ) -> docket_store::Result<Option<Result<CheckSummary, String>>> {
        let Some(leased) = self
            .store
            .claim_mailbox_now(id, &self.owner, Poller::lease())
            .await?
        else {
            return Ok(None);
        };
        let mailbox = leased.mailbox;
        let result = match self.connect(&mailbox).await {
            Ok(mut session) => {
                let checked = self.check(&mailbox, &mut session).await;
                session.logout().await;
                checked
            }
            Err(e) => Err(e),
        };
        let next = self.next_check(&mailbox, result.as_ref().err().map(|_| 1));
        self.store
            .finish_mailbox_check(
                id,
                &self.owner,
                result.as_ref().err().map(String::as_str),
                next,
            )
            .await?;
        Ok(Some(result))
    }

    fn next_check(
        &self,
        mailbox: &Mailbox,
        failed_attempts: Option<i32>,
    ) -> chrono::DateTime<chrono::Utc> {
        let now = self.store.clock().now();
        match failed_attempts {
            None => {
                now + chrono::Duration::seconds(i64::from(mailbox.settings.poll_seconds.max(1)))
            }
            Some(attempts) => now + backoff(attempts),
        }
    }

    /// Fetch everything new and take it in, batch after batch.
    async fn check(
        &self,
        mailbox: &Mailbox,
        session: &mut ImapMailbox,
    ) -> Result<CheckSummary, String> {
        let mut summary = CheckSummary::default();
        let mut since = mailbox.uid_state.map(|(uid_validity, last_uid)| UidState {
            uid_validity,
            last_uid,
        });
        loop {
            let batch = session
                .fetch_new(since)
                .await
                .map_err(|e| format!("IMAP: {e}"))?;
            let uid_validity = batch.state.uid_validity;
            for fetched in &batch.messages {
                summary.fetched += 1;
                let received = take_in(&self.store, &self.policy, mailbox, &fetched.raw)
                    .await
                    // Left in the folder, and the state not moved: the next check takes
                    // it again.
                    .map_err(|e| format!("could not take a message in: {e}"))?;
                summary
                    .outcomes
                    .push((received.outcome, received.ticket_key));
                self.store
                    .save_mailbox_uid_state(mailbox.id, uid_validity, fetched.uid)
                    .await
                    .map_err(|e| e.to_string())?;
                since = Some(fetched.state(uid_validity));
                session
                    .mark_processed(fetched.uid)
                    .await
                    .map_err(|e| format!("IMAP: {e}"))?;
                if !self.renew(mailbox.id).await {
                    return Ok(summary);
                }
            }
            if !batch.more {
                return Ok(summary);
            }
        }
    }

    async fn renew(&self, id: i64) -> bool {
        match self
            .store
            .renew_mailbox_lease(id, &self.owner, Poller::lease())
            .await
        {
            Ok(kept) => kept,
            Err(e) => {
                tracing::warn!(mailbox = id, error = %e, "could not renew a mailbox lease");
                false
            }
        }
    }

    /// One leased session: check, then (IDLE) wait for news and check again while the
    /// lease holds.
    async fn session(&self, leased: LeasedMailbox) {
        let mut mailbox = leased.mailbox;
        let result = async {
            let mut session = self.connect(&mailbox).await?;
            let result = loop {
                if let Err(e) = self.check(&mailbox, &mut session).await {
                    break Err(e);
                }
                if !session.supports_idle() || !self.renew(mailbox.id).await {
                    break Ok(());
                }
                if let Err(e) = session.idle_or_wait(IDLE_WAIT).await {
                    break Err(format!("IMAP: {e}"));
                }
                if !self.renew(mailbox.id).await {
                    break Ok(());
                }
                // The UID state moved on with each message taken in.
                match self.store.mailbox(mailbox.id).await {
                    Ok(fresh) => mailbox = fresh,
                    Err(e) => break Err(e.to_string()),
                }
            };
            session.logout().await;
            result
        }
        .await;
        if let Err(e) = &result {
            tracing::info!(mailbox = %mailbox.settings.name, error = %e, "mailbox check failed");
        }
        let next = self.next_check(&mailbox, result.is_err().then_some(leased.attempts));
        if let Err(e) = self
            .store
            .finish_mailbox_check(mailbox.id, &self.owner, result.err().as_deref(), next)
            .await
        {
            tracing::warn!(mailbox = %mailbox.settings.name, error = %e, "could not record a mailbox check");
        }
    }

    /// Lease the mailboxes due and start a session for each; answers how many started.
    pub async fn run_once(
        &self,
        sessions: &mut tokio::task::JoinSet<()>,
    ) -> docket_store::Result<usize> {
        let due = self
            .store
            .claim_mailboxes(&self.owner, Poller::lease(), CLAIM_LIMIT)
            .await?;
        let count = due.len();
        for leased in due {
            let poller = self.clone();
            sessions.spawn(async move { poller.session(leased).await });
        }
        Ok(count)
    }
}

/// How long a failing mailbox waits: doubling from 30 s, at most 10 minutes.
fn backoff(attempts: i32) -> chrono::Duration {
    let exponent = attempts.clamp(1, 6) as u32 - 1;
    chrono::Duration::seconds(30 * 2i64.pow(exponent)).min(chrono::Duration::minutes(10))
}

/// Look for due mailboxes every `interval` for as long as the server runs; aborting the
/// handle ends the sessions too.
pub fn spawn(poller: Poller, interval: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut sessions = tokio::task::JoinSet::new();
        let mut tick = tokio::time::interval(interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut outage = crate::outage::Outage::new("mailbox poller");
        loop {
            tick.tick().await;
            outage.wait().await;
            while sessions.try_join_next().is_some() {}
            match poller.run_once(&mut sessions).await {
                Ok(_) => outage.answered(),
                Err(e) if outage.failed(&e) => {}
                Err(e) => tracing::warn!(error = %e, "mailbox poller"),
            }
        }
    })
}
