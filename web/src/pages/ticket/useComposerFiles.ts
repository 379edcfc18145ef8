// The reply composer's files: each is uploaded as soon as it is added, and is the
// ticket's from then on. One removed before the reply is sent (or still in the composer
// when the agent leaves the ticket) is deleted again, so no stray file stays behind; one
// removed while still uploading is deleted once its upload lands.
import { useCallback, useEffect, useRef, useState } from "react";
import { attachmentIds, settle, uploadError, uploading, withoutSent, type PendingFile } from "./attachments";
import { useAttachmentWrites } from "./queries";

let nextLocalId = 0;

export function useComposerFiles(ticketKey: string) {
  const writes = useAttachmentWrites(ticketKey);
  const [files, setFiles] = useState<PendingFile[]>([]);
  // The same list for the async callbacks and the unmount, which outlive a render.
  const current = useRef<PendingFile[]>([]);
  const mounted = useRef(true);
  const update = useCallback((next: (files: PendingFile[]) => PendingFile[]) => {
    current.current = next(current.current);
    if (mounted.current) setFiles(current.current);
  }, []);

  const discard = useCallback(
    (id: number) => {
      // Best effort: a file that could not be deleted shows in the ticket's Files panel,
      // where it can be removed by hand.
      writes.remove(id).catch(() => {});
    },
    [writes],
  );

  const add = useCallback(
    (picked: { file: Blob; name: string }[]) => {
      for (const { file, name } of picked) {
        const localId = `f${++nextLocalId}`;
        update((fs) => [
          ...fs,
          { localId, name, size: file.size, contentType: file.type, status: "uploading" },
        ]);
        writes.upload(file, name).then(
          (attachment) => {
            // Removed while it was on its way (or the composer is gone): delete it now.
            if (!mounted.current || !current.current.some((f) => f.localId === localId)) discard(attachment.id);
            else update((fs) => settle(fs, localId, { attachment }));
          },
          (error) => update((fs) => settle(fs, localId, { error: uploadError(error) })),
        );
      }
    },
    [update, writes, discard],
  );

  const remove = useCallback(
    (localId: string) => {
      const file = current.current.find((f) => f.localId === localId);
      update((fs) => fs.filter((f) => f.localId !== localId));
      if (file?.status === "uploaded" && file.attachment) discard(file.attachment.id);
    },
    [update, discard],
  );

  /** A reply carried these ids: they are the comment's now, not the composer's. */
  const sent = useCallback((ids: number[]) => update((fs) => withoutSent(fs, ids)), [update]);

  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
      // Leaving the ticket with files never sent: they would linger on no comment.
      for (const f of current.current) if (f.status === "uploaded" && f.attachment) discard(f.attachment.id);
      current.current = [];
    };
    // Once, on unmount: `current` holds the latest list by then.
  }, []);

  return { files, add, remove, sent, uploading: uploading(files), ids: attachmentIds(files) };
}
