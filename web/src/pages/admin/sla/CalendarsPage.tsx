// Business calendars: the working hours and holidays SLA targets count in.
import { Button, Drawer, Group, Stack, Table, Text, Title, VisuallyHidden } from "@mantine/core";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../../../api/client";
import { keys } from "../../../api/keys";
import { ErrorAlert } from "../../../components/Errors";
import { ConfirmButton } from "../people/ConfirmButton";
import { useDrawer } from "../people/useDrawer";
import { CalendarForm } from "./CalendarForm";
import { calendarToDraft, emptyCalendar, formatHours, weekSummary, weeklyMinutes, type CalendarDraft } from "./calendarDraft";

type Editing = { draft: CalendarDraft; existing: boolean };

function browserTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}

export default function CalendarsPage() {
  const client = useQueryClient();
  const calendars = useQuery({ queryKey: keys.calendars, queryFn: () => unwrap(api.GET("/sla/calendars")) });
  const drawer = useDrawer<Editing>();
  const editing = drawer.value;

  const remove = async (name: string) => {
    await unwrap(api.DELETE("/sla/calendars/{name}", { params: { path: { name } } }));
    await client.invalidateQueries({ queryKey: keys.calendars });
  };

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>Business calendars</Title>
        <Button onClick={() => drawer.open({ draft: emptyCalendar(browserTimeZone()), existing: false })}>
          New calendar
        </Button>
      </Group>
      <ErrorAlert error={calendars.error} />
      <Table aria-label="Business calendars" striped highlightOnHover>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Name</Table.Th>
            <Table.Th>Time zone</Table.Th>
            <Table.Th>Working week</Table.Th>
            <Table.Th>Hours a week</Table.Th>
            <Table.Th>Holidays</Table.Th>
            <Table.Th>
              <VisuallyHidden>Actions</VisuallyHidden>
            </Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {calendars.data?.map((c) => (
            <Table.Tr key={c.name}>
              <Table.Td fw={500}>{c.name}</Table.Td>
              <Table.Td>{c.spec.time_zone}</Table.Td>
              <Table.Td>
                <Text size="sm">{weekSummary(c.spec.week)}</Text>
              </Table.Td>
              <Table.Td>{formatHours(weeklyMinutes(c.spec.week))}</Table.Td>
              <Table.Td>{c.spec.holidays?.length ?? 0}</Table.Td>
              <Table.Td>
                <Group gap="xs" wrap="nowrap">
                  <Button
                    size="xs"
                    variant="light"
                    aria-label={`Edit calendar ${c.name}`}
                    onClick={() => drawer.open({ draft: calendarToDraft(c.name, c.spec), existing: true })}
                  >
                    Edit
                  </Button>
                  <ConfirmButton
                    label={`Delete calendar ${c.name}`}
                    title={`Delete calendar ${c.name}?`}
                    message="A calendar that a policy uses cannot be deleted; change those policies first."
                    confirmLabel="Delete"
                    onConfirm={() => remove(c.name)}
                  >
                    Delete
                  </ConfirmButton>
                </Group>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {calendars.data?.length === 0 && (
        <Text c="dimmed">No calendars yet: policies without one count around the clock.</Text>
      )}

      <Drawer
        opened={drawer.opened}
        onClose={() => drawer.close()}
        position="right"
        size="xl"
        title={editing?.existing ? `Edit calendar ${editing.draft.name}` : "New calendar"}
      >
        {editing && (
          <CalendarForm
            key={drawer.seq}
            initial={editing.draft}
            existing={editing.existing}
            onSaved={() => drawer.close()}
            onCancel={() => drawer.close()}
          />
        )}
      </Drawer>
    </Stack>
  );
}
