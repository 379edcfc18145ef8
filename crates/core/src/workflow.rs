//! Per-type workflows: the states a ticket can be in, the category of each state (what it
//! means for SLA clocks and queues), and the moves allowed between states.
//!
//! A type file either says `workflow: default` (or nothing) and gets
//! [`Workflow::default_workflow`], or declares its workflow inline. Everything here is
//! pure: [`Workflow::check`] reports every problem of a declared workflow with a JSON
//! pointer, and the store asks [`Workflow::check_initial`] / [`Workflow::check_transition`]
//! before it writes a status.

use std::collections::{BTreeSet, HashMap};
use std::sync::LazyLock;

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::ticket::StatusCategory;
use crate::typedef::{FieldError, is_identifier};

/// The most states one workflow may declare.
pub const MAX_STATES: usize = 50;
/// The longest label of a state, in characters.
pub const MAX_LABEL_CHARS: usize = 100;
/// In a transition's `from`, this stands for every state.
pub const ANY_STATE: &str = "*";

/// One state of a workflow.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkflowState {
    /// The status value tickets carry, e.g. `waiting_parts`; an identifier.
    #[schema(example = "waiting_parts")]
    pub name: String,
    /// What the state means for SLA clocks and queues.
    pub category: StatusCategory,
    /// What people see; the name when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "Waiting for parts")]
    pub label: Option<String>,
}

/// Tickets in any state of `from` may move to `to`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Transition {
    /// States the move starts from; `*` means any state. A type file may give a single
    /// state as a string.
    #[serde(deserialize_with = "one_or_many")]
    pub from: Vec<String>,
    pub to: String,
}

/// The states of a type's tickets and the moves allowed between them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Workflow {
    /// The state new tickets start in when they name none.
    #[schema(example = "new")]
    pub initial: String,
    /// In display order.
    pub states: Vec<WorkflowState>,
    pub transitions: Vec<Transition>,
}

fn one_or_many<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    match OneOrMany::deserialize(d) {
        Ok(OneOrMany::One(s)) => Ok(vec![s]),
        Ok(OneOrMany::Many(v)) => Ok(v),
        Err(_) => Err(serde::de::Error::custom(
            "`from` is a state name, `*`, or a list of them",
        )),
    }
}

/// The message for a workflow named other than `default`.
pub(crate) fn unknown_named_workflow(name: &str) -> String {
    format!(
        "unknown workflow `{}`: the only named workflow is `default`; declare any other inline, with initial, states and transitions",
        name.escape_debug()
    )
}

/// Deserialize a type definition's `workflow`: the name `default` (the default workflow,
/// read as None) or an inline workflow.
pub(crate) fn deserialize_named_or_inline<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<Workflow>, D::Error> {
    match Option::<Value>::deserialize(d)? {
        None => Ok(None),
        Some(Value::String(name)) if name == "default" => Ok(None),
        Some(Value::String(name)) => Err(serde::de::Error::custom(unknown_named_workflow(&name))),
        Some(other) => Workflow::deserialize(other)
            .map(Some)
            .map_err(serde::de::Error::custom),
    }
}

static DEFAULT: LazyLock<Workflow> = LazyLock::new(|| {
    use StatusCategory::*;
    let state = |name: &str, category| WorkflowState {
        name: name.into(),
        category,
        label: None,
    };
    let t = |from: &[&str], to: &str| Transition {
        from: from.iter().map(|s| s.to_string()).collect(),
        to: to.into(),
    };
    Workflow {
        initial: "new".into(),
        states: vec![
            state("new", New),
            state("open", Open),
            state("pending", Pending),
            state("solved", Solved),
            state("closed", Closed),
        ],
        transitions: vec![
            t(&["new", "pending", "solved", "closed"], "open"),
            t(&["new", "open"], "pending"),
            t(&["new", "open", "pending"], "solved"),
            t(&["new", "open", "pending", "solved"], "closed"),
        ],
    }
});

