// Merges the WASM chunks that wasm-split cut into fewer, larger modules.
//
// The splitter gives every set of lazy parts (pages, panels, the top bar's tools) that share
// some code a chunk of its own: some 260 modules, a page loading 130 of them, most a few
// hundred bytes. Each costs a request, its response headers and a compression restart: the
// calendar's 129 chunks weighed 194 KB compressed one by one and 108 KB together. Chunks
// only import the main module's memory, table and globals (they call across through the
// table), so several can be one module: every page that needs any of them loads them all.
//
// Which to merge: each chunk is loaded by the pages whose lazy parts need it (below, what a
// page's first load fetches). Chunks loaded by the same pages are merged; then two groups
// are merged while what the pages loading both save (a file: `PER_FILE` bytes) outweighs
// what the pages loading only one of them pay (the other's bytes). Then the loader script
// and the manifest (from which the server names the files to preload) point at the merged
// modules, and the merged-away files are deleted.
//
// How: binaryen's wasm-merge, with a "hub" module in front that imports the main module's
// memory, table and globals once and exports them: each chunk imports them from the hub
// instead, so the merged module has one memory and one table (wasm-merge would otherwise
// keep each chunk's import as a memory of its own).
//
// Usage: node .ci/merge-wasm.mjs <site-root>/pkg   (before trim-wasm.mjs, which compresses)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { leb } from './wasm-leb.mjs';

// What a page's first load fetches besides its own part: the workspace's pages bring the top
// bar's tools. Some parts load later on a page that has its own already: the calendar's
// panels, the top bar's menus (on any page of the workspace: the inbox stands for them).
const WITH_TOOLS = ['inbox_page', 'today_page', 'calendar_page', 'admin_people_page', 'admin_settings_page', 'admin_log_page', 'coming_page'];
const TOOLS = 'top_bar_tools';
const LATER = { panel_view: 'calendar_page', top_bar_menus: 'inbox_page' };
// What one file fewer saves a page that loads both halves: its response headers (~150 B)
// and a module's preamble and compression restart.
const PER_FILE = Number(process.env.PER_FILE ?? 400);

const dir = process.argv[2];
if (!dir) throw new Error('usage: node merge-wasm.mjs <pkg-dir>');
const binaryen = path.join(path.dirname(new URL(import.meta.url).pathname), '..', 'end2end', 'node_modules', '.bin');
const loaderName = readdirSync(dir).find((n) => /^__wasm_split\..*\.js$/.test(n));
const manifestName = readdirSync(dir).find((n) => /^__wasm_split_manifest.*\.json$/.test(n));
if (!loaderName || !manifestName) throw new Error('no wasm-split loader or manifest: was the build split?');
let loader = readFileSync(path.join(dir, loaderName), 'utf8');
const manifest = JSON.parse(readFileSync(path.join(dir, manifestName), 'utf8'));

// The chunks: each declared as `/* the parts needing it */ const __chunk_N = makeLoad(…, []);`.
const declared = /\/\* ([^*]*) \*\/\nconst (__chunk_\d+) = makeLoad\(([\s\S]*?)\n?, \[\]\);\n/g;
const chunks = [];
for (const m of loader.matchAll(declared)) {
  const file = m[3].match(/"\.\/([^"]+)\.wasm"/)?.[1] ?? null;
  const parts = m[1].split(', ').map((p) => p.replace(/_\d+$/, ''));
  chunks.push({ text: m[0], name: m[2], file, parts });
}
if (chunks.length === 0) throw new Error('no chunk declarations found in the loader');

// The pages: each part's first load (with the top bar's tools where it brings them).
const allParts = [...new Set(chunks.flatMap((c) => c.parts))];
const pages = allParts.filter((p) => p !== TOOLS).map((p) => {
  if (LATER[p]) return [LATER[p], TOOLS, p];
  return WITH_TOOLS.includes(p) ? [p, TOOLS] : [p];
});
const brotli = (bytes) => zlib.brotliCompressSync(bytes, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }).length;

