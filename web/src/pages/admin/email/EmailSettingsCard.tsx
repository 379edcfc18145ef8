// The relay's settings: the form (saved as one document), the password (write-only: the
// page only ever knows whether one is set) and a test message with the saved settings.
import { useEffect, useState } from "react";
import { Alert, Badge, Button, Group, NumberInput, Paper, PasswordInput, Select, Stack, Switch, Text, TextInput, Title } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap, type EmailSettings, type EmailSettingsOut, type Me } from "../../../api/client";
import { keys } from "../../../api/keys";
import { ME_KEY } from "../../../auth";
import { ErrorAlert } from "../../../components/Errors";
import { SubmitForm } from "../../../components/SubmitForm";
import { fieldErrorsOf, unplacedError } from "../../../lib/fieldErrors";
import { formatWhen } from "../people/when";
import { SECURITY_OPTIONS, SETTINGS_FIELDS, settingsBody, type SmtpSecurity } from "./emailDraft";

const PLACED = (p: string) => (SETTINGS_FIELDS as readonly string[]).includes(p);

export function EmailSettingsCard() {
  const client = useQueryClient();
  const stored = useQuery({ queryKey: keys.emailSettings, queryFn: () => unwrap(api.GET("/email/settings")) });
  const [draft, setDraft] = useState<EmailSettings | null>(null);
  useEffect(() => {
    if (stored.data && !draft) setDraft(stored.data.settings);
  }, [stored.data, draft]);
  const keep = (out: EmailSettingsOut) => client.setQueryData(keys.emailSettings, out);

  const save = useMutation({
    mutationFn: () => unwrap(api.PUT("/email/settings", { body: settingsBody(draft!) })),
    onSuccess: (out) => {
      keep(out);
      setDraft(out.settings);
    },
  });
  const errors = fieldErrorsOf(save.error);

  if (!draft) {
    return (
      <Paper withBorder p="md" component="section" aria-label="Email settings">
        <Title order={4}>Settings</Title>
        {stored.error ? <ErrorAlert error={stored.error} /> : <Text c="dimmed">Loading…</Text>}
      </Paper>
    );
  }
  const set = (patch: Partial<EmailSettings>) => setDraft({ ...draft, ...patch });
  const info = stored.data;

  return (
    <Paper withBorder p="md" component="section" aria-label="Email settings">
      <Stack gap="md">
        <Group justify="space-between">
          <Title order={4}>Settings</Title>
          <Badge color={info?.settings.enabled ? "green" : "gray"} variant="light">
            {info?.settings.enabled ? "email on" : "email off"}
          </Badge>
        </Group>
        <SubmitForm onSubmit={() => save.mutate()}>
          <Stack gap="sm">
            {save.error ? <ErrorAlert error={unplacedError(save.error, PLACED)} title="Not saved" /> : null}
            <Switch
              label="Email enabled"
              description="Turned on, email is queued for requesters (acknowledgements, replies) and for staff (by their notification preferences)."
              checked={draft.enabled}
              error={errors["/enabled"]}
              onChange={(e) => set({ enabled: e.currentTarget.checked })}
            />
            <Group grow align="flex-start">
              <TextInput
                label="SMTP host"
                placeholder="smtp.example.com"
                value={draft.smtp_host}
                error={errors["/smtp_host"]}
                onChange={(e) => set({ smtp_host: e.currentTarget.value })}
              />
              <NumberInput
                label="Port"
                min={1}
                max={65535}
                allowDecimal={false}
                value={draft.smtp_port}
                error={errors["/smtp_port"]}
                onChange={(v) => set({ smtp_port: typeof v === "number" ? v : Number(v) || 0 })}
              />
              <Select
                label="Security"
                data={SECURITY_OPTIONS}
                allowDeselect={false}
                value={draft.smtp_security}
                error={errors["/smtp_security"]}
                onChange={(v) => set({ smtp_security: (v ?? "starttls") as SmtpSecurity })}
              />
            </Group>
            <TextInput
              label="Username"
              description="Login name at the relay; empty for a relay that needs no login"
              autoComplete="off"
              value={draft.smtp_username ?? ""}
              error={errors["/smtp_username"]}
              onChange={(e) => set({ smtp_username: e.currentTarget.value })}
            />
            <Group grow align="flex-start">
              <TextInput
                label="From address"
                description="The sender of every email; its domain ends every Message-ID"
                placeholder="support@example.com"
                value={draft.from_address}
                error={errors["/from_address"]}
                onChange={(e) => set({ from_address: e.currentTarget.value })}
              />
              <TextInput
                label="From name"
                description="The sender's display name"
                placeholder="Example Support"
                value={draft.from_name}
                error={errors["/from_name"]}
                onChange={(e) => set({ from_name: e.currentTarget.value })}
              />
            </Group>
            <Group grow align="flex-start">
              <TextInput
                label="Reply-To"
                description="Where answers go when a ticket type has no mailbox; empty for the sender"
                value={draft.reply_to ?? ""}
                error={errors["/reply_to"]}
                onChange={(e) => set({ reply_to: e.currentTarget.value })}
              />
              <TextInput
                label="Public URL"
                description="The web workspace's address for links in mail; empty for no links"
                placeholder="https://help.example.com"
                value={draft.public_url ?? ""}
                error={errors["/public_url"]}
                onChange={(e) => set({ public_url: e.currentTarget.value })}
              />
            </Group>
            <Group justify="space-between">
              <Text size="xs" c="dimmed" aria-label="Last updated">
                {info?.updated_at ? `Last updated by ${info.updated_by ?? "unknown"} at ${formatWhen(info.updated_at)}` : "Never saved"}
              </Text>
              <Button type="submit" loading={save.isPending}>
                Save settings
              </Button>
            </Group>
          </Stack>
        </SubmitForm>
        <PasswordSection passwordSet={info?.password_set ?? false} onChanged={() => stored.refetch()} />
        <TestSection />
      </Stack>
    </Paper>
  );
}

