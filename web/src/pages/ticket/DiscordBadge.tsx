// The small mark of something that came from Discord (a relayed comment, a transcript).
import { Badge } from "@mantine/core";
import { IconBrandDiscord } from "@tabler/icons-react";

export function DiscordBadge({ label = "Discord" }: { label?: string }) {
  return (
    <Badge color="indigo" variant="light" size="sm" tt="none" leftSection={<IconBrandDiscord size={12} aria-hidden />} data-discord>
      {label}
    </Badge>
  );
}
