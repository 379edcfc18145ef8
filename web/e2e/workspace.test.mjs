// The web workspace end to end (issue 5), in Chromium against one real `docket serve` on
// SQLite: an admin adds a ticket type and applies its plan; an agent creates a ticket
// through the generated form (refused first, then accepted), filters the queue by the new
// type's field, replies and notes, moves the status through the workflow and sees the SLA
// clock pause, while a second session sees the change live; people without the role do
// not reach the admin screens; the agent assigns two tickets to herself in one bulk
// action. Every screen is screenshotted on the way.
//
// The steps share one server and build on each other, so they run in order.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  ADMIN,
  SCREENSHOT_DIR,
  eventually,
  launchBrowser,
  newSession,
  failure,
  screenshots,
  shot,
  signIn,
  startServer,
} from "./harness.mjs";

const PASSWORD = "correct horse battery staple";
const TEAM = { slug: "lab", name: "Lab support" };
const ADA = { email: "ada@example.com", name: "Ada Agent" };
const BO = { email: "bo@example.com", name: "Bo Agent" };

const TYPE = { slug: "lab_equipment", name: "Lab equipment" };
const typeYaml = (extra = "") => `# A type made in the browser test.
slug: ${TYPE.slug}
name: ${TYPE.name}
description: An instrument in the lab is broken or missing.
key_prefix: LAB
default_priority: P2
workflow: default
teams: [${TEAM.slug}]
schema:
  type: object
  required: [instrument, asset_tag]
  properties:
    instrument:
      title: Instrument
      type: string
      enum: [microscope, centrifuge, spectrometer]
      x-index: true
    asset_tag:
      title: Asset tag
      description: The sticker on the instrument, e.g. LAB-0042.
      type: string
      pattern: "^LAB-[0-9]{4}$"
      x-index: true
    units_affected:
      title: Units affected
      type: integer
      minimum: 1
      maximum: 50
${extra}ui:
  ui:order: [instrument, asset_tag, units_affected${extra ? ", room" : ""}]
`;
const ROOM_FIELD = `    room:
      title: Room
      type: string
      maxLength: 40
`;

/** Choose `option` in a Mantine Select/MultiSelect (role combobox) named `name`. */
async function choose(scope, page, name, option) {
  await scope.getByRole("combobox", { name }).click();
  await page.getByRole("option", { name: option }).click();
}

/** The text of what an input's aria-describedby points at (its description and error). */
async function describedBy(input) {
  return input.evaluate((el) =>
    (el.getAttribute("aria-describedby") ?? "")
      .split(/\s+/)
      .filter(Boolean)
      .map((id) => document.getElementById(id)?.textContent ?? "")
      .join(" | "),
  );
}

/** The ticket keys of the queue's rows now. */
async function rowKeys(page) {
  return page.locator("tr[data-ticket-key]").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-ticket-key")));
}

