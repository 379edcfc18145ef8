// A type's public form (admins): publish it at /forms/<slug>, with an introduction, the
// fields it shows (none chosen: every field requesters may fill) and its hourly limits.
// The server checks the settings (a hidden required field without a default is refused)
// and its 422 lands on the inputs.
import { useState } from "react";
import { Anchor, Button, Group, MultiSelect, NumberInput, Paper, Stack, Switch, Text, Textarea, TextInput, Title } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, ApiError, unwrap, unwrapOrNull, type Schemas } from "../../../api/client";
import type { TypeDetail } from "../../../api/queries";
import { ErrorAlert } from "../../../components/Errors";
import { coreErrorsByField } from "../../../lib/form";

type Settings = Schemas["PublicFormSettingsOut"];

function Editor({ type, saved }: { type: TypeDetail; saved: Settings | null }) {
  const client = useQueryClient();
  const [slug, setSlug] = useState(saved?.slug ?? type.slug);
  const [published, setPublished] = useState(saved?.published ?? false);
  const [intro, setIntro] = useState(saved?.intro ?? "");
  const [fields, setFields] = useState<string[]>(saved?.fields ?? []);
  const [perAddress, setPerAddress] = useState<number | string>(saved?.per_address_per_hour ?? 20);
  const [perEmail, setPerEmail] = useState<number | string>(saved?.per_email_per_hour ?? 5);
  const save = useMutation({
    mutationFn: () =>
      unwrap(
        api.PUT("/types/{slug}/public-form", {
          params: { path: { slug: type.slug } },
          body: {
            slug: slug.trim(),
            published,
            intro: intro.trim() || null,
            fields: fields.length > 0 ? fields : null,
            per_address_per_hour: Number(perAddress) || null,
            per_email_per_hour: Number(perEmail) || null,
          },
        }),
      ),
    onSuccess: (next) => client.setQueryData(["types", "public-form", type.slug], next),
  });
  const errors = save.error instanceof ApiError ? coreErrorsByField(save.error.fieldErrors) : {};
  return (
    <Stack gap="sm">
      <Group align="flex-end">
        <TextInput label="Address" leftSection="/forms/" leftSectionWidth={64} value={slug} onChange={(e) => setSlug(e.currentTarget.value)} error={errors.slug} />
        <Switch label="Published" checked={published} onChange={(e) => setPublished(e.currentTarget.checked)} />
        {saved?.published && (
          <Anchor href={`/forms/${saved.slug}`} target="_blank" size="sm">
            Open the form
          </Anchor>
        )}
      </Group>
      <Textarea label="Introduction" autosize minRows={2} value={intro} onChange={(e) => setIntro(e.currentTarget.value)} error={errors.intro} />
      <MultiSelect
        label="Fields shown"
        description="None chosen: every field requesters may fill."
        data={type.fields.map((f) => ({ value: f.name, label: f.title ?? f.name }))}
        value={fields}
        onChange={setFields}
        error={errors.fields}
      />
      <Group grow>
        <NumberInput label="Tickets per address an hour" min={1} value={perAddress} onChange={setPerAddress} error={errors.per_address_per_hour} />
        <NumberInput label="Tickets per email an hour" min={1} value={perEmail} onChange={setPerEmail} error={errors.per_email_per_hour} />
      </Group>
      <ErrorAlert error={save.error} title="The form was not saved" />
      <Group>
        <Button loading={save.isPending} onClick={() => save.mutate()}>
          Save form
        </Button>
        {save.isSuccess && <Text size="sm" c="green">Saved</Text>}
      </Group>
    </Stack>
  );
}

export function PublicFormSettings({ type }: { type: TypeDetail }) {
  const settings = useQuery({
    queryKey: ["types", "public-form", type.slug],
    queryFn: () => unwrapOrNull(api.GET("/types/{slug}/public-form", { params: { path: { slug: type.slug } } })),
  });
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="public-form-heading">
      <Title order={3} id="public-form-heading" mb="sm">
        Public form
      </Title>
      <ErrorAlert error={settings.error} title="Could not load the form settings" />
      {settings.isSuccess && <Editor key={type.slug} type={type} saved={settings.data} />}
    </Paper>
  );
}
