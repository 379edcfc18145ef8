import { Title } from "@mantine/core";

// Placeholder until this screen is built.
export default function CalendarsPage() {
  return <Title order={2}>CalendarsPage</Title>;
}
