//! The list benchmark: one filtered, sorted list on an indexed extension field four ways
//! (HTTP, `Store::list_tickets`, hand SQL on the typed tables, hand SQL on one JSON column),
//! checked to agree, then timed.

use super::*;

pub(crate) const HTTP: &str = "HTTP GET /api/v1/tickets";
pub(crate) const STORE: &str = "Store::list_tickets";
pub(crate) const TYPED: &str = "typed columns, hand SQL";
pub(crate) const JSON: &str = "JSON column, hand SQL";

/// The same list four ways, checked to return the same tickets, then timed in
/// interleaved rounds so that drift (autovacuum, caches, the other process) hits all four.
pub(crate) async fn list_bench(
    store: &Store,
    client: &reqwest::Client,
    base: &str,
    types: &HashMap<String, Arc<CompiledType>>,
    queries: usize,
    matching: i64,
) -> anyhow::Result<Vec<Latency>> {
    let db = store.connection();
    let backend = db.get_database_backend();
    let url = format!(
        "{base}/tickets?type={LIST_TYPE}&f.{LIST_FILTER_FIELD}={LIST_FILTER_VALUE}&sort=-f.{LIST_SORT_FIELD}&limit={LIST_LIMIT}"
    );
    let query = ListQuery {
        type_slug: Some(LIST_TYPE.into()),
        filters: vec![Filter {
            target: Target::Field(LIST_FILTER_FIELD.into()),
            op: FilterOp::Eq,
            values: vec![LIST_FILTER_VALUE.into()],
            param: format!("f.{LIST_FILTER_FIELD}"),
        }],
        sort: vec![SortKey {
            target: Target::Field(LIST_SORT_FIELD.into()),
            descending: true,
        }],
        limit: Some(LIST_LIMIT),
        ..Default::default()
    };
    let typed = sql::typed_query(
        backend,
        LIST_TYPE,
        LIST_FILTER_FIELD,
        LIST_FILTER_VALUE,
        LIST_SORT_FIELD,
        LIST_LIMIT,
    );
    let json = sql::json_query(
        backend,
        LIST_TYPE,
        LIST_FILTER_FIELD,
        LIST_FILTER_VALUE,
        LIST_SORT_FIELD,
        LIST_LIMIT,
    );
    let fields = &types[LIST_TYPE].fields;

    // Same answer four ways, or the comparison means nothing.
    let http_ids: Vec<i64> = {
        let v: Value = client
            .get(&url)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        v["items"]
            .as_array()
            .ok_or_else(|| anyhow!("list answered without items: {v}"))?
            .iter()
            .filter_map(|t| t["id"].as_i64())
            .collect()
    };
    let store_ids: Vec<i64> = store
        .list_tickets(&query)
        .await?
        .items
        .iter()
        .map(|t| t.id)
        .collect();
    let typed_ids: Vec<i64> = sql::run_typed(db, &typed, fields)
        .await?
        .iter()
        .map(|t| t.id)
        .collect();
    let json_ids: Vec<i64> = sql::run_json(db, &json)
        .await?
        .iter()
        .map(|t| t.id)
        .collect();
    if http_ids.len() as u64 != LIST_LIMIT.min(matching as u64)
        || store_ids != http_ids
        || typed_ids != http_ids
        || json_ids != http_ids
    {
        bail!(
            "the four list queries disagree:\n  http  {http_ids:?}\n  store {store_ids:?}\n  typed {typed_ids:?}\n  json  {json_ids:?}"
        );
    }
    println!(
        "  list: type={LIST_TYPE}, {LIST_FILTER_FIELD}={LIST_FILTER_VALUE} ({matching} match), sort -{LIST_SORT_FIELD}, limit {LIST_LIMIT}: all four ways return the same {} tickets",
        http_ids.len()
    );

    let mut samples: [Vec<Duration>; 4] = Default::default();
    for round in 0..WARMUP_QUERIES + queries {
        let timed = round >= WARMUP_QUERIES;
        let t = Instant::now();
        let resp = client.get(&url).send().await?.error_for_status()?;
        let _ = resp.bytes().await?;
        let d0 = t.elapsed();
        let t = Instant::now();
        let page = store.list_tickets(&query).await?;
        let d1 = t.elapsed();
        drop(page);
        let t = Instant::now();
        let a = sql::run_typed(db, &typed, fields).await?;
        let d2 = t.elapsed();
        let t = Instant::now();
        let b = sql::run_json(db, &json).await?;
        let d3 = t.elapsed();
        if a.len() != b.len() {
            bail!("typed and JSON queries returned different counts");
        }
        if timed {
            for (s, d) in samples.iter_mut().zip([d0, d1, d2, d3]) {
                s.push(d);
            }
        }
    }
    let [h, s, t, j] = samples;
    let out = vec![
        Latency {
            name: HTTP,
            samples: h,
        },
        Latency {
            name: STORE,
            samples: s,
        },
        Latency {
            name: TYPED,
            samples: t,
        },
        Latency {
            name: JSON,
            samples: j,
        },
    ];
    for l in &out {
        println!(
            "  {:<28} p50 {:>9}  p99 {:>9}",
            l.name,
            ms(percentile(&l.samples, 50.0)),
            ms(percentile(&l.samples, 99.0))
        );
    }
    Ok(out)
}
