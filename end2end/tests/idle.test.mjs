// Idle logout: with a short configured timeout, the warning appears, and then the person is
// signed out and told why.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, signIn, waitForHydration, shot, demo } from '../harness.mjs';

let server;
let browser;

before(async () => {
  server = await startServer('idle', { SB_IDLE_TIMEOUT_SECONDS: '24' });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('an idle session warns, then signs out', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await signIn(page, server.base, demo('rachel.kim'));
  await waitForHydration(page);
  assert.equal(await page.$('#idle-warning'), null, 'no warning right after signing in');
  await page.waitForSelector('#idle-warning', { timeout: 30_000 });
  assert.match(await page.textContent('#idle-warning'), /signed out in \d+ s/);
  await shot(page, 'idle-warning');
  await page.waitForURL(/\/login\?reason=idle/, { timeout: 30_000 });
  await waitForHydration(page);
  await page.waitForSelector('text=signed out after a period of inactivity');
  // The server ended the session too.
  await page.goto(`${server.base}/`);
  assert.match(page.url(), /\/login/);
  await page.close();
});

test('"Stay signed in" keeps the session', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await signIn(page, server.base, demo('rachel.kim'));
  await waitForHydration(page);
  await page.waitForSelector('#idle-warning', { timeout: 30_000 });
  await page.click('#idle-warning button');
  await page.waitForSelector('#idle-warning', { state: 'detached' });
  // Past the original deadline the page is still signed in.
  await page.waitForSelector('#idle-warning', { timeout: 30_000 });
  assert.match(page.url(), /\/p\/.+\/inbox/);
  // The warning has the keyboard's focus, names itself once (no live region repeating the
  // countdown), and any key keeps the session.
  await page.waitForFunction(() => document.activeElement?.closest('#idle-warning') !== null);
  const warning = await page.$eval('#idle-warning', (w) => ({
    role: w.getAttribute('role'),
    name: document.getElementById(w.getAttribute('aria-labelledby'))?.textContent,
    live: w.querySelectorAll('[aria-live]').length + (w.hasAttribute('aria-live') ? 1 : 0),
  }));
  assert.deepEqual(warning, { role: 'alertdialog', name: 'Still there?', live: 0 });
  await page.keyboard.press('Shift');
  await page.waitForSelector('#idle-warning', { state: 'detached' });
  await page.close();
});
