// Routing end to end (issue 11), in Chromium against a real `docket serve` on SQLite: an
// admin sets the IT team's assignment rule in the team form; an agent marks herself away
// from the account menu, so new tickets go to the other agent; an admin sets her present
// again on the users page, and the next ticket is hers.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { ADMIN, eventually, failure, launchBrowser, newSession, signIn, startServer } from "./harness.mjs";

const PASSWORD = "correct horse battery staple";
const ADA = { email: "ada@example.com", name: "Ada Agent" };
const BO = { email: "bo@example.com", name: "Bo Agent" };
const ticket = (title) => ({ type: "it_support", title, fields: { category: "network", impact: "individual" } });

describe("routing", { timeout: 180_000 }, () => {
  let server;
  let browser;
  let admin;
  let ada;
  let adaId;
  let boId;

  before(async () => {
    server = await startServer({ label: "routing" });
    browser = await launchBrowser();
    adaId = (await server.api.createUser({ ...ADA, password: PASSWORD })).id;
    boId = (await server.api.createUser({ ...BO, password: PASSWORD })).id;
    await server.api.createTeam("it", "IT", [adaId, boId]);
    admin = await newSession(browser, server.url);
    ada = await newSession(browser, server.url);
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
        for (const [who, session] of Object.entries({ routing_admin: admin, routing_ada: ada })) {
          if (session && !session.page.isClosed()) await failure(session.page, who).catch(() => {});
        }
        throw error;
      }
    });

  step("an admin sets the team's rule to round robin", async () => {
    const { page } = admin;
    await signIn(page, ADMIN.email, ADMIN.password);
    await page.goto("/admin/teams");
    await page.getByRole("button", { name: "Edit team it" }).click();
    await page.getByRole("dialog").getByRole("combobox", { name: "Assignment rule" }).click();
    await page.getByRole("option", { name: "Round robin" }).click();
    await page.getByRole("button", { name: "Save team" }).click();
    await eventually(async () => (await server.api.get("/teams/it")).routing === "round_robin", { message: "the rule saved" });
  });

  step("an agent away gets no new tickets", async () => {
    const { page } = ada;
    await signIn(page, ADA.email, PASSWORD);
    await page.getByRole("button", { name: "account menu" }).click();
    await page.getByRole("menuitem", { name: "Set yourself away" }).click();
    await page.getByLabel("you are away").waitFor();
    assert.equal((await server.api.get(`/users/${adaId}`)).availability, "away");
    for (const title of ["one", "two"]) {
      const t = await server.api.createTicket(ticket(title));
      assert.equal(t.assignee_id, boId, `${title} goes to Bo`);
    }
  });

  step("an admin sets her present again, and the next ticket is hers", async () => {
    const { page } = admin;
    await page.goto("/admin/users");
    await page.getByRole("button", { name: `Set ${ADA.email} present` }).click();
    await eventually(async () => (await server.api.get(`/users/${adaId}`)).availability === "present", {
      message: "Ada present",
    });
    const t = await server.api.createTicket(ticket("three"));
    assert.equal(t.assignee_id, adaId);
    // Her page shows it from the account menu too.
    await ada.page.reload();
    await ada.page.getByRole("button", { name: "account menu" }).click();
    await ada.page.getByRole("menuitem", { name: "Set yourself away" }).waitFor();
  });
});
