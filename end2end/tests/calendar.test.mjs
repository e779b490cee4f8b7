// The front desk's calendar: book by clicking a free slot, see it live in a second browser,
// reschedule by dragging and by "Move", a conflict offers the next free slots, and the day,
// week and month views render (screenshots); the patient confirms from the e-mailed link; a
// subscription feed is made and serves the calendar.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import ICAL from 'ical.js';
import { startServer, launchBrowser, signIn, waitForHydration, shot, demo } from '../harness.mjs';

let server;
let browser;
let riverside;
let day; // the Tuesday two weeks ahead in New York: no demo appointments
let seededDay; // next week's Tuesday: the demo's appointments and lunch blocks

before(async () => {
  server = await startServer('calendar');
  browser = await launchBrowser();
  riverside = server.sql("SELECT id FROM practices WHERE name = 'Riverside Family Medicine'");
  const weekday = (days) => server.sql(
    `SELECT to_char(date_trunc('week', now() AT TIME ZONE 'America/New_York') + interval '${days} days', 'YYYY-MM-DD')`);
  day = weekday(15);
  seededDay = weekday(8);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** Pixels from the top of a column to `hh:mm` (the grid starts at 07:00, 1.2 px a minute). */
const y = (h, m = 0) => ((h * 60 + m) - 7 * 60) * 1.2 + 3;

async function openDay(page, date = day) {
  await page.goto(`${server.base}/p/${riverside}/calendar?span=day&date=${date}`);
  await waitForHydration(page);
  await page.waitForSelector('.timegrid');
}

/** A provider's column of the day view (providers in name order). */
const column = (page, name) => page.locator('.tg-col').nth(['Grace Liu', 'Helen Park', 'Samuel Reyes'].indexOf(name));

test('book by clicking a free slot, see it live elsewhere, move it by dragging and by Move', async () => {
  const maya = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const luis = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const mp = await maya.newPage();
  const lp = await luis.newPage();
  await signIn(mp, server.base, demo('maya.okafor'));
  await signIn(lp, server.base, demo('luis.ortega'));
  await openDay(mp);
  await openDay(lp);
  const heads = await mp.$$eval('.tg-head', (hs) => hs.map((h) => h.textContent));
  assert.deepEqual(heads, ['Grace Liu', 'Helen Park', 'Samuel Reyes'], 'providers are the columns');

  // Helen Park at 11:00.
  await column(mp, 'Helen Park').click({ position: { x: 40, y: y(11) } });
  await mp.waitForSelector('#booking');
  assert.equal(await mp.inputValue('#book-time'), '11:00');
  await mp.fill('#patient-search', 'Vance');
  await mp.click('.hit >> text=Eleanor Vance');
  await mp.waitForSelector('#chosen-patient');
  await mp.selectOption('#book-type', { label: 'Follow-up (20 min)' });
  await mp.selectOption('#book-room', { label: 'Exam 1' });
  await shot(mp, 'calendar-booking');
  await mp.click('#book-submit');
  // A short message says what was done, offering to undo it.
  await mp.waitForSelector('#cal-said #said-undo');
  assert.match(await mp.textContent('#cal-said .said-text'), /^Booked Eleanor Vance with Helen Park, \w{3} \d+ \w{3} 11:00$/);
  const entry = mp.locator('.tg-entry', { hasText: 'Eleanor Vance' });
  await entry.waitFor();
  // The other assistant's open calendar shows it without reloading.
  await lp.locator('.tg-entry', { hasText: 'Eleanor Vance' }).waitFor({ timeout: 5000 });
  await shot(mp, 'calendar-day');

  // Drag to 15:00 in Samuel Reyes's column: another clinician, so asked first, with the
  // patient told unless the box is cleared.
  const movedMails = () => Number(server.sql(`SELECT count(*) FROM mail_outbox WHERE subject = 'Your appointment has moved'`));
  const mailsBefore = movedMails();
  const dragToReyes = async () => {
    await mp.locator('.tg-entry', { hasText: 'Eleanor Vance' }).dragTo(column(mp, 'Samuel Reyes'), { targetPosition: { x: 40, y: y(15, 0) } });
    await mp.waitForSelector('#move-to');
    assert.match(await mp.textContent('#move-to-question'), /Eleanor Vance is with Helen Park at .* 11:00\. Move Eleanor Vance to Samuel Reyes, .* 15:00\?/);
    assert.equal(await mp.isChecked('#move-to-notify'), true);
    await mp.click('#move-to-yes');
    await mp.waitForFunction(() => document.querySelector('#cal-said .said-text')?.textContent.startsWith('Moved Eleanor Vance to Samuel Reyes, '));
    await mp.waitForFunction(() => [...document.querySelectorAll('.tg-entry')].some((e) =>
      e.textContent.includes('Eleanor Vance') && e.textContent.startsWith('15:00')));
  };
  await dragToReyes();
  await shot(mp, 'calendar-moved-undo');
  assert.equal(movedMails(), mailsBefore + 1, 'the notice waits in the outbox');
  // Undo: back with Helen Park at 11:00, and the notice never leaves.
  await mp.click('#said-undo');
  await mp.waitForFunction(() => document.querySelector('#cal-said .said-text')?.textContent === 'Undone.');
  await mp.waitForFunction(() => [...document.querySelectorAll('.tg-entry')].some((e) =>
    e.textContent.includes('Eleanor Vance') && e.textContent.startsWith('11:00')));
  assert.equal(movedMails(), mailsBefore, 'the held notice is withdrawn');
  await dragToReyes();
  await lp.waitForFunction(() => [...document.querySelectorAll('.tg-entry')].some((e) =>
    e.textContent.includes('Eleanor Vance') && e.textContent.startsWith('15:00')), null, { timeout: 5000 });
  const moved = server.sql(`SELECT u.display_name FROM entries e JOIN users u ON u.id = e.provider_id
                            JOIN patients p ON p.id = e.patient_id WHERE p.full_name = 'Eleanor Vance'
                            AND e.starts_at::date >= '${day}'::date - 1`);
  assert.equal(moved, 'Samuel Reyes');

  // Move by the panel: to 16:00.
  await mp.locator('.tg-entry', { hasText: 'Eleanor Vance' }).click();
  await mp.waitForSelector('#entry-detail');
  await mp.fill('#move-time', '16:00');
  await mp.click('#move-submit');
  await mp.waitForFunction(() => [...document.querySelectorAll('.tg-entry')].some((e) =>
    e.textContent.includes('Eleanor Vance') && e.textContent.startsWith('16:00')));

  // Confirmed, from the panel; "Arrived" waits for the appointment's day (two weeks ahead).
  await mp.locator('.tg-entry', { hasText: 'Eleanor Vance' }).click();
  await mp.waitForSelector('.status-btn[data-status=confirmed]');
  assert.equal(await mp.$('.status-btn[data-status=arrived]'), null);
  await mp.click('.status-btn[data-status=confirmed]');
  await mp.waitForFunction(() => [...document.querySelectorAll('.tg-entry')].some((e) =>
    e.textContent.includes('Eleanor Vance') && e.textContent.includes('Confirmed')));
  await maya.close();
  await luis.close();
});

test('a taken slot is refused with what is in the way and the next free slots', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await signIn(page, server.base, demo('maya.okafor'));
  await openDay(page, seededDay);
  // Grace Liu's first demo appointment that day: a 20-minute telehealth call ten minutes
  // before it runs into it (a click on the appointment itself would open it instead).
  const [h, m] = server.sql(`SELECT to_char(e.starts_at AT TIME ZONE 'America/New_York', 'HH24:MI')
    FROM entries e JOIN users u ON u.id = e.provider_id
    WHERE u.display_name = 'Grace Liu' AND e.kind = 'appointment'
      AND (e.starts_at AT TIME ZONE 'America/New_York')::date = '${seededDay}' ORDER BY 1 LIMIT 1`).split(':').map(Number);
  await column(page, 'Grace Liu').click({ position: { x: 40, y: y(h, m - 10) } });
  await page.waitForSelector('#booking');
  await page.fill('#patient-search', 'Tanaka');
  await page.click('.hit >> text=Aiko Tanaka');
  await page.selectOption('#book-type', { label: 'Telehealth (20 min)' });
  await page.click('#book-submit');
  await page.waitForSelector('#book-problem');
  const text = await page.textContent('#book-problem');
  assert.match(text, /That time is taken: Grace Liu has an appointment/);
  assert.match(text, /Next free:/);
  await shot(page, 'calendar-conflict');
  // Taking an offer fills the form; booking it works.
  await page.click('#book-problem .offer >> nth=0');
  await page.click('#book-submit');
  await page.waitForSelector('#cal-said:not(.problem)');
  await page.close();
});

test('an assistant in another zone sees its own time beside the practice\'s', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, timezoneId: 'America/Los_Angeles' });
  const page = await context.newPage();
  await signIn(page, server.base, demo('maya.okafor'));
  await openDay(page, seededDay);
  await page.waitForFunction(() => document.querySelector('#cal-zone')?.textContent.includes('yours is 3 h behind'));
  const nine = await page.locator('.tg-hour', { hasText: '09:00' }).first().textContent();
  assert.match(nine, /09:0006:00/);
  await shot(page, 'calendar-other-zone');
  await context.close();
});

