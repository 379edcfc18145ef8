// The escalation rules of a policy: at a threshold, for some metrics, run actions.
import { Button, Card, Group, MultiSelect, SegmentedControl, Select, Stack, Text } from "@mantine/core";
import { METRIC_LABELS } from "../../../lib/sla";
import type { FieldErrors } from "../../../lib/fieldErrors";
import { RemoveButton } from "../../../components/RemoveButton";
import {
  METRICS,
  RECIPIENTS,
  THRESHOLDS,
  newAction,
  type ActionDraft,
  type EscalationDraft,
  type Recipient,
  type Threshold,
} from "./policyDraft";

export interface PickOption {
  value: string;
  label: string;
}

interface EscalationsEditorProps {
  escalations: EscalationDraft[];
  errors: FieldErrors;
  users: PickOption[];
  teams: PickOption[];
  onChange(escalations: EscalationDraft[]): void;
}

const ACTIONS: PickOption[] = [
  { value: "notify", label: "Notify" },
  { value: "reassign", label: "Reassign" },
  { value: "raise_priority", label: "Raise priority" },
];

const METRIC_OPTIONS = METRICS.map((m) => ({ value: m, label: METRIC_LABELS[m] }));

function ActionEditor(props: {
  name: string;
  pointer: string;
  action: ActionDraft;
  errors: FieldErrors;
  users: PickOption[];
  teams: PickOption[];
  onChange(a: ActionDraft): void;
  onRemove(): void;
}) {
  const { name, pointer, action: a, errors, onChange } = props;
  return (
    <Group align="flex-end" gap="xs" wrap="wrap">
      <Select
        label="Action"
        aria-label={`${name}: action`}
        data={ACTIONS}
        value={a.action}
        allowDeselect={false}
        w={160}
        error={errors[pointer]}
        onChange={(v) => v && onChange({ ...a, action: v as ActionDraft["action"] })}
      />
      {a.action === "notify" && (
        <MultiSelect
          label="Notify"
          aria-label={`${name}: notify`}
          placeholder={a.to.length ? undefined : "assignee and team"}
          data={RECIPIENTS}
          value={a.to}
          error={errors[`${pointer}/to`]}
          onChange={(v) => onChange({ ...a, to: v as Recipient[] })}
          miw={220}
        />
      )}
      {a.action === "reassign" && (
        <>
          <SegmentedControl
            aria-label={`${name}: reassign to`}
            data={[
              { value: "team", label: "Team" },
              { value: "user", label: "User" },
            ]}
            value={a.reassignTo}
            onChange={(v) => onChange({ ...a, reassignTo: v as ActionDraft["reassignTo"] })}
          />
          {a.reassignTo === "team" ? (
            <Select
              label="Team"
              aria-label={`${name}: team`}
              data={props.teams}
              value={a.team}
              searchable
              error={errors[`${pointer}/team`]}
              onChange={(v) => onChange({ ...a, team: v })}
            />
          ) : (
            <Select
              label="User"
              aria-label={`${name}: user`}
              data={props.users}
              value={a.userId}
              searchable
              error={errors[`${pointer}/user_id`]}
              onChange={(v) => onChange({ ...a, userId: v })}
            />
          )}
        </>
      )}
      <RemoveButton label={`Remove ${name.toLowerCase()}`} onClick={props.onRemove} mb={4} />
    </Group>
  );
}

export function EscalationsEditor({ escalations, errors, users, teams, onChange }: EscalationsEditorProps) {
  const update = (i: number, e: EscalationDraft) => onChange(escalations.map((x, j) => (j === i ? e : x)));
  return (
    <Stack gap="sm">
      {escalations.length === 0 && (
        <Text size="sm" c="dimmed">
          No escalations: thresholds pass without actions.
        </Text>
      )}
      {escalations.map((esc, i) => {
        const name = `Escalation ${i + 1}`;
        const at = `/escalations/${i}`;
        return (
          <Card withBorder key={i} padding="sm" role="group" aria-label={name}>
            <Stack gap="xs">
              <Group align="flex-end" gap="xs">
                <Select
                  label="When"
                  aria-label={`${name}: when`}
                  data={THRESHOLDS}
                  value={esc.on}
                  allowDeselect={false}
                  w={170}
                  error={errors[`${at}/on`]}
                  onChange={(v) => v && update(i, { ...esc, on: v as Threshold })}
                />
                <MultiSelect
                  label="Metrics"
                  aria-label={`${name}: metrics`}
                  placeholder={esc.metrics.length ? undefined : "all metrics"}
                  data={METRIC_OPTIONS}
                  value={esc.metrics}
                  error={errors[`${at}/metrics`]}
                  onChange={(v) => update(i, { ...esc, metrics: v as EscalationDraft["metrics"] })}
                  style={{ flex: 1 }}
                />
                <Button
                  variant="subtle"
                  color="red"
                  size="xs"
                  mb={4}
                  onClick={() => onChange(escalations.filter((_, j) => j !== i))}
                >
                  Remove escalation {i + 1}
                </Button>
              </Group>
              {errors[`${at}/actions`] && (
                <Text size="sm" c="red">
                  {errors[`${at}/actions`]}
                </Text>
              )}
              {esc.actions.map((a, k) => (
                <ActionEditor
                  key={k}
                  name={`${name} action ${k + 1}`}
                  pointer={`${at}/actions/${k}`}
                  action={a}
                  errors={errors}
                  users={users}
                  teams={teams}
                  onChange={(na) => update(i, { ...esc, actions: esc.actions.map((x, j) => (j === k ? na : x)) })}
                  onRemove={() => update(i, { ...esc, actions: esc.actions.filter((_, j) => j !== k) })}
                />
              ))}
              <Group>
                <Button
                  variant="light"
                  size="xs"
                  onClick={() => update(i, { ...esc, actions: [...esc.actions, newAction()] })}
                >
                  Add action to escalation {i + 1}
                </Button>
              </Group>
            </Stack>
          </Card>
        );
      })}
      {errors["/escalations"] && (
        <Text size="sm" c="red">
          {errors["/escalations"]}
        </Text>
      )}
      <Group>
        <Button
          variant="light"
          onClick={() => onChange([...escalations, { on: "breach", metrics: [], actions: [newAction()] }])}
        >
          Add escalation
        </Button>
      </Group>
    </Stack>
  );
}
