// What admins do: a practice admin edits the practice's settings and its people's roles,
// the agency admin creates a practice, a person resets a forgotten password by e-mail and
// turns on two-factor sign-in. Each page is a lazy route: opened by URL and by navigation.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { startServer, launchBrowser, signIn, waitForHydration, shot, demo, watch, DEMO_PASSWORD } from '../harness.mjs';

let server;
let browser;

before(async () => {
  server = await startServer('admin');
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** The authenticator app's code for a base32 secret, `offset` steps from now. */
function totp(secret, offset = 0) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of secret) bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const step = Buffer.alloc(8);
  step.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 1000 / 30) + offset));
  const mac = createHmac('sha1', key).update(step).digest();
  const o = mac[19] & 0x0f;
  return String((mac.readUInt32BE(o) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}

test('a practice admin edits the settings; the inbox shows the new script', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await signIn(page, server.base, demo('tom.becker'));
  const inbox = page.url();
  await page.click('nav.sections >> text=Admin');
  await page.waitForURL(/\/admin$/);
  await page.click('nav.tabs >> text=Settings');
  await page.waitForURL(/\/admin\/settings$/);
  await waitForHydration(page);
  await page.fill('#settings-form input[name="settings[mon]"]', '17:00-08:00');
  await page.click('#settings-form button[type=submit]');
  await page.waitForSelector('.panel .error');
  assert.match(await page.textContent('.panel .error'), /Monday: 17:00-08:00 closes before it opens/);
  await page.fill('#settings-form input[name="settings[mon]"]', '08:00-12:00, 13:00-17:30');
  await page.fill('#settings-form textarea[name="settings[phone_script]"]', 'Riverside, this is {assistant} speaking.');
  await page.click('#settings-form button[type=submit]');
  await page.waitForSelector('#settings-saved');
  await shot(page, 'admin-settings');

  // Opened by URL, the lazy page hydrates with the saved values.
  await page.goto(inbox.replace(/\/inbox$/, '/admin/settings'));
  await waitForHydration(page);
  assert.equal(await page.inputValue('#settings-form input[name="settings[mon]"]'), '08:00-12:00, 13:00-17:30');
  await page.goto(inbox);
  await waitForHydration(page);
  await page.waitForSelector('text=Riverside, this is Tom speaking.');
  await page.close();
});

test('a practice admin changes a role; the last admin cannot step down', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await signIn(page, server.base, demo('tom.becker'));
  await page.goto(page.url().replace(/\/inbox$/, '/admin'));
  await waitForHydration(page);
  const row = (name) => page.locator('#admin-staff tr', { hasText: name });
  await row('Helen Park').locator('select[name=role]').selectOption('assistant');
  await row('Helen Park').locator('button >> text=Change').click();
  await page.waitForFunction(() =>
    [...document.querySelectorAll('#admin-staff tr')].some((tr) => tr.textContent.includes('Helen Park')
      && tr.querySelector('select').selectedOptions[0].textContent === 'Assistant'));
  // The table is re-read after a change: let that settle before using it again.
  await page.waitForLoadState('networkidle');
  await row('Tom Becker').locator('select[name=role]').selectOption('clinician');
  await row('Tom Becker').locator('button >> text=Change').click();
  await page.waitForSelector('.panel .error >> text=at least one practice admin');
  await shot(page, 'admin-people');
  await page.close();
});

test('the agency admin creates a practice and lands in its Admin section', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await signIn(page, server.base, demo('dana.whitfield'), (url) => url.pathname === '/agency');
  await waitForHydration(page);
  await page.waitForSelector('#agency-practices >> text=Sunset Pediatrics');
  await shot(page, 'agency');
  await page.fill('#new-practice input[name=name]', 'Harbor Cardiology');
  await page.fill('#new-practice input[name=time_zone]', 'America/Denver');
  await page.click('#new-practice button[type=submit]');
  await page.waitForURL(/\/p\/[0-9a-f-]+\/admin$/);
  await waitForHydration(page);
  // Not a member of the new practice: the top bar says so.
  await page.waitForSelector('#agency-view', { state: 'visible' });
  await page.waitForFunction(() => document.querySelector('#practice-switcher').selectedOptions[0]?.textContent.includes('Harbor Cardiology'));
  await shot(page, 'agency-view');
  await page.click('nav.tabs >> text=Settings');
  await page.waitForSelector('#settings-form');
  assert.equal(await page.inputValue('#settings-form input[name="settings[name]"]'), 'Harbor Cardiology');
  assert.equal(await page.inputValue('#settings-form input[name="settings[time_zone]"]'), 'America/Denver');
  await page.close();
});

test('a forgotten password is reset through the e-mailed link', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  watch(page);
  await page.goto(`${server.base}/login`);
  await waitForHydration(page);
  await page.click('#forgot-link');
  await page.waitForURL(/\/forgot$/);
  await waitForHydration(page);
  await page.fill('#forgot-form input[name=email]', demo('owen.brooks'));
  await page.click('#forgot-form button[type=submit]');
  await page.waitForSelector('#reset-sent');
  await shot(page, 'forgot');
  const body = server.sql(`SELECT body_text FROM mail_outbox WHERE to_address = '${demo('owen.brooks')}' AND subject LIKE 'Set a new%'`);
  const link = body.split('\n').find((l) => l.includes('/reset/')).trim();
  await page.goto(`${server.base}${new URL(link).pathname}`);
  await waitForHydration(page);
  await page.fill('#reset-form input[name=password]', 'a fresh passphrase for owen');
  await page.fill('#reset-form input[name=confirm]', 'a fresh passphrase for owen');
  await page.click('#reset-form button[type=submit]');
  await page.waitForURL(/\/login\?reason=reset/);
  await waitForHydration(page);
  await page.waitForSelector('#login-reason >> text=new password is set');
  await page.fill('input[name=email]', demo('owen.brooks'));
  await page.fill('input[name=password]', 'a fresh passphrase for owen');
  await page.click('#login-form button[type=submit]');
  await page.waitForURL(/\/p\/[0-9a-f-]+\/inbox/);
  await waitForHydration(page);
  await context.close();
});

test('two-factor sign-in: enrol with the QR code, then sign in with a code', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await signIn(page, server.base, demo('maya.okafor'));
  await page.click('#signed-in-as');
  await page.waitForURL(/\/account$/);
  await waitForHydration(page);
  await page.click('#mfa-start');
  await page.waitForSelector('.qr svg');
  const secret = (await page.textContent('#mfa-secret')).trim();
  await shot(page, 'account-enrol');
  await page.fill('#mfa-confirm input[name=code]', totp(secret));
  await page.click('#mfa-confirm button[type=submit]');
  await page.waitForSelector('#recovery-codes');
  assert.equal(await page.locator('#recovery-codes li').count(), 10);
  await page.waitForSelector('#mfa-on');
  await shot(page, 'account-recovery-codes');
  await context.close();

  const again = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const login = await again.newPage();
  watch(login);
  await login.goto(`${server.base}/login`);
  await waitForHydration(login);
  await login.fill('input[name=email]', demo('maya.okafor'));
  await login.fill('input[name=password]', DEMO_PASSWORD);
  await login.click('#login-form button[type=submit]');
  await login.waitForSelector('#login-code');
  await shot(login, 'login-code');
  await login.fill('#login-code', totp(secret, 1));
  await login.click('#login-form button[type=submit]');
  await login.waitForURL(/\/p\/[0-9a-f-]+\/inbox/);
  await waitForHydration(login);
  await again.close();
});
