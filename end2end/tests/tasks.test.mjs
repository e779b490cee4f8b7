// Tasks as a clinician and an assistant meet them: the clinician asks for something, the
// assistant sees it arrive at the top of the list without reloading, takes it by keyboard,
// comments with a mention and marks it done; the clinician is told and sees it done.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, signIn, waitForHydration, shot, demo } from '../harness.mjs';

let server;
let browser;
let riverside;

before(async () => {
  server = await startServer('tasks');
  browser = await launchBrowser();
  riverside = server.sql("SELECT id FROM practices WHERE name = 'Riverside Family Medicine'");
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('a clinician asks, the assistant takes it by keyboard, comments and finishes; the clinician sees it done', async () => {
  const maya = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  await signIn(maya, server.base, demo('maya.okafor'));
  await maya.goto(`${server.base}/p/${riverside}/tasks`);
  await waitForHydration(maya);
  await maya.waitForSelector('#task-list .task-row');
  // The demo's tasks, most urgent first, each tagged with its practice (Maya serves three).
  const titles = () => maya.$$eval('#task-list .task-row .title', (t) => t.map((x) => x.textContent));
  const seeded = await titles();
  assert.ok(seeded.length >= 15, `${seeded.length} tasks`);
  const prios = await maya.$$eval('#task-list .task-row .badge.prio', (b) => b.map((x) => x.textContent));
  const rank = ['Emergency', 'Urgent', 'Soon', 'Routine'];
  assert.ok(prios.every((p, i) => i === 0 || rank.indexOf(prios[i - 1]) <= rank.indexOf(p)), prios.join(','));
  assert.ok(await maya.locator('#task-list .task-row .practice-tag', { hasText: 'Sunset Pediatrics' }).count() > 0);
  await shot(maya, 'tasks-assistant');

  // Helen asks for an emergency call-back from the Tasks page.
  const helen = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  await signIn(helen, server.base, demo('helen.park'));
  await helen.goto(`${server.base}/p/${riverside}/tasks`);
  await waitForHydration(helen);
  await helen.click('#task-new');
  await helen.waitForSelector('#new-task-type option:nth-child(2)', { state: 'attached' });
  assert.equal(await helen.evaluate(() => document.activeElement?.id), 'new-task-type', 'the form takes the focus');
  // Nothing chosen: a clear message, nothing made.
  await helen.click('#new-task-save');
  await helen.waitForSelector('#new-task .error');
  const before = Number(server.sql(`SELECT count(*) FROM tasks WHERE practice_id = '${riverside}'`));
  await helen.selectOption('#new-task-type', { label: 'Call-back (Soon)' });
  await helen.selectOption('#new-task-priority', 'emergency');
  await helen.fill('#new-task-title', 'Call back about the chest pain message');
  await helen.fill('#new-task-details', 'Left a voicemail at 9:10; wants a call before noon.');
  await shot(helen, 'tasks-new');
  await helen.click('#new-task-save');
  await helen.waitForSelector('#task-detail #task-heading');
  const number = Number(server.sql(`SELECT max(number) FROM tasks WHERE practice_id = '${riverside}'`));
  assert.equal(Number(server.sql(`SELECT count(*) FROM tasks WHERE practice_id = '${riverside}'`)), before + 1);
  assert.match(await helen.textContent('#task-heading'), new RegExp(`^#${number} Call back about the chest pain message$`));
  assert.equal(await helen.evaluate(() => document.activeElement?.id), 'task-heading', 'the new task takes the focus');

  // It reaches Maya's list live, at the top (the only emergency).
  await maya.waitForFunction(() => document.querySelector('#task-list .task-row .title')?.textContent === 'Call back about the chest pain message');
  assert.equal(await maya.textContent('#task-list .task-row >> nth=0 >> .badge.prio'), 'Emergency');

  // Keyboard only: focus the list, j/k move, t takes, Enter opens.
  await maya.focus('#task-list .task-row >> nth=1');
  await maya.keyboard.press('k');
  assert.equal(await maya.evaluate(() => document.activeElement?.querySelector('.title')?.textContent), 'Call back about the chest pain message');
  await maya.keyboard.press('t');
  await maya.waitForFunction(() => document.querySelector('#task-list .task-row .who')?.textContent.startsWith('In progress · you'));
  assert.match(await maya.textContent('#task-said'), new RegExp(`^Took task #${number}\\.$`));
  assert.equal(server.sql(`SELECT u.display_name FROM tasks t JOIN users u ON u.id = t.assignee_id WHERE t.practice_id = '${riverside}' AND t.number = ${number}`), 'Maya Okafor');
  assert.equal(await maya.evaluate(() => document.activeElement?.querySelector('.title')?.textContent), 'Call back about the chest pain message', 'the row keeps the focus');
  await maya.keyboard.press('Enter');
  await maya.waitForFunction(() => document.activeElement?.id === 'task-heading');
  assert.match(await maya.textContent('#task-detail'), /Left a voicemail at 9:10/);
  await maya.fill('#task-comment', '@Helen the pharmacy is closed today, calling the patient now');
  await maya.click('#task-comment-send');
  await maya.waitForFunction(() => [...document.querySelectorAll('#task-history li')].some((l) => l.textContent.includes('the pharmacy is closed')));
  await shot(maya, 'tasks-open');
  await maya.click('#task-done');
  await maya.waitForFunction(() => document.querySelector('#task-reopen'));
  assert.equal(server.sql(`SELECT status FROM tasks WHERE practice_id = '${riverside}' AND number = ${number}`), 'done');
  // Gone from the open list.
  await maya.waitForFunction(() => ![...document.querySelectorAll('#task-list .task-row .title')].some((t) => t.textContent === 'Call back about the chest pain message'));

  // Helen was mentioned and told it is done; among what she asked for it reads Done.
  await helen.waitForFunction(() => document.querySelector('#bell-count')?.textContent === '2');
  await helen.click('#bell summary');
  await helen.waitForSelector('#notifications li');
  const notes = await helen.$$eval('#notifications li', (l) => l.map((x) => x.textContent));
  assert.ok(notes.some((n) => n.includes(`Task #${number} is done`)), notes.join(' | '));
  assert.ok(notes.some((n) => n.includes(`Maya Okafor mentioned you on task #${number}`)), notes.join(' | '));
  await helen.keyboard.press('Escape');
  await helen.click('#tasks-asked');
  await helen.waitForFunction((n) => [...document.querySelectorAll('#task-list .task-row')].some((r) => r.textContent.includes(`#${n}`) && r.textContent.includes('Done')), number);
  await shot(helen, 'tasks-asked');

  // Phone: the list and an open task fit the window.
  await maya.setViewportSize({ width: 390, height: 844 });
  await maya.click('#task-detail button[aria-label="Close the task"]');
  await maya.waitForSelector('#task-detail', { state: 'detached' });
  await maya.click('#task-list .task-row >> nth=0');
  await maya.waitForSelector('#task-detail #task-history');
  assert.ok(await maya.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'no sideways scroll');
  const sheet = await maya.$eval('#task-detail', (el) => el.getBoundingClientRect().toJSON());
  assert.ok(sheet.top === 0 && sheet.width === 390, `the task is a sheet over the screen: ${JSON.stringify(sheet)}`);
  await shot(maya, 'tasks-phone');
  // Escape closes it; the focus is back on its row.
  await maya.keyboard.press('Escape');
  await maya.waitForSelector('#task-detail', { state: 'detached' });
  await maya.waitForFunction(() => document.activeElement?.classList.contains('task-row'));
  await shot(maya, 'tasks-phone-list');
});
