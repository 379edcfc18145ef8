// Priority, status and SLA badges. They look exactly like Mantine's Badge (its classes, and
// the colours its resolver gives) but are two plain elements: the queue shows three on
// each of its 50 rows, and Badge components were a good part of the script a cold queue
// load runs before its first row (docs/benchmarks.md, issue 14).
import type { ComponentPropsWithoutRef } from "react";
import { Badge, useMantineTheme, type MantineColor } from "@mantine/core";
import type { Schemas } from "../api/client";

type PlainBadgeProps = ComponentPropsWithoutRef<"div"> & {
  color: MantineColor;
  variant: "light" | "outline" | "filled";
};

/** Mantine's Badge (default size) drawn without the component. */
export function PlainBadge({ color, variant, children, style, ...rest }: PlainBadgeProps) {
  const theme = useMantineTheme();
  const colors = theme.variantColorResolver({ color, theme, variant });
  const vars = { "--badge-bg": colors.background, "--badge-color": colors.color, "--badge-bd": colors.border };
  return (
    <div className={Badge.classes.root} data-variant={variant} style={{ ...vars, ...style }} {...rest}>
      <span className={Badge.classes.label}>{children}</span>
    </div>
  );
}

const PRIORITY_COLORS: Record<Schemas["Priority"], string> = {
  P0: "red",
  P1: "orange",
  P2: "blue",
  P3: "gray",
};

export function PriorityBadge({ priority }: { priority: Schemas["Priority"] }) {
  return (
    <PlainBadge color={PRIORITY_COLORS[priority]} variant="light" data-priority={priority}>
      {priority}
    </PlainBadge>
  );
}

const CATEGORY_COLORS: Record<Schemas["StatusCategory"], string> = {
  new: "cyan",
  open: "blue",
  pending: "yellow",
  solved: "green",
  closed: "gray",
};

/** A status with the colour of its category (the workflow's state names vary by type). */
export function StatusBadge({ status, category }: { status: string; category: string }) {
  const color = CATEGORY_COLORS[category as Schemas["StatusCategory"]] ?? "gray";
  return (
    <PlainBadge color={color} variant="outline" data-status={status}>
      {status.replace(/_/g, " ")}
    </PlainBadge>
  );
}
