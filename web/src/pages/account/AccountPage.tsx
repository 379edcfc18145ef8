import { Title } from "@mantine/core";

// Placeholder until this screen is built.
export default function AccountPage() {
  return <Title order={2}>AccountPage</Title>;
}
