import { Title } from "@mantine/core";

// Placeholder until this screen is built.
export default function TeamsPage() {
  return <Title order={2}>TeamsPage</Title>;
}
