//! The desk the queue benchmark lists: a help desk that has run for a year. Teams and
//! agents are made with the store's own functions; requesters and tickets by bulk SQL
//! (`sql::bulk_insert`, the one place seeded tickets are written).
//!
//! What it holds, and why:
//! - tickets spread over the types as the other modes seed them (half IT support); each
//!   created in the last 365 days; newer tickets are more likely still open (80% of the
//!   last week's, 40% of the last month's, 12% of older ones: about 15% open in all), so
//!   "open" queues are small next to the table, as on a real desk;
//! - the team a create gives a ticket (the first of its type's teams) and an assignee
//!   among that team's agents, except for a fifth of the open tickets (the unassigned
//!   queue);
//! - SLA due times only on open tickets, from the default policy's targets (Docket clears
//!   them when a ticket is solved: `sla/clocks.rs`);
//! - requesters with a long-tailed number of tickets (log-normal weights: a few with
//!   thousands, many with one or two);
//! - titles and bodies that carry words of a Zipf-distributed vocabulary, so that a few
//!   words are in ~5% of the tickets and most are rare; the benchmark picks its words by
//!   the frequency they were given and counts their matches exactly while seeding.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use docket_core::access::{Role, Scope, UserKind};
use docket_core::sla::policy::{Metric, PolicySpec};
use docket_core::ticket::{Priority, SourceChannel, StatusCategory};
use docket_core::typedef::CompiledType;
use docket_store::Store;
use docket_store::identity::{Actor, NewUser};
use sea_orm::sea_query::{Alias, Query, SimpleExpr, Value as SqlValue};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};
use serde::{Deserialize, Serialize};

use super::draw::{Weighted, normal, ranks_near, vocabulary};
use crate::payload::{self, Rng};
use crate::sql::{self, Core, Work};

/// Agents on the desk, spread over the teams by their types' share of the tickets.
const AGENTS: usize = 40;
/// Requesters at a million tickets (fewer below: see `requester_count`).
const REQUESTERS: usize = 20_000;
/// Vocabulary words in a title, and in a body.
const TITLE_WORDS: u32 = 2;
const BODY_WORDS: u32 = 1;
/// Tickets per transaction while seeding.
const PER_TXN: u64 = 2_000;
/// The share of tickets that contain a "common" and a "rare" word.
pub const COMMON: f64 = 0.05;
pub const RARE: f64 = 0.0001;
/// The agent the benchmark lists as (and the web benchmark signs in as).
pub const VIEWER_EMAIL: &str = "bench.agent@example.com";
pub const VIEWER_PASSWORD: &str = "correct horse battery staple";
/// The viewer's teams: IT (half the tickets) and facilities, so that the visibility
/// rule keeps two of the five types.
pub const VIEWER_TEAMS: [&str; 2] = ["it", "facilities"];

/// A person on the desk with an API token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Agent {
    pub id: i64,
    pub team: String,
    pub token: String,
}

/// A word the benchmark searches for, with the matches seeding gave it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Word {
    pub text: String,
    /// Common (~5%) or rare (~0.01%).
    pub common: bool,
    /// Tickets of the viewer's types whose title contains it.
    pub title_matches: u64,
    /// IT support tickets whose title or body has it (full text).
    pub it_text_matches: u64,
}

#[derive(Serialize, Deserialize)]
pub struct Desk {
    pub tickets: u64,
    pub seed_time: Duration,
    /// Team slug and id.
    pub teams: Vec<(String, i64)>,
    pub agents: Vec<Agent>,
    /// The account the lists are timed as: an agent of `VIEWER_TEAMS`.
    pub viewer: Agent,
    pub viewer_types: Vec<String>,
    /// Requester id, their number of tickets and of those the viewer sees, most tickets
    /// first.
    pub requesters: Vec<(i64, u64, u64)>,
    /// Open tickets per assignee.
    pub open_by_agent: HashMap<i64, u64>,
    /// Unassigned open tickets per team id.
    pub unassigned_by_team: HashMap<i64, u64>,
    /// Tickets by status category.
    pub by_category: HashMap<StatusCategory, u64>,
    pub title_words: Vec<Word>,
    pub text_words: Vec<Word>,
}

