// The ticket's SLA: each clock with its phase, due time and a live countdown while it
// runs, when it breached, and the escalations that fired.
import { Badge, Group, List, Paper, Stack, Text, Title } from "@mantine/core";
import type { Schemas } from "../../api/client";
import { SlaCountdown } from "../../components/SlaCountdown";
import { METRIC_LABELS, type Metric } from "../../lib/sla";
import type { TicketSla } from "./queries";

type Clock = Schemas["ClockOut"];

const METRIC_ORDER: Metric[] = ["first_response", "next_response", "resolution"];

const PHASE_COLORS: Record<string, string> = { running: "blue", paused: "yellow", stopped: "gray", cancelled: "gray" };

/** How a clock ended up, beyond its phase: a stopped clock either met or breached its target. */
export function clockOutcome(clock: Clock): "breached" | "met" | null {
  if (clock.breached_at) return "breached";
  if (clock.phase === "stopped" && clock.target_seconds != null) return "met";
  return null;
}

const when = (at: string) => new Date(at).toLocaleString();

function ClockRow({ clock }: { clock: Clock }) {
  const outcome = clockOutcome(clock);
  return (
    <Stack gap={2} data-metric={clock.metric} data-phase={clock.phase} data-outcome={outcome ?? undefined}>
      <Group justify="space-between" gap="xs">
        <Text size="sm" fw={600}>
          {METRIC_LABELS[clock.metric]}
          {clock.cycle > 1 ? ` (cycle ${clock.cycle})` : ""}
        </Text>
        <Group gap={4}>
          <Badge color={PHASE_COLORS[clock.phase] ?? "gray"} variant="light" size="sm">
            {clock.phase}
          </Badge>
          {outcome && (
            <Badge color={outcome === "breached" ? "red" : "green"} variant="filled" size="sm">
              {outcome}
            </Badge>
          )}
        </Group>
      </Group>
      {clock.phase === "running" && clock.due_at && (
        <Group gap="xs">
          <Text size="xs" c="dimmed">
            Due {when(clock.due_at)}
          </Text>
          <SlaCountdown due={clock.due_at} metric={clock.metric} />
        </Group>
      )}
      {clock.phase === "paused" && (
        <Text size="xs" c="dimmed">
          Paused; the clock resumes when the ticket is worked again.
        </Text>
      )}
      {clock.breached_at && (
        <Text size="xs" c="red">
          Breached {when(clock.breached_at)}
        </Text>
      )}
      {clock.phase === "stopped" && clock.stopped_at && (
        <Text size="xs" c="dimmed">
          Stopped {when(clock.stopped_at)}
        </Text>
      )}
    </Stack>
  );
}

export function SlaPanel({ sla }: { sla: TicketSla | undefined }) {
  const clocks = [...(sla?.clocks ?? [])].sort(
    (a, b) => METRIC_ORDER.indexOf(a.metric) - METRIC_ORDER.indexOf(b.metric) || a.cycle - b.cycle,
  );
  const escalations = sla?.escalations ?? [];
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="sla-heading">
      <Stack gap="sm">
        <Title order={3} id="sla-heading">
          SLA
        </Title>
        {sla?.policy ? (
          <Text size="xs" c="dimmed">
            Policy {sla.policy}
            {sla.calendar ? `, ${sla.calendar} hours` : ", around the clock"}
          </Text>
        ) : (
          <Text size="sm" c="dimmed">
            No SLA policy applies to this ticket.
          </Text>
        )}
        {clocks.map((c) => (
          <ClockRow key={`${c.metric}-${c.cycle}`} clock={c} />
        ))}
        {escalations.length > 0 && (
          <>
            <Title order={4}>Escalations</Title>
            <List size="sm" spacing={2}>
              {escalations.map((e, i) => (
                <List.Item key={i} data-threshold={e.threshold}>
                  {METRIC_LABELS[e.metric]}: {e.threshold.replace(/_/g, " ")} at {when(e.reached_at)}
                  {e.superseded ? " (superseded by the breach)" : ""}
                </List.Item>
              ))}
            </List>
          </>
        )}
      </Stack>
    </Paper>
  );
}
