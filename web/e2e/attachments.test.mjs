// Files in the browser: an agent attaches a screenshot to a reply with the file picker,
// sees it upload, sends the reply, sees the thumbnail in the thread (loaded with the
// session cookie), opens it full size, downloads it back byte for byte, and finds it in
// the ticket's Files panel; the API has the file on the comment.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { crc32, deflateSync } from "node:zlib";
import { failure, launchBrowser, newSession, shot, signIn, startServer } from "./harness.mjs";

const PASSWORD = "correct horse battery staple";
const AGENT = { email: "ida@example.com", name: "Ida Agent" };

/** A real PNG (the server serves a picture inline only when its bytes are one): a 24x16 gradient. */
function png(width = 24, height = 16) {
  const chunk = (type, data) => {
    const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
    const out = Buffer.alloc(body.length + 8);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), body.length + 4);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  const rows = [];
  for (let y = 0; y < height; y++) {
    rows.push(0); // no filter
    for (let x = 0; x < width; x++) rows.push((x * 255) / width, (y * 255) / height, 160);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(Buffer.from(rows))),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

describe("attachments", { timeout: 180_000 }, () => {
  let server;
  let browser;
  let ida;
  let key;
  const picture = png();

  before(async () => {
    server = await startServer({ label: "attachments" });
    browser = await launchBrowser();
    const { api } = server;
    const agent = await api.createUser({ ...AGENT, password: PASSWORD });
    await api.createTeam("it", "IT", [agent.id]).catch(async () => {
      await api.request("PUT", `/teams/it/members/${agent.id}`);
    });
    const ticket = await api.createTicket({
      type: "it_support",
      title: "The printer shows an error",
      requester: { email: "grace@example.org", name: "Grace Hopper" },
      fields: { category: "hardware", impact: "individual" },
    });
    key = ticket.key;
    ida = await newSession(browser, server.url);
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
        if (ida && !ida.page.isClosed()) await failure(ida.page, "ida").catch(() => {});
        throw error;
      }
    });

  step("a reply carries a screenshot: thumbnail in the thread, downloaded back as it was", async () => {
    const { page, context } = ida;
    await signIn(page, AGENT.email, PASSWORD);
    await page.goto(`/tickets/${key}`);
    const composer = page.getByRole("form", { name: "Reply composer" });
    await composer.getByRole("textbox", { name: "Message" }).fill("Here is what the printer shows.");

    const [chooser] = await Promise.all([
      page.waitForEvent("filechooser"),
      composer.getByRole("button", { name: "Attach files" }).click(),
    ]);
    await chooser.setFiles({ name: "printer error.png", mimeType: "image/png", buffer: picture });
    const chip = composer.getByRole("list", { name: "Files to send" }).getByRole("listitem");
    await chip.getByText("printer error.png").waitFor();
    await chip.and(page.locator('[data-upload-status="uploaded"]')).waitFor();
    await composer.getByRole("button", { name: "Send" }).click();
    await composer.getByRole("list", { name: "Files to send" }).waitFor({ state: "detached" });

    const reply = page
      .getByRole("region", { name: "Conversation" })
      .getByRole("article")
      .filter({ hasText: "Here is what the printer shows." });
    const thumbnail = reply.getByRole("img", { name: "printer error.png" });
    await thumbnail.waitFor();
    // Loaded, with the session cookie: a broken image has no natural size.
    await page.waitForFunction((img) => img.complete && img.naturalWidth === 24, await thumbnail.elementHandle());

    // The thumbnail opens the picture full size in a new tab.
    const [tab] = await Promise.all([context.waitForEvent("page"), thumbnail.click()]);
    await tab.waitForLoadState();
    assert.match(tab.url(), /\/api\/v1\/attachments\/\d+\/content$/);
    await tab.close();

    // Downloaded back, byte for byte.
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      reply.getByRole("link", { name: /^Download printer error\.png/ }).click(),
    ]);
    assert.equal(download.suggestedFilename(), "printer error.png");
    assert.deepEqual(await readFile(await download.path()), picture);

    const files = page.getByRole("region", { name: /^Files/ });
    await files.getByRole("img", { name: "printer error.png" }).waitFor();
    await shot(page, "ticket-attachments");

    const { items } = await server.api.get(`/tickets/${key}/comments`);
    const sent = items.find((c) => c.body === "Here is what the printer shows.");
    assert.deepEqual(
      sent.attachments.map((a) => [a.filename, a.content_type, a.size]),
      [["printer error.png", "image/png", picture.length]],
    );
  });
});
