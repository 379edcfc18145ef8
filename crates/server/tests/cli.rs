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