describe("web workspace", { timeout: 240_000 }, () => {
  let server;
  let browser;
  let admin; // the admin's session
  let ada; // the agent who does the day's work
  let bo; // a second agent, watching the same ticket
  let ticketKey;
  let otherKey;
  let adaId;

  before(async () => {
    server = await startServer({ label: "workspace" });
    browser = await launchBrowser();
    const { api } = server;
    const adaUser = await api.createUser({ ...ADA, password: PASSWORD });
    adaId = adaUser.id;
    const boUser = await api.createUser({ ...BO, password: PASSWORD });
    await api.createTeam(TEAM.slug, TEAM.name, [adaUser.id, boUser.id]);
    // A business calendar, so the calendars screen has one to show.
    await api.request("PUT", "/sla/calendars/lab-hours", {
      time_zone: "Europe/Berlin",
      week: Object.fromEntries(
        ["monday", "tuesday", "wednesday", "thursday", "friday"].map((day) => [
          day,
          [{ start: "08:00", end: "12:00" }, { start: "13:00", end: "17:00" }],
        ]),
      ),
      holidays: [{ name: "Christmas Day", yearly: "12-25" }],
    });
    admin = await newSession(browser, server.url);
    ada = await newSession(browser, server.url);
    bo = await newSession(browser, server.url);
  });

  /** A step of the story; when it fails, every session's page is kept for the report. */
  const step = (name, fn) =>
    it(name, async () => {
      try {
        await fn();
      } catch (error) {
        for (const [who, session] of Object.entries({ admin, ada, bo })) {
          if (session && !session.page.isClosed()) await failure(session.page, who).catch(() => {});
        }
        throw error;
      }
    });

  after(async () => {
    await browser?.close();
    await server?.stop();
    const files = screenshots();
    console.log(`\n${files.length} screenshots in ${SCREENSHOT_DIR}:\n  ${files.join("\n  ")}`);
  });

  step("an admin signs in, adds a ticket type, previews its plan and applies it", async () => {
    const { page } = admin;
    await page.goto("/login");
    await page.getByRole("button", { name: "Sign in" }).waitFor();
    await shot(page, "login");
    await signIn(page, ADMIN.email, ADMIN.password);

    await page.getByRole("link", { name: "Ticket types" }).click();
    await page.getByRole("table", { name: "Ticket types" }).getByRole("link", { name: "IT support" }).waitFor();
    await shot(page, "admin-types");

    await page.getByRole("link", { name: "New type" }).click();
    await page.waitForURL("**/admin/types/new");
    await page.getByRole("textbox", { name: "Type definition (YAML)" }).fill(typeYaml());
    await page.getByRole("button", { name: "Preview plan" }).click();
    const ddl = page.getByTestId("plan-ddl");
    await ddl.waitFor();
    assert.match(await ddl.innerText(), /CREATE TABLE/i, "the plan shows the DDL that creates the type's table");
    assert.match(await ddl.innerText(), /asset_tag/);
    await page.locator("[data-safety=safe]").first().waitFor();
    await shot(page, "admin-type-new-plan");

    await page.getByRole("button", { name: "Apply" }).click();
    await page.waitForURL(`**/admin/types/${TYPE.slug}`);
    await page.getByRole("heading", { name: "Versions" }).waitFor();
    await page.getByRole("heading", { name: "Version 1" }).waitFor();

    // Evolve it: an optional field is a safe change, applied as version 2.
    const editor = page.getByRole("textbox", { name: "Type definition (YAML)" });
    await editor.fill(typeYaml(ROOM_FIELD));
    await page.getByRole("button", { name: "Preview plan" }).click();
    await eventually(async () => /room/.test(await page.getByTestId("plan-ddl").innerText()), {
      message: "the plan's DDL to add the room column",
    });
    await shot(page, "admin-type-evolve-plan");
    await page.getByRole("button", { name: "Apply" }).click();
    await page.getByText(`Applied as version 2 of ${TYPE.slug}.`).waitFor();
    await page.getByRole("heading", { name: "Version 2" }).waitFor();
    await shot(page, "admin-type-versions");
  });

  step("an agent creates a ticket through the generated form: refused first, then created", async () => {
    const { page } = ada;
    // Some work already in the queue (none of it a microscope: the filter step counts those).
    const seeded = [
      ["Spectrometer lamp flickers", "P1", { instrument: "spectrometer", asset_tag: "LAB-0101", units_affected: 1 }, ["optics"]],
      ["Centrifuge lid does not lock", "P0", { instrument: "centrifuge", asset_tag: "LAB-0102", units_affected: 3 }, []],
      ["Second spectrometer needs calibration", "P3", { instrument: "spectrometer", asset_tag: "LAB-0103" }, ["calibration"]],
    ];
    for (const [title, priority, fields, tags] of seeded) {
      await server.api.createTicket({
        type: TYPE.slug,
        title,
        priority,
        fields,
        tags,
        requester: { email: "lin@example.org", name: "Lin Requester" },
        ...(priority === "P0" ? { assignee_id: adaId } : {}),
      });
    }
    await signIn(page, ADA.email, PASSWORD);
    await page.getByRole("table", { name: "Tickets" }).locator("tr[data-ticket-key]").nth(2).waitFor();
    await shot(page, "queue");

    await page.getByRole("navigation").getByRole("link", { name: "New ticket" }).click();
    await page.getByRole("button", { name: `New ${TYPE.name} ticket` }).waitFor();
    await shot(page, "new-ticket-choose-type");
    await page.getByRole("button", { name: `New ${TYPE.name} ticket` }).click();
    await page.waitForURL(`**/new/${TYPE.slug}`);

    const details = page.getByRole("region", { name: `${TYPE.name} details` });
    await page.getByRole("textbox", { name: "Title" }).fill("Microscope focus knob is stuck");
    await page.getByRole("textbox", { name: "Description" }).fill("The **fine focus** does not turn.");
    await page.getByRole("textbox", { name: "Requester email" }).fill("grace@example.org");
    await page.getByRole("textbox", { name: "Requester name" }).fill("Grace Hopper");
    await choose(details, page, /Instrument/, "microscope");
    const assetTag = details.getByRole("textbox", { name: /Asset tag/ });
    await assetTag.fill("microscope 42");
    await details.getByRole("textbox", { name: /Units affected/ }).or(details.getByRole("spinbutton", { name: /Units affected/ })).fill("2");

    await page.getByRole("button", { name: "Create ticket" }).click();
    // The pattern mismatch is shown on the asset tag's own input, and nothing is created.
    await eventually(async () => (await assetTag.getAttribute("aria-invalid")) === "true", {
      message: "the asset tag input marked invalid",
    });
    assert.match(await describedBy(assetTag), /must match pattern/, "the input is described by its error");
    await details.getByText(/must match pattern/).first().waitFor();
    assert.match(page.url(), new RegExp(`/new/${TYPE.slug}$`), "no ticket was created");
    await shot(page, "new-ticket-invalid-field");

    await assetTag.fill("LAB-0042");
    await eventually(async () => (await assetTag.getAttribute("aria-invalid")) !== "true", {
      message: "the asset tag's error to clear once it matches",
    });
    await page.getByRole("button", { name: "Create ticket" }).click();
    await page.waitForURL(/\/tickets\/LAB-\d+$/);
    ticketKey = decodeURIComponent(page.url().split("/tickets/")[1]);
    await page.getByRole("heading", { name: "Microscope focus knob is stuck", level: 2 }).waitFor();
    await page.getByRole("heading", { name: `${TYPE.name} fields` }).waitFor();
    await shot(page, "ticket-created");

    const stored = await server.api.get(`/tickets/${ticketKey}`);
    assert.equal(stored.fields.asset_tag, "LAB-0042");
    assert.equal(stored.fields.instrument, "microscope");
    assert.equal(stored.requester?.email, "grace@example.org");
  });

  step("filters the queue by the new type's field", async () => {
    const { page } = ada;
    // A ticket of the same type that the filter must leave out.
    const other = await server.api.createTicket({
      type: TYPE.slug,
      title: "Centrifuge is unbalanced",
      fields: { instrument: "centrifuge", asset_tag: "LAB-0007" },
    });
    otherKey = other.key;

    await page.getByRole("navigation").getByRole("link", { name: "Queue" }).click();
    await page.getByRole("table", { name: "Tickets" }).waitFor();
    await choose(page, page, "Type", TYPE.name);
    await eventually(async () => {
      const keys = await rowKeys(page);
      return keys.includes(ticketKey) && keys.includes(otherKey) && keys.every((k) => k.startsWith("LAB-"));
    }, { message: "both lab tickets, and only lab tickets, in the queue" });

    const fields = page.getByRole("region", { name: "Type fields" });
    await choose(fields, page, "Instrument", "microscope");
    await page.keyboard.press("Escape");
    await eventually(async () => JSON.stringify(await rowKeys(page)) === JSON.stringify([ticketKey]), {
      message: `only ${ticketKey} in the queue filtered on instrument = microscope`,
    });
    assert.match(page.url(), /f\.instrument/, "the filter is in the URL, so the view is a link");
    await shot(page, "queue-filtered-by-field");
  });

  step("replies publicly, adds an internal note, moves the status and sees the SLA clock pause; another session sees it live", async () => {
    const { page } = ada;
    // Bo watches the ticket from his own session before Ada changes anything.
    await signIn(bo.page, BO.email, PASSWORD);
    await bo.page.goto(`/tickets/${ticketKey}`);
    await bo.page.getByRole("heading", { name: "Microscope focus knob is stuck", level: 2 }).waitFor();
    await bo.page.getByLabel("live updates: live").waitFor();
    await bo.page.evaluate(() => {
      window.__sameDocument = true; // gone if the page reloads
    });

    // Open it from the filtered queue with the keyboard: j selects the first row, Enter opens it.
    await page.evaluate(() => document.activeElement?.blur());
    await page.keyboard.press("j");
    await page.locator(`tr[data-ticket-key="${ticketKey}"][data-selected]`).waitFor();
    await page.keyboard.press("Enter");
    await page.waitForURL(`**/tickets/${ticketKey}`);
    const composer = page.getByRole("form", { name: "Reply composer" });
    await composer.waitFor();

    await composer.getByText("Public reply", { exact: true }).click();
    await composer.getByRole("textbox", { name: "Message" }).fill("Thanks Grace, a technician is on the way.");
    await composer.getByRole("button", { name: "Send" }).click();
    await page.locator("article[data-comment-kind=public]", { hasText: "a technician is on the way" }).waitFor();

    await composer.getByText("Internal note", { exact: true }).click();
    await composer.getByRole("textbox", { name: "Message" }).fill("Spare knob is in drawer **B3**.");
    await composer.getByRole("button", { name: "Send" }).click();
    const note = page.locator("article[data-comment-kind=internal]", { hasText: "Spare knob is in drawer" });
    await note.waitFor();
    assert.equal(await note.locator("strong", { hasText: "B3" }).count(), 1, "markdown is rendered");
    assert.equal(
      await page.locator("article[data-comment-kind=public]", { hasText: "drawer" }).count(),
      0,
      "the note is not shown as a public reply",
    );
    await shot(page, "ticket-reply-and-note");

    const resolution = page.locator("[data-metric=resolution]").first();
    await resolution.waitFor();
    assert.equal(await resolution.getAttribute("data-phase"), "running");

    const moveTo = async (status) => {
      await choose(page, page, "Status", new RegExp(`^${status}$`, "i"));
      await page.getByRole("button", { name: "Save changes" }).click();
      await page.locator(`[data-status=${status}]`).first().waitFor();
    };
    await moveTo("open");
    await moveTo("pending");
    await eventually(async () => (await resolution.getAttribute("data-phase")) === "paused", {
      message: "the resolution clock to pause in pending",
    });
    await page.getByText(/Paused; the clock resumes/).first().waitFor();
    await shot(page, "ticket-pending-sla-paused");

    // Bo's page followed without a reload: the status, the thread and who did it.
    await bo.page.locator("[data-status=pending]").first().waitFor();
    await bo.page.locator("article[data-comment-kind=internal]", { hasText: "Spare knob" }).waitFor();
    await bo.page.getByRole("status").filter({ hasText: `Updated by ${ADA.name}` }).waitFor();
    await eventually(async () => (await bo.page.locator("[data-metric=resolution]").first().getAttribute("data-phase")) === "paused", {
      message: "Bo's SLA panel to show the clock paused",
    });
    assert.equal(await bo.page.evaluate(() => window.__sameDocument), true, "Bo's page was not reloaded");
    await shot(bo.page, "ticket-live-update-second-session");

    const stored = await server.api.get(`/tickets/${ticketKey}`);
    assert.equal(stored.status, "pending");
  });

  // After the agent's work, so the SLA report has a met clock to show.
  step("the admin screens show: workflows, SLA, people, tokens, account", async () => {
    const { page } = admin;
    await page.getByRole("link", { name: "Workflows" }).first().click();
    await page.getByRole("heading", { name: "Workflows", level: 2 }).waitFor();
    await choose(page, page, "Type", TYPE.name);
    await page.getByRole("table", { name: "States" }).getByText("pending").first().waitFor();
    await page.getByRole("table", { name: "Transitions" }).waitFor();
    await shot(page, "admin-workflows");

    // Each screen with what shows it has loaded its data, not just its frame.
    const firstRow = (table) => page.getByRole("table", { name: table }).locator("tbody tr").first();
    const screens = [
      ["SLA policies", "admin-sla-policies", () => firstRow("SLA policies")],
      ["Business calendars", "admin-sla-calendars", () => page.getByRole("table", { name: "Business calendars" }).getByText("lab-hours")],
      ["SLA report", "admin-sla-report", () => page.getByRole("img", { name: /Met and breached/ })],
      ["Users", "admin-users", () => page.getByRole("table", { name: "Users" }).getByText(ADA.email)],
      ["Teams", "admin-teams", () => page.getByRole("table", { name: "Teams" }).getByText(TEAM.name)],
      ["API tokens", "admin-tokens", () => firstRow("API tokens")],
    ];
    for (const [link, name, loaded] of screens) {
      await page.getByRole("navigation").getByRole("link", { name: link, exact: true }).click();
      await page.getByRole("heading", { name: link, level: 2 }).waitFor();
      await loaded().waitFor();
      await shot(page, name);
    }

    await page.getByRole("button", { name: "account menu" }).click();
    await page.getByRole("menuitem", { name: "Account and API tokens" }).click();
    await page.getByRole("heading", { name: "Account", level: 2 }).waitFor();
    await shot(page, "account");
  });

  step("people without the admin role neither see nor reach the admin screens", async () => {
    const { page } = ada;
    await page.getByRole("navigation").getByRole("link", { name: "Queue" }).click();
    await page.getByRole("table", { name: "Tickets" }).waitFor();
    const nav = page.getByRole("navigation");
    assert.equal(await nav.getByRole("link", { name: "Ticket types" }).count(), 0);
    assert.equal(await nav.getByRole("link", { name: "Users" }).count(), 0);
    assert.equal(await nav.getByText("Admin", { exact: true }).count(), 0);

    await page.goto("/admin/types");
    await page.getByRole("heading", { name: "Not allowed" }).waitFor();
    assert.equal(await page.getByRole("table", { name: "Ticket types" }).count(), 0);
    await shot(page, "agent-admin-not-allowed");

    // Someone not signed in is sent to the login page, which remembers where they went.
    const anonymous = await newSession(browser, server.url);
    try {
      await anonymous.page.goto("/queue");
      await anonymous.page.getByRole("button", { name: "Sign in" }).waitFor();
      assert.match(anonymous.page.url(), /\/login\?next=%2Fqueue/);
      await anonymous.page.goto("/admin/types");
      await anonymous.page.getByRole("button", { name: "Sign in" }).waitFor();
      assert.equal(await anonymous.page.getByRole("table", { name: "Ticket types" }).count(), 0);
    } finally {
      await anonymous.context.close();
    }
  });

  step("an agent ticks two tickets in the queue and assigns both to herself at once", async () => {
    const { page } = ada;
    await page.getByRole("navigation").getByRole("link", { name: "Queue" }).click();
    const table = page.getByRole("table", { name: "Tickets" });
    // Two of the tickets seeded without an assignee.
    const titles = ["Spectrometer lamp flickers", "Second spectrometer needs calibration"];
    const picked = [];
    for (const title of titles) {
      const row = table.locator("tr[data-ticket-key]", { hasText: title });
      await row.waitFor();
      const key = await row.getAttribute("data-ticket-key");
      picked.push(key);
      await table.getByRole("checkbox", { name: `Select ${key}` }).check();
    }
    const bar = page.getByRole("toolbar", { name: "Bulk actions" });
    await bar.getByText("2 selected").waitFor();
    await shot(page, "queue-bulk-actions");

    await bar.getByRole("button", { name: "Assign to me" }).click();
    await page.getByText("Updated 2 of 2 tickets").waitFor();
    // The done rows are unticked (so the bar goes) and show her as the assignee.
    await bar.waitFor({ state: "detached" });
    for (const key of picked) {
      const row = table.locator(`tr[data-ticket-key="${key}"]`);
      await eventually(async () => (await row.innerText()).includes(ADA.name), { message: `${key} shows ${ADA.name} as assignee` });
      assert.equal(await table.getByRole("checkbox", { name: `Select ${key}` }).isChecked(), false);
      assert.equal((await server.api.get(`/tickets/${key}`)).assignee_id, adaId);
    }
  });
});
