// The frame around every signed-in screen: header with the user menu and the live
// indicator, navigation on the left (admin entries only for admins).
import type { ReactNode } from "react";
import { AppShell, Avatar, Badge, Burger, Group, Menu, NavLink, ScrollArea, Text, UnstyledButton } from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import { notifications } from "@mantine/notifications";
import { useQueryClient } from "@tanstack/react-query";
import { Link, useLocation, useNavigate } from "react-router";
import { api, unwrap } from "../api/client";
import { keys } from "../api/keys";
import { isAdmin, ME_KEY, useAuth } from "../auth";
import { availabilityOf, toggleAvailability } from "../lib/routing";
import { useLiveStatus } from "../live";
import { NotificationBell } from "./NotificationBell";

interface NavItem {
  to: string;
  label: string;
}

const WORK: NavItem[] = [
  { to: "/queue", label: "Queue" },
  { to: "/new", label: "New ticket" },
  { to: "/requesters", label: "Requesters" },
];

const ADMIN: NavItem[] = [
  { to: "/admin/types", label: "Ticket types" },
  { to: "/admin/workflows", label: "Workflows" },
  { to: "/admin/sla/policies", label: "SLA policies" },
  { to: "/admin/sla/calendars", label: "Business calendars" },
  { to: "/admin/sla/report", label: "SLA report" },
  { to: "/admin/users", label: "Users" },
  { to: "/admin/teams", label: "Teams" },
  { to: "/admin/organizations", label: "Organisations" },
  { to: "/admin/tokens", label: "API tokens" },
  { to: "/admin/ai", label: "AI" },
  { to: "/admin/discord", label: "Discord" },
  { to: "/admin/intake", label: "Inbound webhooks" },
  { to: "/admin/mailboxes", label: "Mailboxes" },
  { to: "/admin/outgoing-webhooks", label: "Outgoing webhooks" },
  { to: "/admin/deliveries", label: "Delivery log" },
  { to: "/admin/email", label: "Email" },
];

function LiveIndicator() {
  const status = useLiveStatus();
  const color = status === "live" ? "green" : status === "connecting" ? "yellow" : "red";
  const label =
    status === "live"
      ? "Live: changes by others appear as they happen"
      : status === "connecting"
        ? "Connecting to live updates..."
        : "Live updates are off; trying again shortly";
  return (
    <Badge color={color} variant="dot" aria-label={`live updates: ${status}`} title={label}>
      {status === "live" ? "Live" : status === "connecting" ? "Connecting" : "Offline"}
    </Badge>
  );
}

export function Shell({ children }: { children: ReactNode }) {
  const [opened, { toggle }] = useDisclosure();
  const { me, logout } = useAuth();
  const location = useLocation();
  const navigate = useNavigate();
  const client = useQueryClient();
  const availability = me ? availabilityOf(me.user) : "present";
  const away = toggleAvailability(availability);
  const setAvailability = async () => {
    try {
      await unwrap(api.PUT("/auth/me/availability", { body: { availability: away.next } }));
      await Promise.all([client.invalidateQueries({ queryKey: ME_KEY }), client.invalidateQueries({ queryKey: keys.users })]);
    } catch (e) {
      notifications.show({ color: "red", title: "Availability not changed", message: String((e as Error).message ?? e) });
    }
  };
  const link = (item: NavItem) => (
    <NavLink
      key={item.to}
      component={Link}
      to={item.to}
      label={item.label}
      active={location.pathname === item.to || location.pathname.startsWith(item.to + "/")}
    />
  );

  return (
    <AppShell
      header={{ height: 52 }}
      navbar={{ width: 210, breakpoint: "sm", collapsed: { mobile: !opened } }}
      padding="md"
    >
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between">
          <Group gap="sm">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label="Toggle navigation" />
            <Text fw={700} size="lg" component={Link} to="/queue" style={{ textDecoration: "none", color: "inherit" }}>
              Docket
            </Text>
          </Group>
          <Group gap="sm">
            <LiveIndicator />
            <NotificationBell />
            <Menu position="bottom-end" withinPortal>
              <Menu.Target>
                <UnstyledButton aria-label="account menu">
                  <Group gap={6}>
                    <Avatar size="sm" radius="xl" color="indigo">
                      {me?.user.display_name.slice(0, 1).toUpperCase()}
                    </Avatar>
                    <Text size="sm">{me?.user.display_name}</Text>
                    {availability === "away" && (
                      <Badge size="sm" color="gray" variant="light" aria-label="you are away">
                        Away
                      </Badge>
                    )}
                  </Group>
                </UnstyledButton>
              </Menu.Target>
              <Menu.Dropdown>
                <Menu.Label>
                  {me?.user.email} · {me?.user.role}
                </Menu.Label>
                <Menu.Item onClick={setAvailability} title="Away: routing gives you no new tickets; what you have stays yours">
                  {away.action}
                </Menu.Item>
                <Menu.Item component={Link} to="/account">
                  Account and API tokens
                </Menu.Item>
                <Menu.Item
                  color="red"
                  onClick={async () => {
                    try {
                      await logout();
                      navigate("/login");
                    } catch (e) {
                      notifications.show({ color: "red", title: "Not signed out", message: String((e as Error).message ?? e) });
                    }
                  }}
                >
                  Sign out
                </Menu.Item>
              </Menu.Dropdown>
            </Menu>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs">
        <ScrollArea>
          {WORK.map(link)}
          {isAdmin(me) && (
            <>
              <Text size="xs" c="dimmed" tt="uppercase" fw={600} mt="md" mb={4} px="sm">
                Admin
              </Text>
              {ADMIN.map(link)}
            </>
          )}
        </ScrollArea>
      </AppShell.Navbar>
      <AppShell.Main>{children}</AppShell.Main>
    </AppShell>
  );
}
