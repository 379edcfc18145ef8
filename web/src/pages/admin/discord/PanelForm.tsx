// Creating or changing a Discord panel: where it is posted, what it shows (a button, or a
// menu of topics each opening its ticket type), who handles its tickets and how they
// close. The server checks everything Discord would refuse later; its messages (JSON
// pointers) show beside the field they are about.
import { useRef, useState } from "react";
import {
  ActionIcon,
  Button,
  Fieldset,
  Group,
  NumberInput,
  Paper,
  SegmentedControl,
  Select,
  Stack,
  Switch,
  Text,
  TextInput,
  Textarea,
} from "@mantine/core";
import { IconArrowDown, IconArrowUp } from "@tabler/icons-react";
import { useMutation } from "@tanstack/react-query";
import { api, unwrap } from "../../../api/client";
import { keys } from "../../../api/keys";
import { useCalendars, useTeams, useTypes } from "../../../api/queries";
import { useInvalidate } from "../../../api/useInvalidate";
import { ErrorAlert } from "../../../components/Errors";
import { FormActions } from "../../../components/FormActions";
import { RemoveButton } from "../../../components/RemoveButton";
import { SubmitForm } from "../../../components/SubmitForm";
import { fieldErrorsOf, unplacedError, type FieldErrors } from "../../../lib/fieldErrors";
import {
  draftOf,
  emptyRole,
  emptyTopic,
  inputOf,
  isPlacedPointer,
  move,
  relabel,
  type Panel,
  type PanelDraft,
  type RoleDraft,
  type TopicDraft,
} from "./panelDraft";

const ID_HELP = "Digits: in Discord, turn on Developer Mode, then right-click → Copy ID";

function TopicsEditor({
  topics,
  onChange,
  typeOptions,
  errors,
}: {
  topics: TopicDraft[];
  onChange(next: TopicDraft[]): void;
  typeOptions: { value: string; label: string }[];
  errors: FieldErrors;
}) {
  const set = (i: number, topic: TopicDraft) => onChange(topics.map((t, j) => (j === i ? topic : t)));
  return (
    <Stack gap="xs" role="group" aria-label="Topics">
      <Text size="sm" c="dimmed">
        None: one button opening the panel's ticket type. One: a button for that topic. Two or more: a menu to choose from.
      </Text>
      {errors["/topics"] && (
        <Text size="sm" c="red">
          {errors["/topics"]}
        </Text>
      )}
      {topics.map((t, i) => {
        const n = i + 1;
        const err = (f: string) => errors[`/topics/${i}/${f}`];
        return (
          <Paper key={t.key} withBorder p="xs" role="group" aria-label={`Topic ${n}`}>
            <Stack gap={6}>
              <Group gap="xs" align="flex-start" wrap="nowrap">
                <TextInput
                  label="Label"
                  aria-label={`Topic ${n} label`}
                  value={t.label}
                  error={err("label")}
                  onChange={(e) => set(i, relabel(t, e.currentTarget.value))}
                  style={{ flex: 2 }}
                />
                <TextInput
                  label="Id"
                  aria-label={`Topic ${n} id`}
                  value={t.id}
                  error={err("id")}
                  onChange={(e) => set(i, { ...t, id: e.currentTarget.value })}
                  style={{ flex: 1 }}
                />
                <TextInput
                  label="Emoji"
                  aria-label={`Topic ${n} emoji`}
                  value={t.emoji}
                  error={err("emoji")}
                  onChange={(e) => set(i, { ...t, emoji: e.currentTarget.value })}
                  w={70}
                />
              </Group>
              <Group gap="xs" align="flex-start" wrap="nowrap">
                <TextInput
                  label="Description"
                  aria-label={`Topic ${n} description`}
                  value={t.description}
                  error={err("description")}
                  onChange={(e) => set(i, { ...t, description: e.currentTarget.value })}
                  style={{ flex: 2 }}
                />
                <Select
                  label="Ticket type"
                  aria-label={`Topic ${n} ticket type`}
                  data={typeOptions}
                  value={t.ticket_type}
                  error={err("ticket_type")}
                  onChange={(v) => set(i, { ...t, ticket_type: v })}
                  searchable
                  style={{ flex: 1 }}
                />
              </Group>
              <Group gap={4} justify="flex-end">
                <ActionIcon variant="subtle" aria-label={`Move topic ${n} up`} disabled={i === 0} onClick={() => onChange(move(topics, i, i - 1))}>
                  <IconArrowUp size={16} />
                </ActionIcon>
                <ActionIcon
                  variant="subtle"
                  aria-label={`Move topic ${n} down`}
                  disabled={i === topics.length - 1}
                  onClick={() => onChange(move(topics, i, i + 1))}
                >
                  <IconArrowDown size={16} />
                </ActionIcon>
                <RemoveButton label={`Remove topic ${n}`} onClick={() => onChange(topics.filter((_, j) => j !== i))} />
              </Group>
            </Stack>
          </Paper>
        );
      })}
      <Button variant="light" size="xs" style={{ alignSelf: "flex-start" }} onClick={() => onChange([...topics, emptyTopic()])} disabled={topics.length >= 25}>
        Add topic
      </Button>
    </Stack>
  );
}

