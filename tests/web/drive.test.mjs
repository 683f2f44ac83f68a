// The drive as a case worker uses it: upload into the Strengt fortrolig
// "Barnevern" drive, try to make a link (refused, with the reason), share
// with a colleague, and the colleague finds and opens it. Skipped while the
// drive pages do not exist.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, test } from 'node:test';
import { checkA11y, closeBrowser, needRoutes, open, openAs, signInByKeyboard, tabTo } from './lib.mjs';

after(closeBrowser);

const SIRI = 'siri.saksbehandler@nordvik.test';
const ODA = 'oda.godkjenner@nordvik.test';

/** Activates a control with the keyboard and waits for the next page. */
async function enter(page, selector) {
  await page.locator(selector).focus();
  await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
}

/** Waits until a link with this exact text is on the page, reloading once
 * (the upload may have gone through app.js and the REST API). */
async function seeLink(page, name) {
  const link = page.getByRole('link', { name, exact: true });
  try {
    await link.first().waitFor({ timeout: 5000 });
  } catch {
    await page.reload();
    await link.first().waitFor({ timeout: 5000 });
  }
  return link.first();
}

test('siri uploads into Barnevern, is refused a link with the reason, and shares with oda', async (t) => {
  if (!(await needRoutes(t, '/drive/d-barnevern', '/drive/d-barnevern/share', '/drive/shared'))) return;
  const name = `Referat nettverksmøte ${Date.now()}.txt`;
  const text = 'Møte med skole og helsesykepleier. Neste møte om to uker.\n';

  const siri = await openAs(t, SIRI, { lang: 'en' });
  const page = await siri.newPage();
  // From home to the drive, by keyboard.
  await page.goto('/home');
  await tabTo(page, 'main a[href="/drive/d-barnevern"]');
  await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
  assert.equal(new URL(page.url()).pathname, '/drive/d-barnevern');
  assert.match(await page.locator('main').innerText(), /Strengt fortrolig/, 'the banner names the level');

  // Upload through the form (the file chooser is the one step a keyboard
  // user does in the operating system's dialog).
  await page.setInputFiles('#files', { name, mimeType: 'text/plain', buffer: Buffer.from(text) });
  await page.locator('form.upload button[type=submit]').focus();
  await page.keyboard.press('Enter');
  const fileLink = await seeLink(page, name);
  await checkA11y(page, 'Barnevern after an upload');

  // Download it back: the same bytes.
  const [download] = await Promise.all([page.waitForEvent('download'), fileLink.click()]);
  assert.equal(readFileSync(await download.path(), 'utf8'), text);

  // Its page, then the share dialog.
  await enter(page, `main a:has-text("${name}") >> xpath=ancestor::tr//td[last()]//a`);
  assert.equal(new URL(page.url()).pathname, '/drive/d-barnevern/item');
  await enter(page, 'main a[href*="/share?"]');
  assert.equal(new URL(page.url()).pathname, '/drive/d-barnevern/share');

  // A link: refused, and the page says why.
  await enter(page, 'form:has(input[name=kind][value=link]) button[type=submit]');
  const alert = page.locator('main [role=alert]');
  const why = await alert.innerText();
  assert.match(why, /Strengt fortrolig/, `the refusal names the level: ${why}`);
  assert.match(why, /link/i, `the refusal says links are not allowed: ${why}`);
  await checkA11y(page, 'share dialog with a refusal');

  // Find oda, pick her, share.
  await page.locator('#q').focus();
  await page.keyboard.type('oda');
  await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
  const oda = page.locator('fieldset.people label', { hasText: 'Oda Godkjenner' });
  await oda.waitFor();
  await page.locator(`#${await oda.getAttribute('for')}`).check();
  await enter(page, 'form:has(input[name=kind][value=person]) button[type=submit]');
  const ok = await page.locator('main [role=status]').first().innerText();
  assert.match(ok, /Oda Godkjenner|oda\.godkjenner/, `the page confirms the share: ${ok}`);
  await checkA11y(page, 'share dialog after sharing');

  // oda finds it under "shared with me" and opens it.
  const odaCtx = await openAs(t, ODA, { lang: 'nb' });
  const op = await odaCtx.newPage();
  await op.goto('/drive/shared');
  const shared = await seeLink(op, name);
  const [dl] = await Promise.all([op.waitForEvent('download'), shared.click()]);
  assert.equal(readFileSync(await dl.path(), 'utf8'), text, 'oda reads what siri uploaded');
  await checkA11y(op, 'shared with me (oda)');
});

test('without JavaScript: lars signs in, uploads into his team drive, finds and downloads the file', async (t) => {
  if (!(await needRoutes(t, '/drive/d-nordvik-skole-laerere', '/drive/search'))) return;
  const ctx = await open(t, { lang: 'sv', js: false });
  const page = await ctx.newPage();
  await signInByKeyboard(page, 'lars.laerer@nordvik.test');
  await page.goto('/drive/d-nordvik-skole-laerere');
  const name = `Utvecklingssamtal ${Date.now()}.txt`;
  const text = 'Anteckningar utan JavaScript.\n';
  await page.setInputFiles('#files', { name, mimeType: 'text/plain', buffer: Buffer.from(text) });
  await enter(page, 'form.upload button[type=submit]');
  const link = await seeLink(page, name);
  const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
  assert.equal(readFileSync(await download.path(), 'utf8'), text);
  // The file search finds it by a word of its name.
  await page.goto(`/drive/search?q=${encodeURIComponent('Utvecklingssamtal')}`);
  await seeLink(page, name);
});
