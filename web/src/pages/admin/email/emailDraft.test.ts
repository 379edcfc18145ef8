// The Email page's pure logic: what is sent for the settings, and template drafts.
import { expect, it } from "vitest";
import type { EmailTemplate } from "../../../api/client";
import { draftOf, insertAt, isDirty, placeholder, settingsBody, textOrNull } from "./emailDraft";

it("sends optional text as null when empty, and trims the rest", () => {
  expect(textOrNull("  ")).toBeNull();
  expect(textOrNull(null)).toBeNull();
  expect(textOrNull(" a@example.com ")).toBe("a@example.com");
  expect(
    settingsBody({
      enabled: true,
      smtp_host: " smtp.example.com ",
      smtp_port: 465,
      smtp_security: "tls",
      smtp_username: "",
      from_address: " support@example.com",
      from_name: "Support ",
      reply_to: " ",
      public_url: "https://help.example.com",
    }),
  ).toEqual({
    enabled: true,
    smtp_host: "smtp.example.com",
    smtp_port: 465,
    smtp_security: "tls",
    smtp_username: null,
    from_address: "support@example.com",
    from_name: "Support",
    reply_to: null,
    public_url: "https://help.example.com",
  });
});

it("inserts a variable at the cursor, over a selection, or at the end", () => {
  expect(placeholder("ticket.key")).toBe("{{ ticket.key }}");
  expect(insertAt("Hello !", "X", 6, 6)).toEqual({ value: "Hello X!", cursor: 7 });
  expect(insertAt("Hello there", "X", 6, 11)).toEqual({ value: "Hello X", cursor: 7 });
  expect(insertAt("Hi", "X")).toEqual({ value: "HiX", cursor: 3 });
  expect(insertAt("Hi", "X", 99, 120)).toEqual({ value: "HiX", cursor: 3 });
});

it("knows when a draft differs from the stored template", () => {
  const t = { name: "staff.reply", description: "", subject: "S", text: "T", html: "H", customised: false } as EmailTemplate;
  expect(isDirty(draftOf(t), t)).toBe(false);
  expect(isDirty({ ...draftOf(t), html: "H2" }, t)).toBe(true);
});
