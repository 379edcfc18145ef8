// Step two of a new ticket: the core inputs and the type's generated form. Both check
// as the user types; the server's 422 puts each error on its input and keeps all of
// them; a created ticket opens with a notification.
import { useRef, useState } from "react";
import { Anchor, Button, Center, Group, Loader, Paper, Select, Stack, TagsInput, Text, Textarea, TextInput, Title } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useMutation } from "@tanstack/react-query";
import { Link, useNavigate } from "react-router";
import { api, ApiError, unwrap, type Schemas } from "../../api/client";
import { keys } from "../../api/keys";
import { useInvalidate } from "../../api/useInvalidate";
import { ErrorAlert, NotFound } from "../../components/Errors";
import { SubmitForm } from "../../components/SubmitForm";
import { TypeFieldsForm, type TypeFieldsFormHandle } from "../../components/TypeFieldsForm";
import { coreErrorsByField, dropErrorsOfChangedFields, extraErrorsFromProblem, type JsonObject } from "../../lib/form";
import { useTypeDetail, type TypeDetail } from "../../api/queries";
import { PRIORITIES } from "../../lib/filters";
import { ticketPath } from "../../lib/ticketPath";
import { createBody, newIdempotencyKey, validateCore, type CoreValues } from "./newTicketLogic";

function Form({ type }: { type: TypeDetail }) {
  const navigate = useNavigate();
  const invalidateLists = useInvalidate([...keys.tickets, "list"]);
  // One key per ticket this form creates: a retried submit cannot make a second one.
  const [idempotencyKey, setIdempotencyKey] = useState(newIdempotencyKey);
  const formRef = useRef<TypeFieldsFormHandle>(null);
  const [core, setCore] = useState<CoreValues>({
    title: "",
    body: "",
    priority: type.default_priority,
    requesterEmail: "",
    requesterName: "",
    tags: [],
  });
  const [fields, setFields] = useState<JsonObject>({});
  // Inputs the user has left or tried to submit: their errors show from then on.
  const [touched, setTouched] = useState<Set<string>>(new Set());
  const [serverCore, setServerCore] = useState<Record<string, string>>({});
  const [serverFields, setServerFields] = useState({});

  const create = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST("/tickets", {
          params: { header: { "Idempotency-Key": idempotencyKey } },
          body: createBody(type.slug, core, fields),
        }),
      ),
    onSuccess: (ticket) => {
      setIdempotencyKey(newIdempotencyKey());
      void invalidateLists();
      notifications.show({ title: `${ticket.key} created`, message: ticket.title, color: "green" });
      navigate(ticketPath(ticket.key));
    },
    onError: (e) => {
      if (e instanceof ApiError) {
        setServerCore(coreErrorsByField(e.fieldErrors));
        setServerFields(extraErrorsFromProblem(e.fieldErrors));
      }
    },
  });

  const clientErrors = validateCore(core);
  const errorOf = (name: string, ...serverKeys: string[]) =>
    (touched.has(name) ? clientErrors[name] : undefined) ??
    [name, ...serverKeys].map((k) => serverCore[k]).find(Boolean);

  const set = <K extends keyof CoreValues>(name: K, serverKey: string) => (value: CoreValues[K]) => {
    setCore((c) => ({ ...c, [name]: value }));
    setTouched((t) => new Set(t).add(serverKey));
    // The server's word on this input no longer holds once it is changed.
    setServerCore(({ [serverKey]: _gone, ...rest }) => rest);
  };
  const touch = (name: string) => () => setTouched((t) => new Set(t).add(name));

  const submit = () => {
    setTouched(new Set(["title", "requester/email", "tags"]));
    const fieldsOk = formRef.current ? formRef.current.validateForm() : true;
    if (Object.keys(clientErrors).length > 0 || !fieldsOk) return;
    create.mutate();
  };

  const hasFields = Object.keys((type.schema as { properties?: object }).properties ?? {}).length > 0;
  const otherError =
    create.error instanceof ApiError && create.error.fieldErrors.length > 0 ? null : create.error;

  return (
    <Stack gap="md" maw={860}>
      <Group justify="space-between">
        <Title order={2}>New {type.name} ticket</Title>
        <Anchor component={Link} to="/new" size="sm">
          Choose another type
        </Anchor>
      </Group>
      {type.description && (
        <Text c="dimmed" size="sm">
          {type.description}
        </Text>
      )}
      <SubmitForm onSubmit={submit}>
        <Stack gap="md">
          <Paper withBorder p="md">
            <Stack gap="sm">
              <TextInput
                label="Title"
                required
                value={core.title}
                onChange={(e) => set("title", "title")(e.currentTarget.value)}
                onBlur={touch("title")}
                error={errorOf("title")}
              />
              <Textarea
                label="Description"
                description="Markdown works: **bold**, lists, `code`, links."
                autosize
                minRows={4}
                maxRows={16}
                value={core.body}
                onChange={(e) => set("body", "body")(e.currentTarget.value)}
                error={serverCore.body}
              />
              <Group grow align="flex-start">
                <Select
                  label="Priority"
                  data={[...PRIORITIES]}
                  value={core.priority}
                  onChange={(v) => set("priority", "priority")(v as Schemas["Priority"] | null)}
                  allowDeselect={false}
                  error={serverCore.priority}
                />
                <TextInput
                  label="Requester email"
                  type="email"
                  value={core.requesterEmail}
                  onChange={(e) => set("requesterEmail", "requester/email")(e.currentTarget.value)}
                  onBlur={touch("requester/email")}
                  error={errorOf("requester/email", "requester", "requester/id", "requester/organization")}
                />
                <TextInput
                  label="Requester name"
                  value={core.requesterName}
                  onChange={(e) => set("requesterName", "requester/name")(e.currentTarget.value)}
                  error={serverCore["requester/name"]}
                />
              </Group>
              <TagsInput
                label="Tags"
                value={core.tags}
                onChange={(tags) => set("tags", "tags")(tags)}
                error={errorOf("tags")}
              />
            </Stack>
          </Paper>
          {hasFields && (
            <Paper withBorder p="md" component="section" aria-labelledby="new-fields-heading">
              <Title order={3} id="new-fields-heading" mb="sm">
                {type.name} details
              </Title>
              <TypeFieldsForm
                schema={type.schema as JsonObject}
                hints={type.ui as JsonObject}
                formData={fields}
                onChange={(next) => {
                  setServerFields((errs) => dropErrorsOfChangedFields(errs, fields, next));
                  setFields(next);
                }}
                extraErrors={serverFields}
                idPrefix="new-fields"
                formRef={formRef}
              />
            </Paper>
          )}
          {create.error instanceof ApiError && create.error.fieldErrors.length > 0 && (
            <Text c="red" size="sm" role="alert">
              The ticket was not created: fix the fields marked in red.
            </Text>
          )}
          <ErrorAlert error={otherError} title="The ticket was not created" />
          <Group>
            <Button type="submit" loading={create.isPending}>
              Create ticket
            </Button>
          </Group>
        </Stack>
      </SubmitForm>
    </Stack>
  );
}

export function NewTicketForm({ slug }: { slug: string }) {
  const type = useTypeDetail(slug);
  if (type.isPending) {
    return (
      <Center h="30vh">
        <Loader />
      </Center>
    );
  }
  if (type.error instanceof ApiError && type.error.status === 404) return <NotFound />;
  if (type.error || !type.data) return <ErrorAlert error={type.error} title="Could not load the type" />;
  // A new form per type, so nothing typed for one type leaks into another's.
  return <Form key={type.data.slug} type={type.data} />;
}
