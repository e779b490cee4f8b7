// The inbox as an assistant of three practices meets it on signing in: one list across the
// practices, most urgent first, each row tagged with its practice; a clinician's new task
// arrives live at its rank; the assistant takes and finishes it and confirms tomorrow's
// appointment by keyboard; a practice's rows can be set aside; a phone shows it all.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, signIn, waitForHydration, shot, demo } from '../harness.mjs';

let server;
let browser;
let riverside;

before(async () => {
  server = await startServer('inbox');
  browser = await launchBrowser();
  riverside = server.sql("SELECT id FROM practices WHERE name = 'Riverside Family Medicine'");
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const rowTexts = (page) => page.$$eval('#inbox-list > li', (l) => l.map((x) => x.textContent));

test('the inbox ranks every practice\'s work, takes new work live and is worked by keyboard', async () => {
  const maya = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  await signIn(maya, server.base, demo('maya.okafor'));
  await maya.waitForSelector('#inbox-list > li');
  // Three practices head the list with their own time and whether they are open.
  const clocks = await maya.$$eval('.practice-clocks button', (b) => b.map((x) => x.textContent));
  assert.equal(clocks.length, 3, clocks.join(' | '));
  assert.ok(clocks.every((c) => /\d{1,2}:\d\d.* · (open|closed)$/.test(c)), clocks.join(' | '));
  // Tasks of all three practices, and the practice's card beside the list.
  const rows = await rowTexts(maya);
  for (const name of ['Riverside Family Medicine', 'Sunset Pediatrics', 'Lakeshore Dermatology']) {
    assert.ok(rows.some((r) => r.includes(name)), `${name} in ${rows.length} rows`);
  }
  assert.ok(rows.some((r) => r.includes('Call back with the lab results')), 'the demo\'s urgent call-back');
  await maya.waitForSelector('#staff');
  // Ranked: no routine task above an urgent one.
  const prios = await maya.$$eval('#inbox-list > li.task-row:not(.visit-row) .badge.prio', (b) => b.map((x) => x.textContent));
  const rank = ['Emergency', 'Urgent', 'Soon', 'Routine'];
  assert.ok(prios.every((p, i) => i === 0 || rank.indexOf(prios[i - 1]) <= rank.indexOf(p)), prios.join(','));
  await shot(maya, 'inbox-assistant');

  // Helen makes an emergency task from her inbox with "n"; it reaches Maya at the top.
  const helen = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  await signIn(helen, server.base, demo('helen.park'));
  await helen.waitForSelector('#inbox .task-bar');
  await helen.keyboard.press('n');
  await helen.waitForSelector('#new-task-type option:nth-child(2)', { state: 'attached' });
  await helen.selectOption('#new-task-type', { label: 'Call-back (Soon)' });
  await helen.selectOption('#new-task-priority', 'emergency');
  await helen.fill('#new-task-title', 'Call back about the allergy reaction');
  await helen.click('#new-task-save');
  // The new task opens on the Tasks page.
  await helen.waitForSelector('#task-detail #task-heading');
  assert.match(helen.url(), /\/tasks\?task=/);
  const number = Number(server.sql(`SELECT max(number) FROM tasks WHERE practice_id = '${riverside}'`));
  await maya.waitForFunction(() => document.querySelector('#inbox-list > li .title')?.textContent === 'Call back about the allergy reaction');
  assert.match(await maya.textContent('#inbox-list > li >> nth=0'), /Emergency.*Riverside Family Medicine.*left/);

  // By keyboard: t takes it, d finishes it and it leaves the inbox.
  await maya.focus('#inbox-list > li >> nth=0');
  await maya.keyboard.press('t');
  await maya.waitForFunction(() => document.querySelector('#inbox-list > li .who')?.textContent.startsWith('In progress · you'));
  assert.equal(server.sql(`SELECT u.display_name FROM tasks t JOIN users u ON u.id = t.assignee_id WHERE t.practice_id = '${riverside}' AND t.number = ${number}`), 'Maya Okafor');
  await maya.focus('#inbox-list > li >> nth=0');
  await maya.keyboard.press('d');
  await maya.waitForFunction(() => ![...document.querySelectorAll('#inbox-list .title')].some((t) => t.textContent === 'Call back about the allergy reaction'));
  assert.equal(server.sql(`SELECT status FROM tasks WHERE practice_id = '${riverside}' AND number = ${number}`), 'done');

  // An appointment to confirm, found by j, confirmed with d.
  const confirm = await maya.$$eval('#inbox-list > li', (l) => l.findIndex((x) => x.classList.contains('visit-row') && x.textContent.includes('Not confirmed')));
  if (confirm >= 0) {
    await maya.focus('#inbox-list > li >> nth=0');
    for (let i = 0; i < confirm; i++) await maya.keyboard.press('j');
    const entry = await maya.evaluate(() => document.activeElement?.dataset.entry);
    assert.ok(entry, 'j reached the appointment');
    await maya.keyboard.press('d');
    await maya.waitForFunction((e) => !document.querySelector(`#inbox-list > li[data-entry="${e}"]`), entry);
    assert.equal(server.sql(`SELECT status FROM entries WHERE id = '${entry}'`), 'confirmed');
    assert.match(await maya.textContent('#task-said'), /^Marked it confirmed\.$/);
  } else {
    // The demo books working days only: on a day before none is booked there is none.
    assert.equal(server.sql(`SELECT count(*) FROM entries WHERE kind = 'appointment' AND status = 'scheduled' AND starts_at > now() AND starts_at < now() + interval '1 day'`), '0');
  }

  // Pressing a practice's clock sets its rows aside, pressing again brings them back.
  const sunset = maya.locator('.practice-clocks button', { hasText: 'Sunset Pediatrics' });
  await sunset.click();
  await maya.waitForFunction(() => ![...document.querySelectorAll('#inbox-list > li')].some((r) => r.textContent.includes('Sunset Pediatrics')));
  assert.equal(await sunset.getAttribute('aria-pressed'), 'false');
  await sunset.click();
  await maya.waitForFunction(() => [...document.querySelectorAll('#inbox-list > li')].some((r) => r.textContent.includes('Sunset Pediatrics')));

  // Enter opens a task on the Tasks page; back returns to the inbox.
  await maya.focus('#inbox-list > li.task-row:not(.visit-row) >> nth=0');
  const title = await maya.evaluate(() => document.activeElement.querySelector('.title').textContent);
  await maya.keyboard.press('Enter');
  await maya.waitForSelector('#task-detail #task-heading');
  assert.ok((await maya.textContent('#task-heading')).endsWith(title));
  await maya.goBack();
  await maya.waitForSelector('#inbox-list > li');

  // Helen, a clinician, is not given the queues' work: her inbox holds only what needs her.
  await helen.goBack();
  await helen.waitForSelector('#inbox .task-bar');
  const helenRows = await rowTexts(helen);
  assert.ok(!helenRows.some((r) => r.includes('Refill request')), helenRows.join(' | '));

  // A phone: the list fits the screen, the practice's card below it.
  await maya.setViewportSize({ width: 390, height: 844 });
  assert.ok(await maya.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'no sideways scroll');
  await shot(maya, 'inbox-phone');
});
