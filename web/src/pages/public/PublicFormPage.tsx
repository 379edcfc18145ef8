// `/forms/:slug`: a published ticket type as a form anyone may fill in. The type's own
// fields come from its schema through the new-ticket form's renderer; the server's 422
// puts each error on its input; success shows the new ticket's key.
//
// The `homepage` input is the honeypot: hidden from people (and from screen readers and
// the tab order), left empty by them and filled by form-filling bots, whom the server
// answers as if they had succeeded.
import { useRef, useState } from "react";
import { Alert, Button, Center, Loader, Paper, Stack, Text, Textarea, TextInput, Title } from "@mantine/core";
import { useMutation, useQuery } from "@tanstack/react-query";
import { useParams } from "react-router";
import { api, ApiError, unwrap, type Schemas } from "../../api/client";
import { ErrorAlert } from "../../components/Errors";
import { SubmitForm } from "../../components/SubmitForm";
import { TypeFieldsForm, type TypeFieldsFormHandle } from "../../components/TypeFieldsForm";
import { coreErrorsByField, dropErrorsOfChangedFields, extraErrorsFromProblem, type JsonObject } from "../../lib/form";
import { PublicLayout } from "./PublicLayout";

type PublicForm = Schemas["PublicFormOut"];

interface Core {
  name: string;
  email: string;
  title: string;
  body: string;
  homepage: string;
}

/** What the page checks before sending: the server checks again, and more. */
export function validatePublicCore(core: Core): Record<string, string> {
  const errors: Record<string, string> = {};
  if (!core.name.trim()) errors.name = "Your name, please";
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(core.email.trim())) errors.email = "An email address such as ada@example.com";
  if (!core.title.trim()) errors.title = "A short title, please";
  return errors;
}

function Filled({ form }: { form: PublicForm }) {
  const [core, setCore] = useState<Core>({ name: "", email: "", title: "", body: "", homepage: "" });
  const [fields, setFields] = useState<JsonObject>({});
  const [checked, setChecked] = useState(false);
  const [serverCore, setServerCore] = useState<Record<string, string>>({});
  const [serverFields, setServerFields] = useState({});
  const formRef = useRef<TypeFieldsFormHandle>(null);

  const submit = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST("/public/forms/{slug}", {
          params: { path: { slug: form.slug } },
          body: {
            name: core.name.trim(),
            email: core.email.trim(),
            title: core.title.trim(),
            body: core.body,
            // The generated type of a free-form object; the schema checks the values.
            fields: fields as Record<string, never>,
            ...(core.homepage ? { homepage: core.homepage } : {}),
          },
        }),
      ),
    onError: (e) => {
      if (e instanceof ApiError) {
        setServerCore(coreErrorsByField(e.fieldErrors));
        setServerFields(extraErrorsFromProblem(e.fieldErrors));
      }
    },
  });

  if (submit.data) {
    return (
      <Alert color="green" title="Thank you">
        <Text>
          Your request was received as <strong>{submit.data.ticket}</strong>. Quote it when you write to us; we will
          reply by email.
        </Text>
      </Alert>
    );
  }

  const clientErrors = checked ? validatePublicCore(core) : {};
  const errorOf = (name: string) => clientErrors[name] ?? serverCore[name];
  const set = (name: keyof Core) => (value: string) => {
    setCore((c) => ({ ...c, [name]: value }));
    setServerCore(({ [name]: _gone, ...rest }) => rest);
  };
  const send = () => {
    setChecked(true);
    const fieldsOk = formRef.current ? formRef.current.validateForm() : true;
    if (Object.keys(validatePublicCore(core)).length > 0 || !fieldsOk) return;
    submit.mutate();
  };
  const hasFields = Object.keys((form.schema as { properties?: object }).properties ?? {}).length > 0;
  const throttled = submit.error instanceof ApiError && submit.error.status === 429;
  const otherError =
    submit.error instanceof ApiError && (submit.error.fieldErrors.length > 0 || throttled) ? null : submit.error;

  return (
    <SubmitForm onSubmit={send}>
      <Stack gap="md">
        <Paper withBorder p="md">
          <Stack gap="sm">
            <TextInput label="Your name" required value={core.name} onChange={(e) => set("name")(e.currentTarget.value)} error={errorOf("name")} />
            <TextInput
              label="Your email"
              type="email"
              required
              value={core.email}
              onChange={(e) => set("email")(e.currentTarget.value)}
              error={errorOf("email")}
            />
            <TextInput label="Title" required value={core.title} onChange={(e) => set("title")(e.currentTarget.value)} error={errorOf("title")} />
            <Textarea
              label="Description"
              autosize
              minRows={4}
              value={core.body}
              onChange={(e) => set("body")(e.currentTarget.value)}
              error={errorOf("body")}
            />
            <div style={{ position: "absolute", left: "-10000px", width: 1, height: 1, overflow: "hidden" }} aria-hidden="true">
              <label>
                Homepage
                <input
                  name="homepage"
                  tabIndex={-1}
                  autoComplete="off"
                  value={core.homepage}
                  onChange={(e) => set("homepage")(e.currentTarget.value)}
                />
              </label>
            </div>
          </Stack>
        </Paper>
        {hasFields && (
          <Paper withBorder p="md">
            <TypeFieldsForm
              schema={form.schema as JsonObject}
              hints={form.ui as JsonObject}
              formData={fields}
              onChange={(next) => {
                setServerFields((errs) => dropErrorsOfChangedFields(errs, fields, next));
                setFields(next);
              }}
              extraErrors={serverFields}
              idPrefix="public-fields"
              formRef={formRef}
            />
          </Paper>
        )}
        {submit.error instanceof ApiError && submit.error.fieldErrors.length > 0 && (
          <Text c="red" size="sm" role="alert">
            Nothing was sent: fix the fields marked in red.
          </Text>
        )}
        {throttled && (
          <Text c="red" size="sm" role="alert">
            Too many requests were sent from here; please try again later.
          </Text>
        )}
        <ErrorAlert error={otherError} title="Your request was not sent" />
        <Button type="submit" loading={submit.isPending} w="fit-content">
          Send
        </Button>
      </Stack>
    </SubmitForm>
  );
}

export default function PublicFormPage() {
  const { slug = "" } = useParams();
  const form = useQuery({
    queryKey: ["public", "forms", slug],
    queryFn: () => unwrap(api.GET("/public/forms/{slug}", { params: { path: { slug } } })),
    retry: false,
  });
  return (
    <PublicLayout>
      {form.isPending && (
        <Center>
          <Loader />
        </Center>
      )}
      {form.error instanceof ApiError && form.error.status === 404 ? (
        // Not the app's not-found page: its way back leads to the sign-in.
        <Title order={2}>Form not found: it may have been taken down</Title>
      ) : (
        <ErrorAlert error={form.error} title="Could not load the form" />
      )}
      {form.data && (
        <>
          <Title order={2}>{form.data.name}</Title>
          {form.data.intro && <Text style={{ whiteSpace: "pre-wrap" }}>{form.data.intro}</Text>}
          <Filled key={form.data.slug} form={form.data} />
        </>
      )}
    </PublicLayout>
  );
}
