// Shared pieces of the browser tests: the server run.sh started, the demo
// credentials, TOTP codes that are never replayed, Debian's Chromium driven
// by playwright-core, browser contexts that fail the test on any request to
// another host, keyboard sign-in, and the axe-core accessibility check.
//
// Accessibility check and the CSP: our pages allow only `script-src 'self'`,
// so axe cannot be added as an inline <script> (addScriptTag({content}) is
// refused by the browser, as it should be). We do NOT turn the CSP off
// (bypassCSP) — every page is checked under the real policy, and a CSP
// violation fails the test. Instead axe's source is evaluated through the
// DevTools protocol (page.evaluate), which is not subject to the page's CSP.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);

export const BASE = (process.env.SUVEREN_BASE || '').replace(/\/$/, '');
export const DATA = process.env.SUVEREN_DATA || '';
if (!BASE || !DATA) {
  throw new Error('SUVEREN_BASE and SUVEREN_DATA are not set: run the browser tests with tests/web/run.sh');
}
export const ORIGIN = new URL(BASE).origin;
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
export const LANGS = ['nb', 'sv', 'en'];
export const LOCALES = { nb: 'nb-NO', sv: 'sv-SE', en: 'en-GB' };
export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/** login → { password, tenant, role, secret } from the demo credentials file. */
export const creds = Object.fromEntries(
  readFileSync(path.join(DATA, 'demo-credentials.tsv'), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => {
      const [login, password, tenant, role, secret] = l.split('\t');
      return [login, { password, tenant, role, secret: secret || '' }];
    }),
);

// ---------------------------------------------------------------- TOTP

function base32(s) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  const out = [];
  for (const ch of s.replace(/=+$/, '').toUpperCase()) {
    const i = alphabet.indexOf(ch);
    if (i < 0) throw new Error(`not base32: ${ch}`);
    value = (value << 5) | i;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** RFC 6238 code (SHA-1, 6 digits) of a 30-second step. */
export function totpAt(secret, step) {
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(step));
  const h = createHmac('sha1', base32(secret)).update(msg).digest();
  const o = h[h.length - 1] & 15;
  const n = (h.readUInt32BE(o) & 0x7fffffff) % 1_000_000;
  return String(n).padStart(6, '0');
}

// The steps each account has used, kept beside the data folder so that the
// test files (separate processes) never replay a code: the server refuses a
// step at or before the last one it accepted, and accepts one step ahead.
const STEPS = path.join(path.dirname(DATA.replace(/\/$/, '')), 'web-totp-steps.json');

/** A fresh code for `login`, waiting for the next step when both the
 * current and the next one are used up. */
export async function freshTotp(login) {
  const secret = creds[login].secret;
  for (;;) {
    const used = existsSync(STEPS) ? JSON.parse(readFileSync(STEPS, 'utf8')) : {};
    const now = Math.floor(Date.now() / 1000 / 30);
    const step = Math.max(now, (used[login] ?? -1) + 1);
    if (step <= now + 1) {
      used[login] = step;
      writeFileSync(`${STEPS}.tmp`, JSON.stringify(used));
      renameSync(`${STEPS}.tmp`, STEPS);
      return totpAt(secret, step);
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

// ---------------------------------------------------------------- routes

/** Whether the server has a page at `p` (GET not answered 404), so tests
 * of pages still being built skip instead of failing. */
export async function hasRoute(p) {
  const r = await fetch(BASE + p, { redirect: 'manual' });
  await r.arrayBuffer();
  return r.status !== 404;
}

/** Skips the test `t` with a clear message unless every path exists. */
export async function needRoutes(t, ...paths) {
  for (const p of paths) {
    if (!(await hasRoute(p))) {
      t.skip(`page ${p} does not exist yet (GET answers 404)`);
      return false;
    }
  }
  return true;
}

// ---------------------------------------------------------------- browser

let browserPromise = null;

/** The one Chromium of this test file (Debian's, never a downloaded one). */
export function browser() {
  browserPromise ??= chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return browserPromise;
}

export async function closeBrowser() {
  if (browserPromise) {
    const b = await browserPromise;
    browserPromise = null;
    await b.close();
  }
}

/**
 * A fresh browser context (own cookies) for test `t`, in language `lang`
 * (sent as Accept-Language), with or without JavaScript (`js`). Every
 * request to another origin is aborted and fails the test when it ends; so
 * do script errors and CSP violations.
 */
export async function open(t, { lang = 'nb', viewport = { width: 1280, height: 800 }, js = true } = {}) {
  const b = await browser();
  const ctx = await b.newContext({ locale: LOCALES[lang] || lang, viewport, baseURL: BASE, javaScriptEnabled: js });
  const problems = [];
  await ctx.route('**/*', (route) => {
    const url = route.request().url();
    let origin = '';
    try {
      origin = new URL(url).origin;
    } catch {}
    if (origin === ORIGIN || url.startsWith('data:') || url.startsWith('blob:')) return route.continue();
    problems.push(`request to another host: ${route.request().method()} ${url}`);
    return route.abort('blockedbyclient');
  });
  ctx.on('page', (page) => watchPage(page, problems));
  ctx.problems = problems;
  // Without a test (the screenshots script) the caller checks ctx.problems.
  t?.after(async () => {
    await ctx.close().catch(() => {});
    assert.deepEqual(problems, [], 'the pages stayed on our server, ran without script errors and within the CSP');
  });
  return ctx;
}

function watchPage(page, problems) {
  page.on('pageerror', (e) => problems.push(`script error on ${page.url()}: ${e.message}`));
  page.on('console', (m) => {
    const text = m.text();
    if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(text)) {
      problems.push(`CSP violation on ${page.url()}: ${text}`);
    }
  });
}

/** Presses Tab until the element matching `selector` has the focus. */
export async function tabTo(page, selector, max = 40) {
  for (let i = 0; i < max; i++) {
    if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return;
    await page.keyboard.press('Tab');
  }
  assert.fail(`Tab never reached ${selector}`);
}

/** Signs in on the sign-in page with the keyboard only: Tab to each field,
 * type, Enter. Leaves the page wherever the server sent it. */
export async function signInByKeyboard(page, login) {
  const c = creds[login];
  await page.goto('/');
  await tabTo(page, '#login');
  await page.keyboard.type(login);
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'password');
  await page.keyboard.type(c.password);
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'totp');
  if (c.secret) await page.keyboard.type(await freshTotp(login));
  await Promise.all([page.waitForURL((u) => u.pathname !== '/' && u.pathname !== '/signin'), page.keyboard.press('Enter')]);
}

