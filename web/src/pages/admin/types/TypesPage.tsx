// The list of ticket types, with who manages each: a file in the types directory
// (read-only here) or the UI.
import { Anchor, Button, Code, Group, Stack, Table, Text } from "@mantine/core";
import { IconPlus } from "@tabler/icons-react";
import { Link } from "react-router";
import { ErrorAlert } from "../../../components/Errors";
import { PageHeader } from "../../../components/PageHeader";
import { TableHead } from "../../../components/TableHead";
import { useTypes, type TypeSummary } from "../../../api/queries";
import { isFileManaged } from "./typesApi";

export default function TypesPage() {
  const types = useTypes();
  return (
    <Stack gap="md">
      <PageHeader title="Ticket types">
        <Group gap="xs">
          <Button component={Link} to="/admin/workflows" variant="default">
            Workflows
          </Button>
          <Button component={Link} to="/admin/types/new" leftSection={<IconPlus size={16} />}>
            New type
          </Button>
        </Group>
      </PageHeader>
      <ErrorAlert error={types.error} />
      <Table aria-label="Ticket types" striped highlightOnHover withTableBorder>
        <TableHead columns={["Name", "Slug", "Key prefix", "Version", "Managed by"]} />
        <Table.Tbody>
          {types.data?.map((type) => <TypeRow key={type.slug} type={type} />)}
          {types.data?.length === 0 && (
            <Table.Tr>
              <Table.Td colSpan={5}>
                <Text c="dimmed">No types yet.</Text>
              </Table.Td>
            </Table.Tr>
          )}
        </Table.Tbody>
      </Table>
    </Stack>
  );
}

function TypeRow({ type }: { type: TypeSummary }) {
  return (
    <Table.Tr>
      <Table.Td>
        <Anchor component={Link} to={`/admin/types/${type.slug}`}>
          {type.name}
        </Anchor>
        {type.description && (
          <Text size="xs" c="dimmed" lineClamp={1}>
            {type.description}
          </Text>
        )}
      </Table.Td>
      <Table.Td>
        <Code>{type.slug}</Code>
      </Table.Td>
      <Table.Td>{type.key_prefix}</Table.Td>
      <Table.Td>{type.version}</Table.Td>
      <Table.Td>{isFileManaged(type) ? <FileSource path={type.source_path} /> : "UI"}</Table.Td>
    </Table.Tr>
  );
}

/** "file" and the path of the file that manages the type. */
function FileSource({ path }: { path?: string | null }) {
  return (
    <Text size="sm">
      file{path ? ": " : ""}
      {path && <Code>{path}</Code>}
    </Text>
  );
}
