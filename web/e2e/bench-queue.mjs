// The web workspace's figures (issue 5), run by hand (not part of `npm run e2e`):
//
//   1. time to the first rendered queue row with 10,000 tickets, for a signed-in agent,
//      cold (a new browser context: empty cache) and warm (the same context, reloaded);
//   2. the production bundle's size, gzipped and as sent (brotli), file by file: what
//      index.html loads, what the queue loads, and everything; and the bytes of JS and CSS
//      that went over the wire in each load (Resource Timing).
//
//   node e2e/bench-queue.mjs [--tickets 10000] [--runs 5] [--concurrency 16] [--cpu]
//
// The server is the release build (<repo>/target/release/docket) if it exists, else the
// debug build; DOCKET_BIN overrides both. It runs on SQLite in a temporary folder and the
// tickets are created through the public API (POST /tickets), as a client would.
// Results are printed and written to e2e/output/bench-queue.json.
//
// On a desk that is already there (the million tickets of `docket-bench --queues --keep`),
// nothing is created: the agent signs in with the password the bench gave it.
//
//   node e2e/bench-queue.mjs --database-url sqlite:///tmp/docket-bench_.../docket.db
//   node e2e/bench-queue.mjs --database-url 'postgres://postgres@127.0.0.1:5432/test?options[search_path]=bench_...'
//   node e2e/bench-queue.mjs --url http://127.0.0.1:8080        (a server already running)
//
// --agent-email and --agent-password name another agent.
//
// --cpu also traces every load and adds the renderer main thread's CPU time until the first
// row (the trace's thread time): on a shared machine the wall-clock figures include the
// time other processes held the cores, this one mostly does not. Tracing costs a little.
import { readFileSync, readdirSync, statSync, writeFileSync, mkdirSync, existsSync } from "node:fs";
import { cpus, loadavg, totalmem, release } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { gzipSync } from "node:zlib";
import { DIST_DIR, OUTPUT_DIR, REPO_DIR, eventually, launchBrowser, startServer } from "./harness.mjs";

const { values: opts } = parseArgs({
  options: {
    tickets: { type: "string", default: "10000" },
    runs: { type: "string", default: "5" },
    concurrency: { type: "string", default: "16" },
    "database-url": { type: "string" },
    url: { type: "string" },
    "agent-email": { type: "string" },
    "agent-password": { type: "string" },
    cpu: { type: "boolean", default: false },
  },
});
const TICKETS = Number(opts.tickets);
const RUNS = Number(opts.runs);
const CONCURRENCY = Number(opts.concurrency);
const CPU = opts.cpu;

// The same account `docket-bench --queues` makes (crates/bench/src/queues/desk.rs), so that
// an existing desk can be signed into.
const AGENT = {
  email: opts["agent-email"] ?? "bench.agent@example.com",
  name: "Bench Agent",
  password: opts["agent-password"] ?? "correct horse battery staple",
};
// An existing desk: a database to serve, or a server to use. Nothing is seeded then.
const DATABASE_URL = opts["database-url"];
const EXISTING_URL = opts.url?.replace(/\/$/, "");