function RolesEditor({
  roles,
  onChange,
  teamOptions,
  errors,
}: {
  roles: RoleDraft[];
  onChange(next: RoleDraft[]): void;
  teamOptions: { value: string; label: string }[];
  errors: FieldErrors;
}) {
  const set = (i: number, role: RoleDraft) => onChange(roles.map((r, j) => (j === i ? role : r)));
  return (
    <Stack gap="xs" role="group" aria-label="Support roles">
      <Text size="sm" c="dimmed">
        Members of these Discord roles handle the tickets; the team is who sees them in Docket.
      </Text>
      {roles.map((r, i) => {
        const n = i + 1;
        return (
          <Group key={r.key} gap="xs" align="flex-start" wrap="nowrap">
            <TextInput
              aria-label={`Support role ${n} id`}
              placeholder="Role id"
              value={r.role_id}
              error={errors[`/support_roles/${i}/role_id`]}
              onChange={(e) => set(i, { ...r, role_id: e.currentTarget.value })}
              style={{ flex: 1 }}
            />
            <Select
              aria-label={`Support role ${n} team`}
              placeholder="Team"
              data={teamOptions}
              value={r.team}
              error={errors[`/support_roles/${i}/team`]}
              onChange={(v) => set(i, { ...r, team: v })}
              clearable
              style={{ flex: 1 }}
            />
            <RemoveButton label={`Remove support role ${n}`} onClick={() => onChange(roles.filter((_, j) => j !== i))} mt={4} />
          </Group>
        );
      })}
      <Button variant="light" size="xs" style={{ alignSelf: "flex-start" }} onClick={() => onChange([...roles, emptyRole()])}>
        Add support role
      </Button>
    </Stack>
  );
}

