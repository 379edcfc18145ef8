// The side drawer the admin lists edit a row (or a new one) in, driven by `useDrawer`.
import type { ReactNode } from "react";
import { Drawer, type DrawerProps } from "@mantine/core";
import type { DrawerState } from "../lib/useDrawer";

interface FormDrawerProps {
  drawer: Pick<DrawerState<unknown>, "opened" | "close">;
  title: ReactNode;
  size: DrawerProps["size"];
  children: ReactNode;
}

export function FormDrawer({ drawer, title, size, children }: FormDrawerProps) {
  return (
    <Drawer opened={drawer.opened} onClose={() => drawer.close()} position="right" size={size} title={title}>
      {children}
    </Drawer>
  );
}
