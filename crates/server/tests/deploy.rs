//! The systemd unit in `deploy/`: systemd's own checker accepts it, and every setting it
//! passes to Docket is one Docket reads.

use std::path::PathBuf;
use std::process::Command;

fn unit() -> (PathBuf, String) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../deploy/docket.service");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    (path, text)
}

/// `systemd-analyze verify` on the unit, its ExecStart pointed at this build's binary (the
/// checker refuses a command that does not exist).
#[test]
fn systemd_accepts_the_unit() {
    let (_, text) = unit();
    assert!(
        text.contains("ExecStart=/usr/local/bin/docket serve"),
        "{text}"
    );
    let dir = std::env::temp_dir().join(format!("docket-unit-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let copy = dir.join("docket.service");
    std::fs::write(
        &copy,
        text.replace("/usr/local/bin/docket", env!("CARGO_BIN_EXE_docket")),
    )
    .unwrap();
    let out = Command::new("systemd-analyze")
        .arg("verify")
        .arg(&copy)
        .output()
        .expect("systemd-analyze (Debian package systemd) is needed for this test");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{said}");
    // Warnings (an unknown key, a misspelt section) exit 0 but print.
    assert!(said.trim().is_empty(), "{said}");
    std::fs::remove_dir_all(dir).unwrap();
}

/// Each `DOCKET_*` the unit sets is an option `docket serve` documents.
#[test]
fn the_unit_sets_only_settings_docket_reads() {
    let (_, text) = unit();
    let help = Command::new(env!("CARGO_BIN_EXE_docket"))
        .args(["serve", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&help.stdout).to_string();
    let set: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("Environment="))
        .filter_map(|kv| kv.split('=').next())
        .collect();
    assert!(!set.is_empty());
    for name in set {
        assert!(
            help.contains(&format!("env: {name}")) || help.contains(&format!("env {name}")),
            "{name} is not a `docket serve` setting"
        );
    }
}
