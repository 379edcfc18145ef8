// The signed-in user's own page (every role): profile, password, notification
// preferences, Discord account, API tokens, sign out.
import { Badge, Button, Group, Paper, Stack, Text, Title } from "@mantine/core";
import { useNavigate } from "react-router";
import { useAuth, useMe } from "../../auth";
import { DisplayNameForm, PasswordForm } from "./ProfileForms";
import { MyTokens } from "./MyTokens";
import { DiscordAccountSection } from "./DiscordAccount";
import { NotificationPreferences } from "./NotificationPreferences";

export default function AccountPage() {
  const me = useMe();
  const { logout } = useAuth();
  const navigate = useNavigate();

  return (
    <Stack maw={1000}>
      <Group justify="space-between">
        <Group gap="sm">
          <Title order={2}>Account</Title>
          <Badge variant="light">{me.user.role}</Badge>
        </Group>
        <Button
          variant="default"
          onClick={async () => {
            await logout();
            navigate("/login");
          }}
        >
          Sign out
        </Button>
      </Group>
      <Group align="flex-start" grow>
        <Paper withBorder p="md" component="section" aria-labelledby="account-profile">
          <Title order={3} size="h4" mb="sm" id="account-profile">
            Profile
          </Title>
          <DisplayNameForm me={me} />
        </Paper>
        <Paper withBorder p="md" component="section" aria-labelledby="account-password">
          <Title order={3} size="h4" mb="sm" id="account-password">
            Change password
          </Title>
          {me.user.has_password || me.user.kind === "person" ? (
            <PasswordForm />
          ) : (
            <Text size="sm" c="dimmed">
              Service accounts have no password.
            </Text>
          )}
        </Paper>
      </Group>
      <Paper withBorder p="md" component="section" aria-labelledby="account-notifications">
        <Title order={3} size="h4" mb="sm" id="account-notifications">
          Notifications
        </Title>
        <NotificationPreferences />
      </Paper>
      <Paper withBorder p="md" component="section" aria-labelledby="account-discord">
        <Title order={3} size="h4" mb="sm" id="account-discord">
          Discord account
        </Title>
        <DiscordAccountSection />
      </Paper>
      <Paper withBorder p="md" component="section" aria-labelledby="account-tokens">
        <Title order={3} size="h4" mb="sm" id="account-tokens">
          My API tokens
        </Title>
        <MyTokens me={me} />
      </Paper>
    </Stack>
  );
}
