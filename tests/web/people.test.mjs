// Who can find whom, as the pages show it: a pupil's people picker (the
// share dialog) and the directory suggest only people he may discover —
// never a pupil of another municipality. Skipped while the pages are missing.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { checkA11y, closeBrowser, hasRoute, openAs } from './lib.mjs';

after(closeBrowser);

const PER = 'per.elev@nordvik.test';
const LARS = 'lars.laerer@nordvik.test';

/** The caller's personal drive, from the drive links on home. */
async function personalDrive(page) {
  await page.goto('/home');
  const hrefs = await page.locator('main a[href^="/drive/"]').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
  const p = hrefs.find((h) => /^\/drive\/p-/.test(h));
  assert.ok(p, `home links the personal drive (${hrefs.join(', ')})`);
  return p;
}

/** The labels the picker suggests for `q`. */
async function suggestions(page, drive, file, q) {
  await page.goto(`${drive}/share?path=${encodeURIComponent(file)}`);
  await page.locator('#q').fill(q);
  await Promise.all([page.waitForNavigation(), page.locator('#q').press('Enter')]);
  return page.locator('fieldset.people label').allInnerTexts();
}

/** The labels the picker suggests live while typing (app.js asks the
 * directory search of the REST API). */
async function liveSuggestions(page, q) {
  await page.evaluate(() => {
    const stale = document.createElement('i');
    stale.id = 'stale-marker';
    document.getElementById('people-list').append(stale);
  });
  await page.locator('#q').fill('');
  await page.locator('#q').focus();
  await page.keyboard.type(q);
  await page.waitForFunction(() => !document.getElementById('stale-marker'), null, { timeout: 5000 });
  return page.locator('#people-list label').allInnerTexts();
}

test("per.elev's people picker does not suggest sara.elev@sorvik.test", async (t) => {
  if (!(await hasRoute('/drive/p-x/share'))) {
    t.skip('page /drive/{drive}/share does not exist yet (GET answers 404)');
    return;
  }
  const ctx = await openAs(t, PER, { lang: 'nb' });
  const page = await ctx.newPage();
  const drive = await personalDrive(page);
  // A person he may find: the picker works (not blind).
  const lars = await suggestions(page, drive, '/Norsk/Stil.txt', 'lars');
  assert.ok(lars.some((l) => /Lars Lærer/.test(l)), `per finds his teacher: ${JSON.stringify(lars)}`);
  // A pupil in another municipality: not suggested, not even by login.
  for (const q of ['sara', 'sara.elev', 'sara.elev@sorvik.test', 'Sara Elev']) {
    const got = await suggestions(page, drive, '/Norsk/Stil.txt', q);
    assert.ok(!got.some((l) => /sara|sorvik|Sørvik/i.test(l)), `q=${q}: ${JSON.stringify(got)}`);
    assert.doesNotMatch(await page.locator('main').innerText(), /sara\.elev|Sara Elev/i, `q=${q}: nowhere on the page`);
  }
  await checkA11y(page, 'the picker with no one to suggest');

  // The same while typing, where app.js fills the list from the REST API.
  if (await page.locator('#q[data-suggest]').count()) {
    const live = await liveSuggestions(page, 'lars');
    assert.ok(live.some((l) => /Lars Lærer/.test(l)), `live: per finds his teacher: ${JSON.stringify(live)}`);
    for (const q of ['sara', 'sara.elev@sorvik.test']) {
      const got = await liveSuggestions(page, q);
      assert.ok(!got.some((l) => /sara|sorvik/i.test(l)), `live q=${q}: ${JSON.stringify(got)}`);
    }
    assert.match(await page.locator('#people-live').innerText(), /\S/, 'the count is announced');
    await checkA11y(page, 'the picker after live suggestions');
  }
});

test('the directory page: per finds no one outside his school, lars finds erik but not sara', async (t) => {
  if (!(await hasRoute('/directory'))) {
    t.skip('page /directory does not exist yet (GET answers 404)');
    return;
  }
  const per = await (await openAs(t, PER, { lang: 'sv' })).newPage();
  await per.goto(`/directory?q=${encodeURIComponent('sara')}`);
  assert.doesNotMatch(await per.locator('main').innerText(), /sara\.elev|Sara Elev/i);
  await checkA11y(per, 'directory search (per, sv)');

  const lars = await (await openAs(t, LARS, { lang: 'en' })).newPage();
  await lars.goto(`/directory?q=${encodeURIComponent('erik')}`);
  assert.match(await lars.locator('main').innerText(), /Erik Ansatt/, 'the federation link lets lars find erik');
  await lars.goto(`/directory?q=${encodeURIComponent('sara')}`);
  assert.doesNotMatch(await lars.locator('main').innerText(), /sara\.elev|Sara Elev/i, 'but not the pupil sara');
  await checkA11y(lars, 'directory search (lars, en)');
});
