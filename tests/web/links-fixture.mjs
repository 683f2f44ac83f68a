// Share links to check the pages their recipients see (/l/{token}): the
// tenant administrator makes an Open team drive for lars over the REST API
// (the demo's Intern level allows no links), lars puts a file and a folder
// in it and makes a view link to each, a link with a password and an
// upload link.
import { BASE, ORIGIN, creds, freshTotp } from './lib.mjs';

const ANNA = 'anna.admin@nordvik.test';
const LARS = 'lars.laerer@nordvik.test';

async function signIn(login) {
  const c = creds[login];
  const totp = c.secret ? await freshTotp(login) : '';
  const body = new URLSearchParams({ login, password: c.password, totp, next: '/home' });
  const r = await fetch(`${BASE}/signin`, { method: 'POST', redirect: 'manual', body, headers: { origin: ORIGIN } });
  await r.arrayBuffer();
  const cookie = r.headers.getSetCookie().map((s) => s.split(';')[0]).find((s) => /^[^=]*session[^=]*=./i.test(s));
  if (!cookie) throw new Error(`${login} could not sign in (${r.status})`);
  return cookie;
}

async function api(cookie, method, path, body) {
  const json = typeof body !== 'string';
  const r = await fetch(`${BASE}${path}`, {
    method,
    headers: { cookie, 'content-type': json ? 'application/json' : 'text/plain' },
    body: json ? JSON.stringify(body) : body,
  });
  const text = await r.text();
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${text}`);
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** Tokens of a file link, a folder link, a password link and an upload link. */
export async function makeLinks() {
  const anna = await signIn(ANNA);
  const slug = `a11y-lenker-${Date.now()}`;
  const drive = await api(anna, 'POST', '/api/v1/tenants/nordvik/drives', {
    name: 'Lenker (test)',
    slug,
    level: 0,
    members: [{ principal: LARS, role: 'owner' }],
  });
  const lars = await signIn(LARS);
  const d = `/api/v1/drives/${drive.id}`;
  await api(lars, 'PUT', `${d}/content?path=${encodeURIComponent('/Meny uke 48.txt')}`, 'Fiskesuppe og brød.\n');
  await api(lars, 'POST', `${d}/folders`, { path: '/Innlevering' });
  const link = async (share) => (await api(lars, 'POST', `${d}/shares`, share)).token;
  return {
    file: await link({ path: '/Meny uke 48.txt', link: 'view' }),
    folder: await link({ path: '/', link: 'view' }),
    password: await link({ path: '/Meny uke 48.txt', link: 'view', password: 'suppe-2026' }),
    upload: await link({ path: '/Innlevering', link: 'upload' }),
  };
}
