// The SLA report: met and breached clocks per group over a period, as a chart, a table
// and a CSV download of the same query; beside it, the exit survey answers of the period.
import { useState } from "react";
import { BarChart } from "@mantine/charts";
import "@mantine/charts/styles.css";
import { Button, Group, Paper, Select, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { IconDownload } from "@tabler/icons-react";
import { useQuery } from "@tanstack/react-query";
import dayjs from "dayjs";
import { api, unwrap, type Schemas } from "../../../api/client";
import { keys } from "../../../api/keys";
import { ErrorAlert } from "../../../components/Errors";
import { formatSeconds } from "../../../lib/durations";
import {
  chartData,
  csvFileName,
  formatRate,
  hasCounts,
  periodFromDays,
  REPORT_METRICS,
  reportParams,
  type GroupBy,
  type MetricStats,
  type ReportRow,
} from "../../../lib/report";
import { METRIC_LABELS } from "../../../lib/sla";

const GROUPS: { value: GroupBy; label: string }[] = [
  { value: "priority", label: "Priority" },
  { value: "type", label: "Type" },
  { value: "team", label: "Team" },
  { value: "assignee", label: "Assignee" },
];

const PRESETS = [7, 30, 90];

/** Met in greens, breached in reds, a shade per metric so the stacks read apart. */
const SERIES = REPORT_METRICS.flatMap((m, i) => [
  { name: `${m}_met`, label: `${METRIC_LABELS[m]}: met`, color: `teal.${8 - i * 2}`, stackId: m },
  { name: `${m}_breached`, label: `${METRIC_LABELS[m]}: breached`, color: `red.${8 - i * 2}`, stackId: m },
]);

const day = (d: Date) => dayjs(d).format("YYYY-MM-DD");

/** The days shown for "last N days": N days ending today. */
function presetDays(days: number): { from: string; to: string } {
  const today = new Date();
  return { from: day(dayjs(today).subtract(days - 1, "day").toDate()), to: day(today) };
}

async function downloadCsv(query: string, fileName: string) {
  // Same query as the table, with the API's CSV format; the session cookie authenticates.
  const response = await fetch(`/api/v1/sla/report?${query}&format=csv`, {
    credentials: "same-origin",
    headers: { Accept: "text/csv" },
  });
  if (!response.ok) throw new Error(`CSV export failed: HTTP ${response.status}`);
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement("a");
  link.href = url;
  link.download = fileName;
  document.body.appendChild(link);
  link.click();
  link.remove();
  // The download starts after this task; revoking the URL at once can cancel it.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function StatsCells({ s }: { s: MetricStats }) {
  return (
    <>
      <Table.Td>{s.met}</Table.Td>
      <Table.Td>{s.breached}</Table.Td>
      <Table.Td>{formatRate(s.met_rate)}</Table.Td>
      <Table.Td>{formatSeconds(s.median_seconds)}</Table.Td>
      <Table.Td>{formatSeconds(s.p90_seconds)}</Table.Td>
    </>
  );
}

function ReportTable({ rows, total, groupLabel }: { rows: ReportRow[]; total: ReportRow; groupLabel: string }) {
  return (
    <Table.ScrollContainer minWidth={900}>
      <Table aria-label="SLA report" withTableBorder withColumnBorders striped>
        <Table.Thead>
          <Table.Tr>
            <Table.Th rowSpan={2} scope="col">
              {groupLabel}
            </Table.Th>
            {REPORT_METRICS.map((m) => (
              <Table.Th key={m} colSpan={5} scope="colgroup" ta="center">
                {METRIC_LABELS[m]}
              </Table.Th>
            ))}
          </Table.Tr>
          <Table.Tr>
            {REPORT_METRICS.map((m) => (
              <Stats key={m} />
            ))}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((r) => (
            <Table.Tr key={r.group}>
              <Table.Th scope="row">{r.group}</Table.Th>
              {REPORT_METRICS.map((m) => (
                <StatsCells key={m} s={r[m]} />
              ))}
            </Table.Tr>
          ))}
        </Table.Tbody>
        <Table.Tfoot>
          <Table.Tr fw={700}>
            <Table.Th scope="row">Total</Table.Th>
            {REPORT_METRICS.map((m) => (
              <StatsCells key={m} s={total[m]} />
            ))}
          </Table.Tr>
        </Table.Tfoot>
      </Table>
    </Table.ScrollContainer>
  );
}

type SatisfactionRow = Schemas["SatisfactionRow"];

/** Exit survey answers beside the SLA figures: how many answered and how. */
export function SatisfactionTable({
  rows,
  total,
  groupLabel,
}: {
  rows: SatisfactionRow[];
  total: SatisfactionRow;
  groupLabel: string;
}) {
  if (total.responses === 0) {
    return <Text c="dimmed">No exit survey was answered in this period.</Text>;
  }
  const cells = (r: SatisfactionRow) => (
    <>
      <Table.Td>{r.responses}</Table.Td>
      <Table.Td>{r.average == null ? "—" : r.average.toFixed(2)}</Table.Td>
      <Table.Td>{formatRate(r.satisfied_rate)}</Table.Td>
      {r.ratings.map((n, i) => (
        <Table.Td key={i}>{n}</Table.Td>
      ))}
    </>
  );
  return (
    <Table.ScrollContainer minWidth={600}>
      <Table aria-label="Satisfaction" withTableBorder withColumnBorders striped>
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">{groupLabel}</Table.Th>
            <Table.Th scope="col">Answers</Table.Th>
            <Table.Th scope="col">Average (1-5)</Table.Th>
            <Table.Th scope="col">Rated 4 or 5</Table.Th>
            {[1, 2, 3, 4, 5].map((n) => (
              <Table.Th key={n} scope="col">
                {n}★
              </Table.Th>
            ))}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((r) => (
            <Table.Tr key={r.group}>
              <Table.Th scope="row">{r.group}</Table.Th>
              {cells(r)}
            </Table.Tr>
          ))}
        </Table.Tbody>
        <Table.Tfoot>
          <Table.Tr fw={700}>
            <Table.Th scope="row">Total</Table.Th>
            {cells(total)}
          </Table.Tr>
        </Table.Tfoot>
      </Table>
    </Table.ScrollContainer>
  );
}

