import { Title } from "@mantine/core";

// Placeholder until this screen is built.
export default function TokensPage() {
  return <Title order={2}>TokensPage</Title>;
}
