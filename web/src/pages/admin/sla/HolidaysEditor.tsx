// Days off: one date, or the same month and day every year.
import { Button, Group, SegmentedControl, Stack, Table, Text, TextInput } from "@mantine/core";
import type { FieldErrors } from "../../../lib/fieldErrors";
import { RemoveButton } from "../../../components/RemoveButton";
import type { HolidayDraft } from "./calendarDraft";

interface HolidaysEditorProps {
  holidays: HolidayDraft[];
  errors: FieldErrors;
  onChange(holidays: HolidayDraft[]): void;
}

export function HolidaysEditor({ holidays, errors, onChange }: HolidaysEditorProps) {
  const update = (i: number, h: HolidayDraft) => onChange(holidays.map((x, j) => (j === i ? h : x)));
  return (
    <Stack gap="xs">
      {holidays.length === 0 ? (
        <Text size="sm" c="dimmed">
          No holidays.
        </Text>
      ) : (
        <Table aria-label="Holidays" withTableBorder>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Name</Table.Th>
              <Table.Th>Repeats</Table.Th>
              <Table.Th>Day</Table.Th>
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {holidays.map((h, i) => {
              const at = `/holidays/${i}`;
              return (
                <Table.Tr key={i}>
                  <Table.Td>
                    <TextInput
                      aria-label={`Holiday ${i + 1} name`}
                      size="xs"
                      value={h.name}
                      error={errors[`${at}/name`]}
                      onChange={(e) => update(i, { ...h, name: e.currentTarget.value })}
                    />
                  </Table.Td>
                  <Table.Td>
                    <SegmentedControl
                      aria-label={`Holiday ${i + 1} repeats`}
                      size="xs"
                      data={[
                        { value: "date", label: "Once" },
                        { value: "yearly", label: "Yearly" },
                      ]}
                      value={h.kind}
                      // The value's format differs between the kinds: start over.
                      onChange={(v) => update(i, { ...h, kind: v as HolidayDraft["kind"], value: "" })}
                    />
                  </Table.Td>
                  <Table.Td>
                    {h.kind === "date" ? (
                      <TextInput
                        aria-label={`Holiday ${i + 1} date`}
                        type="date"
                        size="xs"
                        value={h.value}
                        error={errors[`${at}/date`] ?? errors[at]}
                        onChange={(e) => update(i, { ...h, value: e.currentTarget.value })}
                      />
                    ) : (
                      <TextInput
                        aria-label={`Holiday ${i + 1} month and day (MM-DD)`}
                        placeholder="12-25"
                        size="xs"
                        value={h.value}
                        error={errors[`${at}/yearly`] ?? errors[at]}
                        onChange={(e) => update(i, { ...h, value: e.currentTarget.value })}
                      />
                    )}
                  </Table.Td>
                  <Table.Td>
                    <RemoveButton
                      label={`Remove holiday ${i + 1}`}
                      onClick={() => onChange(holidays.filter((_, j) => j !== i))}
                    />
                  </Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      )}
      {errors["/holidays"] && (
        <Text c="red" size="sm">
          {errors["/holidays"]}
        </Text>
      )}
      <Group>
        <Button variant="light" size="xs" onClick={() => onChange([...holidays, { name: "", kind: "date", value: "" }])}>
          Add holiday
        </Button>
      </Group>
    </Stack>
  );
}
