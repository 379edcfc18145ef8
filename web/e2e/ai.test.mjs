// AI in the browser, against the repo's fake OpenAI-compatible server (crates/fake-openai,
// a real HTTP server on loopback):
//
// 1. an admin turns the AI on at /admin/ai (base URL, key), and the page says the AI
//    server is reachable (circuit closed) and the key set, without showing it;
// 2. a ticket is solved, and its page shows the summary the AI wrote, marked AI-written,
//    within seconds; the usage table counts the call.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import path from "node:path";
import { ADMIN, REPO_DIR, failure, launchBrowser, newSession, shot, signIn, startServer } from "./harness.mjs";

const FAKE_BIN = path.resolve(process.env.FAKE_OPENAI_BIN ?? path.join(REPO_DIR, "target", "debug", "fake-openai"));
const KEY = "sk-e2e-never-shown";

/** The fake OpenAI server on a free port; resolves with its base URL and a stop(). */
function startFake() {
  return new Promise((resolve, reject) => {
    const child = spawn(FAKE_BIN, ["--port", "0", "--key", KEY], { stdio: ["ignore", "pipe", "inherit"] });
    child.on("error", (e) => reject(new Error(`cannot start ${FAKE_BIN} (cargo build -p docket-fake-openai): ${e.message}`)));
    let out = "";
    child.stdout.on("data", (chunk) => {
      out += chunk;
      const m = out.match(/at (http:\/\/\S+)/);
      if (m) resolve({ url: m[1], stop: () => child.kill() });
    });
  });
}

describe("AI", { timeout: 180_000 }, () => {
  let server;
  let fake;
  let browser;
  let admin;

  before(async () => {
    fake = await startFake();
    server = await startServer({ label: "ai" });
    browser = await launchBrowser();
    admin = await newSession(browser, server.url);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    fake?.stop();
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

  step("an admin configures the AI server and its key", async () => {
    const { page } = admin;
    await signIn(page, ADMIN.email, ADMIN.password);
    await page.goto("/admin/ai");
    const serverSection = page.getByRole("region", { name: "AI server" });
    await serverSection.getByLabel("AI enabled").check();
    await serverSection.getByRole("textbox", { name: "Base URL" }).fill(fake.url);
    await page.getByRole("button", { name: "Save settings" }).click();
    const keySection = page.getByRole("region", { name: "API key" });
    await keySection.getByLabel("New key").fill(KEY);
    await keySection.getByRole("button", { name: "Set key" }).click();
    await keySection.getByText("set", { exact: true }).waitFor();
    await page.getByText("AI closed").waitFor();
    assert.equal(await page.getByText(KEY).count(), 0, "the key is never shown");
    const stored = await server.api.get("/ai/settings");
    assert.equal(stored.settings.enabled, true);
    assert.equal(stored.settings.base_url, fake.url);
    assert.ok(!JSON.stringify(stored).includes(KEY), "the key is not in the settings");
    await shot(page, "ai-settings");
  });

  step("solving a ticket yields its AI summary within seconds", async () => {
    const { page } = admin;
    const t = await server.api.createTicket({
      type: "it_support",
      title: "Outlook crashes on start",
      body: "Outlook closes right after the splash screen since this morning.",
      fields: { category: "email", impact: "individual" },
    });
    await server.api.patchTicket(t.key, { status: "solved" });
    await page.goto(`/tickets/${t.key}`);
    const summary = page.getByRole("region", { name: "Summary" });
    await summary.getByText(/AI-written/).waitFor({ timeout: 30_000 });
    await summary.getByText(/Issue:/).waitFor();
    await shot(page, "ticket-ai-summary");
    const stored = await server.api.get(`/tickets/${t.key}`);
    assert.equal(stored.summary.written_by.kind, "ai");
    await page.goto("/admin/ai");
    await page.getByRole("region", { name: "Usage" }).getByText("summary").first().waitFor();
  });
});