// Sessions of the other tests: signed in once per account over HTTP (the
// same form POST a browser sends) and shared by the test files through a
// file beside the data folder, so TOTP accounts do not wait for new codes.
const SESSIONS = path.join(path.dirname(DATA.replace(/\/$/, '')), 'web-sessions.json');

const checked = new Map();

async function sessionCookie(login) {
  if (checked.has(login)) return checked.get(login);
  const all = existsSync(SESSIONS) ? JSON.parse(readFileSync(SESSIONS, 'utf8')) : {};
  if (all[login]) {
    const r = await fetch(`${BASE}/home`, { redirect: 'manual', headers: { cookie: all[login] } });
    await r.arrayBuffer();
    if (r.status === 200) {
      checked.set(login, all[login]);
      return all[login];
    }
  }
  const c = creds[login];
  assert.ok(c, `${login} is in the demo credentials`);
  const body = new URLSearchParams({ login, password: c.password, totp: c.secret ? await freshTotp(login) : '', next: '/home' });
  const r = await fetch(`${BASE}/signin`, { method: 'POST', redirect: 'manual', body, headers: { origin: ORIGIN } });
  const text = await r.text();
  assert.equal(r.status, 303, `${login} signs in: ${text.slice(0, 300)}`);
  const cookie = r.headers.getSetCookie().map((s) => s.split(';')[0]).find((s) => /^[^=]*session[^=]*=./i.test(s));
  assert.ok(cookie, `${login} gets a session cookie`);
  all[login] = cookie;
  checked.set(login, cookie);
  writeFileSync(`${SESSIONS}.tmp`, JSON.stringify(all));
  renameSync(`${SESSIONS}.tmp`, SESSIONS);
  return cookie;
}

/** A context signed in as `login` (a shared session; do not sign out in it). */
export async function openAs(t, login, opts = {}) {
  const ctx = await open(t, opts);
  const cookie = await sessionCookie(login);
  const eq = cookie.indexOf('=');
  await ctx.addCookies([{ name: cookie.slice(0, eq), value: cookie.slice(eq + 1), url: BASE }]);
  return ctx;
}

/** Switches the language with the page's own selector link (a plain GET). */
export async function setLanguage(page, lang) {
  const back = new URL(page.url()).pathname + new URL(page.url()).search;
  await page.goto(`/language?l=${lang}&back=${encodeURIComponent(back)}`);
  assert.equal(await page.getAttribute('html', 'lang'), lang);
}

// ---------------------------------------------------------------- axe

const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** Runs axe-core (WCAG 2.0/2.1 A and AA) on the page as it is and fails
 * with each violation's id, impact and targets. */
export async function checkA11y(page, what = page.url()) {
  const has = await page.evaluate(() => typeof window.axe !== 'undefined');
  if (!has) await page.evaluate(AXE);
  const res = await page.evaluate(
    (tags) => window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] }),
    AXE_TAGS,
  );
  const lines = res.violations.flatMap((v) =>
    v.nodes.map((n) => `  ${v.id} (${v.impact}) at ${n.target.join(' ')}: ${v.help}`),
  );
  assert.equal(lines.length, 0, `accessibility violations on ${what}:\n${lines.join('\n')}`);
}
