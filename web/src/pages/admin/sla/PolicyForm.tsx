// The policy editor: every part of a PolicySpec, saved with PUT. Problems (typed
// durations that do not parse, or the server's 422) appear on their fields; the draft is
// kept as typed whatever happens.
import { useEffect, useRef, useState } from "react";
import {
  Divider,
  Group,
  MultiSelect,
  NumberInput,
  Select,
  Stack,
  Switch,
  TagsInput,
  Text,
  TextInput,
  Textarea,
  Title,
} from "@mantine/core";
import { useMutation } from "@tanstack/react-query";
import { api, unwrap } from "../../../api/client";
import { keys } from "../../../api/keys";
import { useCalendars, useTeams, useTypes, useUsers } from "../../../api/queries";
import { useInvalidate } from "../../../api/useInvalidate";
import { ErrorAlert } from "../../../components/Errors";
import { FormActions } from "../../../components/FormActions";
import { SubmitForm } from "../../../components/SubmitForm";
import { fieldErrorsOf, listError, mergeErrors, unplacedError, type FieldErrors } from "../../../lib/fieldErrors";
import { EscalationsEditor } from "./EscalationsEditor";
import { TargetsGrid } from "./TargetsGrid";
import { draftToSpec, PRIORITIES, type PolicyDraft, type Priority } from "./policyDraft";

/** Pointers that some field of this form shows; the rest go to the alert. */
function isPlacedPointer(pointer: string): boolean {
  return (
    /^\/(name|description|position|calendar|warn_at_percent|still_breached_after|escalations)$/.test(pointer) ||
    /^\/conditions\/(types|priorities|tags|organizations)(\/\d+)?$/.test(pointer) ||
    /^\/targets\/P[0-3]\/\w+$/.test(pointer) ||
    /^\/escalations\/\d+\/(on|metrics|actions)$/.test(pointer) ||
    /^\/escalations\/\d+\/actions\/\d+(\/(to|team|user_id))?$/.test(pointer)
  );
}

interface PolicyFormProps {
  initial: PolicyDraft;
  /** Editing an existing policy: its name is its address and cannot change here. */
  existing: boolean;
  onSaved(): void;
  onCancel(): void;
}

