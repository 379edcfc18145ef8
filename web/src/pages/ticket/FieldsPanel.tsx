// The type's own fields of a ticket, in the generated form. The user's edits are kept
// apart from the ticket (so a live refetch does not overwrite them) and saved as the
// fields that changed; the server's errors land on their fields.
import { useMemo, useRef, useState } from "react";
import { Alert, Button, Group, Paper, Stack, Text, Title } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useQueryClient } from "@tanstack/react-query";
import { ApiError, type Ticket } from "../../api/client";
import { keys } from "../../api/keys";
import { ErrorAlert } from "../../components/Errors";
import { TypeFieldsForm, type TypeFieldsFormHandle } from "../../components/TypeFieldsForm";
import {
  changedFields,
  dropErrorsOfChangedFields,
  extraErrorsFromProblem,
  withoutNulls,
  type JsonObject,
} from "../../lib/form";
import type { TypeDetail } from "../../api/queries";
import { useUpdateTicket } from "./queries";

export function FieldsPanel({ ticket, type }: { ticket: Ticket; type: TypeDetail }) {
  const client = useQueryClient();
  const update = useUpdateTicket(ticket.key);
  const saved = useMemo(() => withoutNulls(ticket.fields as JsonObject), [ticket.fields]);
  const [edited, setEdited] = useState<JsonObject | null>(null);
  const [serverErrors, setServerErrors] = useState({});
  const formRef = useRef<TypeFieldsFormHandle>(null);

  const formData = edited ?? saved;
  const changes = edited ? changedFields(saved, edited) : {};
  const dirty = Object.keys(changes).length > 0;
  const conflict = update.error instanceof ApiError && (update.error.status === 412 || update.error.status === 409);

  const save = () => {
    // The schema's own errors are shown on their fields; no need to ask the server.
    if (formRef.current && !formRef.current.validateForm()) return;
    update.mutate(
      { version: ticket.version, update: { fields: changes as Record<string, never> } },
      {
        onSuccess: () => {
          setEdited(null);
          setServerErrors({});
          notifications.show({ message: `${ticket.key}: fields saved`, color: "green" });
        },
        onError: (e) => {
          if (e instanceof ApiError) setServerErrors(extraErrorsFromProblem(e.fieldErrors));
        },
      },
    );
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
                setEdited(next);
              }}
              extraErrors={serverErrors}
              idPrefix="ticket-fields"
              formRef={formRef}
            />
            {conflict && (
              <Alert color="orange" title="Someone else changed this ticket" role="alert">
                <Group justify="space-between">
                  <Text size="sm">Your field changes were not saved; they are still here.</Text>
                  <Button
                    size="xs"
                    variant="white"
                    color="orange"
                    onClick={() => {
                      update.reset();
                      client.invalidateQueries({ queryKey: keys.ticket(ticket.key) });
                    }}
                  >
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
                    setEdited(null);
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
