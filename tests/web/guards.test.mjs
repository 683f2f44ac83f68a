// Negative controls: the checks the other tests rely on are not blind. A
// request to another host is stopped and reported, a CSP violation is
// reported, and axe finds a planted accessibility fault.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { checkA11y, closeBrowser, open } from './lib.mjs';

after(closeBrowser);

test('a request to another host is blocked and reported', async (t) => {
  const ctx = await open(t);
  const page = await ctx.newPage();
  // Another origin on loopback; aborted before any connection is made.
  await assert.rejects(page.goto('http://127.0.0.2:9/elsewhere'));
  assert.equal(ctx.problems.length, 1, ctx.problems.join('\n'));
  assert.match(ctx.problems[0], /request to another host: GET http:\/\/127\.0\.0\.2:9\/elsewhere/);
  ctx.problems.length = 0;
});

test('an inline script is refused by the CSP and reported', async (t) => {
  const ctx = await open(t);
  const page = await ctx.newPage();
  await page.goto('/');
  await assert.rejects(page.addScriptTag({ content: 'window.inlineRan = true' }));
  assert.equal(await page.evaluate(() => window.inlineRan), undefined, 'the inline script did not run');
  await page.waitForTimeout(100);
  assert.ok(ctx.problems.some((p) => /CSP violation/.test(p)), ctx.problems.join('\n'));
  ctx.problems.length = 0;
});

test('axe reports a planted fault with its id, impact and target', async (t) => {
  const ctx = await open(t);
  const page = await ctx.newPage();
  await page.goto('/');
  await checkA11y(page, 'the sign-in page');
  await page.evaluate(() => {
    const i = document.createElement('input');
    i.id = 'unlabelled';
    document.querySelector('main').append(i);
  });
  await assert.rejects(checkA11y(page, 'the planted fault'), (e) => {
    assert.match(e.message, /label \((critical|serious)\) at #unlabelled/);
    return true;
  });
});