test('week and month views, and the keyboard', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await signIn(page, server.base, demo('maya.okafor'));
  await openDay(page);
  await page.keyboard.press('w');
  await page.waitForURL(/span=week/);
  await waitForHydration(page);
  // Riverside is closed at weekends: the week shows its five days, and all seven on asking.
  await page.waitForFunction(() => document.querySelectorAll('.tg-head').length === 5);
  await shot(page, 'calendar-week');
  await page.click('#cal-closed');
  await page.waitForFunction(() => document.querySelectorAll('.tg-head').length === 7);
  await page.click('#cal-closed');
  await page.waitForFunction(() => document.querySelectorAll('.tg-head').length === 5);
  // Single keys act on the grid, not on a button that has the focus.
  await page.keyboard.press('m');
  assert.match(page.url(), /span=week/);
  await page.focus('.timegrid');
  await page.keyboard.press('ArrowLeft');
  await page.waitForFunction(() => document.querySelectorAll('.tg-entry').length > 10, null, { timeout: 5000 });
  // The lunch all three clinicians share is drawn once a day, saying so; the legend names
  // the clinicians' colours.
  const lunches = await page.$$eval('.tg-col', (cols) => cols.map((c) => [...c.querySelectorAll('.tg-entry.block')]
    .filter((e) => e.textContent.includes('Lunch')).map((e) => e.textContent.includes('3 people'))));
  assert.ok(lunches.some((l) => l.length === 1 && l[0]), JSON.stringify(lunches));
  assert.ok(lunches.every((l) => l.length <= 1), JSON.stringify(lunches));
  assert.deepEqual(await page.$$eval('.cal-legend .chip', (c) => c.map((x) => x.textContent)), ['Grace Liu', 'Helen Park', 'Samuel Reyes']);
  await shot(page, 'calendar-week-seeded');
  // Coloured by type instead, on asking (under More): the legend names the types, each
  // appointment's edge takes its type's colour, and the choice outlives a reload.
  await page.click('#cal-more > summary');
  await page.click('#cal-colour');
  await page.waitForSelector('.cal-legend .chip.type');
  const types = server.sql(`SELECT name || '|' || color FROM appointment_types WHERE practice_id = '${riverside}' AND archived_at IS NULL ORDER BY name`)
    .split('\n').map((r) => r.split('|'));
  assert.deepEqual((await page.$$eval('.cal-legend .chip.type', (c) => c.map((x) => x.textContent))).sort(), types.map(([n]) => n));
  const rgb = (hex) => `rgb(${[1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)).join(', ')})`;
  const edges = await page.$$eval('.tg-entry:not(.block)', (es) => es.map((e) => [e.textContent, getComputedStyle(e).borderLeftColor]));
  const [name, colour] = types.find(([n]) => edges.some(([t]) => t.includes(n)));
  assert.ok(edges.filter(([t]) => t.includes(name)).every(([, c]) => c === rgb(colour)), `${name}: ${colour} ${JSON.stringify(edges.slice(0, 3))}`);
  await shot(page, 'calendar-week-by-type');
  await page.reload();
  await waitForHydration(page);
  await page.waitForSelector('.cal-legend .chip.type');
  await page.click('#cal-more > summary');
  await page.click('#cal-colour');
  await page.waitForFunction(() => !document.querySelector('.cal-legend .chip.type') && document.querySelectorAll('.cal-legend .chip').length === 3);
  // The same week as a list, day by day (`l`): each entry opens its details.
  await page.focus('.timegrid');
  await page.keyboard.press('l');
  await page.waitForSelector('#day-list .dl-entry');
  const days = await page.$$eval('#day-list h2', (h) => h.map((x) => x.textContent));
  assert.ok(days.length >= 5 && days.every((h) => /^\w+day \d+ \w+ \d{4}$/.test(h)), JSON.stringify(days));
  const listed = page.locator('#day-list .dl-entry', { hasText: 'Marcus Holloway' }).first();
  assert.match(await listed.textContent(), /^\d\d:\d\d–\d\d:\d\dMarcus Holloway/);
  // The lunch the three share is one row a day there too.
  const lunchRows = (await page.$$eval('#day-list section', (ss) => ss.map((sec) => [...sec.querySelectorAll('.dl-entry')]
    .filter((e) => e.textContent.includes('Lunch')).map((e) => e.textContent.includes('3 people'))))).filter((l) => l.length);
  assert.ok(lunchRows.length >= 5 && lunchRows.every((l) => l.length === 1 && l[0]), JSON.stringify(lunchRows));
  await shot(page, 'calendar-list');
  await listed.click();
  await page.waitForSelector('#entry-detail');
  await page.keyboard.press('Escape');
  await page.waitForSelector('#entry-detail', { state: 'detached' });
  await page.click('button[aria-keyshortcuts="w"]');
  await page.waitForSelector('.timegrid');
  // Three days from the day chosen (`3`): the practice's open days (the demo's clinicians
  // work Monday to Friday), so a weekend in between is stepped over; › goes to the next open
  // day after them and ‹ back three open days. A screen reader meets each column named by
  // its day.
  await page.focus('.timegrid');
  await page.keyboard.press('3');
  await page.waitForURL(/span=3day/);
  const anchor = new URL(page.url()).searchParams.get('date');
  const dayAfter = (iso, n) => new Date(Date.parse(`${iso}T12:00:00Z`) + n * 86_400_000);
  const iso = (d) => d.toISOString().slice(0, 10);
  const weekday = (d) => d.getUTCDay() % 6 !== 0;
  const openAfter = (d, step) => { let n = d; do { n = new Date(n.getTime() + step * 86_400_000); } while (!weekday(n)); return n; };
  const threeFrom = (iso) => { const days = [dayAfter(iso, 0)]; while (days.length < 3) days.push(openAfter(days.at(-1), 1)); return days; };
  const head = (d) => `${d.toLocaleDateString('en-GB', { weekday: 'short', timeZone: 'UTC' })} ${d.getUTCDate()}`;
  const heads = () => page.$$eval('.tg-head', (h) => h.map((x) => x.textContent));
  await page.waitForFunction(() => document.querySelectorAll('.tg-head').length === 3);
  assert.deepEqual(await heads(), threeFrom(anchor).map(head));
  assert.match(await page.getAttribute('.tg-col >> nth=0', 'aria-label'), /^\w+day \d+ \w+ \d{4}$/);
  await shot(page, 'calendar-3day');
  // Three steps on always cross a weekend, which is not drawn.
  let at = anchor;
  for (let i = 0; i < 3; i++) {
    const next = iso(openAfter(threeFrom(at)[2], 1));
    await page.click('button[aria-label="Next"]');
    await page.waitForFunction((d) => new URL(location.href).searchParams.get('date') === d, next);
    await page.waitForFunction((h) => document.querySelector('.tg-head')?.textContent === h, head(dayAfter(next, 0)));
    assert.deepEqual(await heads(), threeFrom(next).map(head));
    at = next;
  }
  const back = iso([1, 2, 3].reduce((d) => openAfter(d, -1), dayAfter(at, 0)));
  await page.click('button[aria-label="Previous"]');
  await page.waitForFunction((d) => new URL(location.href).searchParams.get('date') === d, back);
  await page.waitForFunction((h) => document.querySelector('.tg-head')?.textContent === h, head(dayAfter(back, 0)));
  assert.equal((await heads()).length, 3);
  await page.focus('.timegrid');
  await page.keyboard.press('m');
  await page.waitForSelector('.monthgrid');
  assert.equal(await page.locator('.mg-day').count(), 42);
  await shot(page, 'calendar-month');
  await page.keyboard.press('n');
  await page.waitForSelector('#booking');
  await page.keyboard.press('Escape');
  await page.waitForSelector('#booking', { state: 'detached' });
  await page.setViewportSize({ width: 420, height: 800 });
  await page.keyboard.press('d');
  await page.waitForSelector('.timegrid');
  await shot(page, 'calendar-narrow');
  await page.close();
});

