// Preview plan → read it → apply: the one flow every type change goes through (the type
// editor and the workflow editor both hand it the YAML they would apply).
import { useState } from "react";
import { Alert, Badge, Button, Checkbox, Code, Group, Stack, Table, Text, Title, UnstyledButton } from "@mantine/core";
import { useMutation } from "@tanstack/react-query";
import { ApiError } from "../../../api/client";
import { ErrorAlert } from "../../../components/Errors";
import { TableHead } from "../../../components/TableHead";
import { applyType, planType, type Safety, type TypeFileError, type TypePlan } from "./typesApi";

const SAFETY_COLORS: Record<Safety, string> = { safe: "green", destructive: "orange", refused: "red" };

export function SafetyBadge({ safety }: { safety: Safety }) {
  return (
    <Badge color={SAFETY_COLORS[safety]} variant="light" data-safety={safety}>
      {safety}
    </Badge>
  );
}

/** The plan carried by a 409 (destructive without consent, or refused), if any. */
function planOfConflict(error: unknown): TypePlan | null {
  return error instanceof ApiError && error.problem.plan ? error.problem.plan : null;
}

function typeErrorsOf(error: unknown): TypeFileError[] {
  return error instanceof ApiError ? (error.problem.type_errors ?? []) : [];
}

export function PlanPanel({
  yaml,
  blockedReason,
  onJump,
  onApplied,
}: {
  /** The type file that would be applied. */
  yaml: string;
  /** Why nothing can be planned now (e.g. the YAML does not parse). */
  blockedReason?: string | null;
  /** Move the editor's cursor to a line and column of `yaml`. */
  onJump?: (line: number, column: number) => void;
  onApplied: (plan: TypePlan) => void;
}) {
  const [plan, setPlan] = useState<TypePlan | null>(null);
  // The text the shown plan was made for: a plan of other text must not be applied.
  const [plannedYaml, setPlannedYaml] = useState<string | null>(null);
  const [allowDestructive, setAllowDestructive] = useState(false);
  const [applied, setApplied] = useState<TypePlan | null>(null);

  const preview = useMutation({
    mutationFn: (text: string) => planType(text),
    onMutate: () => {
      apply.reset();
      setApplied(null);
    },
    onSuccess: (result, text) => {
      setPlan(result);
      setPlannedYaml(text);
      setAllowDestructive(false);
    },
    onError: () => setPlan(null),
  });

  const apply = useMutation({
    mutationFn: ({ text, destructive }: { text: string; destructive: boolean }) => applyType(text, destructive),
    onSuccess: (result) => {
      setApplied(result);
      setPlan(null);
      setPlannedYaml(null);
      setAllowDestructive(false);
      onApplied(result);
    },
    onError: (error) => {
      const conflict = planOfConflict(error);
      if (conflict) setPlan(conflict);
    },
  });

  const stale = plan !== null && plannedYaml !== yaml;
  const canApply =
    plan !== null &&
    !stale &&
    !plan.noop &&
    plan.safety !== "refused" &&
    (plan.safety !== "destructive" || allowDestructive);
  const errors = typeErrorsOf(preview.error ?? apply.error);

  return (
    <Stack gap="sm">
      <Group>
        <Button
          variant="default"
          onClick={() => preview.mutate(yaml)}
          loading={preview.isPending}
          disabled={!!blockedReason}
        >
          Preview plan
        </Button>
        <Button
          onClick={() => apply.mutate({ text: yaml, destructive: allowDestructive })}
          loading={apply.isPending}
          disabled={!canApply}
        >
          Apply
        </Button>
        {blockedReason && (
          <Text size="sm" c="dimmed">
            {blockedReason}
          </Text>
        )}
      </Group>

      {applied && (
        <Alert color="green" title="Applied" role="status">
          {applied.noop ? "Nothing changed." : `Applied as version ${applied.to_version} of ${applied.slug}.`}
        </Alert>
      )}

      <ErrorAlert error={preview.error ?? apply.error} />
      {errors.length > 0 && <TypeFileErrors errors={errors} onJump={onJump} />}

      {plan && (
        <PlanView
          plan={plan}
          stale={stale}
          allowDestructive={allowDestructive}
          onAllowDestructive={setAllowDestructive}
        />
      )}
    </Stack>
  );
}

