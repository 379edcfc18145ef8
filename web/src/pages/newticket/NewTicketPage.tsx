import { Title } from "@mantine/core";

// Placeholder until this screen is built.
export default function NewTicketPage() {
  return <Title order={2}>NewTicketPage</Title>;
}