// --- WASM: just enough of the binary format to move a chunk's imports onto the hub ---
const uleb = (n) => {
  const out = [];
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n) byte |= 0x80;
    out.push(byte);
  } while (n);
  return Buffer.from(out);
};
const str = (s) => Buffer.concat([uleb(Buffer.byteLength(s)), Buffer.from(s)]);
const section = (id, body) => Buffer.concat([Buffer.from([id]), uleb(body.length), body]);
const vec = (items) => Buffer.concat([uleb(items.length), ...items]);
const HEADER = Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]);

// A module's sections as [id, body], and its imports as { module, name, kind, desc }.
const sections = (bytes) => {
  const out = [];
  let at = 8;
  while (at < bytes.length) {
    const id = bytes[at];
    const [size, body] = leb(bytes, at + 1);
    out.push([id, bytes.subarray(body, body + size)]);
    at = body + size;
  }
  return out;
};
const limitsEnd = (b, at) => {
  const flags = b[at++];
  [, at] = leb(b, at);
  if (flags & 1) [, at] = leb(b, at);
  return at;
};
const importsOf = (body) => {
  const out = [];
  let [n, at] = leb(body, 0);
  for (let k = 0; k < n; k++) {
    let len;
    [len, at] = leb(body, at);
    const module = body.subarray(at, at + len).toString();
    at += len;
    [len, at] = leb(body, at);
    const name = body.subarray(at, at + len).toString();
    at += len;
    const kind = body[at++];
    const start = at;
    if (kind === 1) at = limitsEnd(body, at + 1); // table: reference type, limits
    else if (kind === 2) at = limitsEnd(body, at); // memory: limits
    else if (kind === 3) at += 2; // global: value type, mutability
    else throw new Error(`a chunk imports a ${kind === 0 ? 'function' : `kind ${kind}`}; only memory, tables and globals are merged`);
    out.push({ module, name, kind, desc: body.subarray(start, at) });
  }
  return out;
};
// The least size a memory or table import asks for.
const least = (i) => (i.kind === 3 ? 0 : leb(i.desc, i.kind === 1 ? 2 : 1)[0]);
const importSection = (imports) => section(2, vec(imports.map((i) => Buffer.concat([str(i.module), str(i.name), Buffer.from([i.kind]), i.desc]))));

// A module without its custom sections (build metadata: trim-wasm.mjs drops them anyway).
const code = (bytes) => Buffer.concat([HEADER, ...sections(bytes).filter(([id]) => id !== 0).map(([id, body]) => section(id, body))]);

// Groups of chunks with the pages that load them (a bit each) and their compressed size.
const byMask = new Map();
for (const c of chunks.filter((c) => c.file)) {
  let mask = 0n;
  pages.forEach((page, i) => { if (c.parts.some((p) => page.includes(p))) mask |= 1n << BigInt(i); });
  const group = byMask.get(mask) ?? { mask, chunks: [], size: 0 };
  group.chunks.push(c);
  group.size += brotli(code(readFileSync(path.join(dir, `${c.file}.wasm`))));
  byMask.set(mask, group);
}
const count = (m) => { let n = 0; for (; m; m &= m - 1n) n++; return n; };
const groups = [...byMask.values()];
for (;;) {
  let best = null;
  for (let i = 0; i < groups.length; i++) {
    for (let j = i + 1; j < groups.length; j++) {
      const [a, b] = [groups[i], groups[j]];
      const gain = PER_FILE * count(a.mask & b.mask) - b.size * count(a.mask & ~b.mask) - a.size * count(b.mask & ~a.mask);
      if (gain > 0 && (!best || gain > best.gain)) best = { i, j, gain };
    }
  }
  if (!best) break;
  const [a, b] = [groups[best.i], groups[best.j]];
  a.mask |= b.mask;
  a.chunks.push(...b.chunks);
  a.size += b.size - PER_FILE;
  groups.splice(best.j, 1);
}

// A file and its compressed copies, as the static handler serves them.
const write = (name, content) => {
  writeFileSync(path.join(dir, name), content);
  writeFileSync(path.join(dir, `${name}.br`), zlib.brotliCompressSync(content, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }));
  writeFileSync(path.join(dir, `${name}.gz`), zlib.gzipSync(content, { level: 9 }));
};