export function PolicyForm({ initial, existing, onSaved, onCancel }: PolicyFormProps) {
  const refresh = useInvalidate(keys.policies);
  const [draft, setDraft] = useState<PolicyDraft>(initial);
  const [localErrors, setLocalErrors] = useState<FieldErrors>({});
  const set = <K extends keyof PolicyDraft>(key: K, value: PolicyDraft[K]) => setDraft((d) => ({ ...d, [key]: value }));

  const types = useTypes();
  const calendars = useCalendars();
  const users = useUsers();
  const teams = useTeams();

  const save = useMutation({
    mutationFn: (spec: NonNullable<ReturnType<typeof draftToSpec>["spec"]>) =>
      unwrap(api.PUT("/sla/policies/{name}", { params: { path: { name: spec.name } }, body: spec })),
    onSuccess: async () => {
      await refresh();
      onSaved();
    },
  });

  // The summary sits at the top of a long form: bring it into view when a save fails.
  const alertRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (save.error || Object.keys(localErrors).length) {
      alertRef.current?.scrollIntoView?.({ behavior: "smooth", block: "start" });
    }
  }, [save.error, localErrors]);
  const errors = mergeErrors(localErrors, fieldErrorsOf(save.error));

  function submit() {
    const { spec, errors: local } = draftToSpec(draft);
    setLocalErrors(local);
    save.reset();
    if (spec) save.mutate(spec);
  }

  // Types and calendars already on the policy stay choosable even if they are gone.
  const typeOptions = [...new Set([...(types.data ?? []).map((t) => t.slug), ...draft.types])].map((slug) => ({
    value: slug,
    label: types.data?.find((t) => t.slug === slug)?.name ?? slug,
  }));
  const calendarOptions = [
    { value: "", label: "Around the clock (24×7, UTC)" },
    ...[...new Set([...(calendars.data ?? []).map((c) => c.name), ...(draft.calendar ? [draft.calendar] : [])])].map(
      (name) => ({ value: name, label: name }),
    ),
  ];
  const userOptions = (users.data ?? []).map((u) => ({ value: String(u.id), label: `${u.display_name} (${u.email})` }));
  const teamOptions = (teams.data ?? []).map((t) => ({ value: t.slug, label: t.name }));

  return (
    <SubmitForm onSubmit={submit}>
      <Stack>
        <div ref={alertRef}>
          {save.error && <ErrorAlert error={unplacedError(save.error, isPlacedPointer)} title="The policy was not saved" />}
          {Object.keys(localErrors).length > 0 && (
            <Text c="red" size="sm" role="alert">
              Some fields need fixing before the policy can be saved.
            </Text>
          )}
        </div>
        <TextInput
          label="Name"
          required
          disabled={existing}
          value={draft.name}
          error={errors["/name"]}
          onChange={(e) => set("name", e.currentTarget.value)}
        />
        <Textarea
          label="Description"
          autosize
          minRows={1}
          value={draft.description}
          error={errors["/description"]}
          onChange={(e) => set("description", e.currentTarget.value)}
        />
        <Group align="flex-end">
          <Switch
            label="Enabled"
            checked={draft.enabled}
            onChange={(e) => set("enabled", e.currentTarget.checked)}
          />
          <NumberInput
            label="Position"
            description="Lower positions are tried first"
            allowDecimal={false}
            value={draft.position}
            error={errors["/position"]}
            onChange={(v) => set("position", v)}
            w={200}
          />
        </Group>

        <Divider />
        <Title order={4}>Conditions</Title>
        <Text size="sm" c="dimmed">
          Every list that is filled must match; an empty list matches any ticket.
        </Text>
        <MultiSelect
          label="Ticket types"
          data={typeOptions}
          value={draft.types}
          searchable
          error={listError(errors, "/conditions/types")}
          onChange={(v) => set("types", v)}
        />
        <MultiSelect
          label="Priorities"
          data={PRIORITIES}
          value={draft.priorities}
          error={listError(errors, "/conditions/priorities")}
          onChange={(v) => set("priorities", v as Priority[])}
        />
        <TagsInput
          label="Tags"
          description="Matches tickets carrying any of these tags"
          value={draft.tags}
          error={listError(errors, "/conditions/tags")}
          onChange={(v) => set("tags", v)}
        />
        <TagsInput
          label="Organisations"
          description="Requester organisations, compared without regard to case"
          value={draft.organizations}
          error={listError(errors, "/conditions/organizations")}
          onChange={(v) => set("organizations", v)}
        />

        <Divider />
        <Title order={4}>Targets</Title>
        <Text size="sm" c="dimmed">
          Business time per priority, like 30m, 4h, 1d 4h (a day is 24 hours of business time). Leave a
          cell empty for no target.
        </Text>
        <TargetsGrid targets={draft.targets} errors={errors} onChange={(t) => set("targets", t)} />
        <Group align="flex-start" grow>
          <Select
            label="Calendar"
            data={calendarOptions}
            value={draft.calendar}
            allowDeselect={false}
            error={errors["/calendar"]}
            onChange={(v) => set("calendar", v ?? "")}
          />
          <NumberInput
            label="Warn at (% of target)"
            min={1}
            max={99}
            allowDecimal={false}
            value={draft.warnAtPercent}
            error={errors["/warn_at_percent"]}
            onChange={(v) => set("warnAtPercent", v)}
          />
          <TextInput
            label="Still breached after"
            description="Business time after the breach"
            placeholder="1h"
            value={draft.stillBreachedAfter}
            error={errors["/still_breached_after"]}
            onChange={(e) => set("stillBreachedAfter", e.currentTarget.value)}
          />
        </Group>

        <Divider />
        <Title order={4}>Escalations</Title>
        <EscalationsEditor
          escalations={draft.escalations}
          errors={errors}
          users={userOptions}
          teams={teamOptions}
          onChange={(e) => set("escalations", e)}
        />

        <FormActions submitLabel="Save policy" pending={save.isPending} onCancel={onCancel} />
      </Stack>
    </SubmitForm>
  );
}
