// Creating or changing an inbound webhook source: its URL slug, the ticket type it makes,
// the signature scheme, and the mapping from the sender's JSON to the ticket. The mapping
// editor lists the chosen type's own fields, so an admin sees what can be mapped and what
// must be. The server checks the mapping against the type; its messages (pointers into
// the mapping) show beside the entry they are about.
import { useState } from "react";
import { ActionIcon, Button, Fieldset, Group, NativeSelect, SegmentedControl, Select, Stack, Switch, Table, Text, TextInput } from "@mantine/core";
import { IconTrash } from "@tabler/icons-react";
import { useMutation } from "@tanstack/react-query";
import { api, unwrap } from "../../../api/client";
import { keys } from "../../../api/keys";
import { useTypeDetail, useTypes } from "../../../api/queries";
import { useInvalidate } from "../../../api/useInvalidate";
import { ErrorAlert } from "../../../components/Errors";
import { FormActions } from "../../../components/FormActions";
import { SubmitForm } from "../../../components/SubmitForm";
import { fieldErrorsOf, unplacedError, withConflictOn, type FieldErrors } from "../../../lib/fieldErrors";
import {
  CORE_ENTRIES,
  draftOf,
  emptyEntry,
  inputOf,
  isPlacedPointer,
  rowKey,
  type EntryDraft,
  type Priority,
  type Source,
  type SourceDraft,
} from "./sourceDraft";

const PRIORITIES: Priority[] = ["P0", "P1", "P2", "P3"];

/** One mapping entry's row: pointer and constant, with the server's messages. */
function EntryRow({
  label,
  required,
  entry,
  at,
  errors,
  onChange,
}: {
  label: string;
  required: boolean;
  entry: EntryDraft;
  at: string;
  errors: FieldErrors;
  onChange(e: EntryDraft): void;
}) {
  const own = errors[at];
  return (
    <Table.Tr>
      <Table.Td>
        <Text size="sm" fw={required ? 600 : 400}>
          {label}
          {required && " *"}
        </Text>
        {own && (
          <Text size="xs" c="red">
            {own}
          </Text>
        )}
      </Table.Td>
      <Table.Td>
        <TextInput
          aria-label={`${label} pointer`}
          placeholder="/alert/title"
          ff="monospace"
          value={entry.pointer}
          error={errors[`${at}/pointer`]}
          onChange={(e) => onChange({ ...entry, pointer: e.currentTarget.value })}
        />
      </Table.Td>
      <Table.Td>
        <TextInput
          aria-label={`${label} constant`}
          placeholder="constant"
          value={entry.value}
          error={errors[`${at}/value`]}
          onChange={(e) => onChange({ ...entry, value: e.currentTarget.value })}
        />
      </Table.Td>
    </Table.Tr>
  );
}

function PriorityEditor({ d, set, errors }: { d: SourceDraft; set: Setter; errors: FieldErrors }) {
  const rows = d.priority_rows;
  return (
    <Fieldset legend="Priority">
      <Stack gap="xs">
        {errors["/mapping/priority"] && (
          <Text size="sm" c="red">
            {errors["/mapping/priority"]}
          </Text>
        )}
        <Group grow align="flex-start">
          <TextInput
            label="Pointer"
            ff="monospace"
            placeholder="/alert/severity"
            value={d.priority_pointer}
            error={errors["/mapping/priority/pointer"]}
            onChange={(e) => set("priority_pointer", e.currentTarget.value)}
          />
          <Select
            label="Otherwise"
            description="For values the map does not name, or nothing"
            data={PRIORITIES}
            value={d.priority_value}
            clearable
            onChange={(v) => set("priority_value", v as Priority | null)}
          />
        </Group>
        {rows.map((r, i) => (
          <Group key={r.key} gap="xs" align="flex-start" wrap="nowrap">
            <TextInput
              aria-label={`Priority value ${i + 1}`}
              placeholder="critical"
              value={r.from}
              error={errors[`/mapping/priority/map/${r.from}`]}
              onChange={(e) => set("priority_rows", rows.map((o, j) => (j === i ? { ...o, from: e.currentTarget.value } : o)))}
              style={{ flex: 1 }}
            />
            <Select
              aria-label={`Priority ${i + 1}`}
              data={PRIORITIES}
              value={r.to}
              allowDeselect={false}
              onChange={(v) => set("priority_rows", rows.map((o, j) => (j === i ? { ...o, to: (v ?? "P2") as Priority } : o)))}
              w={90}
            />
            <ActionIcon
              variant="subtle"
              color="red"
              aria-label={`Remove priority value ${i + 1}`}
              onClick={() => set("priority_rows", rows.filter((_, j) => j !== i))}
            >
              <IconTrash size={16} />
            </ActionIcon>
          </Group>
        ))}
        <Button
          variant="light"
          size="xs"
          w="fit-content"
          onClick={() => set("priority_rows", [...rows, { key: rowKey(), from: "", to: "P2" }])}
        >
          Add priority value
        </Button>
      </Stack>
    </Fieldset>
  );
}

