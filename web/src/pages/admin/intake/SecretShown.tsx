// A webhook source's new signing secret, shown this once (after create or rotate) with
// a copy button, the URL the sender posts to, and a curl example that signs a test body.
import { Button, Code, CopyButton, Group, Modal, Stack, Text } from "@mantine/core";
import { curlExample, endpointUrl, type Source } from "./sourceDraft";

/** A new secret, shown this once with where to send and how to sign. */
export function SecretShown({ shown, onClose }: { shown: { source: Source; secret: string } | null; onClose(): void }) {
  if (!shown) return null;
  const url = endpointUrl(window.location.origin, shown.source);
  return (
    <Modal opened onClose={onClose} title={`Signing secret of ${shown.source.name}`} size="lg">
      <Stack>
        <Text size="sm">
          Copy the secret into the sender now: Docket keeps it sealed and <b>never shows it again</b>. Rotating makes a new one.
        </Text>
        <Group gap="xs" wrap="nowrap">
          <Code aria-label="Secret" style={{ wordBreak: "break-all" }}>
            {shown.secret}
          </Code>
          <CopyButton value={shown.secret}>
            {({ copied, copy }) => (
              <Button size="xs" variant="light" onClick={copy}>
                {copied ? "Copied" : "Copy secret"}
              </Button>
            )}
          </CopyButton>
        </Group>
        <Text size="sm">
          The sender posts to <Code aria-label="Endpoint">{url}</Code>
        </Text>
        <Text size="sm">Try it (a test body; adjust it to the mapping):</Text>
        <Code block aria-label="Curl example">
          {curlExample(url, shown.source.scheme, shown.secret)}
        </Code>
        <Group justify="flex-end">
          <Button onClick={onClose}>Done</Button>
        </Group>
      </Stack>
    </Modal>
  );
}
