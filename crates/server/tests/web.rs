//! The web UI at `/`: built files with the right caching, `index.html` for the UI's own
//! paths, API paths never answered with HTML, and a page that says how to build the UI
//! when it is not built.

mod common;

use std::path::{Path, PathBuf};

use docket_server::web::{EmbeddedFile, WebUi};
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
    serve_ui(db, web_dir.map(|d| WebUi::Dir(d.to_path_buf()))).await
}

async fn serve_ui(db: &TestDb, ui: Option<WebUi>) -> (String, tokio::sync::oneshot::Sender<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let mut state =
        docket_server::api::AppState::new(db.store.clone(), MasterKey::generate(), false);
    if let Some(ui) = ui {
        state = state.with_web(ui);
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

/// The UI built into a release binary is served as a directory's would be: the index for
/// the UI's paths, hashed assets cached for good, the precompressed sibling the browser
/// accepts, 404 for a missing asset, the API untouched.
#[tokio::test]
async fn the_built_in_ui_is_served_like_a_directory() {
    let db = TestDb::new(Backend::Sqlite).await;
    // As build.rs lists them: sorted by path.
    let files: &'static [EmbeddedFile] = Box::leak(Box::new([
        EmbeddedFile {
            path: "/assets/index-abc123.js",
            bytes: b"console.log('docket')",
        },
        EmbeddedFile {
            path: "/assets/index-abc123.js.br",
            bytes: b"brotli bytes",
        },
        EmbeddedFile {
            path: "/assets/index-abc123.js.gz",
            bytes: b"\x1f\x8bgzipped",
        },
        EmbeddedFile {
            path: "/index.html",
            bytes: b"<!doctype html><div id=root></div>",
        },
    ]));
    let (base, _stop) = serve_ui(&db, Some(WebUi::Embedded(files))).await;
    let client = reqwest::Client::builder()
        .no_gzip()
        .no_brotli()
        .build()
        .unwrap();
    let get = |path: &str, encoding: &str| {
        client
            .get(format!("{base}{path}"))
            .header("accept-encoding", encoding.to_string())
            .send()
    };
    for path in ["/", "/queue", "/tickets/IT-4"] {
        let r = get(path, "identity").await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
        assert_eq!(r.headers()["content-type"], "text/html; charset=utf-8");
        assert_eq!(r.headers()["cache-control"], "no-cache");
        assert_eq!(r.headers()["referrer-policy"], "same-origin");
        assert!(r.text().await.unwrap().contains("id=root"));
    }
    // A follow page's token never leaves in a Referer.
    let r = get("/follow/IT-4/sometoken", "identity").await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["referrer-policy"], "no-referrer");
    for (accept, encoding, body) in [
        ("identity", None, &b"console.log('docket')"[..]),
        ("gzip, deflate", Some("gzip"), &b"\x1f\x8bgzipped"[..]),
        ("gzip, br", Some("br"), &b"brotli bytes"[..]),
        ("gzip, br;q=0", Some("gzip"), &b"\x1f\x8bgzipped"[..]),
    ] {
        let r = get("/assets/index-abc123.js", accept).await.unwrap();
        assert_eq!(r.status(), 200, "{accept}");
        assert_eq!(
            r.headers()
                .get("content-encoding")
                .map(|v| v.to_str().unwrap()),
            encoding,
            "{accept}"
        );
        assert_eq!(
            r.headers()["content-type"],
            "text/javascript; charset=utf-8"
        );
        assert_eq!(
            r.headers()["cache-control"],
            "public, max-age=31536000, immutable"
        );
        assert_eq!(r.headers()["vary"], "accept-encoding");
        assert_eq!(&r.bytes().await.unwrap()[..], body, "{accept}");
    }
    let r = get("/assets/index-gone.js", "identity").await.unwrap();
    assert_eq!(r.status(), 404);
    let r = get("/api/v1/nope", "identity").await.unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
}

/// A configured directory overrides the built-in UI; without one, a binary built without
/// a UI reads ./web/dist.
#[test]
fn a_configured_directory_wins() {
    let dir = std::path::PathBuf::from("/srv/docket-ui");
    assert!(matches!(WebUi::choose(Some(dir.clone())), WebUi::Dir(d) if d == dir));
    if docket_server::web::built_in().is_empty() {
        assert!(matches!(WebUi::choose(None), WebUi::Dir(d) if d.ends_with("web/dist")));
    }
}
