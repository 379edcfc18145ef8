// The ticket's header and core properties: title, status, priority, assignee (with
// Claim), team and tags. Edits collect in a draft laid over the ticket and are saved
// together; the draft survives refetches (live updates) and refused saves, so nothing
// typed is lost when someone else changed the ticket first.
import { useState } from "react";
import { ActionIcon, Alert, Button, Group, Paper, Select, Stack, TagsInput, Text, TextInput, Title } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconPencil } from "@tabler/icons-react";
import { useQueryClient } from "@tanstack/react-query";
import { ApiError, type Schemas, type Ticket } from "../../api/client";
import { keys } from "../../api/keys";
import { useMe } from "../../auth";
import { StatusBadge } from "../../components/badges";
import { ErrorAlert } from "../../components/Errors";
import { coreErrorsByField } from "../../lib/form";
import type { Team, User, Workflow } from "../../api/queries";
import { useUpdateTicket } from "./queries";
import { allowedStatuses, allowedTargetsInMessage, coreUpdate, statusLabel, workersFor, type CoreDraft } from "./ticketLogic";

const PRIORITIES: Schemas["Priority"][] = ["P0", "P1", "P2", "P3"];

interface Props {
  ticket: Ticket;
  workflow?: Workflow;
  users: User[];
  teams: Team[];
  typeTeams: string[];
}

/** A write refused because the ticket changed since it was read. */
function isConflict(error: unknown) {
  return error instanceof ApiError && (error.status === 412 || error.status === 409);
}

