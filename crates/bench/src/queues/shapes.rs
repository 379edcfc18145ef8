//! The six queue shapes an agent's screens ask for, through `GET /api/v1/tickets` as
//! that agent (so the team-visibility rule is part of every query), each with the
//! parameters it rotates over (agents, teams, requesters, words) and their class.

use std::time::{Duration, Instant};

use anyhow::{anyhow, bail};
use serde_json::Value;

use super::desk::{Desk, VIEWER_TEAMS, Word};
use crate::{WARMUP_QUERIES, ms, percentile};

/// Rotated parameters per shape, at most.
const ROTATE: usize = 8;
const OPEN: &str = "status_category.in=new,open,pending";

/// One request of a shape: its query string and the class it belongs to (heavy or light
/// requester, common or rare word; empty when the shape has no classes).
#[derive(Debug, Clone)]
pub struct Variant {
    pub query: String,
    pub class: &'static str,
    /// Tickets it returns, found by the check before timing.
    pub rows: usize,
}

#[derive(Debug, Clone)]
pub struct Shape {
    pub name: &'static str,
    pub variants: Vec<Variant>,
    /// `--explain` every variant, not one per class: the word shapes', whose plans
    /// change with how many tickets have the word (the planner's estimate of it).
    pub explain_all: bool,
}

fn variant(query: String, class: &'static str) -> Variant {
    Variant {
        query,
        class,
        rows: 0,
    }
}

fn word_variants(words: &[Word], query: impl Fn(&str) -> String) -> Vec<Variant> {
    words
        .iter()
        .map(|w| variant(query(&w.text), if w.common { "common" } else { "rare" }))
        .collect()
}

/// The six shapes with the desk's agents, teams, requesters and words.
pub fn shapes(desk: &Desk) -> Vec<Shape> {
    let viewer_team_ids: Vec<i64> = desk
        .teams
        .iter()
        .filter(|(slug, _)| VIEWER_TEAMS.contains(&slug.as_str()))
        .map(|(_, id)| *id)
        .collect();
    // Agents of the viewer's teams, busiest first: "my open tickets" of several people.
    let mut colleagues: Vec<(i64, u64)> = desk
        .agents
        .iter()
        .filter(|a| {
            desk.teams
                .iter()
                .any(|(s, id)| *s == a.team && viewer_team_ids.contains(id))
        })
        .map(|a| (a.id, desk.open_by_agent.get(&a.id).copied().unwrap_or(0)))
        .collect();
    colleagues.sort_by_key(|(id, n)| (std::cmp::Reverse(*n), *id));
    let teams: Vec<&str> = desk
        .teams
        .iter()
        .filter(|(_, id)| viewer_team_ids.contains(id))
        .map(|(s, _)| s.as_str())
        .collect();
    // The heaviest requesters, and light ones (two or three tickets the viewer sees).
    let heavy = desk.requesters.iter().take(ROTATE / 2);
    let light = desk
        .requesters
        .iter()
        .rev()
        .filter(|(_, _, visible)| (2..=3).contains(visible))
        .take(ROTATE / 2);
    vec![
        Shape {
            name: "ext filter + sort",
            variants: vec![variant(
                "type=it_support&f.category=hardware&sort=-f.affected_users&limit=25".into(),
                "",
            )],
            explain_all: false,
        },
        Shape {
            name: "my open tickets by SLA due",
            variants: colleagues
                .iter()
                .take(ROTATE)
                .map(|(id, _)| {
                    variant(
                        format!("assignee_id={id}&{OPEN}&sort=sla_due_at&limit=25"),
                        "",
                    )
                })
                .collect(),
            explain_all: false,
        },
        Shape {
            name: "team's unassigned",
            variants: teams
                .iter()
                .map(|t| {
                    variant(
                        format!("team={t}&assignee_id.null=true&{OPEN}&limit=25"),
                        "",
                    )
                })
                .collect(),
            explain_all: false,
        },
        Shape {
            name: "requester's history",
            variants: heavy
                .map(|(id, _, _)| variant(format!("requester_id={id}&limit=25"), "heavy"))
                .chain(
                    light.map(|(id, _, _)| variant(format!("requester_id={id}&limit=25"), "light")),
                )
                .collect(),
            explain_all: false,
        },
        Shape {
            name: "title contains",
            variants: word_variants(&desk.title_words, |w| {
                format!("title.contains={w}&limit=25")
            }),
            explain_all: true,
        },
        Shape {
            name: "full text + type",
            variants: word_variants(&desk.text_words, |w| {
                format!("type=it_support&q={w}&limit=25")
            }),
            explain_all: true,
        },
    ]
}

