// Creating or changing an organisation: its name (what requesters and SLA policies name),
// the email domains whose new requesters join it, and notes for staff.
import { useState } from "react";
import { Stack, TextInput, Textarea } from "@mantine/core";
import { useMutation } from "@tanstack/react-query";
import { api, unwrap, type Schemas } from "../../../api/client";
import { keys } from "../../../api/keys";
import { useInvalidate } from "../../../api/useInvalidate";
import { ErrorAlert } from "../../../components/Errors";
import { FormActions } from "../../../components/FormActions";
import { SubmitForm } from "../../../components/SubmitForm";
import { fieldErrorsOf, unplacedError } from "../../../lib/fieldErrors";

export type Organization = Schemas["OrganizationOut"];

/** "acme.example, @acme.io" or one per line into a list of domains. */
export function parseDomains(text: string): string[] {
  return text
    .split(/[\s,;]+/)
    .map((d) => d.trim())
    .filter(Boolean);
}

/** The first error of `/domains/N` fields, or of `/domains` itself. */
function domainsError(errors: Record<string, string>): string | undefined {
  const key = Object.keys(errors).find((k) => k === "/domains" || k.startsWith("/domains/"));
  return key ? errors[key] : undefined;
}

export function OrganizationForm({ organization, onDone }: { organization?: Organization; onDone(): void }) {
  const refresh = useInvalidate(keys.organizations, keys.tickets);
  const [name, setName] = useState(organization?.name ?? "");
  const [domains, setDomains] = useState((organization?.domains ?? []).join(", "));
  const [notes, setNotes] = useState(organization?.notes ?? "");
  const save = useMutation({
    mutationFn: () => {
      const body = { name: name.trim(), domains: parseDomains(domains), notes };
      return organization
        ? unwrap(api.PATCH("/organizations/{id}", { params: { path: { id: organization.id } }, body }))
        : unwrap(api.POST("/organizations", { body }));
    },
    onSuccess: async () => {
      await refresh();
      onDone();
    },
  });
  const errors = fieldErrorsOf(save.error);
  return (
    <SubmitForm onSubmit={() => save.mutate()}>
      <Stack>
        {save.error && (
          <ErrorAlert
            error={unplacedError(save.error, (p) => p === "/name" || p === "/notes" || p.startsWith("/domains"))}
            title="The organisation was not saved"
          />
        )}
        <TextInput
          label="Name"
          description="What requesters and SLA policies name (case does not matter)"
          required
          value={name}
          error={errors["/name"]}
          onChange={(e) => setName(e.currentTarget.value)}
        />
        <Textarea
          label="Email domains"
          description="New requesters with an email at one of these join the organisation"
          placeholder="acme.example, acme.io"
          value={domains}
          error={domainsError(errors)}
          onChange={(e) => setDomains(e.currentTarget.value)}
          autosize
        />
        <Textarea label="Notes" value={notes} error={errors["/notes"]} onChange={(e) => setNotes(e.currentTarget.value)} autosize minRows={3} />
        <FormActions submitLabel={organization ? "Save organisation" : "Create organisation"} pending={save.isPending} onCancel={onDone} />
      </Stack>
    </SubmitForm>
  );
}
