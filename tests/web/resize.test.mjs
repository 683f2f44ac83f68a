// WCAG 2.1 1.4.4 (resize text to 200 %) and 1.4.10 (reflow): with the
// browser's text size doubled (the font-size preference people with low
// vision set), and on a window half as wide (200 % zoom of a laptop
// screen), the main pages keep all their text and controls reachable:
// the text really grows, nothing needs scrolling sideways, no control is
// cut off or covered by another, and axe-core still finds nothing.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { checkA11y, closeBrowser, hasRoute, openAs } from './lib.mjs';

after(closeBrowser);

const PAGES = [
  { login: 'siri.saksbehandler@nordvik.test', path: '/drive/d-barnevern' },
  { login: 'siri.saksbehandler@nordvik.test', path: '/drive/d-barnevern/share?path=%2FMaler%2FUnders%C3%B8kelsesplan.txt' },
  { login: 'lars.laerer@nordvik.test', path: '/settings' },
  { login: 'lars.laerer@nordvik.test', path: '/directory?q=siri' },
  { login: 'oda.godkjenner@nordvik.test', path: '/lockbox' },
  { login: 'anna.admin@nordvik.test', path: '/admin' },
  { login: 'anna.admin@nordvik.test', path: '/audit' },
  { login: 'anna.admin@nordvik.test', path: '/admin/policy' },
  { login: 'anna.admin@nordvik.test', path: '/admin/principals/lars.laerer@nordvik.test' },
  { login: 'operator', path: '/operator' },
  { login: 'operator', path: '/operator/health' },
];

/** What breaks at a large text size: sideways scrolling, controls cut off
 * at the window's edge, controls on top of each other. */
async function layoutProblems(page) {
  return page.evaluate(() => {
    const out = [];
    const vw = document.documentElement.clientWidth;
    if (document.documentElement.scrollWidth > vw + 1) {
      out.push(`page scrolls sideways: ${document.documentElement.scrollWidth} > ${vw}`);
    }
    // The skip link waits off-screen until it has the focus (by design).
    const controls = [...document.querySelectorAll('a[href]:not(.skip), button, input:not([type=hidden]), select, textarea')]
      .filter((e) => {
        const s = getComputedStyle(e);
        const r = e.getBoundingClientRect();
        // Inside a closed <details> a control is not shown (Chromium still
        // lays it out), until its summary opens it.
        const folded = e.closest('details:not([open])') && !e.closest('summary');
        return s.visibility !== 'hidden' && s.display !== 'none' && r.width > 1 && r.height > 1 &&
          !e.closest('.visually-hidden') && !folded;
      });
    // Controls inside a scroll box (wide tables) are reachable by scrolling it.
    const inScroller = (e) => {
      for (let p = e.parentElement; p; p = p.parentElement) {
        const s = getComputedStyle(p);
        if (/(auto|scroll)/.test(s.overflowX)) return true;
      }
      return false;
    };
    const name = (e) => `${e.tagName.toLowerCase()} "${(e.innerText || e.value || e.getAttribute('aria-label') || e.id || '').trim().slice(0, 40)}"`;
    const boxes = controls.map((e) => [e, e.getBoundingClientRect()]);
    for (const [e, r] of boxes) {
      if (!inScroller(e) && (r.left < -1 || r.right > vw + 1)) out.push(`${name(e)} is cut off at the edge`);
    }
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        const [a, ra] = boxes[i];
        const [b, rb] = boxes[j];
        if (a.contains(b) || b.contains(a)) continue;
        const w = Math.min(ra.right, rb.right) - Math.max(ra.left, rb.left);
        const h = Math.min(ra.bottom, rb.bottom) - Math.max(ra.top, rb.top);
        if (w > 4 && h > 4) out.push(`${name(a)} and ${name(b)} overlap`);
      }
    }
    return out;
  });
}

for (const p of PAGES) {
  test(`text at 200 % and a half-width window: ${p.path}`, async (t) => {
    if (!(await hasRoute(p.path.split('?')[0]))) {
      t.skip('page does not exist yet');
      return;
    }
    const ctx = await openAs(t, p.login, { lang: 'nb', viewport: { width: 1280, height: 900 } });
    const page = await ctx.newPage();
    await page.goto(p.path);
    // Every folded section open, so their forms are checked too.
    await page.evaluate(() => document.querySelectorAll('details').forEach((d) => (d.open = true)));
    const base = await page.evaluate(() => parseFloat(getComputedStyle(document.querySelector('main')).fontSize));

    // The browser's own text-size setting, doubled.
    const cdp = await ctx.newCDPSession(page);
    await cdp.send('Page.setFontSizes', { fontSizes: { standard: 32, fixed: 26 } });
    await page.reload();
    await page.evaluate(() => document.querySelectorAll('details').forEach((d) => (d.open = true)));
    const big = await page.evaluate(() => parseFloat(getComputedStyle(document.querySelector('main')).fontSize));
    assert.ok(big >= 2 * base - 0.5, `the text grows with the setting: ${base}px -> ${big}px`);
    assert.deepEqual(await layoutProblems(page), [], `${p.path} at 200 % text`);

    // 200 % zoom of a 1280 px screen: the layout reflows into 640 px.
    await page.setViewportSize({ width: 640, height: 900 });
    await cdp.send('Page.setFontSizes', { fontSizes: { standard: 16, fixed: 13 } });
    await page.reload();
    await page.evaluate(() => document.querySelectorAll('details').forEach((d) => (d.open = true)));
    assert.deepEqual(await layoutProblems(page), [], `${p.path} in a 640 px window`);
    await checkA11y(page, `${p.path} in a 640 px window`);
  });
}
