// Write gzip and brotli siblings of the built files (dist/**/*.{js,css,html,svg,json}), so
// `docket serve` can send them compressed without compressing on every request (its
// ServeDir picks `x.js.br` or `x.js.gz` by the browser's Accept-Encoding).
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

const dist = new URL("../dist/", import.meta.url).pathname;
const COMPRESSIBLE = /\.(js|css|html|svg|json)$/;
// Below this, compression saves less than the bytes of the headers it adds.
const MIN_BYTES = 1024;

function* files(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* files(path);
    else yield path;
  }
}

let raw = 0;
let gz = 0;
for (const path of files(dist)) {
  if (!COMPRESSIBLE.test(path)) continue;
  const bytes = readFileSync(path);
  if (bytes.length < MIN_BYTES) continue;
  const gzip = gzipSync(bytes, { level: 9 });
  const br = brotliCompressSync(bytes, {
    params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length },
  });
  writeFileSync(`${path}.gz`, gzip);
  writeFileSync(`${path}.br`, br);
  raw += bytes.length;
  gz += gzip.length;
}
console.log(`precompressed: ${(raw / 1024).toFixed(1)} kB -> ${(gz / 1024).toFixed(1)} kB gzip`);
