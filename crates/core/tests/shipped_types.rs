//! Every type file shipped in ticket-types/ passes the same checks an admin's would.

use std::path::Path;

use docket_core::typedef::{CompiledType, Syntax, TypeDefinition};

#[test]
fn shipped_types_are_valid() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ticket-types");
    let mut slugs = Vec::new();
    let mut prefixes = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.to_string_lossy().to_string();
        let Some(syntax) = Syntax::from_path(&name) else {
            continue;
        };
        let text = std::fs::read_to_string(&path).unwrap();
        let def =
            TypeDefinition::parse(&text, syntax, Some(&name)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            path.file_stem().unwrap().to_string_lossy(),
            def.slug,
            "file name matches the slug"
        );
        CompiledType::compile(def.clone(), 1).unwrap();
        prefixes.push(def.key_prefix.clone());
        slugs.push(def.slug);
    }
    slugs.sort();
    assert_eq!(
        slugs,
        [
            "admin_request",
            "complaint",
            "discord_support",
            "equipment_maintenance",
            "it_support"
        ]
    );
    prefixes.sort();
    prefixes.dedup();
    assert_eq!(prefixes.len(), 5, "key prefixes are unique");
}
