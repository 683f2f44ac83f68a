// A real OpenID provider (panva/oidc-provider) for the suveren-identity
// integration test. It signs in the account named by OIDC_TEST_ACCOUNT and
// grants consent without any page, so a test can reach the redirect URI by
// following plain HTTP redirects, no browser involved.
//
// Usage: node provider.mjs [PORT]
//   PORT                 argv[2] or env PORT; 0 or unset picks a free port.
//   REDIRECT_URI         the only redirect URI registered for client `suveren`
//                        (default http://127.0.0.1:9/callback).
//   OIDC_TEST_ACCOUNT    account signed in automatically (default lars.laerer).
//   OIDC_EXIT_WITH_STDIN set to 1 to exit when stdin closes, so the provider
//                        dies with the test process even if it is killed hard.
//   OIDC_STALE_JWKS_ONCE set to 1 to answer the first key set request with an
//                        unrelated key, as if the provider had rotated its keys
//                        after the relying party fetched them.
// Prints exactly one line `READY <issuer-url>` on stdout once listening;
// everything else goes to stderr.

import { generateKeyPairSync, randomUUID } from 'node:crypto';
import http from 'node:http';

import Provider from 'oidc-provider';

// stdout carries only the READY line; oidc-provider's notices go to stderr with the rest.
console.log = console.error;
console.info = console.error;
console.warn = console.error;

const ACCOUNTS = {
  'lars.laerer': {
    email: 'lars.laerer@nordvik.test',
    email_verified: true,
    name: 'Lars Lærer',
    preferred_username: 'lars.laerer',
    groups: ['laerere', 'nordvik-skole'],
  },
  'eva.elev': {
    email: 'eva.elev@nordvik.test',
    email_verified: false,
    name: 'Eva Elev',
    preferred_username: 'eva.elev',
    groups: ['elever'],
  },
};

const port = Number(process.argv[2] ?? process.env.PORT ?? 0);
const redirectUri = process.env.REDIRECT_URI ?? 'http://127.0.0.1:9/callback';
const testAccount = process.env.OIDC_TEST_ACCOUNT ?? 'lars.laerer';
let staleJwksPending = process.env.OIDC_STALE_JWKS_ONCE === '1';

if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`invalid port: ${process.argv[2] ?? process.env.PORT}`);
  process.exit(2);
}

if (process.env.OIDC_EXIT_WITH_STDIN === '1') {
  process.stdin.on('end', () => process.exit(0));
  process.stdin.on('error', () => process.exit(0));
  process.stdin.resume();
}

function signingKey() {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = privateKey.export({ format: 'jwk' });
  return { ...jwk, kid: randomUUID(), use: 'sig', alg: 'RS256' };
}

async function findAccount(_ctx, id) {
  const claims = ACCOUNTS[id];
  if (!claims) return undefined;
  return {
    accountId: id,
    async claims() {
      return { sub: id, ...claims };
    },
  };
}

// Completes whatever the provider asks for (login, then consent) without a page.
async function interact(provider, req, res) {
  const details = await provider.interactionDetails(req, res);
  const { prompt, params, session } = details;
  let result;
  if (prompt.name === 'login') {
    if (!ACCOUNTS[testAccount]) {
      result = { error: 'access_denied', error_description: 'unknown test account' };
    } else {
      result = { login: { accountId: testAccount } };
    }
  } else if (prompt.name === 'consent') {
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
    const missing = prompt.details;
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    if (missing.missingResourceScopes) {
      for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes)) {
        grant.addResourceScope(indicator, scopes.join(' '));
      }
    }
    result = { consent: { grantId: await grant.save() } };
  } else {
    result = { error: 'access_denied', error_description: `unhandled prompt ${prompt.name}` };
  }
  await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: true });
}

let provider;
let callback;

const server = http.createServer((req, res) => {
  if (staleJwksPending && req.method === 'GET' && req.url === '/jwks') {
    staleJwksPending = false;
    const { d, p, q, dp, dq, qi, ...decoy } = signingKey();
    res.setHeader('Content-Type', 'application/jwk-set+json; charset=utf-8');
    res.end(JSON.stringify({ keys: [decoy] }));
    return;
  }
  if (req.method === 'GET' && /^\/interaction\/[^/?]+(\?.*)?$/.test(req.url)) {
    interact(provider, req, res).catch((err) => {
      console.error('interaction failed:', err);
      if (!res.headersSent) {
        res.statusCode = 500;
        res.end('interaction failed');
      }
    });
    return;
  }
  callback(req, res);
});

server.listen(port, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  provider = new Provider(issuer, {
    clients: [
      {
        client_id: 'suveren',
        client_secret: 'suveren-test-secret',
        redirect_uris: [redirectUri],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    jwks: { keys: [signingKey()] },
    cookies: { keys: [randomUUID()] },
    findAccount,
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name', 'preferred_username'],
      groups: ['groups'],
    },
    scopes: ['openid', 'email', 'profile', 'groups'],
    // The relying party reads identity from the ID token, as it does with most
    // municipal identity providers, so the ID token carries the scoped claims.
    conformIdTokenClaims: false,
    ttl: {
      AccessToken: 600,
      AuthorizationCode: 60,
      Grant: 3600,
      IdToken: 600,
      Interaction: 600,
      Session: 3600,
    },
    pkce: { required: () => true },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  });
  provider.on('server_error', (_ctx, err) => console.error('server_error:', err));
  provider.on('grant.error', (_ctx, err) => console.error('grant.error:', err.message));
  provider.on('authorization.error', (_ctx, err) =>
    console.error('authorization.error:', err.message, err.error_description ?? ''),
  );
  callback = provider.callback();
  process.stdout.write(`READY ${issuer}\n`);
});

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    server.close();
    process.exit(0);
  });
}