/// Fewer requesters than tickets/50 would make every requester's history look alike.
fn requester_count(tickets: u64) -> usize {
    REQUESTERS.min((tickets / 50).max(200) as usize)
}

/// Teams, agents and the viewer, with the store's functions.
async fn staff(
    store: &Store,
    types: &HashMap<String, Arc<CompiledType>>,
    slugs: &[String],
) -> anyhow::Result<(Vec<(String, i64)>, Vec<Agent>, Agent)> {
    let actor = Actor::new("docket-bench", None);
    let mut teams: Vec<(String, i64)> = Vec::new();
    for slug in slugs {
        for team in &types[slug].definition.teams {
            if !teams.iter().any(|(s, _)| s == team) {
                let t = store.create_team(team, team, "", &actor).await?;
                teams.push((t.slug, t.id));
            }
        }
    }
    // Agents per team: the share of the tickets its types get (half IT support).
    let mut share: HashMap<String, f64> = HashMap::new();
    for slug in slugs {
        let of_type = (0..slugs.len() as u64 * 2)
            .filter(|k| sql::seeded_type(*k, slugs) == slug.as_str())
            .count() as f64
            / (slugs.len() * 2) as f64;
        if let Some(team) = types[slug].definition.teams.first() {
            *share.entry(team.clone()).or_default() += of_type;
        }
    }
    let mut agents = Vec::new();
    for (team, _) in &teams {
        let n = ((AGENTS as f64) * share.get(team).copied().unwrap_or(0.0)).round() as usize;
        for k in 0..n.max(1) {
            let email = format!("{team}.agent{k}@example.com");
            agents.push(agent(store, &email, None, &[team.as_str()]).await?);
        }
    }
    let viewer_teams: Vec<&str> = VIEWER_TEAMS
        .iter()
        .copied()
        .filter(|t| teams.iter().any(|(s, _)| s == t))
        .collect();
    let viewer = agent(
        store,
        VIEWER_EMAIL,
        Some(VIEWER_PASSWORD.into()),
        &viewer_teams,
    )
    .await?;
    Ok((teams, agents, viewer))
}

async fn agent(
    store: &Store,
    email: &str,
    password: Option<String>,
    teams: &[&str],
) -> anyhow::Result<Agent> {
    let actor = Actor::new("docket-bench", None);
    let user = store
        .create_user(
            NewUser {
                email: email.into(),
                display_name: email.split('@').next().unwrap_or(email).into(),
                role: Role::Agent,
                kind: UserKind::Person,
                password,
                skills: vec![],
                capacity: None,
            },
            &actor,
        )
        .await?;
    for team in teams {
        store.set_team_member(team, user.id, true, &actor).await?;
    }
    let (token, _) = store
        .create_token(
            user.id,
            "bench",
            &[Scope::Read, Scope::Write],
            None,
            user.id,
            &actor,
        )
        .await?;
    Ok(Agent {
        id: user.id,
        team: teams.first().map(|t| t.to_string()).unwrap_or_default(),
        token,
    })
}