export function TicketProperties({ ticket, workflow, users, teams, typeTeams }: Props) {
  const me = useMe();
  const client = useQueryClient();
  const update = useUpdateTicket(ticket.key);
  const [draft, setDraft] = useState<CoreDraft>({});
  const [editingTitle, setEditingTitle] = useState(false);

  const value = {
    title: draft.title ?? ticket.title,
    status: draft.status ?? ticket.status,
    priority: draft.priority ?? ticket.priority,
    assignee_id: draft.assignee_id !== undefined ? draft.assignee_id : (ticket.assignee_id ?? null),
    team: draft.team !== undefined ? draft.team : (ticket.team ?? null),
    tags: draft.tags ?? ticket.tags,
  };
  const changes = coreUpdate(ticket, draft);
  const dirty = Object.keys(changes).length > 0;

  const error = update.error;
  const conflict = isConflict(error);
  const fieldErrors = error instanceof ApiError && !conflict ? coreErrorsByField(error.fieldErrors) : {};
  const statusTargets = fieldErrors.status ? allowedTargetsInMessage(fieldErrors.status) : [];

  const save = (patch = changes, after?: () => void) => {
    if (Object.keys(patch).length === 0) return;
    update.mutate(
      { version: ticket.version, update: patch },
      {
        onSuccess: () => {
          after?.();
          notifications.show({ message: `${ticket.key} saved`, color: "green" });
        },
      },
    );
  };
  const saveDraft = () =>
    save(changes, () => {
      setDraft({});
      setEditingTitle(false);
    });

  const reload = () => {
    update.reset();
    client.invalidateQueries({ queryKey: keys.ticket(ticket.key) });
  };

  const workers = workersFor(users, typeTeams);
  // The current assignee stays choosable even if they no longer qualify.
  const assigneeOptions = [...workers];
  const current = users.find((u) => u.id === value.assignee_id);
  if (current && !assigneeOptions.some((u) => u.id === current.id)) assigneeOptions.unshift(current);

  const statuses = workflow ? allowedStatuses(workflow, ticket.status) : [ticket.status];
  if (!statuses.includes(value.status)) statuses.push(value.status);

  return (
    <Paper withBorder p="md">
      <Stack gap="sm">
        <Group justify="space-between" align="flex-start" wrap="nowrap">
          <Stack gap={4} style={{ flex: 1, minWidth: 0 }}>
            <Group gap="xs">
              <Text c="dimmed" ff="monospace" fw={600} data-ticket-key={ticket.key}>
                {ticket.key}
              </Text>
              <StatusBadge status={ticket.status} category={ticket.status_category} />
            </Group>
            {editingTitle ? (
              <TextInput
                label="Title"
                value={value.title}
                onChange={(e) => setDraft((d) => ({ ...d, title: e.currentTarget.value }))}
                onKeyDown={(e) => {
                  if (e.key === "Enter") saveDraft();
                  if (e.key === "Escape") {
                    setDraft(({ title: _t, ...rest }) => rest);
                    setEditingTitle(false);
                  }
                }}
                error={fieldErrors.title}
                autoFocus
              />
            ) : (
              <Group gap={4} wrap="nowrap">
                <Title order={2} style={{ overflowWrap: "anywhere" }}>
                  {value.title}
                </Title>
                <ActionIcon variant="subtle" aria-label="Edit title" onClick={() => setEditingTitle(true)}>
                  <IconPencil size={18} />
                </ActionIcon>
              </Group>
            )}
          </Stack>
        </Group>

        <Group align="flex-end" gap="sm">
          <Select
            label="Status"
            w={180}
            data={statuses.map((s) => ({ value: s, label: statusLabel(workflow, s) }))}
            value={value.status}
            onChange={(v) => v && setDraft((d) => ({ ...d, status: v }))}
            allowDeselect={false}
            error={fieldErrors.status}
          />
          <Select
            label="Priority"
            w={100}
            data={PRIORITIES}
            value={value.priority}
            onChange={(v) => v && setDraft((d) => ({ ...d, priority: v as Schemas["Priority"] }))}
            allowDeselect={false}
            error={fieldErrors.priority}
          />
          <Select
            label="Assignee"
            w={200}
            placeholder="Unassigned"
            data={assigneeOptions.map((u) => ({ value: String(u.id), label: u.display_name }))}
            value={value.assignee_id === null ? null : String(value.assignee_id)}
            onChange={(v) => setDraft((d) => ({ ...d, assignee_id: v ? Number(v) : null }))}
            searchable
            clearable
            error={fieldErrors.assignee_id}
          />
          {ticket.assignee_id !== me.user.id && me.user.role !== "viewer" && (
            <Button
              variant="light"
              onClick={() => save({ assignee_id: me.user.id }, () => setDraft(({ assignee_id: _a, ...rest }) => rest))}
              loading={update.isPending}
            >
              Claim
            </Button>
          )}
          <Select
            label="Team"
            w={180}
            placeholder="No team"
            data={teams.map((t) => ({ value: t.slug, label: t.name }))}
            value={value.team}
            onChange={(v) => setDraft((d) => ({ ...d, team: v }))}
            clearable
            error={fieldErrors.team}
          />
          <TagsInput
            label="Tags"
            style={{ flex: 1, minWidth: 200 }}
            value={value.tags}
            onChange={(tags) => setDraft((d) => ({ ...d, tags }))}
            error={fieldErrors.tags}
          />
        </Group>

        {conflict && (
          <Alert color="orange" title="Someone else changed this ticket" role="alert">
            <Group justify="space-between">
              <Text size="sm">
                Your changes were not saved. Reload to see theirs; your edits stay here to save again.
              </Text>
              <Button size="xs" variant="white" color="orange" onClick={reload}>
                Reload
              </Button>
            </Group>
          </Alert>
        )}
        {statusTargets.length > 0 && (
          <Text size="sm" c="red" data-allowed-statuses={statusTargets.join(",")}>
            From {statusLabel(workflow, ticket.status)} the ticket can move to:{" "}
            {statusTargets.map((s) => statusLabel(workflow, s)).join(", ")}
          </Text>
        )}
        {error && !conflict && Object.keys(fieldErrors).length === 0 && <ErrorAlert error={error} title="Not saved" />}

        <Group gap="xs">
          <Button onClick={saveDraft} disabled={!dirty} loading={update.isPending}>
            Save changes
          </Button>
          {dirty && (
            <Button
              variant="subtle"
              color="gray"
              onClick={() => {
                setDraft({});
                setEditingTitle(false);
                update.reset();
              }}
            >
              Discard changes
            </Button>
          )}
        </Group>
      </Stack>
    </Paper>
  );
}