test('the patient confirms from the e-mailed link; a feed address is made and serves the calendar', async () => {
  // The bookings and moves above e-mailed their patients; open the newest link on a phone.
  const body = server.sql("SELECT body_text FROM mail_outbox WHERE body_text LIKE '%/a/%' ORDER BY created_at DESC, id LIMIT 1");
  const link = body.match(/http\S+\/a\/\S+/)[0];
  const phone = await browser.newContext({ viewport: { width: 390, height: 760 } });
  const pp = await phone.newPage();
  await pp.goto(link);
  await waitForHydration(pp);
  await pp.waitForSelector('#appointment-confirm');
  await shot(pp, 'appointment-link');
  await pp.click('#appointment-confirm');
  await pp.waitForFunction(() => document.querySelector('#appointment-status')?.textContent.startsWith('Confirmed'));
  const status = server.sql(`SELECT e.status FROM appointment_notices n JOIN entries e ON e.id = n.entry_id
                             ORDER BY n.created_at DESC LIMIT 1`);
  assert.equal(status, 'confirmed');
  await phone.close();

  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await ctx.newPage();
  await signIn(page, server.base, demo('maya.okafor'));
  await openDay(page, seededDay);
  await page.click('#cal-more > summary');
  await page.click('#cal-feeds');
  await page.waitForSelector('#feeds-panel form');
  await page.selectOption('#feed-whose', { label: 'Helen Park' });
  await page.fill('#feed-label', "Dr. Park's phone");
  await page.click('#feed-add');
  await page.waitForSelector('#feed-url');
  await page.locator('#feed-list li', { hasText: 'Helen Park' }).waitFor();
  const url = await page.inputValue('#feed-url');
  await shot(page, 'calendar-feeds');
  const res = await fetch(url);
  assert.equal(res.status, 200);
  const ics = await res.text();
  assert.match(ics, /^BEGIN:VCALENDAR\r\n/);
  assert.match(ics, /BEGIN:VEVENT\r\n/);
  assert.match(ics, /DTSTART;TZID=America\/New_York:/);
  assert.ok(!/Vance|Alvarez|Whitaker/.test(ics), 'no patient names unless the practice allows them');
  // An independent parser (Mozilla's ical.js, as in Thunderbird) reads it, and with only the
  // feed's own VTIMEZONE puts every event at the instant the calendar has.
  const cal = new ICAL.Component(ICAL.parse(ics));
  ICAL.TimezoneService.register(cal.getFirstSubcomponent('vtimezone'));
  const events = cal.getAllSubcomponents('vevent').map((v) => new ICAL.Event(v));
  assert.ok(events.length > 0);
  for (const ev of events.slice(0, 20)) {
    const id = ev.uid.split('@')[0];
    const epoch = server.sql(`SELECT extract(epoch FROM starts_at)::bigint FROM entries WHERE id = '${id}'`);
    assert.equal(ev.startDate.toUnixTime(), Number(epoch), `${ev.summary} starts when the calendar says`);
  }
  await ctx.close();
});

