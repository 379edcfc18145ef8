//! Planning the indexes declared under `indexes:`: the ones that go (or read a column
//! this plan renames, converts or drops) are dropped before anything else runs, the new
//! ones are built after everything else.

use super::{Planner, Safety, Step};
use crate::typedef::{ExtIndex, TypeDefinition};

pub(super) fn plan(old: Option<&TypeDefinition>, new: &TypeDefinition, p: &mut Planner) {
    let field_indexes: Vec<ExtIndex> = crate::fields::compile_fields(&new.schema)
        .iter()
        .filter(|f| f.indexed)
        .map(|f| ExtIndex::of_field(&f.name))
        .collect();
    // A declaration equal to an `x-index` field's index is that index: built once.
    let declared = |d: &TypeDefinition| -> Vec<ExtIndex> {
        let mut out: Vec<ExtIndex> = Vec::new();
        for i in d.indexes.iter().map(ExtIndex::declared) {
            if !out.contains(&i) && !field_indexes.contains(&i) {
                out.push(i);
            }
        }
        out
    };
    let before = old.map(declared).unwrap_or_default();
    let after = declared(new);
    let moved: Vec<String> = p
        .steps
        .iter()
        .flat_map(|s| match s {
            Step::RenameColumn { from, to } => vec![from.clone(), to.clone()],
            Step::DropColumn { column } => vec![column.clone()],
            Step::ConvertCopy { from, .. } => vec![from.clone()],
            _ => Vec::new(),
        })
        .collect();
    let disturbed = |i: &ExtIndex| moved.iter().any(|c| i.covers(c));
    let mut drops = Vec::new();
    for index in &before {
        let kept = after.contains(index);
        if kept && !disturbed(index) {
            continue;
        }
        if !kept {
            p.change(
                None,
                format!("drop the index on ({})", index.describe()),
                Safety::Safe,
            );
        }
        drops.push(Step::DropIndex {
            index: index.clone(),
        });
    }
    p.steps.splice(0..0, drops);
    for index in &after {
        let existed = before.contains(index);
        if existed && !disturbed(index) {
            continue;
        }
        if !existed {
            p.change(
                None,
                format!("add an index on ({})", index.describe()),
                Safety::Safe,
            );
        }
        p.steps.push(Step::CreateIndex {
            index: index.clone(),
        });
    }
}
