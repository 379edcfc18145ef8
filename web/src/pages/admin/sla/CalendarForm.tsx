// The calendar editor: name, time zone, weekly hours, holidays; saved with PUT. Holiday
// import works on the saved calendar, so it is offered once the calendar exists.
import { useEffect, useMemo, useRef, useState } from "react";
import { Divider, Group, Select, Stack, Text, TextInput, Title } from "@mantine/core";
import { useMutation } from "@tanstack/react-query";
import { api, unwrap } from "../../../api/client";
import { keys } from "../../../api/keys";
import { useInvalidate } from "../../../api/useInvalidate";
import { ErrorAlert } from "../../../components/Errors";
import { FormActions } from "../../../components/FormActions";
import { SubmitForm } from "../../../components/SubmitForm";
import { fieldErrorsOf, unplacedError } from "../../../lib/fieldErrors";
import { HolidaysEditor } from "./HolidaysEditor";
import { ImportHolidays } from "./ImportHolidays";
import { WeekEditor } from "./WeekEditor";
import { draftToCalendar, holidaysToDraft, timeZones, type CalendarDraft } from "./calendarDraft";

function isPlacedPointer(pointer: string): boolean {
  return (
    /^\/(name|time_zone|week|holidays)$/.test(pointer) ||
    /^\/week\/\w+(\/\d+(\/(start|end))?)?$/.test(pointer) ||
    /^\/holidays\/\d+(\/(name|date|yearly))?$/.test(pointer)
  );
}

interface CalendarFormProps {
  initial: CalendarDraft;
  existing: boolean;
  onSaved(): void;
  onCancel(): void;
}

export function CalendarForm({ initial, existing, onSaved, onCancel }: CalendarFormProps) {
  // Policies show their calendar; due times move with it.
  const refresh = useInvalidate(keys.calendars, keys.policies);
  const [draft, setDraft] = useState(initial);
  const [nameError, setNameError] = useState<string | null>(null);
  const zones = useMemo(() => {
    const all = timeZones();
    return all.includes(draft.timeZone) ? all : [draft.timeZone, ...all];
  }, [draft.timeZone]);

  const save = useMutation({
    mutationFn: () =>
      unwrap(
        api.PUT("/sla/calendars/{name}", {
          params: { path: { name: draft.name.trim() } },
          body: draftToCalendar(draft),
        }),
      ),
    onSuccess: async () => {
      await refresh();
      onSaved();
    },
  });
  // The summary sits at the top of a long form: bring it into view when a save fails.
  const alertRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (save.error) alertRef.current?.scrollIntoView?.({ behavior: "smooth", block: "start" });
  }, [save.error]);
  const errors = fieldErrorsOf(save.error);

  function submit() {
    if (!draft.name.trim()) {
      setNameError("A calendar needs a name");
      return;
    }
    setNameError(null);
    save.mutate();
  }

  return (
    <SubmitForm onSubmit={submit}>
      <Stack>
        <div ref={alertRef}>
          {save.error && <ErrorAlert error={unplacedError(save.error, isPlacedPointer)} title="The calendar was not saved" />}
        </div>
        <Group grow align="flex-start">
          <TextInput
            label="Name"
            required
            disabled={existing}
            value={draft.name}
            error={nameError ?? errors["/name"]}
            onChange={(e) => {
              const name = e.currentTarget.value;
              setDraft((d) => ({ ...d, name }));
            }}
          />
          <Select
            label="Time zone"
            data={zones}
            searchable
            allowDeselect={false}
            limit={50}
            value={draft.timeZone}
            error={errors["/time_zone"]}
            onChange={(v) => v && setDraft((d) => ({ ...d, timeZone: v }))}
          />
        </Group>

        <Divider />
        <Title order={4}>Working hours</Title>
        <Text size="sm" c="dimmed">
          Local time in the calendar's time zone, HH:MM; the end is exclusive and may be 24:00.
        </Text>
        <WeekEditor week={draft.week} errors={errors} onChange={(week) => setDraft((d) => ({ ...d, week }))} />

        <Divider />
        <Title order={4}>Holidays</Title>
        <HolidaysEditor
          holidays={draft.holidays}
          errors={errors}
          onChange={(holidays) => setDraft((d) => ({ ...d, holidays }))}
        />
        {existing ? (
          <ImportHolidays
            calendar={draft.name}
            onImported={(cal) => setDraft((d) => ({ ...d, holidays: holidaysToDraft(cal.spec.holidays) }))}
          />
        ) : (
          <Text size="sm" c="dimmed">
            Save the calendar to import holidays from an iCalendar file.
          </Text>
        )}

        <FormActions submitLabel="Save calendar" pending={save.isPending} onCancel={onCancel} />
      </Stack>
    </SubmitForm>
  );
}
