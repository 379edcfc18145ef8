// Correcting a requester's name and organisation. Agents may set an organisation that is
// not known yet; replacing a known one is for admins (SLA policies select on it), and the
// server says so on the field.
import { useState } from "react";
import { Button, Group, Paper, Stack, TextInput, Title } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../../api/client";
import { keys } from "../../api/keys";
import { ErrorAlert } from "../../components/Errors";
import { SubmitForm } from "../../components/SubmitForm";
import { fieldErrorsOf, unplacedError } from "../../lib/fieldErrors";
import type { RequesterProfile } from "./queries";

export function RequesterEditForm({ profile, onDone }: { profile: RequesterProfile; onDone(): void }) {
  const client = useQueryClient();
  const [name, setName] = useState(profile.name ?? "");
  const [organization, setOrganization] = useState(profile.organization ?? "");
  const save = useMutation({
    mutationFn: () =>
      unwrap(
        api.PATCH("/requesters/{id}", {
          params: { path: { id: profile.id } },
          body: { name: name.trim(), organization: organization.trim() },
        }),
      ),
    onSuccess: async () => {
      // Their tickets show the name and organisation too.
      await client.invalidateQueries({ queryKey: keys.tickets });
      onDone();
    },
  });
  const errors = fieldErrorsOf(save.error);
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="edit-requester-heading">
      <SubmitForm onSubmit={() => save.mutate()}>
        <Stack gap="xs">
          <Title order={3} id="edit-requester-heading">
            Edit details
          </Title>
          {save.error && (
            <ErrorAlert error={unplacedError(save.error, (p) => p === "/name" || p === "/organization")} title="Not saved" />
          )}
          <TextInput label="Name" value={name} error={errors["/name"]} onChange={(e) => setName(e.currentTarget.value)} />
          <TextInput
            label="Organisation"
            value={organization}
            error={errors["/organization"]}
            onChange={(e) => setOrganization(e.currentTarget.value)}
          />
          <Group gap="xs">
            <Button type="submit" size="xs" loading={save.isPending}>
              Save details
            </Button>
            <Button size="xs" variant="default" onClick={onDone}>
              Cancel
            </Button>
          </Group>
        </Stack>
      </SubmitForm>
    </Paper>
  );
}