test('clinician out: every affected appointment gets a new slot and moves at once', async () => {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await ctx.newPage();
  await signIn(page, server.base, demo('maya.okafor'));
  await openDay(page, seededDay);
  const booked = (who) => server.sql(`SELECT count(*) FROM entries e JOIN users u ON u.id = e.provider_id
    WHERE u.display_name = '${who}' AND e.kind = 'appointment' AND e.status IN ('scheduled', 'confirmed')
    AND (e.starts_at AT TIME ZONE 'America/New_York')::date = '${seededDay}'`);
  const before = Number(booked('Grace Liu'));
  assert.ok(before > 0, 'the demo books Grace Liu that day');
  await page.click('#cal-more > summary');
  await page.click('#cal-out');
  await page.waitForSelector('#out-panel form');
  await page.selectOption('#out-provider', { label: 'Grace Liu' });
  await page.fill('#out-from-day', seededDay);
  await page.fill('#out-from-time', '00:00');
  await page.fill('#out-to-day', seededDay);
  await page.fill('#out-to-time', '23:59');
  await page.click('#out-show');
  await page.waitForSelector('#out-rows');
  assert.equal(await page.locator('#out-rows li').count(), before);
  await shot(page, 'calendar-out');
  await page.click('#out-apply');
  await page.waitForSelector('#out-done, #out-panel .error');
  assert.equal(await page.locator('#out-panel .error').count(), 0,
    await page.locator('#out-panel .error').allTextContents().then((t) => t.join()));
  assert.equal(booked('Grace Liu'), '0', 'nothing is left booked with her that day');
  // Her column of that day shows no appointments any more (lunch stays).
  await page.waitForFunction(() => ![...document.querySelectorAll('.tg-col')][0]
    .querySelector('.tg-entry:not(.block)'));
  await shot(page, 'calendar-out-done');
  await ctx.close();
});

