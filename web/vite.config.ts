import { defineConfig } from "vitest/config";
import react from "@vitejs/plugin-react";

// `npm run dev` serves the UI on :5173 and forwards the API to a `docket serve` on :8080;
// `npm run build` writes web/dist, which `docket serve` serves at `/`.
export default defineConfig({
  plugins: [react()],
  server: {
    proxy: { "/api": process.env.DOCKET_API ?? "http://127.0.0.1:8080" },
  },
  build: {
    outDir: "dist",
    // The report of gzip sizes is what docs/benchmarks.md quotes.
    reportCompressedSize: true,
    chunkSizeWarningLimit: 1500,
  },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.ts", "src/**/*.test.tsx"],
    setupFiles: ["src/testSetup.ts"],
    // Whole screens render in these tests; on a loaded two-core machine one takes seconds.
    testTimeout: 30_000,
    // @rjsf/mantine imports `dayjs/plugin/x` without `.js`, which Node's ESM loader
    // refuses; let Vite transform it as it does for the build.
    server: { deps: { inline: ["@rjsf/mantine"] } },
  },
});
