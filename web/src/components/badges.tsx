import { Badge } from "@mantine/core";
import type { Schemas } from "../api/client";

const PRIORITY_COLORS: Record<Schemas["Priority"], string> = {
  P0: "red",
  P1: "orange",
  P2: "blue",
  P3: "gray",
};

export function PriorityBadge({ priority }: { priority: Schemas["Priority"] }) {
  return (
    <Badge color={PRIORITY_COLORS[priority]} variant="light" data-priority={priority}>
      {priority}
    </Badge>
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
    <Badge color={color} variant="outline" data-status={status}>
      {status.replace(/_/g, " ")}
    </Badge>
  );
}
