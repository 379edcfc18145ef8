// A mailbox's form: where mail is fetched (IMAP server, account, folder), what it opens
// (ticket type, priority, field values the type requires) and the sender limit. The
// password is write-only: required to create, left empty on edit to keep the stored one.
import { useState } from "react";
import { Checkbox, Group, NumberInput, PasswordInput, Select, Stack, Textarea, TextInput } from "@mantine/core";
import { useMutation } from "@tanstack/react-query";
import { api, unwrap, type Mailbox, type MailboxInput } from "../../../api/client";
import { keys } from "../../../api/keys";
import { useTypes } from "../../../api/queries";
import { useInvalidate } from "../../../api/useInvalidate";
import { ErrorAlert } from "../../../components/Errors";
import { FormActions } from "../../../components/FormActions";
import { SubmitForm } from "../../../components/SubmitForm";
import { fieldErrorsOf, unplacedError } from "../../../lib/fieldErrors";

interface Props {
  /** The mailbox edited; absent for a new one. */
  mailbox?: Mailbox;
  onDone(): void;
  onCancel(): void;
}

const PLACED_FIELDS = [
  "/name",
  "/address",
  "/ticket_type",
  "/imap_host",
  "/imap_port",
  "/imap_username",
  "/imap_password",
  "/folder",
  "/move_to",
  "/poll_seconds",
];
const PLACED = (p: string) => PLACED_FIELDS.includes(p) || p.startsWith("/fields");

const SECURITY = [
  { value: "tls", label: "TLS (port 993)" },
  { value: "starttls", label: "STARTTLS (port 143)" },
  { value: "none", label: "None (same host only)" },
];

/** The field values as JSON text; an error when it is not a JSON object. */
export function parseFields(text: string): { fields?: Record<string, unknown>; error?: string } {
  if (!text.trim()) return { fields: {} };
  try {
    const value: unknown = JSON.parse(text);
    if (value && typeof value === "object" && !Array.isArray(value)) return { fields: value as Record<string, unknown> };
  } catch {
    // Reported below, as for any other text.
  }
  return { error: 'a JSON object, such as {"category": "other"}' };
}

