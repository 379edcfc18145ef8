// The frame of the pages anyone may open without signing in (public forms, follow
// links): no navigation, nothing of the signed-in app.
import type { ReactNode } from "react";
import { Container, Stack, Text } from "@mantine/core";

export function PublicLayout({ children }: { children: ReactNode }) {
  return (
    <Container size="sm" py="xl">
      <Stack gap="lg">
        <Text fw={700} c="dimmed" size="sm">
          Docket
        </Text>
        {children}
      </Stack>
    </Container>
  );
}
