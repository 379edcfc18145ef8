// Holidays from an iCalendar file (a public-holiday feed, an Outlook export), added to a
// saved calendar on the server, which reports how many it found and how many were new.
import { useState } from "react";
import { Alert, Button, Checkbox, FileInput, Group, Stack } from "@mantine/core";
import { useMutation } from "@tanstack/react-query";
import { api, unwrap, type Schemas } from "../../../api/client";
import { keys } from "../../../api/keys";
import { useInvalidate } from "../../../api/useInvalidate";
import { ErrorAlert } from "../../../components/Errors";

interface ImportHolidaysProps {
  calendar: string;
  onImported(calendar: Schemas["CalendarOut"]): void;
}

export function ImportHolidays({ calendar, onImported }: ImportHolidaysProps) {
  const refresh = useInvalidate(keys.calendars);
  const [file, setFile] = useState<File | null>(null);
  const [replace, setReplace] = useState(false);

  const run = useMutation({
    mutationFn: async (f: File) =>
      unwrap(
        api.POST("/sla/calendars/{name}/import", {
          params: { path: { name: calendar }, query: replace ? { replace: true } : {} },
          body: await f.text(),
          // The API takes the file as it is, not as JSON.
          bodySerializer: (text: string) => text,
          headers: { "Content-Type": "text/calendar" },
        }),
      ),
    onSuccess: async (out) => {
      onImported(out.calendar);
      await refresh();
    },
  });

  return (
    <Stack gap="xs">
      <Group align="flex-end">
        <FileInput
          label="iCalendar file"
          placeholder="holidays.ics"
          accept=".ics,text/calendar"
          clearable
          value={file}
          onChange={setFile}
          w={260}
        />
        <Checkbox
          label="Replace existing holidays"
          checked={replace}
          onChange={(e) => setReplace(e.currentTarget.checked)}
          mb={8}
        />
        <Button variant="light" disabled={!file} loading={run.isPending} onClick={() => file && run.mutate(file)}>
          Import holidays (iCalendar)
        </Button>
      </Group>
      <ErrorAlert error={run.error} title="The file was not imported" />
      {run.data && (
        <Alert color="green" role="status">
          Found {run.data.imported} holidays in the file; {run.data.added} were new.
        </Alert>
      )}
    </Stack>
  );
}