export function MailboxForm({ mailbox, onDone, onCancel }: Props) {
  const refresh = useInvalidate(keys.mailboxes);
  const types = useTypes();
  const [name, setName] = useState(mailbox?.name ?? "");
  const [address, setAddress] = useState(mailbox?.address ?? "");
  const [ticketType, setTicketType] = useState<string | null>(mailbox?.ticket_type ?? null);
  const [priority, setPriority] = useState<string | null>(mailbox?.default_priority ?? null);
  const [fieldsText, setFieldsText] = useState(mailbox ? JSON.stringify(mailbox.fields) : "{}");
  const [host, setHost] = useState(mailbox?.imap_host ?? "");
  const [port, setPort] = useState<number>(mailbox?.imap_port ?? 993);
  const [security, setSecurity] = useState<string>(mailbox?.imap_security ?? "tls");
  const [username, setUsername] = useState(mailbox?.imap_username ?? "");
  const [password, setPassword] = useState("");
  const [folder, setFolder] = useState(mailbox?.folder ?? "INBOX");
  const [moveTo, setMoveTo] = useState(mailbox?.move_to ?? "");
  const [useIdle, setUseIdle] = useState(mailbox?.use_idle ?? true);
  const [pollSeconds, setPollSeconds] = useState<number>(mailbox?.poll_seconds ?? 60);
  const [limit, setLimit] = useState<number>(mailbox?.sender_hourly_limit ?? 10);
  const [enabled, setEnabled] = useState(mailbox?.enabled ?? true);
  const parsed = parseFields(fieldsText);

  const save = useMutation({
    mutationFn: async () => {
      const body: MailboxInput = {
        name: name.trim(),
        address: address.trim(),
        ticket_type: ticketType ?? "",
        default_priority: (priority as MailboxInput["default_priority"]) ?? null,
        fields: (parsed.fields ?? {}) as MailboxInput["fields"],
        imap_host: host.trim(),
        imap_port: port,
        imap_security: security as MailboxInput["imap_security"],
        imap_username: username.trim(),
        folder: folder.trim(),
        move_to: moveTo.trim() ? moveTo.trim() : null,
        use_idle: useIdle,
        poll_seconds: pollSeconds,
        sender_hourly_limit: limit,
        enabled,
      };
      // Write-only: sent only when typed, so an edit keeps the stored one.
      if (password) body.imap_password = password;
      if (mailbox) {
        await unwrap(api.PUT("/mailboxes/{id}", { params: { path: { id: mailbox.id } }, body }));
      } else {
        await unwrap(api.POST("/mailboxes", { body }));
      }
    },
    onSuccess: async () => {
      await refresh();
      onDone();
    },
  });
  const errors = fieldErrorsOf(save.error);
  const fieldsError =
    parsed.error ??
    Object.entries(errors)
      .filter(([p]) => p.startsWith("/fields"))
      .map(([p, m]) => `${p.slice("/fields/".length) || "fields"}: ${m}`)
      .join("; ");

  return (
    <SubmitForm onSubmit={() => !parsed.error && save.mutate()}>
      <Stack>
        {save.error && <ErrorAlert error={unplacedError(save.error, PLACED)} title={mailbox ? "Not saved" : "The mailbox was not created"} />}
        <TextInput
          label="Name"
          description="Lower-case letters, digits, - and _ (docket mail pipe --mailbox NAME)"
          required
          value={name}
          error={errors["/name"]}
          onChange={(e) => setName(e.currentTarget.value)}
        />
        <TextInput
          label="Address"
          description="The address customers write to"
          placeholder="support@example.com"
          required
          value={address}
          error={errors["/address"]}
          onChange={(e) => setAddress(e.currentTarget.value)}
        />
        <Group grow>
          <Select
            label="Ticket type"
            required
            data={(types.data ?? []).map((t) => ({ value: t.slug, label: t.name }))}
            value={ticketType}
            onChange={setTicketType}
            error={errors["/ticket_type"]}
          />
          <Select
            label="Priority"
            placeholder="The type's default"
            data={["P0", "P1", "P2", "P3"]}
            value={priority}
            onChange={setPriority}
            clearable
          />
        </Group>
        <Textarea
          label="Field values"
          description="JSON: values of the type's required fields that mail cannot fill"
          autosize
          minRows={2}
          ff="monospace"
          value={fieldsText}
          error={fieldsError || undefined}
          onChange={(e) => setFieldsText(e.currentTarget.value)}
        />
        <Group grow align="flex-start">
          <TextInput label="IMAP server" required value={host} error={errors["/imap_host"]} onChange={(e) => setHost(e.currentTarget.value)} />
          <NumberInput label="Port" required min={1} max={65535} value={port} error={errors["/imap_port"]} onChange={(v) => setPort(Number(v) || 0)} />
          <Select label="Security" data={SECURITY} value={security} onChange={(v) => setSecurity(v ?? "tls")} allowDeselect={false} />
        </Group>
        <Group grow align="flex-start">
          <TextInput label="Username" required value={username} error={errors["/imap_username"]} onChange={(e) => setUsername(e.currentTarget.value)} />
          <PasswordInput
            label="Password"
            required={!mailbox}
            placeholder={mailbox ? "Unchanged" : undefined}
            description={mailbox ? "Leave empty to keep the stored password" : "Stored sealed; never shown again"}
            value={password}
            error={errors["/imap_password"]}
            onChange={(e) => setPassword(e.currentTarget.value)}
          />
        </Group>
        <Group grow align="flex-start">
          <TextInput label="Folder" value={folder} error={errors["/folder"]} onChange={(e) => setFolder(e.currentTarget.value)} />
          <TextInput
            label="Move processed mail to"
            description="Empty: mark it read instead"
            value={moveTo}
            error={errors["/move_to"]}
            onChange={(e) => setMoveTo(e.currentTarget.value)}
          />
        </Group>
        <Group grow align="flex-start">
          <NumberInput
            label="Poll every (seconds)"
            description="Without IDLE"
            min={10}
            max={3600}
            value={pollSeconds}
            error={errors["/poll_seconds"]}
            onChange={(v) => setPollSeconds(Number(v) || 0)}
          />
          <NumberInput
            label="New tickets per sender per hour"
            description="0: no limit"
            min={0}
            value={limit}
            onChange={(v) => setLimit(Number(v) || 0)}
          />
        </Group>
        <Checkbox label="Use IDLE when the server offers it (new mail at once)" checked={useIdle} onChange={(e) => setUseIdle(e.currentTarget.checked)} />
        <Checkbox label="Enabled" checked={enabled} onChange={(e) => setEnabled(e.currentTarget.checked)} />
        <FormActions submitLabel={mailbox ? "Save mailbox" : "Create mailbox"} pending={save.isPending} onCancel={onCancel} />
      </Stack>
    </SubmitForm>
  );
}
