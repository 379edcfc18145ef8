//! Typed columns next to JSON documents for the "ext filter + sort" list, by hand SQL on
//! the same database (the JSON copy is `sql::build_json_table`, as in the list figure of
//! the default mode):
//!
//! - (a) Docket's typed tables as the types make them (`category` has `x-index`, the sort
//!   field none);
//! - (b) the usual JSON design: PostgreSQL a GIN index on the document (`jsonb_path_ops`)
//!   and a containment filter; SQLite has no GIN, so (b) is the JSON layout with an index
//!   on the filtered field only (`INDEXED BY` keeps SQLite from taking (c)'s index);
//! - (c) JSON with an expression index that matches the query (type, category, the sort
//!   key cast to an integer, id).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use anyhow::bail;
use docket_core::typedef::CompiledType;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend};

use crate::sql::{self, HandQuery};
use crate::{
    LIST_FILTER_FIELD, LIST_FILTER_VALUE, LIST_LIMIT, LIST_SORT_FIELD, LIST_TYPE, Latency,
    WARMUP_QUERIES,
};

pub const TYPED: &str = "(a) typed tables (Docket), hand SQL";
const GIN: &str = "(b) JSON + GIN on the document";
const FIELD_INDEX: &str = "(b) JSON + index on the filtered field (no GIN in SQLite)";
pub const MATCHING: &str = "(c) JSON + matching expression index";

/// The JSON copy of every ticket and the indexes of (b) and (c).
pub async fn build(
    db: &DatabaseConnection,
    types: &HashMap<String, Arc<CompiledType>>,
) -> anyhow::Result<()> {
    sql::build_json_table(db, types, LIST_FILTER_FIELD).await?;
    let pg = db.get_database_backend() == DbBackend::Postgres;
    if pg {
        db.execute_unprepared(
            "CREATE INDEX ix_bench_json_gin ON bench_json_tickets USING gin (fields jsonb_path_ops)",
        )
        .await?;
    }
    let (filter, sort) = expressions(db.get_database_backend());
    db.execute_unprepared(&format!(
        "CREATE INDEX ix_bench_json_matching ON bench_json_tickets \
         (type_slug, ({filter}), ({sort}) DESC{}, id DESC)",
        if pg { " NULLS LAST" } else { "" }
    ))
    .await?;
    Ok(())
}

/// The filter and sort expressions of the JSON queries, as `sql::json_query` writes them
/// (an expression index is used only for the very same expression).
fn expressions(backend: DbBackend) -> (String, String) {
    if backend == DbBackend::Postgres {
        (
            format!("fields->>'{LIST_FILTER_FIELD}'"),
            format!("(fields->>'{LIST_SORT_FIELD}')::bigint"),
        )
    } else {
        (
            format!("json_extract(fields, '$.{LIST_FILTER_FIELD}')"),
            format!("CAST(json_extract(fields, '$.{LIST_SORT_FIELD}') AS INTEGER)"),
        )
    }
}

/// The three queries, named.
fn queries(backend: DbBackend) -> Vec<(&'static str, HandQuery)> {
    let args = (
        backend,
        LIST_TYPE,
        LIST_FILTER_FIELD,
        LIST_FILTER_VALUE,
        LIST_SORT_FIELD,
        LIST_LIMIT,
    );
    let typed = sql::typed_query(args.0, args.1, args.2, args.3, args.4, args.5);
    let matching = sql::json_query(args.0, args.1, args.2, args.3, args.4, args.5);
    let usual = if backend == DbBackend::Postgres {
        let (_, sort) = expressions(backend);
        (
            GIN,
            HandQuery {
                sql: format!(
                    "SELECT id, type_slug, created_at, fields FROM bench_json_tickets \
                     WHERE type_slug = $1 AND fields @> $2::jsonb \
                     ORDER BY {sort} DESC NULLS LAST, id DESC LIMIT {LIST_LIMIT}"
                ),
                values: vec![
                    LIST_TYPE.into(),
                    serde_json::json!({ LIST_FILTER_FIELD: LIST_FILTER_VALUE })
                        .to_string()
                        .into(),
                ],
            },
        )
    } else {
        (
            FIELD_INDEX,
            HandQuery {
                sql: matching.sql.replacen(
                    "FROM bench_json_tickets",
                    &format!(
                        "FROM bench_json_tickets INDEXED BY ix_bench_json_{LIST_FILTER_FIELD}"
                    ),
                    1,
                ),
                values: matching.values.clone(),
            },
        )
    };
    vec![(TYPED, typed), usual, (MATCHING, matching)]
}

/// Check the three return the same tickets, then time them in interleaved rounds.
pub async fn measure(
    db: &DatabaseConnection,
    types: &HashMap<String, Arc<CompiledType>>,
    runs: usize,
    explain: bool,
) -> anyhow::Result<Vec<Latency>> {
    let backend = db.get_database_backend();
    let qs = queries(backend);
    let fields = &types[LIST_TYPE].fields;
    let run = |k: usize| {
        let (name, q) = &qs[k];
        async move {
            let ids: Vec<i64> = if *name == TYPED {
                sql::run_typed(db, q, fields).await?
            } else {
                sql::run_json(db, q).await?
            }
            .iter()
            .map(|t| t.id)
            .collect();
            anyhow::Ok(ids)
        }
    };
    let expected = run(0).await?;
    for k in 1..qs.len() {
        let ids = run(k).await?;
        if ids != expected {
            bail!(
                "typed and JSON layouts disagree:\n  {}: {expected:?}\n  {}: {ids:?}",
                qs[0].0,
                qs[k].0
            );
        }
    }
    println!(
        "  typed vs JSON: the three layouts return the same {} tickets",
        expected.len()
    );
    let mut samples = vec![Vec::new(); qs.len()];
    for round in 0..WARMUP_QUERIES + runs {
        for (k, s) in samples.iter_mut().enumerate() {
            let t = Instant::now();
            run(k).await?;
            if round >= WARMUP_QUERIES {
                s.push(t.elapsed());
            }
        }
    }
    if explain {
        for (name, q) in &qs {
            println!("  plan, {name}:\n{}", sql::explain(db, q).await?);
        }
    }
    Ok(qs
        .iter()
        .zip(samples)
        .map(|((name, _), samples)| Latency { name, samples })
        .collect())
}

/// p50/p99 of each layout and its ratio to the typed one (above 1: slower than typed).
pub fn print(results: &[Latency], matching: i64) {
    if let Some(typed) = results.iter().find(|r| r.name == TYPED) {
        crate::print_latencies(
            &format!(
                "layout ({matching} tickets match; {} runs)",
                typed.samples.len()
            ),
            results,
            typed,
            "typed",
        );
    }
}