const work = mkdtempSync(path.join(tmpdir(), 'merge-wasm-'));
const renamed = new Map(); // a merged-away chunk's loader variable -> its group's
let files = 0;
let before = 0;
let after = 0;
try {
  for (const group of groups.filter((g) => g.chunks.length > 1)) {
    const [lead] = group.chunks;
    const hub = new Map();
    const inputs = group.chunks.map((c, n) => {
      const bytes = code(readFileSync(path.join(dir, `${c.file}.wasm`)));
      before += brotli(bytes);
      const rebuilt = sections(bytes).map(([id, body]) => {
        if (id !== 2) return section(id, body);
        const imports = importsOf(body);
        for (const i of imports) {
          if (i.module !== '__wasm_split') throw new Error(`${c.file} imports from ${i.module}`);
          // The memory and table as large as the largest import asks (they are the main
          // module's, which has them at least that large).
          const seen = hub.get(i.name);
          if (!seen || least(i) > least(seen)) hub.set(i.name, i);
        }
        return importSection(imports.map((i) => ({ ...i, module: 'hub' })));
      });
      const file = path.join(work, `c${n}.wasm`);
      writeFileSync(file, Buffer.concat([HEADER, ...rebuilt]));
      return [file, `c${n}`];
    });
    // The hub: imports each once, exports it (exports name each kind's index in order).
    const hubImports = [...hub.values()];
    const next = { 1: 0, 2: 0, 3: 0 };
    const exports = hubImports.map((i) => Buffer.concat([str(i.name), Buffer.from([i.kind]), uleb(next[i.kind]++)]));
    const hubFile = path.join(work, 'hub.wasm');
    writeFileSync(hubFile, Buffer.concat([HEADER, importSection(hubImports), section(7, vec(exports))]));
    const out = path.join(work, 'merged.wasm');
    execFileSync(path.join(binaryen, 'wasm-merge'), [hubFile, 'hub', ...inputs.flat(), '-o', out,
      '--enable-bulk-memory', '--enable-mutable-globals', '--enable-nontrapping-float-to-int', '--enable-sign-ext',
      '--enable-reference-types', '--enable-multivalue'], { stdio: ['ignore', 'ignore', 'inherit'] });
    // Nothing reads a chunk's exports: the hub's re-exports go (and binaryen's metadata).
    const merged = readFileSync(out);
    const kept = sections(merged).filter(([id]) => id !== 7 && id !== 0).map(([id, body]) => section(id, body));
    const result = Buffer.concat([HEADER, ...kept]);
    after += brotli(result);
    write(`${lead.file}.wasm`, result);
    for (const c of group.chunks.slice(1)) {
      renamed.set(c.name, lead.name);
      for (const suffix of ['.wasm', '.wasm.br', '.wasm.gz']) rmSync(path.join(dir, c.file + suffix), { force: true });
      loader = loader.replace(c.text, '');
      files += 1;
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

// The parts' loaders wait for their chunks: each now for its merged ones, once.
loader = loader.replace(/, \[(__chunk_[^\]]*)\]\)\)/g, (all, deps) => {
  const names = [...new Set(deps.split(',').map((d) => d.trim()).map((d) => renamed.get(d) ?? d))];
  return `, [${names.join(', ')}]))`;
});
const leadFile = new Map(chunks.map((c) => [c.name, c.file]));
const fileOf = new Map(chunks.map((c) => [c.file, leadFile.get(renamed.get(c.name) ?? c.name)]));
for (const [part, list] of Object.entries(manifest)) manifest[part] = [...new Set(list.map((f) => fileOf.get(f) ?? f))];
write(loaderName, loader);
write(manifestName, JSON.stringify(manifest, null, 2));
for (const leftover of readdirSync(dir).filter((n) => n.endsWith('.wasm') && n.startsWith('chunk_'))) {
  if (!loader.includes(`"./${leftover}"`)) throw new Error(`${leftover} is no longer loaded by anything`);
}
console.error(`[merge-wasm] ${chunks.length} chunks into ${chunks.length - files}: ${before} compressed bytes merged into ${after}`);
