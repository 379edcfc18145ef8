// A ticket's files as the thread and the Files panel show them: pictures as thumbnails
// that open full size in a new tab, everything else as a download link with its size.
// The bytes come from the API on the same origin, so the session cookie is enough.
import { Anchor, Group, Stack, Text } from "@mantine/core";
import { IconDownload } from "@tabler/icons-react";
import type { Attachment } from "../../api/client";
import { contentHref, humanSize, isInlineImage } from "./attachments";

/** A picture: the thumbnail opens it full size in a new tab; the caption downloads it. */
export function AttachmentThumbnail({ attachment: a }: { attachment: Attachment }) {
  const href = contentHref(a);
  return (
    <Stack gap={2} align="flex-start" data-attachment-id={a.id} style={{ maxWidth: 180 }}>
      <a href={href} target="_blank" rel="noopener noreferrer" title={`Open ${a.filename} full size`}>
        <img
          src={href}
          alt={a.filename}
          loading="lazy"
          style={{
            display: "block",
            maxWidth: 180,
            maxHeight: 120,
            objectFit: "contain",
            borderRadius: 4,
            border: "1px solid var(--mantine-color-gray-3)",
            background: "var(--mantine-color-gray-0)",
          }}
        />
      </a>
      <DownloadLink attachment={a} compact />
    </Stack>
  );
}

/** A download: the icon, the name and the size; the name is the link's accessible name. */
export function DownloadLink({ attachment: a, compact = false }: { attachment: Attachment; compact?: boolean }) {
  return (
    <Group gap={4} wrap="nowrap" data-attachment-id={compact ? undefined : a.id} style={{ minWidth: 0, maxWidth: "100%" }}>
      <Anchor
        href={contentHref(a)}
        download={a.filename}
        size="sm"
        aria-label={`Download ${a.filename} (${humanSize(a.size)})`}
        style={{ display: "inline-flex", alignItems: "center", gap: 4, minWidth: 0 }}
      >
        <IconDownload size={compact ? 14 : 16} aria-hidden style={{ flex: "none" }} />
        <Text span size={compact ? "xs" : "sm"} truncate="end">
          {a.filename}
        </Text>
      </Anchor>
      <Text span size="xs" c="dimmed" style={{ flex: "none" }}>
        {humanSize(a.size)}
      </Text>
    </Group>
  );
}

/** A comment's files: the pictures in a row of thumbnails, then the other files. */
export function AttachmentList({ attachments, label }: { attachments: Attachment[]; label: string }) {
  if (attachments.length === 0) return null;
  const images = attachments.filter((a) => isInlineImage(a.content_type));
  const others = attachments.filter((a) => !isInlineImage(a.content_type));
  return (
    <Stack gap="xs" mt="xs" role="group" aria-label={label}>
      {images.length > 0 && (
        <Group gap="sm" align="flex-start">
          {images.map((a) => (
            <AttachmentThumbnail key={a.id} attachment={a} />
          ))}
        </Group>
      )}
      {others.map((a) => (
        <DownloadLink key={a.id} attachment={a} />
      ))}
    </Stack>
  );
}