/// Requesters with one e-mail identity each (the shared scope, as intake makes them).
async fn requesters(db: &DatabaseConnection, n: usize, at: DateTime<Utc>) -> anyhow::Result<i64> {
    let backend = db.get_database_backend();
    let first: i64 = db
        .query_one_raw(Statement::from_string(
            backend,
            "SELECT COALESCE(MAX(id), 0) + 1 AS m FROM requesters",
        ))
        .await?
        .map(|r| r.try_get::<i64>("", "m"))
        .transpose()?
        .unwrap_or(1);
    let txn = sql::begin_write(db).await?;
    for lo in (0..n).step_by(500) {
        let mut people = Query::insert();
        people
            .into_table(Alias::new("requesters"))
            .columns(["id", "display_name", "email", "created_at", "updated_at"].map(Alias::new));
        let mut identities = Query::insert();
        identities
            .into_table(Alias::new("requester_identities"))
            .columns(["requester_id", "kind", "value", "created_at", "scope"].map(Alias::new));
        for k in lo..(lo + 500).min(n) {
            let id = first + k as i64;
            let email = format!("requester{k}@customers.example.com");
            people.values(
                [
                    SqlValue::from(id),
                    format!("Requester {k}").into(),
                    email.clone().into(),
                    at.into(),
                    at.into(),
                ]
                .map(SimpleExpr::from),
            )?;
            identities.values(
                [
                    SqlValue::from(id),
                    "email".into(),
                    email.into(),
                    at.into(),
                    "".into(),
                ]
                .map(SimpleExpr::from),
            )?;
        }
        txn.execute(&people).await?;
        txn.execute(&identities).await?;
    }
    if backend == DbBackend::Postgres {
        txn.execute_unprepared(
            "SELECT setval(pg_get_serial_sequence('requesters', 'id'), (SELECT MAX(id) FROM requesters))",
        )
        .await?;
    }
    txn.commit().await?;
    Ok(first)
}

async fn default_policy_id(db: &DatabaseConnection) -> anyhow::Result<Option<i64>> {
    Ok(db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT id FROM sla_policies WHERE name = 'default'",
        ))
        .await?
        .map(|r| r.try_get::<i64>("", "id"))
        .transpose()?)
}

/// Whether the n-th ticket, `age` seconds old, is still open.
fn still_open(rng: &mut Rng, age: i64) -> bool {
    let days = age / 86_400;
    rng.chance(if days < 7 {
        0.8
    } else if days < 30 {
        0.4
    } else {
        0.12
    })
}