export function PanelForm({ panel, onDone }: { panel?: Panel; onDone(): void }) {
  const refresh = useInvalidate(keys.discordPanels);
  const types = useTypes();
  const teams = useTeams();
  const calendars = useCalendars();
  const [d, setDraft] = useState<PanelDraft>(() => draftOf(panel));
  const set = <K extends keyof PanelDraft>(k: K, v: PanelDraft[K]) => setDraft((cur) => ({ ...cur, [k]: v }));

  const save = useMutation({
    mutationFn: () => {
      const body = inputOf(d);
      return panel
        ? unwrap(api.PUT("/discord/panels/{id}", { params: { path: { id: panel.id }, header: { "If-Match": `"${panel.version}"` } }, body }))
        : unwrap(api.POST("/discord/panels", { body }));
    },
    onSuccess: async () => {
      await refresh();
      onDone();
    },
    // The drawer is long: bring the first field the server refused into view.
    onError: () =>
      requestAnimationFrame(() => root.current?.querySelector('[aria-invalid="true"]')?.scrollIntoView({ block: "center" })),
  });
  const root = useRef<HTMLDivElement>(null);
  const errors = fieldErrorsOf(save.error);
  const typeOptions = (types.data ?? []).map((t) => ({ value: t.slug, label: t.name }));
  const teamOptions = (teams.data ?? []).map((t) => ({ value: t.slug, label: t.name }));
  const calendarOptions = (calendars.data ?? []).map((c) => ({ value: c.name, label: c.name }));
  const text = (k: keyof PanelDraft) => ({
    value: d[k] as string,
    error: errors[`/${k}`],
    onChange: (e: React.ChangeEvent<HTMLInputElement | HTMLTextAreaElement>) => set(k, e.currentTarget.value as never),
  });

  return (
    <SubmitForm onSubmit={() => save.mutate()}>
      <Stack ref={root}>
        {save.error && <ErrorAlert error={unplacedError(save.error, isPlacedPointer)} title="The panel was not saved" />}
        <TextInput label="Name" description="What admins call it" required {...text("name")} />

        <Fieldset legend="Where">
          <Stack gap="xs">
            <TextInput label="Server (guild) id" description={ID_HELP} required {...text("guild_id")} />
            <TextInput label="Channel id" description="The channel the panel message is posted in" required {...text("channel_id")} />
            <SegmentedControl
              aria-label="Ticket conversations"
              value={d.mode}
              onChange={(v) => set("mode", v as PanelDraft["mode"])}
              data={[
                { label: "Private channel per ticket", value: "channel" },
                { label: "Private thread per ticket", value: "thread" },
              ]}
            />
            {d.mode === "channel" && (
              <TextInput label="Category id" description="New ticket channels go under this category" {...text("category_id")} />
            )}
          </Stack>
        </Fieldset>

        <Fieldset legend="The message">
          <Stack gap="xs">
            <TextInput label="Title" required {...text("title")} />
            <Textarea label="Description" autosize minRows={2} {...text("description")} />
            <TextInput label="Button label" description="The button of a panel without topics" {...text("button_label")} />
          </Stack>
        </Fieldset>

        <Fieldset legend="Topics">
          <Stack gap="xs">
            <TopicsEditor topics={d.topics} onChange={(v) => set("topics", v)} typeOptions={typeOptions} errors={errors} />
            {d.topics.length === 0 && (
              <Select
                label="Ticket type"
                description="What the panel's button opens"
                data={typeOptions}
                value={d.ticket_type}
                error={errors["/ticket_type"]}
                onChange={(v) => set("ticket_type", v)}
                searchable
              />
            )}
          </Stack>
        </Fieldset>

        <Fieldset legend="Staff">
          <Stack gap="xs">
            <RolesEditor roles={d.support_roles} onChange={(v) => set("support_roles", v)} teamOptions={teamOptions} errors={errors} />
            <TextInput label="Ping role id" description="Mentioned in each new ticket's first message" {...text("ping_role_id")} />
            <Textarea
              label="Welcome message"
              description="Posted in each new ticket: {user} mentions the member, {ticket} is the key"
              autosize
              minRows={2}
              {...text("welcome_message")}
            />
            <TextInput label="Log channel id" description="Where a closed ticket's log goes" {...text("log_channel_id")} />
            <Select
              label="Working hours"
              description="A business calendar: members opening a ticket outside its hours are told when staff return"
              data={calendarOptions}
              value={d.working_hours}
              error={errors["/working_hours"]}
              onChange={(v) => set("working_hours", v)}
              clearable
              placeholder="Always open"
            />
          </Stack>
        </Fieldset>

        <Fieldset legend="Limits and closing">
          <Stack gap="xs">
            <Group grow align="flex-start">
              <NumberInput
                label="Open tickets per member"
                description="0: no limit"
                min={0}
                allowDecimal={false}
                value={d.max_open_per_member}
                error={errors["/max_open_per_member"]}
                onChange={(v) => set("max_open_per_member", v)}
              />
              <NumberInput
                label="Cooldown (seconds)"
                description="Between two tickets of one member"
                min={0}
                allowDecimal={false}
                value={d.cooldown_seconds}
                error={errors["/cooldown_seconds"]}
                onChange={(v) => set("cooldown_seconds", v)}
              />
            </Group>
            <Switch label="Save the transcript on close" checked={d.transcripts} onChange={(e) => set("transcripts", e.currentTarget.checked)} />
            <Switch label="AI summary on close" checked={d.ai_summary} onChange={(e) => set("ai_summary", e.currentTarget.checked)} />
            <Switch label="Exit survey (1-5 and a comment)" checked={d.survey} onChange={(e) => set("survey", e.currentTarget.checked)} />
            <Switch
              label="Close inactive tickets"
              checked={d.inactivity}
              error={errors["/inactivity"]}
              onChange={(e) => set("inactivity", e.currentTarget.checked)}
            />
            {d.inactivity && (
              <Group grow align="flex-start">
                <NumberInput
                  label="Warn after (hours)"
                  min={1}
                  allowDecimal={false}
                  value={d.warn_after_hours}
                  onChange={(v) => set("warn_after_hours", v)}
                />
                <NumberInput
                  label="Close after the warning (hours)"
                  min={1}
                  allowDecimal={false}
                  value={d.close_after_hours}
                  onChange={(v) => set("close_after_hours", v)}
                />
              </Group>
            )}
          </Stack>
        </Fieldset>

        <FormActions submitLabel={panel ? "Save panel" : "Create panel"} pending={save.isPending} onCancel={onDone} />
      </Stack>
    </SubmitForm>
  );
}
