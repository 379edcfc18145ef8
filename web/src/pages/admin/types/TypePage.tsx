// One ticket type (/admin/types/:slug) or a new one (/admin/types/new). File-managed types
// are shown read-only with their file; types made through the UI are edited as YAML or
// field by field, previewed as a plan and applied.
import { Alert, Anchor, Badge, Breadcrumbs, Center, Group, Loader, Stack, Text, Textarea, Title } from "@mantine/core";
import { Link, useNavigate, useParams } from "react-router";
import { keys } from "../../../api/keys";
import { useInvalidate } from "../../../api/useInvalidate";
import { ErrorAlert } from "../../../components/Errors";
import { useTypeDetail, type TypeDetail } from "../../../api/queries";
import { DefinitionEditor } from "./DefinitionEditor";
import { PublicFormSettings } from "./PublicFormSettings";
import { VersionHistory } from "./VersionHistory";
import { isFileManaged, useTypeExport, type TypePlan } from "./typesApi";

/** Where a new type starts: a valid file with a couple of fields to edit. */
export const NEW_TYPE_TEMPLATE = `# A new ticket type. Change the slug, name and key prefix, then add your fields.
slug: facilities
name: Facilities
description: Something in the building needs fixing.
key_prefix: FAC
default_priority: P2
workflow: default
schema:
  type: object
  required: [location]
  properties:
    location:
      title: Location
      description: Building, floor and room.
      type: string
      maxLength: 200
    category:
      title: Category
      type: string
      enum: [cleaning, heating, lighting, plumbing, other]
      x-index: true
ui:
  ui:order: [location, category]
`;

export default function TypePage() {
  const { slug } = useParams();
  return slug ? <ExistingType slug={slug} /> : <NewType />;
}

function Crumbs({ current }: { current: string }) {
  return (
    <Breadcrumbs>
      <Anchor component={Link} to="/admin/types">
        Ticket types
      </Anchor>
      <Text>{current}</Text>
    </Breadcrumbs>
  );
}

function NewType() {
  const navigate = useNavigate();
  const refreshTypes = useInvalidate(keys.types);
  const onApplied = (plan: TypePlan) => {
    void refreshTypes();
    navigate(`/admin/types/${plan.slug}`);
  };
  return (
    <Stack gap="md">
      <Crumbs current="New type" />
      <Title order={2}>New ticket type</Title>
      <Text size="sm" c="dimmed">
        Write the type as a type file (see the admin guide) or switch to the field editor. Preview the plan, then
        apply it to create the type.
      </Text>
      <DefinitionEditor initialYaml={NEW_TYPE_TEMPLATE} storedFields={new Set()} onApplied={onApplied} />
    </Stack>
  );
}

function ExistingType({ slug }: { slug: string }) {
  const detail = useTypeDetail(slug);
  const exported = useTypeExport(slug);
  const refreshTypes = useInvalidate(keys.types);

  if (detail.error) return <ErrorAlert error={detail.error} />;
  if (!detail.data) {
    return (
      <Center h="30vh">
        <Loader />
      </Center>
    );
  }
  const type = detail.data;
  const onApplied = () => {
    // Everything about types (list, this type, its versions, workflow and export).
    void refreshTypes();
  };

  return (
    <Stack gap="md">
      <Crumbs current={type.name} />
      <TypeHeader type={type} />
      <ErrorAlert error={exported.error} />
      {exported.data === undefined ? (
        <Loader size="sm" />
      ) : isFileManaged(type) ? (
        <ReadOnlyDefinition type={type} yaml={exported.data} />
      ) : (
        <DefinitionEditor
          // A fresh editor per type; after an apply the text is what was applied already.
          key={type.slug}
          initialYaml={exported.data}
          storedFields={new Set(type.fields.map((f) => f.name))}
          onApplied={onApplied}
        />
      )}
      <PublicFormSettings type={type} />
      <VersionHistory slug={slug} />
    </Stack>
  );
}

function TypeHeader({ type }: { type: TypeDetail }) {
  return (
    <Stack gap={4}>
      <Group gap="sm">
        <Title order={2}>{type.name}</Title>
        <Badge variant="light">v{type.version}</Badge>
        <Badge variant="outline" color={isFileManaged(type) ? "gray" : "violet"}>
          {isFileManaged(type) ? "managed by file" : "managed in UI"}
        </Badge>
      </Group>
      <Text size="sm" c="dimmed">
        Slug <code>{type.slug}</code> · key prefix <code>{type.key_prefix}</code> · {type.fields.length} field
        {type.fields.length === 1 ? "" : "s"}
        {type.hidden_columns.length > 0 && ` · hidden columns: ${type.hidden_columns.join(", ")}`}
      </Text>
      {type.description && <Text size="sm">{type.description}</Text>}
    </Stack>
  );
}

function ReadOnlyDefinition({ type, yaml }: { type: TypeDetail; yaml: string }) {
  return (
    <Stack gap="sm">
      <Alert color="blue" title="Managed by a file">
        This type is defined by <code>{type.source_path ?? "a file in the types directory"}</code> and is read-only
        here. To change it, edit the file and run <code>docket types apply</code> (or restart the server).
      </Alert>
      <Textarea
        label="Type definition (YAML)"
        description="Exported from the stored definition; the file's comments are not kept."
        value={yaml}
        readOnly
        autosize
        minRows={8}
        maxRows={40}
        spellCheck={false}
        styles={{ input: { fontFamily: "var(--mantine-font-family-monospace)", fontSize: 13 } }}
      />
    </Stack>
  );
}
