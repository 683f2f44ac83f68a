// axe-core (WCAG 2.0 and 2.1, levels A and AA) on every page, in every
// language (nb, sv, en, chosen with the language selector's link), as the people
// who use it. A page whose route does not exist yet is skipped, so the
// suite is green while the UI is being built; when it lands it is checked.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { BASE, LANGS, checkA11y, closeBrowser, hasRoute, open, openAs } from './lib.mjs';
import { makeLinks } from './links-fixture.mjs';

after(closeBrowser);

const SIRI = 'siri.saksbehandler@nordvik.test';
const LARS = 'lars.laerer@nordvik.test';
const PER = 'per.elev@nordvik.test';
const ANNA = 'anna.admin@nordvik.test';
const ODA = 'oda.godkjenner@nordvik.test';
const OPERATOR = 'operator';

// Share links for the recipients' pages (made over the REST API).
const LINKS = await makeLinks();

// Each page: who looks at it, its path (or a function finding it on an
// already open page), and the route that must exist for it to be checked.
const PAGES = [
  { name: 'sign-in', login: null, path: '/' },
  { name: 'sign-in, session ended', login: null, path: '/?expired=1&next=/home' },
  { name: 'home (case worker)', login: SIRI, path: '/home' },
  { name: 'home (pupil)', login: PER, path: '/home' },
  { name: 'home (operator)', login: OPERATOR, path: '/home' },
  { name: 'drives', login: SIRI, path: '/drive' },
  { name: 'Barnevern (Strengt fortrolig)', login: SIRI, path: '/drive/d-barnevern' },
  { name: 'a folder in Barnevern', login: SIRI, path: '/drive/d-barnevern?path=/Saker' },
  {
    name: 'a file in Barnevern',
    login: SIRI,
    path: `/drive/d-barnevern/item?path=${encodeURIComponent('/Saker/2026-117 Bekymringsmelding.txt')}`,
  },
  {
    name: 'share dialog with suggestions',
    login: SIRI,
    path: `/drive/d-barnevern/share?path=${encodeURIComponent('/Saker/2026-117 Bekymringsmelding.txt')}&q=oda`,
  },
  {
    name: 'versions',
    login: SIRI,
    path: `/drive/d-barnevern/versions?path=${encodeURIComponent('/Maler/Undersøkelsesplan.txt')}`,
  },
  { name: 'trash', login: SIRI, path: '/drive/d-barnevern/trash' },
  { name: 'empty the trash (confirmation)', login: SIRI, path: '/drive/d-barnevern/trash/confirm?all=1' },
  { name: 'teachers’ drive (Intern)', login: LARS, path: '/drive/d-nordvik-skole-laerere' },
  { name: 'shared with me', login: LARS, path: '/drive/shared' },
  { name: 'shared by me', login: LARS, path: '/drive/shared-by-me' },
  { name: 'file search', login: LARS, path: '/drive/search?q=plan' },
  { name: 'directory', login: LARS, path: '/directory?q=siri' },
  { name: 'settings', login: LARS, path: '/settings' },
  { name: 'lockbox (approver)', login: ODA, path: '/lockbox' },
  { name: 'lockbox (operator)', login: OPERATOR, path: '/lockbox' },
  { name: 'administration', login: ANNA, path: '/admin' },
  { name: 'audit log', login: ANNA, path: '/audit' },
  { name: 'operator console', login: OPERATOR, path: '/operator' },
  { name: 'operator: health', login: OPERATOR, path: '/operator/health' },
  { name: 'operator: one tenant', login: OPERATOR, path: '/operator/tenants/nordvik' },
  { name: 'administration: federation links', login: ANNA, path: '/admin/federation' },
  { name: 'administration: who can see whom', login: ANNA, path: '/admin?as=per.elev@nordvik.test' },
  { name: 'administration: one principal', login: ANNA, path: '/admin/principals/lars.laerer@nordvik.test' },
  { name: 'administration: classification, retention and keys', login: ANNA, path: '/admin/policy' },
  { name: 'audit log filtered', login: ANNA, path: '/audit?action=session' },
  { name: 'a refusal (pupil at the administration)', login: PER, path: '/admin', status: 403 },
  { name: 'a drive that does not exist', login: SIRI, path: '/drive/d-no-such-drive', status: 404 },
  { name: 'administration: team drives', login: ANNA, path: '/admin/drives' },
  { name: 'a link to a file (no account)', login: null, path: `/l/${LINKS.file}` },
  { name: 'a link to a folder (no account)', login: null, path: `/l/${LINKS.folder}` },
  { name: 'a link with a password (no account)', login: null, path: `/l/${LINKS.password}` },
  { name: 'an upload link (no account)', login: null, path: `/l/${LINKS.upload}` },
];

for (const p of PAGES) {
  test(`accessible in nb, sv and en: ${p.name} (${p.path})`, async (t) => {
    if (!(await hasRoute(p.path.split('?')[0]))) {
      t.skip(`page ${p.path.split('?')[0]} does not exist yet (GET answers 404)`);
      return;
    }
    const ctx = p.login ? await openAs(t, p.login) : await open(t);
    const page = await ctx.newPage();
    for (const lang of LANGS) {
      // The language selector's own link: remembers the language and
      // comes back to the page.
      const res = await page.goto(`/language?l=${lang}&back=${encodeURIComponent(p.path)}`);
      const status = res.status();
      if (p.status) {
        assert.ok(status >= 400, `${p.path} as ${p.login} is refused (got ${status})`);
      } else {
        assert.equal(status, 200, `${p.path} as ${p.login} answers 200 (${lang}) at ${page.url()}`);
        assert.equal(new URL(page.url()).pathname, p.path.split('?')[0], `not sent elsewhere (${lang})`);
      }
      assert.equal(await page.getAttribute('html', 'lang'), lang, `${p.path} is in ${lang}`);
      assert.equal(await page.locator('h1').count(), 1, `${p.path} has one h1`);
      await checkA11y(page, `${p.name} ${BASE}${p.path} as ${p.login ?? 'anonymous'} (${lang})`);
    }
  });
}
