// Drops the custom sections (`producers`, `target_features`: build metadata no browser reads)
// from every built WASM module in the site's pkg folder, and precompresses it again.
// A page loads a dozen or more split chunks (after merge-wasm.mjs), and those two sections
// are ~200 bytes of each; see docs/ARCHITECTURE.md, "Build and assets".
// Usage: node .ci/trim-wasm.mjs <site-root>/pkg
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { leb } from './wasm-leb.mjs';


// The module without its custom sections (id 0); every other section is kept byte for byte.
const withoutCustomSections = (bytes) => {
  const kept = [bytes.subarray(0, 8)];
  let at = 8;
  while (at < bytes.length) {
    const start = at;
    const id = bytes[at];
    const [size, body] = leb(bytes, at + 1);
    at = body + size;
    if (at > bytes.length) throw new Error('truncated section');
    if (id !== 0) kept.push(bytes.subarray(start, at));
  }
  return Buffer.concat(kept);
};

const dir = process.argv[2];
if (!dir) throw new Error('usage: node trim-wasm.mjs <pkg-dir>');
let saved = 0;
let files = 0;
for (const name of readdirSync(dir).filter((n) => n.endsWith('.wasm'))) {
  const file = path.join(dir, name);
  const bytes = readFileSync(file);
  if (bytes.readUInt32LE(0) !== 0x6d736100) throw new Error(`${name} is not a WASM module`);
  const trimmed = withoutCustomSections(bytes);
  if (trimmed.length === bytes.length) continue;
  writeFileSync(file, trimmed);
  writeFileSync(`${file}.br`, zlib.brotliCompressSync(trimmed, {
    params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: trimmed.length },
  }));
  writeFileSync(`${file}.gz`, zlib.gzipSync(trimmed, { level: 9 }));
  saved += bytes.length - trimmed.length;
  files += 1;
}
console.error(`[trim-wasm] ${files} modules, ${saved} bytes of custom sections dropped`);
