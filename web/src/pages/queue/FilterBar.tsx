// The core-field filters: type, status, priority, assignee, team, tags, source, created.
// Each control edits one part of the URL's query through `onChange`.
import { Button, Group, MultiSelect, Select, TagsInput, TextInput } from "@mantine/core";
import type { ComboboxData } from "@mantine/core";
import type { Schemas } from "../../api/client";
import { PRIORITIES, SOURCES, STATUS_CATEGORIES, withType, type QueueFilters } from "../../lib/filters";

export interface FilterBarProps {
  filters: QueueFilters;
  onChange(next: QueueFilters): void;
  onClear(): void;
  types: Schemas["TypeSummary"][];
  workflow: Schemas["Workflow"] | undefined;
  users: Schemas["UserOut"][];
  teams: Schemas["TeamOut"][];
}

/**
 * The queue's filter dropdowns exist only while open. Mantine keeps a closed Combobox's
 * dropdown mounted (hidden, with every option, positioned by floating-ui); for the queue's
 * seven that was about a tenth of a cold load's script before its first row
 * (docs/benchmarks.md). The input's ARIA attributes name the list only while it is open.
 */
export const FILTER_COMBOBOX = { keepMounted: false } as const;

/** The value of the "Unassigned" assignee option. */
const UNASSIGNED = "none";
const CATEGORY = "category:";
const STATE = "state:";

/**
 * Status options: the categories, and once a type is chosen its workflow's states too
 * (both can be filtered on; a view's category filter stays visible with a type).
 */
export function statusData(workflow: Schemas["Workflow"] | undefined, chosen: string[]): ComboboxData {
  const states = (workflow?.states ?? []).map((s) => ({ value: STATE + s.name, label: s.label || s.name.replace(/_/g, " ") }));
  // A status from a link (without its type) still shows as chosen.
  for (const name of chosen) {
    if (!states.some((s) => s.value === STATE + name)) states.push({ value: STATE + name, label: name.replace(/_/g, " ") });
  }
  const categories = STATUS_CATEGORIES.map((c) => ({
    value: CATEGORY + c,
    label: states.length ? `${c} (category)` : c,
  }));
  if (states.length === 0) return categories;
  return [
    { group: "States", items: states },
    { group: "Categories", items: categories },
  ];
}

/** Choosing "Unassigned" drops the people and vice versa: the API cannot OR the two. */
export function nextAssignees(previous: string[], picked: string[]): string[] {
  const added = picked.filter((v) => !previous.includes(v));
  if (added.includes(UNASSIGNED)) return [UNASSIGNED];
  if (added.length > 0) return picked.filter((v) => v !== UNASSIGNED);
  return picked;
}

export function FilterBar({ filters: f, onChange, onClear, types, workflow, users, teams }: FilterBarProps) {
  const set = (patch: Partial<QueueFilters>) => onChange({ ...f, ...patch });
  const assigneeValue = f.unassigned ? [UNASSIGNED, ...f.assignee] : f.assignee;
  const people = users.filter((u) => u.active || f.assignee.includes(String(u.id)));
  const statusValue = [...f.status.map((s) => STATE + s), ...f.statusCategory.map((c) => CATEGORY + c)];
  return (
    <Group gap="sm" align="flex-end" wrap="wrap">
      <Select
        comboboxProps={FILTER_COMBOBOX}
        label="Type"
        placeholder="Any type"
        data={types.map((t) => ({ value: t.slug, label: t.name }))}
        value={f.type}
        onChange={(slug) => onChange(withType(f, slug))}
        clearable
        searchable
        w={180}
      />
      <MultiSelect
        comboboxProps={FILTER_COMBOBOX}
        label="Status"
        placeholder={statusValue.length ? undefined : "Any status"}
        data={statusData(f.type ? workflow : undefined, f.status)}
        value={statusValue}
        onChange={(values) =>
          set({
            status: values.filter((v) => v.startsWith(STATE)).map((v) => v.slice(STATE.length)),
            statusCategory: values.filter((v) => v.startsWith(CATEGORY)).map((v) => v.slice(CATEGORY.length)),
          })
        }
        clearable
        w={240}
      />
      <MultiSelect
        comboboxProps={FILTER_COMBOBOX}
        label="Priority"
        placeholder={f.priority.length ? undefined : "Any"}
        data={[...PRIORITIES]}
        value={f.priority}
        onChange={(priority) => set({ priority })}
        clearable
        w={170}
      />
      <MultiSelect
        comboboxProps={FILTER_COMBOBOX}
        label="Assignee"
        placeholder={assigneeValue.length ? undefined : "Anyone"}
        data={[{ value: UNASSIGNED, label: "Unassigned" }, ...people.map((u) => ({ value: String(u.id), label: u.display_name }))]}
        value={assigneeValue}
        onChange={(picked) => {
          const next = nextAssignees(assigneeValue, picked);
          set({ unassigned: next.includes(UNASSIGNED), assignee: next.filter((v) => v !== UNASSIGNED) });
        }}
        searchable
        clearable
        w={200}
      />
      <MultiSelect
        comboboxProps={FILTER_COMBOBOX}
        label="Team"
        placeholder={f.team.length ? undefined : "Any team"}
        data={teams.map((t) => ({ value: t.slug, label: t.name }))}
        value={f.team}
        onChange={(team) => set({ team })}
        clearable
        w={180}
      />
      <TagsInput
        comboboxProps={FILTER_COMBOBOX}
        label="Tags"
        placeholder={f.tag.length ? undefined : "All of…"}
        value={f.tag}
        onChange={(tag) => set({ tag })}
        clearable
        w={180}
      />
      <MultiSelect
        comboboxProps={FILTER_COMBOBOX}
        label="Source"
        placeholder={f.source.length ? undefined : "Any"}
        data={[...SOURCES]}
        value={f.source}
        onChange={(source) => set({ source })}
        clearable
        w={150}
      />
      <TextInput
        type="date"
        label="Created from"
        value={f.createdFrom ?? ""}
        onChange={(e) => set({ createdFrom: e.currentTarget.value || null })}
        w={150}
      />
      <TextInput
        type="date"
        label="Created to"
        value={f.createdTo ?? ""}
        onChange={(e) => set({ createdTo: e.currentTarget.value || null })}
        w={150}
      />
      <Button variant="subtle" onClick={onClear}>
        Clear filters
      </Button>
    </Group>
  );
}
