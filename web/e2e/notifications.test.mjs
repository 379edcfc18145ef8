// Notifications out, in Chromium against a real `docket serve` on SQLite: an admin
// assigns a ticket to an agent, and the agent's bell counts it (the server's delivery
// worker runs every 2 s, the bell asks every 15 s) and lists it; opening it marks it read
// and goes to the ticket. The admin then creates an outgoing webhook at
// /admin/outgoing-webhooks pointing at a receiver this test runs, is shown the signing
// secret once, and after a ticket is created sees the delivery "delivered" in the
// delivery log with its body; the receiver got it, signed with that secret.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { createServer } from "node:http";
import { ADMIN, eventually, failure, launchBrowser, newSession, shot, signIn, startServer } from "./harness.mjs";

const PASSWORD = "correct horse battery staple";
const AGENT = { email: "nia@example.com", name: "Nia Agent" };
const ticket = (title) => ({ type: "it_support", title, fields: { category: "network", impact: "individual" } });

/** A tiny webhook receiver on a free loopback port: remembers every POST, answers 204. */
async function startReceiver() {
  const received = [];
  const server = createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      received.push({ method: req.method, headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
      res.writeHead(204).end();
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  return { url: `http://127.0.0.1:${port}/docket`, received, stop: () => new Promise((r) => server.close(r)) };
}

describe("notifications", { timeout: 240_000 }, () => {
  let server;
  let browser;
  let receiver;
  let admin;
  let agent;
  let agentId;
  let assignedKey;

  before(async () => {
    server = await startServer({ label: "notifications" });
    browser = await launchBrowser();
    receiver = await startReceiver();
    agentId = (await server.api.createUser({ ...AGENT, password: PASSWORD })).id;
    admin = await newSession(browser, server.url);
    agent = await newSession(browser, server.url);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    await receiver?.stop();
  });

  const step = (name, fn) =>
    it(name, async () => {
      try {
        await fn();
      } catch (error) {
        for (const [who, session] of Object.entries({ notifications_admin: admin, notifications_agent: agent })) {
          if (session && !session.page.isClosed()) await failure(session.page, who).catch(() => {});
        }
        throw error;
      }
    });

  step("an admin assigns a ticket to the agent", async () => {
    await signIn(admin.page, ADMIN.email, ADMIN.password);
    const t = await server.api.createTicket(ticket("Printer jams on floor 3"));
    assignedKey = t.key;
    const updated = await server.api.patchTicket(t.key, { assignee_id: agentId });
    assert.equal(updated.assignee_id, agentId);
  });

  step("the agent's bell counts it; opening it marks it read and goes to the ticket", async () => {
    const { page } = agent;
    await signIn(page, AGENT.email, PASSWORD);
    // The worker fans it out within ~2 s; the bell asks again within 15 s.
    await page.getByRole("button", { name: "notifications, 1 unread" }).waitFor({ timeout: 45_000 });
    await page.getByRole("button", { name: "notifications, 1 unread" }).click();
    const item = page.getByRole("menuitem", { name: new RegExp(`${assignedKey} was assigned to you`) });
    await item.waitFor();
    assert.ok(await item.locator("[data-unread]").count(), "marked unread");
    await shot(page, "notifications-bell");
    await item.click();
    await page.waitForURL(`**/tickets/${assignedKey}`);
    await page.getByRole("button", { name: "notifications, 0 unread" }).waitFor();
    // Read on the server too: a reload still says 0.
    await page.reload();
    await page.getByRole("button", { name: "notifications, 0 unread" }).waitFor();
    await page.getByRole("button", { name: "notifications, 0 unread" }).click();
    const again = page.getByRole("menuitem", { name: new RegExp(`${assignedKey} was assigned to you`) });
    await again.waitFor();
    assert.equal(await again.locator("[data-unread]").count(), 0);
    await page.keyboard.press("Escape");
  });

  step("the agent's preferences are on the account page", async () => {
    const { page } = agent;
    await page.goto("/account");
    const bellSwitch = page.getByRole("switch", { name: "A ticket is assigned to me: in the bell" });
    await bellSwitch.waitFor();
    assert.equal(await bellSwitch.isChecked(), true);
  });

  let secret;
  step("the admin creates an outgoing webhook and is shown its secret once", async () => {
    const { page } = admin;
    await page.goto("/admin/outgoing-webhooks");
    await page.getByRole("link", { name: "Outgoing webhooks" }).waitFor();
    await page.getByRole("button", { name: "New webhook" }).click();
    const drawer = page.getByRole("dialog", { name: "New webhook" });
    await drawer.getByRole("textbox", { name: "Name" }).fill("Receiver");
    await drawer.getByRole("textbox", { name: "URL" }).fill(receiver.url);
    // A pattern typed freely.
    const events = drawer.getByRole("combobox", { name: "Events" });
    await events.fill("ticket.*");
    await events.press("Enter");
    await events.press("Escape");
    await drawer.getByText("ticket.*", { exact: true }).waitFor();
    await drawer.getByRole("button", { name: "Create webhook" }).click();
    const dialog = page.getByRole("dialog", { name: "Signing secret of Receiver" });
    secret = (await dialog.getByLabel("Signing secret").innerText()).trim();
    assert.ok(secret.length >= 16, `a secret: ${secret}`);
    await dialog.getByText("X-Docket-Timestamp").waitFor();
    await shot(page, "outgoing-webhook-secret");
    await dialog.getByRole("button", { name: "Done" }).click();
    await dialog.waitFor({ state: "hidden" });
    const row = page.getByRole("row").filter({ hasText: "Receiver" });
    await row.getByText("on", { exact: true }).waitFor();
    assert.ok(!(await page.locator("body").innerText()).includes(secret), "the secret is shown only once");
    await shot(page, "outgoing-webhooks");
  });

  step("a new ticket is delivered to it, signed, and the log says so", async () => {
    const t = await server.api.createTicket(ticket("Monitor flickers"));
    const got = await eventually(() => receiver.received.find((r) => r.headers["x-docket-event"] === "ticket.created"), {
      timeout: 30_000,
      message: "the receiver to get ticket.created",
    });
    assert.equal(got.method, "POST");
    const body = JSON.parse(got.body);
    assert.equal(body.ticket.key, t.key);
    const timestamp = got.headers["x-docket-timestamp"];
    const expected = createHmac("sha256", secret).update(`${timestamp}.${got.body}`).digest("hex");
    assert.equal(got.headers["x-docket-signature"], `v1=${expected}`);

    const { page } = admin;
    await page.getByRole("link", { name: "Deliveries of webhook Receiver" }).click();
    await page.waitForURL(/\/admin\/deliveries\?/);
    const row = page.getByRole("row").filter({ hasText: t.key }).filter({ hasText: "ticket.created" });
    await eventually(
      async () => {
        if (await row.getByText("delivered", { exact: true }).count()) return true;
        await page.reload();
        await page.getByRole("table", { name: "Deliveries" }).waitFor();
        return false;
      },
      { timeout: 30_000, interval: 1_000, message: "the delivery to show delivered" },
    );
    await shot(page, "delivery-log");
    await row.getByRole("button", { name: /^Open delivery/ }).click();
    const drawer = page.getByRole("dialog", { name: /^Delivery \d+$/ });
    const shown = JSON.parse(await drawer.getByLabel("Delivery body").innerText());
    assert.equal(shown.ticket.key, t.key);
    await drawer.getByRole("table", { name: "Attempts" }).getByText("delivered", { exact: true }).waitFor();
    await shot(page, "delivery-detail");
  });
});
