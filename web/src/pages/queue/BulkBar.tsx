// The bar of bulk actions over the ticked rows: assign, priority, team, a tag, and the
// status when every ticked ticket is of one type (types have their own workflows). Each
// control applies its change at once; the queue sends one PATCH per ticket.
import { useState, type FormEvent } from "react";
import { Button, Group, Paper, Select, Text, TextInput } from "@mantine/core";
import { IconUserCheck, IconX } from "@tabler/icons-react";
import type { Ticket } from "../../api/client";
import { useTypeWorkflow, type Team, type User } from "../../api/queries";
import { commonReachableStatuses, commonType, normalizeTag, type BulkChange, type Priority } from "../../lib/bulk";
import { PRIORITIES } from "../../lib/filters";
import { workersFor } from "../../lib/people";
import { isValidTag, TAG_RULE } from "../../lib/tags";
import { statusLabel } from "../../lib/workflow";

const UNASSIGNED = "unassigned";

export interface BulkBarProps {
  /** The ticked rows. */
  tickets: Ticket[];
  users: User[];
  teams: Team[];
  myId: number;
  running: boolean;
  /** Apply a change; resolves once it is done, with whether every ticket took it. */
  onApply(change: BulkChange): Promise<boolean>;
  onClear(): void;
}

export function BulkBar({ tickets, users, teams, myId, running, onApply, onClear }: BulkBarProps) {
  const workers = workersFor(users, []);
  // Each select applies what is chosen and shows nothing chosen again afterwards.
  const pick = (toChange: (value: string) => BulkChange) => (value: string | null) => {
    if (value !== null) void onApply(toChange(value));
  };
  return (
    <Paper role="toolbar" aria-label="Bulk actions" withBorder p="xs" bg="var(--mantine-color-blue-light)">
      <Group align="flex-end" gap="xs" wrap="wrap">
        <Group gap={4} style={{ alignSelf: "center" }}>
          <Text fw={600} size="sm" aria-live="polite">
            {tickets.length} selected
          </Text>
          <Button size="xs" variant="subtle" leftSection={<IconX size={14} aria-hidden />} onClick={onClear}>
            Clear selection
          </Button>
        </Group>
        <Button
          size="xs"
          leftSection={<IconUserCheck size={14} aria-hidden />}
          loading={running}
          onClick={() => void onApply({ kind: "assignee", assigneeId: myId })}
        >
          Assign to me
        </Button>
        <Select
          size="xs"
          label="Assign to"
          placeholder="Person"
          data={[{ value: UNASSIGNED, label: "Unassigned" }, ...workers.map((u) => ({ value: String(u.id), label: u.display_name }))]}
          value={null}
          onChange={pick((v) => ({ kind: "assignee", assigneeId: v === UNASSIGNED ? null : Number(v) }))}
          searchable
          disabled={running}
          w={140}
        />
        <Select
          size="xs"
          label="Priority"
          placeholder="P0–P3"
          data={[...PRIORITIES]}
          value={null}
          onChange={pick((v) => ({ kind: "priority", priority: v as Priority }))}
          disabled={running}
          w={90}
        />
        <Select
          size="xs"
          label="Team"
          placeholder="Team"
          data={teams.map((t) => ({ value: t.slug, label: t.name }))}
          value={null}
          onChange={pick((v) => ({ kind: "team", team: v }))}
          disabled={running}
          w={130}
        />
        <BulkStatus tickets={tickets} running={running} onApply={onApply} />
        <AddTag running={running} onApply={onApply} />
      </Group>
    </Paper>
  );
}

/** The status, only when the ticked tickets share a type: the moves all of them allow. */
function BulkStatus({ tickets, running, onApply }: Pick<BulkBarProps, "tickets" | "running" | "onApply">) {
  const type = commonType(tickets);
  const workflow = useTypeWorkflow(type);
  if (!type) return null;
  const statuses = workflow.data ? commonReachableStatuses(workflow.data, tickets.map((t) => t.status)) : [];
  return (
    <Select
      size="xs"
      label="Status"
      placeholder={workflow.isPending ? "Loading…" : statuses.length ? "Move to" : "No common move"}
      data={statuses.map((s) => ({ value: s, label: statusLabel(workflow.data, s) }))}
      value={null}
      onChange={(v) => v !== null && void onApply({ kind: "status", status: v })}
      disabled={running || statuses.length === 0}
      w={130}
    />
  );
}

/** Why a tag would be refused, as the server checks it, or null. */
export function tagProblem(tag: string): string | null {
  const t = normalizeTag(tag);
  if (!t) return "Type a tag";
  if (!isValidTag(t)) return TAG_RULE;
  return null;
}

function AddTag({ running, onApply }: Pick<BulkBarProps, "running" | "onApply">) {
  const [tag, setTag] = useState("");
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const problem = tagProblem(tag);
    setError(problem);
    if (problem) return;
    // What was typed stays when some ticket refused it, to try again.
    if (await onApply({ kind: "addTag", tag })) setTag("");
  };
  return (
    <form onSubmit={submit} style={{ display: "flex", alignItems: "flex-end", gap: 6 }}>
      <TextInput
        size="xs"
        label="Tag to add"
        value={tag}
        onChange={(e) => {
          setTag(e.currentTarget.value);
          setError(null);
        }}
        error={error}
        disabled={running}
        w={100}
      />
      <Button size="xs" variant="default" type="submit" disabled={running}>
        Add tag
      </Button>
    </form>
  );
}
