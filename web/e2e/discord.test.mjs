// The Discord integration in the browser: an admin creates a panel with two topics at
// /admin/discord, is told beside the field that the channel id is not one, fixes it,
// saves and deploys (the list says "deploy pending" until the adapter posts it); a
// closed Discord ticket's transcript (saved through the API, as the adapter does, with a
// file) and its exit survey show on the ticket page; a relayed comment carries the
// Discord badge, and the admin edits then deletes a comment of theirs in the thread.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { ADMIN, eventually, failure, launchBrowser, newSession, shot, signIn, startServer } from "./harness.mjs";

const GUILD = "112233445566778899";
const CHANNEL = "998877665544332211";

describe("discord", { timeout: 180_000 }, () => {
  let server;
  let browser;
  let admin;
  let key;

  before(async () => {
    server = await startServer({ label: "discord" });
    browser = await launchBrowser();
    const { api } = server;
    const ticket = await api.createTicket({
      type: "it_support",
      title: "Cannot join the voice channel",
      requester: { email: "mia@example.org", name: "Mia" },
      fields: { category: "software", impact: "individual" },
    });
    key = ticket.key;
    admin = await newSession(browser, server.url);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  const step = (name, fn) =>
    it(name, async () => {
      try {
        await fn();
      } catch (error) {
        if (admin && !admin.page.isClosed()) await failure(admin.page, "admin").catch(() => {});
        throw error;
      }
    });

  /** Pick `option` in the Mantine Select (role combobox) named `name` (inside `scope`). */
  async function choose(page, scope, name, option) {
    await scope.getByRole("combobox", { name, exact: true }).click();
    await page.getByRole("option", { name: option, exact: true }).click();
  }

  step("an admin creates a panel with two topics: a bad channel id is refused beside its field, then it deploys", async () => {
    const { page } = admin;
    await signIn(page, ADMIN.email, ADMIN.password);
    await page.getByRole("link", { name: "Discord" }).click();
    await page.getByRole("heading", { name: "Discord" }).waitFor();
    await page.getByText("Developer Mode").waitFor();
    await page.getByRole("button", { name: "New panel" }).click();

    const form = page.getByRole("dialog", { name: "New panel" });
    await form.getByRole("textbox", { name: "Name", exact: true }).fill("Support");
    await form.getByRole("textbox", { name: "Server (guild) id", exact: true }).fill(GUILD);
    await form.getByRole("textbox", { name: "Channel id", exact: true }).fill("#support");
    await form.getByRole("textbox", { name: "Title", exact: true }).fill("Need help?");

    await form.getByRole("button", { name: "Add topic" }).click();
    await form.getByRole("button", { name: "Add topic" }).click();
    await form.getByRole("textbox", { name: "Topic 1 label", exact: true }).fill("Bug report");
    await choose(page, form, "Topic 1 ticket type", "IT support");
    await form.getByRole("textbox", { name: "Topic 2 label", exact: true }).fill("Billing question");
    await form.getByRole("textbox", { name: "Topic 2 emoji", exact: true }).fill("💳");
    await choose(page, form, "Topic 2 ticket type", "Discord support");
    // Billing first: the menu lists topics in this order.
    await form.getByRole("button", { name: "Move topic 2 up" }).click();
    assert.equal(await form.getByRole("textbox", { name: "Topic 1 label", exact: true }).inputValue(), "Billing question");
    assert.equal(await form.getByRole("textbox", { name: "Topic 1 id", exact: true }).inputValue(), "billing-question");

    await form.getByRole("button", { name: "Create panel" }).click();
    const channel = form.getByRole("textbox", { name: "Channel id", exact: true });
    await eventually(async () => (await channel.getAttribute("aria-invalid")) === "true", { message: "the channel id marked invalid" });
    await form.getByText("a Discord id is its digits").waitFor();
    await shot(page, "discord-panel-field-error");

    await channel.fill(CHANNEL);
    await form.getByRole("button", { name: "Create panel" }).click();
    await form.waitFor({ state: "hidden" });

    const row = page.getByRole("table", { name: "Discord panels" }).getByRole("row").filter({ hasText: "Support" });
    await row.getByText(CHANNEL).waitFor();
    await row.getByText("not deployed").waitFor();
    assert.equal(await row.getByRole("cell").nth(2).innerText(), "2");

    await row.getByRole("button", { name: "Deploy panel Support" }).click();
    await row.getByText("deploy pending").waitFor();
    await shot(page, "discord-panels");

    const { items } = await server.api.get("/discord/panels");
    assert.equal(items.length, 1);
    assert.deepEqual(
      items[0].topics.map((t) => [t.id, t.label, t.ticket_type, t.emoji ?? null]),
      [
        ["billing-question", "Billing question", "discord_support", "💳"],
        ["bug-report", "Bug report", "it_support", null],
      ],
    );
    assert.ok(items[0].deploy_requested_at);
  });

  step("the ticket page shows the saved transcript with its file, the survey, and Discord's comments", async () => {
    const { page } = admin;
    const { api } = server;
    // A file copied from the channel, uploaded to the ticket first as the adapter does.
    const res = await fetch(`${server.url}/api/v1/tickets/${key}/attachments?filename=voice-log.txt`, {
      method: "POST",
      headers: { authorization: `Bearer ${api.token}`, "content-type": "text/plain" },
      body: "voice: connection refused\n",
    });
    assert.equal(res.status, 201, await res.clone().text());
    const file = await res.json();

    await api.request("PUT", `/tickets/${key}/transcript`, {
      channel_id: "554433221100998877",
      channel_name: "ticket-0001",
      messages: [
        {
          id: "1000000000000000001",
          author_id: "300000000000000001",
          author_name: "Mia",
          content: "I cannot join the voice channel, log attached.",
          created_at: "2025-03-01T10:00:00Z",
          attachments: [file.id],
        },
        {
          id: "1000000000000000002",
          author_id: "300000000000000002",
          author_name: "Sam (support)",
          staff: true,
          content: "Thanks! Try reconnecting now.",
          created_at: "2025-03-01T10:05:00Z",
          edited_at: "2025-03-01T10:06:00Z",
        },
        {
          id: "1000000000000000003",
          author_id: "300000000000000003",
          author_name: "Docket",
          bot: true,
          embeds: ["Ticket closed by Sam"],
          created_at: "2025-03-01T10:10:00Z",
        },
      ],
    });
    await api.request("PUT", `/tickets/${key}/survey`, { rating: 4, comment: "Quick and friendly" });
    await api.post(`/tickets/${key}/comments`, {
      kind: "public",
      body: "Relayed from the ticket channel",
      author: "requester",
      author_name: "Mia",
      channel: "discord",
    });
    await api.post(`/tickets/${key}/comments`, { kind: "internal", body: "Looks like the voice region" });

    await page.goto(`/tickets/${key}`);
    const transcript = page.getByRole("region", { name: "Transcript" });
    await transcript.getByText("#ticket-0001 · 3 messages").waitFor();
    await transcript.getByRole("button", { name: "Show transcript" }).click();
    const messages = transcript.getByRole("feed", { name: "Transcript messages" }).getByRole("article");
    await eventually(async () => (await messages.count()) === 3, { message: "three transcript messages" });
    const first = messages.nth(0);
    await first.getByText("I cannot join the voice channel, log attached.").waitFor();
    await first.getByRole("link", { name: /^Download voice-log\.txt/ }).waitFor();
    const second = messages.nth(1);
    await second.getByText("Sam (support)").waitFor();
    await second.getByText("Staff", { exact: true }).waitFor();
    await second.getByText(/^edited/).waitFor();
    await messages.nth(2).getByText("Bot", { exact: true }).waitFor();
    await messages.nth(2).getByText("Ticket closed by Sam").waitFor();

    const survey = page.getByRole("region", { name: "Survey" });
    await survey.getByRole("img", { name: "Rated 4 out of 5" }).waitFor();
    await survey.getByText("Quick and friendly").waitFor();

    const thread = page.getByRole("region", { name: "Conversation" });
    const relayed = thread.getByRole("article").filter({ hasText: "Relayed from the ticket channel" });
    await relayed.getByText("Discord", { exact: true }).waitFor();
    await shot(page, "discord-ticket");
  });

  step("the admin edits, then deletes, a comment of theirs", async () => {
    const { page } = admin;
    const thread = page.getByRole("region", { name: "Conversation" });
    const id = await thread.getByRole("article").filter({ hasText: "Looks like the voice region" }).getAttribute("data-comment-id");
    const note = thread.locator(`article[data-comment-id="${id}"]`);
    await note.getByRole("button", { name: /^Edit comment by/ }).click();
    await note.getByRole("textbox", { name: "Comment text" }).fill("It was the voice region: moved to Frankfurt");
    await note.getByRole("button", { name: "Save" }).click();
    await note.getByText("It was the voice region: moved to Frankfurt").waitFor();
    await note.getByText(/^edited/).waitFor();

    await note.getByRole("button", { name: /^Delete comment by/ }).click();
    await page.getByRole("dialog", { name: "Delete this comment?" }).getByRole("button", { name: "Delete" }).click();
    await note.getByText("message deleted").waitFor();
    assert.equal(await thread.getByText("It was the voice region: moved to Frankfurt").count(), 0);
    const { items } = await server.api.get(`/tickets/${key}/comments`);
    const deleted = items.find((c) => c.deleted_at);
    assert.ok(deleted, "the comment is deleted on the server");
    assert.equal(deleted.body, "");
  });
});
