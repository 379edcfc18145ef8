// A webhook subscription's form: name, URL, the topics it receives (known topics or
// patterns such as `comment.*` and `*`) and, optionally, the ticket types it is limited
// to. Creating answers the signing secret, which the page shows once.
import { useState } from "react";
import { Checkbox, MultiSelect, Stack, TagsInput, TextInput } from "@mantine/core";
import { useMutation } from "@tanstack/react-query";
import { api, unwrap, type WebhookSubscription, type WebhookSubscriptionWithSecret } from "../../../api/client";
import { keys } from "../../../api/keys";
import { useTypes } from "../../../api/queries";
import { useInvalidate } from "../../../api/useInvalidate";
import { ErrorAlert } from "../../../components/Errors";
import { FormActions } from "../../../components/FormActions";
import { SubmitForm } from "../../../components/SubmitForm";
import { fieldErrorsOf, listError, unplacedError } from "../../../lib/fieldErrors";
import { topicPatterns } from "../../../lib/topics";

interface Props {
  /** The subscription edited; absent for a new one. */
  subscription?: WebhookSubscription;
  /** Every topic a subscription may name (from the list). */
  topics: string[];
  /** Saved: with the secret when it was a create. */
  onDone(created?: WebhookSubscriptionWithSecret): void;
  onCancel(): void;
}

const PLACED = (p: string) => p === "/name" || p === "/url" || p.startsWith("/events") || p.startsWith("/types");

export function SubscriptionForm({ subscription, topics, onDone, onCancel }: Props) {
  const refresh = useInvalidate(keys.webhookSubscriptions);
  const types = useTypes();
  const [name, setName] = useState(subscription?.name ?? "");
  const [url, setUrl] = useState(subscription?.url ?? "");
  const [events, setEvents] = useState<string[]>(subscription?.events ?? []);
  const [onlyTypes, setOnlyTypes] = useState<string[]>(subscription?.types ?? []);
  const [enabled, setEnabled] = useState(true);

  const save = useMutation({
    mutationFn: async (): Promise<WebhookSubscriptionWithSecret | undefined> => {
      const body = { name: name.trim(), url: url.trim(), events, types: onlyTypes.length ? onlyTypes : null };
      if (subscription) {
        await unwrap(api.PATCH("/webhook-subscriptions/{id}", { params: { path: { id: subscription.id } }, body }));
        return undefined;
      }
      return unwrap(api.POST("/webhook-subscriptions", { body: { ...body, enabled } }));
    },
    onSuccess: async (created) => {
      await refresh();
      onDone(created);
    },
  });
  const errors = fieldErrorsOf(save.error);
  const suggestions = [...topicPatterns(topics), ...topics];

  return (
    <SubmitForm onSubmit={() => save.mutate()}>
      <Stack>
        {save.error && (
          <ErrorAlert error={unplacedError(save.error, PLACED)} title={subscription ? "Not saved" : "The webhook was not created"} />
        )}
        <TextInput label="Name" required value={name} error={errors["/name"]} onChange={(e) => setName(e.currentTarget.value)} />
        <TextInput
          label="URL"
          description="Docket POSTs each event here as JSON (http or https)"
          placeholder="https://hooks.example.com/docket"
          required
          value={url}
          error={errors["/url"]}
          onChange={(e) => setUrl(e.currentTarget.value)}
        />
        <TagsInput
          label="Events"
          description="Topics, or patterns: comment.* for every comment event, * for everything"
          data={suggestions}
          value={events}
          onChange={setEvents}
          error={listError(errors, "/events")}
          clearable
          acceptValueOnBlur
        />
        <MultiSelect
          label="Ticket types"
          description="Only tickets of these types; none for every type"
          data={(types.data ?? []).map((t) => ({ value: t.slug, label: t.name }))}
          value={onlyTypes}
          onChange={setOnlyTypes}
          error={listError(errors, "/types")}
          searchable
          clearable
        />
        {!subscription && (
          <Checkbox label="Enabled: send events as soon as it is created" checked={enabled} onChange={(e) => setEnabled(e.currentTarget.checked)} />
        )}
        <FormActions submitLabel={subscription ? "Save webhook" : "Create webhook"} pending={save.isPending} onCancel={onCancel} />
      </Stack>
    </SubmitForm>
  );
}
