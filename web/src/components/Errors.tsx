import { Alert, Button, Center, Stack, Text, Title } from "@mantine/core";
import { Link } from "react-router";
import { ApiError } from "../api/client";

export function Forbidden() {
  return (
    <Center h="50vh">
      <Stack align="center" gap="xs">
        <Title order={2}>Not allowed</Title>
        <Text c="dimmed">This screen is for administrators.</Text>
        <Button component={Link} to="/queue" variant="light">
          Back to the queue
        </Button>
      </Stack>
    </Center>
  );
}

export function NotFound() {
  return (
    <Center h="50vh">
      <Stack align="center" gap="xs">
        <Title order={2}>Nothing here</Title>
        <Button component={Link} to="/queue" variant="light">
          Back to the queue
        </Button>
      </Stack>
    </Center>
  );
}

/** An error from a query or mutation, with the problem's detail and field errors. */
export function ErrorAlert({ error, title }: { error: unknown; title?: string }) {
  if (!error) return null;
  const api = error instanceof ApiError ? error : null;
  return (
    <Alert color="red" title={title ?? api?.problem.title ?? "Something went wrong"} role="alert">
      <Text size="sm">{api ? api.problem.detail : String(error)}</Text>
      {api && api.fieldErrors.length > 0 && (
        <ul style={{ margin: "4px 0 0", paddingLeft: 18 }}>
          {api.fieldErrors.map((e) => (
            <li key={e.pointer + e.message}>
              <Text size="sm" span ff="monospace">
                {e.pointer}
              </Text>
              : {e.message}
            </li>
          ))}
        </ul>
      )}
    </Alert>
  );
}
