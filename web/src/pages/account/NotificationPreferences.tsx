// The account page's notification preferences: for each topic a person can be told of,
// whether it comes by email and in the bell. Saved together with one PUT.
import { useEffect, useState } from "react";
import { Switch, Table, Text } from "@mantine/core";
import { useMutation, useQuery } from "@tanstack/react-query";
import { api, unwrap, type NotificationPreference } from "../../api/client";
import { keys } from "../../api/keys";
import { useInvalidate } from "../../api/useInvalidate";
import { ErrorAlert } from "../../components/Errors";
import { FormActions } from "../../components/FormActions";
import { SubmitForm } from "../../components/SubmitForm";
import { TableHead } from "../../components/TableHead";
import { topicLabel } from "../../lib/topics";

type Channel = "email" | "in_app";

export function NotificationPreferences() {
  const refresh = useInvalidate(keys.notificationPreferences);
  const prefs = useQuery({
    queryKey: keys.notificationPreferences,
    queryFn: () => unwrap(api.GET("/auth/me/notification-preferences")).then((p) => p.items),
  });
  const [draft, setDraft] = useState<NotificationPreference[] | null>(null);
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    if (prefs.data && draft === null) setDraft(prefs.data);
  }, [prefs.data, draft]);

  const save = useMutation({
    mutationFn: (items: NotificationPreference[]) =>
      unwrap(api.PUT("/auth/me/notification-preferences", { body: { items } })),
    onSuccess: async (answer) => {
      setDraft(answer.items);
      setSaved(true);
      await refresh();
    },
  });

  const toggle = (topic: string, channel: Channel, on: boolean) => {
    setSaved(false);
    setDraft((d) => d && d.map((p) => (p.topic === topic ? { ...p, [channel]: on } : p)));
  };
  const changed = !!draft && !!prefs.data && JSON.stringify(draft) !== JSON.stringify(prefs.data);

  return (
    <SubmitForm onSubmit={() => draft && save.mutate(draft)}>
      <Text size="sm" c="dimmed" mb="xs">
        How you are told of what happens on your tickets: in the bell at the top of the page, by email, both or not at all.
      </Text>
      <ErrorAlert error={prefs.error ?? save.error} title={save.error ? "Preferences not saved" : undefined} />
      <Table aria-label="Notification preferences" maw={640}>
        <TableHead columns={["When", "In the bell", "Email"]} />
        <Table.Tbody>
          {draft?.map((p) => (
            <Table.Tr key={p.topic} data-topic={p.topic}>
              <Table.Td>
                <Text size="sm">{topicLabel(p.topic)}</Text>
              </Table.Td>
              <Table.Td>
                <Switch
                  aria-label={`${topicLabel(p.topic)}: in the bell`}
                  checked={p.in_app}
                  onChange={(e) => toggle(p.topic, "in_app", e.currentTarget.checked)}
                />
              </Table.Td>
              <Table.Td>
                <Switch
                  aria-label={`${topicLabel(p.topic)}: by email`}
                  checked={p.email}
                  onChange={(e) => toggle(p.topic, "email", e.currentTarget.checked)}
                />
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <FormActions submitLabel="Save preferences" pending={save.isPending} disabled={!changed} saved={saved && !changed && "Saved"} />
    </SubmitForm>
  );
}
