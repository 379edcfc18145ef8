//! Attachments in an S3-compatible bucket (moto, with signatures checked) on both
//! backends: bytes round-trip, a failed upload records nothing, an outage is a clear
//! `Unavailable`, files kept in the database move to the bucket and stay readable.

mod common;

use common::*;
use docket_store::attachments::{AttachmentPolicy, NewAttachment, ObjectStore};
use docket_store::testing::s3::S3Server;
use docket_store::testing::stored_strings;
use docket_store::{NewTicket, Store, StoreError, both_backends};
use sea_orm::ConnectionTrait;

async fn ticket(s: &Store) -> String {
    apply(s, &def("it", "IT", &[], "device: {type: string}"), false).await;
    let (t, _) = s
        .create_ticket(NewTicket {
            type_slug: "it".into(),
            title: "Broken".into(),
            actor: "test".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    t.key
}

fn file(data: &[u8]) -> NewAttachment {
    NewAttachment {
        filename: "scan.pdf".into(),
        content_type: Some("application/pdf".into()),
        data: data.to_vec(),
        actor: "agent".into(),
        idempotency: None,
    }
}

fn bucket(server: &S3Server) -> ObjectStore {
    ObjectStore::new(server.settings.clone()).unwrap()
}

both_backends!(files_live_in_the_bucket, |db| async move {
    let server = S3Server::start().await;
    bucket(&server).check().await.unwrap();
    let s = db.store.clone().with_object_store(bucket(&server));
    let key = ticket(&s).await;
    let data: Vec<u8> = (0..=255u8).cycle().take(3 * 1024 * 1024 + 7).collect();
    let a = s
        .add_attachment(&key, file(&data), &AttachmentPolicy::default())
        .await
        .unwrap();
    assert_eq!(stored_strings(&s, "attachments", "storage").await, ["s3"]);
    let object_key = stored_strings(&s, "attachments", "storage_key")
        .await
        .remove(0);
    assert!(object_key.starts_with("files/"), "{object_key}");
    // Nothing of the file in the database.
    let inline = s
        .connection()
        .query_one_raw(sea_orm::Statement::from_string(
            s.backend(),
            "SELECT COUNT(*) AS n FROM attachment_contents",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get::<i64>("", "n")
        .unwrap();
    assert_eq!(inline, 0);
    assert_eq!(s.attachment_content(a.id).await.unwrap(), data);
    assert_eq!(bucket(&server).get(&object_key).await.unwrap(), data);

    // Bytes changed behind Docket's back are refused, not served.
    bucket(&server)
        .put(
            &object_key,
            b"tampered".to_vec(),
            &sha256(b"tampered"),
            "text/plain",
        )
        .await
        .unwrap();
    assert!(matches!(
        s.attachment_content(a.id).await,
        Err(StoreError::Internal(m)) if m.contains("hash")
    ));

    s.remove_attachment(a.id, "agent").await.unwrap();
    assert!(
        bucket(&server).get(&object_key).await.is_err(),
        "the object is gone"
    );
});

both_backends!(a_refused_upload_records_nothing, |db| async move {
    let server = S3Server::start().await;
    let mut wrong = server.settings.clone();
    wrong.secret_access_key = "not-the-secret".into();
    let s = db
        .store
        .clone()
        .with_object_store(ObjectStore::new(wrong).unwrap());
    let key = ticket(&s).await;
    let version = s.get_ticket(&key, false).await.unwrap().version;
    let e = s
        .add_attachment(&key, file(b"%PDF-1.7"), &AttachmentPolicy::default())
        .await
        .unwrap_err();
    assert!(
        matches!(&e, StoreError::Internal(m) if m.contains("SignatureDoesNotMatch")),
        "{e:?}"
    );
    assert!(s.attachments(&key).await.unwrap().is_empty());
    assert_eq!(s.get_ticket(&key, false).await.unwrap().version, version);
});

both_backends!(an_outage_is_unavailable_and_passes, |db| async move {
    let mut server = S3Server::start().await;
    let s = db.store.clone().with_object_store(bucket(&server));
    let key = ticket(&s).await;
    let policy = AttachmentPolicy::default();
    let kept = s
        .add_attachment(&key, file(b"%PDF-1 kept"), &policy)
        .await
        .unwrap();
    server.stop();

    let started = std::time::Instant::now();
    let e = s
        .add_attachment(&key, file(b"%PDF-1 new"), &policy)
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::Unavailable(_)), "{e:?}");
    assert!(matches!(
        s.attachment_content(kept.id).await,
        Err(StoreError::Unavailable(_))
    ));
    assert!(
        started.elapsed() < std::time::Duration::from_secs(10),
        "failed fast"
    );
    assert_eq!(
        s.attachments(&key).await.unwrap().len(),
        1,
        "nothing half written"
    );

    // The rows say where their bytes are: a server without the bucket says so.
    let without = db.store.clone();
    assert!(matches!(
        without.attachment_content(kept.id).await,
        Err(StoreError::Unavailable(m)) if m.contains("object storage")
    ));
});

both_backends!(database_files_move_to_the_bucket, |db| async move {
    let server = S3Server::start().await;
    let key = ticket(&db.store).await;
    let policy = AttachmentPolicy::default();
    let mut ids = Vec::new();
    for i in 0..5u8 {
        let data = vec![i; 1000 + i as usize];
        let a = db
            .store
            .add_attachment(&key, file(&data), &policy)
            .await
            .unwrap();
        ids.push((a.id, data));
    }
    assert_eq!(
        stored_strings(&db.store, "attachments", "storage").await,
        ["database"; 5]
    );
    let s = db.store.clone().with_object_store(bucket(&server));
    assert_eq!(s.move_attachments_to_bucket(2).await.unwrap(), 5);
    assert_eq!(
        stored_strings(&s, "attachments", "storage").await,
        ["s3"; 5]
    );
    for (id, data) in &ids {
        assert_eq!(&s.attachment_content(*id).await.unwrap(), data);
    }
    assert_eq!(
        s.move_attachments_to_bucket(2).await.unwrap(),
        0,
        "again: nothing to move"
    );
});

fn sha256(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
