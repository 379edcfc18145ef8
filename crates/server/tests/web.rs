//! The web UI at `/`: built files with the right caching, `index.html` for the UI's own
//! paths, API paths never answered with HTML, and a page that says how to build the UI
//! when it is not built.

mod common;

use std::path::{Path, PathBuf};

use docket_store::Backend;
use docket_store::identity::MasterKey;
use docket_store::testing::TestDb;

/// A fake build: an index page and one hashed asset.
fn build_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("docket-web-{name}-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("assets")).unwrap();
    std::fs::write(dir.join("index.html"), "<!doctype html><div id=root></div>").unwrap();
    std::fs::write(dir.join("assets/index-abc123.js"), "console.log('docket')").unwrap();
    // What scripts/precompress.mjs writes beside each file (the bytes do not matter here).
    std::fs::write(dir.join("assets/index-abc123.js.gz"), b"\x1f\x8bgzipped").unwrap();
    dir
}

async fn serve(db: &TestDb, web_dir: Option<&Path>) -> (String, tokio::sync::oneshot::Sender<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let mut state =
        docket_server::api::AppState::new(db.store.clone(), MasterKey::generate(), false);
    if let Some(dir) = web_dir {
        state = state.with_web_dir(dir.to_path_buf());
    }
    tokio::spawn(docket_server::serve(state, listener, async {
        let _ = rx.await;
    }));
    (format!("http://{addr}"), tx)
}

/// A GET with the path exactly as given; the status line and the whole response.
async fn raw_get(base: &str, path: &str) -> (String, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    let status = response.lines().next().unwrap_or("").to_string();
    (status, response)
}

#[tokio::test]
async fn the_built_ui_is_served_with_fallback_to_index() {
    let db = TestDb::new(Backend::Sqlite).await;
    let dir = build_dir("served");
    let (base, _stop) = serve(&db, Some(&dir)).await;
    let get = |path: &str| reqwest::get(format!("{base}{path}"));

    // The UI's own paths are its index page, never cached without asking.
    for path in ["/", "/queue", "/tickets/IT-4", "/admin/types/it_support"] {
        let r = get(path).await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
        assert!(
            r.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html"),
            "{path}"
        );
        assert_eq!(r.headers()["cache-control"], "no-cache");
        assert!(
            r.headers()["content-security-policy"]
                .to_str()
                .unwrap()
                .contains("script-src 'self'")
        );
        assert_eq!(r.headers()["x-frame-options"], "DENY");
        assert!(r.text().await.unwrap().contains("id=root"));
    }
    // Hashed assets are cached for good.
    let r = get("/assets/index-abc123.js").await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains("javascript")
    );
    assert_eq!(
        r.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    // The precompressed sibling goes to browsers that accept it.
    let r = reqwest::Client::new()
        .get(format!("{base}/assets/index-abc123.js"))
        .header("accept-encoding", "gzip, deflate")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-encoding"], "gzip");
    assert_eq!(r.headers()["vary"], "accept-encoding");
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains("javascript")
    );
    assert_eq!(
        r.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(&r.bytes().await.unwrap()[..], b"\x1f\x8bgzipped");
    // A missing file is a 404, not the index page.
    let r = get("/assets/index-gone.js").await.unwrap();
    assert_eq!(r.status(), 404);
    // Nothing under /assets/ is a screen (it would be cached for good as one).
    let r = get("/assets/no-extension").await.unwrap();
    assert_eq!(r.status(), 404);
    // The API keeps answering problems.
    let r = get("/api/v1/nope").await.unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let r = get("/api/v1/health").await.unwrap();
    assert_eq!(r.status(), 200);
    // Nothing outside the build directory is reachable, however the dots are written
    // (sent raw: an HTTP client would normalise them away before sending).
    let secret = dir.with_extension("secret");
    std::fs::write(&secret, "outside the build").unwrap();
    let name = secret.file_name().unwrap().to_str().unwrap().to_string();
    for path in [
        format!("/../{name}"),
        format!("/%2e%2e/{name}"),
        format!("/..%2f{name}"),
        format!("/assets/..%2f..%2f{name}"),
    ] {
        let (status, body) = raw_get(&base, &path).await;
        assert!(!body.contains("outside the build"), "{path}: {status}");
    }
    std::fs::remove_file(secret).unwrap();
    // Only reads: a POST outside the API is not found.
    let r = reqwest::Client::new()
        .post(format!("{base}/queue"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn an_unbuilt_ui_says_how_to_build_it() {
    let db = TestDb::new(Backend::Sqlite).await;
    let missing = std::env::temp_dir().join("docket-web-never-built");
    let (base, _stop) = serve(&db, Some(&missing)).await;
    let r = reqwest::get(format!("{base}/")).await.unwrap();
    assert_eq!(r.status(), 503);
    let text = r.text().await.unwrap();
    assert!(text.contains("npm run build"), "{text}");
    assert!(text.contains("docket-web-never-built"));
    // The API works regardless.
    let r = reqwest::get(format!("{base}/api/v1/health")).await.unwrap();
    assert_eq!(r.status(), 200);
}
