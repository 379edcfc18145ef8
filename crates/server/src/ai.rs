//! The server's AI: one `AiClient` per settings version (rebuilt when an admin changes
//! the settings or the key, here or on another instance), and the worker that runs the
//! `ai` jobs (summaries of solved and closed tickets). Ticket text and fields go out only
//! as the settings allow: a type's excluded fields and internal notes never leave.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use docket_ai::{
    AiClient, AiConfig, AiError, Author, Feature, Flavour, Models, SummaryInput, ThreadMessage,
    TicketContent, TriageInput,
};
use docket_core::ai::{AI_KEY_SECRET, AiFlavour, AiSettings, TriageMode, TriageSuggestion};
use docket_core::summary::SummaryContent;
use docket_core::ticket::CommentKind;
use docket_store::ai::AiJob;
use docket_store::identity::MasterKey;
use docket_store::{Comment, Store, SummaryWriter, Ticket};

/// How often an instance checks whether the settings changed elsewhere (one tiny query).
pub const SETTINGS_POLL: Duration = Duration::from_secs(2);
/// How often `docket serve` looks for due AI jobs.
pub const WORKER_INTERVAL: Duration = Duration::from_secs(2);
/// The longest an API request waits for the AI: well under HTTP clients' timeouts.
pub const REQUEST_BUDGET: Duration = Duration::from_secs(15);
/// Attempts of a job before it is given up.
pub const MAX_ATTEMPTS: i32 = 8;
/// Public messages of a thread sent at most (the client caps characters too).
const MAX_THREAD: u64 = 200;

/// The client of one settings version.
pub struct Current {
    pub version: i64,
    pub settings: AiSettings,
    pub client: AiClient,
    /// Why the settings could not make a client (the client is then disabled).
    pub config_error: Option<String>,
}

/// This instance's AI client, kept in step with the settings.
pub struct AiRuntime {
    current: Mutex<Arc<Current>>,
    checked: Mutex<Option<Instant>>,
    rebuild: tokio::sync::Mutex<()>,
}

