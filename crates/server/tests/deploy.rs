//! The systemd units in `deploy/`: systemd's own checker accepts them, and every setting
//! they pass to Docket is one Docket reads.

use std::path::PathBuf;
use std::process::Command;

fn unit() -> (PathBuf, String) {
    deploy_file("docket.service")
}

fn deploy_file(name: &str) -> (PathBuf, String) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../deploy")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    (path, text)
}

/// `systemd-analyze verify` on units copied to a folder of their own, `docket` pointed at
/// this build's binary (the checker refuses a command that does not exist): what it says.
fn verify(names: &[&str]) -> String {
    let dir = std::env::temp_dir().join(format!("docket-unit-{}-{}", names[0], std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut command = Command::new("systemd-analyze");
    command.arg("verify");
    for name in names {
        let (_, text) = deploy_file(name);
        let copy = dir.join(name);
        std::fs::write(
            &copy,
            text.replace("/usr/local/bin/docket", env!("CARGO_BIN_EXE_docket")),
        )
        .unwrap();
        command.arg(copy);
    }
    let out = command
        .output()
        .expect("systemd-analyze (Debian package systemd) is needed for this test");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::remove_dir_all(dir).unwrap();
    assert!(out.status.success(), "{said}");
    said
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
    let said = verify(&["docket.service"]);
    // Warnings (an unknown key, a misspelt section) exit 0 but print.
    assert!(said.trim().is_empty(), "{said}");
}

/// The daily backup: its service runs `docket backup` as docket.service's user, and the
/// timer starts it.
#[test]
fn systemd_accepts_the_backup_units() {
    let (_, text) = deploy_file("docket-backup.service");
    assert!(
        text.contains("/usr/local/bin/docket backup --output"),
        "{text}"
    );
    assert!(text.contains("User=docket\nDynamicUser=yes"), "{text}");
    let said = verify(&["docket-backup.service", "docket-backup.timer"]);
    assert!(said.trim().is_empty(), "{said}");
}

/// Each `DOCKET_*` the units set is an option their command documents.
#[test]
fn the_unit_sets_only_settings_docket_reads() {
    sets_only_settings_of(&unit().1, "serve");
    sets_only_settings_of(&deploy_file("docket-backup.service").1, "backup");
}

fn sets_only_settings_of(text: &str, command: &str) {
    let help = Command::new(env!("CARGO_BIN_EXE_docket"))
        .args([command, "--help"])
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
            "{name} is not a `docket {command}` setting"
        );
    }
}
