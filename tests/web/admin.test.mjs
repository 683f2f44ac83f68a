// Administration as the tenant administrator and auditor uses it: a group
// made with the keyboard, the "who can see whom" preview for a pupil, and the
// audit log verified on the page; a pupil is refused. Skipped while the
// pages are missing.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { checkA11y, closeBrowser, needRoutes, openAs } from './lib.mjs';

after(closeBrowser);

const ANNA = 'anna.admin@nordvik.test';

test('anna makes a group and previews whom a pupil can find', async (t) => {
  if (!(await needRoutes(t, '/admin'))) return;
  const page = await (await openAs(t, ANNA, { lang: 'en' })).newPage();
  await page.goto('/admin');
  // A name the directory does not take: refused on the page, with the rule.
  await page.locator('#g-name').focus();
  await page.keyboard.type('Kantine og kafé');
  await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
  assert.match(await page.locator('#structure [role=alert]').innerText(), /group name/i, 'the refusal gives the rule');
  await checkA11y(page, 'administration with a refused form (en)');
  const name = `kantine-${Date.now() % 100000}`;
  await page.locator('#g-name').fill('');
  await page.locator('#g-name').focus();
  await page.keyboard.type(name);
  await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
  assert.match(await page.locator('#group-list').innerText(), new RegExp(name), 'the new group is listed');
  assert.match(await page.locator('#structure [role=status]').innerText(), /\S/, 'and the page says so');

  // The preview: per (a pupil at Nordvik skole) finds people of his school,
  // not the case worker in health and care.
  await page.goto('/admin?as=per.elev@nordvik.test#preview');
  const visible = await page.locator('#preview-visible').innerText();
  const hidden = await page.locator('#preview-hidden').innerText();
  assert.match(visible, /Lars Lærer/, `per can find his teacher: ${visible.slice(0, 200)}`);
  assert.doesNotMatch(visible, /Siri Saksbehandler/);
  assert.match(hidden, /Siri Saksbehandler/, 'and the preview says whom he cannot find');
  await checkA11y(page, 'administration with the preview (en)');
});

test('the auditor sees the chain verified and filters the records', async (t) => {
  if (!(await needRoutes(t, '/audit'))) return;
  const page = await (await openAs(t, ANNA, { lang: 'sv' })).newPage();
  await page.goto('/audit');
  const chain = page.locator('#chain');
  assert.equal(await chain.getAttribute('role'), 'status', `the chain verifies: ${await chain.innerText()}`);
  await page.locator('#f-actor').fill(ANNA);
  await page.locator('#f-actor').focus();
  await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
  const actors = await page.locator('table.audit tbody tr td:nth-child(3)').allInnerTexts();
  assert.ok(actors.length > 0, 'her own sign-in is in the log');
  assert.ok(actors.every((a) => a.includes(ANNA)), `only her records: ${actors.slice(0, 5)}`);
  await checkA11y(page, 'audit log filtered (sv)');
});

test('a pupil is refused the administration, and told why', async (t) => {
  if (!(await needRoutes(t, '/admin'))) return;
  const page = await (await openAs(t, 'per.elev@nordvik.test', { lang: 'nb' })).newPage();
  const r = await page.goto('/admin');
  assert.equal(r.status(), 403);
  assert.match(await page.locator('main [role=alert]').innerText(), /\S{10,}/, 'the refusal has a reason');
});
