//! Reads on other connections than the writer's: after a type apply, every read through
//! the store sees the new shape at once, however many connections the reads spread over.

mod common;

use common::*;
use docket_store::list::Target;
use docket_store::{
    Filter, FilterOp, ListQuery, RequesterQuery, SortKey, TicketPatch, both_backends,
};
use sea_orm::{ConnectionTrait, TransactionTrait};
use serde_json::json;
use std::time::Duration;

/// Type applies, each followed at once by concurrent reads that use what it changed.
const ROUNDS: usize = 60;
/// Reads at once after each apply: enough to spread over several pooled connections.
const READERS: usize = 6;

/// What version `round` of the `st` type changes, by `round % 4`: 0 adds a field `f<n>`
/// (required, with a default, so backfilled: a new column, so new statements); 1 and 3
/// swap `left` and `right` by renames (both strings: the statements that read them keep
/// their text); 2 flips `n` between integer and number (a new column under the old
/// name).
struct Version {
    properties: String,
    required: Vec<String>,
    swapped: bool,
    n_is_integer: bool,
    newest: String,
}

fn version(round: usize) -> Version {
    let upto = || 0..=round;
    let swapped = upto().filter(|r| r % 4 == 1 || r % 4 == 3).count() % 2 == 1;
    let n_is_integer = upto().filter(|r| r % 4 == 2).count() % 2 == 0;
    let mut properties = String::new();
    if round % 4 == 1 || round % 4 == 3 {
        properties.push_str("left: {type: string, x-renamed-from: right}\n");
        properties.push_str("right: {type: string, x-renamed-from: left}\n");
    } else {
        properties.push_str("left: {type: string}\nright: {type: string}\n");
    }
    let kind = if n_is_integer { "integer" } else { "number" };
    properties.push_str(&format!("n: {{type: {kind}}}\n"));
    let added: Vec<usize> = upto().filter(|r| r % 4 == 0).collect();
    for f in &added {
        properties.push_str(&format!("f{f}: {{type: string, default: d{f}}}\n"));
    }
    Version {
        properties,
        required: added.iter().map(|f| format!("f{f}")).collect(),
        swapped,
        n_is_integer,
        newest: format!("f{}", added.last().unwrap()),
    }
}

// Without `refuse_double_quoted_strings` (connect.rs) this failed on SQLite about one
// run in five: a get right after an apply read the column just added as NULL.
both_backends!(reads_see_a_type_apply_at_once, |db| async move {
    let s = &db.store;
    let apply_version = |v: &Version| {
        let required: Vec<&str> = v.required.iter().map(String::as_str).collect();
        def("st", "ST", &required, &v.properties)
    };
    apply(s, &apply_version(&version(0)), false).await;
    let key = create(
        s,
        "st",
        "one",
        json!({"left": "L", "right": "R", "n": 7, "f0": "d0"}),
    )
    .await;
    for round in 0..ROUNDS {
        let v = version(round);
        if round > 0 {
            // Forced: integer <- number is checked against the data (every value is whole).
            apply(s, &apply_version(&v), true).await;
        }
        let (left, right) = if v.swapped { ("R", "L") } else { ("L", "R") };
        let n = if v.n_is_integer { json!(7) } else { json!(7.0) };
        let newest = v.newest.clone();
        let expected_newest = format!("d{}", &newest[1..]);
        let mut reads = tokio::task::JoinSet::new();
        for i in 0..READERS {
            let (s, key, newest, n) = (s.clone(), key.clone(), newest.clone(), n.clone());
            let expected_newest = expected_newest.clone();
            reads.spawn(async move {
                let ticket = if i % 2 == 0 {
                    s.get_ticket(&key, false)
                        .await
                        .unwrap_or_else(|e| panic!("round {round}: get: {e:?}"))
                } else {
                    // Filtered and sorted on the type's columns: a statement of the new shape.
                    let page = s
                        .list_tickets(&ListQuery {
                            type_slug: Some("st".into()),
                            filters: vec![Filter {
                                target: Target::Field(newest.clone()),
                                op: FilterOp::Eq,
                                values: vec![expected_newest.clone()],
                                param: format!("f.{newest}"),
                            }],
                            sort: vec![SortKey {
                                target: Target::Field("left".into()),
                                descending: false,
                            }],
                            ..Default::default()
                        })
                        .await
                        .unwrap_or_else(|e| panic!("round {round}: list: {e:?}"));
                    assert_eq!(
                        page.items.len(),
                        1,
                        "round {round}: the list finds the ticket"
                    );
                    page.items.into_iter().next().unwrap()
                };
                let f = &ticket.fields;
                assert_eq!(
                    f.get(&newest).and_then(|v| v.as_str()),
                    Some(expected_newest.as_str()),
                    "round {round}, read {i}: {newest} of {f:?}"
                );
                assert_eq!(
                    (f["left"].as_str(), f["right"].as_str()),
                    (Some(left), Some(right)),
                    "round {round}, read {i}: left and right"
                );
                assert_eq!(f["n"], n, "round {round}, read {i}: n");
            });
        }
        while let Some(read) = reads.join_next().await {
            if let Err(e) = read {
                std::panic::resume_unwind(e.into_panic());
            }
        }
    }
});

both_backends!(reads_do_not_wait_for_a_write_transaction, |db| async move {
    let s = &db.store;
    apply(s, &def("rw", "RW", &[], "site: {type: string}"), false).await;
    let key = create(s, "rw", "committed", json!({"site": "hq"})).await;
    // A write transaction on the store's writer, left open while the reads run: on
    // SQLite it holds the one write lock (and the one writer connection).
    let txn = s.connection().begin().await.expect("begin");
    txn.execute_unprepared(&format!(
        "UPDATE tickets SET title = 'uncommitted' WHERE key = '{key}'"
    ))
    .await
    .expect("update");
    let page = promptly("the list", s.list_tickets(&ListQuery::default())).await;
    assert_eq!(page.items.len(), 1);
    assert_eq!(
        page.items[0].title, "committed",
        "reads see committed data only"
    );
    let ticket = promptly("the ticket", s.get_ticket(&key, false)).await;
    assert_eq!(ticket.fields["site"], "hq");
    promptly(
        "the requester search",
        s.requesters(&RequesterQuery::default(), None),
    )
    .await;
    txn.rollback().await.expect("rollback");
    // The writer is free again: a write, then at once a read (on a reader) that sees it.
    for n in 0..20 {
        let title = format!("written {n}");
        s.update_ticket(
            &key,
            None,
            TicketPatch {
                title: Some(title.clone()),
                actor: "test".into(),
                ..Default::default()
            },
        )
        .await
        .expect("update");
        assert_eq!(s.get_ticket(&key, false).await.expect("get").title, title);
        let page = s.list_tickets(&ListQuery::default()).await.expect("list");
        assert_eq!(page.items[0].title, title);
    }
});

/// `read`'s result, or a panic if it waits two seconds: a test of "does not wait", not
/// of speed.
async fn promptly<T>(what: &str, read: impl Future<Output = docket_store::Result<T>>) -> T {
    tokio::time::timeout(Duration::from_secs(2), read)
        .await
        .unwrap_or_else(|_| panic!("{what} waited for the open write transaction"))
        .unwrap_or_else(|e| panic!("{what}: {e:?}"))
}
