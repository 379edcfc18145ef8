import { Title } from "@mantine/core";

// Placeholder until this screen is built.
export default function WorkflowsPage() {
  return <Title order={2}>WorkflowsPage</Title>;
}
