import { Title } from "@mantine/core";

// Placeholder until this screen is built.
export default function UsersPage() {
  return <Title order={2}>UsersPage</Title>;
}
