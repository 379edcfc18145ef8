// The ticket's header and core properties: title, status, priority, assignee (with
// Claim), team and tags. Edits collect in a draft laid over the ticket and are saved
// together against the version the draft started from; the draft survives refetches
// (live updates) and refused saves, so nothing typed is lost when someone else changed
// the ticket first, and nothing they changed is overwritten unseen.
import { useRef, useState } from "react";
import { ActionIcon, Alert, Button, Group, Paper, Select, Stack, TagsInput, Text, TextInput, Title } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconPencil } from "@tabler/icons-react";
import { useQueryClient } from "@tanstack/react-query";
import { api, ApiError, unwrap, type Schemas, type Ticket } from "../../api/client";
import { keys } from "../../api/keys";
import { useInvalidate } from "../../api/useInvalidate";
import { useMe } from "../../auth";
import { StatusBadge } from "../../components/badges";
import { ErrorAlert } from "../../components/Errors";
import { PRIORITIES } from "../../lib/filters";
import { coreErrorsByField } from "../../lib/form";
import { workersFor } from "../../lib/people";
import { statusLabel } from "../../lib/workflow";
import type { Team, User, Workflow } from "../../api/queries";
import { isConflict, useUpdateTicket } from "./queries";
import {
  afterCoreSaved,
  allowedStatuses,
  allowedTargetsInMessage,
  coreUpdate,
  dropDraftKeys,
  editCore,
  rebaseCore,
  type CoreDraft,
  type CoreEdit,
} from "./ticketLogic";

interface Props {
  ticket: Ticket;
  workflow?: Workflow;
  users: User[];
  teams: Team[];
  typeTeams: string[];
}

export function TicketProperties({ ticket, workflow, users, teams, typeTeams }: Props) {
  const me = useMe();
  const client = useQueryClient();
  const invalidateTicket = useInvalidate(keys.ticket(ticket.key));
  const update = useUpdateTicket(ticket.key);
  const [routing, setRouting] = useState(false);
  /** Assign by the team's rule (POST /tickets/{key}/route); the answer says who and why. */
  const route = async () => {
    setRouting(true);
    try {
      const out = await unwrap(api.POST("/tickets/{key}/route", { params: { path: { key: ticket.key } }, body: {} }));
      await invalidateTicket();
      notifications.show({ message: `${ticket.key}: ${out.routing.reason}`, color: out.routing.assignee_id === null ? "yellow" : "green" });
    } catch (e) {
      notifications.show({ color: "red", title: "Not routed", message: String((e as Error).message ?? e) });
    } finally {
      setRouting(false);
    }
  };
  const [edit, setEdit] = useState<CoreEdit | null>(null);
  // The edit as last rendered, for the save callbacks (which run after the request).
  const editRef = useRef(edit);
  editRef.current = edit;
  const [editingTitle, setEditingTitle] = useState(false);
  const draft: CoreDraft = edit?.draft ?? {};
  const change = (patch: CoreDraft) => setEdit((e) => editCore(e, ticket, patch));

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

  const saveDraft = () => {
    if (!edit || !dirty) return;
    const sent = edit.draft;
    const version = edit.base.version;
    update.mutate(
      { version, update: changes },
      {
        onSuccess: (saved) => {
          // What was sent is done; what was typed while it was on its way stays.
          const next = afterCoreSaved(editRef.current, sent, version, saved);
          setEdit(next);
          if (next?.draft.title === undefined || next.draft.title === sent.title) setEditingTitle(false);
          notifications.show({ message: `${ticket.key} saved`, color: "green" });
        },
      },
    );
  };

  /** One click, against the ticket as shown: the draft keeps its own base. */
  const claim = () => {
    const version = ticket.version;
    update.mutate(
      { version, update: { assignee_id: me.user.id } },
      {
        onSuccess: (saved) => {
          setEdit(afterCoreSaved(dropDraftKeys(editRef.current, ["assignee_id"]), {}, version, saved));
          notifications.show({ message: `${ticket.key} saved`, color: "green" });
        },
      },
    );
  };

  /** Fetch the ticket as it is now and lay the draft over it, to save again. */
  const reload = async () => {
    update.reset();
    await invalidateTicket();
    const fresh = client.getQueryData<Ticket>(keys.ticket(ticket.key));
    if (fresh) setEdit((e) => e && rebaseCore(e, fresh));
  };

  const discard = () => {
    setEdit(null);
    setEditingTitle(false);
    update.reset();
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
                onChange={(e) => change({ title: e.currentTarget.value })}
                onKeyDown={(e) => {
                  // Enter that confirms an input method's composition is not a save.
                  if (e.nativeEvent.isComposing) return;
                  if (e.key === "Enter") saveDraft();
                  if (e.key === "Escape") {
                    setEdit((d) => dropDraftKeys(d, ["title"]));
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
            onChange={(v) => v && change({ status: v })}
            allowDeselect={false}
            error={fieldErrors.status}
          />
          <Select
            label="Priority"
            w={100}
            data={[...PRIORITIES]}
            value={value.priority}
            onChange={(v) => v && change({ priority: v as Schemas["Priority"] })}
            allowDeselect={false}
            error={fieldErrors.priority}
          />
          <Select
            label="Assignee"
            w={200}
            placeholder="Unassigned"
            data={assigneeOptions.map((u) => ({ value: String(u.id), label: u.display_name }))}
            value={value.assignee_id === null ? null : String(value.assignee_id)}
            onChange={(v) => change({ assignee_id: v ? Number(v) : null })}
            searchable
            clearable
            error={fieldErrors.assignee_id}
          />
          {ticket.assignee_id !== me.user.id && me.user.role !== "viewer" && (
            <Button
              variant="light"
              onClick={claim}
              loading={update.isPending}
            >
              Claim
            </Button>
          )}
          {ticket.team && me.user.role !== "viewer" && (
            <Button variant="subtle" onClick={route} loading={routing} title="Assign by the team's rule">
              Route
            </Button>
          )}
          <Select
            label="Team"
            w={180}
            placeholder="No team"
            data={teams.map((t) => ({ value: t.slug, label: t.name }))}
            value={value.team}
            onChange={(v) => change({ team: v })}
            clearable
            error={fieldErrors.team}
          />
          <TagsInput
            label="Tags"
            style={{ flex: 1, minWidth: 200 }}
            value={value.tags}
            onChange={(tags) => change({ tags })}
            error={fieldErrors.tags}
          />
        </Group>

        {conflict && (
          <Alert color="orange" title="Someone else changed this ticket" role="alert">
            <Group justify="space-between">
              <Text size="sm">
                Your changes were not saved. Reload to see theirs; your edits stay here to save again.
              </Text>
              <Button size="xs" variant="white" color="orange" onClick={() => void reload()}>
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
              onClick={discard}
            >
              Discard changes
            </Button>
          )}
        </Group>
      </Stack>
    </Paper>
  );
}
