// Every kind of page as its users meet it, on a desktop window (1280×800) and a phone
// (390×844): no page wider than its window, one h1, a title naming the page and its practice,
// and no serious or critical accessibility fault as axe-core (run inside the page) finds them.
// Then what each role is shown, the practice switcher by keyboard, and the phone's booking sheet.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { startServer, launchBrowser, signIn, waitForHydration, shot, demo } from '../harness.mjs';

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

let server;
let browser;
let riverside;
let sunset;

before(async () => {
  server = await startServer('access');
  browser = await launchBrowser();
  riverside = server.sql("SELECT id FROM practices WHERE name = 'Riverside Family Medicine'");
  sunset = server.sql("SELECT id FROM practices WHERE name = 'Sunset Pediatrics'");
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const SIZES = [
  { name: 'desktop', width: 1280, height: 800 },
  { name: 'phone', width: 390, height: 844 },
];

/** Who signs in (null: nobody), the pages they open, what shows each is ready, its title. */
const PAGES = () => [
  { who: null, pages: [
    { name: 'login', path: '/login', ready: '#login-form', title: /^Sign in · Switchboard$/ },
    { name: 'not-found', path: '/nowhere', ready: 'h1', title: /^Page not found · Switchboard$/ },
  ] },
  { who: 'maya.okafor', pages: [
    { name: 'inbox', path: `/p/${riverside}/inbox`, ready: '#staff', title: /^Inbox · Riverside Family Medicine · Switchboard$/ },
    { name: 'my-day', path: `/p/${riverside}/today`, ready: '#today .legend', title: /^My day · Riverside/ },
    { name: 'calendar-day', path: `/p/${riverside}/calendar?span=day`, ready: '#calendar .timegrid .tg-entry', title: /^Calendar · Riverside/ },
    { name: 'calendar-3day', path: `/p/${riverside}/calendar?span=3day`, ready: '#calendar .timegrid .tg-col', title: /^Calendar · Riverside/ },
    { name: 'calendar-week', path: `/p/${riverside}/calendar?span=week`, ready: '#calendar .timegrid .tg-entry', title: /^Calendar · Riverside/ },
    { name: 'calendar-month', path: `/p/${riverside}/calendar?span=month`, ready: '#calendar .monthgrid', title: /^Calendar · Riverside/ },
    { name: 'calendar-list', path: `/p/${riverside}/calendar?span=list`, ready: '#calendar #day-list', title: /^Calendar · Riverside/ },
    { name: 'calendar-booking', path: `/p/${riverside}/calendar?span=day`, ready: '#calendar .timegrid', open: '#cal-new', panel: '#booking', title: /^Calendar · Riverside/ },
    { name: 'tasks', path: `/p/${riverside}/tasks`, ready: '#task-list .task-row', title: /^Tasks · Riverside/ },
    { name: 'task-open', path: `/p/${riverside}/tasks`, ready: '#task-list .task-row', open: '#task-list .task-row', panel: '#task-detail', title: /^Tasks · Riverside/ },
    { name: 'coming-section', path: `/p/${riverside}/phone`, ready: '#section-placeholder', title: /^Phone · Riverside/ },
    { name: 'account', path: '/account', ready: '#account', title: /^Your account · Switchboard$/ },
  ] },
  { who: 'rachel.kim', pages: [
    { name: 'admin-people', path: `/p/${sunset}/admin`, ready: '#admin-staff', title: /^Admin: people · Sunset Pediatrics/ },
    { name: 'admin-settings', path: `/p/${sunset}/admin/settings`, ready: 'form.settings', title: /^Admin: settings · Sunset/ },
    { name: 'admin-log', path: `/p/${sunset}/admin/log`, ready: '#access-log #audit-person', title: /^Admin: access log · Sunset/ },
  ] },
  { who: 'helen.park', pages: [
    { name: 'no-access', path: `/p/${sunset}/inbox`, ready: '#no-access', title: /^Inbox · Switchboard$/, status: 403 },
  ] },
  { who: 'dana.whitfield', landing: (url) => url.pathname === '/agency', pages: [
    { name: 'agency', path: '/agency', ready: '#agency-practices', title: /^Agency: practices · Switchboard$/ },
    { name: 'sent-mail', path: '/agency/mail', ready: '#sent-mail', title: /^Agency: sent mail · Switchboard$/ },
  ] },
];

/** What axe-core finds that is serious or critical, in words. */
async function axeFaults(page) {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axeSource);
  const found = await page.evaluate(async () => {
    const result = await window.axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
  });
  return found.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

test('every kind of page fits its window, has one h1 and a title, and passes axe-core', async () => {
  const report = [];
  for (const size of SIZES) {
    for (const group of PAGES()) {
      const context = await browser.newContext({ viewport: { width: size.width, height: size.height } });
      const page = await context.newPage();
      if (group.who) await signIn(page, server.base, demo(group.who), group.landing);
      for (const p of group.pages) {
        const response = await page.goto(`${server.base}${p.path}`);
        assert.equal(response.status(), p.status ?? (p.name === 'not-found' ? 404 : 200), `${p.name} answers`);
        await waitForHydration(page);
        await page.waitForSelector(p.ready);
        if (p.open) {
          await page.click(p.open);
          await page.waitForSelector(`${p.panel} .panel-title`);
          // The panel has the focus, and (on a phone, a sheet over the screen) is in view.
          await page.waitForFunction((panel) => document.activeElement?.closest(panel) !== null, p.panel);
          const box = await page.$eval(p.panel, (el) => el.getBoundingClientRect().toJSON());
          assert.ok(box.top >= 0 && box.top < size.height / 2, `${p.name} ${size.name}: the panel starts in view (${box.top})`);
          if (size.name === 'phone') {
            assert.ok(box.left === 0 && box.width === size.width, `${p.name}: a sheet over the whole width`);
          }
        }
        const facts = await page.evaluate(() => ({
          wide: document.documentElement.scrollWidth,
          h1: document.querySelectorAll('h1').length,
          title: document.title,
        }));
        assert.ok(facts.wide <= size.width, `${p.name} ${size.name}: ${facts.wide} px wide in a ${size.width} px window`);
        assert.equal(facts.h1, 1, `${p.name} ${size.name}: one h1`);
        assert.match(facts.title, p.title, `${p.name}: its title`);
        const faults = await axeFaults(page);
        assert.deepEqual(faults, [], `${p.name} ${size.name}: ${JSON.stringify(faults)}`);
        await shot(page, `page-${p.name}-${size.name}`);
        report.push(`${size.name} ${p.name}`);
      }
      await context.close();
    }
  }
  assert.equal(report.length, 2 * PAGES().reduce((n, g) => n + g.pages.length, 0));
});

test('each role sees the sections it can use, and a refused page says why with a way back', async () => {
  const sections = async (page) => page.$$eval('nav.sections a', (as) => as.map((a) => a.textContent.trim()));
  const seen = {};
  for (const [who, where] of [
    ['helen.park', riverside], ['tom.becker', riverside], ['dana.whitfield', riverside],
  ]) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await signIn(page, server.base, demo(who), who === 'dana.whitfield' ? (url) => url.pathname === '/agency' : undefined);
    await page.goto(`${server.base}/p/${where}/inbox`);
    await waitForHydration(page);
    await page.waitForSelector('#staff');
    seen[who] = await sections(page);
    if (who === 'helen.park') {
      // A clinician who types the Admin address is refused plainly, with the way back.
      const refused = await page.goto(`${server.base}/p/${where}/admin`);
      assert.equal(refused.status(), 403);
      assert.match(await page.textContent('#no-access'), /don't have access/);
      assert.ok(await page.$('#no-access a[href="/"]'));
    }
    if (who === 'dana.whitfield') {
      // The agency sees a practice's people and settings, never its patients.
      assert.equal((await page.goto(`${server.base}/p/${where}/calendar`)).status(), 403);
      await page.goto(`${server.base}/p/${where}/today`);
      await waitForHydration(page);
      assert.match(await page.textContent('#today'), /not on any practice's calendar/);
    }
    await context.close();
  }
  assert.deepEqual(seen, {
    'helen.park': ['Inbox', 'My day', 'Calendar', 'Tasks'],
    'tom.becker': ['Inbox', 'My day', 'Calendar', 'Tasks', 'Admin'],
    'dana.whitfield': ['Inbox', 'Admin'],
  });
});

test('the practice switcher moves by arrow keys without loading a practice until Enter', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await signIn(page, server.base, demo('maya.okafor'));
  await page.goto(`${server.base}/p/${riverside}/calendar`);
  await waitForHydration(page);
  await page.waitForSelector('#calendar .timegrid');
  const start = page.url();
  await page.focus('#practice-switcher');
  await page.keyboard.press('ArrowDown');
  await page.waitForTimeout(500);
  assert.equal(page.url(), start, 'ArrowDown alone opens nothing');
  const chosen = await page.$eval('#practice-switcher', (s) => s.value);
  assert.notEqual(chosen, riverside);
  await page.keyboard.press('Enter');
  await page.waitForURL(`${server.base}/p/${chosen}/calendar`);
  await page.waitForFunction((id) => document.querySelector('#practice-switcher').value === id, chosen);
  // Leaving the list after stepping through it puts back the practice shown.
  await page.focus('#practice-switcher');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Tab');
  assert.equal(await page.$eval('#practice-switcher', (s) => s.value), chosen);
  assert.equal(page.url(), `${server.base}/p/${chosen}/calendar`);
  await page.close();
});

test('on a phone, tapping a free time opens the booking sheet over the screen', async () => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });
  const page = await context.newPage();
  await signIn(page, server.base, demo('helen.park'));
  // A phone opens the calendar as the week's list; the day's grid is a tap away.
  await page.goto(`${server.base}/p/${riverside}/calendar`);
  await waitForHydration(page);
  await page.waitForURL(/span=list/);
  await page.waitForSelector('#calendar #day-list');
  // Opened at today, not at the week's Monday: today's heading just below the top bar.
  await page.waitForFunction(() => {
    const h = document.querySelector('#day-list h2.today')?.getBoundingClientRect();
    const bar = document.querySelector('.topbar').getBoundingClientRect();
    return h && h.top >= bar.bottom && h.top < innerHeight / 3;
  });
  await shot(page, 'calendar-phone-list');
  await page.click('.seg-group button[aria-keyshortcuts="d"]');
  await page.waitForSelector('#calendar .timegrid .tg-col');
  const header = await page.$eval('.topbar', (el) => el.getBoundingClientRect().height);
  const grid = await page.$eval('.timegrid', (el) => el.getBoundingClientRect().top);
  await shot(page, 'calendar-phone');
  // A free time of the first clinician, brought into view and tapped where it shows white.
  const target = await page.$eval('.tg-col .tg-free', (el) => {
    el.scrollIntoView({ block: 'center' });
    const r = el.getBoundingClientRect();
    return { x: el.parentElement.getBoundingClientRect().left + 10, y: r.top + 4 };
  });
  await page.touchscreen.tap(target.x, target.y);
  await page.waitForSelector('#booking .panel-title');
  const sheet = await page.$eval('#booking', (el) => el.getBoundingClientRect().toJSON());
  assert.deepEqual([sheet.top, sheet.left, sheet.width], [0, 0, 390], 'the sheet covers the screen');
  assert.ok(sheet.height >= 800);
  await shot(page, 'calendar-phone-booking');
  await page.click('#booking [aria-label="Close the panel"]');
  await page.waitForSelector('#booking', { state: 'detached' });
  console.log(`phone: top bar ${Math.round(header)} px, grid starts at ${Math.round(grid)} px`);
  await context.close();
});

