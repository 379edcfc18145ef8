import { describe, expect, it } from "vitest";
import { ApiError, type Attachment } from "../../api/client";
import {
  attachmentIds,
  canSend,
  contentHref,
  humanSize,
  isInlineImage,
  pastedName,
  settle,
  uploadError,
  withoutSent,
  type PendingFile,
} from "./attachments";

const attachment = (id: number, filename = `f${id}.png`): Attachment => ({
  id,
  ticket: "IT-1",
  comment_id: null,
  filename,
  content_type: "image/png",
  size: 10,
  sha256: "00",
  uploaded_by: "ann@example.com",
  created_at: "2025-01-01T00:00:00Z",
  content_url: `/attachments/${id}/content`,
});

const pending = (localId: string, status: PendingFile["status"], a?: Attachment): PendingFile => ({
  localId,
  name: a?.filename ?? localId,
  size: 1,
  contentType: "image/png",
  status,
  attachment: a,
});

describe("humanSize", () => {
  it("reads like a person would say it", () => {
    expect(humanSize(0)).toBe("0 B");
    expect(humanSize(1023)).toBe("1023 B");
    expect(humanSize(1024)).toBe("1 KB");
    expect(humanSize(1536)).toBe("1.5 KB");
    expect(humanSize(20 * 1024 + 100)).toBe("20 KB");
    expect(humanSize(1024 * 1024 - 1)).toBe("1 MB");
    expect(humanSize(25 * 1024 * 1024)).toBe("25 MB");
    expect(humanSize(3.25 * 1024 ** 3)).toBe("3.3 GB");
  });
});

describe("files' bytes", () => {
  it("are read from the API on the UI's origin", () => {
    expect(contentHref(attachment(5))).toBe("/api/v1/attachments/5/content");
  });

  it("show as pictures only for the raster types the server sends inline", () => {
    expect(isInlineImage("image/png")).toBe(true);
    expect(isInlineImage("IMAGE/JPEG")).toBe(true);
    expect(isInlineImage("image/webp; q=1")).toBe(true);
    expect(isInlineImage("image/svg+xml")).toBe(false);
    expect(isInlineImage("application/pdf")).toBe(false);
  });
});

describe("the composer's files", () => {
  it("sends once nothing uploads, with text or with files alone", () => {
    const done = pending("a", "uploaded", attachment(1));
    expect(canSend("", [])).toBe(false);
    expect(canSend("  ", [pending("b", "failed")])).toBe(false);
    expect(canSend("hi", [])).toBe(true);
    expect(canSend("", [done])).toBe(true);
    expect(canSend("hi", [done, pending("c", "uploading")])).toBe(false);
  });

  it("names the uploaded files, in the order they were added", () => {
    const files = [pending("a", "uploaded", attachment(3)), pending("b", "failed"), pending("c", "uploaded", attachment(2))];
    expect(attachmentIds(files)).toEqual([3, 2]);
  });

  it("settles one upload with its attachment or its reason", () => {
    const files = [pending("a", "uploading"), pending("b", "uploading")];
    const one = settle(files, "a", { attachment: attachment(9, "shot.png") });
    expect(one[0]).toMatchObject({ status: "uploaded", name: "shot.png", attachment: { id: 9 } });
    expect(one[1]).toBe(files[1]);
    expect(settle(one, "b", { error: "too big" })[1]).toMatchObject({ status: "failed", error: "too big" });
  });

  it("lets the sent files go and keeps the rest", () => {
    const files = [pending("a", "uploaded", attachment(1)), pending("b", "failed"), pending("c", "uploaded", attachment(2))];
    expect(withoutSent(files, [1]).map((f) => f.localId)).toEqual(["b", "c"]);
  });

  it("says why an upload failed in the server's words", () => {
    const tooBig = new ApiError(413, { type: "about:blank", title: "Payload too large", status: 413, detail: "files may be at most 10 bytes" });
    expect(uploadError(tooBig)).toBe("files may be at most 10 bytes");
    const refused = new ApiError(422, {
      type: "about:blank",
      title: "Unprocessable",
      status: 422,
      detail: "1 field(s) failed validation",
      errors: [{ pointer: "/content_type", message: "files of type text/html are not accepted here" }],
    });
    expect(uploadError(refused)).toBe("files of type text/html are not accepted here");
    expect(uploadError(new TypeError("Failed to fetch"))).toBe("The server could not be reached");
  });

  it("names a pasted screenshot by when it was pasted", () => {
    const at = new Date(2025, 2, 4, 9, 5, 7);
    expect(pastedName(new File(["x"], "image.png", { type: "image/png" }), at)).toBe("Pasted image 2025-03-04 09.05.07.png");
    expect(pastedName(new File(["x"], "", { type: "image/jpeg" }), at)).toBe("Pasted image 2025-03-04 09.05.07.jpg");
    expect(pastedName(new File(["x"], "report.pdf", { type: "application/pdf" }), at)).toBe("report.pdf");
  });
});
