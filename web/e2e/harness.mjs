// What the browser tests and the queue benchmark stand on: a real `docket serve` on SQLite
// in a fresh temporary folder, an admin API client to seed data through the public API,
// Debian's Chromium driven by playwright-core, and numbered screenshots.
//
// Environment:
//   DOCKET_BIN      the server binary (default: <repo>/target/debug/docket)
//   DOCKET_WEB_DIR  the built UI (default: web/dist, from `npm run build`)
//   CHROMIUM        the browser (default: /usr/bin/chromium)
//   E2E_KEEP_DATA   keep the server's temporary folder after the run (and say where)
import { spawn, execFile } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { chromium } from "playwright-core";

export const WEB_DIR = path.resolve(fileURLToPath(new URL("..", import.meta.url)));
export const REPO_DIR = path.resolve(WEB_DIR, "..");
export const OUTPUT_DIR = path.join(WEB_DIR, "e2e", "output");
export const SCREENSHOT_DIR = path.join(OUTPUT_DIR, "screenshots");

export const DIST_DIR = path.resolve(process.env.DOCKET_WEB_DIR ?? path.join(WEB_DIR, "dist"));
export const DOCKET_BIN = path.resolve(process.env.DOCKET_BIN ?? path.join(REPO_DIR, "target", "debug", "docket"));
export const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
export const TYPES_DIR = path.join(REPO_DIR, "ticket-types");

/** The first admin, made by `docket admin create` before the server starts. */
export const ADMIN = { email: "admin@example.com", name: "Admin", password: "correct horse battery" };

/** Stop at once, saying what to do, when something the run needs is not there. */
export function preflight({ bin = DOCKET_BIN } = {}) {
  const missing = [];
  if (!existsSync(path.join(DIST_DIR, "index.html"))) {
    missing.push(`the built UI: ${path.join(DIST_DIR, "index.html")} is missing. Run \`npm run build\` in web/ (or set DOCKET_WEB_DIR).`);
  }
  if (!existsSync(bin)) {
    missing.push(`the server: ${bin} is missing. Run \`cargo build -p docket-server\` in the repository (or set DOCKET_BIN).`);
  }
  if (!existsSync(CHROMIUM)) {
    missing.push(`Chromium: ${CHROMIUM} is missing. Run \`apt-get install -y chromium\` (or set CHROMIUM).`);
  }
  if (missing.length > 0) throw new Error(`e2e cannot run without\n  - ${missing.join("\n  - ")}`);
}

/** A port nobody listens on now (the OS picks it; the server binds it right after). */
async function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Poll `check` until it returns something truthy; fail with `message` after `timeout` ms. */
export async function eventually(check, { timeout = 15_000, interval = 100, message = "condition" } = {}) {
  const deadline = Date.now() + timeout;
  let lastError;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeout} ms waiting for ${message}${lastError ? `: ${lastError.message}` : ""}`);
    }
    await new Promise((r) => setTimeout(r, interval));
  }
}

const run = promisify(execFile);

/**
 * Start `docket serve` on SQLite in a new temporary folder with the first admin and an
 * admin API token; resolves once /api/v1/health answers. `stop()` ends it and removes
 * the folder. The server's output goes to e2e/output/server[-<label>].log.
 *
 * With `databaseUrl` it serves that existing database instead (a desk seeded by
 * `docket-bench --queues --keep`): no admin or token is made, and `api` is null.
 */
export async function startServer({ label = "", sweepSeconds = 2, typesDir = TYPES_DIR, bin = DOCKET_BIN, databaseUrl } = {}) {
  preflight({ bin });
  const dataDir = await mkdtemp(path.join(tmpdir(), "docket-e2e-"));
  const env = {
    ...process.env,
    DOCKET_DATA_DIR: dataDir,
    DOCKET_TYPES_DIR: typesDir,
    DOCKET_WEB_DIR: DIST_DIR,
    DOCKET_SLA_SWEEP_SECONDS: String(sweepSeconds),
    RUST_LOG: process.env.RUST_LOG ?? "warn",
  };
  delete env.DOCKET_DATABASE_URL;
  delete env.DOCKET_CONFIG;
  if (databaseUrl) env.DOCKET_DATABASE_URL = databaseUrl;

  let token = null;
  if (!databaseUrl) {
    await run(bin, ["admin", "create", "--email", ADMIN.email, "--name", ADMIN.name], {
      env: { ...env, DOCKET_ADMIN_PASSWORD: ADMIN.password },
    });
    const created = await run(
      bin,
      ["tokens", "create", "--user", ADMIN.email, "--name", "e2e seeding", "--scopes", "read,write,admin"],
      { env },
    );
    token = created.stdout.match(/dkt_\S+/)?.[0];
    if (!token) throw new Error(`no token in the output of \`docket tokens create\`: ${created.stdout} ${created.stderr}`);
  }

  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  mkdirSync(OUTPUT_DIR, { recursive: true });
  const logPath = path.join(OUTPUT_DIR, `server${label ? `-${label}` : ""}.log`);
  const log = createWriteStream(logPath);
  const child = spawn(bin, ["serve"], { env: { ...env, DOCKET_BIND: `127.0.0.1:${port}` }, stdio: ["ignore", "pipe", "pipe"] });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  let exited = null;
  const exit = new Promise((resolve) => child.on("exit", (code, signal) => resolve((exited = { code, signal }))));

  const stop = async () => {
    if (!exited) {
      child.kill("SIGTERM");
      const killer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exit;
      clearTimeout(killer);
    }
    log.end();
    if (process.env.E2E_KEEP_DATA) console.log(`server data kept in ${dataDir}`);
    else rmSync(dataDir, { recursive: true, force: true });
  };

  try {
    await eventually(
      async () => {
        if (exited) throw new Error(`docket serve exited (${JSON.stringify(exited)}); see ${logPath}`);
        const res = await fetch(`${url}/api/v1/health`);
        return res.ok;
      },
      { timeout: 60_000, interval: 200, message: `${url}/api/v1/health` },
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, dataDir, logPath, api: token ? new Api(url, token) : null, stop };
}

