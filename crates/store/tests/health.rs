//! What readiness checks and a stopping instance ask of the store: the database answers,
//! its schema has every migration this binary knows, and an instance's leases are given
//! back, no one else's.

use chrono::Utc;
use docket_store::both_backends;
use sea_orm::{ConnectionTrait, Statement, Value};

async fn exec(db: &docket_store::testing::TestDb, sql: &str, values: Vec<Value>) {
    let conn = db.store.connection();
    let sql = match conn.get_database_backend() {
        sea_orm::DbBackend::Postgres => {
            let mut n = 0;
            sql.chars()
                .map(|c| {
                    if c == '?' {
                        n += 1;
                        format!("${n}")
                    } else {
                        c.to_string()
                    }
                })
                .collect()
        }
        _ => sql.to_string(),
    };
    conn.execute_raw(Statement::from_sql_and_values(
        conn.get_database_backend(),
        sql,
        values,
    ))
    .await
    .unwrap();
}

both_backends!(
    a_migrated_database_is_ready_until_a_migration_is_missing,
    |db| async move {
        db.store.ping().await.unwrap();
        assert_eq!(
            db.store.pending_migrations().await.unwrap(),
            Vec::<String>::new()
        );
        // A migration this binary does not know (a newer instance's) does not count...
        record_future_migration(&db).await;
        assert!(db.store.pending_migrations().await.unwrap().is_empty());
        // ...one it needs does.
        exec(
            &db,
            "DELETE FROM seaql_migrations WHERE version = ?",
            vec!["m20261205_000009_ai".into()],
        )
        .await;
        assert_eq!(
            db.store.pending_migrations().await.unwrap(),
            ["m20261205_000009_ai"]
        );
    }
);

both_backends!(
    an_instance_gives_back_its_own_leases_only,
    |db| async move {
        let now = Utc::now();
        let until = now + chrono::Duration::minutes(5);
        for (key, owner) in [("mine-1", "me"), ("mine-2", "me"), ("theirs", "other")] {
            exec(
            &db,
            "INSERT INTO jobs (queue, dedupe_key, payload, run_at, attempts, created_at, updated_at, lease_owner, lease_until) \
             VALUES ('sla', ?, '{}', ?, 1, ?, ?, ?, ?)",
            vec![key.into(), now.into(), now.into(), now.into(), owner.into(), until.into()],
        )
        .await;
        }
        assert_eq!(db.store.release_leases("me").await.unwrap(), 2);
        let rows = db
            .store
            .connection()
            .query_all_raw(Statement::from_string(
                db.store.connection().get_database_backend(),
                "SELECT dedupe_key, lease_owner FROM jobs ORDER BY dedupe_key",
            ))
            .await
            .unwrap();
        let leases: Vec<(String, Option<String>)> = rows
            .iter()
            .map(|r| {
                (
                    r.try_get("", "dedupe_key").unwrap(),
                    r.try_get("", "lease_owner").unwrap(),
                )
            })
            .collect();
        assert_eq!(
            leases,
            [
                ("mine-1".to_string(), None),
                ("mine-2".to_string(), None),
                ("theirs".to_string(), Some("other".to_string())),
            ]
        );
        assert_eq!(db.store.release_leases("me").await.unwrap(), 0);
    }
);

// ---- rolling upgrades ----

/// What a newer Docket leaves behind: a migration this binary does not know.
async fn record_future_migration(db: &docket_store::testing::TestDb) {
    exec(
        db,
        "INSERT INTO seaql_migrations (version, applied_at) VALUES (?, ?)",
        vec!["m29990101_000001_future".into(), 0i64.into()],
    )
    .await;
}

both_backends!(
    an_older_binary_starts_on_a_database_a_newer_one_migrated,
    |db| async move {
        record_future_migration(&db).await;
        // What `docket serve` of this (older) binary does at start: runs on it.
        db.store.migrate().await.unwrap();
        let restarted = docket_store::Store::connect(&db.url, db.schema.as_deref())
            .await
            .unwrap();
        restarted.migrate().await.unwrap();
        assert!(restarted.pending_migrations().await.unwrap().is_empty());
    }
);

both_backends!(
    a_database_of_another_line_of_versions_is_refused,
    |db| async move {
        record_future_migration(&db).await;
        exec(
            &db,
            "DELETE FROM seaql_migrations WHERE version = ?",
            vec!["m20261210_000020_requester_lookups".into()],
        )
        .await;
        let refused = db.store.migrate().await.unwrap_err().to_string();
        assert!(
            refused.contains("m29990101_000001_future")
                && refused.contains("m20261210_000020_requester_lookups"),
            "{refused}"
        );
        // Nothing was run: the missing migration is still missing.
        assert_eq!(
            db.store.pending_migrations().await.unwrap(),
            ["m20261210_000020_requester_lookups"]
        );
    }
);

/// Instances started together on a new database take turns: both start, the schema is
/// made once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instances_starting_together_migrate_in_turn() {
    let db = docket_store::testing::TestDb::new(docket_store::Backend::Postgres).await;
    let schema = db.schema.clone().unwrap();
    exec(&db, &format!("DROP SCHEMA \"{schema}\" CASCADE"), vec![]).await;
    exec(&db, &format!("CREATE SCHEMA \"{schema}\""), vec![]).await;
    let mut starting = Vec::new();
    for _ in 0..3 {
        let (url, schema) = (db.url.clone(), schema.clone());
        starting.push(tokio::spawn(async move {
            let store = docket_store::Store::connect(&url, Some(&schema))
                .await
                .unwrap();
            store.migrate().await.map(|_| store)
        }));
    }
    for instance in starting {
        let store = instance.await.unwrap().expect("every instance starts");
        assert!(store.pending_migrations().await.unwrap().is_empty());
        // The lock's connection was closed, not pooled: a new migration turn is free.
        tokio::time::timeout(std::time::Duration::from_secs(5), store.migrate())
            .await
            .expect("the advisory lock was given back")
            .unwrap();
    }
}
