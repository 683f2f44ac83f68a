// Large files go up in resumable pieces (tus): a connection that drops in
// the middle costs one piece, and choosing the same file again after
// reloading the page goes on from where the server got to. Checked by
// breaking the network under the page and comparing the bytes that arrive.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { closeBrowser, needRoutes, openAs } from './lib.mjs';

after(closeBrowser);

const LARS = 'lars.laerer@nordvik.test';
const DRIVE = 'd-nordvik-skole-laerere';
const dir = mkdtempSync(join(tmpdir(), 'suveren-upload-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const sha = (b) => createHash('sha256').update(b).digest('hex');

/** A file on disk (so the browser sees a stable name, size and date). */
function bigFile(name, mib) {
  const bytes = randomBytes(mib << 20);
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return { path, bytes };
}

/** Waits for the upload list to say `text`; fails with what it says instead. */
async function waitFor(page, text, timeout = 60000) {
  try {
    await page.locator('.uploads li', { hasText: text }).waitFor({ timeout });
  } catch (e) {
    const said = await page.locator('.uploads').innerText().catch(() => '(no list)');
    assert.fail(`the upload list should say ${text}; it says: ${said}`);
  }
}

async function stored(page, name) {
  const r = await page.request.get(`/api/v1/drives/${DRIVE}/content?path=${encodeURIComponent('/' + name)}`);
  assert.equal(r.status(), 200, `${name} is in the drive`);
  return Buffer.from(await r.body());
}

/** Every PATCH the page sends, with its Upload-Offset. */
function watchPatches(page) {
  const offsets = [];
  page.on('request', (r) => {
    if (r.method() === 'PATCH' && r.url().includes('/api/v1/uploads/')) {
      offsets.push(Number(r.headers()['upload-offset']));
    }
  });
  return offsets;
}

test('a dropped connection during a large upload is resumed and the file arrives whole', async (t) => {
  if (!(await needRoutes(t, `/drive/${DRIVE}`))) return;
  const name = `Opptak foreldremøte ${Date.now()}.bin`;
  const { path, bytes } = bigFile(name, 10);
  const ctx = await openAs(t, LARS, { lang: 'en' });
  const page = await ctx.newPage();
  await page.goto(`/drive/${DRIVE}`);
  const offsets = watchPatches(page);
  // The second piece's connection resets once.
  let patches = 0;
  await page.route('**/api/v1/uploads/*', (route) => {
    if (route.request().method() === 'PATCH' && ++patches === 2) return route.abort('connectionreset');
    return route.continue();
  });
  await page.setInputFiles('#files', path);
  await page.locator('form.upload button[type=submit]').click();
  await waitFor(page, /Resuming/, 20000);
  // When every file is up the page reloads and lists it.
  await page.getByRole('link', { name, exact: true }).waitFor({ timeout: 60000 });
  assert.ok(offsets.length >= 3, `sent in pieces, one of them again: ${offsets}`);
  assert.equal(offsets[0], 0);
  assert.ok(offsets.slice(1).every((o) => o > 0), `never started over: ${offsets}`);
  const got = await stored(page, name);
  assert.equal(got.length, bytes.length);
  assert.equal(sha(got), sha(bytes), 'the same bytes');
});

test('after reloading the page, choosing the same file again goes on where it stopped', async (t) => {
  if (!(await needRoutes(t, `/drive/${DRIVE}`))) return;
  const name = `Skoleavslutning ${Date.now()}.bin`;
  const { path, bytes } = bigFile(name, 10);
  const ctx = await openAs(t, LARS, { lang: 'nb' });
  const page = await ctx.newPage();
  await page.goto(`/drive/${DRIVE}`);
  // The network goes away after the first piece.
  let patches = 0;
  let offline = false;
  let cut;
  const wentOffline = new Promise((r) => (cut = r));
  await page.route('**/api/v1/uploads/*', (route) => {
    if (route.request().method() === 'PATCH' && (offline || ++patches === 2)) {
      offline = true;
      cut();
      return route.abort('internetdisconnected');
    }
    return route.continue();
  });
  await page.setInputFiles('#files', path);
  await page.locator('form.upload button[type=submit]').click();
  await wentOffline;
  // Back online, on a fresh page.
  await page.unroute('**/api/v1/uploads/*');
  await page.reload();
  const offsets = watchPatches(page);
  await page.setInputFiles('#files', path);
  await page.locator('form.upload button[type=submit]').click();
  await page.getByRole('link', { name, exact: true }).waitFor({ timeout: 60000 });
  assert.ok(offsets.length >= 1 && offsets[0] > 0, `the first piece after the reload starts past 0: ${offsets}`);
  const got = await stored(page, name);
  assert.equal(sha(got), sha(bytes), 'the same bytes');
});
