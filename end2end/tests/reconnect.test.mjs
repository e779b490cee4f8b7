// Live updates never give up: a page whose server goes away keeps trying to reconnect, and
// once it is back the page re-reads what it shows, so a change made while it was away
// appears without a reload.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, signIn, waitForHydration } from '../harness.mjs';

let server;
let browser;

before(async () => {
  server = await startServer('reconnect');
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('after the server was away, the page reconnects by itself and shows what changed meanwhile', async () => {
  const riverside = server.sql("SELECT id FROM practices WHERE name = 'Riverside Family Medicine'");
  // Next week's Tuesday: the demo's appointments and lunch blocks.
  const day = server.sql(
    "SELECT to_char(date_trunc('week', now() AT TIME ZONE 'America/New_York') + interval '8 days', 'YYYY-MM-DD')");
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await signIn(page, server.base, 'maya.okafor@demo.switchboard.test');
  await page.goto(`${server.base}/p/${riverside}/calendar?span=day&date=${day}`);
  await waitForHydration(page);
  await page.waitForSelector('.timegrid');
  const shows = (text) => page.evaluate((t) => document.querySelector('.timegrid')?.textContent.includes(t), text);
  assert.equal(await shows('Outage check'), false);

  // The server goes away for a while; meanwhile a block is renamed in the database.
  await server.stop();
  server.sql(`UPDATE entries SET title = 'Outage check' WHERE id = (
      SELECT id FROM entries WHERE kind = 'block' AND practice_id = '${riverside}'
        AND (starts_at AT TIME ZONE 'America/New_York')::date = '${day}' ORDER BY starts_at LIMIT 1)`);
  await new Promise((r) => setTimeout(r, 12000));
  await server.start();

  // No reload: the page's socket comes back and the calendar re-reads.
  await page.waitForFunction(
    () => document.querySelector('.timegrid')?.textContent.includes('Outage check'), null, { timeout: 30000 });
  const loads = await page.evaluate(() => performance.getEntriesByType('navigation').length);
  assert.equal(loads, 1, 'the page was never reloaded');
  await context.close();
});
