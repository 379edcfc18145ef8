// Filters that no control shows (from a shared link or a saved view, e.g. `priority.lte=P1`
// or the breaching-soon deadline): listed so they are never silently in effect.
import { CloseButton, Group, Pill } from "@mantine/core";

export interface ExtraFilter {
  /** What the chip says. */
  label: string;
  /** Accessible name of its remove button. */
  removeLabel: string;
  onRemove(): void;
}

export function ExtraFilters({ filters }: { filters: ExtraFilter[] }) {
  if (filters.length === 0) return null;
  return (
    <Group gap={6} aria-label="Other filters" role="group">
      {filters.map((f) => (
        <Pill key={f.removeLabel} size="md">
          <Group gap={4} wrap="nowrap">
            <span>{f.label}</span>
            <CloseButton size="xs" aria-label={f.removeLabel} onClick={f.onRemove} />
          </Group>
        </Pill>
      ))}
    </Group>
  );
}
