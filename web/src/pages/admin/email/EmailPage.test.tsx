// Admin → Email against a mocked client: the settings load and save (a refusal shown at
// its field), the password is set and cleared without ever being shown, a test message
// says whether the relay took it, and a template is edited, previewed (the HTML only in a
// sandboxed frame), saved (a refusal at its part, with line and column) and reset.
import { afterEach, beforeEach, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { MantineProvider } from "@mantine/core";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { MemoryRouter } from "react-router";
import "../../../components/jsdomPolyfills";
import type { EmailSettingsOut, EmailTemplate } from "../../../api/client";

type Init = { params?: { path?: { name?: string } }; body?: Record<string, unknown> };
const calls: { method: string; path: string; init?: Init }[] = [];
let settings: EmailSettingsOut;
let templates: EmailTemplate[];
const PASSWORD = "hunter2-correct-horse";

const NAMES = [
  "requester.acknowledgement",
  "requester.reply",
  "staff.assigned",
  "staff.reply",
  "staff.mention",
  "staff.sla_warning",
  "staff.sla_breach",
  "staff.sla_still_breached",
  "staff.webhook_disabled",
];

function template(name: string, extra: Partial<EmailTemplate> = {}): EmailTemplate {
  return {
    name,
    description: `Sent for ${name}`,
    subject: "[{{ ticket.key }}] {{ ticket.title }}",
    text: "Hello {{ recipient.name }},\n",
    html: "<p>Hello {{ recipient.name }},</p>",
    customised: false,
    updated_by: null,
    updated_at: null,
    ...extra,
  };
}

function freshSettings(): EmailSettingsOut {
  return {
    settings: {
      enabled: false,
      smtp_host: "smtp.example.com",
      smtp_port: 587,
      smtp_security: "starttls",
      smtp_username: "docket",
      from_address: "support@example.com",
      from_name: "Example Support",
      reply_to: null,
      public_url: "https://help.example.com",
    },
    version: 3,
    password_set: false,
    updated_by: "admin@example.com",
    updated_at: "2025-01-02T10:00:00Z",
  };
}

const problem = (pointer: string, message: string) => ({
  type: "about:blank",
  title: "Unprocessable Entity",
  status: 422,
  detail: "The request has invalid fields",
  errors: [{ pointer, message }],
});

vi.mock("../../../api/client", async (importOriginal) => {
  const original = await importOriginal<typeof import("../../../api/client")>();
  const respond = (status: number, body: unknown) => ({
    data: status < 400 ? body : undefined,
    error: status >= 400 ? body : undefined,
    response: new Response(null, { status }),
  });
  const named = (init?: Init) => templates.find((t) => t.name === init?.params?.path?.name)!;
  const handle = (method: string) =>
    vi.fn(async (path: string, init?: Init) => {
      calls.push({ method, path, init });
      const body = init?.body as Record<string, string> | undefined;
      if (method === "GET" && path === "/email/settings") return respond(200, structuredClone(settings));
      if (method === "GET" && path === "/email/templates")
        return respond(200, {
          templates: structuredClone(templates),
          variables: [
            { name: "ticket.key", description: "The ticket's key (IT-42)" },
            { name: "recipient.name", description: "Who the email is to" },
          ],
        });
      if (method === "PUT" && path === "/email/settings") {
        if (String(body!.smtp_host).includes(" ")) return respond(422, problem("/smtp_host", "a host name, without spaces"));
        settings = { ...settings, settings: body as unknown as EmailSettingsOut["settings"], version: settings.version + 1, updated_by: "boss@example.com" };
        return respond(200, structuredClone(settings));
      }
      if (path === "/email/password") {
        settings = { ...settings, password_set: method === "PUT" };
        return respond(200, { password_set: settings.password_set });
      }
      if (path === "/email/test") {
        const to = (body?.to as string | null) ?? "admin@example.com";
        return to === "nobody@example.com"
          ? respond(200, { sent: false, to, error: "554 5.7.1 relay access denied" })
          : respond(200, { sent: true, to, error: null });
      }
      if (path === "/email/templates/{name}/preview" || (method === "PUT" && path === "/email/templates/{name}")) {
        if (body!.text.includes("{{ nope }}")) return respond(422, problem("/text", "line 2, column 1: unknown name nope"));
        if (method === "POST")
          return respond(200, {
            subject: body!.subject.replace("{{ ticket.key }}", "IT-42").replace("{{ ticket.title }}", "Printer jammed"),
            text: body!.text.replaceAll("{{ recipient.name }}", "Ada Lovelace").replaceAll("{{ ticket.key }}", "IT-42"),
            html: body!.html.replace("{{ recipient.name }}", "Ada Lovelace"),
          });
        const saved = { ...named(init), ...body, customised: true, updated_by: "admin@example.com", updated_at: "2025-01-03T09:00:00Z" };
        templates = templates.map((t) => (t.name === saved.name ? saved : t));
        return respond(200, saved);
      }
      if (method === "DELETE" && path === "/email/templates/{name}") {
        const fresh = template(named(init).name);
        templates = templates.map((t) => (t.name === fresh.name ? fresh : t));
        return respond(200, fresh);
      }
      return respond(404, { type: "about:blank", title: "Not Found", status: 404 });
    });
  return { ...original, api: { GET: handle("GET"), PUT: handle("PUT"), POST: handle("POST"), DELETE: handle("DELETE") } };
});

const { default: EmailPage } = await import("./EmailPage");

function wrap() {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(
    <MantineProvider env="test">
      <QueryClientProvider client={client}>
        <MemoryRouter>
          <EmailPage />
        </MemoryRouter>
      </QueryClientProvider>
    </MantineProvider>,
  );
}

const settingsCard = () => screen.getByRole("region", { name: "Email settings" });
const field = (name: string) => within(settingsCard()).getByRole("textbox", { name }) as HTMLInputElement;
const errorOf = (el: HTMLElement) => document.getElementById(`${el.id}-error`)?.textContent;

beforeEach(() => {
  calls.length = 0;
  settings = freshSettings();
  templates = NAMES.map((n) => template(n));
});
afterEach(cleanup);

it("loads the settings, shows a refused field beside it, and saves once fixed", async () => {
  wrap();
  await waitFor(() => expect(field("SMTP host").value).toBe("smtp.example.com"));
  expect(field("From address").value).toBe("support@example.com");
  expect(screen.getByText(/Turned on, email is queued for requesters/)).toBeTruthy();
  expect(screen.getByLabelText("Last updated").textContent).toContain("admin@example.com");

  fireEvent.change(field("SMTP host"), { target: { value: "smtp example com" } });
  fireEvent.click(screen.getByRole("switch", { name: /Email enabled/ }));
  fireEvent.click(screen.getByRole("button", { name: "Save settings" }));
  await waitFor(() => expect(errorOf(field("SMTP host"))).toBe("a host name, without spaces"));
  expect(field("SMTP host").getAttribute("aria-invalid")).toBe("true");

  fireEvent.change(field("SMTP host"), { target: { value: " relay.example.com " } });
  fireEvent.change(field("Reply-To"), { target: { value: "  " } });
  fireEvent.click(screen.getByRole("button", { name: "Save settings" }));
  await waitFor(() => expect(screen.getByLabelText("Last updated").textContent).toContain("boss@example.com"));
  expect(errorOf(field("SMTP host"))).toBeFalsy();
  const puts = calls.filter((c) => c.method === "PUT" && c.path === "/email/settings");
  expect(puts[1].init!.body).toEqual({
    enabled: true,
    smtp_host: "relay.example.com",
    smtp_port: 587,
    smtp_security: "starttls",
    smtp_username: "docket",
    from_address: "support@example.com",
    from_name: "Example Support",
    reply_to: null,
    public_url: "https://help.example.com",
  });
  expect(within(settingsCard()).getByText("email on")).toBeTruthy();
});

it("sets and clears the password without ever showing it", async () => {
  wrap();
  const section = await screen.findByRole("region", { name: "SMTP password" });
  await waitFor(() => expect(within(section).getByLabelText("Password status").textContent).toBe("not set"));
  expect(within(section).getByRole("button", { name: "Clear password" }).hasAttribute("disabled")).toBe(true);

  const input = within(section).getByLabelText("New password") as HTMLInputElement;
  expect(input.type).toBe("password");
  fireEvent.change(input, { target: { value: PASSWORD } });
  fireEvent.click(within(section).getByRole("button", { name: "Set password" }));
  await waitFor(() => expect(within(section).getByLabelText("Password status").textContent).toBe("set"));
  expect(calls.find((c) => c.path === "/email/password")!.init!.body).toEqual({ password: PASSWORD });
  // Gone from the field and from the page.
  expect(input.value).toBe("");
  expect(document.body.textContent).not.toContain(PASSWORD);
  expect([...document.querySelectorAll("input")].some((i) => i.value === PASSWORD)).toBe(false);

  fireEvent.click(within(section).getByRole("button", { name: "Clear password" }));
  await waitFor(() => expect(within(section).getByLabelText("Password status").textContent).toBe("not set"));
  expect(calls.some((c) => c.method === "DELETE" && c.path === "/email/password")).toBe(true);
});

it("sends a test email to the admin by default, and shows the relay's words when it fails", async () => {
  wrap();
  const section = await screen.findByRole("region", { name: "Test email" });
  fireEvent.click(within(section).getByRole("button", { name: "Send test email" }));
  expect(await within(section).findByText("Test email sent")).toBeTruthy();
  expect(within(section).getByText(/admin@example\.com/)).toBeTruthy();
  expect(calls.find((c) => c.path === "/email/test")!.init!.body).toEqual({ to: null });

  fireEvent.change(within(section).getByRole("textbox", { name: "Send to" }), { target: { value: " nobody@example.com " } });
  fireEvent.click(within(section).getByRole("button", { name: "Send test email" }));
  expect(await within(section).findByText("554 5.7.1 relay access denied")).toBeTruthy();
  expect(within(section).getByText("Not sent to nobody@example.com")).toBeTruthy();
  expect(within(section).queryByText("Test email sent")).toBeNull();
  expect(calls.filter((c) => c.path === "/email/test")[1].init!.body).toEqual({ to: "nobody@example.com" });
});

it("lists the templates, edits one, previews it in a sandboxed frame and saves it", async () => {
  wrap();
  const card = await screen.findByRole("region", { name: "Email templates" });
  for (const name of NAMES) expect(await within(card).findByRole("button", { name })).toBeTruthy();
  expect(within(card).queryByText("customised")).toBeNull();
  expect(within(card).getByText("Sent for staff.mention")).toBeTruthy();

  fireEvent.click(within(card).getByRole("button", { name: "requester.reply" }));
  const editor = await within(card).findByRole("region", { name: "Template requester.reply" });
  const text = within(editor).getByRole("textbox", { name: "Plain text" }) as HTMLTextAreaElement;
  expect(text.value).toBe("Hello {{ recipient.name }},\n");
  fireEvent.change(text, { target: { value: "Hi {{ recipient.name }}, about " } });
  // A variable goes in where the cursor is (the end here).
  fireEvent.focus(text);
  fireEvent.click(within(editor).getByRole("button", { name: "Insert ticket.key" }));
  expect(text.value).toBe("Hi {{ recipient.name }}, about {{ ticket.key }}");
  expect(within(editor).getByText("unsaved changes")).toBeTruthy();

  fireEvent.click(within(editor).getByRole("button", { name: "Preview" }));
  const preview = await within(editor).findByRole("region", { name: "Preview" });
  expect(within(preview).getByTestId("preview-subject").textContent).toBe("[IT-42] Printer jammed");
  const pre = within(preview).getByLabelText("Plain-text preview");
  expect(pre.tagName).toBe("PRE");
  expect(pre.textContent).toBe("Hi Ada Lovelace, about IT-42");
  const frame = within(preview).getByTitle("HTML preview") as HTMLIFrameElement;
  expect(frame.getAttribute("sandbox")).toBe("");
  expect(frame.getAttribute("srcdoc")).toBe("<p>Hello Ada Lovelace,</p>");
  // The rendered HTML is in the frame only, never in the page itself.
  expect(document.body.innerHTML).not.toContain("<p>Hello Ada Lovelace,</p>");
  expect(calls.find((c) => c.path === "/email/templates/{name}/preview")!.init).toEqual({
    params: { path: { name: "requester.reply" } },
    body: { subject: "[{{ ticket.key }}] {{ ticket.title }}", text: "Hi {{ recipient.name }}, about {{ ticket.key }}", html: "<p>Hello {{ recipient.name }},</p>" },
  });

  fireEvent.click(within(editor).getByRole("button", { name: "Save template" }));
  await waitFor(() => expect(within(within(card).getByRole("button", { name: "requester.reply" })).getByText("customised")).toBeTruthy());
  expect(within(editor).queryByText("unsaved changes")).toBeNull();
  expect(within(editor).getByText(/Changed by admin@example\.com/)).toBeTruthy();
  const put = calls.find((c) => c.method === "PUT" && c.path === "/email/templates/{name}")!;
  expect(put.init!.body).toEqual({
    subject: "[{{ ticket.key }}] {{ ticket.title }}",
    text: "Hi {{ recipient.name }}, about {{ ticket.key }}",
    html: "<p>Hello {{ recipient.name }},</p>",
  });
});

it("shows a refused wording at the plain-text field with its line and column, and asks before dropping changes", async () => {
  wrap();
  const card = await screen.findByRole("region", { name: "Email templates" });
  fireEvent.click(await within(card).findByRole("button", { name: "staff.assigned" }));
  const editor = await within(card).findByRole("region", { name: "Template staff.assigned" });
  const text = within(editor).getByRole("textbox", { name: "Plain text" }) as HTMLTextAreaElement;
  fireEvent.change(text, { target: { value: "Hello\n{{ nope }}" } });
  fireEvent.click(within(editor).getByRole("button", { name: "Save template" }));
  await waitFor(() => expect(errorOf(text)).toBe("line 2, column 1: unknown name nope"));
  expect(text.getAttribute("aria-invalid")).toBe("true");
  expect(within(editor).getByRole("alert").textContent).toContain("Not saved");
  expect(templates.find((t) => t.name === "staff.assigned")!.customised).toBe(false);

  // Switching away asks first; keeping the edit stays on it.
  fireEvent.click(within(card).getByRole("button", { name: "staff.reply" }));
  const dialog = await screen.findByRole("dialog", { name: "Discard unsaved changes?" });
  fireEvent.click(within(dialog).getByRole("button", { name: "Keep editing" }));
  await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
  expect(within(card).getByRole("region", { name: "Template staff.assigned" })).toBeTruthy();
  fireEvent.click(within(card).getByRole("button", { name: "staff.reply" }));
  fireEvent.click(within(await screen.findByRole("dialog")).getByRole("button", { name: "Discard changes" }));
  expect(await within(card).findByRole("region", { name: "Template staff.reply" })).toBeTruthy();
});

it("resets a customised template to its default once confirmed", async () => {
  templates = NAMES.map((n) =>
    n === "staff.mention" ? template(n, { customised: true, text: "Custom {{ ticket.key }}", updated_by: "x@example.com", updated_at: "2025-01-01T00:00:00Z" }) : template(n),
  );
  wrap();
  const card = await screen.findByRole("region", { name: "Email templates" });
  const item = await within(card).findByRole("button", { name: "staff.mention" });
  expect(within(item).getByText("customised")).toBeTruthy();
  fireEvent.click(item);
  const editor = await within(card).findByRole("region", { name: "Template staff.mention" });
  expect((within(editor).getByRole("textbox", { name: "Plain text" }) as HTMLTextAreaElement).value).toBe("Custom {{ ticket.key }}");

  fireEvent.click(within(editor).getByRole("button", { name: "Reset to default" }));
  const dialog = await screen.findByRole("dialog", { name: "Reset staff.mention to its default?" });
  expect(calls.some((c) => c.method === "DELETE")).toBe(false);
  fireEvent.click(within(dialog).getByRole("button", { name: "Reset" }));
  await waitFor(() =>
    expect((within(editor).getByRole("textbox", { name: "Plain text" }) as HTMLTextAreaElement).value).toBe("Hello {{ recipient.name }},\n"),
  );
  expect(calls.find((c) => c.method === "DELETE")!.init).toEqual({ params: { path: { name: "staff.mention" } } });
  expect(within(within(card).getByRole("button", { name: "staff.mention" })).queryByText("customised")).toBeNull();
  expect(within(editor).queryByRole("button", { name: "Reset to default" })).toBeNull();
});