test('a weekly series: booked from the form, given a new rule, then cancelled from one occurrence for all', async () => {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await ctx.newPage();
  await signIn(page, server.base, demo('maya.okafor'));
  await openDay(page);
  await column(page, 'Samuel Reyes').click({ position: { x: 40, y: y(16, 30) } });
  await page.waitForSelector('#booking');
  await page.fill('#patient-search', 'Whitaker');
  await page.click('.hit >> text=James Whitaker');
  await page.selectOption('#book-type', { label: 'Follow-up (20 min)' });
  await page.selectOption('#book-room', { label: 'Exam 1' });
  await page.selectOption('#book-repeat', 'WEEKLY');
  await page.fill('#book-count', '3');
  await page.click('#book-submit');
  await page.waitForSelector('#cal-said:not(.problem)');
  const live = () => server.sql(`SELECT count(*) FROM entries e JOIN patients p ON p.id = e.patient_id
    WHERE p.full_name = 'James Whitaker' AND e.series_id IS NOT NULL AND e.status <> 'cancelled'`);
  assert.equal(live(), '3');
  // Every other week from the first, twice: the second is cancelled, the third kept.
  await page.locator('.tg-entry', { hasText: 'James Whitaker' }).click();
  await page.waitForSelector('#reach');
  assert.equal(await page.textContent('#detail-repeats'), 'Every week, 3 times');
  await page.check('#reach-following');
  await page.selectOption('#rule-freq', 'WEEKLY;INTERVAL=2');
  await page.fill('#rule-count', '2');
  await page.locator('#rule').screenshot({ path: 'screenshots/calendar-series-rule.png' });
  const reloaded = page.waitForResponse((r) => r.url().endsWith('/api/calendar/view'));
  await page.click('#rule-submit');
  await reloaded;
  assert.equal(live(), '2');
  await page.locator('.tg-entry', { hasText: 'James Whitaker' }).click();
  await page.waitForSelector('#reach');
  assert.equal(await page.textContent('#detail-repeats'), 'Every 2 weeks, 2 times');
  await page.check('#reach-all');
  await page.fill('#cancel-reason', 'Course of treatment ended');
  await shot(page, 'calendar-series');
  await page.click('#cancel-submit');
  await page.waitForFunction(() => ![...document.querySelectorAll('.tg-entry')].some((e) => e.textContent.includes('James Whitaker')));
  assert.equal(live(), '0', 'every occurrence is cancelled');
  await ctx.close();
});