test('by keyboard alone: book, move and cancel an appointment, the focus where it belongs after each step', async () => {
  // A 24-hour locale, so the time field takes "1600" as 16:00.
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-GB' });
  const page = await context.newPage();
  await signIn(page, server.base, demo('maya.okafor'));
  const day = server.sql(`SELECT to_char(date_trunc('week', now() AT TIME ZONE 'America/New_York') + interval '16 days', 'YYYY-MM-DD')`);
  await page.goto(`${server.base}/p/${riverside}/calendar?span=day&date=${day}`);
  await waitForHydration(page);
  await page.waitForSelector('#calendar .timegrid .tg-free');
  const focused = () => page.evaluate(() => {
    const a = document.activeElement;
    // Its accessible name: its label, or its text (a screen reader's text included).
    const name = (a.getAttribute('aria-label') ?? a.textContent).replace(/\s+/g, ' ').trim();
    return { id: a.id, cls: a.className, name, entry: a.dataset?.entry ?? null };
  });
  /** Presses Tab until `reached` holds in the page; how many presses it took. */
  const tabTo = async (reached, arg, most = 80) => {
    for (let i = 1; i <= most; i++) {
      await page.keyboard.press('Tab');
      if (await page.evaluate(reached, arg)) return i;
    }
    throw new Error(`not reached by ${most} Tabs: ${JSON.stringify(await focused())}`);
  };
  const focusIn = (selector) => page.waitForFunction((s) => document.activeElement?.matches(s), selector);

  // The skip link is the first stop and goes past the top bar.
  await page.keyboard.press('Tab');
  assert.equal((await focused()).cls, 'skip-link');
  await page.keyboard.press('Enter');
  assert.equal((await focused()).id, 'content');
  // A free time of the first clinician, reached by Tab, opens the booking form at its start.
  const tabs = await tabTo(() => document.activeElement.classList.contains('tg-free'));
  const free = await focused();
  assert.match(free.name, /^Free \d\d:\d\d–\d\d:\d\d, \w+ \d+ \w+ \d{4}, Grace Liu: book$/);
  await page.keyboard.press('Enter');
  await focusIn('#booking .panel-title');
  assert.equal(await page.inputValue('#book-time'), free.name.match(/^Free (\d\d:\d\d)/)[1]);
  await tabTo(() => document.activeElement.id === 'patient-search', null, 10);
  await page.keyboard.type('Vance');
  await page.waitForSelector('#booking .hit >> text=Eleanor Vance');
  await tabTo(() => document.activeElement.classList.contains('hit'), null, 5);
  await page.keyboard.press('Enter');
  await focusIn('#book-type');
  await page.keyboard.press('ArrowDown');
  assert.match(await page.$eval('#book-type', (s) => s.selectedOptions[0].textContent), /^Follow-up/);
  // Riverside's types all need a room: the first.
  await tabTo(() => document.activeElement.id === 'book-room', null, 15);
  await page.keyboard.press('ArrowDown');
  assert.equal(await page.$eval('#book-room', (s) => s.selectedOptions[0].textContent), 'Exam 1');
  await tabTo(() => document.activeElement.id === 'book-submit', null, 20);
  await page.keyboard.press('Enter');
  // Booked: the form closes and the new appointment has the focus, named in full.
  await page.waitForFunction(() => !document.querySelector('#booking') || document.querySelector('#booking .error, #booking .problem'));
  if (await page.$('#booking')) assert.fail(await page.textContent('#booking'));
  await focusIn('.tg-entry');
  const booked = await focused();
  assert.match(booked.name, /^\d\d:\d\d Eleanor Vance Follow-up, Scheduled, to \d\d:\d\d, \w+ \d+ \w+, Grace Liu$/);

  // Moved to 16:00 from its details.
  await page.keyboard.press('Enter');
  await focusIn('#entry-detail .panel-title');
  await tabTo(() => document.activeElement.id === 'move-time', null, 30);
  await page.keyboard.type('1600');
  await tabTo(() => document.activeElement.id === 'move-submit', null, 10);
  await page.keyboard.press('Enter');
  await page.waitForSelector('#entry-detail', { state: 'detached' });
  await page.waitForFunction((id) => document.activeElement?.dataset?.entry === id
    && document.activeElement.textContent.startsWith('16:00 Eleanor Vance'), booked.entry);
  assert.ok(await page.$(`.tg-entry.marked[data-entry="${booked.entry}"]`), 'the moved entry is marked');

  // Moved from the grid itself: Shift with the arrows walks it (an outline shows where, a
  // live region says it), Escape keeps it, Enter moves it: one notice for the steps taken.
  const startOf = () => server.sql(`SELECT to_char(starts_at AT TIME ZONE 'America/New_York', 'HH24:MI') FROM entries WHERE id = '${booked.entry}'`);
  const moves = () => Number(server.sql(`SELECT count(*) FROM mail_outbox WHERE subject = 'Your appointment has moved' AND sent_at IS NULL`));
  const movesBefore = moves();
  await page.keyboard.press('Shift+ArrowUp');
  await page.waitForSelector('.tg-ghost >> text=→ 15:45');
  await page.keyboard.press('Escape');
  await page.waitForSelector('.tg-ghost', { state: 'detached' });
  assert.equal(startOf(), '16:00');
  await page.keyboard.press('Shift+ArrowDown');
  await page.keyboard.press('Shift+ArrowDown');
  await page.keyboard.press('Shift+ArrowUp');
  await page.waitForSelector('.tg-ghost >> text=→ 16:15');
  assert.match(await page.textContent('.timegrid [aria-live]'), /^Move Eleanor Vance to \w+ \d+ \w+ 16:15\? Enter moves it there/);
  await page.keyboard.press('Enter');
  await page.waitForFunction((id) => document.activeElement?.dataset?.entry === id
    && document.activeElement.textContent.startsWith('16:15 Eleanor Vance'), booked.entry);
  assert.equal(startOf(), '16:15');
  assert.match(await page.textContent('#cal-said'), /Moved Eleanor Vance to .* 16:15/);
  assert.equal(moves(), movesBefore + 1, 'one notice for one move, whatever the steps');
  // Sideways in a day of clinicians: onto the next one's column, asked first; kept.
  await page.keyboard.press('Shift+ArrowRight');
  await page.keyboard.press('Enter');
  await focusIn('#move-to .panel-title');
  assert.match(await page.textContent('#move-to-question'), /^Eleanor Vance is with Grace Liu at .*\. Move Eleanor Vance to /);
  await page.keyboard.press('Escape');
  await page.waitForFunction((id) => document.activeElement?.dataset?.entry === id, booked.entry);
  assert.equal(startOf(), '16:15');

  // Cancelled with a reason: the entry leaves, the focus stays on the grid.
  await page.keyboard.press('Enter');
  await focusIn('#entry-detail .panel-title');
  await tabTo(() => document.activeElement.id === 'cancel-reason', null, 60);
  await page.keyboard.type('The patient called to cancel');
  await page.keyboard.press('Tab');
  assert.equal((await focused()).id, 'cancel-notify', 'whether the patient is told comes first');
  assert.equal(await page.isChecked('#cancel-notify'), true);
  await page.keyboard.press('Tab');
  assert.equal((await focused()).id, 'cancel-submit');
  const notices = () => Number(server.sql(`SELECT count(*) FROM mail_outbox WHERE subject = 'Your appointment is cancelled' AND sent_at IS NULL`));
  const noticesBefore = notices();
  await page.keyboard.press('Enter');
  await page.waitForSelector(`.tg-entry[data-entry="${booked.entry}"]`, { state: 'detached' });
  await focusIn('.timegrid');
  assert.equal(server.sql(`SELECT status FROM entries WHERE id = '${booked.entry}'`), 'cancelled');
  assert.equal(notices(), noticesBefore + 1, "the patient's notice waits in the outbox");
  assert.match(await page.textContent('#cal-said'), /Eleanor Vance, .* 16:15: now Cancelled/);

  // `u` on the grid undoes it: the appointment is back, with the focus, and no notice leaves.
  await page.keyboard.press('u');
  await page.waitForFunction((id) => document.activeElement?.dataset?.entry === id, booked.entry);
  assert.equal(server.sql(`SELECT status FROM entries WHERE id = '${booked.entry}'`), 'scheduled');
  assert.equal(notices(), noticesBefore, 'the notice is withdrawn');
  console.log(`keyboard: a free time is ${tabs} Tabs after the skip link`);
  await context.close();
});