/** An error response from the API, with its status and problem body. */
export class ApiCallError extends Error {
  constructor(method, path, status, body) {
    super(`${method} ${path} -> ${status}: ${typeof body === "string" ? body : JSON.stringify(body)}`);
    this.status = status;
    this.body = body;
  }
}

/** The public REST API with a bearer token (the admin's, for seeding). */
export class Api {
  constructor(baseUrl, token) {
    this.baseUrl = baseUrl;
    this.token = token;
  }

  async request(method, apiPath, body, headers = {}) {
    const res = await fetch(`${this.baseUrl}/api/v1${apiPath}`, {
      method,
      headers: {
        authorization: `Bearer ${this.token}`,
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
        ...headers,
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    let data = text;
    try {
      data = text ? JSON.parse(text) : null;
    } catch {
      // not JSON: keep the text
    }
    if (!res.ok) throw new ApiCallError(method, apiPath, res.status, data);
    return data;
  }

  get(p) {
    return this.request("GET", p);
  }
  post(p, body, headers) {
    return this.request("POST", p, body, headers);
  }

  /** A person who can sign in. */
  createUser({ email, name, role = "agent", password }) {
    return this.post("/users", { email, display_name: name, role, password });
  }

  async createTeam(slug, name, memberIds = []) {
    const team = await this.post("/teams", { slug, name });
    for (const id of memberIds) await this.request("PUT", `/teams/${slug}/members/${id}`);
    return team;
  }

  createTicket(body, idempotencyKey) {
    return this.post("/tickets", body, idempotencyKey ? { "idempotency-key": idempotencyKey } : {});
  }

  patchTicket(key, update, version = "*") {
    return this.request("PATCH", `/tickets/${encodeURIComponent(key)}`, update, {
      "if-match": version === "*" ? "*" : `"${version}"`,
    });
  }
}

export const CHROMIUM_ARGS = [
  "--headless=new",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-dev-shm-usage",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Debian's Chromium; every browser session is a context of its own (`newSession`). */
export async function launchBrowser() {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium: ${CHROMIUM} is missing. Run \`apt-get install -y chromium\` (or set CHROMIUM).`);
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

/**
 * A separate browser session (own cookies, own storage) with a page on `baseUrl`.
 * Auto-waiting actions give up after `timeout` ms (30 s: a loaded two-core CI machine can be slow to first paint).
 */
export async function newSession(browser, baseUrl, { timeout = 30_000 } = {}) {
  const context = await browser.newContext({ baseURL: baseUrl, viewport: { width: 1400, height: 900 } });
  context.setDefaultTimeout(timeout);
  context.setDefaultNavigationTimeout(30_000);
  const page = await context.newPage();
  // A page error is a bug in the UI: keep it for the report instead of losing it.
  page.on("pageerror", (error) => console.error(`[page error] ${error.message}`));
  return { context, page };
}

/** Sign in through the login form, as a person would; resolves once the shell shows. */
export async function signIn(page, email, password) {
  if (!new URL(page.url(), "http://x").pathname.startsWith("/login")) await page.goto("/login");
  await page.getByRole("textbox", { name: "Email" }).fill(email);
  await page.getByRole("textbox", { name: "Password", exact: true }).fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("button", { name: "account menu" }).waitFor();
}

let shotNumber = 0;
/** A full-page screenshot, numbered in the order taken, in e2e/output/screenshots/. */
export async function shot(page, name) {
  if (shotNumber === 0) {
    // A run's screenshots replace the previous run's, so the folder shows one story.
    rmSync(SCREENSHOT_DIR, { recursive: true, force: true });
    rmSync(path.join(OUTPUT_DIR, "failures"), { recursive: true, force: true });
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
  }
  shotNumber += 1;
  const file = path.join(SCREENSHOT_DIR, `${String(shotNumber).padStart(2, "0")}-${name}.png`);
  // No hover highlight where the last click left the mouse.
  await page.mouse.move(0, 0);
  // From the top: the fixed header would otherwise be drawn where the page was scrolled to.
  await page.evaluate(() => window.scrollTo(0, 0));
  // Mantine's transitions and the caret would otherwise make shots differ run to run.
  // Toasts ("LAB-4 saved") would cover the panel under them; the screen is what matters.
  await page.screenshot({
    path: file,
    fullPage: true,
    animations: "disabled",
    caret: "hide",
    style: ".mantine-Notifications-root { visibility: hidden !important; }",
  });
  return file;
}

/**
 * What a page showed when a step failed: a screenshot and its accessibility tree, as
 * e2e/output/failures/<who>.{png,txt}, named in the error output.
 */
export async function failure(page, who) {
  const dir = path.join(OUTPUT_DIR, "failures");
  mkdirSync(dir, { recursive: true });
  const base = path.join(dir, who);
  await page.screenshot({ path: `${base}.png`, fullPage: true });
  writeFileSync(`${base}.txt`, `${page.url()}\n\n${await page.locator("body").ariaSnapshot()}`);
  console.error(`[failure] ${who}'s page at ${page.url()}: ${base}.png, ${base}.txt`);
}

/** The screenshots taken so far (file names), for the end-of-run summary. */
export function screenshots() {
  return existsSync(SCREENSHOT_DIR) ? readdirSync(SCREENSHOT_DIR).sort() : [];
}
