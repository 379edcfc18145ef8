//! The `docket` command as an admin runs it.

use std::process::Command;

fn docket() -> Command {
    Command::new(env!("CARGO_BIN_EXE_docket"))
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("docket-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn types_check_reports_file_line_column() {
    let dir = temp_dir("check");
    std::fs::write(
        dir.join("bad.yaml"),
        "slug: bad\nname: Bad\nkey_prefix: BAD\nschema:\n  type: object\n  properties:\n    'x\"; DROP TABLE tickets; --': {type: string}\n    id: {type: string}\n",
    )
    .unwrap();
    std::fs::write(dir.join("broken.json"), "{\"slug\": \"b\",,}").unwrap();
    let out = docket()
        .args(["types", "check"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.yaml:7:5: field name"), "{err}");
    assert!(
        err.contains("bad.yaml:8:5: field name `id` is reserved"),
        "{err}"
    );
    assert!(err.contains("broken.json:1:14: invalid JSON"), "{err}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn shipped_types_check_plan_apply_and_export() {
    let types = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ticket-types");
    let data = temp_dir("apply");
    let run = |args: &[&str]| {
        let out = docket()
            .args(args)
            .env("DOCKET_DATA_DIR", &data)
            .env("DOCKET_TYPES_DIR", &types)
            .env_remove("DOCKET_DATABASE_URL")
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "docket {args:?} failed:\n{text}");
        text
    };
    assert!(run(&["types", "check"]).contains("it_support.yaml: ok"));
    let plan = run(&["types", "plan"]);
    assert!(
        plan.contains("it_support: new -> v1 [safe]") && plan.contains("CREATE TABLE"),
        "{plan}"
    );
    let applied = run(&["types", "apply"]);
    assert!(applied.contains("applied as version 1"), "{applied}");
    assert!(run(&["types", "plan"]).contains("it_support: up to date (v1)"));
    let yaml = run(&["types", "export", "complaint"]);
    assert!(
        yaml.contains("slug: complaint") && yaml.contains("key_prefix: CMP"),
        "{yaml}"
    );
    let _ = std::fs::remove_dir_all(data);
}

#[test]
fn serve_refuses_to_start_on_unsafe_changes_and_prints_the_plan() {
    let types = temp_dir("serve-types");
    let data = temp_dir("serve-data");
    let file = types.join("desk.yaml");
    let v1 = "slug: desk\nname: Desk\nkey_prefix: DSK\nschema:\n  type: object\n  properties:\n    floor: {type: integer}\n    wing: {type: string}\n";
    std::fs::write(&file, v1).unwrap();
    let run = |args: &[&str]| {
        docket()
            .args(args)
            .env("DOCKET_DATA_DIR", &data)
            .env("DOCKET_TYPES_DIR", &types)
            .env_remove("DOCKET_DATABASE_URL")
            .output()
            .unwrap()
    };
    assert!(run(&["types", "apply"]).status.success());
    // Removing a field is destructive: serve must refuse and say why.
    std::fs::write(&file, v1.replace("    wing: {type: string}\n", "")).unwrap();
    let out = run(&["serve", "--bind", "127.0.0.1:0"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("refusing to start"), "{err}");
    assert!(err.contains("remove field `wing`"), "{err}");
    // Forced through the CLI, the next start is clean (checked by planning again).
    assert!(
        run(&["types", "apply", "--allow-destructive"])
            .status
            .success()
    );
    let plan = String::from_utf8_lossy(&run(&["types", "plan"]).stdout).to_string();
    assert!(plan.contains("desk: up to date (v2)"), "{plan}");
    let _ = std::fs::remove_dir_all(types);
    let _ = std::fs::remove_dir_all(data);
}

#[test]
fn hidden_files_are_ignored_and_unknown_exports_fail() {
    let types = temp_dir("hidden-types");
    let data = temp_dir("hidden-data");
    std::fs::write(types.join("desk.yaml"), "slug: desk\nname: Desk\nkey_prefix: DSK\nschema:\n  type: object\n  properties:\n    floor: {type: integer}\n").unwrap();
    std::fs::write(types.join(".#desk.yaml"), "not: [a type").unwrap();
    let run = |args: &[&str]| {
        docket()
            .args(args)
            .env("DOCKET_DATA_DIR", &data)
            .env("DOCKET_TYPES_DIR", &types)
            .env_remove("DOCKET_DATABASE_URL")
            .output()
            .unwrap()
    };
    let check = run(&["types", "check"]);
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    assert!(
        !data.join("docket.db").exists(),
        "checking files touches no database"
    );
    assert!(run(&["types", "apply"]).status.success());
    let export = run(&["types", "export", "nosuch"]);
    assert!(!export.status.success());
    assert!(String::from_utf8_lossy(&export.stderr).contains("no ticket type `nosuch`"));
    let _ = std::fs::remove_dir_all(types);
    let _ = std::fs::remove_dir_all(data);
}

#[test]
fn admin_users_teams_tokens_and_key_rotation_from_the_command_line() {
    let data = temp_dir("identity-data");
    let run = |args: &[&str], password: Option<&str>| {
        let mut cmd = docket();
        cmd.args(args)
            .env("DOCKET_DATA_DIR", &data)
            .env("DOCKET_TYPES_DIR", &data)
            .env_remove("DOCKET_DATABASE_URL")
            .env_remove("DOCKET_MASTER_KEY");
        match password {
            Some(p) => cmd.env("DOCKET_ADMIN_PASSWORD", p),
            None => cmd.env_remove("DOCKET_ADMIN_PASSWORD"),
        };
        let out = cmd.output().unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).to_string(),
            text,
        )
    };
    let (ok, _, text) = run(
        &[
            "admin",
            "create",
            "--email",
            "root@example.com",
            "--name",
            "Root",
        ],
        Some("short"),
    );
    assert!(!ok && text.contains("at least 12 characters"), "{text}");
    let (ok, _, text) = run(
        &[
            "admin",
            "create",
            "--email",
            "root@example.com",
            "--name",
            "Root",
        ],
        Some("a long enough password"),
    );
    assert!(ok, "{text}");
    let (ok, _, text) = run(
        &[
            "users",
            "create",
            "--email",
            "bot@example.com",
            "--name",
            "Discord bot",
            "--role",
            "agent",
            "--service",
        ],
        None,
    );
    assert!(ok, "{text}");
    assert!(run(&["teams", "create", "it", "IT support"], None).0);
    let (ok, _, text) = run(&["teams", "add-member", "it", "bot@example.com"], None);
    assert!(ok && text.contains("members: [2]"), "{text}");
    let (ok, token, text) = run(
        &[
            "tokens",
            "create",
            "--user",
            "bot@example.com",
            "--name",
            "discord",
            "--scopes",
            "read,write",
        ],
        None,
    );
    assert!(ok && token.trim().starts_with("dkt_"), "{text}");
    let (_, list, _) = run(&["tokens", "list"], None);
    assert!(
        list.contains("read,write") && !list.contains(token.trim()),
        "{list}"
    );
    assert!(run(&["users", "set-role", "bot@example.com", "viewer"], None).0);
    let (_, users, _) = run(&["users", "list"], None);
    assert!(
        users.contains("bot@example.com") && users.contains("viewer"),
        "{users}"
    );
    // The key file is the owner's alone, and rotation replaces it.
    let key_path = data.join("master.key");
    let (ok, _, text) = run(&["secrets", "rotate-key"], None);
    assert!(ok, "{text}");
    let first = std::fs::read_to_string(&key_path).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&key_path).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    assert!(run(&["secrets", "rotate-key"], None).0);
    assert_ne!(std::fs::read_to_string(&key_path).unwrap(), first);
    let _ = std::fs::remove_dir_all(data);
}

#[test]
fn the_discord_adapter_names_every_missing_setting() {
    let out = docket()
        .arg("discord")
        .env_remove("DOCKET_DISCORD_BOT_TOKEN")
        .env_remove("DOCKET_DISCORD_DOCKET_TOKEN")
        .env("DOCKET_DISCORD_APPLICATION_ID", "1234")
        .env_remove("DOCKET_DISCORD_PUBLIC_KEY")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("DOCKET_DISCORD_BOT_TOKEN"), "{err}");
    assert!(err.contains("DOCKET_DISCORD_PUBLIC_KEY"), "{err}");
    assert!(err.contains("DOCKET_DISCORD_DOCKET_TOKEN"), "{err}");
    assert!(!err.contains("DOCKET_DISCORD_APPLICATION_ID"), "{err}");
}