/// Seed the desk: teams and agents, requesters, then `count` tickets.
pub async fn seed(
    store: &Store,
    types: &HashMap<String, Arc<CompiledType>>,
    count: u64,
) -> anyhow::Result<Desk> {
    let db = store.connection();
    let mut slugs: Vec<String> = types.keys().cloned().collect();
    slugs.sort();
    let started = Instant::now();
    let (teams, agents, viewer) = staff(store, types, &slugs).await?;
    let viewer_types = store.types_handled_by(
        &VIEWER_TEAMS
            .iter()
            .map(|t| t.to_string())
            .collect::<Vec<_>>(),
    );
    let now = sql::now();
    let n_requesters = requester_count(count);
    let first_requester = requesters(db, n_requesters, now - chrono::Duration::days(400)).await?;
    let policy_id = default_policy_id(db).await?;
    let policy = PolicySpec::default_policy();

    let mut rng = Rng::new(20_261_206);
    let requester_weights =
        Weighted::new((0..n_requesters).map(|_| (1.5 * normal(&mut rng)).exp()));
    let words = vocabulary();
    let zipf = Weighted::new((0..words.len()).map(|r| 1.0 / (r + 1) as f64));
    // Three common and three rare words for texts of `draws` vocabulary words.
    let pick_words = |draws: u32| -> Vec<Word> {
        [(true, COMMON), (false, RARE)]
            .into_iter()
            .flat_map(|(common, share)| {
                ranks_near(&zipf, draws, share, 3)
                    .into_iter()
                    .map(move |r| (r, common))
            })
            .map(|(r, common)| Word {
                text: words[r].clone(),
                common,
                title_matches: 0,
                it_text_matches: 0,
            })
            .collect()
    };
    let mut title_words = pick_words(TITLE_WORDS);
    let mut text_words = pick_words(TITLE_WORDS + BODY_WORDS);

    let team_ids: HashMap<&str, i64> = teams.iter().map(|(s, id)| (s.as_str(), *id)).collect();
    let mut team_agents: HashMap<i64, Vec<i64>> = HashMap::new();
    for a in &agents {
        team_agents
            .entry(team_ids[a.team.as_str()])
            .or_default()
            .push(a.id);
    }
    // Per requester: tickets, and tickets of the viewer's types.
    let mut requester_tickets = vec![(0u64, 0u64); n_requesters];
    let mut open_by_agent: HashMap<i64, u64> = HashMap::new();
    let mut unassigned_by_team: HashMap<i64, u64> = HashMap::new();
    let mut by_category: HashMap<StatusCategory, u64> = HashMap::new();
    const PRIORITY_WEIGHTS: [f64; 4] = [0.02, 0.13, 0.50, 0.35];
    let priorities = Weighted::new(PRIORITY_WEIGHTS);

    let generate = |i: u64, id: i64| {
        let slug = sql::seeded_type(i, &slugs);
        let ty = &types[slug];
        let mut row = payload::row(ty, 20_000_000 + i);
        let mut rng = Rng::new((id as u64).wrapping_mul(0x2545_f491_4f6c_dd1d) ^ 0x5eed);
        let age = rng.range(0, 365 * 86_400) as i64;
        let created_at = now - chrono::Duration::seconds(age);
        let open = still_open(&mut rng, age);
        let category = match (open, rng.float()) {
            (true, x) if x < 0.25 => StatusCategory::New,
            (true, x) if x < 0.75 => StatusCategory::Open,
            (true, _) => StatusCategory::Pending,
            (false, x) if x < 0.3 => StatusCategory::Solved,
            (false, _) => StatusCategory::Closed,
        };
        let workflow = ty.definition.workflow_ref();
        let states: Vec<&str> = workflow
            .states
            .iter()
            .filter(|s| s.category == category)
            .map(|s| s.name.as_str())
            .collect();
        // A workflow without a state of this category: its initial state (open) or its
        // last one (done).
        let status = match states.as_slice() {
            [] if open => workflow.initial.clone(),
            [] => workflow
                .state_names()
                .last()
                .copied()
                .unwrap_or("closed")
                .to_string(),
            s => rng.pick(s).to_string(),
        };
        let category = workflow.category(&status).unwrap_or(category);
        *by_category.entry(category).or_default() += 1;
        let priority = Priority::ALL[priorities.pick(&mut rng)];
        let team_id = ty
            .definition
            .teams
            .iter()
            .find_map(|t| team_ids.get(t.as_str()).copied());
        let assignee_id = match team_id.and_then(|t| team_agents.get(&t)) {
            Some(_) if open && rng.chance(0.2) => None,
            Some(members) => Some(*rng.pick(members)),
            None => None,
        };
        if open {
            match (assignee_id, team_id) {
                (Some(a), _) => *open_by_agent.entry(a).or_default() += 1,
                (None, Some(t)) => *unassigned_by_team.entry(t).or_default() += 1,
                _ => {}
            }
        }
        let worked = if open {
            rng.range(0, age as u64)
        } else {
            rng.range(0, (age as u64).min(10 * 86_400))
        };
        let updated_at = created_at + chrono::Duration::seconds(worked as i64);
        let first_response_at = (category != StatusCategory::New).then(|| {
            (created_at + chrono::Duration::seconds(rng.range(300, 4 * 3_600) as i64))
                .min(updated_at)
        });
        let due =
            |metric: Metric, from: DateTime<Utc>| policy.target(priority, metric).map(|d| from + d);
        let work = Work {
            assignee_id,
            team_id,
            first_response_at,
            sla_policy_id: if open { policy_id } else { None },
            first_response_due_at: (category == StatusCategory::New)
                .then(|| due(Metric::FirstResponse, created_at))
                .flatten(),
            next_response_due_at: (category == StatusCategory::Open)
                .then(|| due(Metric::NextResponse, updated_at))
                .flatten(),
            resolution_due_at: open.then(|| due(Metric::Resolution, created_at)).flatten(),
        };
        let r = requester_weights.pick(&mut rng);
        let visible = viewer_types.iter().any(|t| t == slug);
        requester_tickets[r].0 += 1;
        requester_tickets[r].1 += visible as u64;

        let vocab = |rng: &mut Rng| words[zipf.pick(rng)].as_str();
        let title_vocab: Vec<&str> = (0..TITLE_WORDS).map(|_| vocab(&mut rng)).collect();
        let body_vocab: Vec<&str> = (0..BODY_WORDS).map(|_| vocab(&mut rng)).collect();
        row.title = format!(
            "{} {}",
            rng.pick(payload::titles(slug)),
            title_vocab.join(" ")
        );
        row.body = format!(
            "{} {}",
            payload::sentence(&mut rng, 40, 400),
            body_vocab.join(" ")
        );
        let title = row.title.to_lowercase();
        for w in &mut title_words {
            if visible && title.contains(&w.text) {
                w.title_matches += 1;
            }
        }
        if slug == "it_support" {
            for w in &mut text_words {
                if title_vocab.iter().chain(&body_vocab).any(|v| *v == w.text) {
                    w.it_text_matches += 1;
                }
            }
        }
        let core = Core {
            id: Some(id),
            key: String::new(),
            number: 0,
            status,
            priority,
            requester_id: Some(first_requester + r as i64),
            source: *rng.pick(&SourceChannel::ALL),
            created_at,
            updated_at,
            work,
        };
        (row, core)
    };
    let step = (count / 10).max(1);
    let mut next_report = step;
    sql::bulk_insert(db, types, count, PER_TXN, generate, |done| {
        if done >= next_report && done < count {
            println!("  seeding: {done}/{count}");
            next_report += step;
        }
    })
    .await?;
    let mut requesters: Vec<(i64, u64, u64)> = requester_tickets
        .iter()
        .enumerate()
        .map(|(k, (all, visible))| (first_requester + k as i64, *all, *visible))
        .collect();
    requesters.sort_by_key(|(id, n, _)| (std::cmp::Reverse(*n), *id));
    Ok(Desk {
        tickets: count,
        seed_time: started.elapsed(),
        teams,
        agents,
        viewer,
        viewer_types,
        requesters,
        open_by_agent,
        unassigned_by_team,
        by_category,
        title_words,
        text_words,
    })
}