test('waitlist: an earlier slot is offered by e-mail and taken by the link', async () => {
  // The demo's last appointment of a patient with an e-mail address.
  const [id, name, date] = server.sql(`SELECT e.id, p.full_name, to_char(e.starts_at AT TIME ZONE 'America/New_York', 'YYYY-MM-DD')
    FROM entries e JOIN patients p ON p.id = e.patient_id JOIN practices r ON r.id = e.practice_id
    WHERE r.name = 'Riverside Family Medicine' AND p.email <> '' AND e.status = 'scheduled' AND e.series_id IS NULL
    ORDER BY e.starts_at DESC LIMIT 1`).split('|');
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await ctx.newPage();
  await signIn(page, server.base, demo('maya.okafor'));
  await openDay(page, date);
  await page.locator(`.tg-entry[data-entry="${id}"]`).click();
  await page.waitForSelector('#waitlist-form');
  await page.click('#wait-add');
  await page.waitForSelector('#wait-added, #waitlist-form .error');
  assert.equal(await page.locator('#waitlist-form .error').count(), 0,
    await page.locator('#waitlist-form .error').allTextContents().then((t) => t.join()));
  await page.click('#cal-more > summary');
  await page.click('#cal-waitlist');
  await page.locator('#waitlist li', { hasText: name }).waitFor();
  await shot(page, 'calendar-waitlist');
  await page.locator('#waitlist li', { hasText: name }).locator('.offer-btn').click();
  await page.waitForSelector('#waitlist-note');
  const body = server.sql("SELECT body_text FROM mail_outbox WHERE body_text LIKE '%/w/%' ORDER BY created_at DESC LIMIT 1");
  const link = body.match(/http\S+\/w\/\S+/)[0];

  const phone = await browser.newContext({ viewport: { width: 390, height: 760 } });
  const pp = await phone.newPage();
  await pp.goto(link);
  await waitForHydration(pp);
  await pp.click('#offer-take');
  await pp.waitForFunction(() => document.querySelector('#offer-state')?.textContent.startsWith('It is yours'));
  await shot(pp, 'waitlist-claimed');
  const now = server.sql(`SELECT to_char(starts_at AT TIME ZONE 'America/New_York', 'YYYY-MM-DD') FROM entries WHERE id = '${id}'`);
  assert.ok(now < date, `moved earlier: ${now} before ${date}`);
  await phone.close();
  await ctx.close();
});

