// The lockbox across three browsers (trust-model rule 4): the operator
// cannot see siri's files, files a request, oda approves it with a review
// note, the operator reads, siri is told, oda revokes, the operator is
// refused again. Skipped while the lockbox page does not exist.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, test } from 'node:test';
import { checkA11y, closeBrowser, hasRoute, needRoutes, openAs } from './lib.mjs';

after(closeBrowser);

const SIRI = 'siri.saksbehandler@nordvik.test';

async function submit(page, selector) {
  await page.locator(selector).focus();
  await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
}

test('operator files, oda approves, operator reads, oda revokes, operator refused', async (t) => {
  if (!(await needRoutes(t, '/lockbox'))) return;
  const caseRef = `SUP-${Date.now()}`;

  // siri's personal drive, as she sees it.
  const siri = await (await openAs(t, SIRI, { lang: 'nb' })).newPage();
  await siri.goto('/home');
  const hrefs = await siri.locator('main a[href^="/drive/"]').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
  const drive = hrefs.find((h) => /^\/drive\/p-/.test(h));
  assert.ok(drive, `siri's home links her personal drive (${hrefs.join(', ')})`);
  const drivePages = await hasRoute(drive);

  // The operator: nothing to see before a grant.
  const op = await (await openAs(t, 'operator', { lang: 'en' })).newPage();
  if (drivePages) {
    const r = await op.goto(drive);
    assert.ok(r.status() >= 400, `the operator cannot open siri's drive before a grant (${r.status()})`);
    assert.doesNotMatch(await op.locator('main').innerText(), /Notater\.txt/);
  }

  // Files the request through the form.
  await op.goto('/lockbox');
  await op.selectOption('#lb-tenant', 'nordvik');
  await op.check('#lb-kind-person');
  await op.fill('#lb-target', SIRI);
  await op.check('#lb-act-list');
  await op.check('#lb-act-read');
  await op.fill('#lb-reason', 'Files missing after a sync; support needs the listing.');
  await op.fill('#lb-case', caseRef);
  await op.fill('#lb-minutes', '30');
  await submit(op, 'form[action="/lockbox/request"] button[type=submit]');
  assert.match(await op.locator('main [role=status]').innerText(), /\S/, 'the operator is told it was filed');
  const mine = op.locator('article.lb-request', { hasText: caseRef });
  await mine.waitFor();
  await checkA11y(op, 'lockbox after filing (operator)');

  // oda sees it in her queue, with the scope and reason in plain words, and approves.
  const oda = await (await openAs(t, 'oda.godkjenner@nordvik.test', { lang: 'nb' })).newPage();
  await oda.goto('/lockbox');
  const req = oda.locator('article.lb-request', { hasText: caseRef });
  await req.waitFor();
  assert.match(await req.innerText(), /Files missing after a sync/);
  await checkA11y(oda, 'lockbox queue (oda)');
  const approve = oda.locator(`article.lb-request:has-text("${caseRef}") + div.lb-decide form[action$="/approve"]`);
  await approve.locator('textarea[name=note]').fill('Taushetsvurdering gjort; bare Notater.txt er relevant.');
  await submit(oda, `article.lb-request:has-text("${caseRef}") + div.lb-decide form[action$="/approve"] button[type=submit]`);
  assert.match(await oda.locator('main [role=status]').innerText(), /\S/, 'oda is told it was approved');

  // The operator reads siri's note.
  if (drivePages) {
    const r = await op.goto(drive);
    assert.equal(r.status(), 200, 'the operator lists siri\'s drive under the grant');
    const note = op.getByRole('link', { name: 'Notater.txt', exact: true });
    const [dl] = await Promise.all([op.waitForEvent('download'), note.click()]);
    assert.equal(readFileSync(await dl.path(), 'utf8'), 'Husk veiledning torsdag.\n');
  }

  // siri is told who was given access, why and until when.
  await siri.goto('/home');
  assert.match(await siri.locator('main').innerText(), new RegExp(caseRef), 'siri sees the grant on her home page');

  // oda revokes.
  await oda.goto('/lockbox');
  const revoke = `article.lb-request:has-text("${caseRef}") + form[action$="/revoke"]`;
  await oda.locator(`${revoke} textarea[name=note]`).fill('Saken er løst.');
  await submit(oda, `${revoke} button[type=submit]`);
  assert.match(await oda.locator('main [role=status]').innerText(), /\S/, 'oda is told it was revoked');

  // The operator is refused again.
  if (drivePages) {
    const r = await op.goto(drive);
    assert.ok(r.status() >= 400, `refused again after the revocation (${r.status()})`);
    assert.doesNotMatch(await op.locator('main').innerText(), /Notater\.txt/);
  }
  await op.goto('/lockbox');
  assert.match(await op.locator('article.lb-request', { hasText: caseRef }).innerText(), /\S/);
});
