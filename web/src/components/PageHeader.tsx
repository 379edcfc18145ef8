// A screen's heading with its actions (a "New …" button, a switch) on the right.
import type { ReactNode } from "react";
import { Group, Title } from "@mantine/core";

export function PageHeader({ title, children }: { title: ReactNode; children?: ReactNode }) {
  return (
    <Group justify="space-between">
      <Title order={2}>{title}</Title>
      {children}
    </Group>
  );
}