test('setup: a provider\'s weekly hours, extra hours, a room and an appointment type', async () => {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await ctx.newPage();
  await signIn(page, server.base, demo('maya.okafor'));
  await openDay(page);
  await page.click('#cal-more > summary');
  await page.click('#cal-setup');
  await page.waitForSelector('#hours-form');
  await page.selectOption('#hours-provider', { label: 'Helen Park' });
  // The form shows her hours in force (Monday to Friday in the demo).
  await page.waitForFunction(() => document.querySelector('#hours-0')?.value !== '');
  assert.match(await page.inputValue('#hours-0'), /^\d\d:\d\d-\d\d:\d\d/);
  // Typed the 12-hour way, kept and shown as Maya reads times (24-hour).
  await page.fill('#hours-5', '9am - 12:30 pm');
  await page.click('#hours-save');
  await page.waitForSelector('#hours-saved');
  const saturdays = server.sql(`SELECT string_agg(to_char(a.starts, 'HH24:MI') || '-' || to_char(a.ends, 'HH24:MI'), ', ')
    FROM availability_ranges a JOIN users u ON u.id = a.provider_id
    WHERE u.display_name = 'Helen Park' AND a.weekday = 6 AND a.valid_until IS NULL`);
  assert.equal(saturdays, '09:00-12:30');
  // A one-off Sunday clinic for Samuel Reyes, listed, then withdrawn.
  const sunday = server.sql(
    "SELECT to_char(date_trunc('week', now() AT TIME ZONE 'America/New_York') + interval '20 days', 'YYYY-MM-DD')");
  await page.selectOption('#extra-provider', { label: 'Samuel Reyes' });
  await page.waitForSelector('#exception-list');
  await page.fill('#extra-day', sunday);
  await page.fill('#extra-from', '10:00');
  await page.fill('#extra-to', '12:30');
  await page.fill('#extra-note', 'Sunday flu clinic');
  await page.click('#extra-add');
  await page.locator('#exception-list li.extra', { hasText: '10:00 – 12:30' }).waitFor();
  const extra = () => server.sql(`SELECT count(*) FROM availability_exceptions x JOIN users u ON u.id = x.provider_id
    WHERE u.display_name = 'Samuel Reyes' AND x.kind = 'extra' AND x.withdrawn_at IS NULL`);
  assert.equal(extra(), '1');
  await page.locator('#extra-form').scrollIntoViewIfNeeded();
  await shot(page, 'calendar-setup');
  await page.locator('#exception-list li.extra', { hasText: 'Sunday flu clinic' }).getByRole('button', { name: 'Withdraw' }).click();
  await page.waitForFunction(() => !document.querySelector('#exception-list li.extra'));
  assert.equal(extra(), '0');
  await page.fill('#room-name', 'Procedure room');
  await page.click('#room-add');
  await page.waitForFunction(() => document.querySelector('#room-list')?.textContent.includes('Procedure room'));
  await page.click('#type-new');
  await page.fill('#type-name', 'Wound check');
  await page.fill('#type-minutes', '15');
  await page.click('#type-save');
  await page.locator('#types-form .type-list', { hasText: 'Wound check · 15 min' }).waitFor();
  await ctx.close();
});

test("the assistant's day across its practices", async () => {
  // Whatever the weekday, each practice has a clinician's block at 11:00 its own time today.
  server.sql(`INSERT INTO entries (practice_id, kind, provider_id, title, starts_at, ends_at, created_by)
    SELECT p.id, 'block', m.user_id, 'Chart review',
           ((now() AT TIME ZONE p.time_zone)::date + time '11:00') AT TIME ZONE p.time_zone,
           ((now() AT TIME ZONE p.time_zone)::date + time '11:30') AT TIME ZONE p.time_zone, m.user_id
    FROM practices p
    CROSS JOIN LATERAL (SELECT user_id FROM memberships WHERE practice_id = p.id AND role = 'clinician' LIMIT 1) m`);
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, timezoneId: 'Europe/Lisbon' });
  const page = await ctx.newPage();
  await signIn(page, server.base, demo('maya.okafor'));
  await page.goto(`${server.base}/p/${riverside}/today`);
  await waitForHydration(page);
  await page.waitForSelector('#today .legend');
  const practices = await page.$$eval('#today .legend .chip', (cs) => cs.map((c) => c.textContent));
  assert.equal(practices.length, 3, `all three practices: ${practices}`);
  // A column a practice on one time axis, labelled in the assistant's own time, and the
  // same entries as a list.
  await page.waitForFunction(() => [...document.querySelectorAll('#today-list td.own, #today-grid .tg-hour')]
    .every((td) => /^\d\d:\d\d$/.test(td.textContent)));
  const perColumn = await page.$$eval('#today-grid .tg-col', (cs) => cs.map((c) => c.querySelectorAll('.tg-entry').length));
  const perPractice = await page.$$eval('#today .legend .muted', (ms) => ms.map((m) => Number(/(\d+) today/.exec(m.textContent)[1])));
  assert.deepEqual(perColumn, perPractice);
  assert.ok(perColumn.every((n) => n >= 1), `every practice has today's block: ${perColumn}`);
  const firstOwn = await page.textContent('#today-list td.own');
  assert.equal(await page.textContent('#today-grid .tg-hour'), `${firstOwn.slice(0, 2)}:00`, 'the axis starts at the first entry\'s hour, Lisbon time');
  // Each card reads the axis's clock (the assistant's, Lisbon), its practice's own time in
  // its details: the 11:00 blocks sit at different Lisbon times.
  const cards = await page.$$eval('#today-grid .tg-entry', (as) => as
    .filter((a) => a.textContent.includes('Chart review'))
    .map((a) => [a.querySelector('.t').textContent, /11:00–11:30 \S.* time/.test(a.querySelector('.sub').textContent)]));
  const listed = await page.$$eval('#today-list tr', (trs) => trs
    .filter((tr) => tr.textContent.includes('Chart review'))
    .map((tr) => [tr.querySelector('td.own').textContent, true]));
  assert.deepEqual(cards.sort(), listed.sort());
  assert.equal(new Set(cards.map(([t]) => t)).size, cards.length, `three zones, three times: ${cards}`);
  await shot(page, 'today');
  await page.locator('#today-grid .tg-entry').first().click();
  await page.waitForURL(/\/calendar\?span=day&date=/);
  await waitForHydration(page);
  await ctx.close();
});

