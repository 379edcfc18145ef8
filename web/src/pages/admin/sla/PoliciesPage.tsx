import { Title } from "@mantine/core";

// Placeholder until this screen is built.
export default function PoliciesPage() {
  return <Title order={2}>PoliciesPage</Title>;
}