function serverBinary() {
  if (process.env.DOCKET_BIN) {
    const bin = path.resolve(process.env.DOCKET_BIN);
    const kind = bin.includes("/release/") ? "release" : bin.includes("/debug/") ? "debug" : "unknown";
    return { bin, build: `${kind} (DOCKET_BIN)` };
  }
  const releaseBin = path.join(REPO_DIR, "target", "release", "docket");
  if (existsSync(releaseBin)) return { bin: releaseBin, build: "release" };
  return { bin: path.join(REPO_DIR, "target", "debug", "docket"), build: "debug" };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const ms = (x) => `${x.toFixed(0)} ms`;
const kb = (bytes) => `${(bytes / 1024).toFixed(1)} kB`;

// ---------------------------------------------------------------------------------------
// Seeding

const CATEGORIES = ["hardware", "software", "network", "account_access", "email", "printing", "security", "other"];
const IMPACTS = ["individual", "team", "department", "organization"];
const PRIORITIES = ["P0", "P1", "P2", "P3", "P3", "P2", "P2"];
const WORDS = "printer vpn laptop password outlook wifi monitor badge screen login update crash slow disk".split(" ");

/** The n-th ticket: IT support, valid against its shipped schema, varied enough to look real. */
function ticketBody(n) {
  const w = (k) => WORDS[(n * 7 + k * 13) % WORDS.length];
  return {
    type: "it_support",
    title: `${w(0)} ${w(1)} problem #${n}`,
    body: `The ${w(2)} stopped working after the ${w(3)}. Ticket ${n} of the queue benchmark.`,
    priority: PRIORITIES[n % PRIORITIES.length],
    requester: { email: `user${n % 500}@example.org` },
    tags: n % 3 === 0 ? ["bench"] : [],
    fields: {
      category: CATEGORIES[n % CATEGORIES.length],
      impact: IMPACTS[n % IMPACTS.length],
      affected_users: 1 + (n % 40),
    },
  };
}

async function seed(api, count, concurrency) {
  let next = 0;
  let retried = 0;
  const started = performance.now();
  const worker = async () => {
    for (;;) {
      const n = next++;
      if (n >= count) return;
      // Retried with the same idempotency key, so a retry never makes a second ticket.
      for (let attempt = 0; ; attempt++) {
        try {
          await api.createTicket(ticketBody(n), `bench-${n}`);
          break;
        } catch (error) {
          if (attempt >= 5 || (error.status && error.status < 500 && error.status !== 429)) throw error;
          retried++;
          await new Promise((r) => setTimeout(r, 100 * (attempt + 1)));
        }
      }
      if ((n + 1) % 1000 === 0) process.stdout.write(`  ${n + 1} tickets\n`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  return { seconds, perSecond: count / seconds, retried };
}

// ---------------------------------------------------------------------------------------
// Time to the first queue row

// In the page, before any of its scripts: note when the first queue row enters the DOM,
// and the frame after it (when it has been painted), on the navigation's clock.
const FIRST_ROW_OBSERVER = () => {
  const record = () => {
    if (window.__firstRow || !document.querySelector("tr[data-ticket-key]")) return false;
    const inserted = performance.now();
    window.__firstRow = { inserted };
    requestAnimationFrame(() => {
      window.__firstRow.painted = performance.now();
    });
    return true;
  };
  new MutationObserver((_, observer) => {
    if (record()) observer.disconnect();
  }).observe(document, { childList: true, subtree: true });
};

/** Sign the context in through the API, so no page (and no asset) is loaded before the timed one. */
async function signInByApi(context, baseUrl) {
  const res = await context.request.post(`${baseUrl}/api/v1/auth/login`, {
    data: { email: AGENT.email, password: AGENT.password },
  });
  if (!res.ok()) throw new Error(`login: ${res.status()} ${await res.text()}`);
}

/** Load /queue and time it: navigation start to the first row painted, and what was fetched. */
async function timeQueue(page) {
  // Chromium's own account of the main thread's work (seconds since the target was made).
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Performance.enable");
  const metrics = async () =>
    Object.fromEntries((await cdp.send("Performance.getMetrics")).metrics.map((m) => [m.name, m.value]));
  const before = await metrics();
  const tracePath = path.join(OUTPUT_DIR, "bench-queue-trace.json");
  if (CPU) {
    mkdirSync(OUTPUT_DIR, { recursive: true });
    await page.context().browser().startTracing(page, { path: tracePath, categories: ["devtools.timeline", "disabled-by-default-devtools.timeline", "blink.user_timing"] });
  }
  const started = performance.now();
  await page.goto("/queue", { waitUntil: "commit" });
  await page.locator("tr[data-ticket-key]").first().waitFor({ state: "visible", timeout: 60_000 });
  const wall = performance.now() - started;
  const inPage = await eventually(() => page.evaluate(() => window.__firstRow?.painted && window.__firstRow), {
    message: "the first row's paint time",
  });
  const after = await metrics();
  const spent = (name) => (after[name] - before[name]) * 1000;
  const mainThread = {
    script: spent("ScriptDuration"),
    styleAndLayout: spent("RecalcStyleDuration") + spent("LayoutDuration"),
    tasks: spent("TaskDuration"),
  };
  if (CPU) {
    await page.context().browser().stopTracing();
    mainThread.cpu = mainThreadCpu(JSON.parse(readFileSync(tracePath, "utf8")).traceEvents, inPage.painted);
  }
  await cdp.detach();
  const timing = await page.evaluate(() => {
    const nav = performance.getEntriesByType("navigation")[0];
    const resources = performance.getEntriesByType("resource");
    const list = resources.find((r) => r.name.includes("/api/v1/tickets?"));
    const assets = resources.filter((r) => new URL(r.name).pathname.startsWith("/assets/"));
    const me = resources.find((r) => r.name.includes("/api/v1/auth/me"));
    const apiCalls = resources
      .filter((r) => new URL(r.name).pathname.startsWith("/api/v1/") && !r.name.includes("/stream"))
      .map((r) => ({ path: r.name.replace(/^https?:\/\/[^/]+/, ""), start: r.startTime, end: r.responseEnd }));
    return {
      domContentLoaded: nav.domContentLoadedEventEnd,
      meEnd: me ? me.responseEnd : null,
      lastAssetEnd: Math.max(0, ...assets.map((r) => r.responseEnd)),
      apiCalls,
      listRequest: list ? { url: list.name, start: list.startTime, end: list.responseEnd, bytes: list.encodedBodySize } : null,
      assets: assets.map((r) => ({
        path: new URL(r.name).pathname,
        transferred: r.transferSize,
        body: r.encodedBodySize,
        decoded: r.decodedBodySize,
      })),
      rows: document.querySelectorAll("tr[data-ticket-key]").length,
      // index.html itself: bytes over the wire (headers included) and the body as sent.
      document: { transferred: nav.transferSize, body: nav.encodedBodySize, decoded: nav.decodedBodySize },
    };
  });
  return { wall, painted: inPage.painted, inserted: inPage.inserted, mainThread, ...timing };
}

/**
 * CPU time of the page's renderer main thread from navigation start until `untilMs` after
 * it: the thread time (`tdur`) of its top-level tasks, which leaves out the time the thread
 * waited for a core.
 */
function mainThreadCpu(events, untilMs) {
  const nav = events.filter((e) => e.name === "navigationStart" && e.args?.data?.documentLoaderURL?.includes("/queue")).at(-1);
  if (!nav) return NaN;
  const main = events.find((e) => e.name === "thread_name" && e.pid === nav.pid && e.args?.name === "CrRendererMain");
  const end = nav.ts + untilMs * 1000;
  return events
    .filter((e) => e.pid === nav.pid && e.tid === main?.tid && e.ph === "X" && e.name === "RunTask" && e.ts >= nav.ts && e.ts <= end)
    .reduce((total, e) => total + (e.tdur ?? 0) / 1000, 0);
}

async function measureQueue(browser, baseUrl) {
  const contextOptions = { baseURL: baseUrl, viewport: { width: 1400, height: 900 } };
  const cold = [];
  for (let i = 0; i < RUNS; i++) {
    const context = await browser.newContext(contextOptions);
    await context.addInitScript(FIRST_ROW_OBSERVER);
    await signInByApi(context, baseUrl);
    const page = await context.newPage();
    cold.push(await timeQueue(page));
    await context.close();
  }
  const context = await browser.newContext(contextOptions);
  await context.addInitScript(FIRST_ROW_OBSERVER);
  await signInByApi(context, baseUrl);
  const page = await context.newPage();
  await timeQueue(page); // fills the cache; not counted
  const warm = [];
  for (let i = 0; i < RUNS; i++) warm.push(await timeQueue(page));
  await context.close();
  return { cold, warm };
}

// ---------------------------------------------------------------------------------------
// Bundle size

function filesUnder(dir) {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? filesUnder(full) : [full];
  });
}

/**
 * Every file of the build with its raw and gzip size (zlib level 6, what servers use by
 * default), and what `docket serve` sends a browser that accepts brotli: the `.br` sibling
 * written by `npm run build` (scripts/precompress.mjs), else the file itself. The siblings
 * are not counted as files of their own.
 */
function bundleSizes() {
  return filesUnder(DIST_DIR)
    .filter((file) => !/\.(br|gz)$/.test(file))
    .map((file) => {
      const bytes = readFileSync(file);
      const br = existsSync(`${file}.br`) ? statSync(`${file}.br`).size : bytes.length;
      return {
        path: "/" + path.relative(DIST_DIR, file).split(path.sep).join("/"),
        raw: bytes.length,
        gzip: gzipSync(bytes, { level: 6 }).length,
        br,
      };
    })
    .sort((a, b) => b.gzip - a.gzip);
}

/** What index.html itself makes the browser fetch: entry script, module preloads, styles. */
function initialFiles() {
  const html = readFileSync(path.join(DIST_DIR, "index.html"), "utf8");
  const refs = [...html.matchAll(/<(?:script[^>]*\bsrc|link[^>]*\bhref)="([^"]+)"/g)].map((m) => m[1]);
  return ["/index.html", ...refs.filter((r) => r.startsWith("/"))];
}

function sum(files, key) {
  return files.reduce((total, f) => total + f[key], 0);
}

// ---------------------------------------------------------------------------------------

/** The server to measure: one already running (--url), or `docket serve` started here. */
async function server(bin) {
  if (EXISTING_URL) return { url: EXISTING_URL, api: null, stop: async () => {} };
  // No sweeps while measuring: nothing breaches in a benchmark this short anyway.
  return startServer({ label: "bench", bin, sweepSeconds: 3600, databaseUrl: DATABASE_URL });
}

async function main() {
  const { bin, build } = serverBinary();
  const existing = EXISTING_URL ?? DATABASE_URL;
  console.log(`server: ${EXISTING_URL ? `${EXISTING_URL} (already running)` : `${bin} (${build} build)`}\nUI: ${DIST_DIR}\n`);
  const running = await server(bin);
  const results = {
    date: new Date().toISOString(),
    build: EXISTING_URL ? "unknown (a server already running)" : build,
    tickets: existing ? `the existing desk at ${existing}` : TICKETS,
    runs: RUNS,
  };
  try {
    if (existing) {
      console.log(`an existing desk: nothing is created; signing in as ${AGENT.email}\n`);
    } else {
      const { api } = running;
      // Agents see the tickets of their teams; IT support tickets go to the `it` team.
      const agent = await api.createUser({ email: AGENT.email, name: AGENT.name, role: "agent", password: AGENT.password });
      await api.createTeam("it", "IT", [agent.id]);

      console.log(`seeding ${TICKETS} tickets through POST /api/v1/tickets, ${CONCURRENCY} at a time...`);
      results.seed = await seed(api, TICKETS, CONCURRENCY);
      console.log(`  ${results.seed.seconds.toFixed(1)} s, ${results.seed.perSecond.toFixed(0)} tickets/s, ${results.seed.retried} retried\n`);
    }

    const browser = await launchBrowser();
    results.chromium = browser.version();
    try {
      // The machine may be shared: say how busy it was around the timed loads.
      const loadBefore = loadavg()[0];
      const { cold, warm } = await measureQueue(browser, running.url);
      results.queue = { cold, warm };
      results.loadAverage = { before: loadBefore, after: loadavg()[0] };
    } finally {
      await browser.close();
    }
  } finally {
    await running.stop();
  }

  const { cold, warm } = results.queue;
  const summary = (runs) => ({
    painted: median(runs.map((r) => r.painted)),
    wall: median(runs.map((r) => r.wall)),
    domContentLoaded: median(runs.map((r) => r.domContentLoaded)),
    listEnd: median(runs.map((r) => r.listRequest?.end ?? NaN)),
    listStart: median(runs.map((r) => r.listRequest?.start ?? NaN)),
    listDuration: median(runs.map((r) => (r.listRequest ? r.listRequest.end - r.listRequest.start : NaN))),
    meEnd: median(runs.map((r) => r.meEnd ?? NaN)),
    lastAssetEnd: median(runs.map((r) => r.lastAssetEnd)),
    script: median(runs.map((r) => r.mainThread.script)),
    styleAndLayout: median(runs.map((r) => r.mainThread.styleAndLayout)),
    tasks: median(runs.map((r) => r.mainThread.tasks)),
    cpu: CPU ? median(runs.map((r) => r.mainThread.cpu)) : null,
  });
  results.summary = { cold: summary(cold), warm: summary(warm) };

  console.log(`time to the first queue row, ${existing ? "the existing desk" : `${TICKETS} tickets`}, median of ${RUNS} (range); times from navigation start:`);
  console.log("| load | first row painted | DOMContentLoaded | /auth/me done | last JS/CSS done | list request sent | list request done | wall (goto to visible) |");
  console.log("|---|---:|---:|---:|---:|---:|---:|---:|");
  for (const [name, runs] of [["cold (new context)", cold], ["warm (reload)", warm]]) {
    const s = summary(runs);
    const range = (f) => `${Math.min(...runs.map(f)).toFixed(0)}-${Math.max(...runs.map(f)).toFixed(0)}`;
    console.log(
      `| ${name} | ${ms(s.painted)} [${range((r) => r.painted)}] | ${ms(s.domContentLoaded)} | ${ms(s.meEnd)} | ${ms(s.lastAssetEnd)} | ${ms(s.listStart)} | ${ms(s.listEnd)} | ${ms(s.wall)} [${range((r) => r.wall)}] |`,
    );
  }
  console.log("main thread until the first row (Chromium's Performance.getMetrics), medians:");
  for (const [name, runs] of [["cold", cold], ["warm", warm]]) {
    const s = summary(runs);
    const cpu = CPU ? `; main-thread CPU ${ms(s.cpu)} [${Math.min(...runs.map((r) => r.mainThread.cpu)).toFixed(0)}-${Math.max(...runs.map((r) => r.mainThread.cpu)).toFixed(0)}]` : "";
    console.log(`  ${name}: tasks ${ms(s.tasks)}, of which script ${ms(s.script)}, style and layout ${ms(s.styleAndLayout)}${cpu}`);
  }
  console.log("API calls of the first cold load (start-end, ms from navigation start):");
  for (const c of cold[0].apiCalls) console.log(`  ${c.start.toFixed(0)}-${c.end.toFixed(0)} ${c.path}`);
  console.log(`1-minute load average: ${results.loadAverage.before.toFixed(2)} before, ${results.loadAverage.after.toFixed(2)} after the timed loads`);
  console.log(`rows on the first page: ${cold[0].rows}; list request: ${cold[0].listRequest?.url.replace(/^https?:\/\/[^/]+/, "")}`);
  // Resource Timing: transferSize is headers + body as sent (0 from the cache),
  // encodedBodySize the body as sent (compressed), decodedBodySize the body unpacked.
  const wire = (run) => {
    const assets = run.assets.filter((a) => /\.(js|css)$/.test(a.path));
    return { files: assets.length, transferred: sum(assets, "transferred"), body: sum(assets, "body"), decoded: sum(assets, "decoded") };
  };
  results.wire = { cold: cold.map(wire), warm: warm.map(wire) };
  const c0 = results.wire.cold[0];
  const w0 = results.wire.warm[0];
  console.log(
    `JS/CSS over the wire, first cold load: ${kb(c0.transferred)} transferred (bodies ${kb(c0.body)} as sent, ${kb(c0.decoded)} unpacked, ${c0.files} files); ` +
      `index.html ${cold[0].document.transferred} B transferred (${cold[0].document.body} B body); ` +
      `first warm reload: ${kb(w0.transferred)} of JS/CSS transferred`,
  );
  console.log(`  cold runs, JS/CSS transferred: ${results.wire.cold.map((w) => kb(w.transferred)).join(", ")}`);

  // Bundle sizes.
  const files = bundleSizes();
  const byPath = new Map(files.map((f) => [f.path, f]));
  const initial = initialFiles().map((p) => byPath.get(p)).filter(Boolean);
  const queueAssets = new Set(["/index.html", ...cold[0].assets.map((a) => a.path)]);
  const queueFiles = [...queueAssets].map((p) => byPath.get(p)).filter(Boolean);
  results.bundle = {
    files,
    initial: { files: initial.map((f) => f.path), raw: sum(initial, "raw"), gzip: sum(initial, "gzip"), br: sum(initial, "br") },
    queue: { files: queueFiles.map((f) => f.path), raw: sum(queueFiles, "raw"), gzip: sum(queueFiles, "gzip"), br: sum(queueFiles, "br") },
    total: { files: files.length, raw: sum(files, "raw"), gzip: sum(files, "gzip"), br: sum(files, "br") },
  };
  console.log(`\nproduction bundle (${DIST_DIR}), gzip level 6, and brotli as sent (the .br siblings):`);
  console.log("| file | raw | gzip | br (sent) | initial load | queue |");
  console.log("|---|---:|---:|---:|:---:|:---:|");
  for (const f of files) {
    const isInitial = initial.includes(f) ? "x" : "";
    const isQueue = queueFiles.includes(f) ? "x" : "";
    console.log(`| ${f.path} | ${kb(f.raw)} | ${kb(f.gzip)} | ${kb(f.br)} | ${isInitial} | ${isQueue} |`);
  }
  const b = results.bundle;
  console.log(`| **initial load** (index.html + what it references, ${b.initial.files.length} files) | ${kb(b.initial.raw)} | ${kb(b.initial.gzip)} | ${kb(b.initial.br)} | | |`);
  console.log(`| **queue page** (initial + the queue's lazy chunks, ${b.queue.files.length} files) | ${kb(b.queue.raw)} | ${kb(b.queue.gzip)} | ${kb(b.queue.br)} | | |`);
  console.log(`| **total** (${b.total.files} files) | ${kb(b.total.raw)} | ${kb(b.total.gzip)} | ${kb(b.total.br)} | | |`);

  results.machine = {
    cpus: `${cpus().length} x ${cpus()[0]?.model}`,
    memory: `${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
    kernel: release(),
    node: process.version,
  };
  console.log(`\nmachine: ${results.machine.cpus}, ${results.machine.memory}, Linux ${results.machine.kernel}, Node ${results.machine.node}, Chromium ${results.chromium}, server ${results.build} build`);
  mkdirSync(OUTPUT_DIR, { recursive: true });
  writeFileSync(path.join(OUTPUT_DIR, "bench-queue.json"), JSON.stringify(results, null, 2));
  console.log(`results: ${path.join(OUTPUT_DIR, "bench-queue.json")}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