test('a person who reads 12-hour times and the month first gets them on every page, and types them so', async () => {
  // A browser in the practice's zone (no second clock on the axis), in a 24-hour language.
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-GB', timezoneId: 'America/New_York' });
  const page = await ctx.newPage();
  await signIn(page, server.base, demo('luis.ortega'));
  await page.goto(`${server.base}/account`);
  await waitForHydration(page);
  await page.selectOption('#time-clock', 'on');
  await page.selectOption('#time-dates', 'on');
  await page.click('#time-style-save');
  await page.waitForFunction(() => document.querySelector('#time-style-saved')?.textContent.startsWith('Saved'));
  await shot(page, 'account-time-style');

  // A day without demo bookings, three weeks on: its title, its hours, its free times.
  const date = server.sql(`SELECT to_char(date_trunc('week', now() AT TIME ZONE 'America/New_York') + interval '22 days', 'YYYY-MM-DD')`);
  await page.goto(`${server.base}/p/${riverside}/calendar?span=day&date=${date}`);
  await waitForHydration(page);
  await page.waitForSelector('.timegrid .tg-free');
  assert.match(await page.textContent('#cal-title'), /^Tuesday, \w+ \d+, \d{4}$/);
  assert.equal(await page.textContent('.tg-hour >> nth=0'), '7 am');
  assert.match(await page.textContent('.tg-free >> nth=0'), /^Free \d+:\d\d [ap]m–\d+:\d\d [ap]m, Tuesday, \w+ \d+, \d{4}, /);
  // The top bar's practice times too.
  assert.match(await page.$eval('.switcher select', (s) => s.selectedOptions[0].textContent), /\d+:\d\d [ap]m$/);

  // The booking form's time reads and takes a 12-hour time, whatever the browser's language.
  await column(page, 'Helen Park').click({ position: { x: 40, y: y(10) } });
  await page.waitForSelector('#booking');
  assert.equal(await page.inputValue('#book-time'), '10:00 am');
  await page.fill('#book-time', '10:15 AM');
  // Its date reads month first ("Dec 22, 2026") and takes a date typed that way in numbers.
  const [yyyy, mm, dd] = date.split('-').map(Number);
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const written = `${months[mm - 1]} ${dd}, ${yyyy}`;
  assert.equal(await page.inputValue('#book-date'), written);
  await page.fill('#book-date', `${mm}/${dd}/${yyyy}`);
  await page.press('#book-date', 'Tab');
  assert.equal(await page.inputValue('#book-date'), written);
  // The arrow keys step a day.
  const next = new Date(Date.UTC(yyyy, mm - 1, dd + 1));
  await page.press('#book-date', 'ArrowUp');
  assert.equal(await page.inputValue('#book-date'), `${months[next.getUTCMonth()]} ${next.getUTCDate()}, ${next.getUTCFullYear()}`);
  await page.press('#book-date', 'ArrowDown');
  assert.equal(await page.inputValue('#book-date'), written);
  await page.fill('#patient-search', 'Novak');
  await page.click('.hit >> text=Julia Novak');
  await page.selectOption('#book-type', { label: 'Follow-up (20 min)' });
  await page.selectOption('#book-room', { label: 'Exam 2' });
  await page.click('#book-submit');
  await page.waitForSelector('#cal-said #said-undo');
  assert.match(await page.textContent('#cal-said .said-text'), /^Booked Julia Novak with Helen Park, Tue, \w{3} \d+, 10:15 am$/);
  await page.locator('.tg-entry', { hasText: 'Julia Novak' }).waitFor();
  assert.match(await page.locator('.tg-entry', { hasText: 'Julia Novak' }).textContent(), /^10:15 am/);
  await shot(page, 'calendar-12-hour');
  assert.equal(server.sql(`SELECT to_char(e.starts_at AT TIME ZONE 'America/New_York', 'YYYY-MM-DD HH24:MI') FROM entries e
    JOIN patients p ON p.id = e.patient_id WHERE p.full_name = 'Julia Novak' AND e.practice_id = '${riverside}'
      AND (e.starts_at AT TIME ZONE 'America/New_York')::date = '${date}'`), `${date} 10:15`);
  await ctx.close();
});