function Stats() {
  return (
    <>
      <Table.Th scope="col">Met</Table.Th>
      <Table.Th scope="col">Breached</Table.Th>
      <Table.Th scope="col">Met rate</Table.Th>
      <Table.Th scope="col">Median</Table.Th>
      <Table.Th scope="col">p90</Table.Th>
    </>
  );
}

export default function ReportPage() {
  const [days, setDays] = useState(() => presetDays(30));
  const [groupBy, setGroupBy] = useState<GroupBy>("priority");
  const [exporting, setExporting] = useState(false);
  const [exportError, setExportError] = useState<unknown>(null);

  const valid = /^\d{4}-\d{2}-\d{2}$/.test(days.from) && /^\d{4}-\d{2}-\d{2}$/.test(days.to) && days.from <= days.to;
  const period = valid ? periodFromDays(dayjs(days.from).toDate(), dayjs(days.to).toDate()) : null;
  const query = period ? reportParams(period, groupBy).toString() : "";

  const report = useQuery({
    queryKey: keys.report(query),
    enabled: period !== null,
    queryFn: async () => {
      const out = await unwrap(
        api.GET("/sla/report", {
          params: { query: { from: period!.from.toISOString(), to: period!.to.toISOString(), group_by: groupBy } },
        }),
      );
      // The operation also offers text/csv; without format=csv the server answers JSON.
      return out as Schemas["SlaReportOut"];
    },
    placeholderData: (previous) => previous,
  });

  async function exportCsv() {
    if (!period) return;
    setExporting(true);
    setExportError(null);
    try {
      await downloadCsv(query, csvFileName(period, groupBy));
    } catch (e) {
      setExportError(e);
    } finally {
      setExporting(false);
    }
  }

  const groupLabel = GROUPS.find((g) => g.value === groupBy)?.label ?? groupBy;
  const data = report.data;

  return (
    <Stack>
      <Title order={2}>SLA report</Title>
      <Group align="flex-end" wrap="wrap">
        <TextInput
          label="From"
          type="date"
          value={days.from}
          error={valid ? undefined : "From must be a day on or before To"}
          onChange={(e) => {
            const from = e.currentTarget.value;
            setDays((d) => ({ ...d, from }));
          }}
        />
        <TextInput
          label="To"
          type="date"
          value={days.to}
          onChange={(e) => {
            const to = e.currentTarget.value;
            setDays((d) => ({ ...d, to }));
          }}
        />
        <Button.Group>
          {PRESETS.map((n) => {
            const preset = presetDays(n);
            const active = preset.from === days.from && preset.to === days.to;
            return (
              <Button
                key={n}
                variant={active ? "filled" : "default"}
                aria-pressed={active}
                onClick={() => setDays(preset)}
              >
                Last {n} days
              </Button>
            );
          })}
        </Button.Group>
        <Select
          label="Group by"
          data={GROUPS}
          value={groupBy}
          allowDeselect={false}
          onChange={(v) => v && setGroupBy(v as GroupBy)}
          w={160}
        />
        <Button
          leftSection={<IconDownload size={16} />}
          variant="light"
          onClick={exportCsv}
          loading={exporting}
          disabled={!period}
        >
          Export CSV
        </Button>
      </Group>
      <ErrorAlert error={report.error} />
      <ErrorAlert error={exportError} title="The CSV was not exported" />

      {data && (
        <>
          <Paper withBorder p="md">
            <Title order={3} size="h4" mb="sm" id="sla-report-chart">
              Met and breached by {groupLabel.toLowerCase()}
            </Title>
            {hasCounts(data.rows) ? (
              <div role="img" aria-labelledby="sla-report-chart">
                <BarChart
                  h={320}
                  data={chartData(data.rows)}
                  dataKey="group"
                  series={SERIES}
                  withLegend
                  legendProps={{ verticalAlign: "bottom" }}
                />
              </div>
            ) : (
              <Text c="dimmed">No clock was met or breached in this period.</Text>
            )}
          </Paper>
          <Text size="sm" c="dimmed">
            Clocks that started from {dayjs(data.from).format("YYYY-MM-DD HH:mm")} to before{" "}
            {dayjs(data.to).format("YYYY-MM-DD HH:mm")}. Median and p90 are business time of the finished clocks.
          </Text>
          <ReportTable rows={data.rows} total={data.total} groupLabel={groupLabel} />
          <Title order={3} size="h4">
            Requesters' satisfaction
          </Title>
          <SatisfactionTable rows={data.satisfaction} total={data.satisfaction_total} groupLabel={groupLabel} />
        </>
      )}
    </Stack>
  );
}
