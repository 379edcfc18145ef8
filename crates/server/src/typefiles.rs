//! Type files on disk: finding them, checking them, and applying them (by the CLI, and by
//! `serve` at start).

use std::path::{Path, PathBuf};

use docket_core::evolution::Safety;
use docket_core::typedef::{Syntax, TypeDefinition, TypeFileErrors};
use docket_store::{AppliedChange, Store, StoreError, TypeOrigin, TypeSource};

/// A checked type file.
pub struct TypeFile {
    pub path: PathBuf,
    pub text: String,
    pub definition: TypeDefinition,
}

/// The type files named by `paths` (files or folders; folders are read one level deep,
/// `.yaml`, `.yml` and `.json`), in name order. Each problem is reported with its place.
pub fn load(paths: &[PathBuf]) -> Result<Vec<TypeFile>, Vec<String>> {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for p in paths {
        if p.is_dir() {
            match std::fs::read_dir(p) {
                Ok(entries) => {
                    let mut found: Vec<PathBuf> = entries
                        .filter_map(|e| e.ok().map(|e| e.path()))
                        .filter(|f| {
                            // Hidden files are editor locks and backups, never types.
                            let hidden = f
                                .file_name()
                                .is_some_and(|n| n.to_string_lossy().starts_with('.'));
                            f.is_file()
                                && !hidden
                                && Syntax::from_path(&f.to_string_lossy()).is_some()
                        })
                        .collect();
                    found.sort();
                    files.extend(found);
                }
                Err(e) => errors.push(format!("{}: cannot read the folder: {e}", p.display())),
            }
        } else if p.exists() {
            files.push(p.clone());
        } else {
            errors.push(format!("{}: no such file or folder", p.display()));
        }
    }
    let mut read = Vec::new();
    for path in files {
        match std::fs::read_to_string(&path) {
            Ok(text) => read.push((path, text)),
            Err(e) => errors.push(format!("{}:1:1: cannot read: {e}", path.display())),
        }
    }
    match check(read) {
        Ok(out) if errors.is_empty() => Ok(out),
        Ok(_) => Err(errors),
        Err(more) => {
            errors.extend(more);
            Err(errors)
        }
    }
}

/// The ticket types Docket ships (the repository's `ticket-types/`), built into the
/// binary, so that a new installation without a types directory has them.
const SHIPPED: [(&str, &str); 5] = [
    (
        "admin_request.yaml",
        include_str!("../../../ticket-types/admin_request.yaml"),
    ),
    (
        "complaint.yaml",
        include_str!("../../../ticket-types/complaint.yaml"),
    ),
    (
        "discord_support.yaml",
        include_str!("../../../ticket-types/discord_support.yaml"),
    ),
    (
        "equipment_maintenance.yaml",
        include_str!("../../../ticket-types/equipment_maintenance.yaml"),
    ),
    (
        "it_support.yaml",
        include_str!("../../../ticket-types/it_support.yaml"),
    ),
];

/// The shipped types, checked (`typefiles_tests` keeps them valid and the list complete).
pub fn shipped() -> Vec<TypeFile> {
    check(
        SHIPPED
            .iter()
            .map(|(name, text)| (PathBuf::from(name), text.to_string()))
            .collect(),
    )
    .expect("the shipped ticket types are valid")
}

