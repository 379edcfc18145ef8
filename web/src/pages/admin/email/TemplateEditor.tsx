// One email template's editor: subject, plain text and HTML (monospace), the names it may
// use (a click inserts one where the cursor was), a preview rendered by the server with
// example values (the HTML in a sandboxed frame, never in this page), save and reset.
// A wording the server refuses is shown at its part, with its line and column.
import { useRef, useState, type ChangeEvent } from "react";
import { Badge, Button, Group, Paper, ScrollArea, Stack, Table, Text, TextInput, Textarea, Title, Tooltip, UnstyledButton } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, unwrap, type EmailTemplate, type EmailTemplates, type Schemas } from "../../../api/client";
import { keys } from "../../../api/keys";
import { ConfirmButton } from "../../../components/ConfirmButton";
import { ErrorAlert } from "../../../components/Errors";
import { fieldErrorsOf, unplacedError } from "../../../lib/fieldErrors";
import { formatWhen } from "../people/when";
import { draftOf, insertAt, isDirty, placeholder, type TemplateDraft, type TemplatePart } from "./emailDraft";

type Variable = Schemas["TemplateVariable"];
type Preview = Schemas["EmailPreviewOut"];
type Field = HTMLInputElement | HTMLTextAreaElement;

const PARTS = (p: string) => p === "/subject" || p === "/text" || p === "/html";

interface Props {
  template: EmailTemplate;
  variables: Variable[];
  /** Told whenever the draft starts or stops differing from what is stored. */
  onDirtyChange(dirty: boolean): void;
}

