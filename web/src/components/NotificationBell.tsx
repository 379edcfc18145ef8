// The bell in the header: how many of the signed-in user's notifications are unread
// (polled; React Query does not poll while the tab is hidden, and refetches when it is
// shown again), and a menu of the recent ones. Opening one marks it read and goes to its
// ticket; "Mark all read" clears the count.
import { useState } from "react";
import { ActionIcon, Badge, Box, Group, Indicator, Menu, Stack, Text, VisuallyHidden } from "@mantine/core";
import { IconBell } from "@tabler/icons-react";
import { useMutation, useQuery } from "@tanstack/react-query";
import { Link } from "react-router";
import { api, unwrap, type UserNotification } from "../api/client";
import { keys } from "../api/keys";
import { useInvalidate } from "../api/useInvalidate";
import { ticketPath } from "../lib/ticketPath";
import { relativeTime } from "../pages/queue/relative";

/** How often the unread count is asked for while the tab is visible. */
export const BELL_POLL_MS = 15_000;
/** How many notifications the menu lists. */
export const BELL_LIMIT = 15;

/** The count as the badge shows it. */
export function unreadLabel(n: number): string {
  return n > 99 ? "99+" : String(n);
}

function NotificationLine({ n, now }: { n: UserNotification; now: Date }) {
  const unread = !n.read_at;
  return (
    <Group gap="xs" wrap="nowrap" align="flex-start" data-unread={unread || undefined}>
      <Box
        mt={6}
        w={8}
        h={8}
        style={{ borderRadius: 4, flex: "none", background: unread ? "var(--mantine-color-blue-6)" : "transparent" }}
        aria-hidden
      />
      <Stack gap={2} style={{ minWidth: 0 }}>
        <Text size="sm" fw={unread ? 600 : 400} lineClamp={2}>
          {n.title}
        </Text>
        <Group gap={6}>
          {n.ticket && (
            <Text size="xs" c="blue" ff="monospace">
              {n.ticket}
            </Text>
          )}
          <Text size="xs" c="dimmed" title={new Date(n.created_at).toLocaleString()}>
            {relativeTime(n.created_at, now)}
          </Text>
          {unread && <VisuallyHidden>(unread)</VisuallyHidden>}
        </Group>
      </Stack>
    </Group>
  );
}

export function NotificationBell() {
  const [opened, setOpened] = useState(false);
  const refresh = useInvalidate(keys.notifications);
  // Closed, the bell asks only for the count (one unread item answers it).
  const count = useQuery({
    queryKey: keys.notificationList(true),
    queryFn: () => unwrap(api.GET("/auth/me/notifications", { params: { query: { unread: true, limit: 1 } } })),
    refetchInterval: BELL_POLL_MS,
    select: (page) => page.unread,
  });
  const list = useQuery({
    queryKey: keys.notificationList(false),
    queryFn: () => unwrap(api.GET("/auth/me/notifications", { params: { query: { limit: BELL_LIMIT } } })),
    enabled: opened,
  });
  const unread = list.data && opened ? list.data.unread : (count.data ?? 0);

  const markRead = useMutation({
    mutationFn: (ids?: number[]) => unwrap(api.POST("/auth/me/notifications/read", { body: ids ? { ids } : {} })),
    onSuccess: refresh,
  });

  const items = list.data?.items ?? [];
  const now = new Date();
  return (
    <Indicator label={unreadLabel(unread)} size={16} color="red" disabled={unread === 0} offset={4} inline>
    <Menu
      position="bottom-end"
      width={360}
      withinPortal
      opened={opened}
      onChange={(o) => {
        setOpened(o);
        // Opening shows the latest, not what the last poll saw.
        if (o) void refresh();
      }}
    >
      <Menu.Target>
        <ActionIcon variant="subtle" color="gray" size="lg" title="Notifications" aria-label={`notifications, ${unread} unread`}>
          <IconBell size={20} stroke={1.6} />
        </ActionIcon>
      </Menu.Target>
      <Menu.Dropdown>
        <Group justify="space-between" px="sm" py={6}>
          <Text size="sm" fw={600}>
            Notifications
          </Text>
          {unread > 0 && (
            <Badge size="sm" variant="light" color="red" tt="none">
              {unread} unread
            </Badge>
          )}
        </Group>
        <Menu.Divider />
        {list.isPending && (
          <Text size="sm" c="dimmed" px="sm" py="xs">
            Loading...
          </Text>
        )}
        {list.error && (
          <Text size="sm" c="red" px="sm" py="xs" role="alert">
            {(list.error as Error).message}
          </Text>
        )}
        {list.data && items.length === 0 && (
          <Text size="sm" c="dimmed" px="sm" py="md" ta="center">
            No notifications yet. You are told here when a ticket is assigned to you or needs you.
          </Text>
        )}
        <Box mah={420} style={{ overflowY: "auto" }}>
          {items.map((n) =>
            n.ticket ? (
              <Menu.Item
                key={n.id}
                component={Link}
                to={ticketPath(n.ticket)}
                onClick={() => !n.read_at && markRead.mutate([n.id])}
              >
                <NotificationLine n={n} now={now} />
              </Menu.Item>
            ) : (
              <Menu.Item key={n.id} onClick={() => !n.read_at && markRead.mutate([n.id])}>
                <NotificationLine n={n} now={now} />
              </Menu.Item>
            ),
          )}
        </Box>
        {items.length > 0 && (
          <>
            <Menu.Divider />
            <Menu.Item
              closeMenuOnClick={false}
              disabled={unread === 0 || markRead.isPending}
              onClick={() => markRead.mutate(undefined)}
            >
              <Text size="sm" ta="center" c="blue">
                Mark all read
              </Text>
            </Menu.Item>
          </>
        )}
      </Menu.Dropdown>
    </Menu>
    </Indicator>
  );
}
