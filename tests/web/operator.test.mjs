// The operator console as the IT provider uses it: health, a quota set and
// a tenant suspended (its people cannot sign in, and are told why) and
// resumed, with the keyboard. Skipped while /operator is missing.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { checkA11y, closeBrowser, creds, needRoutes, open, openAs, tabTo } from './lib.mjs';

after(closeBrowser);

async function press(page, selector) {
  await page.locator(selector).focus();
  await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
}

const ERIK = 'erik.ansatt@sorvik.test';

/** erik (Sørvik, no TOTP) signs in with the keyboard in a fresh browser;
 * returns what his browser shows afterwards. */
async function erikSignsIn(t) {
  const page = await (await open(t, { lang: 'en' })).newPage();
  await page.goto('/');
  await tabTo(page, '#login');
  await page.keyboard.type(ERIK);
  await page.keyboard.press('Tab');
  await page.keyboard.type(creds[ERIK].password);
  await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
  return { path: new URL(page.url()).pathname, main: await page.locator('main').innerText(), page };
}

test('the operator sets a quota, suspends Sørvik (erik is refused) and resumes it', async (t) => {
  if (!(await needRoutes(t, '/operator'))) return;
  const page = await (await openAs(t, 'operator', { lang: 'en' })).newPage();
  await page.goto('/operator');
  assert.match(await page.locator('#health').innerText(), /\S/, 'health is shown');
  const row = 'tr:has(input[name=tenant][value=sorvik])';

  await page.locator('#quota-sorvik').fill('');
  await page.locator('#quota-sorvik').focus();
  await page.keyboard.type('7');
  await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
  assert.match(await page.locator(row).innerText(), /7/, 'the quota is shown');
  assert.match(await page.locator('main [role=status]').first().innerText(), /\S/, 'and confirmed');

  await press(page, `${row} form[action="/operator/suspend"] button[type=submit]`);
  await checkA11y(page, 'operator console with a suspended tenant');
  try {
    const erik = await erikSignsIn(t);
    assert.match(erik.main, /Sørvik kommune is suspended/, `erik is refused and told why: ${erik.main.slice(0, 300)}`);
    assert.doesNotMatch(erik.main, /Budsjett/, 'and sees none of his files');
    await checkA11y(erik.page, 'a suspended tenant’s refusal');
  } finally {
    // Resume, whatever happened above.
    await page.goto('/operator');
    await press(page, `${row} form[action="/operator/suspend"] button[type=submit]`);
  }
  assert.match(await page.locator(row).innerText(), /Active/, 'active again');
  const again = await erikSignsIn(t);
  assert.equal(again.path, '/home', 'resumed: erik signs in again');
  assert.match(again.main, /Erik Ansatt/);
});