/** The relay's password: set or cleared, never shown (the API never answers it). */
function PasswordSection({ passwordSet, onChanged }: { passwordSet: boolean; onChanged(): Promise<unknown> }) {
  const [password, setPassword] = useState("");
  const setIt = useMutation({
    mutationFn: () => unwrap(api.PUT("/email/password", { body: { password } })),
    onSuccess: async () => {
      setPassword("");
      await onChanged();
    },
  });
  const clear = useMutation({
    mutationFn: () => unwrap(api.DELETE("/email/password")),
    onSuccess: onChanged,
  });
  const error = setIt.error ?? clear.error;
  const errors = fieldErrorsOf(setIt.error);
  return (
    <Stack gap="xs" component="section" aria-label="SMTP password">
      <Group gap="xs">
        <Text fw={500}>Password</Text>
        <Badge color={passwordSet ? "green" : "gray"} variant="light" aria-label="Password status">
          {passwordSet ? "set" : "not set"}
        </Badge>
      </Group>
      {error && !errors["/password"] ? <ErrorAlert error={unplacedError(error, (p) => p === "/password")} title="Password not changed" /> : null}
      <Group align="flex-end">
        <PasswordInput
          label="New password"
          autoComplete="new-password"
          value={password}
          error={errors["/password"]}
          onChange={(e) => setPassword(e.currentTarget.value)}
          w={320}
        />
        <Button onClick={() => setIt.mutate()} disabled={!password} loading={setIt.isPending}>
          Set password
        </Button>
        <Button variant="default" color="red" onClick={() => clear.mutate()} disabled={!passwordSet} loading={clear.isPending}>
          Clear password
        </Button>
      </Group>
      <Text size="xs" c="dimmed">
        Stored encrypted with the master key; never shown again.
      </Text>
    </Stack>
  );
}

/** One message with the saved settings, to an address or to the signed-in admin. */
function TestSection() {
  const client = useQueryClient();
  const myEmail = client.getQueryData<Me | null>(ME_KEY)?.user.email;
  const [to, setTo] = useState("");
  const test = useMutation({
    mutationFn: () => unwrap(api.POST("/email/test", { body: { to: to.trim() || null } })),
  });
  const errors = fieldErrorsOf(test.error);
  const result = test.data;
  return (
    <Stack gap="xs" component="section" aria-label="Test email">
      <Text fw={500}>Send a test email</Text>
      <Text size="xs" c="dimmed">
        Uses the saved settings (save first), even while email is switched off.
      </Text>
      <Group align="flex-end">
        <TextInput
          label="Send to"
          placeholder={myEmail ?? "your own address"}
          value={to}
          error={errors["/to"]}
          onChange={(e) => setTo(e.currentTarget.value)}
          w={320}
        />
        <Button variant="light" onClick={() => test.mutate()} loading={test.isPending}>
          Send test email
        </Button>
      </Group>
      {test.error && !errors["/to"] ? <ErrorAlert error={test.error} title="Test not sent" /> : null}
      {result && !test.isPending ? (
        result.sent ? (
          <Alert color="green" title="Test email sent" role="status">
            The relay accepted a message to {result.to}.
          </Alert>
        ) : (
          <Alert color="red" title={`Not sent to ${result.to}`} role="alert">
            <Text size="sm" ff="monospace" style={{ whiteSpace: "pre-wrap" }}>
              {result.error ?? "The relay refused the message."}
            </Text>
          </Alert>
        )
      ) : null}
    </Stack>
  );
}
