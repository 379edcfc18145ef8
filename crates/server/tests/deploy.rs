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

/// The binary alone: started in an empty directory with no types directory, it makes its
/// database and applies the ticket types built into it; it starts again on that database.
#[tokio::test]
async fn the_binary_alone_starts_with_the_shipped_types() {
    let dir = std::env::temp_dir().join(format!("docket-alone-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let docket = |args: &[&str]| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_docket"));
        command
            .args(args)
            .current_dir(&dir)
            .env_remove("DOCKET_CONFIG")
            .env_remove("DOCKET_DATABASE_URL")
            .env_remove("DOCKET_DATA_DIR")
            .env_remove("DOCKET_TYPES_DIR")
            .env_remove("DOCKET_WEB_DIR");
        command
    };
    let port = docket_mail::testing::free_port();
    for start in 0..2 {
        let mut server = docket(&["serve", "--bind", &format!("127.0.0.1:{port}")])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let client = reqwest::Client::new();
        let mut ready = false;
        for _ in 0..150 {
            if let Ok(r) = client
                .get(format!("http://127.0.0.1:{port}/readyz"))
                .send()
                .await
                && r.status() == 200
            {
                ready = true;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        server.kill().unwrap();
        let _ = server.wait();
        assert!(ready, "start {start}: docket serve did not get ready");
        let export = docket(&["types", "export"]).output().unwrap();
        assert!(export.status.success());
        let yaml = String::from_utf8_lossy(&export.stdout);
        for slug in [
            "admin_request",
            "complaint",
            "discord_support",
            "equipment_maintenance",
            "it_support",
        ] {
            assert!(
                yaml.contains(&format!("slug: {slug}")),
                "start {start}: {yaml}"
            );
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