/// Parse type files' texts, each problem with its place; slugs and key prefixes must
/// be unique among them.
fn check(read: Vec<(PathBuf, String)>) -> Result<Vec<TypeFile>, Vec<String>> {
    let mut out: Vec<TypeFile> = Vec::new();
    let mut errors = Vec::new();
    for (path, text) in read {
        let name = path.display().to_string();
        let Some(syntax) = Syntax::from_path(&name) else {
            errors.push(format!(
                "{name}:1:1: type files end in .yaml, .yml or .json"
            ));
            continue;
        };
        match TypeDefinition::parse(&text, syntax, Some(&name)) {
            Ok(definition) => {
                if let Some(other) = out.iter().find(|f| f.definition.slug == definition.slug) {
                    errors.push(format!(
                        "{name}:1:1: slug `{}` is also defined in {}",
                        definition.slug,
                        other.path.display()
                    ));
                } else if let Some(other) = out
                    .iter()
                    .find(|f| f.definition.key_prefix == definition.key_prefix)
                {
                    errors.push(format!(
                        "{name}:1:1: key prefix {} is also used by {}",
                        definition.key_prefix,
                        other.path.display()
                    ));
                } else {
                    out.push(TypeFile {
                        path,
                        text,
                        definition,
                    });
                }
            }
            Err(TypeFileErrors(es)) => errors.extend(es.iter().map(|e| e.to_string())),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

pub fn origin(file: &TypeFile, actor: &str) -> TypeOrigin {
    TypeOrigin {
        source: TypeSource::File,
        path: Some(source_name(&file.path)),
        text: Some(file.text.clone()),
        actor: actor.to_string(),
    }
}

/// How a type's file is recorded: its name, which does not depend on where the command
/// runs (a path relative to the working directory would change with it).
fn source_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| path.display().to_string())
}

/// A human-readable plan, as `docket types plan` prints it.
pub fn describe(plan: &docket_core::evolution::Plan, ddl: &[String]) -> String {
    let mut s = String::new();
    let from = plan
        .from_version
        .map(|v| format!("v{v}"))
        .unwrap_or_else(|| "new".into());
    if plan.noop {
        s.push_str(&format!("{}: up to date ({from})\n", plan.slug));
        return s;
    }
    s.push_str(&format!(
        "{}: {from} -> v{} [{}]\n",
        plan.slug,
        plan.to_version,
        match plan.safety {
            Safety::Safe => "safe",
            Safety::Destructive => "destructive: needs --allow-destructive",
            Safety::Refused => "refused",
        }
    ));
    for c in &plan.changes {
        let mark = match c.safety {
            Safety::Safe => "  +",
            Safety::Destructive => "  !",
            Safety::Refused => "  x",
        };
        s.push_str(&format!("{mark} {}\n", c.summary));
        if !c.blocking_tickets.is_empty() {
            s.push_str(&format!(
                "      tickets: {}\n",
                c.blocking_tickets.join(", ")
            ));
        }
    }
    if plan.expected_seconds >= 1.0 {
        s.push_str(&format!(
            "  expected to take about {} s (index builds and conversions over the stored tickets)\n",
            plan.expected_seconds.round()
        ));
    }
    if !ddl.is_empty() {
        s.push_str("  SQL:\n");
        for d in ddl {
            let end = if d.starts_with("--") { "" } else { ";" };
            s.push_str(&format!("    {d}{end}\n"));
        }
    }
    s
}

/// Apply every file's safe changes; if any file needs more than that, apply nothing and
/// return the plans that stop it (how `serve` starts).
pub async fn apply_safe(store: &Store, files: &[TypeFile]) -> Result<Vec<AppliedChange>, String> {
    let mut blocked = String::new();
    for f in files {
        let planned = store
            .plan_type(&f.definition)
            .await
            .map_err(|e| format!("{}: {e}", f.path.display()))?;
        if !planned.plan.noop && planned.plan.safety != Safety::Safe {
            blocked.push_str(&format!(
                "{}\n{}",
                f.path.display(),
                describe(&planned.plan, &planned.ddl)
            ));
        }
    }
    if !blocked.is_empty() {
        return Err(blocked);
    }
    let mut applied = Vec::new();
    for f in files {
        match store
            .apply_type(&f.definition, &origin(f, "docket serve"), false)
            .await
        {
            Ok(a) => applied.push(a),
            Err(StoreError::PlanRefused(refused)) => {
                return Err(describe(&refused.plan, &refused.ddl));
            }
            Err(e) => return Err(format!("{}: {e}", f.path.display())),
        }
    }
    Ok(applied)
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_shipped_type_file_is_built_in_and_valid() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ticket-types");
        let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .filter(|n| !n.starts_with('.'))
            .collect();
        on_disk.sort();
        let built_in: Vec<String> = super::shipped()
            .iter()
            .map(|f| f.path.display().to_string())
            .collect();
        assert_eq!(
            built_in, on_disk,
            "list every file of ticket-types/ in SHIPPED"
        );
        let loaded = super::load(&[dir]).unwrap();
        for (a, b) in loaded.iter().zip(super::shipped()) {
            assert_eq!(a.text, b.text);
        }
    }
}
