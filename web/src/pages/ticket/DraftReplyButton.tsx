// "Draft reply": asks the AI for a reply from the public thread and the requester's card,
// and hands the text to the composer to edit. Nothing is stored or sent.
import { useState } from "react";
import { Button, Text } from "@mantine/core";
import { ApiError, api, unwrap } from "../../api/client";

export function DraftReplyButton({ ticketKey, onDraft }: { ticketKey: string; onDraft: (text: string) => void }) {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const draft = async () => {
    setPending(true);
    setError(null);
    try {
      const out = await unwrap(api.POST("/tickets/{key}/draft-reply", { params: { path: { key: ticketKey } } }));
      onDraft(out.text);
    } catch (e) {
      setError(e instanceof ApiError ? (e.problem.detail ?? e.message) : String(e));
    } finally {
      setPending(false);
    }
  };
  return (
    <>
      <Button variant="light" size="xs" onClick={draft} loading={pending}>
        Draft reply
      </Button>
      {error && (
        <Text size="xs" c="red" role="alert">
          {error}
        </Text>
      )}
    </>
  );
}
