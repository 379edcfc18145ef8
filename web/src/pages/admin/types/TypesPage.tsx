import { Title } from "@mantine/core";

// Placeholder until this screen is built.
export default function TypesPage() {
  return <Title order={2}>TypesPage</Title>;
}