/** The server's problems with the file, each a link to its line and column when possible. */
export function TypeFileErrors({
  errors,
  onJump,
}: {
  errors: TypeFileError[];
  onJump?: (line: number, column: number) => void;
}) {
  return (
    <Stack gap={4}>
      <Title order={4}>Problems in the type file</Title>
      <ul aria-label="Problems in the type file" style={{ margin: 0, paddingLeft: 18 }}>
      {errors.map((e, i) => {
        const where = `Line ${e.line}, column ${e.column}`;
        const body = (
          <>
            <Text span fw={600} size="sm">
              {where}
            </Text>
            <Text span size="sm">
              : {e.message}{" "}
            </Text>
            {e.pointer && <Code>{e.pointer}</Code>}
          </>
        );
        return (
          <li key={`${i}-${e.pointer}`}>
            {onJump ? (
              <UnstyledButton onClick={() => onJump(e.line, e.column)} aria-label={`${where}: ${e.message}`}>
                {body}
              </UnstyledButton>
            ) : (
              body
            )}
          </li>
        );
      })}
      </ul>
    </Stack>
  );
}

function PlanView({
  plan,
  stale,
  allowDestructive,
  onAllowDestructive,
}: {
  plan: TypePlan;
  stale: boolean;
  allowDestructive: boolean;
  onAllowDestructive: (allow: boolean) => void;
}) {
  return (
    <Stack gap="sm" aria-label="Plan" role="region">
      <Group gap="xs">
        <Title order={3}>Plan</Title>
        <SafetyBadge safety={plan.safety} />
        <Text size="sm" c="dimmed">
          {plan.slug}: {plan.from_version == null ? "new" : `v${plan.from_version}`} → v{plan.to_version}
        </Text>
      </Group>
      {stale && (
        <Alert color="yellow" role="status">
          The definition changed since this plan. Preview the plan again before applying.
        </Alert>
      )}
      {plan.noop ? (
        <Text>Nothing to change: the type is up to date.</Text>
      ) : (
        <ChangesTable changes={plan.changes} label="Planned changes" />
      )}
      {plan.safety === "refused" && (
        <Alert color="red" title="This plan cannot be applied">
          A refused change is never applied. Fix the stored data it names, or change the definition, then preview
          again.
        </Alert>
      )}
      {plan.safety === "destructive" && (
        <Checkbox
          label="I understand this deletes data"
          description="Removed fields are hidden with their data kept, but stored values may stop being valid and the named tickets cannot be updated until they are corrected."
          checked={allowDestructive}
          onChange={(e) => onAllowDestructive(e.currentTarget.checked)}
        />
      )}
      <div>
        <Text size="sm" fw={600}>
          SQL
        </Text>
        <Code block data-testid="plan-ddl" style={{ whiteSpace: "pre-wrap", wordBreak: "break-word" }}>
          {plan.ddl.length > 0 ? plan.ddl.join("\n") : "-- no SQL"}
        </Code>
      </div>
    </Stack>
  );
}

export function ChangesTable({ changes, label }: { changes: TypePlan["changes"]; label: string }) {
  if (changes.length === 0) return <Text size="sm">No changes.</Text>;
  return (
    <Table aria-label={label} withTableBorder>
      <TableHead columns={["Safety", "Change", "Tickets concerned"]} />
      <Table.Tbody>
        {changes.map((change, i) => (
          <Table.Tr key={i}>
            <Table.Td>
              <SafetyBadge safety={change.safety} />
            </Table.Td>
            <Table.Td>{change.summary}</Table.Td>
            <Table.Td>{change.blocking_tickets?.join(", ") || "—"}</Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}