type Setter = <K extends keyof SourceDraft>(k: K, v: SourceDraft[K]) => void;

export function SourceForm({ source, onDone }: { source?: Source; onDone(created?: { source: Source; secret: string }): void }) {
  const refresh = useInvalidate(keys.intakeSources);
  const types = useTypes();
  const [d, setDraft] = useState<SourceDraft>(() => draftOf(source));
  const set: Setter = (k, v) => setDraft((cur) => ({ ...cur, [k]: v }));
  const type = useTypeDetail(d.ticket_type);

  const save = useMutation({
    mutationFn: async () => {
      const body = inputOf(d);
      if (source) {
        await unwrap(api.PUT("/intake/webhooks/{slug}", { params: { path: { slug: source.slug } }, body }));
        return undefined;
      }
      return unwrap(api.POST("/intake/webhooks", { body }));
    },
    onSuccess: async (created) => {
      await refresh();
      onDone(created);
    },
  });
  const errors = withConflictOn(fieldErrorsOf(save.error), save.error, "/slug");
  const typeOptions = (types.data ?? []).map((t) => ({ value: t.slug, label: t.name }));
  const typeFields = type.data?.fields ?? [];

  return (
    <SubmitForm onSubmit={() => save.mutate()}>
      <Stack>
        {save.error && <ErrorAlert error={unplacedError(save.error, isPlacedPointer)} title="The source was not saved" />}
        <TextInput label="Name" required value={d.name} error={errors["/name"]} onChange={(e) => set("name", e.currentTarget.value)} />
        <TextInput
          label="Slug"
          description="The last part of the URL the sender posts to: lower-case letters, digits, - and _"
          required
          value={d.slug}
          error={errors["/slug"]}
          onChange={(e) => set("slug", e.currentTarget.value)}
        />
        <NativeSelect
          label="Ticket type"
          required
          data={[{ value: "", label: "Choose a type" }, ...typeOptions]}
          value={d.ticket_type ?? ""}
          error={errors["/ticket_type"]}
          onChange={(e) => set("ticket_type", e.currentTarget.value || null)}
        />
        <SegmentedControl
          aria-label="Signature scheme"
          value={d.scheme}
          onChange={(v) => set("scheme", v as SourceDraft["scheme"])}
          data={[
            { label: "Docket (timestamp + HMAC)", value: "docket" },
            { label: "GitHub (X-Hub-Signature-256)", value: "github" },
          ]}
        />
        <Switch label="Enabled" checked={d.enabled} onChange={(e) => set("enabled", e.currentTarget.checked)} />

        <Fieldset legend="Mapping">
          <Text size="sm" c="dimmed" mb="xs">
            A JSON pointer into the sender's JSON (<code>/alert/title</code>, <code>/alerts/0/labels/severity</code>), a constant, or
            both: the constant is used when the payload has nothing there.
          </Text>
          <Table aria-label="Mapping">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Ticket value</Table.Th>
                <Table.Th>Pointer</Table.Th>
                <Table.Th>Constant</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {CORE_ENTRIES.map((e) => (
                <EntryRow
                  key={e.name}
                  label={e.label}
                  required={e.required}
                  entry={d.core[e.name]}
                  at={`/mapping/${e.name}`}
                  errors={errors}
                  onChange={(next) => set("core", { ...d.core, [e.name]: next })}
                />
              ))}
              {typeFields.map((f) => (
                <EntryRow
                  key={`field-${f.name}`}
                  label={f.title ? `${f.title} (${f.name})` : f.name}
                  required={f.required && f.default === undefined}
                  entry={d.fields[f.name] ?? emptyEntry()}
                  at={`/mapping/fields/${f.name}`}
                  errors={errors}
                  onChange={(next) => set("fields", { ...d.fields, [f.name]: next })}
                />
              ))}
            </Table.Tbody>
          </Table>
          {errors["/mapping/fields"] && (
            <Text size="sm" c="red" role="alert">
              {errors["/mapping/fields"]}
            </Text>
          )}
          {!d.ticket_type && (
            <Text size="sm" c="dimmed">
              Choose a ticket type to map its own fields.
            </Text>
          )}
        </Fieldset>
        <PriorityEditor d={d} set={set} errors={errors} />
        <FormActions submitLabel={source ? "Save source" : "Create source"} pending={save.isPending} onCancel={() => onDone()} />
      </Stack>
    </SubmitForm>
  );
}
