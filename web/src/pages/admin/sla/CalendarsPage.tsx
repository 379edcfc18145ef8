// Business calendars: the working hours and holidays SLA targets count in.
import { Button, Stack, Table, Text } from "@mantine/core";
import { api, unwrap } from "../../../api/client";
import { keys } from "../../../api/keys";
import { useCalendars } from "../../../api/queries";
import { useInvalidate } from "../../../api/useInvalidate";
import { EditDeleteButtons } from "../../../components/EditDeleteButtons";
import { ErrorAlert } from "../../../components/Errors";
import { FormDrawer } from "../../../components/FormDrawer";
import { PageHeader } from "../../../components/PageHeader";
import { TableHead } from "../../../components/TableHead";
import { useDrawer } from "../../../lib/useDrawer";
import { CalendarForm } from "./CalendarForm";
import { calendarToDraft, emptyCalendar, formatHours, weekSummary, weeklyMinutes, type CalendarDraft } from "./calendarDraft";

type Editing = { draft: CalendarDraft; existing: boolean };

function browserTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}

export default function CalendarsPage() {
  const calendars = useCalendars();
  const drawer = useDrawer<Editing>();
  const editing = drawer.value;

  const refresh = useInvalidate(keys.calendars);
  const remove = async (name: string) => {
    await unwrap(api.DELETE("/sla/calendars/{name}", { params: { path: { name } } }));
    await refresh();
  };

  return (
    <Stack>
      <PageHeader title="Business calendars">
        <Button onClick={() => drawer.open({ draft: emptyCalendar(browserTimeZone()), existing: false })}>
          New calendar
        </Button>
      </PageHeader>
      <ErrorAlert error={calendars.error} />
      <Table aria-label="Business calendars" striped highlightOnHover>
        <TableHead columns={["Name", "Time zone", "Working week", "Hours a week", "Holidays"]} actions />
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
                <EditDeleteButtons
                  editLabel={`Edit calendar ${c.name}`}
                  onEdit={() => drawer.open({ draft: calendarToDraft(c.name, c.spec), existing: true })}
                  deleteLabel={`Delete calendar ${c.name}`}
                  deleteTitle={`Delete calendar ${c.name}?`}
                  deleteMessage="A calendar that a policy uses cannot be deleted; change those policies first."
                  onDelete={() => remove(c.name)}
                />
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {calendars.data?.length === 0 && (
        <Text c="dimmed">No calendars yet: policies without one count around the clock.</Text>
      )}

      <FormDrawer drawer={drawer} size="xl" title={editing?.existing ? `Edit calendar ${editing.draft.name}` : "New calendar"}>
        {editing && (
          <CalendarForm
            key={drawer.seq}
            initial={editing.draft}
            existing={editing.existing}
            onSaved={() => drawer.close()}
            onCancel={() => drawer.close()}
          />
        )}
      </FormDrawer>
    </Stack>
  );
}
