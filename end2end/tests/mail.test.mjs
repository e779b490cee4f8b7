// Mail that reaches a real SMTP server: a cancelled appointment's notice arrives at the
// patient's address (no patient data in its subject), and one whose cancellation was undone
// within its 30 seconds never leaves.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, startSmtp, launchBrowser, signIn, shot, waitForHydration, demo } from '../harness.mjs';

let smtp;
let server;
let browser;

before(async () => {
  smtp = await startSmtp();
  server = await startServer('mail', { SMTP_URL: smtp.url, SB_MAIL_POLL_MS: '250' });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await smtp?.stop();
});

test('a cancellation reaches the patient by e-mail; an undone one never leaves', async () => {
  const riverside = server.sql("SELECT id FROM practices WHERE name = 'Riverside Family Medicine'");
  const day = server.sql(`SELECT to_char(date_trunc('week', now() AT TIME ZONE 'America/New_York') + interval '8 days', 'YYYY-MM-DD')`);
  // Two of that day's appointments whose patients have an address: the first is cancelled
  // and undone, the second stays cancelled.
  const rows = server.sql(`SELECT id || '|' || full_name || '|' || email FROM (
      SELECT DISTINCT ON (p.id) e.id, e.starts_at, p.full_name, p.email FROM entries e JOIN patients p ON p.id = e.patient_id
      WHERE e.practice_id = '${riverside}' AND e.kind = 'appointment' AND p.email <> '' AND e.status IN ('scheduled', 'confirmed')
        AND (e.starts_at AT TIME ZONE 'America/New_York')::date = '${day}'
      ORDER BY p.id, e.starts_at) first_of_each
    ORDER BY starts_at, id LIMIT 2`).split('\n').map((r) => r.split('|'));
  assert.equal(rows.length, 2, 'the demo books that day');
  const [[undoneId, undoneName, undoneTo], [cancelledId, cancelledName, cancelledTo]] = rows;

  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await signIn(page, server.base, demo('maya.okafor'));
  await page.goto(`${server.base}/p/${riverside}/calendar?span=day&date=${day}`);
  await waitForHydration(page);
  await page.waitForSelector('.timegrid');
  const cancel = async (id, reason) => {
    await page.click(`.tg-entry[data-entry="${id}"]`);
    await page.waitForSelector('#entry-detail #cancel-reason');
    await page.fill('#cancel-reason', reason);
    assert.equal(await page.isChecked('#cancel-notify'), true, 'the patient is told unless the box is cleared');
    await page.click('#cancel-submit');
    await page.waitForSelector(`.tg-entry[data-entry="${id}"]`, { state: 'detached' });
    await page.waitForSelector('#cal-said #said-undo');
  };

  await cancel(undoneId, 'Booked in error');
  assert.match(await page.textContent('#cal-said .said-text'), new RegExp(`^${undoneName}, .*: now Cancelled$`));
  await page.click('#said-undo');
  await page.waitForSelector(`.tg-entry[data-entry="${undoneId}"]`);
  assert.equal(server.sql(`SELECT status FROM entries WHERE id = '${undoneId}'`) !== 'cancelled', true, 'undone: the appointment is back');

  await cancel(cancelledId, 'The clinician is away');
  await shot(page, 'mail-cancelled');
  const started = Date.now();
  // The notice is held for the 30 seconds its cancellation can be undone, then sent.
  const notice = () => smtp.received.find((m) => m.to.includes(cancelledTo) && m.subject === 'Your appointment is cancelled');
  while (!notice()) {
    if (Date.now() - started > 90_000) assert.fail(`no cancellation notice arrived; received: ${JSON.stringify(smtp.received.map((m) => m.subject))}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  const mail = notice();
  console.log(`the cancellation notice arrived ${((Date.now() - started) / 1000).toFixed(1)} s after the cancellation`);
  assert.ok(Date.now() - started >= 25_000, 'held while it could be undone');
  assert.match(mail.body, /Riverside Family Medicine has cancelled your appointment\./);
  assert.match(mail.body, /please call the practice/i);
  assert.equal(mail.subject.includes(cancelledName.split(' ')[0]), false, 'no patient name in the subject');
  assert.equal(server.sql(`SELECT count(*) FROM mail_outbox WHERE to_address = '${cancelledTo}' AND subject = 'Your appointment is cancelled' AND sent_at IS NOT NULL`), '1');

  // The undone cancellation was made first, so its notice would have been due first: none came.
  const undone = smtp.received.filter((m) => m.to.includes(undoneTo) && m.subject === 'Your appointment is cancelled');
  assert.deepEqual(undone, [], 'the undone cancellation sent nothing');
  await page.close();
});
