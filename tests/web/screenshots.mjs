// Regenerates docs/screenshots/*.png (1280x800, English unless `lang`) from the demo:
//   bash tests/web/run.sh --screenshots
// Pages that do not exist yet are left out with a message. Every page is
// loaded under the same rules as the tests: no request to another host.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { closeBrowser, hasRoute, open, openAs } from './lib.mjs';

const OUT = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../docs/screenshots');
mkdirSync(OUT, { recursive: true });

const SIRI = 'siri.saksbehandler@nordvik.test';
const SHOTS = [
  { file: 'signin.png', login: null, path: '/' },
  { file: 'home.png', login: SIRI, path: '/home' },
  { file: 'drive.png', login: SIRI, path: '/drive/d-barnevern?path=/Saker' },
  {
    file: 'share-refused.png',
    login: SIRI,
    path: `/drive/d-barnevern/share?path=${encodeURIComponent('/Saker/2026-117 Bekymringsmelding.txt')}`,
    // Ask for a link: the refusal with its reason is the picture.
    act: async (page) => {
      const button = page.locator('form:has(input[name=kind][value=link]) button[type=submit]');
      await Promise.all([page.waitForLoadState('load'), page.waitForEvent('framenavigated'), button.click()]);
    },
  },
  { file: 'lockbox.png', login: 'oda.godkjenner@nordvik.test', path: '/lockbox', before: fileLockboxRequest },
  { file: 'settings.png', login: 'lars.laerer@nordvik.test', path: '/settings' },
  { file: 'admin.png', login: 'anna.admin@nordvik.test', path: '/admin' },
  { file: 'audit.png', login: 'anna.admin@nordvik.test', path: '/audit' },
  { file: 'operator.png', login: 'operator', path: '/operator' },
  { file: 'drive-sv.png', login: SIRI, path: '/drive/d-barnevern', lang: 'sv' },
  { file: 'principal.png', login: 'anna.admin@nordvik.test', path: '/admin/principals/lars.laerer@nordvik.test' },
  { file: 'admin-policy.png', login: 'anna.admin@nordvik.test', path: '/admin/policy' },
  { file: 'admin-drives.png', login: 'anna.admin@nordvik.test', path: '/admin/drives' },
  { file: 'federation.png', login: 'anna.admin@nordvik.test', path: '/admin/federation' },
  { file: 'operator-health.png', login: 'operator', path: '/operator/health' },
];

/** So the approver's queue is not empty: the operator files a request. */
async function fileLockboxRequest() {
  const ctx = await openAs(null, 'operator', { lang: 'en' });
  try {
    const page = await ctx.newPage();
    await page.goto('/lockbox');
    if (!(await page.locator('#lb-target').count())) return;
    await page.selectOption('#lb-tenant', 'nordvik').catch(() => {});
    await page.check('#lb-kind-person');
    await page.fill('#lb-target', SIRI);
    await page.fill('#lb-reason', 'The user reports files missing after a sync; support needs to see the folder listing.');
    await page.fill('#lb-case', 'SUP-2026-0412');
    await page.fill('#lb-minutes', '60');
    await Promise.all([page.waitForURL('**/lockbox?done=filed'), page.click('form[action="/lockbox/request"] button[type=submit]')]);
  } finally {
    await ctx.close();
  }
}

let failed = 0;
for (const s of SHOTS) {
  const route = s.path.split('?')[0];
  if (!(await hasRoute(route))) {
    console.log(`skipped ${s.file}: page ${route} does not exist yet`);
    continue;
  }
  if (s.before) await s.before();
  const lang = s.lang || 'en';
  const ctx = s.login ? await openAs(null, s.login, { lang }) : await open(null, { lang });
  const page = await ctx.newPage();
  const res = await page.goto(s.path);
  if (s.act) await s.act(page);
  await page.screenshot({ path: path.join(OUT, s.file) });
  const problems = ctx.problems.slice();
  await ctx.close();
  if (res.status() !== 200 || problems.length) {
    failed++;
    console.log(`FAIL ${s.file}: status ${res.status()} ${problems.join('; ')}`);
  } else {
    console.log(`wrote docs/screenshots/${s.file}`);
  }
}
await closeBrowser();
process.exit(failed ? 1 : 0);
