// Settings as a teacher uses them: an app password for a WebDAV client is
// made with the keyboard, shown once, works for WebDAV, is listed without
// its secret, and stops working when revoked. Skipped while /settings is
// missing.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { BASE, checkA11y, closeBrowser, needRoutes, openAs } from './lib.mjs';

after(closeBrowser);

const LARS = 'lars.laerer@nordvik.test';

async function propfind(password) {
  const auth = Buffer.from(`${LARS}:${password}`).toString('base64');
  const r = await fetch(`${BASE}/dav/files/${LARS}/`, {
    method: 'PROPFIND',
    headers: { authorization: `Basic ${auth}`, depth: '1' },
  });
  return { status: r.status, body: await r.text() };
}

test('lars makes an app password, WebDAV takes it, and refuses it once revoked', async (t) => {
  if (!(await needRoutes(t, '/settings'))) return;
  const label = `Bærbar ${Date.now() % 100000}`;
  const page = await (await openAs(t, LARS, { lang: 'nb' })).newPage();
  await page.goto('/settings');
  await page.locator('#set-label').focus();
  await page.keyboard.type(label);
  await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
  const secret = (await page.locator('#new-app-password').innerText()).trim();
  assert.ok(secret.length >= 16, 'the new password is shown');
  await checkA11y(page, 'settings with a new app password (nb)');

  const ok = await propfind(secret);
  assert.equal(ok.status, 207, 'WebDAV accepts it');
  assert.match(ok.body, /Foreldrem/, 'and lists his files');

  // Shown once: not on the page again, but listed by its label.
  await page.goto('/settings');
  const main = await page.locator('main').innerText();
  assert.ok(!main.includes(secret), 'the secret is not shown again');
  const row = page.locator('tr', { hasText: label });
  await row.waitFor();

  await row.locator('button[type=submit]').focus();
  await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
  assert.equal(await page.locator('tr', { hasText: label }).count(), 0, 'gone from the list');
  assert.equal((await propfind(secret)).status, 401, 'WebDAV refuses it now');
});
