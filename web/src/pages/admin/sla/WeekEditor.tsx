// Working intervals per weekday ("HH:MM"–"HH:MM" local time); a day with none is off.
import { Button, Group, Stack, Table, Text, TextInput } from "@mantine/core";
import type { FieldErrors } from "../../../lib/fieldErrors";
import { RemoveButton } from "../../../components/RemoveButton";
import { WEEKDAYS, type CalendarDraft } from "./calendarDraft";

interface WeekEditorProps {
  week: CalendarDraft["week"];
  errors: FieldErrors;
  onChange(week: CalendarDraft["week"]): void;
}

export function WeekEditor({ week, errors, onChange }: WeekEditorProps) {
  return (
    <Stack gap="xs">
      {errors["/week"] && (
        <Text c="red" size="sm">
          {errors["/week"]}
        </Text>
      )}
      <Table aria-label="Working hours" withTableBorder verticalSpacing="xs">
        <Table.Tbody>
          {WEEKDAYS.map(({ day, label }) => {
            const intervals = week[day];
            const setIntervals = (next: typeof intervals) => onChange({ ...week, [day]: next });
            return (
              <Table.Tr key={day}>
                <Table.Th scope="row" w={110} style={{ verticalAlign: "top", paddingTop: 14 }}>
                  {label}
                </Table.Th>
                <Table.Td>
                  <Stack gap={6}>
                    {intervals.length === 0 && (
                      <Text size="sm" c="dimmed">
                        Day off
                      </Text>
                    )}
                    {errors[`/week/${day}`] && (
                      <Text c="red" size="sm">
                        {errors[`/week/${day}`]}
                      </Text>
                    )}
                    {intervals.map((interval, i) => {
                      const at = `/week/${day}/${i}`;
                      const setPart = (part: "start" | "end", value: string) =>
                        setIntervals(intervals.map((x, j) => (j === i ? { ...x, [part]: value } : x)));
                      return (
                        <Group key={i} gap="xs" align="flex-start" wrap="nowrap">
                          <TextInput
                            aria-label={`${label} interval ${i + 1} start`}
                            placeholder="09:00"
                            size="xs"
                            w={90}
                            value={interval.start}
                            error={errors[`${at}/start`] ?? errors[at]}
                            onChange={(e) => setPart("start", e.currentTarget.value)}
                          />
                          <Text size="sm" mt={4} aria-hidden>
                            to
                          </Text>
                          <TextInput
                            aria-label={`${label} interval ${i + 1} end`}
                            placeholder="17:00"
                            size="xs"
                            w={90}
                            value={interval.end}
                            error={errors[`${at}/end`]}
                            onChange={(e) => setPart("end", e.currentTarget.value)}
                          />
                          <RemoveButton
                            label={`Remove ${label} interval ${i + 1}`}
                            onClick={() => setIntervals(intervals.filter((_, j) => j !== i))}
                            mt={2}
                          />
                        </Group>
                      );
                    })}
                    <Group>
                      <Button
                        variant="subtle"
                        size="compact-xs"
                        aria-label={`Add interval to ${label}`}
                        onClick={() =>
                          setIntervals([...intervals, intervals.length ? { start: "", end: "" } : { start: "09:00", end: "17:00" }])
                        }
                      >
                        Add interval
                      </Button>
                    </Group>
                  </Stack>
                </Table.Td>
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
    </Stack>
  );
}
