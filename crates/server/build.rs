//! Release builds carry the web UI: the files `npm run build` wrote to `web/dist` are
//! compiled into the binary (`web/embedded.rs`), so `docket serve` needs nothing beside
//! it. Debug builds carry none (tests and development read a directory, and every test
//! binary would otherwise grow by the UI's size); `DOCKET_EMBED_WEB=1` embeds in any
//! profile, `DOCKET_EMBED_WEB=0` in none.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    // Without these, cargo would run this script again whenever any file of the crate
    // changes.
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=DOCKET_EMBED_WEB");
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let web = manifest.join("../../web");
    let dist = web.join("dist");
    let wanted = match std::env::var("DOCKET_EMBED_WEB").as_deref() {
        Ok("1") => true,
        Ok("0") => false,
        _ => std::env::var("PROFILE").as_deref() == Ok("release"),
    };
    let mut files = Vec::new();
    if wanted {
        if dist.join("index.html").is_file() {
            // The whole directory: cargo rebuilds when any file in it changes.
            println!("cargo:rerun-if-changed={}", dist.display());
            collect(&dist, &dist, &mut files);
            files.sort();
        } else {
            // A path that does not exist would make cargo run this script on every build;
            // the UI's package file exists in every checkout.
            println!(
                "cargo:rerun-if-changed={}",
                web.join("package.json").display()
            );
            println!(
                "cargo:warning=web/dist is not built: this binary carries no web UI (scripts/run builds it first)"
            );
        }
    }
    let mut out = String::from("&[\n");
    for (route, path) in &files {
        writeln!(
            out,
            "    EmbeddedFile {{ path: {route:?}, bytes: include_bytes!({:?}) }},",
            path.display().to_string()
        )
        .expect("writing to a string");
    }
    out.push(']');
    let target =
        PathBuf::from(std::env::var("OUT_DIR").expect("set by cargo")).join("web_files.rs");
    std::fs::write(target, out).expect("OUT_DIR is writable");
}

/// Every file under `dir`, as (its URL path, its path on disk).
fn collect(root: &Path, dir: &Path, files: &mut Vec<(String, PathBuf)>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            collect(root, &path, files);
        } else {
            let relative = path.strip_prefix(root).expect("under the root");
            let route = format!("/{}", relative.to_string_lossy().replace('\\', "/"));
            let absolute = path.canonicalize().expect("an existing file");
            files.push((route, absolute));
        }
    }
}
