// The workspace frame as an assistant uses it all day: availability for every practice or
// one, notifications that arrive live, the command palette and the shortcuts list by
// keyboard alone, and signing out, which leaves nothing running. These tools are a chunk of
// their own, fetched once the page is live (no page's first load carries them).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, signIn, shot, demo } from '../harness.mjs';

let server;
let browser;

before(async () => {
  server = await startServer('shell');
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('availability is set for all practices or one, and shows where the person is', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await signIn(page, server.base, demo('maya.okafor'));
  await page.waitForFunction(() => document.querySelector('#availability-now')?.textContent === 'Available');
  await page.click('#availability summary');
  await page.click('#availability-all button[data-state=busy]');
  await page.waitForFunction(() => document.querySelector('#availability-now')?.textContent === 'Busy');
  assert.equal(await page.getAttribute('#availability', 'open'), null, 'a choice closes the menu');

  // One practice differs: Sunset is off.
  const sunset = server.sql("SELECT id FROM practices WHERE name = 'Sunset Pediatrics'");
  await page.click('#availability summary');
  await page.selectOption(`#availability-each select[data-practice="${sunset}"]`, 'off');
  await page.waitForSelector('#availability summary .small:not([hidden])');
  await shot(page, 'availability-menu');
  await page.keyboard.press('Escape');
  assert.equal(await page.getAttribute('#availability', 'open'), null, 'Escape closes the menu');
  assert.equal(await page.textContent('#availability-now'), 'Busy', 'the practice at hand is busy');

  // In Sunset the control shows Sunset's state; colleagues there see it in the presence list.
  await page.selectOption('#practice-switcher', sunset);
  await page.waitForURL(new RegExp(`/p/${sunset}/inbox`));
  await page.waitForFunction(() => document.querySelector('#availability-now')?.textContent === 'Off');
  await page.waitForSelector('#online-now >> text=Off');
  const stored = server.sql(`SELECT string_agg(p.name || '=' || a.state, ', ' ORDER BY p.name) FROM availability a
      JOIN practices p ON p.id = a.practice_id JOIN users u ON u.id = a.user_id WHERE u.email = '${demo('maya.okafor')}'`);
  assert.match(stored, /Sunset Pediatrics=off/);
  assert.match(stored, /Riverside Family Medicine=busy/);
  await page.close();
});

test('a quiet page shows its person as away to colleagues, and a touch brings them back', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  // The page's own clock: five quiet minutes pass in a moment.
  await page.clock.install();
  await signIn(page, server.base, demo('luis.ortega'));
  await page.waitForFunction(() => document.querySelector('#availability-now')?.textContent === 'Available');
  const luis = server.sql(`SELECT id FROM users WHERE email = '${demo('luis.ortega')}'`);
  const state = () => server.sql(`SELECT string_agg(state::text, ',') FROM availability WHERE user_id = '${luis}'`);

  await page.clock.fastForward('05:30');
  await page.waitForFunction(() => document.querySelector('#availability-now')?.textContent === 'Away', null, { timeout: 10_000 });
  assert.equal(state(), 'away');
  const colleague = await browser.newPage();
  await signIn(colleague, server.base, demo('tom.becker'));
  await colleague.waitForSelector('#online-now >> text=Luis Ortega');
  assert.match(await colleague.textContent('#online-now'), /Away/);

  await page.mouse.move(300, 300);
  await page.mouse.move(320, 340);
  await page.waitForFunction(() => document.querySelector('#availability-now')?.textContent === 'Available', null, { timeout: 10_000 });
  assert.equal(state(), 'available');
  await colleague.close();
  await context.close();
});

test('the palette goes anywhere by keyboard, and ? lists the page\'s shortcuts', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await signIn(page, server.base, demo('maya.okafor'));
  const documents = () => page.evaluate(() => performance.getEntriesByType('navigation').length);
  const before = await documents();
  const sunset = server.sql("SELECT id FROM practices WHERE name = 'Sunset Pediatrics'");
  // The top bar's tools arrive as their own chunk once the page is live.
  await page.waitForSelector('#palette-open');

  await page.keyboard.press('Control+k');
  await page.waitForSelector('#palette input:focus');
  await page.keyboard.type('cal sun');
  assert.equal(await page.textContent('#palette-list li[aria-selected=true] span'), 'Calendar · Sunset Pediatrics');
  await shot(page, 'palette');
  await page.keyboard.press('Enter');
  await page.waitForURL(new RegExp(`/p/${sunset}/calendar`));
  await page.waitForSelector('#calendar .timegrid');
  assert.equal(await page.$('#palette'), null, 'the palette closed');
  assert.equal(await documents(), before, 'moved in place');

  // Arrow keys choose; Escape closes without moving.
  await page.keyboard.press('Control+k');
  await page.waitForSelector('#palette input:focus');
  await page.keyboard.type('inbox');
  await page.keyboard.press('ArrowDown');
  const second = await page.textContent('#palette-list li[aria-selected=true] span');
  assert.match(second, /^Inbox · /);
  await page.keyboard.press('Escape');
  assert.equal(await page.$('#palette'), null);
  assert.match(page.url(), /\/calendar$/);

  // ? on the calendar: the workspace's keys and the calendar's own.
  await page.keyboard.press('?');
  await page.waitForSelector('#shortcuts');
  const rows = await page.$$eval('#shortcuts tr', (trs) => trs.map((tr) => tr.textContent));
  assert.ok(rows.some((r) => r.startsWith('Ctrl+K')), rows.join(' | '));
  assert.ok(rows.some((r) => r.startsWith('n') && r.includes('New')), rows.join(' | '));
  assert.ok(rows.some((r) => r.startsWith('Alt+c') && r.includes('Calendar')), rows.join(' | '));
  await shot(page, 'shortcuts');
  await page.keyboard.press('Escape');
  assert.equal(await page.$('#shortcuts'), null);
  await page.close();
});