impl Default for AiRuntime {
    fn default() -> AiRuntime {
        AiRuntime {
            current: Mutex::new(Arc::new(Current {
                version: -1,
                settings: AiSettings::default(),
                client: AiClient::disabled(),
                config_error: None,
            })),
            checked: Mutex::new(None),
            rebuild: tokio::sync::Mutex::new(()),
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// The client configuration the settings and key make (None: AI off).
pub fn config(settings: &AiSettings, key: Option<String>) -> Option<AiConfig> {
    if !settings.enabled {
        return None;
    }
    let mut config = AiConfig::new(settings.base_url.clone());
    config.flavour = match settings.flavour {
        AiFlavour::Openai => Flavour::OpenAi,
        AiFlavour::Azure => Flavour::Azure {
            api_version: settings.azure_api_version.clone(),
        },
    };
    if let Some(key) = key {
        config = config.with_api_key(key);
    }
    let on = |enabled: bool, model: &Option<String>| model.clone().filter(|_| enabled);
    let f = &settings.features;
    let m = &settings.models;
    config.models = Models {
        summary: on(f.summary, &m.summary),
        triage: on(f.triage, &m.triage),
        reply: on(f.reply, &m.reply),
        moderation: on(f.moderation, &m.moderation),
        embedding: m.embedding.clone(),
    };
    // Requests from the API are bounded by REQUEST_BUDGET; jobs may take longer.
    config.request_timeout = Duration::from_secs(12);
    config.call_deadline = Duration::from_secs(40);
    Some(config)
}

impl AiRuntime {
    /// The client, checking the settings' version at most every `SETTINGS_POLL`.
    pub async fn current(&self, store: &Store, key: &MasterKey) -> Arc<Current> {
        let due = lock(&self.checked).is_none_or(|at| at.elapsed() >= SETTINGS_POLL);
        if due {
            self.refresh(store, key, false).await;
        }
        lock(&self.current).clone()
    }

    /// Rebuild the client now if the version moved (or `force`).
    pub async fn refresh(&self, store: &Store, key: &MasterKey, force: bool) {
        let _one = self.rebuild.lock().await;
        let version = match store.ai_settings_version().await {
            Ok(v) => v,
            // The worker's loop reports an outage once; requests answer 503 for it.
            Err(e) if e.is_unreachable() => return,
            Err(e) => {
                tracing::warn!(error = %e, "could not check the AI settings");
                return;
            }
        };
        *lock(&self.checked) = Some(Instant::now());
        if !force && lock(&self.current).version == version {
            return;
        }
        match build(store, key).await {
            Ok(current) => {
                tracing::info!(
                    version = current.version,
                    enabled = current.client.is_enabled(),
                    "AI client configured"
                );
                *lock(&self.current) = Arc::new(current);
            }
            Err(e) if e.is_unreachable() => {}
            Err(e) => tracing::warn!(error = %e, "could not read the AI settings"),
        }
    }
}

async fn build(store: &Store, master: &MasterKey) -> docket_store::Result<Current> {
    let stored = store.ai_settings().await?;
    let key = if stored.settings.enabled {
        match store.reveal_secret(master, AI_KEY_SECRET).await {
            Ok(key) => key,
            // Sealed under another master key (an instance started with the wrong one):
            // say so on the health page rather than call the server without the key.
            Err(e @ docket_store::StoreError::Db(_)) => return Err(e),
            Err(e) => {
                return Ok(Current {
                    version: stored.version,
                    settings: stored.settings,
                    client: AiClient::disabled(),
                    config_error: Some(format!("the stored API key cannot be opened: {e}")),
                });
            }
        }
    } else {
        None
    };
    let (client, config_error) = match AiClient::from_config(config(&stored.settings, key)) {
        Ok(client) => (client, None),
        // The error names what is wrong, never the key (see `AiError`).
        Err(e) => (AiClient::disabled(), Some(e.to_string())),
    };
    Ok(Current {
        version: stored.version,
        settings: stored.settings,
        client,
        config_error,
    })
}

/// A ticket's text and the fields its type lets leave.
pub fn ticket_content(settings: &AiSettings, store: &Store, ticket: &Ticket) -> TicketContent {
    let ticket_type = store
        .registry()
        .get(&ticket.type_slug)
        .map(|t| t.compiled.definition.name.clone())
        .unwrap_or_else(|| ticket.type_slug.clone());
    TicketContent {
        ticket_type: Some(ticket_type),
        title: ticket.title.clone(),
        body: ticket.body.clone(),
        fields: ticket
            .fields
            .iter()
            .filter(|(k, v)| !v.is_null() && settings.field_allowed(&ticket.type_slug, k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
    }
}

/// The public thread, oldest first: internal notes and system messages never leave.
pub fn public_thread(comments: &[Comment]) -> Vec<ThreadMessage> {
    comments
        .iter()
        .filter(|c| c.kind == CommentKind::Public)
        .map(|c| ThreadMessage {
            author: if c.author_requester_id.is_some() {
                Author::Requester
            } else {
                Author::Agent
            },
            text: c.body.clone(),
            at: Some(c.created_at.to_rfc3339()),
        })
        .collect()
}

/// A ticket's public thread as the features take it.
pub async fn thread_of(store: &Store, key: &str) -> docket_store::Result<Vec<ThreadMessage>> {
    Ok(public_thread(&store.comments(key, None, MAX_THREAD).await?))
}

/// Count a call in the usage report (a failure to count is logged, never fatal).
pub async fn record_usage(
    store: &Store,
    feature: Feature,
    model: &str,
    result: Result<&docket_ai::Usage, &AiError>,
) {
    let day = store.clock().now().date_naive();
    let (failed, prompt, completion) = match result {
        Ok(u) => (false, u.prompt_tokens as i64, u.completion_tokens as i64),
        Err(_) => (true, 0, 0),
    };
    if let Err(e) = store
        .record_ai_usage(day, feature.as_str(), model, failed, prompt, completion)
        .await
    {
        tracing::warn!(error = %e, "could not record AI usage");
    }
}

/// How long a failed job waits: the server's Retry-After, else doubling from 2 s up to
/// ten minutes.
pub fn retry_delay(error: &AiError, attempts: i32) -> Duration {
    error.retry_after().unwrap_or_else(|| {
        Duration::from_secs(2u64 << attempts.clamp(1, 10).saturating_sub(1))
            .min(Duration::from_secs(600))
    })
}

/// What became of a job.
enum Outcome {
    Done,
    Dropped(&'static str),
    Failed(AiError),
}

/// Run the due AI jobs (up to `limit`) as `owner`. Returns how many ran.
pub async fn run_jobs(
    store: &Store,
    master: &MasterKey,
    runtime: &AiRuntime,
    owner: &str,
    limit: u64,
) -> docket_store::Result<usize> {
    let jobs = store
        .claim_ai_jobs(owner, chrono::Duration::minutes(2), limit)
        .await?;
    let n = jobs.len();
    for job in jobs {
        let current = runtime.current(store, master).await;
        let outcome = match job.key.split_once(':').map(|(kind, _)| kind) {
            Some("ai-summary") => summarize(store, &current, &job).await,
            Some("ai-triage") => triage(store, &current, &job).await,
            _ => Ok(Outcome::Dropped("unknown job")),
        };
        let settled = match outcome {
            Ok(Outcome::Done) => store.finish_ai_job(&job).await,
            Ok(Outcome::Dropped(why)) => {
                tracing::debug!(job = %job.key, why, "AI job dropped");
                store.finish_ai_job(&job).await
            }
            Ok(Outcome::Failed(e)) if e.is_retryable() && job.attempts < MAX_ATTEMPTS => {
                let wait = retry_delay(&e, job.attempts);
                tracing::info!(job = %job.key, error = %e, wait_s = wait.as_secs(), "AI job failed; it will be retried");
                let at = store.clock().now()
                    + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::minutes(10));
                store.retry_ai_job(&job, owner, &e.to_string(), at).await
            }
            Ok(Outcome::Failed(e)) => {
                tracing::warn!(job = %job.key, error = %e, attempts = job.attempts, "AI job given up");
                store.finish_ai_job(&job).await
            }
            Err(e) => {
                tracing::warn!(job = %job.key, error = %e, "AI job failed");
                let at = store.clock().now() + chrono::Duration::seconds(30);
                store.retry_ai_job(&job, owner, "database error", at).await
            }
        };
        if let Err(e) = settled {
            tracing::warn!(job = %job.key, error = %e, "could not settle an AI job");
        }
    }
    Ok(n)
}

async fn summarize(store: &Store, current: &Current, job: &AiJob) -> docket_store::Result<Outcome> {
    if !current.client.is_feature_enabled(Feature::Summary) {
        return Ok(Outcome::Dropped("summaries are off"));
    }
    let Some(key) = (match job.ticket_id {
        Some(id) => store.ticket_key(id).await?,
        None => None,
    }) else {
        return Ok(Outcome::Dropped("the ticket is gone"));
    };
    let ticket = store.get_ticket(&key, false).await?;
    let input = SummaryInput {
        ticket: ticket_content(&current.settings, store, &ticket),
        thread: thread_of(store, &key).await?,
    };
    let model = current.settings.models.summary.clone().unwrap_or_default();
    let answer = match current.client.summarize(&input).await {
        Ok(answer) => answer,
        Err(e) => {
            record_usage(store, Feature::Summary, &model, Err(&e)).await;
            return Ok(Outcome::Failed(e));
        }
    };
    record_usage(
        store,
        Feature::Summary,
        &answer.usage.model,
        Ok(&answer.usage),
    )
    .await;
    let s = answer.value;
    let content = SummaryContent {
        issue: s.issue,
        resolution: s.resolution,
        open_points: s.open_points,
        sentiment: Some(s.sentiment),
        next_best_action: s.next_best_action,
        topics: s.topics,
    };
    match store
        .set_ticket_summary(
            &key,
            None,
            content,
            SummaryWriter::Ai {
                model: answer.usage.model,
            },
        )
        .await
    {
        Ok(_) => Ok(Outcome::Done),
        // An answer the summary rules refuse (an empty issue): not worth another call.
        Err(docket_store::StoreError::Invalid(_)) => Ok(Outcome::Dropped("unusable summary")),
        Err(e) => Err(e),
    }
}

/// Triage a new ticket: a suggestion within the type's teams, the tags in use on the
/// type and the agents' skills, stored on the ticket; in `auto` mode applied at once
/// (actor `ai`). The ticket's text is data: whatever it says, nothing outside those
/// sets can be chosen, and no other action exists to be triggered.
///
/// A ticket triaged automatically was not routed when it was created (routing waits for
/// the skills triage finds): whenever this job ends without applying a triage, the ticket
/// is routed without them, so that nothing waits for the AI.
async fn triage(store: &Store, current: &Current, job: &AiJob) -> docket_store::Result<Outcome> {
    let Some(key) = (match job.ticket_id {
        Some(id) => store.ticket_key(id).await?,
        None => None,
    }) else {
        return Ok(Outcome::Dropped("the ticket is gone"));
    };
    let outcome = triage_ticket(store, current, &key).await?;
    if !matches!(outcome, Outcome::Done) {
        route_without_triage(store, &key).await?;
    }
    Ok(outcome)
}

/// Route a ticket nobody has by its team's rule, with no skills but its tags.
async fn route_without_triage(store: &Store, key: &str) -> docket_store::Result<()> {
    let ticket = store.get_ticket(key, false).await?;
    if ticket.assignee_id.is_some() || ticket.team.is_none() {
        return Ok(());
    }
    match store.route_ticket(key, &[], "ai").await {
        Ok(_) | Err(docket_store::StoreError::Conflict(_)) => Ok(()),
        Err(e) => Err(e),
    }
}

async fn triage_ticket(
    store: &Store,
    current: &Current,
    key: &str,
) -> docket_store::Result<Outcome> {
    if !current.client.is_feature_enabled(Feature::Triage) {
        return Ok(Outcome::Dropped("triage is off"));
    }
    let key = key.to_string();
    let ticket = store.get_ticket(&key, false).await?;
    let mode = current.settings.triage_mode(&ticket.type_slug);
    if mode == TriageMode::Off {
        return Ok(Outcome::Dropped("triage is off for this type"));
    }
    let mut teams = Vec::new();
    if let Some(ty) = store.registry().get(&ticket.type_slug) {
        for slug in &ty.compiled.definition.teams {
            if store.team(slug).await.is_ok() {
                teams.push(slug.clone());
            }
        }
    }
    let (tags, skills) = store.triage_choices(&ticket.type_slug).await?;
    let input = TriageInput {
        ticket: ticket_content(&current.settings, store, &ticket),
        allowed_teams: teams.clone(),
        allowed_tags: tags.clone(),
        allowed_skills: skills.clone(),
    };
    let model = current.settings.models.triage.clone().unwrap_or_default();
    let answer = match current.client.triage(&input).await {
        Ok(answer) => answer,
        Err(e) => {
            record_usage(store, Feature::Triage, &model, Err(&e)).await;
            return Ok(Outcome::Failed(e));
        }
    };
    record_usage(
        store,
        Feature::Triage,
        &answer.usage.model,
        Ok(&answer.usage),
    )
    .await;
    let t = answer.value;
    // The client keeps answers within the allowed sets; checked again here, where the
    // sets are ours.
    let suggestion = TriageSuggestion {
        priority: t.priority,
        tags: t.tags.into_iter().filter(|x| tags.contains(x)).collect(),
        team: t.team.filter(|x| teams.contains(x)),
        skills: t
            .skills
            .into_iter()
            .filter(|x| skills.contains(x))
            .collect(),
        reason: t.reason,
        model: answer.usage.model,
        mode,
        suggested_at: store.clock().now(),
        applied_at: None,
        applied_by: None,
    };
    store.set_ticket_triage(&key, &suggestion).await?;
    if mode == TriageMode::Auto {
        match store.apply_ticket_triage(&key, "ai").await {
            Ok(_) => {}
            // Refused by the ticket's own rules (a team gone meanwhile): the suggestion
            // stays for an agent, and the ticket is routed without it.
            Err(docket_store::StoreError::Invalid(_) | docket_store::StoreError::Conflict(_)) => {
                return Ok(Outcome::Dropped("the triage could not be applied"));
            }
            Err(e) => return Err(e),
        }
    }
    Ok(Outcome::Done)
}

/// Run the AI jobs every `interval` for as long as the server runs. Every instance
/// runs them; leases on the jobs table keep them from doing the same work.
pub fn spawn_worker(
    store: Store,
    master: Arc<MasterKey>,
    runtime: Arc<AiRuntime>,
    owner: String,
    interval: Duration,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut outage = crate::outage::Outage::new("AI worker");
        loop {
            tick.tick().await;
            outage.wait().await;
            runtime.refresh(&store, &master, false).await;
            loop {
                match run_jobs(&store, &master, &runtime, &owner, 10).await {
                    Ok(n) => {
                        outage.answered();
                        if n < 10 {
                            break;
                        }
                    }
                    Err(e) if outage.failed(&e) => break,
                    Err(e) => {
                        tracing::warn!(error = %e, "AI jobs could not be claimed");
                        break;
                    }
                }
            }
        }
    })
}
