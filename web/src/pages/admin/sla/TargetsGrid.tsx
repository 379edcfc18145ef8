// Targets per priority (rows) and metric (columns), typed as durations ("4h").
import { Table, TextInput } from "@mantine/core";
import { METRIC_LABELS } from "../../../lib/sla";
import type { FieldErrors } from "../../../lib/fieldErrors";
import { METRICS, PRIORITIES, type PolicyDraft } from "./policyDraft";

interface TargetsGridProps {
  targets: PolicyDraft["targets"];
  errors: FieldErrors;
  onChange(targets: PolicyDraft["targets"]): void;
}

export function TargetsGrid({ targets, errors, onChange }: TargetsGridProps) {
  return (
    <Table aria-label="Targets" withTableBorder>
      <Table.Thead>
        <Table.Tr>
          <Table.Th scope="col">Priority</Table.Th>
          {METRICS.map((m) => (
            <Table.Th scope="col" key={m}>
              {METRIC_LABELS[m]}
            </Table.Th>
          ))}
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {PRIORITIES.map((p) => (
          <Table.Tr key={p}>
            <Table.Th scope="row">{p}</Table.Th>
            {METRICS.map((m) => (
              <Table.Td key={m}>
                {/* The row and column headers are the visible label; the aria-label says both. */}
                <TextInput
                  aria-label={`${p} ${METRIC_LABELS[m].toLowerCase()} target`}
                  placeholder="none"
                  size="xs"
                  value={targets[p][m]}
                  error={errors[`/targets/${p}/${m}`]}
                  onChange={(e) => {
                    const value = e.currentTarget.value;
                    onChange({ ...targets, [p]: { ...targets[p], [m]: value } });
                  }}
                />
              </Table.Td>
            ))}
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}