/// A GET read to the end, as a client does; an error unless it answered 2xx.
pub async fn get(client: &reqwest::Client, url: &str) -> anyhow::Result<()> {
    let resp = client.get(url).send().await?;
    let status = resp.status();
    let body = resp.bytes().await?;
    if !status.is_success() {
        bail!(
            "{url} answered {status}: {}",
            String::from_utf8_lossy(&body)
        );
    }
    Ok(())
}

/// Fill in each variant's row count (one untimed request each).
pub async fn check(
    client: &reqwest::Client,
    base: &str,
    shapes: &mut [Shape],
) -> anyhow::Result<()> {
    for shape in shapes.iter_mut() {
        if shape.variants.is_empty() {
            bail!("shape `{}` has nothing to ask for on this desk", shape.name);
        }
        for v in &mut shape.variants {
            let page: Value = client
                .get(format!("{base}/tickets?{}", v.query))
                .send()
                .await?
                .error_for_status()?
                .json()
                .await?;
            v.rows = page["items"]
                .as_array()
                .ok_or_else(|| anyhow!("{} answered without items: {page}", v.query))?
                .len();
        }
    }
    Ok(())
}

/// What one shape's timed runs gave.
#[derive(Debug, Clone)]
pub struct ShapeResult {
    pub name: &'static str,
    pub samples: Vec<Duration>,
    /// Per class (common/rare, heavy/light): its samples.
    pub by_class: Vec<(&'static str, Vec<Duration>)>,
    /// The fewest and most rows a variant returned.
    pub rows: (usize, usize),
    pub variants: usize,
}

/// Time every shape `queries` times (after untimed rounds), round-robin: each round asks
/// each shape once, with its next variant, so that noise hits all shapes alike.
pub async fn measure(
    client: &reqwest::Client,
    base: &str,
    shapes: &[Shape],
    queries: usize,
) -> anyhow::Result<Vec<ShapeResult>> {
    let mut samples: Vec<Vec<(Duration, &'static str)>> = vec![Vec::new(); shapes.len()];
    for round in 0..WARMUP_QUERIES + queries {
        for (k, shape) in shapes.iter().enumerate() {
            let v = &shape.variants[round % shape.variants.len()];
            let url = format!("{base}/tickets?{}", v.query);
            let t = Instant::now();
            get(client, &url).await?;
            if round >= WARMUP_QUERIES {
                samples[k].push((t.elapsed(), v.class));
            }
        }
    }
    Ok(shapes
        .iter()
        .zip(samples)
        .map(|(shape, s)| {
            let mut classes: Vec<&'static str> = shape
                .variants
                .iter()
                .map(|v| v.class)
                .filter(|c| !c.is_empty())
                .collect();
            classes.dedup();
            ShapeResult {
                name: shape.name,
                samples: s.iter().map(|(d, _)| *d).collect(),
                by_class: classes
                    .into_iter()
                    .map(|c| {
                        (
                            c,
                            s.iter().filter(|(_, k)| *k == c).map(|(d, _)| *d).collect(),
                        )
                    })
                    .collect(),
                rows: (
                    shape.variants.iter().map(|v| v.rows).min().unwrap_or(0),
                    shape.variants.iter().map(|v| v.rows).max().unwrap_or(0),
                ),
                variants: shape.variants.len(),
            }
        })
        .collect())
}

/// One line per shape: p50, p99, max, rows; and p99 per class.
pub fn print(results: &[ShapeResult]) {
    println!("\n| shape (HTTP, as the agent) | p50 | p99 | max | rows | variants | p99 by class |");
    println!("|---|---:|---:|---:|---:|---:|---|");
    for r in results {
        let rows = if r.rows.0 == r.rows.1 {
            r.rows.0.to_string()
        } else {
            format!("{}-{}", r.rows.0, r.rows.1)
        };
        let classes: Vec<String> = r
            .by_class
            .iter()
            .map(|(c, s)| format!("{c} {}", ms(percentile(s, 99.0))))
            .collect();
        println!(
            "| {} | {} | {} | {} | {rows} | {} | {} |",
            r.name,
            ms(percentile(&r.samples, 50.0)),
            ms(percentile(&r.samples, 99.0)),
            ms(r.samples.iter().max().copied().unwrap_or_default()),
            r.variants,
            classes.join(", ")
        );
    }
}
