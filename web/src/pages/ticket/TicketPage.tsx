import { Title } from "@mantine/core";

// Placeholder until this screen is built.
export default function TicketPage() {
  return <Title order={2}>TicketPage</Title>;
}
