// The workspace stays alive: moving between sections and practices swaps the page in place,
// so the document and its live socket (later the softphone's call, the running timer) are
// never replaced. Back and forward restore the right page; links still work without script.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { startServer, launchBrowser, signIn, shot, demo, screenshotsDir, DEMO_PASSWORD } from '../harness.mjs';

let server;
let browser;

before(async () => {
  server = await startServer('navigation');
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

// What each section shows once its data are in: the page is usable.
const READY = {
  inbox: '#staff',
  today: '#today .legend',
  calendar: '#calendar .timegrid, #calendar #day-list',
};

/**
 * Does `act` inside the page (clicks the element `act.click`, or chooses `act.choose` in
 * the practice switcher, as a person would) and waits for `ready` to appear in a page that
 * was not there before: the time from the action until then, and the bytes fetched
 * meanwhile.
 */
function move(page, act, ready) {
  return page.evaluate(async ([act, ready]) => {
    for (const el of document.querySelectorAll('#content *')) el.dataset.before = '';
    const fresh = () => [...document.querySelectorAll(ready)].find((el) => el.dataset.before === undefined);
    const start = performance.now();
    const done = new Promise((resolve, reject) => {
      const observer = new MutationObserver(() => {
        if (fresh()) {
          observer.disconnect();
          resolve(performance.now());
        }
      });
      observer.observe(document.body, { subtree: true, childList: true, attributes: true });
      setTimeout(() => reject(new Error(`${ready} did not appear`)), 10_000);
    });
    if (act.click) {
      document.querySelector(act.click).click();
    } else {
      const select = document.querySelector('#practice-switcher');
      select.value = act.choose;
      select.dispatchEvent(new Event('change', { bubbles: true }));
    }
    const end = await done;
    const bytes = performance.getEntriesByType('resource')
      .filter((e) => e.startTime >= start && e.startTime <= end)
      .reduce((sum, e) => sum + e.transferSize, 0);
    return { ms: Math.round((end - start) * 10) / 10, bytes };
  }, [act, ready]);
}

test('twenty moves between sections and practices keep one document and one socket; back and forward restore', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const sockets = [];
  page.on('websocket', (ws) => {
    const entry = { url: ws.url(), closed: false };
    ws.on('close', () => { entry.closed = true; });
    sockets.push(entry);
  });
  await signIn(page, server.base, demo('maya.okafor'));
  await page.waitForSelector('#online-now');
  const practices = await page.$$eval('#practice-switcher option', (os) => os.map((o) => ({ id: o.value, name: o.textContent.split(' · ')[0] })));
  assert.equal(practices.length, 3);
  const documents = () => page.evaluate(() => performance.getEntriesByType('navigation').length);
  const startDocuments = await documents();
  const socketsAtStart = sockets.length;
  assert.equal(socketsAtStart, 1, 'the workspace opened its socket');
  // A person looks at the inbox a moment before moving on; meanwhile the workspace fetches
  // the daily sections' code (two seconds after it is up), so a first visit waits for data only.
  await page.waitForTimeout(3000);

  // Sections by their links, practices by the switcher (which keeps the section).
  // (An assistant's sections: the ones still to come are out of the top bar until built.)
  const plan = [
    'calendar', 'today', 'inbox',
    { practice: 1 }, 'calendar', 'today', 'inbox', 'calendar',
    { practice: 2 }, 'today', 'calendar', 'inbox',
    { practice: 0 }, 'calendar', 'inbox', 'today', 'calendar',
    { practice: 1 }, 'inbox', 'today',
  ];
  assert.equal(plan.length, 20);
  const visited = new Set();
  const moves = [];
  const history = [page.url()];
  let practice = 0;
  let section = 'inbox';
  for (const step of plan) {
    let act;
    if (typeof step === 'string') {
      section = step;
      act = { click: `nav.sections a[href$="/${step}"]` };
    } else {
      practice = step.practice;
      act = { choose: practices[practice].id };
    }
    const key = `${practices[practice].id}/${section}`;
    const firstVisit = !visited.has(section);
    const measured = await move(page, act, READY[section]);
    visited.add(section);
    assert.ok(page.url().endsWith(`/p/${key}`), `after ${JSON.stringify(step)}: ${page.url()}`);
    history.push(page.url());
    // The top bar follows: the section is marked, the switcher names the practice.
    assert.equal(await page.$eval('nav.sections a[aria-current=page]', (a) => a.getAttribute('href')), `/p/${key}`);
    assert.equal(await page.$eval('#practice-switcher', (s) => s.value), practices[practice].id);
    if (section === 'inbox') {
      assert.equal(await page.textContent('#practice-name'), practices[practice].name);
    }
    moves.push({ step: typeof step === 'string' ? step : `switch to ${practices[practice].name}`, section, firstVisit, ...measured });
  }
  await shot(page, 'navigation-after-20-moves');

  assert.equal(await documents(), startDocuments, 'no move loaded a new document');
  assert.equal(sockets.length, 1, `one socket throughout: ${JSON.stringify(sockets)}`);
  assert.equal(sockets[0].closed, false, 'the socket stayed open');
  // Back and forward walk the same addresses and show their pages.
  for (let i = history.length - 2; i >= history.length - 6; i--) {
    await page.goBack();
    assert.equal(page.url(), history[i]);
    const sectionOf = history[i].split('/').pop();
    await page.waitForSelector(READY[sectionOf]);
    assert.equal(await page.$eval('nav.sections a[aria-current=page]', (a) => a.getAttribute('href')), new URL(history[i]).pathname);
  }
  await page.goForward();
  const forward = history[history.length - 5];
  assert.equal(page.url(), forward);
  await page.waitForSelector(READY[forward.split('/').pop()]);
  assert.equal(await documents(), startDocuments, 'back and forward stayed in the document');

  // The same socket still carries live events: at Riverside's inbox, another person who
  // signs in appears in the list.
  const riverside = server.sql("SELECT id FROM practices WHERE name = 'Riverside Family Medicine'");
  if (!page.url().endsWith('/inbox')) await move(page, { click: 'nav.sections a[href$="/inbox"]' }, READY.inbox);
  if (!page.url().includes(riverside)) await move(page, { choose: riverside }, READY.inbox);
  const luisContext = await browser.newContext();
  const luis = await luisContext.newPage();
  await signIn(luis, server.base, demo('luis.ortega'));
  await page.waitForSelector('#online-now >> text=Luis Ortega', { timeout: 10_000 });
  await luisContext.close();
  assert.equal(await documents(), startDocuments);
  assert.equal(sockets.length, 1);
  assert.equal(sockets[0].closed, false);

  // Back to a page that was scrolled returns to where it was (a phone's inbox is tall).
  await page.setViewportSize({ width: 390, height: 500 });
  await page.evaluate(() => window.scrollTo(0, 300));
  const scrolled = await page.evaluate(() => window.scrollY);
  assert.ok(scrolled > 200, `the inbox scrolls on a phone (${scrolled})`);
  // A phone's top bar is one row; the sections are under "Menu", which closes on a choice.
  const bar = await page.$eval('.topbar', (el) => el.getBoundingClientRect().height);
  assert.ok(bar < 60, `the phone's top bar is one row (${bar} px)`);
  assert.equal(await page.isVisible('nav.sections a[href$="/today"]'), false);
  await page.click('#top-menu');
  assert.equal(await page.getAttribute('#top-menu', 'aria-expanded'), 'true');
  await shot(page, 'topbar-phone-menu');
  // The menu opening above the page moves the scroll with it (the content stays put): back
  // returns to where the page was when it was left.
  const left = await page.evaluate(() => window.scrollY);
  await move(page, { click: 'nav.sections a[href$="/today"]' }, READY.today);
  assert.equal(await page.getAttribute('#top-menu', 'aria-expanded'), 'false');
  assert.equal(await page.evaluate(() => window.scrollY), 0, 'a new page starts at its top');
  await page.goBack();
  await page.waitForSelector(READY.inbox);
  await page.waitForFunction((y) => Math.abs(window.scrollY - y) < 2, left, { timeout: 5_000 });
  await page.setViewportSize({ width: 1280, height: 800 });

  // Reloading any address renders it whole on the server.
  await page.reload();
  await page.waitForSelector(READY[new URL(page.url()).pathname.split('/').pop()]);

  const first = moves.filter((m) => m.firstVisit);
  const repeat = moves.filter((m) => !m.firstVisit);
  const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s.length ? s[Math.floor(s.length / 2)] : null; };
  const summary = {
    firstVisit: { count: first.length, medianMs: median(first.map((m) => m.ms)), maxMs: Math.max(...first.map((m) => m.ms)), medianBytes: median(first.map((m) => m.bytes)), maxBytes: Math.max(...first.map((m) => m.bytes)) },
    repeatVisit: { count: repeat.length, medianMs: median(repeat.map((m) => m.ms)), maxMs: Math.max(...repeat.map((m) => m.ms)), medianBytes: median(repeat.map((m) => m.bytes)), maxBytes: Math.max(...repeat.map((m) => m.bytes)) },
  };
  writeFileSync(path.join(screenshotsDir, 'section-switch.json'), JSON.stringify({ summary, moves }, null, 2));
  console.log(`section switches: ${JSON.stringify(summary)}`);
  await context.close();
});

test('without script, the section links and the sign-in form still work as plain pages', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(`${server.base}/login`);
  await page.fill('input[name=email]', demo('maya.okafor'));
  await page.fill('input[name=password]', DEMO_PASSWORD);
  await page.click('button[type=submit]');
  await page.waitForURL(/\/p\/[0-9a-f-]+\/inbox/);
  await page.click('nav.sections >> text=Calendar');
  await page.waitForURL(/\/calendar$/);
  await page.waitForSelector('#calendar .timegrid');
  await context.close();
});
