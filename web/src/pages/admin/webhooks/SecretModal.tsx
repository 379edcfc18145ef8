// A webhook's signing secret, shown this once (after create or rotate), with a copy
// button and how a receiver checks a request with it.
import { Alert, Button, Code, CopyButton, Group, List, Modal, Stack, Text } from "@mantine/core";

export interface ShownSecret {
  name: string;
  secret: string;
  rotated: boolean;
}

export function SecretModal({ shown, onClose }: { shown: ShownSecret | null; onClose(): void }) {
  return (
    <Modal
      opened={!!shown}
      // The secret is only shown here: do not let a stray click outside lose it.
      closeOnClickOutside={false}
      onClose={onClose}
      title={shown ? `Signing secret of ${shown.name}` : ""}
      size="lg"
    >
      {shown && (
        <Stack>
          <Alert color="yellow" title="Copy the secret now">
            This is the only time it is shown. {shown.rotated && "The old secret stopped working. "}If it is lost, rotate it
            to get a new one.
          </Alert>
          <Code block aria-label="Signing secret" style={{ wordBreak: "break-all", whiteSpace: "pre-wrap" }}>
            {shown.secret}
          </Code>
          <Text size="sm" fw={600}>
            Verifying a request
          </Text>
          <List size="sm" spacing={4}>
            <List.Item>
              Each POST has <Code>X-Docket-Timestamp</Code> (unix seconds) and <Code>X-Docket-Signature: v1=&lt;hex&gt;</Code>.
            </List.Item>
            <List.Item>
              Compute the HMAC-SHA256 of <Code>&lt;timestamp&gt;.&lt;body&gt;</Code> (the raw body, as received) with this
              secret, hex-encode it and compare it with the signature in constant time.
            </List.Item>
            <List.Item>Refuse requests whose timestamp is more than a few minutes old, so a recorded one cannot be replayed.</List.Item>
          </List>
          <Group justify="flex-end">
            <CopyButton value={shown.secret}>
              {({ copied, copy }) => (
                <Button color={copied ? "teal" : "blue"} variant="light" onClick={copy}>
                  {copied ? "Copied" : "Copy secret"}
                </Button>
              )}
            </CopyButton>
            <Button onClick={onClose}>Done</Button>
          </Group>
        </Stack>
      )}
    </Modal>
  );
}
