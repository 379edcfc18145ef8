// What a bulk action could not do: each ticket with the server's reason. The tickets stay
// ticked, so the action can be tried again once the list has their new versions.
import { Alert, Anchor, List, Text } from "@mantine/core";
import { Link } from "react-router";
import type { BulkSummary } from "../../lib/bulk";
import { ticketPath } from "../../lib/ticketPath";

export function BulkFailures({ failures, onDismiss }: { failures: BulkSummary["failed"]; onDismiss(): void }) {
  if (failures.length === 0) return null;
  const n = failures.length;
  return (
    <Alert
      color="red"
      role="alert"
      title={`${n} ${n === 1 ? "ticket was" : "tickets were"} not updated`}
      withCloseButton
      closeButtonLabel="Dismiss"
      onClose={onDismiss}
    >
      <List size="sm" spacing={2}>
        {failures.map((f) => (
          <List.Item key={f.key}>
            <Anchor component={Link} to={ticketPath(f.key)} ff="monospace" size="sm">
              {f.key}
            </Anchor>
            <Text span size="sm">
              : {f.detail}
            </Text>
          </List.Item>
        ))}
      </List>
    </Alert>
  );
}