export function TemplateEditor({ template, variables, onDirtyChange }: Props) {
  const client = useQueryClient();
  const [draft, setDraftState] = useState<TemplateDraft>(() => draftOf(template));
  // The last refusal, and of what (a preview and a save are checked alike).
  const [failed, setFailed] = useState<{ what: "save" | "preview"; error: unknown } | null>(null);
  const [preview, setPreview] = useState<Preview | null>(null);
  const fields = { subject: useRef<HTMLInputElement>(null), text: useRef<HTMLTextAreaElement>(null), html: useRef<HTMLTextAreaElement>(null) };
  const lastPart = useRef<TemplatePart>("text");
  const name = template.name;
  const path = { params: { path: { name } } };

  const setDraft = (next: TemplateDraft, against: EmailTemplate = template) => {
    setDraftState(next);
    onDirtyChange(isDirty(next, against));
  };
  const stored = (saved: EmailTemplate) => {
    client.setQueryData<EmailTemplates>(keys.emailTemplates, (old) =>
      old ? { ...old, templates: old.templates.map((t) => (t.name === saved.name ? saved : t)) } : old,
    );
    setDraft(draftOf(saved), saved);
  };

  const runPreview = useMutation({
    mutationFn: () => unwrap(api.POST("/email/templates/{name}/preview", { ...path, body: draft })),
    onMutate: () => setFailed(null),
    onSuccess: setPreview,
    onError: (error) => {
      setFailed({ what: "preview", error });
      setPreview(null);
    },
  });
  const save = useMutation({
    mutationFn: () => unwrap(api.PUT("/email/templates/{name}", { ...path, body: draft })),
    onMutate: () => setFailed(null),
    onSuccess: stored,
    onError: (error) => setFailed({ what: "save", error }),
  });
  const reset = async () => {
    const out = await unwrap(api.DELETE("/email/templates/{name}", path));
    setFailed(null);
    setPreview(null);
    stored(out);
  };

  const errors = fieldErrorsOf(failed?.error);
  const change = (part: TemplatePart) => (e: ChangeEvent<Field>) => setDraft({ ...draft, [part]: e.currentTarget.value });
  const focus = (part: TemplatePart) => () => {
    lastPart.current = part;
  };
  const insert = (variable: string) => {
    const part = lastPart.current;
    const el = fields[part].current;
    const out = insertAt(draft[part], placeholder(variable), el?.selectionStart, el?.selectionEnd);
    setDraft({ ...draft, [part]: out.value });
    // Back to the field, the cursor after what was inserted (once React has the new value).
    window.setTimeout(() => {
      el?.focus();
      el?.setSelectionRange(out.cursor, out.cursor);
    }, 0);
  };
  const dirty = isDirty(draft, template);

  return (
    <Stack gap="sm" component="section" aria-label={`Template ${name}`}>
      <Group justify="space-between" align="flex-start">
        <div>
          <Group gap="xs">
            <Title order={5} ff="monospace">
              {name}
            </Title>
            {template.customised ? (
              <Badge color="blue" variant="light">
                customised
              </Badge>
            ) : (
              <Badge color="gray" variant="light">
                default
              </Badge>
            )}
            {dirty ? (
              <Badge color="orange" variant="light">
                unsaved changes
              </Badge>
            ) : null}
          </Group>
          <Text size="sm" c="dimmed">
            {template.description}
          </Text>
          {template.customised && template.updated_at ? (
            <Text size="xs" c="dimmed">
              Changed by {template.updated_by ?? "unknown"} at {formatWhen(template.updated_at)}
            </Text>
          ) : null}
        </div>
        {template.customised ? (
          <ConfirmButton
            label="Reset to default"
            title={`Reset ${name} to its default?`}
            message="The shipped wording comes back; this template's changes are lost."
            confirmLabel="Reset"
            onConfirm={reset}
          />
        ) : null}
      </Group>
      {failed ? <ErrorAlert error={unplacedError(failed.error, PARTS)} title={failed.what === "save" ? "Not saved" : "No preview"} /> : null}
      <Group align="flex-start" grow wrap="nowrap">
        <Stack gap="sm" style={{ flex: 3 }}>
          <TextInput
            ref={fields.subject}
            label="Subject"
            styles={{ input: { fontFamily: "var(--mantine-font-family-monospace)" } }}
            value={draft.subject}
            error={errors["/subject"]}
            onChange={change("subject")}
            onFocus={focus("subject")}
          />
          <Textarea
            ref={fields.text}
            label="Plain text"
            autosize
            minRows={8}
            maxRows={20}
            styles={{ input: { fontFamily: "var(--mantine-font-family-monospace)" } }}
            value={draft.text}
            error={errors["/text"]}
            onChange={change("text")}
            onFocus={focus("text")}
          />
          <Textarea
            ref={fields.html}
            label="HTML"
            autosize
            minRows={8}
            maxRows={20}
            styles={{ input: { fontFamily: "var(--mantine-font-family-monospace)" } }}
            value={draft.html}
            error={errors["/html"]}
            onChange={change("html")}
            onFocus={focus("html")}
          />
          <Group>
            <Button variant="default" onClick={() => runPreview.mutate()} loading={runPreview.isPending}>
              Preview
            </Button>
            <Button onClick={() => save.mutate()} loading={save.isPending} disabled={!dirty}>
              Save template
            </Button>
          </Group>
        </Stack>
        <Stack gap={4} style={{ flex: 2 }} component="section" aria-label="Variables">
          <Text size="sm" fw={500}>
            Variables
          </Text>
          <Text size="xs" c="dimmed">
            Click one to insert it where the cursor was. {"{{#name}}…{{/name}}"} shows its content when the value is not
            empty, {"{{^name}}…{{/name}}"} when it is.
          </Text>
          <ScrollArea.Autosize mah={460}>
            <Table verticalSpacing={4}>
              <Table.Tbody>
                {variables.map((v) => (
                  <Table.Tr key={v.name}>
                    <Table.Td>
                      <Tooltip label={`Insert ${placeholder(v.name)}`}>
                        <UnstyledButton
                          aria-label={`Insert ${v.name}`}
                          onMouseDown={(e) => e.preventDefault() /* keep the field's selection */}
                          onClick={() => insert(v.name)}
                        >
                          <Text size="xs" ff="monospace" c="blue">
                            {v.name}
                          </Text>
                        </UnstyledButton>
                      </Tooltip>
                    </Table.Td>
                    <Table.Td>
                      <Text size="xs">{v.description}</Text>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </ScrollArea.Autosize>
        </Stack>
      </Group>
      {preview ? (
        <Paper withBorder p="sm" component="section" aria-label="Preview">
          <Stack gap="xs">
            <Text size="sm" fw={500}>
              Preview, with example values
            </Text>
            <Text size="sm">
              <Text span fw={500}>
                Subject:{" "}
              </Text>
              <span data-testid="preview-subject">{preview.subject}</span>
            </Text>
            <Text size="sm" fw={500}>
              Plain text
            </Text>
            <pre aria-label="Plain-text preview" style={{ whiteSpace: "pre-wrap", margin: 0, fontSize: 13 }}>
              {preview.text}
            </pre>
            <Text size="sm" fw={500}>
              HTML
            </Text>
            {/* sandbox="" : no scripts, no forms, no same-origin access; the HTML never enters this page. */}
            <iframe
              title="HTML preview"
              sandbox=""
              srcDoc={preview.html}
              style={{ width: "100%", height: 360, border: "1px solid var(--mantine-color-default-border)", background: "white" }}
            />
          </Stack>
        </Paper>
      ) : null}
    </Stack>
  );
}
