// The typed client must describe the API as it is: regenerate src/api/schema.d.ts from
// openapi/openapi.json (itself checked against the server by the Rust test
// openapi_fresh) and compare. When this fails, run `npm run gen`.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { expect, it } from "vitest";

it("src/api/schema.d.ts is generated from the current openapi/openapi.json", () => {
  const web = resolve(__dirname, "../..");
  const dir = mkdtempSync(join(tmpdir(), "docket-schema-"));
  try {
    const fresh = join(dir, "schema.d.ts");
    execFileSync(
      process.execPath,
      [join(web, "node_modules/openapi-typescript/bin/cli.js"), join(web, "../openapi/openapi.json"), "-o", fresh],
      { stdio: "pipe" },
    );
    const committed = readFileSync(join(web, "src/api/schema.d.ts"), "utf8");
    expect(committed === readFileSync(fresh, "utf8"), "stale: run `npm run gen` in web/").toBe(true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 30_000);
