// Browser-test harness: starts the real release server on a free port against a fresh
// database with the demo seeded, and launches Debian's Chromium through playwright-core.
import { spawn, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
export const screenshotsDir = path.join(here, 'screenshots');
mkdirSync(screenshotsDir, { recursive: true });

export const DEMO_PASSWORD = 'switchboard-demo';
export const demo = (local) => `${local}@demo.switchboard.test`;

const pg = { host: process.env.PGHOST ?? '127.0.0.1', port: process.env.PGPORT ?? '5432', user: process.env.PGUSER ?? 'postgres' };
const baseDbUrl = process.env.E2E_DATABASE_URL ?? `postgres://${pg.user}@${pg.host}:${pg.port}/switchboard_e2e`;

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

function psql(db, sql) {
  return execFileSync('psql', ['-h', pg.host, '-p', pg.port, '-U', pg.user, '-d', db, '-Atc', sql], { encoding: 'utf8' }).trim();
}

/** Starts a server with its own fresh database; `env` adds settings. */
export async function startServer(name, env = {}) {
  const dbName = `${new URL(baseDbUrl).pathname.slice(1)}_${name}`;
  psql('postgres', `DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  const dbUrl = new URL(baseDbUrl);
  dbUrl.pathname = `/${dbName}`;
  const port = await freePort();
  const bin = process.env.SERVER_BIN;
  if (!bin) throw new Error('SERVER_BIN is not set (run through .ci/test)');
  // The owner migrates; the server serves through a login of its own (made at start).
  const appUrl = new URL(dbUrl);
  appUrl.username = 'switchboard_e2e';
  const settings = {
    ...process.env,
    DATABASE_OWNER_URL: dbUrl.toString(),
    DATABASE_URL: appUrl.toString(),
    SB_LISTEN: `127.0.0.1:${port}`,
    SB_PUBLIC_URL: `http://127.0.0.1:${port}`,
    SB_DEMO: '1',
    SB_SECRET_KEY: randomBytes(32).toString('base64'),
    SB_SITE_ROOT: process.env.SITE_ROOT,
    LEPTOS_HASH_FILES: 'true',
    RUST_LOG: 'warn',
    ...env,
  };
  const base = `http://127.0.0.1:${port}`;
  const run = async () => {
    const child = spawn(bin, [], { env: settings, stdio: ['ignore', 'inherit', 'inherit'] });
    // Wait for the health check to answer (the server migrates and seeds first).
    for (let i = 0; ; i++) {
      if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
      try {
        const res = await fetch(`${base}/health`);
        if (res.ok) break;
      } catch { /* not listening yet */ }
      if (i > 600) throw new Error('server did not become healthy');
      await new Promise((r) => setTimeout(r, 100));
    }
    return child;
  };
  let child = await run();
  const stop = async () => {
    child.kill('SIGTERM');
    await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
  };
  return {
    base,
    sql: (q) => psql(dbName, q),
    stop,
    /** Starts the server again on the same address and database (after `stop`). */
    start: async () => {
      child = await run();
    },
  };
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
}

const watched = new WeakSet();
/** Prints the page's errors to the test output, so a failure shows what the browser saw. */
export function watch(page) {
  if (watched.has(page)) return;
  watched.add(page);
  page.on('pageerror', (e) => console.error(`[browser] page error: ${e.message}`));
  page.on('console', (m) => m.type() === 'error' && console.error(`[browser] ${m.location()?.url ?? ''}: ${m.text().slice(0, 600)}`));
}

export async function signIn(page, base, email, landing = /\/p\/[0-9a-f-]+\/inbox/) {
  watch(page);
  await page.goto(`${base}/login`);
  await waitForHydration(page);
  await page.fill('input[name=email]', email);
  await page.fill('input[name=password]', DEMO_PASSWORD);
  await page.click('button[type=submit]');
  await page.waitForURL(landing);
  await waitForHydration(page);
}

/** Hydration done: Leptos has attached its event handlers. */
export async function waitForHydration(page) {
  await page.waitForFunction(() => document.body.dataset.hydrated === 'true', null, { timeout: 20000 });
}

export async function shot(page, name) {
  await page.screenshot({ path: path.join(screenshotsDir, `${name}.png`), fullPage: true });
}

/** Decodes a message body by its Content-Transfer-Encoding (what lettre writes). */
function decodeBody(headers, body) {
  const encoding = (headers['content-transfer-encoding'] ?? '7bit').toLowerCase();
  if (encoding === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (encoding === 'quoted-printable') {
    const bytes = body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_, h) => String.fromCharCode(parseInt(h, 16)));
    return Buffer.from(bytes, 'latin1').toString('utf8');
  }
  return body;
}

/** Decodes a header's encoded words (`=?utf-8?b?…?=`, `=?utf-8?q?…?=`). */
function decodeHeader(value) {
  return value.replace(/=\?utf-8\?([bq])\?([^?]*)\?=\s*/gi, (_, kind, text) => kind.toLowerCase() === 'b'
    ? Buffer.from(text, 'base64').toString('utf8')
    : Buffer.from(text.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (__, h) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8'));
}

/**
 * A mail server on 127.0.0.1 that accepts every message (SMTP without TLS or login, as a
 * relay on the same host) and keeps what it received: `{ from, to, subject, body }`.
 */
export async function startSmtp() {
  const received = [];
  const server = net.createServer((socket) => {
    socket.setEncoding('latin1');
    let buffer = '';
    let envelope = { from: '', to: [] };
    let data = null; // the message's lines while DATA lasts
    const reply = (line) => socket.write(`${line}\r\n`);
    reply('220 127.0.0.1 test mail server');
    socket.on('data', (chunk) => {
      buffer += chunk;
      let end;
      while ((end = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (data) {
          if (line !== '.') {
            data.push(line.startsWith('..') ? line.slice(1) : line);
            continue;
          }
          const raw = data.join('\r\n');
          data = null;
          const split = raw.indexOf('\r\n\r\n');
          const head = (split < 0 ? raw : raw.slice(0, split)).replace(/\r\n[ \t]+/g, ' ');
          const headers = {};
          for (const h of head.split('\r\n')) {
            const colon = h.indexOf(':');
            if (colon > 0) headers[h.slice(0, colon).toLowerCase()] = h.slice(colon + 1).trim();
          }
          received.push({
            from: envelope.from,
            to: envelope.to,
            subject: decodeHeader(headers.subject ?? ''),
            body: decodeBody(headers, split < 0 ? '' : raw.slice(split + 4)),
          });
          envelope = { from: '', to: [] };
          reply('250 accepted');
          continue;
        }
        const verb = line.slice(0, 4).toUpperCase();
        const address = () => (line.match(/<([^>]*)>/) ?? [])[1] ?? '';
        if (verb === 'EHLO' || verb === 'HELO') reply('250 127.0.0.1');
        else if (verb === 'MAIL') { envelope.from = address(); reply('250 ok'); }
        else if (verb === 'RCPT') { envelope.to.push(address()); reply('250 ok'); }
        else if (verb === 'DATA') { data = []; reply('354 go on'); }
        else if (verb === 'RSET') { envelope = { from: '', to: [] }; reply('250 ok'); }
        else if (verb === 'NOOP') reply('250 ok');
        else if (verb === 'QUIT') { reply('221 bye'); socket.end(); }
        else reply('502 not here');
      }
    });
    socket.on('error', () => {});
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `smtp://127.0.0.1:${server.address().port}`,
    received,
    stop: () => new Promise((resolve) => server.close(resolve)),
  };
}
