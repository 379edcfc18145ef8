// Admin → Email: the SMTP relay (settings, the write-only password, a test message) and
// the templates of what Docket sends (edited, previewed with example values, reset).
import { useState } from "react";
import { Badge, Button, Group, Modal, NavLink, Paper, Stack, Text, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { api, unwrap } from "../../../api/client";
import { keys } from "../../../api/keys";
import { ErrorAlert } from "../../../components/Errors";
import { PageHeader } from "../../../components/PageHeader";
import { EmailSettingsCard } from "./EmailSettingsCard";
import { TemplateEditor } from "./TemplateEditor";

export default function EmailPage() {
  return (
    <Stack>
      <PageHeader title="Email" />
      <Text size="sm" c="dimmed">
        Docket sends email through an SMTP relay: acknowledgements and replies to requesters, and notifications to staff.
        While the relay cannot be reached, messages wait in the delivery log.
      </Text>
      <EmailSettingsCard />
      <TemplatesCard />
    </Stack>
  );
}

function TemplatesCard() {
  const list = useQuery({ queryKey: keys.emailTemplates, queryFn: () => unwrap(api.GET("/email/templates")) });
  const [selected, setSelected] = useState<string | null>(null);
  const [dirty, setDirty] = useState(false);
  // A template asked for while the open one has unsaved changes.
  const [pending, setPending] = useState<string | null>(null);

  const open = (name: string) => {
    if (name === selected) return;
    if (dirty) setPending(name);
    else setSelected(name);
  };
  const discard = () => {
    setDirty(false);
    setSelected(pending);
    setPending(null);
  };
  const templates = list.data?.templates ?? [];
  const current = templates.find((t) => t.name === selected);

  return (
    <Paper withBorder p="md" component="section" aria-label="Email templates">
      <Stack gap="sm">
        <Title order={4}>Templates</Title>
        <ErrorAlert error={list.error} />
        <Group align="flex-start" wrap="nowrap">
          <Stack gap={0} w={300} style={{ flexShrink: 0 }}>
            {templates.map((t) => (
              <NavLink
                key={t.name}
                component="button"
                active={t.name === selected}
                aria-label={t.name}
                aria-current={t.name === selected ? "true" : undefined}
                onClick={() => open(t.name)}
                label={
                  <Group gap={6} wrap="nowrap">
                    <Text size="sm" ff="monospace">
                      {t.name}
                    </Text>
                    {t.customised ? (
                      <Badge size="xs" color="blue" variant="light">
                        customised
                      </Badge>
                    ) : null}
                  </Group>
                }
                description={t.description}
              />
            ))}
          </Stack>
          <div style={{ flex: 1, minWidth: 0 }}>
            {current ? (
              <TemplateEditor key={current.name} template={current} variables={list.data?.variables ?? []} onDirtyChange={setDirty} />
            ) : (
              <Text c="dimmed" size="sm">
                Choose a template to edit its wording.
              </Text>
            )}
          </div>
        </Group>
      </Stack>
      <Modal opened={pending !== null} onClose={() => setPending(null)} title="Discard unsaved changes?">
        <Stack>
          <Text size="sm">
            {selected} has changes that are not saved. Open {pending} and lose them?
          </Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setPending(null)}>
              Keep editing
            </Button>
            <Button color="red" onClick={discard}>
              Discard changes
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Paper>
  );
}
