// Two-step sign-in set up in the browser, by keyboard: a person without an
// authenticator opens settings, gets the QR code and the key, confirms a
// code, and from then on signing in needs one. Uses an account no other
// test signs in with (enrolment ends the person's other sessions).
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { checkA11y, closeBrowser, creds, open, tabTo, totpAt } from './lib.mjs';

after(closeBrowser);

const KARI = 'kari.dahl@nordvik.test';

async function press(page, selector) {
  await tabTo(page, selector);
  await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
}

async function signIn(page, code) {
  await page.goto('/');
  await tabTo(page, '#login');
  await page.keyboard.type(KARI);
  await page.keyboard.press('Tab');
  await page.keyboard.type(creds[KARI].password);
  await page.keyboard.press('Tab');
  if (code) await page.keyboard.type(code);
  await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
}

test('kari sets up an authenticator app in settings; afterwards sign-in needs its code', async (t) => {
  assert.ok(creds[KARI] && !creds[KARI].secret, `${KARI} starts without an authenticator`);
  const ctx = await open(t, { lang: 'en' });
  const page = await ctx.newPage();
  await signIn(page, '');
  assert.equal(new URL(page.url()).pathname, '/home', 'signed in with the password alone');

  await page.goto('/settings');
  assert.match(await page.locator('#set-totp-h + p').innerText(), /off/i);
  await press(page, 'form[action="/settings/totp"] button[type=submit]');

  // The QR code is an image with a name; the key is there to type by hand,
  // and the otpauth link carries the same key.
  const qr = page.getByRole('img', { name: /QR code/i });
  await qr.waitFor();
  const secret = (await page.locator('#totp-secret').innerText()).replace(/\s+/g, '');
  assert.match(secret, /^[A-Z2-7]{16,}$/, `a base32 key: ${secret}`);
  const uri = await page.locator('a[href^="otpauth://"]').getAttribute('href');
  assert.equal(new URL(uri).searchParams.get('secret'), secret, 'the link carries the key shown');
  await checkA11y(page, 'settings while setting up an authenticator');

  // A wrong code is refused with a reason, and two-step stays off.
  const step = Math.floor(Date.now() / 1000 / 30);
  const wrong = String((Number(totpAt(secret, step)) + 1) % 1_000_000).padStart(6, '0');
  await tabTo(page, '#totp-code');
  await page.keyboard.type(wrong);
  await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
  const refusal = await page.locator('main [role=alert]').first().innerText();
  assert.ok(refusal.trim().length > 0, 'the wrong code is refused with a message');

  // The right one turns it on.
  if (!(await page.locator('#totp-code').count())) {
    await press(page, 'form[action="/settings/totp"] button[type=submit]');
  }
  const secret2 = (await page.locator('#totp-secret').innerText()).replace(/\s+/g, '');
  await tabTo(page, '#totp-code');
  await page.keyboard.type(totpAt(secret2, Math.floor(Date.now() / 1000 / 30)));
  await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
  assert.match(await page.locator('main [role=status]').first().innerText(), /Two-step sign-in is on/);
  await checkA11y(page, 'settings after setting up an authenticator');

  // Signed out, the password alone no longer opens the account …
  await press(page, 'form[action="/signout"] button[type=submit]');
  await signIn(page, '');
  assert.notEqual(new URL(page.url()).pathname, '/home', 'no way in without the code');
  assert.ok((await page.locator('#signin-error').innerText()).length > 0, 'the sign-in page says why');
  // … with the next code it does (the current one was just used).
  await signIn(page, totpAt(secret2, Math.floor(Date.now() / 1000 / 30) + 1));
  assert.equal(new URL(page.url()).pathname, '/home', 'signed in with password and code');
});
