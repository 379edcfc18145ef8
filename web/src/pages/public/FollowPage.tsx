// `/follow/:token`: a requester's view of their ticket through the link in their email:
// its status and public replies (never internal notes), and a box to reply. The token
// is the only credential; the server answers 404 for any link that is not (or no
// longer) valid.
import { useState } from "react";
import { Badge, Button, Center, Group, Loader, Paper, Stack, Text, Textarea, Title } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useParams } from "react-router";
import { api, ApiError, unwrap } from "../../api/client";
import { ErrorAlert } from "../../components/Errors";
import { PublicLayout } from "./PublicLayout";

export default function FollowPage() {
  const { token = "" } = useParams();
  const queryClient = useQueryClient();
  const key = ["public", "follow", token];
  const ticket = useQuery({
    queryKey: key,
    queryFn: () => unwrap(api.GET("/public/follow/{token}", { params: { path: { token } } })),
    retry: false,
  });
  const [body, setBody] = useState("");
  const reply = useMutation({
    mutationFn: () =>
      unwrap(api.POST("/public/follow/{token}/comments", { params: { path: { token } }, body: { body } })),
    onSuccess: (next) => {
      setBody("");
      queryClient.setQueryData(key, next);
    },
  });
  if (ticket.isPending) {
    return (
      <PublicLayout>
        <Center>
          <Loader />
        </Center>
      </PublicLayout>
    );
  }
  if (ticket.error instanceof ApiError && ticket.error.status === 404) {
    return (
      <PublicLayout>
        <Title order={2}>This link does not work</Title>
        <Text>It may be mistyped, or no longer valid. Reply to our last email and we will send a new one.</Text>
      </PublicLayout>
    );
  }
  if (!ticket.data) {
    return (
      <PublicLayout>
        <ErrorAlert error={ticket.error} title="Could not load your request" />
      </PublicLayout>
    );
  }
  const t = ticket.data;
  const replyError = reply.error instanceof ApiError ? reply.error : null;
  return (
    <PublicLayout>
      <Group justify="space-between" align="flex-start">
        <Stack gap={2}>
          <Text c="dimmed" size="sm">
            {t.key}
          </Text>
          <Title order={2}>{t.title}</Title>
        </Stack>
        <Badge size="lg" variant="light" aria-label="Status">
          {t.status}
        </Badge>
      </Group>
      <Stack gap="sm" aria-label="Replies">
        {t.comments.length === 0 && <Text c="dimmed">No replies yet.</Text>}
        {t.comments.map((c) => (
          <Paper key={c.id} withBorder p="sm" bg={c.from_requester ? undefined : "gray.0"}>
            <Text size="xs" c="dimmed">
              {c.from_requester ? "You" : (c.author_name ?? "Support")} · {new Date(c.created_at).toLocaleString()}
            </Text>
            <Text style={{ whiteSpace: "pre-wrap" }}>{c.body}</Text>
            {c.attachments.length > 0 && (
              <Text size="sm" c="dimmed">
                Files: {c.attachments.map((a) => a.filename).join(", ")}
              </Text>
            )}
          </Paper>
        ))}
      </Stack>
      {t.status_category !== "closed" && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            if (body.trim()) reply.mutate();
          }}
        >
          <Stack gap="sm">
            <Textarea
              label="Your reply"
              autosize
              minRows={3}
              value={body}
              onChange={(e) => setBody(e.currentTarget.value)}
              error={replyError?.fieldErrors.find((f) => f.pointer === "/body")?.message}
            />
            {replyError?.status === 429 && (
              <Text c="red" size="sm" role="alert">
                Too many replies were sent; please try again later.
              </Text>
            )}
            <Button type="submit" loading={reply.isPending} disabled={!body.trim()} w="fit-content">
              Send reply
            </Button>
          </Stack>
        </form>
      )}
    </PublicLayout>
  );
}
