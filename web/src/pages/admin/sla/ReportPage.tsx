import { Title } from "@mantine/core";

// Placeholder until this screen is built.
export default function ReportPage() {
  return <Title order={2}>ReportPage</Title>;
}
