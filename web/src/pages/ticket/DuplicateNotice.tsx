// A ticket flagged at create as reading like a recent one of its requester: merge it into
// that one in one click (its replies and files move there, this one closes), or dismiss
// the flag when it is a different request.
import { Alert, Anchor, Button, Group, Text } from "@mantine/core";
import { Link, useNavigate } from "react-router";
import type { Ticket } from "../../api/client";
import { ErrorAlert } from "../../components/Errors";
import { ticketPath } from "../../lib/ticketPath";
import { useDismissDuplicate, useMergeTicket } from "./queries";

export function DuplicateNotice({ ticket }: { ticket: Ticket }) {
  const navigate = useNavigate();
  const merge = useMergeTicket(ticket.key);
  const dismiss = useDismissDuplicate(ticket.key);
  const other = ticket.possible_duplicate_of;
  if (!other) return null;
  return (
    <Alert color="yellow" variant="light" title="Possible duplicate">
      <Text size="sm" mb="xs">
        This ticket reads like{" "}
        <Anchor component={Link} to={ticketPath(other)}>
          {other}
        </Anchor>
        , opened recently by the same requester.
      </Text>
      <Group gap="xs">
        <Button
          size="xs"
          loading={merge.isPending}
          onClick={() => merge.mutate(other, { onSuccess: (kept) => navigate(ticketPath(kept.key)) })}
        >
          Merge into {other}
        </Button>
        <Button size="xs" variant="default" loading={dismiss.isPending} onClick={() => dismiss.mutate()}>
          Not a duplicate
        </Button>
      </Group>
      <ErrorAlert error={merge.error ?? dismiss.error} title="That did not work" />
    </Alert>
  );
}