test('a notification arrives live, opens its page, and is marked read; signing out leaves nothing running', async () => {
  const riverside = server.sql("SELECT id FROM practices WHERE name = 'Riverside Family Medicine'");
  const maya = server.sql(`SELECT id FROM users WHERE email = '${demo('maya.okafor')}'`);
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  // Desktop alerts: this browser allows them, and records what would show on the desktop.
  await context.grantPermissions(['notifications'], { origin: server.base });
  await context.addInitScript(() => {
    const Real = window.Notification;
    window.shownOnDesktop = [];
    function Recorded(title, options) { window.shownOnDesktop.push({ title, body: options?.body }); }
    Object.defineProperty(Recorded, 'permission', { get: () => Real.permission });
    Recorded.requestPermission = (...args) => Real.requestPermission(...args);
    window.Notification = Recorded;
  });
  const page = await context.newPage();
  const sockets = [];
  page.on('websocket', (ws) => {
    const entry = { closed: false };
    ws.on('close', () => { entry.closed = true; });
    sockets.push(entry);
  });
  await signIn(page, server.base, demo('maya.okafor'));
  await page.click('nav.sections >> text=Calendar');
  await page.waitForSelector('#calendar .timegrid');
  await page.waitForSelector('#bell');
  assert.ok(await page.locator('#bell-count').isHidden(), 'nothing unread yet');
  await page.click('#bell summary');
  assert.equal(await page.textContent('#desktop-alerts'), 'Turn on');
  await page.click('#desktop-alerts');
  await page.waitForSelector('.desktop-alerts >> text=Desktop alerts are on.');
  await page.keyboard.press('Escape');

  // Riverside's admin makes Maya a practice admin, from their own browser.
  const adminContext = await browser.newContext();
  const admin = await adminContext.newPage();
  await signIn(admin, server.base, demo('tom.becker'));
  const status = await admin.evaluate(async ([practice, person]) => {
    const res = await fetch('/api/practices/set_role', {
      method: 'POST',
      body: new URLSearchParams({ practice, person, role: 'practice_admin' }),
    });
    return res.status;
  }, [riverside, maya]);
  assert.equal(status, 200);

  // No reload: the bell counts it.
  await page.waitForFunction(() => document.querySelector('#bell-count')?.textContent === '1', null, { timeout: 10_000 });
  // On the desktop too, with the short text only (it may show on a lock screen).
  assert.deepEqual(await page.evaluate(() => window.shownOnDesktop),
    [{ title: 'Switchboard', body: 'Your role is now Practice admin.' }]);
  await page.click('#bell summary');
  const item = page.locator('#notifications li.unread a').first();
  assert.match(await item.textContent(), /Your role is now Practice admin\./);
  assert.match(await item.textContent(), /Riverside Family Medicine/);
  await shot(page, 'notifications');
  await item.click();
  await page.waitForURL(new RegExp(`/p/${riverside}/inbox$`));
  await page.waitForFunction(() => document.querySelector('#bell-count')?.hidden === true);
  assert.equal(server.sql(`SELECT count(*) FROM notifications WHERE user_id = '${maya}' AND read_at IS NULL`), '0');
  await adminContext.close();

  // A phone: the top bar's controls still fit.
  await page.setViewportSize({ width: 390, height: 844 });
  await shot(page, 'topbar-phone');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow}px`);
  await page.setViewportSize({ width: 1280, height: 800 });

  assert.equal(sockets.length, 1);
  const open = () => server.sql(`SELECT count(*) FROM presence WHERE user_id = '${maya}'`);
  assert.equal(open(), '1', 'the workspace has its one socket open');
  await page.click('#sign-out');
  await page.waitForURL(/\/login/);
  await page.waitForFunction(() => document.body.dataset.hydrated === 'true');
  // The server sees the workspace's socket go: nothing of it keeps running.
  for (let i = 0; i < 50 && open() !== '0'; i++) await new Promise((r) => setTimeout(r, 100));
  assert.equal(open(), '0', 'the workspace socket closed with the workspace');
  assert.equal(sockets.length, 1, 'the sign-in page opens no socket');
  // Signed in elsewhere still (this file's other pages), so not off; but with no page open
  // she is nowhere available or busy: routing hands her nothing.
  assert.doesNotMatch(server.sql(`SELECT string_agg(state::text, ',') FROM availability WHERE user_id = '${maya}'`),
    /available|busy/);
  await context.close();
});
