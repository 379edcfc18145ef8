import { Title } from "@mantine/core";

// Placeholder until this screen is built.
export default function QueuePage() {
  return <Title order={2}>QueuePage</Title>;
}
