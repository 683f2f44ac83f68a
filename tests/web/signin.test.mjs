// Sign-in by keyboard, home, the language selector and sign-out, as a
// person with a browser does them.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { checkA11y, closeBrowser, open, signInByKeyboard, tabTo } from './lib.mjs';

after(closeBrowser);

test('siri signs in with the keyboard only (Tab, Enter) and sees her home page', async (t) => {
  const ctx = await open(t, { lang: 'nb' });
  const page = await ctx.newPage();
  // Not signed in: home sends to the sign-in page, which says why.
  await page.goto('/home');
  assert.equal(new URL(page.url()).pathname, '/');
  assert.match(await page.locator('main [role=status]').innerText(), /\S/);
  await signInByKeyboard(page, 'siri.saksbehandler@nordvik.test');
  assert.equal(new URL(page.url()).pathname, '/home');
  assert.equal(await page.getAttribute('html', 'lang'), 'nb');
  const main = await page.locator('main').innerText();
  assert.match(main, /Siri/, 'the welcome names her');
  assert.match(main, /Barnevern/, 'her team drive is listed');
  assert.equal(await page.locator('h1').count(), 1, 'one h1');
  await checkA11y(page, 'home (nb)');
});

test('a wrong password is refused on the page, with the reason, in the browser language', async (t) => {
  const ctx = await open(t, { lang: 'sv' });
  const page = await ctx.newPage();
  await page.goto('/');
  assert.equal(await page.getAttribute('html', 'lang'), 'sv');
  await tabTo(page, '#login');
  await page.keyboard.type('lars.laerer@nordvik.test');
  await page.keyboard.press('Tab');
  await page.keyboard.type('not-the-password-1');
  await Promise.all([page.waitForLoadState('load'), page.waitForURL('**/signin'), page.keyboard.press('Enter')]);
  const alert = page.locator('main [role=alert]');
  assert.match(await alert.innerText(), /Inloggningen misslyckades/);
  assert.equal(await page.inputValue('#login'), 'lars.laerer@nordvik.test', 'the login is kept');
  assert.equal(await page.getAttribute('#login', 'aria-invalid'), 'true');
  // The message has the focus, so a screen reader announces it first.
  assert.equal(await page.evaluate(() => document.activeElement.getAttribute('role')), 'alert');
  await checkA11y(page, 'sign-in with an error (sv)');
});

test('the language selector switches the page and remembers the choice', async (t) => {
  const ctx = await open(t, { lang: 'nb' });
  const page = await ctx.newPage();
  await signInByKeyboard(page, 'lars.laerer@nordvik.test');
  assert.equal(await page.getAttribute('html', 'lang'), 'nb');
  // Open the selector and follow "English" with the keyboard.
  await tabTo(page, 'details.lang > summary');
  await page.keyboard.press('Enter');
  await tabTo(page, 'details.lang a[lang=en]');
  await Promise.all([page.waitForURL('**/home'), page.keyboard.press('Enter')]);
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  assert.match(await page.locator('main').innerText(), /Welcome, Lars/);
  await page.reload();
  assert.equal(await page.getAttribute('html', 'lang'), 'en', 'remembered across pages');
  // And to Swedish.
  await page.goto('/language?l=sv&back=/home');
  assert.equal(await page.getAttribute('html', 'lang'), 'sv');
  assert.match(await page.locator('main').innerText(), /Välkommen, Lars/);
});

test('signing out ends the session: home asks to sign in again', async (t) => {
  const ctx = await open(t, { lang: 'en' });
  const page = await ctx.newPage();
  await signInByKeyboard(page, 'per.elev@nordvik.test');
  assert.equal(new URL(page.url()).pathname, '/home');
  await tabTo(page, 'form[action="/signout"] button');
  await Promise.all([page.waitForURL((u) => u.pathname === '/'), page.keyboard.press('Enter')]);
  assert.ok(await page.locator('#login').isVisible(), 'back on the sign-in form');
  await page.goto('/home');
  assert.equal(new URL(page.url()).pathname, '/', 'home needs a session again');
  assert.equal(new URL(page.url()).searchParams.get('next'), '/home');
});