impl Workflow {
    /// The workflow every type follows unless it declares its own: one state per category,
    /// named after it. Solved and closed tickets may be reopened.
    pub fn default_workflow() -> Workflow {
        DEFAULT.clone()
    }

    /// The default workflow, without a copy.
    pub fn default_ref() -> &'static Workflow {
        &DEFAULT
    }

    /// Every problem of the workflow, each with a JSON pointer below `pointer_prefix`
    /// (where the workflow stands in its document, e.g. `/workflow`).
    pub fn check(&self, pointer_prefix: &str) -> Vec<FieldError> {
        let mut errors = Vec::new();
        let mut err =
            |pointer: String, message: String| errors.push(FieldError { pointer, message });
        let p = pointer_prefix;

        if self.states.is_empty() {
            err(
                format!("{p}/states"),
                "a workflow needs at least one state".into(),
            );
        }
        if self.states.len() > MAX_STATES {
            err(
                format!("{p}/states"),
                format!(
                    "a workflow has at most {MAX_STATES} states; this one has {}",
                    self.states.len()
                ),
            );
        }
        let mut first: HashMap<&str, usize> = HashMap::new();
        for (i, s) in self.states.iter().enumerate() {
            if !is_identifier(&s.name) {
                err(
                    format!("{p}/states/{i}/name"),
                    format!(
                        "state name `{}` is not an identifier: use lower-case letters, digits and _, starting with a letter, at most 63 characters",
                        s.name.escape_debug()
                    ),
                );
            } else if let Some(j) = first.get(s.name.as_str()) {
                err(
                    format!("{p}/states/{i}/name"),
                    format!("state `{}` is declared twice (first as state {j})", s.name),
                );
            }
            first.entry(s.name.as_str()).or_insert(i);
            if let Some(label) = &s.label {
                let chars = label.chars().count();
                if label.trim().is_empty() {
                    err(
                        format!("{p}/states/{i}/label"),
                        "a label must not be empty; leave it out to show the name".into(),
                    );
                } else if chars > MAX_LABEL_CHARS {
                    err(
                        format!("{p}/states/{i}/label"),
                        format!(
                            "a label has at most {MAX_LABEL_CHARS} characters; this one has {chars}"
                        ),
                    );
                }
            }
        }
        if !self.states.is_empty()
            && !self
                .states
                .iter()
                .any(|s| matches!(s.category, StatusCategory::Solved | StatusCategory::Closed))
        {
            err(
                format!("{p}/states"),
                "a workflow needs at least one state of category `solved` or `closed`, or its tickets can never be finished".into(),
            );
        }

        let initial = self.state(&self.initial);
        match initial {
            None => err(
                format!("{p}/initial"),
                format!(
                    "the initial state `{}` is not a state of the workflow; its states are {}",
                    self.initial.escape_debug(),
                    self.names_list()
                ),
            ),
            Some(s) if !matches!(s.category, StatusCategory::New | StatusCategory::Open) => err(
                format!("{p}/initial"),
                format!(
                    "the initial state `{}` is of category `{}`; new tickets must start in a state of category `new` or `open`",
                    s.name,
                    s.category.as_str()
                ),
            ),
            Some(_) => {}
        }

        for (i, t) in self.transitions.iter().enumerate() {
            if t.from.is_empty() {
                err(
                    format!("{p}/transitions/{i}/from"),
                    "a transition needs at least one state to start from (or `*`)".into(),
                );
            }
            for (j, f) in t.from.iter().enumerate() {
                if f == ANY_STATE {
                    continue;
                }
                if self.state(f).is_none() {
                    err(
                        format!("{p}/transitions/{i}/from/{j}"),
                        format!(
                            "`{}` is not a state of the workflow; its states are {} (or `*` for any)",
                            f.escape_debug(),
                            self.names_list()
                        ),
                    );
                } else if *f == t.to {
                    err(
                        format!("{p}/transitions/{i}/from/{j}"),
                        format!(
                            "a transition from `{f}` to itself: staying in a state is always allowed; remove `{f}` here"
                        ),
                    );
                }
            }
            if self.state(&t.to).is_none() {
                err(
                    format!("{p}/transitions/{i}/to"),
                    format!(
                        "`{}` is not a state of the workflow; its states are {}",
                        t.to.escape_debug(),
                        self.names_list()
                    ),
                );
            }
        }

        if initial.is_some() {
            let reachable = self.reachable_from(&self.initial);
            for (i, s) in self.states.iter().enumerate() {
                if !reachable.contains(s.name.as_str()) && first.get(s.name.as_str()) == Some(&i) {
                    err(
                        format!("{p}/states/{i}"),
                        format!(
                            "state `{}` cannot be reached from the initial state `{}`; add a transition to it",
                            s.name, self.initial
                        ),
                    );
                }
            }
        }
        errors
    }

    /// The states reachable from `start` (itself included) through declared transitions.
    fn reachable_from(&self, start: &str) -> BTreeSet<&str> {
        let mut seen: BTreeSet<&str> = BTreeSet::new();
        let mut todo = vec![start];
        if let Some(s) = self.state(start) {
            seen.insert(s.name.as_str());
        }
        while let Some(at) = todo.pop() {
            for next in self.allowed_from(at) {
                if seen.insert(next) {
                    todo.push(next);
                }
            }
        }
        seen
    }

    pub fn state(&self, name: &str) -> Option<&WorkflowState> {
        self.states.iter().find(|s| s.name == name)
    }

    pub fn category(&self, name: &str) -> Option<StatusCategory> {
        self.state(name).map(|s| s.category)
    }

    /// The names of the states, in declared order.
    pub fn state_names(&self) -> Vec<&str> {
        self.states.iter().map(|s| s.name.as_str()).collect()
    }

    fn names_list(&self) -> String {
        if self.states.is_empty() {
            "none".into()
        } else {
            self.state_names().join(", ")
        }
    }

    /// The states a ticket in `from` may move to in one step, in declared order; never
    /// `from` itself. Transitions from `*` apply to every state.
    pub fn allowed_from(&self, from: &str) -> Vec<&str> {
        self.states
            .iter()
            .map(|s| s.name.as_str())
            .filter(|to| *to != from)
            .filter(|to| {
                self.transitions
                    .iter()
                    .any(|t| t.to == *to && t.from.iter().any(|f| f == from || f == ANY_STATE))
            })
            .fold(Vec::new(), |mut out, to| {
                if !out.contains(&to) {
                    out.push(to);
                }
                out
            })
    }

    /// Ok when `to` is a state and either equals `from` (no change) or a transition allows
    /// the move; otherwise why not, naming the states that are allowed.
    pub fn check_transition(&self, from: &str, to: &str) -> Result<(), String> {
        if self.state(to).is_none() {
            return Err(self.unknown(to));
        }
        if from == to {
            return Ok(());
        }
        let allowed = self.allowed_from(from);
        if allowed.contains(&to) {
            return Ok(());
        }
        if allowed.is_empty() {
            Err(format!(
                "cannot move from `{from}` to `{to}`; no transition leaves `{from}`"
            ))
        } else {
            Err(format!(
                "cannot move from `{from}` to `{to}`; allowed from `{from}`: {}",
                allowed.join(", ")
            ))
        }
    }

    /// Ok when `status` may start a ticket: any declared state (imports need closed ones
    /// too); otherwise an error listing the states.
    pub fn check_initial(&self, status: &str) -> Result<(), String> {
        match self.state(status) {
            Some(_) => Ok(()),
            None => Err(self.unknown(status)),
        }
    }

    fn unknown(&self, status: &str) -> String {
        format!(
            "unknown status `{}`; the workflow's states are {}",
            status.escape_debug(),
            self.names_list()
        )
    }

    /// Every (from, to) move the workflow allows, `*` expanded, in declared order.
    pub fn moves(&self) -> Vec<(&str, &str)> {
        self.states
            .iter()
            .flat_map(|s| {
                self.allowed_from(&s.name)
                    .into_iter()
                    .map(move |to| (s.name.as_str(), to))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use StatusCategory::*;

    fn state(name: &str, category: StatusCategory) -> WorkflowState {
        WorkflowState {
            name: name.into(),
            category,
            label: None,
        }
    }

    fn t(from: &[&str], to: &str) -> Transition {
        Transition {
            from: from.iter().map(|s| s.to_string()).collect(),
            to: to.into(),
        }
    }

    /// new -> doing -> done, done -> doing.
    fn small() -> Workflow {
        Workflow {
            initial: "new".into(),
            states: vec![
                state("new", New),
                state("doing", Open),
                state("done", Solved),
            ],
            transitions: vec![t(&["new", "done"], "doing"), t(&["doing"], "done")],
        }
    }

    fn errors(w: &Workflow) -> Vec<(String, String)> {
        w.check("/workflow")
            .into_iter()
            .map(|e| (e.pointer, e.message))
            .collect()
    }

    fn single(w: &Workflow) -> (String, String) {
        let e = errors(w);
        assert_eq!(e.len(), 1, "{e:#?}");
        e.into_iter().next().unwrap()
    }

    #[test]
    fn default_workflow_passes_check() {
        let w = Workflow::default_workflow();
        assert!(w.check("/workflow").is_empty(), "{:?}", w.check(""));
        assert_eq!(w.initial, "new");
        assert_eq!(
            w.state_names(),
            ["new", "open", "pending", "solved", "closed"]
        );
        for s in &w.states {
            assert_eq!(s.category.as_str(), s.name);
        }
        assert!(small().check("").is_empty());
    }

    #[test]
    fn default_transitions() {
        let w = Workflow::default_workflow();
        assert_eq!(
            w.allowed_from("new"),
            ["open", "pending", "solved", "closed"]
        );
        assert_eq!(w.allowed_from("open"), ["pending", "solved", "closed"]);
        assert_eq!(w.allowed_from("pending"), ["open", "solved", "closed"]);
        assert_eq!(w.allowed_from("solved"), ["open", "closed"]);
        assert_eq!(w.allowed_from("closed"), ["open"]);
        assert_eq!(w.moves().len(), 4 + 3 + 3 + 2 + 1);
    }

    #[test]
    fn reopening_a_solved_ticket_is_allowed() {
        let w = Workflow::default_workflow();
        assert_eq!(w.check_transition("solved", "open"), Ok(()));
        assert_eq!(w.check_transition("closed", "open"), Ok(()));
        assert_eq!(w.check_transition("open", "open"), Ok(()), "no change");
        assert_eq!(w.check_transition("closed", "closed"), Ok(()), "no change");
    }

    #[test]
    fn check_transition_messages() {
        let w = Workflow::default_workflow();
        assert_eq!(
            w.check_transition("solved", "pending").unwrap_err(),
            "cannot move from `solved` to `pending`; allowed from `solved`: open, closed"
        );
        assert_eq!(
            w.check_transition("open", "x").unwrap_err(),
            "unknown status `x`; the workflow's states are new, open, pending, solved, closed"
        );
        assert_eq!(
            w.check_transition("closed", "solved").unwrap_err(),
            "cannot move from `closed` to `solved`; allowed from `closed`: open"
        );
        let mut dead_end = small();
        dead_end.transitions[0].from = vec!["new".into()];
        assert_eq!(
            dead_end.check_transition("done", "new").unwrap_err(),
            "cannot move from `done` to `new`; no transition leaves `done`"
        );
    }

    #[test]
    fn check_initial_accepts_every_state() {
        let w = Workflow::default_workflow();
        for s in ["new", "open", "pending", "solved", "closed"] {
            assert_eq!(w.check_initial(s), Ok(()));
        }
        assert_eq!(
            w.check_initial("waiting").unwrap_err(),
            "unknown status `waiting`; the workflow's states are new, open, pending, solved, closed"
        );
    }

    #[test]
    fn star_means_any_state() {
        let mut w = small();
        w.states.push(state("cancelled", Closed));
        w.transitions.push(t(&["*"], "cancelled"));
        assert!(w.check("").is_empty(), "{:?}", w.check(""));
        assert_eq!(w.allowed_from("new"), ["doing", "cancelled"]);
        assert_eq!(w.allowed_from("cancelled"), Vec::<&str>::new());
        assert_eq!(w.check_transition("done", "cancelled"), Ok(()));
        assert_eq!(w.check_transition("cancelled", "cancelled"), Ok(()));
    }

    #[test]
    fn state_and_category_lookups() {
        let w = small();
        assert_eq!(w.category("doing"), Some(Open));
        assert_eq!(w.category("nope"), None);
        assert_eq!(w.state("done").unwrap().category, Solved);
    }

    #[test]
    fn rule_bad_state_name() {
        let mut w = small();
        w.states.push(state("Bad Name", Closed));
        w.transitions.push(t(&["done"], "Bad Name"));
        assert_eq!(single(&w).0, "/workflow/states/3/name");
        assert!(single(&w).1.contains("not an identifier"));
    }

    #[test]
    fn rule_duplicate_state() {
        let mut w = small();
        w.states.push(state("doing", Pending));
        let (pointer, message) = single(&w);
        assert_eq!(pointer, "/workflow/states/3/name");
        assert_eq!(
            message,
            "state `doing` is declared twice (first as state 1)"
        );
    }

    #[test]
    fn rule_at_least_one_state() {
        let w = Workflow {
            initial: "new".into(),
            states: vec![],
            transitions: vec![],
        };
        let e = errors(&w);
        assert_eq!(e[0].0, "/workflow/states");
        assert!(e[0].1.contains("at least one state"));
        // and the initial state cannot be declared
        assert!(
            e.iter()
                .any(|(p, m)| p == "/workflow/initial" && m.contains("its states are none"))
        );
    }

    #[test]
    fn rule_initial_declared() {
        let mut w = small();
        w.initial = "start".into();
        let e = errors(&w);
        assert_eq!(e[0].0, "/workflow/initial", "{e:?}");
        assert_eq!(e.len(), 1, "{e:?}");
        assert_eq!(
            e[0].1,
            "the initial state `start` is not a state of the workflow; its states are new, doing, done"
        );
    }

    #[test]
    fn rule_initial_category() {
        let mut w = small();
        w.initial = "done".into();
        w.transitions.push(t(&["done"], "new"));
        let (pointer, message) = single(&w);
        assert_eq!(pointer, "/workflow/initial");
        assert!(message.contains("category `solved`"), "{message}");
        // open is fine
        let mut w = small();
        w.initial = "doing".into();
        w.transitions.push(t(&["doing"], "new"));
        assert!(errors(&w).is_empty(), "{:?}", errors(&w));
    }

    #[test]
    fn rule_transition_states_declared() {
        let mut w = small();
        w.transitions.push(t(&["doing", "nowhere"], "done"));
        w.transitions.push(t(&["*"], "limbo"));
        let e = errors(&w);
        assert_eq!(e.len(), 2, "{e:?}");
        assert_eq!(e[0].0, "/workflow/transitions/2/from/1");
        assert!(e[0].1.starts_with("`nowhere` is not a state"), "{}", e[0].1);
        assert_eq!(e[1].0, "/workflow/transitions/3/to");
        assert_eq!(
            e[1].1,
            "`limbo` is not a state of the workflow; its states are new, doing, done"
        );
    }

    #[test]
    fn rule_no_transition_to_itself() {
        let mut w = small();
        w.transitions.push(t(&["new", "done"], "done"));
        let (pointer, message) = single(&w);
        assert_eq!(pointer, "/workflow/transitions/2/from/1");
        assert!(message.contains("to itself"), "{message}");
        let mut w = small();
        w.transitions.push(t(&[], "done"));
        assert_eq!(single(&w).0, "/workflow/transitions/2/from");
    }

    #[test]
    fn rule_needs_a_finished_category() {
        let mut w = small();
        w.states[2].category = Pending;
        let (pointer, message) = single(&w);
        assert_eq!(pointer, "/workflow/states");
        assert!(message.contains("`solved` or `closed`"), "{message}");
        w.states[2].category = Closed;
        assert!(errors(&w).is_empty());
    }

    #[test]
    fn rule_every_state_reachable() {
        let mut w = small();
        w.states.push(state("archived", Closed));
        w.states.push(state("spam", Closed));
        w.transitions.push(t(&["spam"], "archived"));
        let e = errors(&w);
        assert_eq!(e.len(), 2, "{e:?}");
        assert_eq!(e[0].0, "/workflow/states/3");
        assert_eq!(
            e[0].1,
            "state `archived` cannot be reached from the initial state `new`; add a transition to it"
        );
        assert_eq!(e[1].0, "/workflow/states/4");
    }

    #[test]
    fn rule_limits() {
        let mut w = small();
        w.states[1].label = Some("x".repeat(101));
        w.states[2].label = Some("   ".into());
        let e = errors(&w);
        assert_eq!(e.len(), 2, "{e:?}");
        assert_eq!(e[0].0, "/workflow/states/1/label");
        assert!(e[0].1.contains("at most 100 characters"));
        assert_eq!(e[1].0, "/workflow/states/2/label");
        w.states[1].label = Some("é".repeat(100));
        w.states[2].label = Some("Done".into());
        assert!(errors(&w).is_empty());

        let mut w = small();
        for i in 0..48 {
            w.states.push(state(&format!("s{i}"), Open));
            w.transitions.push(t(&["new"], &format!("s{i}")));
        }
        assert_eq!(w.states.len(), 51);
        let (pointer, message) = single(&w);
        assert_eq!(pointer, "/workflow/states");
        assert_eq!(message, "a workflow has at most 50 states; this one has 51");
        w.states.pop();
        w.transitions.pop();
        assert!(errors(&w).is_empty());
    }

    #[test]
    fn serde_shape() {
        let w: Workflow = serde_json::from_value(serde_json::json!({
            "initial": "new",
            "states": [
                {"name": "new", "category": "new"},
                {"name": "doing", "category": "open", "label": "In progress"},
                {"name": "done", "category": "solved"}
            ],
            "transitions": [
                {"from": "new", "to": "doing"},
                {"from": ["doing"], "to": "done"},
                {"from": "*", "to": "doing"}
            ]
        }))
        .unwrap();
        assert_eq!(w.transitions[0].from, ["new"]);
        assert_eq!(w.transitions[2].from, ["*"]);
        let back = serde_json::to_value(&w).unwrap();
        assert_eq!(
            back["states"][0],
            serde_json::json!({"name": "new", "category": "new"})
        );
        assert_eq!(back["transitions"][0]["from"], serde_json::json!(["new"]));
        assert_eq!(serde_json::from_value::<Workflow>(back).unwrap(), w);

        let unknown = serde_json::from_value::<Workflow>(serde_json::json!({
            "initial": "new", "states": [], "transitions": [], "extra": 1
        }));
        assert!(unknown.is_err());
        let bad_category = serde_json::from_value::<WorkflowState>(
            serde_json::json!({"name": "x", "category": "waiting"}),
        );
        assert!(bad_category.is_err());
    }
}
