import { Title } from "@mantine/core";

// Placeholder until this screen is built.
export default function TypePage() {
  return <Title order={2}>TypePage</Title>;
}
