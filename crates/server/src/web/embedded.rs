//! The web UI built into the binary (`build.rs`): each file of `web/dist` with its URL
//! path, sorted, and what `ServeDir` does for a directory, for these files: the
//! precompressed sibling the browser accepts (`.br`, then `.gz`), the type by extension.

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// One file of the UI's build.
#[derive(Debug)]
pub struct EmbeddedFile {
    /// Its URL path (`/index.html`, `/assets/index-3f9a.js`).
    pub path: &'static str,
    pub bytes: &'static [u8],
}

/// The files this binary was built with: empty in debug builds and in release builds made
/// before `npm run build`.
pub fn built_in() -> &'static [EmbeddedFile] {
    include!(concat!(env!("OUT_DIR"), "/web_files.rs"))
}

/// The file at `path` (sorted by path: `build.rs` sorts them).
pub(super) fn find<'a>(files: &'a [EmbeddedFile], path: &str) -> Option<&'a EmbeddedFile> {
    files
        .binary_search_by(|f| f.path.cmp(path))
        .ok()
        .map(|i| &files[i])
}

/// The file at `path` as a response: its precompressed sibling if the request accepts
/// one, else the file itself; 404 when there is no such file.
pub(super) fn serve(files: &[EmbeddedFile], path: &str, request: &HeaderMap) -> Response {
    let path = if path.ends_with('/') {
        format!("{path}index.html")
    } else {
        path.to_string()
    };
    let Some(file) = find(files, &path) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let sibling = [("br", ".br"), ("gzip", ".gz")]
        .into_iter()
        .filter(|(encoding, _)| accepts(request, encoding))
        .find_map(|(encoding, suffix)| {
            find(files, &format!("{path}{suffix}")).map(|f| (encoding, f))
        });
    let (encoding, bytes) = match sibling {
        Some((encoding, f)) => (Some(encoding), f.bytes),
        None => (None, file.bytes),
    };
    let mut response = Response::new(Body::from(bytes));
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(content_type(&path)),
    );
    if let Some(encoding) = encoding {
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(encoding));
    }
    response
}

/// Whether `Accept-Encoding` lists `encoding` without `q=0`.
fn accepts(request: &HeaderMap, encoding: &str) -> bool {
    request
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|item| {
            let mut parts = item.split(';').map(str::trim);
            let name = parts.next().unwrap_or("");
            let refused = parts.any(|p| {
                p.strip_prefix("q=")
                    .and_then(|q| q.parse::<f32>().ok())
                    .is_some_and(|q| q == 0.0)
            });
            name.eq_ignore_ascii_case(encoding) && !refused
        })
}

/// The type of what Vite writes, by extension.
fn content_type(path: &str) -> &'static str {
    let extension = path.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    match extension {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "webmanifest" => "application/manifest+json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "jpg" | "jpeg" => "image/jpeg",
        "webp" => "image/webp",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings_are_accepted_by_name_unless_refused() {
        let mut h = HeaderMap::new();
        h.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_static("gzip, br;q=0, deflate"),
        );
        assert!(accepts(&h, "gzip"));
        assert!(!accepts(&h, "br"));
        assert!(!accepts(&HeaderMap::new(), "gzip"));
    }
}
