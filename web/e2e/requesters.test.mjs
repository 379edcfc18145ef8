// The requester's memory in the browser: a requester who comes back is recognised, with
// their history, staff notes and last summary one click away from the new ticket.
//
// 1. Grace's first ticket is solved and summarised (with open points); she writes again.
// 2. An agent opens the new ticket: the requester card shows the open points, and the
//    profile link leads to her profile (identities, counts, topics, tickets).
// 3. The agent adds a staff note on the profile and edits it; the note shows on the card.
// 4. The agent writes the new ticket's summary, then edits it; the API has what was typed.
// 5. An admin records an organisation with an email domain; a new requester at the domain
//    joins it, and the requesters page finds them by organisation; the agent corrects a
//    requester's name on the profile.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { ADMIN, eventually, failure, launchBrowser, newSession, shot, signIn, startServer } from "./harness.mjs";

const PASSWORD = "correct horse battery staple";
const AGENT = { email: "ida@example.com", name: "Ida Agent" };
const GRACE = { email: "grace@example.org", name: "Grace Hopper", discord_id: "1984" };
const itTicket = (title) => ({
  type: "it_support",
  title,
  requester: GRACE,
  tags: ["vpn"],
  fields: { category: "network", impact: "individual" },
});

describe("requester memory", { timeout: 180_000 }, () => {
  let server;
  let browser;
  let ida;
  let admin;
  let oldKey;
  let newKey;
  let graceId;

  before(async () => {
    server = await startServer({ label: "requesters" });
    browser = await launchBrowser();
    const { api } = server;
    const agent = await api.createUser({ ...AGENT, password: PASSWORD });
    // `it` handles it_support in the shipped types.
    await api.createTeam("it", "IT", [agent.id]).catch(async () => {
      await api.request("PUT", `/teams/it/members/${agent.id}`);
    });
    const old = await api.createTicket(itTicket("VPN drops every hour"));
    oldKey = old.key;
    graceId = old.requester.id;
    await api.request("PUT", `/tickets/${oldKey}/summary`, {
      issue: "VPN dropped every hour",
      resolution: "Installed the new VPN client",
      open_points: ["Confirm the fix after a week"],
      topics: ["vpn"],
    });
    await api.patchTicket(oldKey, { status: "resolved" }).catch(() => {});
    newKey = (await api.createTicket(itTicket("VPN is slow"))).key;
    ida = await newSession(browser, server.url);
    admin = await newSession(browser, server.url);
  });

  const step = (name, fn) =>
    it(name, async () => {
      try {
        await fn();
      } catch (error) {
        for (const [who, session] of Object.entries({ ida, admin })) {
          if (session && !session.page.isClosed()) await failure(session.page, who).catch(() => {});
        }
        throw error;
      }
    });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  step("the new ticket shows what we know about the requester", async () => {
    const { page } = ida;
    await signIn(page, AGENT.email, PASSWORD);
    await page.goto(`/tickets/${newKey}`);
    const card = page.getByRole("region", { name: "Requester" });
    await card.getByText("Confirm the fix after a week").waitFor();
    await card.getByText(`From the summary of ${oldKey}`).waitFor();
    await card.getByText("VPN dropped every hour", { exact: false }).waitFor();
    await shot(page, "requester-card");
    await card.getByRole("link", { name: "Grace Hopper" }).click();
    await page.waitForURL(`**/requesters/${graceId}`);
    await page.getByRole("heading", { name: "Grace Hopper", level: 2 }).waitFor();
    const identities = page.getByRole("region", { name: "Identities" });
    await identities.getByText("grace@example.org").waitFor();
    await identities.getByText("1984").waitFor();
    const tickets = page.getByRole("region", { name: "Tickets" });
    await tickets.getByRole("link", { name: new RegExp(oldKey) }).waitFor();
    await tickets.getByText(/Summary: VPN dropped every hour/).waitFor();
    await page.getByRole("region", { name: "Recent topics" }).getByText("vpn x2").waitFor();
    // Her tickets in the queue: the filter says whose they are.
    await page.getByRole("link", { name: "Open in the queue" }).click();
    await page.getByRole("group", { name: "Other filters" }).getByText("Requester: Grace Hopper").waitFor();
    await page.locator(`tr[data-ticket-key="${oldKey}"]`).waitFor();
    await page.locator(`tr[data-ticket-key="${newKey}"]`).waitFor();
    await page.goto(`/requesters/${graceId}`);
  });

  step("a staff note is added, edited and shown on the card", async () => {
    const { page } = ida;
    const notes = page.getByRole("region", { name: "Staff notes" });
    await notes.getByRole("textbox", { name: "New note" }).fill("Prefers a call before 10:00");
    await notes.getByRole("button", { name: "Add note" }).click();
    // The note itself, not the box it was typed in (which may hold it a moment longer).
    const note = notes.getByRole("article", { name: `Note by ${AGENT.name}` });
    await note.locator("p").filter({ hasText: "Prefers a call before 10:00" }).waitFor();
    await notes.getByRole("button", { name: `Edit note by ${AGENT.name}` }).click();
    await notes.getByRole("textbox", { name: "Edit note" }).fill("Prefers a call before 9:00");
    await notes.getByRole("button", { name: "Save note" }).click();
    await note.locator("p").filter({ hasText: "Prefers a call before 9:00" }).waitFor();
    await shot(page, "requester-profile");
    const stored = await server.api.get(`/requesters/${graceId}/notes`);
    assert.equal(stored.items[0].body, "Prefers a call before 9:00");
    assert.ok(stored.items[0].updated_by, "the edit is recorded");

    await page.goto(`/tickets/${newKey}`);
    await page.getByRole("region", { name: "Requester" }).getByText("Prefers a call before 9:00").waitFor();
  });

  step("the ticket's summary is written and edited", async () => {
    const { page } = ida;
    const panel = page.getByRole("region", { name: "Summary" });
    await panel.getByRole("button", { name: "Write a summary" }).click();
    await panel.getByRole("textbox", { name: "Issue" }).fill("VPN slow from home");
    await panel.getByRole("textbox", { name: "Open points (one per line)" }).fill("Measure the line\nCall Grace");
    await panel.getByRole("button", { name: "Save summary" }).click();
    await panel.getByText("Written by staff").waitFor();
    await panel.getByText("Call Grace").waitFor();
    await panel.getByRole("button", { name: "Edit summary" }).click();
    await panel.getByRole("textbox", { name: "Resolution" }).fill("Router replaced");
    await panel.getByRole("button", { name: "Save summary" }).click();
    await panel.getByText("Router replaced", { exact: false }).waitFor();
    await shot(page, "ticket-summary");
    const t = await server.api.get(`/tickets/${newKey}`);
    assert.equal(t.summary.issue, "VPN slow from home");
    assert.deepEqual(t.summary.open_points, ["Measure the line", "Call Grace"]);
    assert.equal(t.summary.resolution, "Router replaced");
    assert.equal(t.summary.written_by.kind, "staff");
    await eventually(async () => (await server.api.get(`/tickets/${newKey}/events`)).items.some((e) => e.field === "summary"), {
      message: "the summary in the ticket's trail",
    });
  });

  step("an organisation with a domain gathers its requesters; a name is corrected", async () => {
    const { page } = admin;
    await signIn(page, ADMIN.email, ADMIN.password);
    await page.goto("/admin/organizations");
    await page.getByRole("button", { name: "New organisation" }).click();
    const drawer = page.getByRole("dialog");
    await drawer.getByRole("textbox", { name: "Name" }).fill("US Navy");
    await drawer.getByRole("textbox", { name: "Email domains" }).fill("navy.example");
    await drawer.getByRole("button", { name: "Create organisation" }).click();
    const row = page.getByRole("table", { name: "Organisations" }).getByRole("row", { name: /US Navy/ });
    await row.getByText("navy.example").waitFor();
    await shot(page, "organisations");

    const t = await server.api.createTicket({
      type: "it_support",
      title: "Bug in the Mark II",
      requester: { email: "moth@navy.example" },
      fields: { category: "hardware", impact: "team" },
    });
    assert.equal(t.requester.organization, "US Navy");
    await page.goto("/requesters?organization=US%20Navy");
    const table = page.getByRole("table", { name: "Requesters" });
    await table.getByRole("link", { name: "moth@navy.example" }).click();
    await page.waitForURL(`**/requesters/${t.requester.id}`);
    await page.getByRole("button", { name: "Edit details" }).click();
    const form = page.getByRole("region", { name: "Edit details" });
    await form.getByRole("textbox", { name: "Name" }).fill("Moth Finder");
    await form.getByRole("button", { name: "Save details" }).click();
    await page.getByRole("heading", { name: "Moth Finder", level: 2 }).waitFor();
    const stored = await server.api.get(`/requesters/${t.requester.id}`);
    assert.equal(stored.name, "Moth Finder");
    assert.equal(stored.organization, "US Navy");
  });
});
