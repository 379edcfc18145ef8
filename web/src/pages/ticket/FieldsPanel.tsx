// The type's own fields of a ticket, in the generated form. The user's edits are kept
// apart from the ticket (so a live refetch does not overwrite them) with the fields and
// version they started from, and saved as the fields that changed against that version:
// if someone else changed the ticket meanwhile the save is refused, not their change
// undone. The server's errors land on their fields.
import { useMemo, useRef, useState } from "react";
import { Alert, Button, Group, Paper, Stack, Text, Title } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useQueryClient } from "@tanstack/react-query";
import { ApiError, type Ticket } from "../../api/client";
import { keys } from "../../api/keys";
import { useInvalidate } from "../../api/useInvalidate";
import { ErrorAlert } from "../../components/Errors";
import { TypeFieldsForm, type TypeFieldsFormHandle } from "../../components/TypeFieldsForm";
import { dropErrorsOfChangedFields, extraErrorsFromProblem, withoutNulls, type JsonObject } from "../../lib/form";
import type { TypeDetail } from "../../api/queries";
import { afterFieldsSaved, editFields, fieldsToSend, rebaseFields, type FieldsEdit } from "./fieldsEdit";
import { isConflict, useUpdateTicket } from "./queries";

export function FieldsPanel({ ticket, type }: { ticket: Ticket; type: TypeDetail }) {
  const client = useQueryClient();
  const invalidateTicket = useInvalidate(keys.ticket(ticket.key));
  const update = useUpdateTicket(ticket.key);
  const saved = useMemo(() => withoutNulls(ticket.fields as JsonObject), [ticket.fields]);
  const [edit, setEdit] = useState<FieldsEdit | null>(null);
  const [serverErrors, setServerErrors] = useState({});
  const formRef = useRef<TypeFieldsFormHandle>(null);

  const formData = edit?.values ?? saved;
  const changes = edit ? fieldsToSend(edit) : {};
  const dirty = Object.keys(changes).length > 0;
  const conflict = isConflict(update.error);

  const save = () => {
    // The schema's own errors are shown on their fields; no need to ask the server.
    if (!edit || (formRef.current && !formRef.current.validateForm())) return;
    const sentValues = edit.values;
    update.mutate(
      { version: edit.version, update: { fields: changes as Record<string, never> } },
      {
        onSuccess: (out) => {
          // Only what was sent is done: anything typed since stays in the form.
          setEdit((current) => afterFieldsSaved(current, sentValues, out.fields as JsonObject, out.version));
          setServerErrors({});
          notifications.show({ message: `${ticket.key}: fields saved`, color: "green" });
        },
        onError: (e) => {
          if (e instanceof ApiError) setServerErrors(extraErrorsFromProblem(e.fieldErrors));
        },
      },
    );
  };

  /** Fetch the ticket as it is now and lay the user's changes over it. */
  const reload = async () => {
    update.reset();
    await invalidateTicket();
    const fresh = client.getQueryData<Ticket>(keys.ticket(ticket.key));
    if (fresh) setEdit((current) => current && rebaseFields(current, fresh.fields as JsonObject, fresh.version));
  };

  const hasFields = Object.keys((type.schema as { properties?: object }).properties ?? {}).length > 0;

  return (
    <Paper withBorder p="md" component="section" aria-labelledby="ticket-fields-heading">
      <Stack gap="sm">
        <Title order={3} id="ticket-fields-heading">
          {type.name} fields
        </Title>
        {!hasFields ? (
          <Text c="dimmed" size="sm">
            This type has no fields of its own.
          </Text>
        ) : (
          <>
            <TypeFieldsForm
              schema={type.schema as JsonObject}
              hints={type.ui as JsonObject}
              formData={formData}
              onChange={(next) => {
                setServerErrors((errs) => dropErrorsOfChangedFields(errs, formData, next));
                setEdit((current) => editFields(current, saved, ticket.version, next));
              }}
              extraErrors={serverErrors}
              idPrefix="ticket-fields"
              formRef={formRef}
            />
            {conflict && (
              <Alert color="orange" title="Someone else changed this ticket" role="alert">
                <Group justify="space-between">
                  <Text size="sm">Your field changes were not saved; they are still here.</Text>
                  <Button size="xs" variant="white" color="orange" onClick={() => void reload()}>
                    Reload
                  </Button>
                </Group>
              </Alert>
            )}
            {update.error && !conflict && <ErrorAlert error={update.error} title="Fields not saved" />}
            <Group gap="xs">
              <Button onClick={save} disabled={!dirty} loading={update.isPending}>
                Save fields
              </Button>
              {dirty && (
                <Button
                  variant="subtle"
                  color="gray"
                  onClick={() => {
                    setEdit(null);
                    setServerErrors({});
                    update.reset();
                  }}
                >
                  Discard field changes
                </Button>
              )}
            </Group>
          </>
        )}
      </Stack>
    </Paper>
  );
}
