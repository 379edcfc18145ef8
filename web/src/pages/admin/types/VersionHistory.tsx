// Every applied version of a type, newest first: who, when, from where, what changed and
// the SQL it ran (folded away, since it can be long).
import { Badge, Code, Group, Paper, Stack, Text, Title } from "@mantine/core";
import dayjs from "dayjs";
import { ErrorAlert } from "../../../components/Errors";
import { ChangesTable } from "./PlanPanel";
import { useTypeVersions, type TypeVersion } from "./typesApi";

export function VersionHistory({ slug }: { slug: string }) {
  const versions = useTypeVersions(slug);
  return (
    <Stack gap="sm">
      <Title order={3}>Versions</Title>
      <ErrorAlert error={versions.error} />
      {versions.data &&
        [...versions.data].reverse().map((version) => <VersionEntry key={version.version} version={version} />)}
    </Stack>
  );
}

function VersionEntry({ version }: { version: TypeVersion }) {
  const heading = `Version ${version.version}`;
  return (
    <Paper withBorder p="sm" component="section" aria-label={heading}>
      <Stack gap="xs">
        <Group gap="xs">
          <Title order={4}>{heading}</Title>
          <Badge variant="outline" color={version.source === "api" ? "violet" : "gray"}>
            {version.source === "api" ? "UI" : version.source}
          </Badge>
          <Text size="sm" c="dimmed">
            applied by {version.applied_by} on{" "}
            <time dateTime={version.applied_at}>{dayjs(version.applied_at).format("YYYY-MM-DD HH:mm")}</time>
            {version.source_path ? ` from ${version.source_path}` : ""}
          </Text>
        </Group>
        <ChangesTable changes={version.changes} label={`Changes in version ${version.version}`} />
        <details>
          <summary>
            SQL of version {version.version} ({version.ddl.length} statement{version.ddl.length === 1 ? "" : "s"})
          </summary>
          <Code block mt={4} style={{ whiteSpace: "pre-wrap", wordBreak: "break-word" }}>
            {version.ddl.length > 0 ? version.ddl.join("\n") : "-- no SQL"}
          </Code>
        </details>
      </Stack>
    </Paper>
  );
}