/// Where a kept desk's facts are saved (`save`), in its own database: a later run reads
/// them back (`load`, `--reuse`) and times the same desk without seeding it again.
const FACTS_TABLE: &str = "bench_desk";

/// Save the desk's facts beside its tickets (with `--keep`).
pub async fn save(db: &DatabaseConnection, desk: &Desk) -> anyhow::Result<()> {
    db.execute_unprepared(&format!("DROP TABLE IF EXISTS {FACTS_TABLE}"))
        .await?;
    db.execute_unprepared(&format!("CREATE TABLE {FACTS_TABLE} (facts TEXT NOT NULL)"))
        .await?;
    let insert = Query::insert()
        .into_table(Alias::new(FACTS_TABLE))
        .columns([Alias::new("facts")])
        .values_panic([serde_json::to_string(desk)?.into()])
        .to_owned();
    db.execute(&insert).await?;
    Ok(())
}

/// The facts of a desk a run with `--keep` left.
pub async fn load(db: &DatabaseConnection) -> anyhow::Result<Desk> {
    let select = Query::select()
        .column(Alias::new("facts"))
        .from(Alias::new(FACTS_TABLE))
        .to_owned();
    let row = db.query_one(&select).await?.ok_or_else(|| {
        anyhow::anyhow!("{FACTS_TABLE} is empty: not a desk kept by `docket-bench --queues --keep`")
    })?;
    let facts: String = row.try_get("", "facts")?;
    Ok(serde_json::from_str(&facts)?)
}
